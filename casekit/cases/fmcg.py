"""FMCG case: four regional warehouses supplying up to 2,000 outlets (the paper's sections 7.2-7.3).

Data: ``casekit/datasets/fmcg`` (:mod:`casekit.datasets.fmcg`).  The simulated year is the planning year
that follows the two years of sales history; each outlet stocks one focal SKU, replenished daily
from its regional warehouse by truck; warehouses are replenished from the plant.

**Traditional** (what the seed calls current practice)
  outlets: static reorder point ``r = mu L + z sigma sqrt(L)`` from the two-year *average* daily
  demand (normal approximation, no seasonality, promotions or lead-time variability) and a
  14-day lot; warehouses: **monthly** planning (review every 30 days) of an order-up-to level
  from the same averages, on their *local* position (no point-of-sale data shared upstream);
  reactive **emergency shipments** by van for outlet backorders above two days of demand;
  warehouses replenished by truck.

**Hybrid**
  outlets: daily order-up-to a target = forecast over the lead time + 1 day + safety stock, where
  the forecast is a **blend** (:func:`casekit.forecasting.inverse_mse_weights`) of a
  **promotion-aware plan** (last years' de-promoted sales times uplift and cannibalisation
  estimated by :func:`casekit.forecasting.promotion_effects`) and a recent moving average, and the
  safety stock is the **exact** lead-time-demand quantile (:func:`casekit.leadtime.lead_time_demand`,
  :func:`casekit.safety_stock.reorder_point`); warehouses: weekly **echelon** order-up-to on
  the echelon position (POS shared), targets pooled by the square-root law; weekly **proactive
  reallocation** between regions (the cover-balancing transfer); the service level is **tuned by
  simulation** on separate random numbers; **CO2-aware** plant-to-warehouse mode (rail).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from casekit.cases import compare as _compare
from casekit.cases._system import CasePolicy, CaseSystem, run_case
from casekit.datasets import fmcg as data
from casekit.validate import check_choice, check_int, check_probability

__all__ = ["build_system", "traditional_policy", "hybrid_policy", "run", "plan_forecast"]

WARMUP = 56
LOOKAHEAD = 60
K_OUTLET = 8.0       # outlet-level dispersion assumed by both policies (the data dictionary's k)


@lru_cache(maxsize=2)
def _data():
    return data.load_fmcg()


@lru_cache(maxsize=2)
def _effects():
    """Promotion uplift and cannibalisation per (region, sku), estimated from sales history."""
    from casekit.forecasting import promotion_effects

    sales = _data()["sales"]
    out = {}
    for (r, s), g in sales.groupby(["region", "sku"]):
        e = promotion_effects(g[["date", "units", "promo", "substitute_promo"]].reset_index(drop=True), trend=False)
        out[(r, s)] = (e.uplift, e.cannibalisation)
    return out


def plan_forecast(days: np.ndarray, *, promotions: bool = True, cannibalisation: bool = True) -> dict:
    """Promotion-aware plan per (region, sku) for absolute ``days``: the de-promoted sales of
    the same weekday one and two years earlier (+-1 week), times this day's promotion effects.
    ``promotions=False`` / ``cannibalisation=False``: a planner who does not know the uplift /
    the substitute's cannibalisation (that effect is neither removed from history nor forecast)."""
    d = _data()
    sales, promo, eff = d["sales"], d["promo"], _effects()
    out = {}
    hist = data.HISTORY_DAYS
    for (r, s), g in sales.groupby(["region", "sku"]):
        u, c = eff[(r, s)]
        u, c = (u if promotions else 0.0), (c if cannibalisation else 0.0)
        units = g["units"].to_numpy(float)
        dep = units / ((1 + u) ** g["promo"].to_numpy() * (1 - c) ** g["substitute_promo"].to_numpy())
        base = np.zeros(days.size)
        cnt = np.zeros(days.size)
        for y in (364, 728):
            for k in (-7, 0, 7):
                idx = days - y + k
                ok = (idx >= 0) & (idx < hist)
                base[ok] += dep[idx[ok]]
                cnt[ok] += 1
        base = base / np.maximum(cnt, 1)
        sub = data.SKUS.set_index("sku").loc[s, "substitute"]
        out[(r, s)] = base * (1 + u) ** promo[(r, s)][days] * (1 - c) ** promo[(r, sub)][days]
    return out


