"""Shared computations of the case-study exercises (chapters 18 and 19): each lever switched on
alone over the calibrated traditional baseline, on common random numbers, at the case notebooks'
default sizes."""

from __future__ import annotations

from functools import lru_cache

from casekit import metrics

#: The case notebooks' default run (seed, replications, days after the warm-up, FMCG outlets).
DEFAULT_RUN = {"seed": 1, "replications": 3, "horizon_days": 90, "outlets": 100}

_DIFFERENCE = ("fill_rate", "bullwhip", "order_cycle_std", "recovery_days")


@lru_cache(maxsize=None)
def _values(case: str, lever: str | None, seed: int, replications: int, horizon_days: int, outlets: int):
    """Per-replication Table 3 quantities of the baseline (``lever=None``) or of one lever on alone
    (with what it needs), without the supplier-shutdown runs."""
    from casekit import framework as fw

    cal = fw.load_calibration(case)
    system = _system(case, horizon_days, outlets, cal["dispersion_scale"])
    return fw.evaluate(case, () if lever is None else [lever], system=system, horizon_days=horizon_days,
                       replications=replications, seed=seed, calibration=cal, recovery=False).values


@lru_cache(maxsize=None)
def _system(case, horizon_days, outlets, dispersion_scale):
    from casekit import framework as fw

    return fw.case_system(case, horizon_days=horizon_days, outlets=outlets, dispersion_scale=dispersion_scale)


def lever_change(case: str, lever: str, quantity: str, **run) -> tuple:
    """Paired change of ``quantity`` when ``lever`` is switched on alone over the baseline:
    ``(mean, ci_low, ci_high)``, a difference for fill rate (points), bullwhip, order-cycle std and
    recovery days, a % change for costs and CO2 (the convention of the framework's ablation)."""
    key = {**DEFAULT_RUN, **run}
    args = (key["seed"], key["replications"], key["horizon_days"], key["outlets"])
    a = _values(case, None, *args)[quantity].to_numpy()
    b = _values(case, lever, *args)[quantity].to_numpy()
    d = b - a if quantity in _DIFFERENCE else 100 * (b - a) / abs(a)
    return metrics.mean_ci(d)


def largest_clear_mover(case: str, quantity: str, **run) -> str:
    """The lever whose change of ``quantity``, switched on alone, is largest in size among those
    whose 95% interval excludes 0; ``"none"`` when no lever moves it clearly."""
    from casekit import framework as fw

    clear = {}
    for lever in fw.levers(case):
        m, lo, hi = lever_change(case, lever, quantity, **run)
        if lo > 0 or hi < 0:
            clear[lever] = abs(m)
    return max(clear, key=clear.get) if clear else "none"


def direction(case: str, lever: str, quantity: str, **run) -> str:
    """``"raise"``, ``"lower"`` or ``"no clear change"``: what ``lever`` alone does to ``quantity``."""
    m, lo, hi = lever_change(case, lever, quantity, **run)
    return "raise" if lo > 0 else "lower" if hi < 0 else "no clear change"
