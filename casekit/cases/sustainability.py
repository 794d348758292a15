"""Sustainability levers for the two cases (chapter 20): a cost-CO2 network design per case, and
shipment consolidation (fewer, fuller trucks) with its price in stock and service.

**Network design per case** (:func:`case_network_instance`).  The datasets hold each outlet's or
SKU's distance to the node that serves it, not a map, so the *geography* here is synthetic (a
seeded 1000 km square with ``n_dc`` candidate DCs and ``n_customers`` demand zones); what comes
from the case is everything else: the daily demand (last history year), its dispersion, the mean
unit weight and value, and the emission factors of ``casekit/datasets/<case>/emission_factors.csv``
(kg CO2e per tonne-km; per unit-km = factor x weight / 1000).  Transport rates per tonne-km are
assumptions (:data:`RATE_PER_TONNE_KM`: rail dearer door to door once drayage is counted, cleaner).
:func:`casekit.optimization.network_design.pareto_front` then traces cost against CO2 by the
ε-constraint method.

**Shipment consolidation** (:func:`consolidation_plan`).  A lane ships the demand of the last
``T`` days every ``T`` days (T = 1: daily).  With mean demand :math:`\\mu` units/day of
:math:`w` kg, trucks of capacity :math:`C` kg over :math:`d` km:

* trucks per shipment :math:`n_T = \\lceil \\mu T w / C \\rceil` (on the expected load), load
  factor :math:`\\mu T w / (n_T C)`;
* CO2 per day :math:`= [n_T \\, d \\, e_0 (1 + \\rho)] / T + \\mu (w/1000) d \\, b`: each truck
  emits :math:`e_0` kg/km empty plus :math:`b` kg per tonne-km of payload, and returns empty
  (``return_empty``, :math:`\\rho = 1`);
* transport cost per day :math:`= n_T [F + c \\, d (1 + \\rho)] / T` (:math:`F` per trip,
  :math:`c` per truck-km);
* the receiving stock is an order-up-to level reviewed at each arrival, protecting
  :math:`L + T` days: :math:`S_T` = the ``service_level`` quantile of demand over
  :math:`L + T` days (Poisson, or negative binomial with per-day shape ``k``), mean on hand
  :math:`\\approx S_T - \\mu (L + T/2)` (the textbook periodic-review approximation), holding
  :math:`h` per unit-day;
* service at a *fixed* stock: the cycle service level :math:`P(D_{L+T} \\le S_1)` if the level
  sized for daily shipping is kept while shipping every T days.

Vehicle parameters (:data:`TRUCK`) are illustrative assumptions of the order of a 40 t articulated
truck, stated as such; they are not the datasets' sourced emission factors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from casekit.optimization.network_design import NetworkDesignInstance
from casekit.validate import (check_array, check_choice, check_int, check_nonnegative, check_positive,
                              check_probability)

__all__ = ["TRUCK", "RATE_PER_TONNE_KM", "case_network_instance", "Lane", "case_lanes", "consolidation_plan",
           "case_consolidation"]

#: Illustrative truck: payload capacity (kg), empty-running CO2 (kg/km), CO2 per tonne-km of
#: payload, cost per truck-km and per trip.  Assumptions for teaching, stated in the notebook.
TRUCK = {"capacity_kg": 24_000.0, "empty_kg_per_km": 0.55, "kg_per_tonne_km": 0.025,
         "cost_per_km": 1.4, "cost_per_trip": 60.0}

#: Assumed transport rates per tonne-km (rail includes drayage at both ends).
RATE_PER_TONNE_KM = {"truck": 0.10, "rail": 0.13}

CASES = ("fmcg", "electronics")


def _last_year_mix(demand: pd.DataFrame, skus: pd.DataFrame, value_column: str):
    """(daily units, unit-weighted mean weight kg, unit-weighted mean value) over the last 365 days."""
    dates = pd.to_datetime(demand["date"])
    units = demand[dates >= dates.max() - pd.Timedelta(days=364)].groupby("sku")["units"].sum()
    sk = skus.set_index("sku").loc[units.index]
    weight = float((units * sk["weight_kg"]).sum() / units.sum())
    value = float((units * sk[value_column]).sum() / units.sum())
    return float(units.sum()) / 365, weight, value


def _case_demand(case: str):
    """(daily units over the last history year, dispersion k, mean unit weight kg, mean unit value,
    emission factors dict) for a case."""
    if case == "fmcg":
        from casekit.cases.fmcg import K_OUTLET
        from casekit.datasets import fmcg as data

        d = data.load_fmcg()
        per_day, weight, value = _last_year_mix(d["sales"], d["skus"], "unit_value")
        k = K_OUTLET
    else:
        from casekit.datasets import electronics as data

        d = data.load_electronics()
        per_day, weight, value = _last_year_mix(d["demand"], d["skus"], "unit_cost")
        k = float(data.DISPERSION)
    ef = dict(zip(d["emission_factors"]["mode"], d["emission_factors"]["kg_co2e_per_tonne_km"]))
    return per_day, k, weight, value, ef


def case_network_instance(case: str, *, n_dc: int = 4, n_customers: int = 12, seed=0,
                          service_level: float = 0.95) -> NetworkDesignInstance:
    """A network design instance with the case's demand, weights, values and emission factors
    on a synthetic seeded geography (see the module docstring).  Modes: truck and rail."""
    check_choice("case", case, CASES)
    n_dc = check_int("n_dc", n_dc, minimum=2)
    n_customers = check_int("n_customers", n_customers, minimum=2)
    per_day, k, w, value, ef = _case_demand(case)
    rng = np.random.default_rng(seed)
    dc = rng.random((n_dc, 2)) * 1000
    zones = rng.random((n_customers, 2)) * 1000
    dist = np.round(np.sqrt(((dc[:, None] - zones[None]) ** 2).sum(axis=2)), 1)
    share = rng.dirichlet(np.full(n_customers, 4.0))
    mu = np.round(per_day * share, 1)
    sd = np.round(np.sqrt(mu + mu ** 2 / k), 2)
    t = w / 1000
    return NetworkDesignInstance(
        fixed_cost=np.round(rng.uniform(0.8, 1.2, n_dc) * 0.02 * per_day * value / 30, 0),
        capacity=np.full(n_dc, float(np.ceil(mu.sum() * 0.6))),
        holding_cost=np.full(n_dc, value * 0.25 / 365),
        lead_time=rng.integers(2, 6, size=n_dc).astype(float),
        inbound_cost=np.round(rng.uniform(0.02, 0.06, n_dc) * t * 100, 4),
        mean_demand=mu, sd_demand=sd, distance=dist,
        mode_cost=np.array([RATE_PER_TONNE_KM["truck"] * t, RATE_PER_TONNE_KM["rail"] * t]),
        mode_co2=np.array([ef["truck"] * t, ef["rail"] * t]), mode_names=("truck", "rail"),
        service_level=service_level)


@dataclass(frozen=True)
class Lane:
    """One consolidation candidate: ``mean_daily_units`` of ``unit_weight_kg`` over ``distance_km``
    with ``lead_time_days``, demand dispersion ``k`` (None = Poisson), holding cost per unit-day."""

    case: str
    name: str
    mean_daily_units: float
    unit_weight_kg: float
    distance_km: float
    lead_time_days: int
    k: float | None
    holding_cost: float


def _moment_k(daily: np.ndarray) -> float | None:
    """Negative binomial shape by moments from daily totals, k = mean^2 / (var - mean); None
    (Poisson) when the totals are not over-dispersed.  The variance includes the seasonal and
    promotional swings, so the stock it sizes is on the safe side."""
    m, v = float(daily.mean()), float(daily.var(ddof=1))
    return None if v <= m else m * m / (v - m)


def case_lanes(case: str) -> list[Lane]:
    """The consolidation lanes of a case, from its dataset (last history year).

    FMCG: plant -> each regional warehouse (truck lane distances, the region's sales of all
    SKUs).  Daily demand: the lane's daily totals (mean; dispersion by moments).  Electronics: each *domestic* Tier-2 supplier -> the Tier-1 assembler (the units of
    the SKUs whose critical component it supplies; the overseas supplier already ships by sea).
    """
    check_choice("case", case, CASES)
    lanes = []
    if case == "fmcg":
        from casekit.datasets import fmcg as data

        d = data.load_fmcg()
        sales = d["sales"]
        dates = pd.to_datetime(sales["date"])
        last = sales[dates >= dates.max() - pd.Timedelta(days=364)]
        sk = d["skus"].set_index("sku")
        ln = d["lanes"]
        truck = ln[(ln["origin"] == "PLANT") & (ln["mode"] == "truck")].set_index("destination")
        for wh in d["warehouses"].itertuples():
            g = last[last["region"] == wh.region]
            units = g.groupby("sku")["units"].sum()
            weight = float((units * sk.loc[units.index, "weight_kg"]).sum() / units.sum())
            value = float((units * sk.loc[units.index, "unit_value"]).sum() / units.sum())
            daily = g.groupby("date")["units"].sum().to_numpy(float)
            lanes.append(Lane("fmcg", f"PLANT->{wh.warehouse}", float(daily.mean()), weight,
                              float(truck.loc[wh.warehouse, "distance_km"]),
                              int(truck.loc[wh.warehouse, "lead_time_days"]), _moment_k(daily), value * 0.20 / 365))
    else:
        from casekit.datasets import electronics as data

        d = data.load_electronics()
        dem = d["demand"]
        dates = pd.to_datetime(dem["date"])
        last = dem[dates >= dates.max() - pd.Timedelta(days=364)]
        sk = d["skus"].set_index("sku")
        units = last.groupby("sku")["units"].sum()
        for s in d["suppliers"].itertuples():
            if s.international:
                continue
            mine = units[sk.loc[units.index, "critical_supplier"] == s.supplier]
            weight = float((mine * sk.loc[mine.index, "weight_kg"]).sum() / mine.sum())
            value = float((mine * sk.loc[mine.index, "unit_cost"]).sum() / mine.sum())
            sub = last[last["sku"].isin(mine.index)]
            daily = sub.groupby("date")["units"].sum().to_numpy(float)
            lanes.append(Lane("electronics", f"{s.supplier}->Tier-1", float(daily.mean()), weight,
                              float(s.distance_km), int(s.transit_days), _moment_k(daily), 0.45 * value * 0.20 / 365))
    return lanes


def _quantile(mean: float, k: float | None, q: float) -> float:
    if k is None:
        return float(stats.poisson.ppf(q, mean))
    return float(stats.nbinom.ppf(q, k, k / (k + mean)))


def _cdf(x: float, mean: float, k: float | None) -> float:
    if k is None:
        return float(stats.poisson.cdf(x, mean))
    return float(stats.nbinom.cdf(x, k, k / (k + mean)))


def consolidation_plan(mean_daily_units: float, unit_weight_kg: float, distance_km: float, lead_time_days: int,
                       intervals=(1, 2, 3, 5, 7), *, k: float | None = None, holding_cost: float = 0.0,
                       service_level: float = 0.95, capacity_kg: float = TRUCK["capacity_kg"],
                       empty_kg_per_km: float = TRUCK["empty_kg_per_km"],
                       kg_per_tonne_km: float = TRUCK["kg_per_tonne_km"], cost_per_km: float = TRUCK["cost_per_km"],
                       cost_per_trip: float = TRUCK["cost_per_trip"], return_empty: bool = True) -> pd.DataFrame:
    """CO2, cost and service of shipping every T days, for each T in ``intervals`` (formulas in
    the module docstring).  ``k`` is the per-day negative binomial shape (None = Poisson): over
    n days the demand is negative binomial with shape n k (a sum of independent days).

    >>> consolidation_plan(10, 100, 100, 1, (1, 2, 3), capacity_kg=2000, empty_kg_per_km=0.5,
    ...                    kg_per_tonne_km=0.05)["co2_kg_per_day"].round(2).tolist()
    [105.0, 55.0, 71.67]
    """
    mu = check_positive("mean_daily_units", mean_daily_units)
    w = check_positive("unit_weight_kg", unit_weight_kg)
    d = check_nonnegative("distance_km", distance_km)
    L = check_int("lead_time_days", lead_time_days, minimum=0)
    Ts = check_array("intervals", intervals, ndim=1, positive=True, min_size=1)
    if np.any(Ts != np.round(Ts)):
        raise ValueError(f"intervals must be whole days, got {list(Ts)}")
    if k is not None:
        k = check_positive("k", k)
    h = check_nonnegative("holding_cost", holding_cost)
    csl = check_probability("service_level", service_level)
    C = check_positive("capacity_kg", capacity_kg)
    e0 = check_nonnegative("empty_kg_per_km", empty_kg_per_km)
    b = check_nonnegative("kg_per_tonne_km", kg_per_tonne_km)
    c_km = check_nonnegative("cost_per_km", cost_per_km)
    F = check_nonnegative("cost_per_trip", cost_per_trip)
    legs = 2.0 if return_empty else 1.0
    S1 = _quantile(mu * (L + 1), None if k is None else k * (L + 1), csl)
    rows = []
    for T in Ts.astype(int):
        load = mu * T * w
        trucks = max(math.ceil(load / C - 1e-12), 1)
        co2 = trucks * d * e0 * legs / T + mu * w / 1000 * d * b
        transport = trucks * (F + c_km * d * legs) / T
        n = L + T
        S = _quantile(mu * n, None if k is None else k * n, csl)
        on_hand = max(S - mu * (L + T / 2), 0.0)
        rows.append({"interval_days": int(T), "shipments_per_year": 365 / T, "trucks_per_shipment": trucks,
                     "load_factor": load / (trucks * C), "co2_kg_per_day": co2, "co2_kg_per_unit": co2 / mu,
                     "transport_cost_per_day": transport, "order_up_to": S, "mean_on_hand": on_hand,
                     "holding_cost_per_day": h * on_hand, "total_cost_per_day": transport + h * on_hand,
                     "csl_at_daily_stock": _cdf(S1, mu * n, None if k is None else k * n)})
    return pd.DataFrame(rows).set_index("interval_days")


def case_consolidation(case: str, intervals=(1, 2, 3, 5, 7), *, service_level: float = 0.95, **truck) -> pd.DataFrame:
    """:func:`consolidation_plan` for every lane of :func:`case_lanes`, summed over the case's lanes
    (CO2 and costs per day; the cycle service level at the daily-shipping stock is the
    demand-weighted mean over lanes).  One row per interval."""
    frames = []
    for ln in case_lanes(case):
        f = consolidation_plan(ln.mean_daily_units, ln.unit_weight_kg, ln.distance_km, ln.lead_time_days, intervals,
                               k=ln.k, holding_cost=ln.holding_cost, service_level=service_level, **truck)
        frames.append(f.assign(lane=ln.name, units=ln.mean_daily_units))
    allf = pd.concat(frames)
    g = allf.groupby(level=0)
    out = g[["co2_kg_per_day", "transport_cost_per_day", "holding_cost_per_day", "total_cost_per_day",
             "trucks_per_shipment"]].sum()
    out["mean_load_factor"] = g.apply(lambda x: float(np.average(x["load_factor"], weights=x["units"])))
    out["csl_at_daily_stock"] = g.apply(lambda x: float(np.average(x["csl_at_daily_stock"], weights=x["units"])))
    out["co2_kg_per_unit"] = out["co2_kg_per_day"] / g["units"].sum()
    return out