def build_system(outlets: int = 2000, *, horizon_days: int = 365, seed_subset: int = 0) -> CaseSystem:
    """The physical system for the first ``outlets`` outlets of a stratified subset (every region
    keeps its share), for ``horizon_days`` after a warm-up of :data:`WARMUP` days."""
    outlets = check_int("outlets", outlets, minimum=8, maximum=data.N_OUTLETS)
    horizon_days = check_int("horizon_days", horizon_days, minimum=30,
                             maximum=data.CALENDAR_DAYS - data.HISTORY_DAYS - LOOKAHEAD)
    d = _data()
    o = d["outlets"]
    rng = np.random.default_rng(seed_subset)
    keep = np.sort(rng.permutation(len(o))[:outlets])
    o = o.iloc[keep].reset_index(drop=True)
    wh = d["warehouses"]
    par = o["warehouse"].map({w: i for i, w in enumerate(wh["warehouse"])}).to_numpy()
    days = np.arange(data.HISTORY_DAYS - WARMUP, data.HISTORY_DAYS + horizon_days + LOOKAHEAD)
    mu = data.mean_demand(o, d["promo"], days)
    sk = d["skus"].set_index("sku")
    value = sk.loc[o["sku"], "unit_value"].to_numpy()
    ef = dict(zip(d["emission_factors"]["mode"], d["emission_factors"]["kg_co2e_per_tonne_km"]))
    lanes = d["lanes"]
    truck = lanes[(lanes["origin"] == "PLANT") & (lanes["mode"] == "truck")].set_index("destination")
    sysm = CaseSystem(
        name="fmcg", parent=par, mu=mu, dispersion=K_OUTLET, lead_dn=o["lead_time_days"].to_numpy(),
        lead_up_median=truck.loc[wh["warehouse"], "lead_time_days"].to_numpy(float),
        lead_up_sigma=np.full(len(wh), 0.2), h_dn=value * 0.30 / 365, h_up=np.full(len(wh), 10 * 0.20 / 365),
        p=value * 0.25, K_dn=12.0, K_up=350.0, weight_kg=sk.loc[o["sku"], "weight_kg"].to_numpy(),
        dist_dn=o["distance_km"].to_numpy(), dist_up=wh["plant_km"].to_numpy(float), factors=ef,
        emergency_cost=4.0, emergency_mode="van", emergency_km=o["distance_km"].to_numpy(),
        dn_modes=("truck",) * len(o), transfer_km=300.0, transfer_cost=0.15)
    object.__setattr__(sysm, "outlets", o)
    object.__setattr__(sysm, "days", days)
    return sysm


def _hist_mean(system) -> np.ndarray:
    """Average daily demand per outlet over the two years of history (outlet share of its
    region-SKU sales by size)."""
    o = system.outlets
    sales = _data()["sales"]
    m = sales.groupby(["region", "sku"])["units"].mean()
    full = _data()["outlets"]
    size_sum = full.groupby(["region", "sku"])["size"].sum()
    return _per_outlet(m, o) * o["size"].to_numpy() / _per_outlet(size_sum, o)


def _per_outlet(by_region_sku: pd.Series, outlets: pd.DataFrame) -> np.ndarray:
    """The value of a (region, sku)-indexed series for each outlet (one vectorised look-up)."""
    key = pd.MultiIndex.from_arrays([outlets["region"], outlets["sku"]])
    return by_region_sku.reindex(key).to_numpy(float)


def traditional_policy(system: CaseSystem, *, service_level: float = 0.95, lot_days: int = 14,
                       review_days: int = 30) -> CasePolicy:
    """Static (r, Q) at outlets from averages (normal approximation), monthly warehouse planning
    on local positions, reactive emergency shipments, truck."""
    z = stats.norm.ppf(check_probability("service_level", service_level))
    lot_days = check_int("lot_days", lot_days, minimum=1)
    review_days = check_int("review_days", review_days, minimum=1)
    mu = _hist_mean(system)
    sd = np.sqrt(mu + mu ** 2 / K_OUTLET)
    L = system.lead_dn
    r = np.round(mu * L + z * sd * np.sqrt(L))
    Q = np.maximum(np.round(mu * lot_days), 1.0)
    M = system.m
    onehot = np.eye(M)[system.parent]
    mu_m = mu @ onehot
    sd_m = np.sqrt((sd ** 2) @ onehot)
    cover = review_days + system.lead_up_median
    S_up = np.round(mu_m * cover + z * sd_m * np.sqrt(cover) + (Q / 2) @ onehot)
    return CasePolicy("traditional", "rQ", r, Q, S_up, review_days, False, up_mode="truck",
        expedite_threshold=2 * float(np.median(mu)), info={"z": float(z), "mean": mu})


