"""Electronics case: a Tier-1 assembler, 20 finished SKUs, three Tier-2 suppliers (the paper's section 7.1).

Data: ``casekit/datasets/electronics`` (:mod:`casekit.datasets.electronics`).  Modelling choice: each
SKU's supply is limited by its **critical component** (the board in its bill of materials), so the
simulated system is two-echelon: each Tier-2 supplier's stock of critical components (upstream)
serves the finished-goods stock of the SKUs that use it (downstream, assembly + transit lead time
= the supplier's transit days + 1).  Suppliers replenish from their own production with lognormal
lead times (the international one long, sigma 0.45, and the one a ``supplier_shutdown`` stops).
The simulated year follows the two years of demand history.

**Traditional**: static (r, Q) from the two-year average demand (normal approximation, no
life-cycle trend, no lead-time variability), 30-day lots; suppliers plan monthly on their local
position, from averages (no forecasts shared); emergency **air** shipments (international) or
express vans (domestic) for backorders above two days of demand.

**Hybrid**: rolling forecasts (a blend, :func:`casekit.forecasting.inverse_mse_weights`, of a
life-cycle trend and a recent moving average) drive order-up-to targets, each SKU reviewed at its
economic order interval (1-14 days), with the **exact** lead-time-demand safety stock
(:func:`casekit.leadtime.lead_time_demand` with the supplier's lognormal lead time discretised);
the same rolling forecasts are **shared with Tier-2**, who order weekly on the **echelon**
position; **supplier-capacity pre-allocation**: half of the international supplier's orders during
a shutdown are met by a reserved domestic backup (truck, 3 days); no air freight (**CO2-aware**).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats

from casekit.cases import compare as _compare
from casekit.cases._system import CasePolicy, CaseSystem
from casekit.datasets import electronics as data
from casekit.validate import check_int, check_probability, check_real

__all__ = ["build_system", "traditional_policy", "hybrid_policy", "run"]

WARMUP = 60
LOOKAHEAD = 60
K_SKU = data.DISPERSION


@lru_cache(maxsize=2)
def _data():
    return data.load_electronics()


def build_system(horizon_days: int = 365) -> CaseSystem:
    horizon_days = check_int("horizon_days", horizon_days, minimum=30, maximum=data.CALENDAR_DAYS
                             - data.HISTORY_DAYS - LOOKAHEAD)
    d = _data()
    sk, sup = d["skus"], d["suppliers"]
    par = sk["critical_supplier"].map({s: i for i, s in enumerate(sup["supplier"])}).to_numpy()
    days = np.arange(data.HISTORY_DAYS - WARMUP, data.HISTORY_DAYS + horizon_days + LOOKAHEAD)
    mu = data.mean_demand(sk, days)
    cost = sk["unit_cost"].to_numpy()
    ef = dict(zip(d["emission_factors"]["mode"], d["emission_factors"]["kg_co2e_per_tonne_km"]))
    intl = sup["international"].to_numpy()[par] == 1
    s = CaseSystem(
        name="electronics", parent=par, mu=mu, dispersion=K_SKU,
        lead_dn=sup["transit_days"].to_numpy()[par] + 1,
        lead_up_median=sup["lt_median_days"].to_numpy(float), lead_up_sigma=sup["lt_sigma"].to_numpy(float),
        h_dn=cost * 0.25 / 365, h_up=np.full(len(sup), 0.45 * cost.mean() * 0.20 / 365), p=cost * 0.04,
        K_dn=150.0, K_up=1200.0, weight_kg=sk["weight_kg"].to_numpy(),
        dist_dn=sup["distance_km"].to_numpy()[par], dist_up=np.full(len(sup), 50.0), factors=ef,
        emergency_cost=12.0, emergency_mode="air",
        emergency_km=np.where(intl, sup["air_km"].fillna(0).to_numpy()[par], 0.0) + np.where(intl, 0, 1) * 0.0,
        dn_modes=tuple(sup["mode"].to_numpy()[par]), transfer_km=0.0, transfer_cost=0.0,
        shutdown_mask=tuple(sup["international"].to_numpy() == 1))
    object.__setattr__(s, "days", days)
    object.__setattr__(s, "skus", sk)
    return s


def _hist_mean(system):
    dem = _data()["demand"]
    return dem.groupby("sku", sort=False)["units"].mean().reindex(system.skus["sku"]).to_numpy()


def traditional_policy(system: CaseSystem, *, service_level: float = 0.95, lot_days: int = 30,
                       review_days: int = 30) -> CasePolicy:
    z = stats.norm.ppf(check_probability("service_level", service_level))
    lot_days = check_int("lot_days", lot_days, minimum=1)
    mu = _hist_mean(system)
    sd = np.sqrt(mu + mu ** 2 / K_SKU)
    L = system.lead_dn
    r = np.round(mu * L + z * sd * np.sqrt(L))
    Q = np.maximum(np.round(mu * lot_days), 1.0)
    onehot = np.eye(system.m)[system.parent]
    cover = review_days + system.lead_up_median
    S_up = np.round((mu @ onehot) * cover + z * np.sqrt((sd ** 2) @ onehot) * np.sqrt(cover) + (Q / 2) @ onehot)
    return CasePolicy("traditional", "rQ", r, Q, S_up, check_int("review_days", review_days, minimum=1), False,
                      up_mode="truck", expedite_threshold=2 * float(np.median(mu)), info={"mean": mu})


def rolling_forecast(system: CaseSystem, window: int = 56) -> tuple[np.ndarray, dict]:
    """Per-SKU daily forecast for the simulated days: a blend of a life-cycle trend (a quadratic
    in time fitted to log demand over the last ``window`` history days, extrapolated) and the
    recent moving average, weighted by inverse MSE on a hold-out of the history."""
    from casekit.forecasting import inverse_mse_weights

    dem = _data()["demand"]
    Y = dem.pivot(index="date", columns="sku", values="units")[system.skus["sku"]].to_numpy(float)
    H = Y.shape[0]

    def trend(Yfit, t0, ts):
        tt = np.arange(t0, t0 + Yfit.shape[0])
        out = np.zeros((ts.size, Yfit.shape[1]))
        for j in range(Yfit.shape[1]):
            c = np.polyfit(tt - t0, np.log(Yfit[:, j] + 1), 2)
            c[0] = min(c[0], 0.0)                  # never extrapolate a convex blow-up
            out[:, j] = np.exp(np.polyval(c, ts - t0)) - 1
        return np.maximum(out, 0.1)

    # hold-out: fit on days [H-2w-60, H-60), score on the last 60
    fit0 = H - 60 - 4 * window
    ho = np.arange(H - 60, H)
    e_tr = Y[ho] - trend(Y[fit0:H - 60], fit0, ho)
    e_ma = Y[ho] - Y[H - 60 - window:H - 60].mean(axis=0)
    w = inverse_mse_weights([np.mean(e_tr ** 2), np.mean(e_ma ** 2)])
    days = system.days
    F = w[0] * trend(Y[H - 4 * window:], H - 4 * window, days) + w[1] * Y[H - window:].mean(axis=0)
    return F, {"trend": float(w[0]), "moving_average": float(w[1])}


def _exact_ss(mean: float, lt_median: float, lt_sigma: float, extra: int, csl: float) -> float:
    """Exact safety stock r - E[X] for negative binomial daily demand over a lognormal lead time
    (discretised, plus ``extra`` fixed days)."""
    from casekit.distributions import DiscreteDistribution, demand_distribution
    from casekit.leadtime import lead_time_demand
    from casekit.safety_stock import reorder_point

    if lt_sigma > 0:
        Ld = DiscreteDistribution.from_continuous(stats.lognorm(lt_sigma, scale=lt_median), rule="ceil")
        keep = Ld.pmf > 1e-9
        L = {int(k) + extra: float(p) for k, p in zip(Ld.support[keep], Ld.pmf[keep] / Ld.pmf[keep].sum())}
    else:
        L = {int(np.ceil(lt_median)) + extra: 1.0}
    X = lead_time_demand(demand_distribution("nbinom", mean, 1 + mean / K_SKU), L, method="exact")
    return float(reorder_point(X, csl) - X.mean())


def hybrid_policy(system: CaseSystem, *, service_level: float = 0.95, review_days: int = 7,
                  backup_share: float = 0.5) -> CasePolicy:
    csl = check_probability("service_level", service_level)
    review_days = check_int("review_days", review_days, minimum=1)
    backup_share = check_real("backup_share", backup_share)
    if not 0 <= backup_share <= 1:
        raise ValueError(f"backup_share must be in [0, 1], got {backup_share!r}")
    F, weights = rolling_forecast(system)
    N, M = system.n, system.m
    L = system.lead_dn.astype(int)
    T = system.days.size - LOOKAHEAD
    t = np.arange(T)[:, None]
    cum = np.vstack([np.zeros((1, N)), np.cumsum(F, axis=0)])
    # review period per SKU from the economic order interval sqrt(2K / (h mu)), 1..14 days
    rev = np.clip(np.round(np.sqrt(2 * system.K_dn / (system.h_dn * np.maximum(F.mean(axis=0), 0.5)))), 1, 14).astype(int)
    cover = cum[t + 1 + L[None, :] + rev[None, :], np.arange(N)] - cum[t + 1, np.arange(N)]
    ss = np.array([_exact_ss(max(F[:, j].mean(), 0.5), L[j] + rev[j], 0.0, 0, csl) for j in range(N)])
    level = np.round(cover + ss[None, :])
    onehot = np.eye(M)[system.parent]
    Fm = F @ onehot
    cm = np.vstack([np.zeros((1, M)), np.cumsum(Fm, axis=0)])
    span = np.ceil(system.lead_up_median).astype(int) + review_days
    fut = cm[t + 1 + span[None, :], np.arange(M)] - cm[t + 1, np.arange(M)]
    ss_up = np.array([_exact_ss(max(Fm[:, m].mean(), 0.5), system.lead_up_median[m], system.lead_up_sigma[m],
                                review_days, csl) for m in range(M)])
    up_level = np.round(level @ onehot + fut + ss_up[None, :])
    return CasePolicy("hybrid", "order_up_to", level, None, up_level, review_days, True, up_mode="truck",
                      expedite_threshold=None, backup_share=float(backup_share), backup_lead=3, dn_review=rev,
                      backup_mode="truck", backup_km=400.0,
                      info={"blend_weights": weights, "service_level": csl})


def run(horizon_days: int = 365, replications: int = 30, seed: int = 1, scenario: str = "none", *,
        service_level: float = 0.95, backup_share: float = 0.5, shutdown_days: int = 30):
    system = build_system(horizon_days)
    trad = traditional_policy(system, service_level=service_level)
    hyb = hybrid_policy(system, service_level=service_level, backup_share=backup_share)
    return _compare(system, trad, hyb, horizon=horizon_days, replications=replications, seed=seed,
                    scenario=scenario, warmup=WARMUP, shutdown_start=min(90, horizon_days // 3),
                    shutdown_days=shutdown_days)
