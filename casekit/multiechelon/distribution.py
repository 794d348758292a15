"""Distribution systems (one warehouse, n retailers), risk pooling and the bullwhip effect.

Two-echelon distribution system: the METRIC approximation (Sherbrooke 1968)
---------------------------------------------------------------------------
The warehouse (stage 0) and each retailer i follow installation base-stock policies S_0, S_i.
The warehouse sees total demand Λ = Σ λ_i per period and a replenishment time L_0; its expected
backorders are E[B_0] = E[(X_0 - S_0)^+] with X_0 the demand over L_0.  By Little's law an order
waits W = E[B_0] / Λ periods on average at the warehouse, and METRIC replaces the random delay by
its mean: retailer i's lead-time demand is demand over L_i + W periods.  Then for each stage
E[on hand] = S - E[X] + E[B] and the cost per period is

    h_0 E[I_0] + Σ_i (h_i E[I_i] + p_i E[B_i])      (pipeline stock excluded).

Poisson demand gives Poisson lead-time demand (the original METRIC); any other demand is treated
by the normal approximation with mean μ L and variance σ² L.  METRIC is exact when W = 0 (ample
warehouse stock) and when S_0 = 0 with a single retailer; in between it ignores the variance of
the warehouse delay, typically understating retailer backorders a little.  The simulation chapter
measures that error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from casekit.network import Network, demand_moments
from casekit.validate import (check_array, check_choice, check_int, check_nonnegative, check_positive,
                              check_probability, check_real)

__all__ = ["DistributionResult", "evaluate_distribution", "optimize_distribution", "RiskPooling", "risk_pooling",
           "bullwhip", "bullwhip_bound"]


@dataclass(frozen=True)
class DistributionResult:
    """METRIC evaluation of a one-warehouse, n-retailer system (dicts keyed by stage id)."""

    base_stock: dict
    expected_on_hand: dict
    expected_backorders: dict
    service_level: dict           # P(lead-time demand <= S) per stage (cycle service)
    warehouse_delay: float        # W, periods
    cost: float
    warehouse: object

    @property
    def total_stock(self) -> float:
        return float(sum(self.expected_on_hand.values()))

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"base_stock": self.base_stock, "expected_on_hand": self.expected_on_hand,
                             "expected_backorders": self.expected_backorders,
                             "service_level": self.service_level}).rename_axis("stage")


def _two_echelon(network: Network):
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    if network.kind != "distribution" or len(network.sources) != 1:
        raise ValueError(f"network must be a distribution system (one warehouse, n retailers), got a "
                         f"{network.kind} network")
    w = network.sources[0]
    retailers = network.customers(w)
    if any(network.customers(r) for r in retailers) or len(retailers) != len(network) - 1:
        raise ValueError("network must have exactly two echelons: a warehouse and retailers it supplies")
    for r in retailers:
        s = network.stage(r)
        if s.demand is None:
            raise ValueError(f"stage {r!r}: demand is missing at a retailer")
        if s.stockout_cost is None:
            raise ValueError(f"stage {r!r}: stockout_cost is missing at a retailer")
    if network.stage(w).demand is not None:
        raise ValueError(f"stage {w!r}: external demand at the warehouse is outside this model")
    return w, retailers


def _is_poisson(dist) -> bool:
    return getattr(getattr(dist, "dist", None), "name", None) == "poisson"


class _LTD:
    """Lead-time demand: Poisson(mean) or normal(mean, sd)."""

    def __init__(self, poisson: bool, mean: float, sd: float):
        self.poisson, self.mean, self.sd = poisson, mean, sd

    def loss(self, s: float) -> float:
        if self.mean <= 0:
            return max(-s, 0.0)
        if self.poisson:
            cdf, pmf = stats.poisson.cdf(s, self.mean), stats.poisson.pmf(s, self.mean)
            return float(max((self.mean - s) * (1 - cdf) + self.mean * pmf, 0.0))
        if self.sd <= 0:
            return max(self.mean - s, 0.0)
        z = (s - self.mean) / self.sd
        return float(self.sd * (stats.norm.pdf(z) - z * stats.norm.sf(z)))

    def cdf(self, s: float) -> float:
        if self.poisson:
            return float(stats.poisson.cdf(s, self.mean)) if self.mean > 0 else float(s >= 0)
        return float(stats.norm.cdf(s, self.mean, self.sd)) if self.sd > 0 else float(s >= self.mean)

    def ppf(self, q: float) -> float:
        if self.poisson:
            return float(stats.poisson.ppf(q, self.mean)) if self.mean > 0 else 0.0
        return float(stats.norm.ppf(q, self.mean, self.sd)) if self.sd > 0 else self.mean


def _ltd(dists, L: float, poisson: bool) -> _LTD:
    m = sum(demand_moments(d)[0] for d in dists) * L
    v = sum(demand_moments(d)[1] ** 2 for d in dists) * L
    return _LTD(poisson, m, math.sqrt(v))


def evaluate_distribution(network: Network, base_stock) -> DistributionResult:
    """METRIC evaluation of installation base-stock levels ``base_stock`` (dict by stage id, or a
    sequence in ``network.ids`` order).

    >>> from scipy.stats import poisson
    >>> from casekit.network import distribution
    >>> net = distribution(1, 2, 2, 1, poisson(5), 19, n_retailers=2)
    >>> r = evaluate_distribution(net, {0: 1000, 1: 8, 2: 8})   # ample warehouse stock: W = 0
    >>> r.warehouse_delay, bool(abs(r.service_level[1] - poisson.cdf(8, 5)) < 1e-12)
    (0.0, True)
    """
    w, retailers = _two_echelon(network)
    if isinstance(base_stock, dict):
        S = {i: check_real(f"base_stock[{i!r}]", base_stock[i]) for i in network.ids if i in base_stock}
        missing = [i for i in network.ids if i not in S]
        if missing:
            raise ValueError(f"base_stock has no level for stage {missing[0]!r}")
    else:
        arr = check_array("base_stock", base_stock, ndim=1)
        if arr.size != len(network):
            raise ValueError(f"base_stock must have {len(network)} levels in the order {network.ids}")
        S = dict(zip(network.ids, arr.tolist()))
    dists = [network.stage(r).demand for r in retailers]
    poisson = all(_is_poisson(d) for d in dists)
    lam = sum(demand_moments(d)[0] for d in dists)
    x0 = _ltd(dists, network.replenishment_time(w), poisson)
    b0 = x0.loss(S[w])
    W = b0 / lam if lam > 0 else 0.0
    on_hand = {w: S[w] - x0.mean + b0}
    back = {w: b0}
    service = {w: x0.cdf(S[w])}
    cost = network.stage(w).holding_cost * on_hand[w]
    for r in retailers:
        s = network.stage(r)
        x = _ltd([s.demand], network.replenishment_time(r) + W, poisson)
        b = x.loss(S[r])
        on_hand[r] = S[r] - x.mean + b
        back[r] = b
        service[r] = x.cdf(S[r])
        cost += s.holding_cost * on_hand[r] + s.stockout_cost * b
    return DistributionResult(base_stock=S, expected_on_hand=on_hand, expected_backorders=back,
                              service_level=service, warehouse_delay=W, cost=float(cost), warehouse=w)


def optimize_distribution(network: Network, *, n_warehouse_levels: int = 200) -> DistributionResult:
    """Best METRIC base-stock levels: for each warehouse level S_0 (integers for Poisson demand,
    else ``n_warehouse_levels`` values up to the 0.9999 quantile), each retailer takes its
    newsvendor level p_i / (p_i + h_i) on demand over L_i + W; the cheapest S_0 wins."""
    w, retailers = _two_echelon(network)
    n_warehouse_levels = check_int("n_warehouse_levels", n_warehouse_levels, minimum=2)
    for r in retailers:
        if network.stage(r).holding_cost <= 0:
            raise ValueError(f"stage {r!r}: holding_cost must be > 0 to optimise a retailer's base stock "
                             f"(critical ratio p/(p + h) = 1 would ask for infinite stock), got 0")
    dists = [network.stage(r).demand for r in retailers]
    poisson = all(_is_poisson(d) for d in dists)
    x0 = _ltd(dists, network.replenishment_time(w), poisson)
    top = x0.ppf(0.9999)
    levels = np.arange(0, int(top) + 2) if poisson else np.linspace(0, max(top, 0.0), n_warehouse_levels)
    lam = sum(demand_moments(d)[0] for d in dists)
    best = None
    for s0 in levels:
        W = x0.loss(float(s0)) / lam if lam > 0 else 0.0
        S = {w: float(s0)}
        for r in retailers:
            st = network.stage(r)
            x = _ltd([st.demand], network.replenishment_time(r) + W, poisson)
            S[r] = x.ppf(st.stockout_cost / (st.stockout_cost + st.holding_cost))
        res = evaluate_distribution(network, S)
        if best is None or res.cost < best.cost - 1e-12:
            best = res
    return best


# --------------------------------------------------------------------------------------------
# risk pooling and the square-root law
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RiskPooling:
    """Safety stock held separately at n locations vs pooled in one (units)."""

    decentralised: float
    centralised: float

    @property
    def saving(self) -> float:
        """Fraction of safety stock pooling saves: 1 - centralised / decentralised."""
        return 1.0 - self.centralised / self.decentralised if self.decentralised > 0 else 0.0


def risk_pooling(demand_sd, *, lead_time: float = 1.0, demand_bound: float = 1.645,
                 correlation: float = 0.0) -> RiskPooling:
    """Safety stock z σ_i √L at each location vs z √L √(Σσ_i² + ρ Σ_{i≠j} σ_i σ_j) pooled.

    With n identical independent locations the ratio is 1/√n: the **square-root law**.

    >>> r = risk_pooling([10, 10, 10, 10], demand_bound=2)
    >>> r.decentralised, r.centralised, r.saving
    (80.0, 40.0, 0.5)
    """
    sd = check_array("demand_sd", demand_sd, ndim=1, nonnegative=True, min_size=1)
    L = check_nonnegative("lead_time", lead_time)
    z = check_nonnegative("demand_bound", demand_bound)
    rho = check_real("correlation", correlation)
    if not -1.0 / max(sd.size - 1, 1) <= rho <= 1.0:
        raise ValueError(f"correlation must be between -1/(n-1) and 1 for n = {sd.size} locations, got {rho}")
    var = float(np.sum(sd ** 2) + rho * (np.sum(sd) ** 2 - np.sum(sd ** 2)))
    return RiskPooling(decentralised=float(z * math.sqrt(L) * sd.sum()),
                       centralised=float(z * math.sqrt(L) * math.sqrt(max(var, 0.0))))


# --------------------------------------------------------------------------------------------
# bullwhip
# --------------------------------------------------------------------------------------------

def bullwhip_bound(lead_time: float, window: int) -> float:
    """Chen, Drezner, Ryan & Simchi-Levi (2000): with an order-up-to policy and a moving-average
    forecast over ``window`` periods, Var(orders)/Var(demand) = 1 + 2L/p + 2L²/p² for one stage
    facing i.i.d. demand (L = lead time, p = window).

    >>> bullwhip_bound(2, 4)
    2.5
    """
    L = check_nonnegative("lead_time", lead_time)
    p = check_int("window", window, minimum=1)
    return 1 + 2 * L / p + 2 * L * L / (p * p)


def bullwhip(n_stages: int = 4, *, lead_time: float = 2, window: int = 5, demand_mean: float = 100.0,
             demand_sd: float = 10.0, n_periods: int = 20_000, seed=None) -> np.ndarray:
    """Simulated order-variance amplification along a serial chain (downstream first).

    Each stage forecasts its incoming demand by a moving average m_t of the last ``window``
    observations and orders q_t = d_t + L (m_t - m_{t-1}) to move its order-up-to level
    L·m_t (+ a constant safety stock), as in Chen et al. (2000); orders may be negative (returns)
    so that the chain stays linear.  Returns Var(orders of stage j) / Var(customer demand) for
    j = 1..n_stages.
    """
    n = check_int("n_stages", n_stages, minimum=1)
    L = check_nonnegative("lead_time", lead_time)
    p = check_int("window", window, minimum=1)
    check_positive("demand_sd", demand_sd)
    T = check_int("n_periods", n_periods, minimum=100)
    rng = np.random.default_rng(seed)
    d = rng.normal(demand_mean, demand_sd, size=T + (p + 1) * n)
    ratios = []
    incoming = d
    for _ in range(n):
        csum = np.concatenate([[0.0], np.cumsum(incoming)])
        m = (csum[p:] - csum[:-p]) / p                  # m[t] = mean of incoming[t-p+1 .. t]
        dm = np.diff(m)                                 # m_t - m_{t-1}
        orders = incoming[p:] + L * dm
        ratios.append(float(np.var(orders[-T // 2:]) / np.var(d[-T // 2:])))
        incoming = orders
    return np.array(ratios)