def _exact_ss_table(csl: float, leads, k: float = K_OUTLET, grid=None):
    """Exact safety stock ss(mu, L) = r - E[X] of negative binomial lead-time demand over L days,
    on a log grid of daily means (interpolated per outlet)."""
    grid = np.geomspace(0.2, 60, 24) if grid is None else np.asarray(grid, dtype=float)
    tab = {int(L): _exact_ss_column(float(csl), int(L), float(k), tuple(grid.tolist())) for L in leads}
    return grid, tab


def nb_lead_time_demand(mean: float, lead_time: int, k: float = K_OUTLET):
    """Lead-time demand over ``lead_time`` days of i.i.d. negative binomial daily demand (mean m,
    Var = m + m²/k) as a :class:`~casekit.distributions.DiscreteDistribution`.

    A sum of L i.i.d. NB(k, p) days is NB(L k, p) with p = k / (k + m), so the pmf is written down
    directly instead of convolving L days (:func:`casekit.leadtime.lead_time_demand` gives the same
    pmf, up to rounding, for any daily distribution).  The upper tail beyond the first n with
    P(X > n) <= 2.5e-13 is lumped into n, as there.

    >>> X = nb_lead_time_demand(2.0, 3, k=4.0)
    >>> round(X.mean(), 9), round(X.var(), 9)          # L m and L (m + m²/k)
    (6.0, 9.0)
    """
    from casekit.distributions import DEFAULT_TAIL, DiscreteDistribution

    L, m, k = int(lead_time), float(mean), float(k)
    if L == 0 or m == 0:
        return DiscreteDistribution([1.0])
    n, p = L * k, k / (k + m)
    top = int(np.ceil(L * m + 40 * np.sqrt(L * (m + m * m / k)) + 40))   # far beyond the cut below
    pmf = stats.nbinom.pmf(np.arange(top + 1), n, p)
    sf = np.append(np.cumsum(pmf[::-1])[::-1][1:], 0.0)                  # P(X > x), summed from the top
    cut = int(np.argmax(sf <= DEFAULT_TAIL / 4))
    pmf = pmf[:cut + 1]
    pmf[-1] += sf[cut]
    return DiscreteDistribution(pmf / pmf.sum(), name="nbinom", truncated_mass=float(sf[cut]))


@lru_cache(maxsize=512)
def _exact_ss_column(csl: float, L: int, k: float, grid: tuple) -> np.ndarray:
    """One column of :func:`_exact_ss_table` (kept: the ablation asks for the same few many times)."""
    from casekit.safety_stock import reorder_point

    vals = []
    for m in grid:
        X = nb_lead_time_demand(m, L, k)
        vals.append(reorder_point(X, csl) - X.mean())
    out = np.array(vals)
    out.setflags(write=False)
    return out


def blended_forecast(system: CaseSystem, *, promotions: bool = True,
                     cannibalisation: bool = True) -> tuple[np.ndarray, tuple[float, float]]:
    """Daily forecast per outlet, shape ``(days, outlets)``: the plan (:func:`plan_forecast`) and a
    28-day moving average blended with inverse-MSE weights from a backtest on the second history
    year, split over a region's outlets by size.  Returns the forecast and the weights
    ``(plan, moving_average)``."""
    from casekit.forecasting import inverse_mse_weights

    o = system.outlets
    sales = _data()["sales"]
    test_days = np.arange(364 + 14, data.HISTORY_DAYS)
    plan_bt = plan_forecast(test_days, promotions=promotions, cannibalisation=cannibalisation)
    e_plan, e_ma = [], []
    for (r, s), g in sales.groupby(["region", "sku"]):
        u = g["units"].to_numpy(float)
        # scored as it is used: the last 28 days' average, held over the whole backtest
        ma = np.full(test_days.size, u[test_days[0] - 28:test_days[0]].mean())
        e_plan.append(u[test_days] - plan_bt[(r, s)])
        e_ma.append(u[test_days] - ma)
    w_plan, w_ma = inverse_mse_weights([np.nanmean(np.square(np.concatenate(e_plan))),
                                        np.nanmean(np.square(np.concatenate(e_ma)))])
    plan = plan_forecast(system.days, promotions=promotions, cannibalisation=cannibalisation)
    size_sum = _data()["outlets"].groupby(["region", "sku"])["size"].sum()
    F = np.zeros((system.days.size, len(o)))
    for (r, s), idx in o.groupby(["region", "sku"]).indices.items():
        ma = sales[(sales["region"] == r) & (sales["sku"] == s)]["units"].to_numpy(float)[-28:].mean()
        rs = w_plan * plan[(r, s)] + w_ma * ma
        F[:, idx] = rs[:, None] * o["size"].to_numpy()[idx][None, :] / size_sum[(r, s)]
    return F, (float(w_plan), float(w_ma))


