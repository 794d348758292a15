"""The paper's layered framework (its Figure 3) as switchable levers over a traditional baseline.

The paper's hybrid policy is not one method but four layers working together (§5, Figure 3):
forecasting, tactical planning, simulation and operational control.  casekit makes each layer's
contribution a **lever**: one named change to how the case is planned, which can be switched on
alone over the traditional baseline, or switched off alone from the full hybrid.  The hybrid is
all levers on.  Every lever changes the inputs of one simulation engine
(:mod:`casekit.simulation`, via :func:`casekit.cases.run_case`), never the engine itself.

The traditional baseline
------------------------
"Traditional" is a competent classical planner with the traditional information set (local data,
historical averages, no shared point-of-sale data, no promotion knowledge):

* downstream, continuous-review (r, Q) per node **optimised** by the classical-models chapter's
  :func:`casekit.rq.optimize_rq` (exact, negative binomial lead-time demand; :func:`optimized_rq`),
  on the average demand of the last ``ma_window`` months of history;
* upstream, order-up-to every 30 days on the local position, whose level is **re-estimated at
  every review** from a moving average of the orders observed from downstream over the last
  ``ma_window`` reviews: the forecast updating that Chen, Drezner, Ryan & Simchi-Levi (2000)
  identify as a source of bullwhip (Var(q)/Var(D) >= 1 + 2L/p + 2L²/p², L the lead time in review
  periods, p the window); the engine runs it through an :class:`~casekit.policies.OrderUpTo` level
  callback (:class:`_Planner`);
* truck, and reactive emergency shipments for backorders above two days of demand.

Calibration
-----------
Eight quantities neither the paper nor the case data state are free (:data:`FREE_PARAMETERS`, each
with an allowed range, :data:`PARAMETER_RANGES`; a value outside it is refused with a
``ValueError`` naming the parameter and the range):

==========================  ===============  ==========================================================
parameter                   range            why it is free
==========================  ===============  ==========================================================
``service_level``           0.5 - 0.995      the customer-facing planner's cycle-service target β: the
                                             paper reports the fill rate it gives, not β
``up_service_level``        0.5 - 0.995      the upstream echelon's own target (its buffer's z): a
                                             planner sets one per echelon; the paper states neither
``max_lot_days``            1 - 90 days      the largest outlet lot (shelf space, shelf life)
``ma_window``               1 - 24 reviews   the upstream moving average's span (Chen et al.'s p)
``dispersion_scale``        0.1 - 10         demand dispersion: the paper gives none
``lead_time_sigma_scale``   0 - 4            upstream lead-time spread: called uncertain, not given
``shutdown_days``           1 - 120 days     the supplier shutdown's length: not given
``shutdown_capacity``       0 - 0.9          the share of supply the shut-down supplier keeps (its
                                             severity): not given
==========================  ===============  ==========================================================

:func:`calibrate` fits them by a seeded coordinate search on common random numbers apart from the
evaluation seeds, at a reduced size, then checks the fit at full size; a target it misses carries
the reason, read off the search's own trials.

Layers and levers (:data:`LEVERS`)
----------------------------------
forecasting
    ``blend``: planning from a blended forecast (inverse-MSE weights of a seasonal / life-cycle
    plan and a recent moving average) instead of the moving average of history; targets become
    daily order-up-to levels that follow the forecast.
    ``refit`` (needs ``blend``): the blend is re-fitted on realised errors as data arrive: every
    28 days the weights of the planned forecast and a live 28-day moving average of the node's own
    demand are re-estimated (inverse MSE of each one's errors since the last re-fit; equal to start).
    ``promotions`` (FMCG): the plan knows the promotion calendar and the estimated uplift.
    ``cannibalisation`` (FMCG): the plan knows the substitute's promotions and their loss.
    ``lstm`` (needs ``blend``): a small numpy LSTM (:mod:`casekit.lstm`) trained on the regional /
    SKU sales history joins the blend as a third member, weighted by inverse MSE on the same
    backtest as the others (:func:`lstm_blend`).
tactical
    ``exact_safety_stock`` (needs ``blend``): the forecast-driven targets' safety stock is the exact
    quantile of negative binomial lead-time demand instead of the normal approximation z σ √L
    (the baseline's (r, Q) optimisation is exact already).
    ``safety_stock_placement``: the upstream buffer is sized for lead-time variability as well
    as demand (where the supply risk sits), instead of demand alone.
    ``stochastic_placement``: the upstream buffer is the stock a two-stage stochastic programme
    places under sampled demand, lead-time and supplier-shutdown scenarios
    (:func:`casekit.stochastic.place_stock`, sample-average approximation; :func:`stochastic_buffers`)
    instead of the z σ √L rule (when on, it sets the buffer that ``safety_stock_placement`` would).
    ``co2_network_design`` (FMCG): plant-to-warehouse flows by rail (two more days, lower CO2).
simulation
    ``policy_tuning``: the service level is chosen by simulation on common random numbers
    (candidates :data:`TUNING_CANDIDATES`, seeds separate from evaluation) for lowest total cost.
operational
    ``dynamic_safety_stock``: the safety stock follows the forecast day by day (needs ``blend``).
    ``echelon_position``: upstream nodes see point-of-sale data and order on the echelon position
    from the forecast (instead of a moving average of the orders they receive).
    ``review_period``: upstream planning weekly instead of monthly.
    ``consolidation`` (needs ``blend``): each outlet's review interval from the economic order
    interval sqrt(2K / (h D)) instead of weekly.
    ``transport_mode`` (FMCG): per plant-to-warehouse lane, truck or rail by landed cost with CO2
    priced (:func:`choose_lane_modes`; ``co2_network_design``, when on, fixes rail everywhere).
    ``reallocation`` (FMCG): weekly lateral transfers between regional warehouses.
    ``capacity_preallocation`` (electronics): half of a shut-down supplier's orders are met by a
    reserved domestic backup.

Both the traditional baseline and the hybrid expedite reactively (emergency shipments for
backorders above two days of demand): the paper reports emergency transport costs for both.

A lever whose prerequisite is off pulls the prerequisite in (:func:`resolve`), so "on alone"
means "the lever and what it needs"; the ablation reports which.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from casekit import metrics, paper
from casekit.cases._system import cached_for
from casekit.validate import check_choice, check_int, check_probability

__all__ = ["Lever", "LEVERS", "LAYERS", "CASES", "TUNING_CANDIDATES", "levers", "resolve", "build_policy",
           "case_system", "Table3Run", "evaluate", "ROWS", "TOLERANCE", "verdict", "verdict_table",
           "ablation", "calibrate", "load_calibration", "write_calibration", "CALIBRATION_PATH", "FREE_PARAMETERS",
           "BUCKET", "VERDICTS", "lstm_blend", "stochastic_buffers", "LSTM_OPTIONS", "PLACEMENT_SCENARIOS",
           "ROW_QUANTITY", "movers", "biggest_lever", "explain", "results"]

CASES = paper.CASES

#: Service levels the ``policy_tuning`` lever chooses among.
TUNING_CANDIDATES = (0.90, 0.95, 0.98)

#: Common time bucket (days) of bullwhip and order-cycle std: the longest review period compared
#: (monthly upstream planning, 30 days).
BUCKET = 30


@dataclass(frozen=True)
class Lever:
    """One switchable element of the framework: its ``name``, the paper's ``layer`` it belongs
    to, the ``cases`` it applies to, what it ``requires`` and what it does."""

    name: str
    layer: str
    description: str
    cases: tuple = CASES
    requires: tuple = ()


LEVERS = {lv.name: lv for lv in (
    Lever("blend", "forecasting", "blended forecast (plan + moving average) drives daily targets"),
    Lever("refit", "forecasting", "blend weights re-fitted on realised forecast errors as data arrive",
          requires=("blend",)),
    Lever("promotions", "forecasting", "promotion calendar and uplift in the plan", ("fmcg",), ("blend",)),
    Lever("cannibalisation", "forecasting", "substitute promotions and their loss in the plan", ("fmcg",),
          ("blend",)),
    Lever("lstm", "forecasting", "an LSTM forecast joins the blend, weighted by its backtest error",
          requires=("blend",)),
    Lever("exact_safety_stock", "tactical", "exact negative binomial quantile in the forecast-driven targets",
          requires=("blend",)),
    Lever("safety_stock_placement", "tactical", "upstream buffer sized for lead-time variability"),
    Lever("stochastic_placement", "tactical",
          "upstream buffers placed by a two-stage stochastic programme (demand, lead-time, shutdown scenarios)"),
    Lever("co2_network_design", "tactical", "rail instead of truck into the warehouses", ("fmcg",)),
    Lever("policy_tuning", "simulation", "service level tuned by simulation on common random numbers"),
    Lever("dynamic_safety_stock", "operational", "safety stock follows the forecast day by day",
          requires=("blend",)),
    Lever("echelon_position", "operational", "point-of-sale data shared, echelon ordering upstream"),
    Lever("review_period", "operational", "weekly instead of monthly upstream planning"),
    Lever("consolidation", "operational", "economic review interval for the forecast-driven outlet orders",
          requires=("blend",)),
    Lever("transport_mode", "operational", "per-lane mode choice by landed cost with CO2 priced", ("fmcg",)),
    Lever("reallocation", "operational", "weekly lateral transfers between warehouses", ("fmcg",)),
    Lever("capacity_preallocation", "operational", "reserved backup capacity for a shut-down supplier",
          ("electronics",)),
)}

#: Layer -> its levers, in the order of Figure 3.
LAYERS = {layer: tuple(n for n, lv in LEVERS.items() if lv.layer == layer)
          for layer in ("forecasting", "tactical", "simulation", "operational")}


def levers(case: str) -> tuple:
    """The levers that apply to ``case`` (the hybrid of that case is all of them on).

    >>> levers("electronics")[:4]
    ('blend', 'refit', 'lstm', 'exact_safety_stock')
    """
    case = check_choice("case", case, CASES)
    return tuple(n for n, lv in LEVERS.items() if case in lv.cases)


def resolve(case: str, on) -> tuple:
    """Validate a set of lever names for ``case`` and add their prerequisites; returned in the
    order of :func:`levers`.  ``on="hybrid"`` means all levers, ``"traditional"`` or ``()`` none.

    >>> resolve("fmcg", ["promotions"])
    ('blend', 'promotions')
    """
    allowed = levers(case)
    if isinstance(on, str):
        if on == "hybrid":
            return allowed
        if on == "traditional":
            return ()
        on = (on,)
    names = set()
    for n in on:
        if n not in allowed:
            raise ValueError(f"levers must be names from {allowed} for case {case!r} (or 'hybrid' / "
                             f"'traditional'), got {n!r}")
        names.add(n)
        names.update(LEVERS[n].requires)
    return tuple(n for n in allowed if n in names)


# ---------------------------------------------------------------------------------------------
# building the case and a policy with some levers on
# ---------------------------------------------------------------------------------------------

def _module(case):
    from casekit.cases import electronics, fmcg

    return {"electronics": electronics, "fmcg": fmcg}[case]


#: The case data's free parameters and the grids :func:`calibrate` searches (allowed ranges in
#: :data:`PARAMETER_RANGES`).  Neither the paper nor the case data sets state them:
#:
#: * ``service_level``: the traditional planner's cycle-service target β at the customer-facing
#:   nodes (the paper reports only the resulting fill rate); it sets the backorder cost the (r, Q)
#:   optimiser prices, h β / (1 - β).  Continuous, so searched in steps of 0.01;
#: * ``up_service_level``: the upstream echelon's own cycle-service target (warehouses, Tier-2
#:   suppliers): z in its buffer z σ √(L + R).  Planners set a target per echelon; one shared β
#:   tied the customers' fill rate to how much stock the upstream holds against a shutdown;
#: * ``max_lot_days``: the largest outlet lot in days of demand (shelf space and shelf life);
#: * ``ma_window``: the number of monthly reviews the upstream planner's moving average spans (the
#:   classical source of bullwhip, Chen et al. 2000; it also sets the downstream planning mean);
#: * ``dispersion_scale``: multiplies the negative binomial k of daily demand (the paper gives no
#:   dispersion);
#: * ``lead_time_sigma_scale``: multiplies the log-sd of the upstream lead times (the paper calls
#:   them uncertain but gives no spread);
#: * ``shutdown_days``: the supplier shutdown's length (the paper names the disruption, not its length);
#: * ``shutdown_capacity``: the share of its normal supply the shut-down supplier keeps (0: closed;
#:   the paper does not say whether its disruption stops supply or cuts it).  Severity as well as
#:   length: with supply closed, a shutdown either never reaches the customers or dents them to the
#:   same depth, so recovery could only jump between 0 and the full dent's length.
FREE_PARAMETERS = {
    "service_level": tuple(np.round(np.arange(0.60, 0.9501, 0.01), 2).tolist()),
    "up_service_level": (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99),
    "max_lot_days": (7, 10, 14, 21, 30),
    "ma_window": (1, 2, 3, 4, 5, 6, 8, 9, 12),
    "shutdown_days": (7, 10, 12, 14, 17, 21, 25, 30),
    "shutdown_capacity": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    "dispersion_scale": (0.5, 1.0, 2.0),
    "lead_time_sigma_scale": (0.5, 1.0, 2.0),
}

_DEFAULT = {"service_level": 0.95, "up_service_level": 0.95, "dispersion_scale": 1.0, "lead_time_sigma_scale": 1.0,
            "shutdown_days": 21, "shutdown_capacity": 0.0, "ma_window": 6, "max_lot_days": 30}

#: Allowed range of every free parameter (inclusive); :func:`calibrate` and :func:`evaluate` refuse others.
PARAMETER_RANGES = {"service_level": (0.5, 0.995), "up_service_level": (0.5, 0.995), "dispersion_scale": (0.1, 10.0),
                    "lead_time_sigma_scale": (0.0, 4.0), "shutdown_days": (1, 120), "shutdown_capacity": (0.0, 0.9),
                    "ma_window": (1, 24), "max_lot_days": (1, 90)}

#: Free parameters that are whole numbers (days, reviews).
_WHOLE = ("shutdown_days", "ma_window", "max_lot_days")


def _check_free(name, value):
    lo, hi = PARAMETER_RANGES[name]
    try:
        ok = lo <= float(value) <= hi
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number in [{lo}, {hi}], got {value!r}") from None
    if not ok:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}")
    if name in _WHOLE and float(value) != int(value):
        raise ValueError(f"{name} must be a whole number in [{lo}, {hi}], got {value!r}")
    return value


def case_system(case: str, *, horizon_days: int = 365, outlets: int = 2000, dispersion_scale: float | None = None,
                lead_time_sigma_scale: float | None = None):
    """The case's physical system (:func:`casekit.cases.fmcg.build_system` or the electronics
    one), with its demand dispersion k multiplied by ``dispersion_scale`` and the log-sd of the
    upstream lead times multiplied by ``lead_time_sigma_scale`` (free parameters; ``None``: the
    calibrated value, :func:`load_calibration`)."""
    case = check_choice("case", case, CASES)
    if dispersion_scale is None or lead_time_sigma_scale is None:
        cal = load_calibration(case)
        dispersion_scale = cal["dispersion_scale"] if dispersion_scale is None else dispersion_scale
        lead_time_sigma_scale = (cal["lead_time_sigma_scale"] if lead_time_sigma_scale is None
                                 else lead_time_sigma_scale)
    _check_free("dispersion_scale", dispersion_scale)
    _check_free("lead_time_sigma_scale", lead_time_sigma_scale)
    mod = _module(case)
    s = mod.build_system(outlets, horizon_days=horizon_days) if case == "fmcg" else mod.build_system(horizon_days)
    if dispersion_scale != 1.0 or lead_time_sigma_scale != 1.0:
        s2 = replace(s, dispersion=float(s.dispersion) * float(dispersion_scale),
                     lead_up_sigma=np.asarray(s.lead_up_sigma, dtype=float) * float(lead_time_sigma_scale))
        for a in ("days", "outlets", "skus"):
            if hasattr(s, a):
                object.__setattr__(s2, a, getattr(s, a))
        s = s2
    return s


_FORECASTS: dict = {}


def _forecast(case, system, on, history_days=180):
    """Daily planning demand per downstream node, shape (days, N): the average of the last
    ``history_days`` days of history (flat: the traditional planner's moving average when the
    year starts) unless ``blend`` is on (kept per system and forecasting levers: building it is the
    slow part)."""
    key = (case, tuple(n for n in on if LEVERS[n].layer == "forecasting" and n != "refit"),
           history_days if "blend" not in on else 0)
    return cached_for(_FORECASTS, system, key, lambda: _build_forecast(case, system, on, history_days), limit=16)


def _history_days(ma_window: int) -> int:
    """Days of sales history behind the traditional planner's flat forecast: ``ma_window`` months
    of 30 days, at most the two years the data hold."""
    return min(30 * ma_window, 728)


def recent_mean(case: str, system, days: int) -> np.ndarray:
    """Average daily demand per downstream node over the last ``days`` days of the sales history
    (FMCG: a region-SKU's sales split over its outlets by size, as :func:`casekit.cases.fmcg._hist_mean`)."""
    case = check_choice("case", case, CASES)
    days = check_int("days", days, minimum=7, maximum=728)
    mod = _module(case)
    if case == "electronics":
        dem = mod._data()["demand"]
        Y = dem.pivot(index="date", columns="sku", values="units")[system.skus["sku"]]
        return Y.iloc[-days:].mean(axis=0).to_numpy(float)
    o = system.outlets
    sales = mod._data()["sales"].sort_values("date")
    m = sales.groupby(["region", "sku"])["units"].apply(lambda u: u.iloc[-days:].mean())
    size_sum = mod._data()["outlets"].groupby(["region", "sku"])["size"].sum()
    return mod._per_outlet(m, o) * o["size"].to_numpy() / mod._per_outlet(size_sum, o)


def _build_forecast(case, system, on, history_days=180):
    mod = _module(case)
    D = system.days.size
    if "blend" not in on:
        return np.tile(recent_mean(case, system, history_days), (D, 1))
    if "lstm" in on:
        return lstm_blend(case, system, promotions="promotions" in on, cannibalisation="cannibalisation" in on)[0]
    if case == "electronics":
        return mod.rolling_forecast(system)[0]
    return _fmcg_forecast(system, "promotions" in on, "cannibalisation" in on)


def _fmcg_forecast(system, promotions, cannibalisation):
    return _fmcg_blend(system, promotions, cannibalisation)[0]


_BLENDS: dict = {}


def _fmcg_blend(system, promotions, cannibalisation):
    """:func:`casekit.cases.fmcg.blended_forecast` once per system and forecasting levers (the
    ``blend`` lever's forecast, and the two members the ``lstm`` lever adds its third to); the
    forecast is returned read-only, as every policy built on it shares it."""
    from casekit.cases import fmcg

    def build():
        F, weights = fmcg.blended_forecast(system, promotions=promotions, cannibalisation=cannibalisation)
        F.setflags(write=False)
        return F, weights

    return cached_for(_BLENDS, system, (bool(promotions), bool(cannibalisation)), build, limit=8)


# ---------------------------------------------------------------------------------------------
# the ``lstm`` lever: a small LSTM joins the blend
# ---------------------------------------------------------------------------------------------

#: Size of the ``lstm`` lever's network and training (small: about a second per fit): ``hidden``
#: units H, ``lookback`` days L per input window, the weekly ``season`` (the input's sin/cos
#: position and the window's level), full-batch Adam ``epochs`` on ``windows`` windows drawn
#: (with ``seed``) from all the series, step ``learning_rate``.  One network serves all series
#: of a case (each scaled by the sd of its daily changes).
LSTM_OPTIONS = {"hidden": 8, "lookback": 8, "season": 7, "epochs": 80, "windows": 512, "learning_rate": 0.02,
                "seed": 0}

_LSTM: dict = {}


def _lstm_windows(Y, t, scale, opts):
    """Inputs for the windows ending just before rows ``t`` of ``Y`` (days, S): per series, the last
    L values minus the window's level (mean of its last ``season`` values), divided by the series'
    scale, plus the day's position in the week as sin / cos.  Returns ``(X (len(t)·S, L, 3), level
    (len(t), S))``, windows ordered day-major."""
    L, m = opts["lookback"], opts["season"]
    idx = t[:, None] + np.arange(-L, 0)[None, :]                       # (n, L) day of each input
    win = Y[idx]                                                        # (n, L, S)
    level = win[:, -m:].mean(axis=1)
    z = (win - level[:, None, :]) / scale
    ang = np.broadcast_to((2 * np.pi * (idx % m) / m)[..., None], z.shape)
    X = np.stack([z, np.sin(ang), np.cos(ang)], axis=-1)                # (n, L, S, 3)
    return X.transpose(0, 2, 1, 3).reshape(-1, L, 3), level


def _lstm_fit(Y, opts):
    """Train one LSTM (:mod:`casekit.lstm`) on windows of all columns of ``Y`` (days, S)."""
    from casekit.lstm import adam_step, init_lstm, lstm_gradients

    scale = np.std(np.diff(Y, axis=0), axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    t = np.arange(opts["lookback"], Y.shape[0])
    X, level = _lstm_windows(Y, t, scale, opts)
    target = ((Y[t] - level) / scale).reshape(-1)
    rng = np.random.default_rng(opts["seed"])
    pick = np.sort(rng.choice(X.shape[0], size=min(opts["windows"], X.shape[0]), replace=False))
    params, state = init_lstm(3, opts["hidden"], seed=opts["seed"]), {}
    for _ in range(opts["epochs"]):
        _, grads = lstm_gradients(params, X[pick], target[pick])
        adam_step(params, grads, state, lr=opts["learning_rate"])
    return params, scale


def _lstm_week(params, scale, Y, days, opts):
    """The LSTM's forecast of the ``season`` days after the end of ``Y`` (recursive: within the
    lookback, as :class:`casekit.lstm.LSTMForecaster` allows), repeated over the absolute ``days``
    (row i of ``Y`` is day i)."""
    from casekit.lstm import lstm_forward

    n, m = Y.shape[0], opts["season"]
    buf = np.vstack([Y, np.zeros((m, Y.shape[1]))])
    for k in range(m):
        X, level = _lstm_windows(buf, np.array([n + k]), scale, opts)
        out, _ = lstm_forward(params, X)
        buf[n + k] = np.maximum(level[0] + scale * out, 0.0)
    return buf[n:][(np.asarray(days) - n) % m]


def lstm_blend(case: str, system, *, promotions: bool = True, cannibalisation: bool = True) -> tuple:
    """The case's blended forecast with a small LSTM as a third member (the ``lstm`` lever).

    The blend of each case weights its members by inverse MSE on a backtest of the history
    (:func:`casekit.forecasting.inverse_mse_weights`); the LSTM (:data:`LSTM_OPTIONS`, one network
    over all series) is scored on the same backtest and **treated like the moving average it sits
    beside**:

    * FMCG (region-SKU series, :func:`casekit.cases.fmcg.blended_forecast`): trained on the days
      before the backtest (the second history year), its first week's forecast repeated over the
      backtest and scored there, as the 28-day average is held and scored; for the planning year
      it is retrained on the whole history and its forecast of the first week after it is
      repeated (as the last 28 days' average is held); split over a region's outlets by size;
    * electronics (SKU series, :func:`casekit.cases.electronics.rolling_forecast`): trained on the
      history before the 60-day hold-out, its first week's forecast repeated over the hold-out
      (as the average is held); then retrained on all the history for the planning year.

    With inverse-MSE weights a third member rescales the other two by the same factor, so the
    result is ``(1 - w_lstm) · (two-member blend) + w_lstm · LSTM``; the planned member's MSE is
    read off the two-member weights (``MSE_plan = MSE_ma · w_ma / w_plan``).

    Returns ``(F, weights)``: the daily forecast per downstream node, shape (days, N), and the
    three weights with the members' backtest MSEs.  Kept per system (training is the slow part).
    """
    case = check_choice("case", case, CASES)
    return cached_for(_LSTM, system, (case, bool(promotions), bool(cannibalisation)),
                      lambda: _lstm_blend(case, system, promotions, cannibalisation), limit=8)


_LSTM_SERIES: dict = {}


def _lstm_member(case, days, train):
    """The LSTM member's backtest errors and forecast for ``days``: they depend only on the case's
    sales history and the days, not on the system simulated, so they are kept per (case, days)."""
    key = (case, int(days[0]), int(days.size), tuple(sorted(LSTM_OPTIONS.items())))
    if key not in _LSTM_SERIES:
        if len(_LSTM_SERIES) > 8:
            _LSTM_SERIES.pop(next(iter(_LSTM_SERIES)))
        _LSTM_SERIES[key] = train()
    return _LSTM_SERIES[key]


def _lstm_blend(case, system, promotions, cannibalisation):
    from casekit.forecasting import inverse_mse_weights

    mod = _module(case)
    opts = LSTM_OPTIONS
    if case == "fmcg":
        F2, (w_plan, w_ma) = _fmcg_blend(system, promotions, cannibalisation)
        names = ("plan", "moving_average", "lstm")
        sales = mod._data()["sales"]
        wide = sales.pivot_table(index="date", columns=["region", "sku"], values="units").sort_index()
        Y = wide.to_numpy(float)
        test = np.arange(364 + 14, Y.shape[0])                  # the blend's backtest days
        e_ma = Y[test] - Y[test[0] - 28:test[0]].mean(axis=0)      # held, as in the plan

        def member():
            params, scale = _lstm_fit(Y[:test[0]], opts)
            e_l = Y[test] - _lstm_week(params, scale, Y[:test[0]], test, opts)
            params, scale = _lstm_fit(Y, opts)
            return e_l, _lstm_week(params, scale, Y, system.days, opts)      # (days, region-SKU series)

        e_l, rs = _lstm_member(case, system.days, member)
        o = system.outlets
        col = {k: i for i, k in enumerate(wide.columns)}
        size_sum = mod._data()["outlets"].groupby(["region", "sku"])["size"].sum()
        key = list(zip(o["region"], o["sku"]))
        FL = rs[:, [col[k] for k in key]] * (o["size"].to_numpy() / np.array([size_sum[k] for k in key]))[None, :]
    else:
        F2, w2 = mod.rolling_forecast(system)
        (w_plan, w_ma), names = (w2["trend"], w2["moving_average"]), ("trend", "moving_average", "lstm")
        dem = mod._data()["demand"]
        Y = dem.pivot(index="date", columns="sku", values="units")[system.skus["sku"]].to_numpy(float)
        H, window = Y.shape[0], 56                              # rolling_forecast's hold-out and window
        ho = np.arange(H - 60, H)
        e_ma = Y[ho] - Y[H - 60 - window:H - 60].mean(axis=0)

        def member():
            params, scale = _lstm_fit(Y[:H - 60], opts)
            e_l = Y[ho] - _lstm_week(params, scale, Y[:H - 60], ho, opts)
            params, scale = _lstm_fit(Y, opts)
            return e_l, _lstm_week(params, scale, Y, system.days, opts)

        e_l, FL = _lstm_member(case, system.days, member)
    mse_ma, mse_l = float(np.nanmean(np.square(e_ma))), float(np.nanmean(np.square(e_l)))
    mse_plan = mse_ma * w_ma / w_plan if w_plan > 0 else np.inf
    w = inverse_mse_weights([mse_plan, mse_ma, mse_l])
    F = (1 - w[2]) * F2 + w[2] * FL
    return F, {"weights": dict(zip(names, map(float, w))), "mse": dict(zip(names, (mse_plan, mse_ma, mse_l)))}


# ---------------------------------------------------------------------------------------------
# the ``stochastic_placement`` lever: upstream buffers from a two-stage stochastic programme
# ---------------------------------------------------------------------------------------------

#: Scenarios the ``stochastic_placement`` lever samples (the SAA sample size N): small, so a
#: policy builds in about a second.
PLACEMENT_SCENARIOS = 100

_PLACEMENTS: dict = {}


def stochastic_buffers(system, demand_mean, demand_var, *, review: int, service_level: float, shutdown_days: int,
                       extra_days=0, n_scenarios: int = PLACEMENT_SCENARIOS, seed: int = 10_000) -> tuple:
    """Upstream safety buffers placed by the two-stage stochastic programme
    (:func:`casekit.stochastic.place_stock`, sample-average approximation over ``n_scenarios``
    scenarios sampled with ``seed``).

    One node per upstream site m, over its protection period T_m = ceil(L_m) + R days (lead time
    plus ``review``).  In each scenario w:

    * demand over T_m is gamma with mean μ_m T_m and variance σ²_m T_m (``demand_mean``,
      ``demand_var``: per day, summed over the site's downstream nodes);
    * the lead time is L_mw = ceil(lognormal(median, log-sd)) + ``extra_days`` (the case's
      ``lead_up_median``, ``lead_up_sigma``), and the site is resupplied at its mean rate once it
      has passed, q_mw = μ_m max(0, T_m - L_mw);
    * with probability ``shutdown_days`` / 365 the site's supplier is shut (for the sites a
      supplier shutdown stops, ``shutdown_mask``): it receives nothing (q_mw = 0), its stock
      still serves.

    Stock costs h_up T_m per unit for the period and a unit short costs h_up T_m β / (1 - β), the
    shortage cost that makes the planner's cycle-service target β (``service_level``) the critical
    ratio (as :func:`optimized_rq` prices a backorder).  The buffer is the placed stock minus the
    scenarios' mean net requirement when the supplier ships, S_m - mean_w(d_mw - μ_m max(0, T_m -
    L_mw)): what the programme holds beyond the expected need of a normal period, for demand and
    lead-time spread and for the shutdown risk.  Returns ``(buffer (M,), StockPlacement)``; kept per system and inputs.
    """
    from casekit.stochastic import Scenarios, place_stock

    csl = check_probability("service_level", service_level)
    if not 0 < csl < 1:
        raise ValueError(f"service_level must be strictly between 0 and 1, got {csl!r}")
    review = check_int("review", review, minimum=1)
    shutdown_days = check_int("shutdown_days", shutdown_days, minimum=0, maximum=365)
    n_scenarios = check_int("n_scenarios", n_scenarios, minimum=2)
    mu = np.asarray(demand_mean, dtype=float)
    var = np.asarray(demand_var, dtype=float)
    extra = np.broadcast_to(np.asarray(extra_days, dtype=int), mu.shape)
    key = (tuple(np.round(mu, 9)), tuple(np.round(var, 9)), review, tuple(extra.tolist()), csl, shutdown_days,
           n_scenarios, int(seed))

    def build():
        M = mu.size
        L_med = np.asarray(system.lead_up_median, dtype=float)
        T = (np.ceil(L_med + extra) + review).astype(float)
        rng = np.random.default_rng(seed)
        mean_T = mu * T
        cv = np.sqrt(var * T) / np.maximum(mean_T, 1e-12)
        shape = 1.0 / np.maximum(cv, 1e-6) ** 2
        demand = rng.gamma(shape, mean_T / shape, size=(n_scenarios, M))
        sigma = np.asarray(system.lead_up_sigma, dtype=float)
        lead = np.maximum(np.ceil(L_med * np.exp(sigma * rng.standard_normal((n_scenarios, M)))), 1) + extra
        stops = np.asarray(system.shutdown_mask, dtype=bool) if len(system.shutdown_mask) else np.ones(M, bool)
        shut = (rng.random((n_scenarios, M)) < shutdown_days / 365) & stops
        normal = mu * np.maximum(0.0, T - lead)                # resupply when the supplier ships
        resupply = normal * ~shut
        scen = Scenarios(demand, np.ones((n_scenarios, M)), resupply, np.full(n_scenarios, 1.0 / n_scenarios))
        h = np.asarray(system.h_up, dtype=float) * T
        placed = place_stock(mu, h, h * csl / (1 - csl), demand_cv=cv, period=float(T.max()), scenarios=scen,
                             time_limit=20.0)
        buffer = placed.stock - (demand - normal).mean(axis=0)
        return buffer, placed

    return cached_for(_PLACEMENTS, system, key, build, limit=32)


_SS_TABLES: dict = {}


def _ss_exact(means, spans, csl, k):
    """Exact safety stock r - E[X] of negative binomial demand (mean m per day, Var = m + m^2/k)
    over ``spans`` days, for an array of means (interpolated on a log grid per span)."""
    from casekit.cases.fmcg import _exact_ss_table

    means = np.asarray(means, dtype=float)
    spans = np.broadcast_to(np.asarray(spans, dtype=int), means.shape[-1:])
    hi = max(60.0, float(means.max()) * 1.2)
    key = (float(csl), tuple(sorted(set(spans.tolist()))), float(k), hi)
    if key not in _SS_TABLES:                 # building a table is slow: one per (csl, spans, k, range)
        if len(_SS_TABLES) > 64:
            _SS_TABLES.pop(next(iter(_SS_TABLES)))
        _SS_TABLES[key] = _exact_ss_table(csl, list(key[1]), k=k, grid=np.geomspace(0.1, hi, 28))
    grid, tab = _SS_TABLES[key]
    out = np.zeros_like(means)
    x = np.log(np.clip(means, grid[0], grid[-1]))
    for L in set(spans.tolist()):
        cols = spans == L
        out[..., cols] = np.interp(x[..., cols], np.log(grid), tab[int(L)])
    return out


def _ss(means, spans, csl, k, exact):
    if exact:
        return _ss_exact(means, spans, csl, k)
    z = stats.norm.ppf(csl)
    return z * np.sqrt((means + means ** 2 / k) * spans)


# ---------------------------------------------------------------------------------------------
# the classical planner: (r, Q) optimised per outlet class, upstream order-up-to re-estimated
# from a moving average of the orders it observes
# ---------------------------------------------------------------------------------------------

_RQ_CACHE: dict = {}

#: Width of the demand classes the outlets are grouped into for (r, Q) optimisation: means within a
#: factor of 1.1 share one optimisation (at the class's geometric centre, at most 5 % off).
RQ_CLASS_RATIO = 1.1

#: Largest downstream lot, in days of mean demand (shelf space and shelf life): where the economic
#: lot is longer, the planner takes the best (r, Q) with Q at this cap.  Reorder points are kept
#: >= 0 as well: with emergency shipments clearing backorders above two days of demand, a planned
#: negative reorder point would never trigger an order.
MAX_LOT_DAYS = 30


def optimized_rq(mean, lead_time, holding_cost, service_level: float, fixed_cost: float, dispersion: float,
                 max_lot_days: float = None):
    """(r, Q) per downstream node from the classical-models chapter's :func:`casekit.rq.optimize_rq`.

    Daily demand is negative binomial with mean m_j and Var = m_j + m_j²/k over the lane's lead time
    L_j (days); h_j is the holding cost per unit-day.  The planner states a cycle-service target β
    (``service_level``) rather than a backorder cost, so the backorder cost per unit-day it optimises
    with is the one that makes β the newsvendor critical ratio: p_j = h_j β / (1 - β).  Nodes are
    grouped by (lead time, holding cost, demand class of width :data:`RQ_CLASS_RATIO`) and each
    group is optimised once (exactly, Federgruen–Zheng) at its class centre; results are cached.
    Constraints Q <= ``max_lot_days`` (default :data:`MAX_LOT_DAYS`) days of demand and r >= 0: when the unconstrained optimum
    breaks one, Q is set to min(Q*, cap) and r is the best r >= 0 for that Q (:func:`casekit.rq.rq_cost_grid`).

    Returns ``(r, Q)`` arrays, one value per node.

    >>> r, Q = optimized_rq([1.5], [2], [20.0], 150 / 170, 100.0, 1e9)   # ~Poisson: Snyder & Shen Ex. 5.8
    >>> int(r[0]), int(Q[0])
    (3, 5)
    """
    csl = check_probability("service_level", service_level)
    if not 0 < csl < 1:
        raise ValueError(f"service_level must be strictly between 0 and 1, got {csl!r}")
    mean = np.asarray(mean, dtype=float)
    L = np.broadcast_to(np.asarray(lead_time, dtype=int), mean.shape)
    h = np.broadcast_to(np.asarray(holding_cost, dtype=float), mean.shape)
    k = float(dispersion)
    cap_days = float(MAX_LOT_DAYS if max_lot_days is None else max_lot_days)
    cls = np.round(np.log(np.maximum(mean, 0.02)) / np.log(RQ_CLASS_RATIO)).astype(int)
    # the groups: one row per distinct (class, lead time, holding cost), and each node's group
    groups, which = np.unique(np.stack([cls, L, np.round(h, 10)], axis=1), axis=0, return_inverse=True)
    r_g, Q_g = np.zeros(len(groups)), np.zeros(len(groups))
    for g, (c, lt, hj) in enumerate(groups.tolist()):
        m = RQ_CLASS_RATIO ** int(c)
        ck = (m, int(lt), hj, csl, float(fixed_cost), k, cap_days)
        if ck not in _RQ_CACHE:
            p_impl = hj * csl / (1 - csl)
            rr, qq = _rq_class(m, int(lt), hj, p_impl, float(fixed_cost), k, cap_days)
            if len(_RQ_CACHE) > 20_000:
                _RQ_CACHE.clear()
            _RQ_CACHE[ck] = (rr, qq)
        r_g[g], Q_g[g] = _RQ_CACHE[ck]
    which = np.ravel(which)
    return r_g[which], Q_g[which]


def _rq_class(m, lt, h, p, K, k, cap_days):
    """(r, Q) of one demand class: :func:`casekit.rq.optimize_rq`'s exact optimum (Federgruen–Zheng)
    on the negative binomial lead-time demand NB(L k, p) (:func:`casekit.cases.fmcg.nb_lead_time_demand`,
    written down instead of convolved: the same pmf up to rounding, built once for both steps), then,
    if Q exceeds ``cap_days`` of demand or r < 0, the best r >= 0 for Q = min(Q*, cap) by
    C(r, Q) = h (r + (Q + 1)/2 - E[D_L] + B) + p B + K λ / Q, B = (n2(r) - n2(r + Q)) / Q
    (:func:`casekit.rq.rq_cost_grid`'s formula)."""
    from casekit.cases.fmcg import nb_lead_time_demand
    from casekit.rq import _LTD, _optimum_discrete

    lam = float(stats.nbinom.mean(k, k / (k + m)))
    ltd = _LTD(nb_lead_time_demand(m, lt, k))
    rr, qq = _optimum_discrete(ltd, lam, h, p, K)
    rr, qq = float(rr), float(qq)
    cap = max(1.0, np.floor(cap_days * m))
    if qq > cap or rr < 0:          # constrained: C(r, Q) is convex in Q on r(Q) and in r for a fixed Q
        qq = min(qq, cap)
        hi = int(np.ceil(m * lt + 8 * np.sqrt(lt * (m + m * m / k)) + 10))
        r = np.arange(0, hi + 1, dtype=float)
        Q = float(int(qq))
        back = (ltd.loss2(r) - ltd.loss2(r + Q)) / Q
        cost = h * (r + (Q + 1) / 2 - ltd.mean() + back) + p * back + K * lam / Q
        rr = float(np.argmin(cost))
    return rr, qq


def _as_slice(idx):
    """A slice for an index array of consecutive rows (indexing by it is a view, not a copy)."""
    idx = np.asarray(idx)
    if idx.size and (np.diff(idx) == 1).all():
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


class _Planner:
    """The ``levels(t, view)`` callback (:class:`casekit.policies.OrderUpTo`) of a case's
    downstream and upstream stages, for rules whose targets depend on what happened in the run.

    Downstream, one of: the (r, Q) rule (``r``, ``Q``: the target is the position plus the lots
    the rule orders, so the engine orders exactly those), a precomputed daily target ``target``
    (days, N), or, with ``refit``, a blend re-fitted on realised errors (see :func:`build_policy`).
    Upstream (``up`` given): periodic order-up-to whose level is re-estimated at every review from a
    moving average of the orders the node has received from its downstream nodes over the last
    ``window`` reviews (Chen, Drezner, Ryan & Simchi-Levi 2000):

        S_m(t) = m̂_m(t) · cover_m + const_m,   m̂_m(t) = (orders received in the last window·R days) / (window·R)

    with m̂ starting from the historical daily mean (``prior``).  One planner serves one run: the
    engine is given a fresh one each time (:attr:`CasePolicy.planner` is a factory).

    The planner takes its stages in any order (``any_stage_order``): the fast engine then passes
    them in its own row order, as views of its state, and the planner keeps its per-outlet numbers
    in that row order (``_j[i]`` is the outlet in row i) and writes its levels straight into the
    engine's level rows (``view.levels``): no copy of a (stages, copies) array is made to read
    positions or to hand levels back.
    """

    #: the engine may pass the stages in its own order (``view.stage_ids`` says which is which)
    any_stage_order = True

    def __init__(self, *, n, parent, every, offset, r=None, Q=None, target=None, refit=None, up=None):
        self.n, self.parent = n, np.asarray(parent)
        self.every, self.offset = np.asarray(every), np.asarray(offset)
        self.r, self.Q, self.target, self.refit, self.up = r, Q, target, refit, up
        self.plans_upstream = up is not None
        self._rows = None

    def _start(self, view):
        from casekit.cases._system import _dn_id, _up_id

        where = {s: i for i, s in enumerate(view.stage_ids)}
        rows = np.array([where[_dn_id(j)] for j in range(self.n)])
        # outlet j sits in view row rows[j]; the planner works in row order (outlet _j[i] in the
        # i-th of those rows), so that its rows of the view are a slice when they are consecutive
        j = self._j = np.argsort(rows, kind="stable")
        self._dn = _as_slice(rows[j])
        self._inv = None if (j == np.arange(self.n)).all() else np.argsort(j)   # row of outlet j
        B = view.position.shape[1]
        self._B = B
        self._out = np.zeros((len(view.stage_ids), B))
        if self.r is not None:                      # (N, B) copies: same-shape arithmetic is the fast kind
            self._rB = np.repeat(np.asarray(self.r, dtype=float)[j][:, None], B, axis=1)
            self._QB = np.repeat(np.asarray(self.Q, dtype=float)[j][:, None], B, axis=1)
        if self.target is not None:
            self._target = np.take(self.target, j, axis=1)     # (days, N), rows contiguous
        self._every, self._offset = self.every[j], self.offset[j]
        self._all_review = bool((self.every == 1).all())
        self._q, self._tmp, self._S, self._ma = (np.zeros((self.n, B)) for _ in range(4))
        if self.up is not None:
            u = self.up
            M = u["prior"].size
            self._up = _as_slice(np.array([where[_up_id(m)] for m in range(M)]))
            # (M, N): which upstream node serves the outlet of each row.  Sums of whole units are
            # exact in any order of the outlets; fractional (r, Q) lots are added in outlet order
            self._G = np.eye(M)[self.parent].T[:, j]
            whole = self.r is None or all(np.array_equal(x, np.round(x)) for x in (self.r, self.Q))
            self._add_in_outlet_order = not whole and self._inv is not None
            self._hist = np.tile((u["prior"] * u["review"])[None, :, None], (u["window"], 1, B))
            self._ptr = 0
            self._acc = np.zeros((M, B))
            self._up_level = (u["prior"] * u["cover"] + u["const"])[:, None] * np.ones((1, B))
        if self.refit is not None:                  # its state in outlet order j = 0, 1, ...
            f = self.refit
            W = f["window"]
            self._buf = np.tile(f["daily"][0][None, :, None], (W, 1, B))
            self._sum = self._buf.sum(axis=0)
            np.divide(self._sum, W, out=self._ma)          # the moving average (kept between days)
            self._sse = np.zeros((2, B))
            self._w = np.full(B, f["weight"])
        self._rows = True

    def __call__(self, t, view):
        if self._rows is None or t == 0:
            self._start(view)
        pos = view.position[self._dn]
        out = getattr(view, "levels", None)
        if out is None:
            out = self._out
        # the outlets' levels go straight into their rows of ``out`` when those are a slice
        S_rows = out[self._dn] if isinstance(self._dn, slice) else self._S
        # the outlets reviewing today (None: every outlet reviews every day).  An outlet orders
        # only at a review, so only the levels of those rows are read: only those are computed
        due = None if self._all_review else np.flatnonzero(((t - self._offset) % self._every) == 0)
        # the arithmetic below writes into work arrays kept from _start (out=): allocating fresh
        # (N, B) temporaries every day costs more than the arithmetic itself
        q, tmp = self._q, self._tmp
        if self.refit is not None:
            f = self.refit
            # the blend's state is kept in outlet order j = 0, 1, ..., so that its sums over outlets
            # add them in that order whatever order the engine keeps its rows in
            D = view.demand_received[self._dn]
            if self._inv is not None:
                D = np.take(D, self._inv, axis=0)
            ma = self._ma                                   # sum / window, as left by yesterday
            np.square(np.subtract(D, f["daily"][t][:, None], out=tmp), out=tmp)
            self._sse[0] += tmp.sum(axis=0)
            np.square(np.subtract(D, ma, out=tmp), out=tmp)
            self._sse[1] += tmp.sum(axis=0)
            slot = t % f["window"]
            self._sum += np.subtract(D, self._buf[slot], out=tmp)
            self._buf[slot] = D
            if t > 0 and t % f["every"] == 0:                # inverse-MSE weight of the planned forecast
                tot = self._sse.sum(axis=0)
                self._w = np.where(tot > 0, self._sse[1] / np.where(tot > 0, tot, 1), self._w)
                self._sse[:] = 0.0
            ma = np.divide(self._sum, f["window"], out=self._ma)
            # S = round(w · cover + (1 - w) · ma · span + ss) for the outlets jr of the rows
            jr = self._j if due is None else self._j[due]
            S = self._w[None, :] * f["cover"][t][jr][:, None]
            S += (1 - self._w)[None, :] * np.take(ma, jr, axis=0) * f["span"][jr][:, None]
            S += f["ss"][t][jr][:, None]
            np.round(S, out=S)
        elif self.r is not None:
            # lots when pos <= r: floor((r - pos) / Q) + 1 of them, which is <= 0 exactly when pos > r
            np.floor(np.divide(np.subtract(self._rB, pos, out=q), self._QB, out=q), out=q)
            q += 1.0
            np.maximum(q, 0.0, out=q)
            q *= self._QB
            S = np.add(pos, q, out=S_rows)                  # every outlet's level
        else:
            S = self._target[t][:, None] if due is None else self._target[t][due][:, None]
        whole = due is None or self.refit is None and self.r is not None   # S has every outlet's row
        if whole:
            if S is not S_rows or not isinstance(self._dn, slice):
                out[self._dn] = S
        else:
            S_rows[due] = S
            if not isinstance(self._dn, slice):
                out[self._dn] = S_rows
        if self.up is not None:
            # the outlets' orders feed the upstream plan (the (r, Q) rule has them in q already)
            if self.r is None or self.refit is not None:
                if whole:
                    np.round(np.maximum(np.subtract(S, pos, out=q), 0.0, out=q), out=q)
                else:
                    q = S - np.take(pos, due, axis=0)
                    np.maximum(q, 0.0, out=q)
                    np.round(q, out=q)
            elif due is not None:
                q = q[due]
            u = self.up
            if self._add_in_outlet_order:           # fractional lots: add the outlets in their order
                cols = np.arange(self.n) if due is None else due     # the rows whose orders q holds
                k = np.argsort(self._j[cols], kind="stable")
                self._acc += self._G[:, cols[k]] @ q[k]
            elif due is None:
                self._acc += self._G @ q
            else:                                   # only the nodes reviewing today order
                self._acc += self._G[:, due] @ q
            if t % u["review"] == 0:
                if t > 0:
                    self._hist[self._ptr % u["window"]] = self._acc
                    self._ptr += 1
                    m_hat = self._hist.mean(axis=0) / u["review"]
                    self._up_level = np.round(m_hat * u["cover"][:, None] + u["const"][:, None])
                self._acc[:] = 0.0
            out[self._up] = self._up_level
        return out


#: Illustrative planning rates for the ``transport_mode`` lever (not from the paper or the data set):
#: freight in EUR per tonne-km by mode and the carbon price in EUR per kg CO2e.
FREIGHT_PER_TONNE_KM = {"truck": 0.10, "rail": 0.06}
CARBON_PRICE_PER_KG = 0.10


def choose_lane_modes(system, *, carbon_price: float = CARBON_PRICE_PER_KG):
    """Per plant -> warehouse lane (FMCG), the mode among those the case data lists for it
    (``casekit/datasets/fmcg/lanes.csv``: truck or rail) with the lowest landed cost per unit:

        freight_mode · w · d_mode + carbon_price · e_mode · w · d_mode + h_up · (extra days of transit)

    with w the unit weight in tonnes, d the lane's km by that mode, e the emission factor
    (kg CO2e per tonne-km) and h_up the warehouse holding cost per unit-day (the pipeline stock
    the slower mode adds).  Returns ``[(mode, extra_days)]`` per warehouse."""
    from casekit.cases import fmcg

    d = fmcg._data()
    lanes = d["lanes"][d["lanes"]["origin"] == "PLANT"]
    wh = d["warehouses"]["warehouse"].tolist()
    w = np.broadcast_to(np.asarray(system.weight_kg, dtype=float), (system.n,))
    wu = np.bincount(system.parent, weights=w, minlength=system.m) / np.maximum(
        np.bincount(system.parent, minlength=system.m), 1) / 1000
    out = []
    for m, name in enumerate(wh):
        opts = lanes[lanes["destination"] == name].set_index("mode")
        base = float(opts.loc["truck", "lead_time_days"])
        best = None
        for mode, row in opts.iterrows():
            if mode not in FREIGHT_PER_TONNE_KM:
                continue
            km = float(row["distance_km"])
            extra = int(row["lead_time_days"] - base)
            cost = (FREIGHT_PER_TONNE_KM[mode] + carbon_price * system.factors[mode]) * wu[m] * km \
                + float(system.h_up[m]) * extra
            if best is None or cost < best[0]:
                best = (cost, mode, extra)
        out.append((best[1], best[2]))
    return out


def build_policy(case: str, system, on=(), *, service_level: float = 0.95, ma_window: int = 6,
                 max_lot_days: float = MAX_LOT_DAYS, tuning_seed: int = 10_000, tuning_replications: int = 3,
                 tuning_horizon: int = 120, shutdown_days: int | None = None, up_service_level: float | None = None):
    """The case's :class:`~casekit.cases.CasePolicy` with the levers ``on`` (see
    :func:`resolve`) and the rest as in the traditional baseline.

    Traditional (no lever) = a competent classical planner with local data and historical averages:

    * downstream: continuous-review (r, Q) per node, optimised by :func:`optimized_rq`
      (:func:`casekit.rq.optimize_rq` on the negative binomial lead-time demand of the two-year
      average, backorder cost implied by the cycle-service target ``service_level``);
    * upstream: order-up-to every 30 days on the local position, the level re-estimated at each
      review from a moving average of the orders received from downstream over the last
      ``ma_window`` reviews (:class:`_Planner`), covering lead time + review period, plus z σ √(L+R)
      from the historical demand variance and half the downstream lots, z the quantile of the
      upstream echelon's own cycle-service target ``up_service_level`` (``None``: ``service_level``);
    * truck, reactive expediting (emergency shipments for backorders above two days of demand).

    ``tuning_seed`` seeds what the levers decide by sampling (``policy_tuning``'s runs and
    ``stochastic_placement``'s scenarios), apart from the evaluation seeds; ``shutdown_days`` (the
    supplier shutdown's length, default the calibrated one) sets ``stochastic_placement``'s
    shutdown probability, shutdown_days / 365.  With ``policy_tuning`` on, the tuned service level
    is the target of both echelons.
    """
    from casekit.cases import CasePolicy, run_case

    on = resolve(case, on)
    csl = check_probability("service_level", service_level)
    up_csl = csl if up_service_level is None else check_probability("up_service_level", up_service_level)
    if not 0 < up_csl < 1:
        raise ValueError(f"up_service_level must be strictly between 0 and 1, got {up_csl!r}")
    ma_window = check_int("ma_window", ma_window, minimum=1, maximum=36)
    if "policy_tuning" in on:
        rest = tuple(n for n in on if n != "policy_tuning")
        mod = _module(case)
        tuning_horizon = min(tuning_horizon, system.days.size - mod.LOOKAHEAD - mod.WARMUP)
        costs = {}
        for c in TUNING_CANDIDATES:
            pol = build_policy(case, system, rest, service_level=c, ma_window=ma_window, max_lot_days=max_lot_days,
                               tuning_seed=tuning_seed, shutdown_days=shutdown_days)
            r = run_case(system, pol, horizon=tuning_horizon, replications=tuning_replications, seed=tuning_seed,
                         warmup=mod.WARMUP)
            k = r.kpis
            costs[c] = float((k["holding_cost"] + k["ordering_cost"] + k["shortage_cost"]).mean())
        csl = up_csl = min(costs, key=costs.get)
    mod = _module(case)
    k = float(system.dispersion)
    N, M = system.n, system.m
    F = _forecast(case, system, on, history_days=_history_days(ma_window))
    T = system.days.size - mod.LOOKAHEAD
    t = np.arange(T)[:, None]
    L = system.lead_dn.astype(int)
    onehot = np.eye(M)[system.parent]
    mu = F[:T].mean(axis=0)
    exact = "exact_safety_stock" in on
    refit = None
    if "blend" not in on:
        # classical (r, Q) optimised per outlet class (the normal approximation's z σ √L when the
        # exact quantile lever is off would be a second, cruder rule: the optimiser is exact already)
        r_opt, Q = optimized_rq(mu, L, system.h_dn, csl, system.K_dn, k, max_lot_days)
        level = np.round(r_opt)
        Q = np.maximum(np.round(Q), 1.0)
        kind, rev, dn_stock = "rQ", np.ones(N, dtype=int), level + Q / 2
    else:
        if "consolidation" in on:
            rev = np.clip(np.round(np.sqrt(2 * system.K_dn / (system.h_dn * np.maximum(mu, 1e-3)))), 1, 14).astype(int)
        else:
            rev = np.full(N, 7, dtype=int)
        cum = np.vstack([np.zeros((1, N)), np.cumsum(F, axis=0)])
        cover = cum[t + 1 + L[None, :] + rev[None, :], np.arange(N)] - cum[t + 1, np.arange(N)]
        span = L + rev
        ss = (_ss(np.maximum(F[:T], 1e-3), span, csl, k, exact) if "dynamic_safety_stock" in on
              else np.broadcast_to(_ss(mu, span, csl, k, exact), (T, N)))
        level = np.round(cover + ss)
        Q, kind, dn_stock = None, "order_up_to", level
        if "refit" in on:
            w0 = 0.5
            refit = {"daily": F[:T], "cover": cover, "span": span.astype(float), "ss": np.asarray(ss),
                     "window": 28, "every": 28, "weight": w0}
    # upstream
    review = 7 if "review_period" in on else 30
    rail = "co2_network_design" in on
    extra_up = np.full(M, 2 if rail else 0)
    up_modes = ["rail" if rail else "truck"] * M
    if "transport_mode" in on and not rail:
        chosen = choose_lane_modes(system)
        up_modes = [c[0] for c in chosen]
        extra_up = np.array([c[1] for c in chosen])
    Lu = system.lead_up_median + extra_up
    span_u = np.ceil(Lu).astype(int) + review
    var_d = (mu + mu ** 2 / k) @ onehot
    mean_m = mu @ onehot
    z = stats.norm.ppf(up_csl)
    if "safety_stock_placement" in on:
        sd_u = np.sqrt(span_u * var_d + (system.lead_up_sigma * Lu * mean_m) ** 2)
    else:
        sd_u = np.sqrt(span_u * var_d)
    buffer_u = z * sd_u                      # upstream safety buffer: z σ √(L + R) ...
    placement = None
    if "stochastic_placement" in on:         # ... or what the two-stage stochastic programme places
        sdays = load_calibration(case)["shutdown_days"] if shutdown_days is None else shutdown_days
        buffer_u, placement = stochastic_buffers(system, mean_m, var_d, review=review, service_level=up_csl,
                                                 shutdown_days=int(sdays), extra_days=extra_up, seed=tuning_seed)
    echelon = "echelon_position" in on
    lot_extra = (Q / 2) @ onehot if Q is not None else np.zeros(M)
    up_plan = None
    if echelon:
        Fm = F @ onehot
        cm = np.vstack([np.zeros((1, M)), np.cumsum(Fm, axis=0)])
        fut = cm[t + 1 + span_u[None, :], np.arange(M)] - cm[t + 1, np.arange(M)]
        stock = dn_stock if np.ndim(dn_stock) == 2 else np.broadcast_to(dn_stock, (T, N))
        up_level = np.round(stock @ onehot + fut + buffer_u[None, :])
    else:
        up_level = np.round(mean_m * span_u + buffer_u + lot_extra)
        up_plan = {"prior": mean_m, "cover": span_u.astype(float), "const": buffer_u + lot_extra,
                   "review": review, "window": ma_window}
    planner = None
    if up_plan is not None or refit is not None:
        planner = partial(_Planner, n=N, parent=system.parent, every=rev, offset=(-np.arange(N)) % rev,
                          r=level if kind == "rQ" else None, Q=Q, target=level if refit is None and kind != "rQ"
                          else None, refit=refit, up=up_plan)
    threshold = 2 * float(np.median(mod._hist_mean(system)))
    modes_differ = len(set(up_modes)) > 1 or (up_modes[0] != ("rail" if rail else "truck"))
    from casekit.cases._system import PLANT, _up_id
    lane_modes = tuple(((PLANT, _up_id(m)), up_modes[m], int(extra_up[m])) for m in range(M)) if modes_differ else ()
    return CasePolicy("+".join(on) or "traditional", kind, level, Q, up_level, review, echelon,
                      up_mode="rail" if rail else "truck", up_extra_days=2 if rail else 0,
                      dn_review=rev if kind != "rQ" else 1,
                      expedite_threshold=threshold, reallocate="reallocation" in on,
                      backup_share=0.5 if "capacity_preallocation" in on else 0.0, backup_lead=3,
                      backup_mode="truck", backup_km=400.0, planner=planner, lane_modes=lane_modes,
                      info={"levers": on, "service_level": float(csl), "up_service_level": float(up_csl),
                            "ma_window": ma_window,
                            "up_modes": tuple(up_modes), "up_buffer": np.asarray(buffer_u, dtype=float),
                            **({"placement": placement} if placement is not None else {}),
                            **({"blend": lstm_blend(case, system, promotions="promotions" in on,
                                                    cannibalisation="cannibalisation" in on)[1]}
                               if "lstm" in on else {})})


# ---------------------------------------------------------------------------------------------
# Table 3 measured as the paper defines it
# ---------------------------------------------------------------------------------------------

#: Table 3's rows (casekit.paper row keys) in order.
ROWS = ("fill_rate", "total_cost_change", "bullwhip", "emergency_transport_cost_change", "holding_cost_change",
        "co2_change", "order_cycle_std", "recovery_days")

#: The tolerance of a "reproduced" verdict per row, in the row's unit: the calibration
#: tolerances for the level rows, and 3 points of % change for the change rows.
TOLERANCE = {"fill_rate": 1.0, "bullwhip": 0.10, "order_cycle_std": 0.5, "recovery_days": 2.0,
             "total_cost_change": 3.0, "emergency_transport_cost_change": 3.0, "holding_cost_change": 3.0,
             "co2_change": 3.0}


@dataclass(frozen=True)
class Table3Run:
    """Per-replication values of the Table 3 quantities for one lever set (``values``: one row per
    replication; columns fill_rate (%), total_cost (holding + ordering + shortage), holding_cost,
    ordering_cost, shortage_cost, emergency_cost, reallocation_cost, co2_kg, bullwhip (orders
    the upstream echelon places / customer demand, per :data:`BUCKET` days), order_cycle_std
    (std of the upstream echelon's orders per bucket, in **days of mean daily demand**: the paper
    does not state its unit), demand_cv (coefficient of variation of customer demand per bucket, %),
    recovery_days (after a supplier shutdown, against the no-disruption run on the same random
    numbers)).

    Because bullwhip and order-cycle std are read off the same bucketed order stream,
    order_cycle_std = BUCKET · sqrt(bullwhip) · demand_cv / 100 (up to the orders' and demand's
    means differing): for a given demand, the two rows are not independent."""

    case: str
    levers: tuple
    values: pd.DataFrame
    service_level: float
    seed: int | None = None
    horizon_days: int | None = None


def _table3_values(run, shock, shutdown_end, review_periods):
    """The Table 3 quantities per replication of ``run``; ``shock``: the daily (demand, met) totals
    of the run with the supplier shutdown (recovery against ``run``), or None."""
    k = run.kpis
    sim = run.simulation
    k0 = sim.kpis
    tot = sim.totals
    dem, met = tot["demand"], tot["met"]
    up = tot["orders_by_depth"][:, :, 1]
    bw = metrics.bucketed_bullwhip(up[:, None, :], dem[:, None, :], bucket=BUCKET, review_periods=review_periods)
    ocs = metrics.order_cycle_std(up[:, None, :], bucket=BUCKET, review_periods=review_periods)
    mean_daily = dem.mean(axis=1)
    db = metrics.aggregate_to_buckets(dem, BUCKET)[0]
    out = pd.DataFrame({
        "fill_rate": 100 * met.sum(axis=1) / dem.sum(axis=1),
        "total_cost": (k["holding_cost"] + k["ordering_cost"] + k["shortage_cost"]).to_numpy(),
        "holding_cost": k["holding_cost"].to_numpy(), "ordering_cost": k["ordering_cost"].to_numpy(),
        "shortage_cost": k["shortage_cost"].to_numpy(),
        "emergency_cost": (k0["emergency_cost"] + k0["transport_cost"]).to_numpy(),
        "reallocation_cost": k0["transfer_cost"].to_numpy(),
        "co2_kg": k["co2_kg"].to_numpy(),
        "bullwhip": np.asarray(bw.network, dtype=float),
        "order_cycle_std": ocs.per_echelon[:, 0] / mean_daily,
        "demand_cv": 100 * db.std(axis=-1, ddof=1) / db.mean(axis=-1),
    })
    if shock is not None:
        s_dem, s_met = shock
        roll = metrics.rolling_fill_rate(s_dem, s_met, window=7)
        twin = metrics.rolling_fill_rate(dem, met, window=7)
        rec = metrics.recovery_time_vs_twin(roll, twin, disruption_end=shutdown_end, band=0.02)
        out["recovery_days"] = np.asarray(rec.periods, dtype=float)
    else:
        out["recovery_days"] = np.nan
    return out.rename_axis("replication")


#: Default ``workers`` of :func:`evaluate` and :func:`ablation`: ``min(2, os.cpu_count())`` when
#: the simulated work to share out (replications x days x downstream nodes, over the runs a second
#: process would take) is at least this much, else 1: below it, starting a process and sending its
#: results back costs more than it saves (a default-size notebook run is slower on two).
PARALLEL_MIN_NODE_DAYS = 2_000_000


def _default_workers(workers, work):
    import os

    if workers is not None:
        return check_int("workers", workers, minimum=1)
    return min(2, os.cpu_count() or 1) if work >= PARALLEL_MIN_NODE_DAYS else 1


def _prepare(case, on, *, system, horizon_days, replications, seed, outlets, service_level, shutdown_days,
             dispersion_scale, calibration):
    """What :func:`evaluate` checks and builds before it simulates: the case system, the policy with
    the levers ``on``, the keyword arguments of the run without and with the supplier shutdown, the
    shutdown's last day and the review periods the bucketed metrics must cover."""
    case = check_choice("case", case, CASES)
    on = resolve(case, on)
    check_int("replications", replications, minimum=2)
    cal = {**_DEFAULT, **(load_calibration(case) if calibration is None else calibration)}
    for name in _DEFAULT:
        _check_free(name, cal[name])
    sl = _check_free("service_level", cal["service_level"] if service_level is None else service_level)
    sd = int(_check_free("shutdown_days", cal["shutdown_days"] if shutdown_days is None else shutdown_days))
    up_sl = sl if service_level is not None else cal["up_service_level"]
    ds = cal["dispersion_scale"] if dispersion_scale is None else dispersion_scale
    if system is None:
        system = case_system(case, horizon_days=horizon_days, outlets=outlets, dispersion_scale=ds,
                             lead_time_sigma_scale=cal["lead_time_sigma_scale"])
    pol = build_policy(case, system, on, service_level=sl, ma_window=int(cal["ma_window"]),
                       max_lot_days=float(cal["max_lot_days"]), shutdown_days=sd, up_service_level=up_sl)
    start = min(90, horizon_days // 3)
    kw = dict(horizon=horizon_days, replications=replications, seed=seed, warmup=_module(case).WARMUP)
    shock_kw = dict(kw, scenario="supplier_shutdown", shutdown_start=start, shutdown_days=sd,
                    shutdown_capacity=float(cal["shutdown_capacity"]))
    return dict(case=case, on=on, system=system, pol=pol, kw=kw, shock_kw=shock_kw,
                end=min(start + sd, horizon_days - 1),
                review_periods=[30, pol.up_review, *np.atleast_1d(pol.dn_review).tolist()])


def _daily(run):
    """The daily network (demand, met) totals of a :class:`~casekit.cases.CaseRun`."""
    tot = run.simulation.totals
    return tot["demand"], tot["met"]


def _run_base(ev, shared=None) -> tuple:
    """The run without disruption of an evaluation (``ev`` from :func:`_prepare`): its Table 3 values
    (recovery blank) and its daily (demand, met) totals, the twin the shutdown run is compared with."""
    from casekit.cases import run_case

    base = run_case(ev["system"], ev["pol"], **ev["kw"])
    return _table3_values(base, None, ev["end"], ev["review_periods"]), _daily(base)


def _run_shock(ev, shared=None) -> tuple:
    """The daily (demand, met) totals of the run with the supplier shutdown."""
    from casekit.cases import run_case

    return _daily(run_case(ev["system"], ev["pol"], **ev["shock_kw"]))


def _with_recovery(values: pd.DataFrame, twin, shock, end) -> pd.DataFrame:
    """``values`` with recovery_days: periods from the shutdown's last day ``end`` until the 7-day
    rolling fill rate of the shutdown run (daily totals ``shock``) is back within 2 points of the
    run without it (``twin``) on the same random numbers."""
    roll = metrics.rolling_fill_rate(*shock, window=7)
    base = metrics.rolling_fill_rate(*twin, window=7)
    rec = metrics.recovery_time_vs_twin(roll, base, disruption_end=end, band=0.02)
    return values.assign(recovery_days=np.asarray(rec.periods, dtype=float))


def evaluate(case: str, on=(), *, system=None, horizon_days: int = 365, replications: int = 30, seed: int = 1,
             outlets: int = 2000, service_level: float | None = None, shutdown_days: int | None = None,
             dispersion_scale: float | None = None, recovery: bool = True, calibration: dict | None = None,
             workers: int | None = None) -> Table3Run:
    """Simulate ``case`` with the levers ``on`` and return the Table 3 quantities per replication.

    Two runs on the same seed (common random numbers): one without disruption (every row but
    recovery) and, if ``recovery``, one with a supplier shutdown starting on day
    ``min(90, horizon_days // 3)`` for ``shutdown_days`` days, the supplier keeping the share
    ``shutdown_capacity`` of its supply (recovery against the first run).
    Free parameters not given come from ``calibration`` (default: :func:`load_calibration`).
    A ``service_level`` given here is the target of both echelons (as ``policy_tuning`` sets it);
    otherwise the upstream echelon's is the calibrated ``up_service_level``.
    With ``workers`` > 1 (default: 2 on a run of at least :data:`PARALLEL_MIN_NODE_DAYS`
    replication-node-days, else 1) the two runs are simulated in two processes (forked, so they
    start with this one's caches and its policy): the same numbers as ``workers=1``.
    """
    if workers is not None:
        check_int("workers", workers, minimum=1)
    ev = _prepare(case, on, system=system, horizon_days=horizon_days, replications=replications, seed=seed,
                  outlets=outlets, service_level=service_level, shutdown_days=shutdown_days,
                  dispersion_scale=dispersion_scale, calibration=calibration)
    workers = _default_workers(workers, replications * horizon_days * ev["system"].n) if recovery else 1
    jobs = [("base", (_run_base, ev))] + ([("shock", (_run_shock, ev))] if recovery else [])
    out = _run_jobs(jobs, workers=workers)
    values = out["base"][0]
    if recovery:
        values = _with_recovery(values, out["base"][1], out["shock"], ev["end"])
    return Table3Run(ev["case"], ev["on"], values, float(ev["pol"].info["service_level"]), seed, horizon_days)


def _run_jobs(first: list, then=None, *, workers: int = 1, shared=None) -> dict:
    """Run the jobs ``first`` (``[(key, (function, argument))]``, each called as
    ``function(argument, shared)``) and those they lead to: ``then(key, result)`` returns the jobs
    a finished one makes possible, run next.  Returns ``{key: result}``.

    With ``workers`` > 1 the jobs run in a pool of that many processes, at most ``workers`` at a
    time (so a job ``then`` adds starts as soon as a process is free).  The processes are forked
    where the system can: they start with this process's memory, so ``shared`` (a case system)
    and the arguments of the ``first`` jobs (a policy, say) reach them without being copied, and
    everything already built for the system (forecasts, tables, the demand draws of a seed) is
    there; the jobs ``then`` adds travel by pickle, so keep their arguments small.  Every job is
    seeded, so the results do not depend on ``workers``.
    """
    import multiprocessing as mp

    global _POOL
    queue, results = list(first), {}
    then = then or (lambda key, result: [])
    if not _forks(workers):
        while queue:                           # in this process
            key, (fn, arg) = queue.pop(0)
            results[key] = fn(arg, shared)
            queue[:0] = then(key, results[key])
        return results
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    _POOL = (shared, dict(first))              # what the forked processes find in their memory
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            running = {}
            while queue or running:
                while queue and len(running) < workers:
                    key, job = queue.pop(0)
                    running[pool.submit(_pool_job, key, None if _POOL[1].get(key) is job else job)] = key
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    key = running.pop(f)
                    results[key] = f.result()
                    queue[:0] = then(key, results[key])
    finally:
        _POOL = None
    return results


def _forks(workers) -> bool:
    """Whether :func:`_run_jobs` with ``workers`` runs its jobs in a pool of forked processes (not
    with one worker, where the system cannot fork, or in a daemonic process, which may not start
    a pool)."""
    import multiprocessing as mp

    return workers > 1 and "fork" in mp.get_all_start_methods() and not mp.current_process().daemon


def _prebuild(case, system, cal, size, lever_sets):
    """Before a pool forks: build here, once, what every process of it would otherwise build for
    itself.  A background thread draws the evaluation seed's demand (:func:`casekit.cases._system.draw_case_demand`)
    while this one builds the traditional policy and the forecasts of ``lever_sets``; the forked
    processes find both in memory.  (Full-size FMCG: a few seconds each, done side by side on
    two cores instead of twice over.)"""
    from concurrent.futures import ThreadPoolExecutor

    from casekit._blas import single_thread
    from casekit.cases._system import draw_case_demand

    ev = _prepare(case, (), system=system, service_level=None, shutdown_days=None, dispersion_scale=None,
                  calibration=cal, **size)
    seed = ev["kw"]["seed"]
    can_draw = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0
    with ThreadPoolExecutor(1) as pool:
        drawn = pool.submit(draw_case_demand, system, ev["pol"], **ev["kw"]) if can_draw else None
        with single_thread():               # the draw has the other core
            for on in dict.fromkeys(lever_sets):
                _forecast(case, system, on, history_days=_history_days(int(cal["ma_window"])))
        if drawn is not None:
            drawn.result()


#: (shared, {key: job}) of the pool :func:`_run_jobs` is running: set before the pool forks its
#: processes, so they find it in their own memory.
_POOL = None


def _pool_job(key, job=None):
    shared, jobs = _POOL
    fn, arg = jobs[key] if job is None else job
    return fn(arg, shared)


# ---------------------------------------------------------------------------------------------
# verdicts: pure functions over measured intervals and casekit.paper
# ---------------------------------------------------------------------------------------------

VERDICTS = ("reproduced", "same direction, different size", "no clear change", "opposite")


def verdict(paper_value: float, paper_change: float, measured, change, tolerance: float) -> str:
    """One verdict for one Table 3 row.

    ``paper_value`` is the paper's hybrid figure in the row's unit and ``measured`` the measured
    hybrid interval ``(mean, low, high)`` in the same unit; ``paper_change`` is the paper's
    change (hybrid - traditional, or the % change it prints) and ``change`` the measured paired
    change interval ``(mean, low, high)`` in the same unit.

    * *reproduced*: the paper's hybrid figure lies within ``tolerance`` of the measured interval
      and the paired change does not clearly go the other way (a hybrid level that lands on the
      paper's figure by moving away from it is not a reproduction);
    * otherwise, from the paired change interval: *no clear change* when it contains 0,
      *same direction, different size* when it lies on the paper's side of 0, *opposite* else.

    >>> verdict(97.0, 6.0, (96.5, 96.2, 96.8), (5.0, 4.6, 5.4), 1.0)
    'reproduced'
    >>> verdict(-15.0, -15.0, (-3.0, -4.0, -2.0), (-3.0, -4.0, -2.0), 3.0)
    'same direction, different size'
    >>> verdict(1.13, -0.32, (1.5, 1.4, 1.6), (0.1, 0.02, 0.2), 0.1)
    'opposite'
    >>> verdict(4.0, -2.1, (3.66, 3.62, 3.70), (1.03, 1.00, 1.06), 0.5)   # right level, wrong way
    'opposite'
    """
    _, lo, hi = (float(x) for x in measured)
    cm, clo, chi = (float(x) for x in change)
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    clear = not (clo <= 0 <= chi)
    if lo - tolerance <= paper_value <= hi + tolerance and not (clear and np.sign(cm) != np.sign(paper_change)):
        return VERDICTS[0]
    if not clear:
        return VERDICTS[2]
    return VERDICTS[1] if np.sign(cm) == np.sign(paper_change) else VERDICTS[3]


def _row_change(row, trad: pd.DataFrame, hyb: pd.DataFrame):
    """(measured hybrid values per replication, paired changes per replication) in the row's unit."""
    col = {"total_cost_change": "total_cost", "emergency_transport_cost_change": "emergency_cost",
           "holding_cost_change": "holding_cost", "co2_change": "co2_kg"}.get(row)
    if col is not None:
        a, b = trad[col].to_numpy(), hyb[col].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            c = 100 * (b - a) / np.abs(a)
        return c, c
    a, b = trad[row].to_numpy(), hyb[row].to_numpy()
    return b, b - a


def verdict_table(case: str, traditional: Table3Run, hybrid: Table3Run, confidence: float = 0.95) -> pd.DataFrame:
    """Table 3 of ``case``: the paper's traditional and hybrid figures (from :mod:`casekit.paper`),
    casekit's traditional and hybrid means with ``confidence`` intervals, the paired change with its
    interval, the tolerance and the verdict (:func:`verdict`)."""
    t3 = paper.table3(case)
    rows = []
    for row in ROWS:
        p = t3.loc[row]
        tr, hy = traditional.values, hybrid.values
        hyb_vals, chg = _row_change(row, tr, hy)
        ok = np.isfinite(chg)
        if ok.sum() < 2:
            rows.append({"row": row, "paper_traditional": p["traditional"], "paper_hybrid": p["hybrid"],
                         "verdict": "not measured"})
            continue
        m = metrics.mean_ci(hyb_vals[ok], confidence)
        c = metrics.mean_ci(chg[ok], confidence)
        kind_change = p["kind"] == "change"
        t = metrics.mean_ci(tr[row].to_numpy(), confidence) if not kind_change else (np.nan,) * 3
        pchange = float(p["hybrid"]) if kind_change else float(p["hybrid"] - p["traditional"])
        rows.append({"row": row, "unit": p["unit"], "paper_traditional": p["traditional"],
                     "paper_hybrid": p["hybrid"], "traditional": t[0], "traditional_ci": (t[1], t[2]),
                     "hybrid": m[0], "hybrid_ci": (m[1], m[2]), "change": c[0], "change_ci": (c[1], c[2]),
                     "tolerance": TOLERANCE[row],
                     "verdict": verdict(float(p["hybrid"]), pchange, m, c, TOLERANCE[row])})
    return pd.DataFrame(rows).set_index("row")


# ---------------------------------------------------------------------------------------------
# ablation
# ---------------------------------------------------------------------------------------------

_ABL_COLS = ("fill_rate", "total_cost", "bullwhip", "emergency_cost", "holding_cost", "co2_kg", "order_cycle_std",
             "recovery_days")


def _paired(base: pd.DataFrame, other: pd.DataFrame, col: str, confidence=0.95):
    a, b = base[col].to_numpy(), other[col].to_numpy()
    if col == "fill_rate" or col in ("bullwhip", "order_cycle_std", "recovery_days"):
        d = b - a
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = 100 * (b - a) / np.abs(a)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return (np.nan, np.nan, np.nan)
    return metrics.mean_ci(d, confidence)


def _effective(on: tuple) -> tuple:
    """The levers of ``on`` that change the policy :func:`build_policy` builds: with
    ``stochastic_placement`` on, ``safety_stock_placement`` changes nothing (the programme sets the
    buffer that lever would size), and with ``co2_network_design`` on ``transport_mode`` changes
    nothing (rail is fixed on every lane).  Two lever sets with the same effective levers give
    the same policy, so the ablation simulates it once."""
    drop = set()
    if "stochastic_placement" in on:
        drop.add("safety_stock_placement")
    if "co2_network_design" in on:
        drop.add("transport_mode")
    return tuple(n for n in on if n not in drop)


def _check_given_run(name, run, case, want, replications, seed, horizon_days, recovery):
    if not isinstance(run, Table3Run):
        raise TypeError(f"{name} must be a Table3Run from casekit.framework.evaluate, got {type(run).__name__}")
    if run.case != case or tuple(run.levers) != tuple(want):
        raise ValueError(f"{name} must be the {case} run with levers {tuple(want)}, got case {run.case!r} with "
                         f"levers {tuple(run.levers)}")
    if len(run.values) != replications:
        raise ValueError(f"{name} has {len(run.values)} replications, the ablation runs {replications}")
    for what, have, asked in (("seed", run.seed, seed), ("horizon_days", run.horizon_days, horizon_days)):
        if have is not None and have != asked:
            raise ValueError(f"{name} was evaluated with {what}={have}, the ablation runs {what}={asked}")
    if recovery and run.values["recovery_days"].isna().all():
        raise ValueError(f"{name} was evaluated with recovery=False; pass recovery=False to the ablation or "
                         f"evaluate {name} with recovery=True")


def _step(job, system):
    """One ablation step, in this process: :func:`evaluate` of ``job`` = (case, levers, service
    level or None, keyword arguments) on ``system``."""
    case, on, service_level, kw = job
    return evaluate(case, on, system=system, service_level=service_level, workers=1, **kw)


def _part(job, system):
    """One of the two runs of an :func:`evaluate` of ``job`` = (``"base"`` or ``"shock"``, case,
    levers, service level or None, keyword arguments), so that a pool can run the two apart:
    ``"base"`` gives the :class:`Table3Run` without recovery, the run's daily (demand, met) totals
    and the shutdown's last day; ``"shock"`` the daily totals of the run with the shutdown."""
    part, case, on, service_level, kw = job
    ev = _prepare(case, on, system=system, service_level=service_level, **kw)
    if part == "shock":
        return _run_shock(ev)
    values, twin = _run_base(ev)
    run = Table3Run(ev["case"], ev["on"], values, float(ev["pol"].info["service_level"]), kw["seed"],
                    kw["horizon_days"])
    return run, twin, ev["end"]


def _study(case, *, system, cal, size, recovery, confidence, workers, traditional=None, hybrid=None,
           evaluated=None, ablate=True):
    """The work of :func:`ablation` and :func:`run_table3` as one set of jobs for :func:`_run_jobs`.

    ``evaluated``: levers of a hybrid to :func:`evaluate` with its shutdown run, beside the
    baseline (``None``: none, as in :func:`ablation`); ``recovery``: whether the ablation's own
    steps have their shutdown runs.  Returns (the evaluated baseline and
    hybrid or None, the ablation's dict or None)."""
    all_on = levers(case)
    kw = dict(size, calibration=cal, recovery=recovery)           # an ablation step's evaluate arguments
    part_kw = dict(size, calibration=cal, shutdown_days=None, dispersion_scale=None)

    def key(on, sl):
        return (_effective(on), sl)

    def as_step(run):
        # a given run measured recovery too; the steps of an ablation without it leave that row blank
        return run if recovery else replace(run, values=run.values.assign(recovery_days=np.nan))

    runs = {}                                       # (effective levers, service level) -> Table3Run
    if traditional is not None:
        runs[key((), None)] = as_step(traditional)
    if hybrid is not None:
        runs[key(all_on, None)] = as_step(hybrid)

    # the steps: (kind, lever) -> (levers on, service level or None: the calibrated / tuned one)
    steps = {("add", lv): (resolve(case, [lv]), None) for lv in all_on}
    removed = {lv: tuple(n for n in all_on if n != lv and lv not in LEVERS[n].requires) for lv in all_on}
    planned = set()

    def step_jobs(wanted):
        todo = {}
        for on, sl in wanted:
            k = key(on, sl)
            if k not in runs and k not in planned and k not in todo:
                todo[k] = (_step, (case, on, sl, kw))
        planned.update(todo)
        # the longest first (tuning: more runs; more levers: more to build), so the processes end together
        return sorted(todo.items(), key=lambda kv: (-("policy_tuning" in kv[1][1][1]), -len(kv[1][1][1])))

    def remove_steps(hyb_sl):
        # the hybrid is the hybrid without policy_tuning at the service level the tuning chose
        runs.setdefault(key(tuple(n for n in all_on if n != "policy_tuning"), hyb_sl), runs[key(all_on, None)])
        for lv, off in removed.items():
            if "policy_tuning" in off:              # keep the hybrid's tuned service level instead of re-tuning
                steps[("remove", lv)] = (tuple(n for n in off if n != "policy_tuning"), hyb_sl)
            else:
                steps[("remove", lv)] = (off, None)
        return step_jobs([steps[("remove", lv)] for lv in all_on])

    first, evals = [], {}
    if evaluated is not None:
        evals = {"hybrid": resolve(case, evaluated), "traditional": ()}
        for name, on in evals.items():
            if name == "hybrid" and not on:         # no lever on: the baseline's runs serve both
                continue
            first.append((("base", name), (_part, ("base", case, on, None, part_kw))))
            if "policy_tuning" not in on:
                first.append((("shock", name), (_part, ("shock", case, on, None, part_kw))))
        if ablate:                                  # the evaluated runs stand in for the ablation's own
            planned.add(key((), None))
            if evals["hybrid"] == all_on:
                planned.add(key(all_on, None))
    if ablate:
        first += step_jobs([((), None), (all_on, None), *steps.values()])

    def then(k, result):
        new = []
        if k == ("base", "hybrid") and "policy_tuning" in evals["hybrid"]:
            # the shutdown run of a tuned hybrid: the same policy at the level its tuning chose
            rest = tuple(n for n in evals["hybrid"] if n != "policy_tuning")
            new.append((("shock", "hybrid"), (_part, ("shock", case, rest, result[0].service_level, part_kw))))
        if ablate and (k == key(all_on, None) or k == ("base", "hybrid") and evals["hybrid"] == all_on):
            hyb_run = result if k == key(all_on, None) else result[0]
            runs[key(all_on, None)] = as_step(hyb_run) if k != key(all_on, None) else result
            new += remove_steps(hyb_run.service_level)
        return new

    if ablate and key(all_on, None) in runs:        # a given hybrid: its removal steps are known now
        first += remove_steps(runs[key(all_on, None)].service_level)
    if _forks(workers):
        sets = [*evals.values(), *([on for on, _ in steps.values()] + list(removed.values()) if ablate else [])]
        _prebuild(case, system, cal, size, [tuple(n for n in on if n != "policy_tuning") for on in sets])
    out = _run_jobs(first, then, workers=workers, shared=system)

    done = {}
    for name in evals:
        src = name if ("base", name) in out else "traditional"
        run, twin, end = out[("base", src)]
        done[name] = replace(run, values=_with_recovery(run.values, twin, out[("shock", src)], end))
    if evals and ablate:
        runs[key((), None)] = as_step(done["traditional"])
        if evals["hybrid"] == all_on:
            runs[key(all_on, None)] = as_step(done["hybrid"])
    runs.update({k: v for k, v in out.items() if k in planned and k not in runs})
    abl = None
    if ablate:
        trad, hyb = runs[key((), None)], runs[key(all_on, None)]
        add, rem = [], []
        for lv in all_on:
            on, sl = steps[("add", lv)]
            r = runs[key(on, sl)]
            s = runs[key(*steps[("remove", lv)])]
            for col in _ABL_COLS:
                add.append({"lever": lv, "layer": LEVERS[lv].layer, "with": "+".join(on), "quantity": col,
                            **dict(zip(("change", "ci_low", "ci_high"), _paired(trad.values, r.values, col, confidence)))})
                rem.append({"lever": lv, "layer": LEVERS[lv].layer, "quantity": col,
                            **dict(zip(("change", "ci_low", "ci_high"), _paired(hyb.values, s.values, col, confidence)))})
        given = {"traditional": traditional, "hybrid": hybrid}
        abl = {name: given[name] if given[name] is not None else done.get(name, run)
               for name, run in (("traditional", trad), ("hybrid", hyb))}
        if evals and evals["hybrid"] != all_on:
            abl["hybrid"] = hyb
        abl.update(add=pd.DataFrame(add), remove=pd.DataFrame(rem))
    return (done or None), abl


def _ablation_args(case, replications, horizon_days, workers, calibration, system, outlets):
    case = check_choice("case", case, CASES)
    check_int("replications", replications, minimum=2)
    check_int("horizon_days", horizon_days, minimum=30)
    if workers is not None:
        check_int("workers", workers, minimum=1)
    cal = {**_DEFAULT, **(load_calibration(case) if calibration is None else calibration)}
    if system is None:
        system = case_system(case, horizon_days=horizon_days, outlets=outlets,
                             dispersion_scale=cal["dispersion_scale"], lead_time_sigma_scale=cal["lead_time_sigma_scale"])
    elif getattr(system, "name", None) != case or not hasattr(system, "days"):
        raise ValueError(f"system must be the {case} case system from casekit.framework.case_system, got "
                         f"{getattr(system, 'name', type(system).__name__)!r}")
    return case, cal, system


def ablation(case: str, *, replications: int = 30, horizon_days: int = 365, seed: int = 1, outlets: int = 2000,
             calibration: dict | None = None, confidence: float = 0.95, recovery: bool = True, system=None,
             traditional: Table3Run | None = None, hybrid: Table3Run | None = None, workers: int | None = None
             ) -> dict:
    """Add one lever at a time to the traditional baseline, and remove one at a time from the
    full hybrid, each on the same random numbers, with paired ``confidence`` intervals.

    Returns ``{"traditional": Table3Run, "hybrid": Table3Run, "add": DataFrame, "remove": DataFrame}``;
    the frames have one row per (lever, quantity) with the paired change (points of fill rate,
    differences of bullwhip / order-cycle std / recovery days, % for costs and CO2) against the
    baseline (``add``) or the hybrid (``remove``: the change from switching the lever off).
    Removing a lever other than ``policy_tuning`` keeps the hybrid's tuned service level.
    ``recovery=False`` skips the shutdown runs (half the work; the recovery row is then blank).

    Sharing work: ``system`` (the :func:`case_system` the runs were made on), ``traditional`` and
    ``hybrid`` (the two :func:`evaluate` runs of this system, seed and size, e.g. a notebook's) are
    reused instead of built and simulated again; everything built for one system (forecasts,
    exact safety-stock tables, the (r, Q) optimisations, the demand draws of the seed: common
    random numbers) is built once for all the steps, and a lever set whose policy is the same as
    another's (:func:`_effective`) is simulated once.  The steps are independent and run in a
    process pool of ``workers`` processes (default: 2 when the steps together simulate at least
    :data:`PARALLEL_MIN_NODE_DAYS` replication-node-days, else 1: in this process); the numbers do
    not depend on ``workers``.  :func:`run_table3` runs the baseline and the hybrid in the same pool.
    """
    case, cal, system = _ablation_args(case, replications, horizon_days, workers, calibration, system, outlets)
    for name, run, want in (("traditional", traditional, ()), ("hybrid", hybrid, levers(case))):
        if run is not None:
            _check_given_run(name, run, case, want, replications, seed, horizon_days, recovery)
    workers = _default_workers(workers, replications * horizon_days * system.n * 2 * len(levers(case)))
    size = dict(horizon_days=horizon_days, replications=replications, seed=seed, outlets=outlets)
    return _study(case, system=system, cal=cal, size=size, recovery=recovery, confidence=confidence,
                  workers=workers, traditional=traditional, hybrid=hybrid)[1]


def run_table3(case: str, on="hybrid", *, ablate: bool = True, replications: int = 30, horizon_days: int = 365,
               seed: int = 1, outlets: int = 2000, calibration: dict | None = None, confidence: float = 0.95,
               system=None, workers: int | None = None) -> dict:
    """Everything a Table 3 replication simulates, in one pool of ``workers`` processes: the
    traditional baseline and the hybrid with the levers ``on`` (:func:`resolve`), each evaluated
    as :func:`evaluate` does (with its supplier-shutdown run), and with ``ablate`` the :func:`ablation`
    without the shutdown runs (reusing those two when ``on`` is every lever).

    Returns ``{"traditional": Table3Run, "hybrid": Table3Run, "ablation": dict or None}``, the
    same numbers as ``evaluate(case, ())``, ``evaluate(case, on)`` and ``ablation(case,
    recovery=False, traditional=..., hybrid=...)`` on the same ``system``, seed and size: only the
    order of the work differs.  Run one by one, a process would wait for the slowest run of each
    call (the hybrid's tuning, its shutdown run); here the next job starts as soon as a process
    is free.  ``workers``: default 2 on a run of at least :data:`PARALLEL_MIN_NODE_DAYS`
    replication-node-days, else 1.
    """
    case, cal, system = _ablation_args(case, replications, horizon_days, workers, calibration, system, outlets)
    if not isinstance(ablate, (bool, np.bool_)):
        raise TypeError(f"ablate must be True or False, got {ablate!r}")
    n_runs = 4 + (2 * len(levers(case)) if ablate else 0)
    workers = _default_workers(workers, replications * horizon_days * system.n * n_runs / 2)
    size = dict(horizon_days=horizon_days, replications=replications, seed=seed, outlets=outlets)
    runs, abl = _study(case, system=system, cal=cal, size=size, recovery=False, confidence=confidence,
                       workers=workers, evaluated=on, ablate=ablate)
    return {"traditional": runs["traditional"], "hybrid": runs["hybrid"], "ablation": abl}


# ---------------------------------------------------------------------------------------------
# calibration
# ---------------------------------------------------------------------------------------------

from casekit.resources import data_path  # noqa: E402  (the calibration ships as package data)
CALIBRATION_PATH = data_path("framework_calibration.json", must_exist=False)

#: Calibration targets: Table 3's traditional column rows (casekit.paper row keys).
_TARGET_ROWS = ("fill_rate", "bullwhip", "order_cycle_std", "recovery_days")

#: The rows the search scores.  Order-cycle std is not scored: on the same bucketed order stream it
#: equals BUCKET · sqrt(bullwhip) · CV of bucket demand, so once bullwhip is fitted it is fixed by the
#: case's demand; :func:`calibrate` reports whether the paper's pair is consistent with that demand.
FIT_ROWS = ("fill_rate", "bullwhip", "recovery_days")

#: Order in which the coordinate search visits the free parameters.
_SEARCH_ORDER = ("ma_window", "service_level", "max_lot_days", "up_service_level", "shutdown_days",
                 "shutdown_capacity", "dispersion_scale", "lead_time_sigma_scale")


def load_calibration(case: str) -> dict:
    """The calibrated free parameters of ``case`` (:data:`FREE_PARAMETERS`) from
    :data:`CALIBRATION_PATH`, or the uncalibrated defaults for any the file does not hold."""
    case = check_choice("case", case, CASES)
    out = dict(_DEFAULT)
    if CALIBRATION_PATH.exists():
        d = json.loads(CALIBRATION_PATH.read_text())
        if case in d:
            out.update({k: v for k, v in d[case]["parameters"].items() if k in FREE_PARAMETERS})
    return out


def _fit_table(targets, measured, ci=None, demand_cv=None, hybrid=None, trials=None, system=None):
    fit = {}
    for row in _TARGET_ROWS:
        m = measured[row]
        f = {"target": targets[row], "measured": m, "tolerance": TOLERANCE[row],
             "within": bool(abs(m - targets[row]) <= TOLERANCE[row])}
        if ci is not None:
            f["ci_low"], f["ci_high"] = ci[row]
        if not f["within"]:
            f["reason"] = _reason(row, targets, measured, demand_cv, hybrid, trials, system)
        fit[row] = f
    return fit


def _near(row, meas, targets):
    return abs(meas[row] - targets[row]) <= TOLERANCE[row]


def _fmt(params, keys=None):
    keys = [k for k in _SEARCH_ORDER if k in params] if keys is None else keys
    return ", ".join(f"{k} {params[k]:g}" for k in keys)


def _reason(row, targets, measured, demand_cv, hybrid=None, trials=None, system=None):
    """Why ``row`` misses its target: an identity of the measures (order-cycle std), the shape of
    the recovery measure, and what the search's own trials show (``trials``: list of
    ``(parameters, measured)``): the trials that did put the row within tolerance and what they
    cost the other rows."""
    parts = []
    if row == "order_cycle_std" and demand_cv is not None:
        need = 100 * targets["order_cycle_std"] / (BUCKET * np.sqrt(targets["bullwhip"]))
        at = BUCKET * np.sqrt(targets["bullwhip"]) * demand_cv / 100
        txt = (f"order-cycle std (days of demand) = {BUCKET} x sqrt(bullwhip) x CV of {BUCKET}-day demand; the "
               f"paper's pair (bullwhip {targets['bullwhip']:g}, std {targets['order_cycle_std']:g}) needs a demand CV "
               f"of {need:.1f} %, the case's demand has {demand_cv:.1f} %, so at bullwhip {targets['bullwhip']:g} the "
               f"std is {at:.2f}")
        if hybrid is not None:
            txt += (f"; the paper's own columns disagree too: std²/bullwhip (proportional to the demand's variance, "
                    f"the same for both policies) is {targets['order_cycle_std'] ** 2 / targets['bullwhip']:.1f} "
                    f"traditional vs {hybrid['order_cycle_std'] ** 2 / hybrid['bullwhip']:.1f} hybrid")
        return txt
    if row == "recovery_days" and "recovery_zero_share" in measured:
        z, med = measured["recovery_zero_share"], measured["recovery_positive_median"]
        txt = (f"{100 * z:.0f} % of the replications recover in 0 days (the shutdown never moves their 7-day fill "
               f"rate 2 points from the twin's)")
        if z < 1:
            txt += f", the others in {med:.0f} days (median)"
        if system is not None:
            stop = (np.asarray(system.shutdown_mask, dtype=bool) if len(system.shutdown_mask)
                    else np.ones(system.m, dtype=bool))
            lu = float(np.min(np.asarray(system.lead_up_median, dtype=float)[stop]))
            ld = int(np.min(np.asarray(system.lead_dn)[np.isin(system.parent, np.flatnonzero(stop))]))
            txt += (f"; once the stopped supply runs dry at the customers, the dent lasts until goods started after "
                    f"the shutdown arrive, at least {lu:g} (supplier lead time, median) + {ld} (downstream lead "
                    f"time) days after it ends, and the 7-day rolling measure keeps it visible 6 days longer, "
                    f"so a dented replication recovers in about {lu + ld + 6:g} days or more")
        parts.append(txt)
    if trials:
        hit = [(p, m) for p, m in trials if _near(row, m, targets)]
        others = [r for r in FIT_ROWS if r != row]
        if not hit:
            p, m = min(trials, key=lambda pm: abs(pm[1][row] - targets[row]))
            parts.append(f"none of the search's {len(trials)} trials put it within {TOLERANCE[row]:g} of "
                         f"{targets[row]:g}; the closest, {m[row]:.3g}, came with {_fmt(p)}")
        else:
            def cost(pm):
                return sum(((pm[1][r] - targets[r]) / TOLERANCE[r]) ** 2 for r in others)
            p, m = min(hit, key=cost)
            missed = [r for r in others if not _near(r, m, targets)]
            txt = (f"{len(hit)} of the search's {len(trials)} trials put it within tolerance ({m[row]:.3g} at best "
                   f"for the other rows, with {_fmt(p)})")
            if missed:
                txt += ", but there " + ", ".join(f"{r} is {m[r]:.3g} (target {targets[r]:g})" for r in missed)
            else:
                txt += ("; that trial meets the other scored targets at the search's size, so the miss is the "
                        "difference between the search's size and seeds and this check's")
            parts.append(txt)
    if not parts:
        return (f"not reached together with the other targets by the search over {list(FREE_PARAMETERS)} "
                f"(best compromise of the scored rows {list(FIT_ROWS)})")
    return "; ".join(parts)


def _measure(run):
    """Mean of every calibration row of a :class:`Table3Run` (and its 95 % half-width, ``<row>_hw``),
    and the two modes of recovery."""
    v = run.values
    meas = {row: float(v[row].mean()) for row in (*_TARGET_ROWS, "demand_cv")}
    for row in _TARGET_ROWS:
        m, lo, hi = metrics.mean_ci(v[row].to_numpy())
        meas[f"{row}_hw"] = float((hi - lo) / 2) if np.isfinite(hi - lo) else 0.0
    rec = v["recovery_days"].to_numpy()
    meas["recovery_zero_share"] = float(np.mean(rec == 0))
    meas["recovery_positive_median"] = float(np.median(rec[rec > 0])) if (rec > 0).any() else 0.0
    return meas


def _score(meas, targets):
    """Σ over :data:`FIT_ROWS` of (measured - target)² / (tolerance² + h²), h the 95 % half-width."""
    return float(sum((meas[row] - targets[row]) ** 2 / (TOLERANCE[row] ** 2 + meas[f"{row}_hw"] ** 2)
                     for row in FIT_ROWS))


def calibrate(case: str, *, grid: dict | None = None, start: dict | None = None, replications: int = 6,
              horizon_days: int = 365, seed: int = 20_000, outlets: int = 300, sweeps: int = 2,
              check_replications: int = 0, check_outlets: int = 2000, check_seed: int = 1) -> dict:
    """Fit the free parameters (:data:`FREE_PARAMETERS`) so the traditional baseline reproduces
    the paper's traditional column (targets read from :func:`casekit.paper.table3`).

    Procedure (seeded, on common random numbers ``seed``, kept apart from the evaluation seeds,
    which start at 1): a **coordinate search** from ``start`` (default the stored calibration):
    for each free parameter in turn (:data:`_SEARCH_ORDER`), every value of its ``grid`` is tried
    with the others fixed and the best kept; ``sweeps`` passes, stopping early when a pass changes
    nothing.  Each trial simulates the traditional baseline (``replications`` x ``horizon_days``,
    ``outlets`` FMCG outlets: a reduced size for speed) and scores it by
    Σ_rows (measured - target)² / (tolerance² + h²) over :data:`FIT_ROWS` (tolerances :data:`TOLERANCE`,
    h the half-width of the row's 95 % interval in that trial): a row measured less precisely than
    its tolerance counts by its precision, so the search does not trade rows it can place for the
    sampling noise of one it cannot (electronics' recovery: 0 in most replications, weeks in a few).
    With ``check_replications`` > 0 the fitted parameters are then checked at full size
    (``check_outlets``) on the evaluation seed ``check_seed``: ``"fit"`` holds that check with 95 %
    intervals, ``"search_fit"`` the search's own numbers.  A target missed says why (``"reason"``,
    from the trials of the search: which of them met that target and what they gave the others).

    Returns ``{"parameters", "fit", "search_fit", "score", "grid", "trials", "seed", "replications",
    "horizon_days", "outlets", "check"}``.
    """
    case = check_choice("case", case, CASES)
    grid = dict(FREE_PARAMETERS if grid is None else grid)
    for k, values in grid.items():
        check_choice("grid", k, tuple(FREE_PARAMETERS))
        for v in values:
            _check_free(k, v)
    p = {**load_calibration(case), **(start or {})}
    for k, v in p.items():
        _check_free(k, v)
    check_int("sweeps", sweeps, minimum=1)
    t3 = paper.table3(case)
    targets = {r: metrics.check_metric_value(t3.loc[r, "metric"], float(t3.loc[r, "traditional"]))
               for r in _TARGET_ROWS}
    systems, seen = {}, {}

    def trial(q):
        key = tuple(sorted(q.items()))
        if key not in seen:
            sk = (q["dispersion_scale"], q["lead_time_sigma_scale"])
            if sk not in systems:
                systems[sk] = case_system(case, horizon_days=horizon_days, outlets=outlets, dispersion_scale=sk[0],
                                          lead_time_sigma_scale=sk[1])
            r = evaluate(case, (), system=systems[sk], horizon_days=horizon_days, replications=replications,
                         seed=seed, calibration=q)
            meas = _measure(r)
            score = _score(meas, targets)
            seen[key] = (score, meas, dict(q))
        return seen[key]

    best = trial(p)
    for _ in range(sweeps):
        moved = False
        for name in _SEARCH_ORDER:
            for v in grid.get(name, ()):
                q = {**p, name: v}
                res = trial(q)
                if res[0] < best[0] - 1e-12:
                    best, p, moved = res, q, True
        if not moved:
            break
    score, meas, _ = best
    params = {k: (int(v) if k in _WHOLE else float(v)) for k, v in p.items()}
    hybrid = {r: float(t3.loc[r, "hybrid"]) for r in ("bullwhip", "order_cycle_std")}
    tried = [(q, m) for _, m, q in seen.values()]
    sysm = next(iter(systems.values()))
    out = {"parameters": params,
           "search_fit": _fit_table(targets, meas, demand_cv=meas["demand_cv"], hybrid=hybrid, trials=tried,
                                    system=sysm),
           "score": float(score), "grid": {k: list(v) for k, v in grid.items()}, "trials": len(seen), "seed": seed,
           "replications": replications, "horizon_days": horizon_days, "outlets": outlets, "check": None}
    out["fit"] = out["search_fit"]
    if check_replications:
        r = evaluate(case, (), horizon_days=horizon_days, replications=check_replications, seed=check_seed,
                     outlets=check_outlets, calibration=params)
        ci = {row: metrics.mean_ci(r.values[row].to_numpy())[1:] for row in _TARGET_ROWS}
        cm = _measure(r)
        out["fit"] = _fit_table(targets, cm, {k: (float(a), float(b)) for k, (a, b) in ci.items()}, cm["demand_cv"],
                                hybrid, trials=tried, system=sysm)
        out["check"] = {"replications": check_replications, "outlets": check_outlets, "seed": check_seed,
                        "horizon_days": horizon_days, "demand_cv": cm["demand_cv"],
                        "recovery_zero_share": cm["recovery_zero_share"],
                        "recovery_positive_median": cm["recovery_positive_median"]}
    return out


def write_calibration(path: Path | str = CALIBRATION_PATH, cases=CASES, **kw) -> dict:
    """Run :func:`calibrate` for ``cases`` and write the result as JSON (atomically: a temporary
    file in the same folder, then renamed; cases not run keep their stored entry)."""
    path = Path(path)
    out = json.loads(path.read_text()) if path.exists() else {}
    for case in cases:
        out[case] = calibrate(case, **kw)
    _write_atomic(path, out)
    return out


def _write_atomic(path, out: dict):
    """Write ``out`` as JSON to ``path`` in one step: a temporary file in the same folder, then renamed."""
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".calibration-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(out, indent=1, default=float) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------------------------
# reading an ablation: which levers move which row, and why a row is not reproduced
# ---------------------------------------------------------------------------------------------

#: Table 3 row -> the ablation quantity that measures it.
ROW_QUANTITY = {"fill_rate": "fill_rate", "total_cost_change": "total_cost", "bullwhip": "bullwhip",
                "emergency_transport_cost_change": "emergency_cost", "holding_cost_change": "holding_cost",
                "co2_change": "co2_kg", "order_cycle_std": "order_cycle_std", "recovery_days": "recovery_days"}

_QUNIT = {"fill_rate": "points", "total_cost": "%", "bullwhip": "", "emergency_cost": "%", "holding_cost": "%",
          "co2_kg": "%", "order_cycle_std": "days of demand", "recovery_days": "days"}


def movers(frame: pd.DataFrame) -> pd.DataFrame:
    """Lever x Table 3 row: the paired change of the row when the lever is added alone (``add``
    frame of :func:`ablation`) or removed alone (``remove``), blank (NaN) when its interval
    contains 0 (the lever does not clearly move that row)."""
    f = frame.copy()
    clear = (f["ci_low"] > 0) | (f["ci_high"] < 0)
    f["shown"] = f["change"].where(clear)
    inv = {v: k for k, v in ROW_QUANTITY.items()}
    f["row"] = f["quantity"].map(inv)
    return f.pivot(index="lever", columns="row", values="shown").reindex(columns=list(ROWS)).reindex(
        index=list(dict.fromkeys(f["lever"])))


def biggest_lever(frame: pd.DataFrame) -> dict:
    """Per Table 3 row, the lever with the largest clear change (``None`` when no lever moves it)."""
    m = movers(frame)
    out = {}
    for row in ROWS:
        col = m[row].dropna()
        out[row] = None if col.empty else (str(col.abs().idxmax()), float(col[col.abs().idxmax()]))
    return out


def explain(case: str, verdicts: pd.DataFrame, abl: dict) -> str:
    """A paragraph (Markdown) for every Table 3 row that is not reproduced, written from the
    measured verdicts and the ablation's numbers."""
    lines = []
    add, rem = abl["add"], abl["remove"]
    for row in ROWS:
        v = verdicts.loc[row]
        if v["verdict"] == "reproduced":
            continue
        q = ROW_QUANTITY[row]
        a = add[add["quantity"] == q].set_index("lever")
        r = rem[rem["quantity"] == q].set_index("lever")
        clear_a = a[(a["ci_low"] > 0) | (a["ci_high"] < 0)]
        clear_r = r[(r["ci_low"] > 0) | (r["ci_high"] < 0)]
        unit = _QUNIT[q]
        said = (f"the paper prints a change of {v['paper_hybrid']:g} %" if pd.isna(v["paper_traditional"]) else
                f"the paper goes from {v['paper_traditional']:g} to {v['paper_hybrid']:g}")
        txt = (f"**{row}** ({v['verdict']}): {said}; casekit measures a hybrid value of {v['hybrid']:.3g} "
               f"[{v['hybrid_ci'][0]:.3g}, {v['hybrid_ci'][1]:.3g}] and a paired change of {v['change']:+.3g} "
               f"[{v['change_ci'][0]:+.3g}, {v['change_ci'][1]:+.3g}]. ") if "hybrid_ci" in v and isinstance(
                   v["hybrid_ci"], tuple) else f"**{row}** ({v['verdict']}). "
        if clear_a.empty:
            txt += "No lever alone moves it clearly over the baseline"
        else:
            top = clear_a["change"].abs().sort_values(ascending=False).index[:3]
            txt += "Alone over the baseline it is moved by " + ", ".join(
                f"{lv} ({clear_a.loc[lv, 'change']:+.3g} {unit})".replace(" )", ")") for lv in top)
        if clear_r.empty:
            txt += "; removing any one lever from the hybrid leaves it within noise."
        else:
            top = clear_r["change"].abs().sort_values(ascending=False).index[:3]
            txt += "; removing one lever from the hybrid moves it most for " + ", ".join(
                f"{lv} ({clear_r.loc[lv, 'change']:+.3g} {unit})".replace(" )", ")") for lv in top) + "."
        lines.append(txt)
    return "\n\n".join(lines) if lines else f"Every Table 3 row of the {case} case is reproduced."


def results(case: str, calibration: dict, traditional: Table3Run, hybrid: Table3Run, verdicts: pd.DataFrame,
            abl: dict | None = None, confidence: float = 0.95) -> dict:
    """The dictionary a case notebook records: ``{"paper", "calibration", "traditional", "hybrid",
    "change_pct", "verdict", "ablation"}`` in plain JSON types."""
    def summ(run):
        return {c: dict(zip(("mean", "ci_low", "ci_high"), metrics.mean_ci(run.values[c].to_numpy(), confidence)))
                for c in run.values.columns if run.values[c].notna().all()}
    change = {}
    for c in ("total_cost", "holding_cost", "ordering_cost", "shortage_cost", "emergency_cost", "co2_kg"):
        a, b = traditional.values[c].to_numpy(), hybrid.values[c].to_numpy()
        change[c] = (metrics.paired_change(a, b).to_dict() if np.all(a != 0) else None)
    t3 = paper.table3(case)
    return {
        "paper": {r: {"traditional": (None if pd.isna(t3.loc[r, "traditional"]) else float(t3.loc[r, "traditional"])),
                      "hybrid": float(t3.loc[r, "hybrid"]), "unit": t3.loc[r, "unit"]} for r in ROWS},
        "calibration": calibration,
        "traditional": summ(traditional), "hybrid": summ(hybrid), "change_pct": change,
        "verdict": {r: verdicts.loc[r, "verdict"] for r in ROWS},
        "ablation": None if abl is None else {
            "add": abl["add"].to_dict(orient="records"), "remove": abl["remove"].to_dict(orient="records"),
            "biggest_lever": biggest_lever(abl["add"])},
    }