def hybrid_policy(system: CaseSystem, *, service_level: float = 0.95, review_days: int = 7,
                  reallocate: bool = True, up_mode: str = "rail") -> CasePolicy:
    """Blended promotion-aware forecasts, exact safety stock, echelon warehouse targets,
    proactive reallocation, rail to the warehouses."""
    csl = check_probability("service_level", service_level)
    review_days = check_int("review_days", review_days, minimum=1)
    check_choice("up_mode", up_mode, ("truck", "rail"))
    o = system.outlets
    days = system.days
    F, (w_plan, w_ma) = blended_forecast(system)
    L = system.lead_dn.astype(int)
    # review period per outlet from the economic order interval sqrt(2K / (h mu)), 1..14 days
    rev = np.clip(np.round(np.sqrt(2 * system.K_dn / (system.h_dn * np.maximum(F.mean(axis=0), 1e-3)))), 1, 14).astype(int)
    cum = np.vstack([np.zeros((1, F.shape[1])), np.cumsum(F, axis=0)])
    T = days.size - LOOKAHEAD
    t = np.arange(T)[:, None]
    cover_dn = cum[t + 1 + L[None, :] + rev[None, :], np.arange(F.shape[1])] - cum[t + 1, np.arange(F.shape[1])]
    grid, tab = _exact_ss_table(csl, sorted(set((L + rev).tolist())))
    mbar = np.clip(F.mean(axis=0), grid[0], grid[-1])
    ss = np.array([np.interp(np.log(mbar[j]), np.log(grid), tab[int(L[j] + rev[j])]) for j in range(len(o))])
    level = np.round(cover_dn + ss[None, :])
    # echelon warehouse targets: children's targets + forecast over (warehouse lead time + review)
    M = system.m
    onehot = np.eye(M)[system.parent]
    Lu = system.lead_up_median + (2 if up_mode == "rail" else 0)
    z = stats.norm.ppf(csl)
    Fm = F @ onehot
    cm = np.vstack([np.zeros((1, M)), np.cumsum(Fm, axis=0)])
    span = (Lu + review_days).astype(int)
    fut = cm[t + 1 + span[None, :], np.arange(M)] - cm[t + 1, np.arange(M)]
    var_d = (F.mean(axis=0) + F.mean(axis=0) ** 2 / K_OUTLET) @ onehot
    sd_L = np.sqrt(span * var_d + (0.2 * Lu * Fm.mean(axis=0)) ** 2)   # lognormal sigma 0.2 on the lead time
    up_level = np.round(level @ onehot + fut + z * sd_L)
    return CasePolicy("hybrid", "order_up_to", level, None, up_level, review_days, True, up_mode=up_mode,
                      up_extra_days=2 if up_mode == "rail" else 0, expedite_threshold=None,
                      reallocate=bool(reallocate), dn_review=rev,
                      info={"blend_weights": {"plan": float(w_plan), "moving_average": float(w_ma)},
                            "service_level": csl})


def tune_service_level(system: CaseSystem, candidates=(0.90, 0.95, 0.98), *, seed: int = 10_000,
                       replications: int = 4, horizon_days: int = 120, **knobs) -> dict:
    """Simulation-optimisation of the hybrid's service level: the candidate with the lowest mean
    total cost on separate random numbers (``seed``), common to all candidates."""
    costs = {}
    for c in candidates:
        pol = hybrid_policy(system, service_level=c, **knobs)
        res = run_case(system, pol, horizon=horizon_days, replications=replications, seed=seed, warmup=WARMUP)
        costs[float(c)] = float(res.kpis["total_cost"].mean())
    best = min(costs, key=costs.get)
    return {"best": best, "costs": costs}


def run(outlets: int = 2000, horizon_days: int = 365, replications: int = 30, seed: int = 1,
        scenario: str = "none", *, service_level: float = 0.95, tune: bool = False,
        reallocate: bool = True, up_mode: str = "rail", shutdown_days: int = 21):
    """Build the case, both policies, and compare them (see :func:`casekit.cases.compare`)."""
    system = build_system(outlets, horizon_days=horizon_days)
    trad = traditional_policy(system, service_level=service_level)
    csl = service_level
    if tune:
        csl = tune_service_level(system, reallocate=reallocate, up_mode=up_mode)["best"]
    hyb = hybrid_policy(system, service_level=csl, reallocate=reallocate, up_mode=up_mode)
    return _compare(system, trad, hyb, horizon=horizon_days, replications=replications, seed=seed,
                    scenario=scenario, warmup=WARMUP, shutdown_start=min(90, horizon_days // 3),
                    shutdown_days=shutdown_days)
