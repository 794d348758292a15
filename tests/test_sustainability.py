"""casekit.cases.sustainability: consolidation checked by hand, case instances and lanes from the data."""

import math

import numpy as np
import pytest

from casekit.cases import sustainability as s


def _poisson_cdf(x, m):
    return sum(math.exp(-m) * m ** i / math.factorial(i) for i in range(int(x) + 1))


def _poisson_ppf(q, m):
    x = 0
    while _poisson_cdf(x, m) < q:
        x += 1
    return x


def test_consolidation_by_hand_poisson_lane():
    # 10 units/day of 100 kg, 2 t trucks, 100 km, lead time 1 day; e0 = 0.5 kg/km, b = 0.05 kg/t-km,
    # 20 per trip + 1 per km, empty return, h = 0.1 per unit-day, 90% cycle service.
    f = s.consolidation_plan(10, 100, 100, 1, (1, 2, 3), capacity_kg=2000, empty_kg_per_km=0.5,
                             kg_per_tonne_km=0.05, cost_per_km=1.0, cost_per_trip=20.0, holding_cost=0.1,
                             service_level=0.9)
    # T=1: 1000 kg -> 1 truck at 50%; CO2 = 1*100*0.5*2/1 + 10*0.1 t*100 km*0.05 = 100 + 5
    # T=2: 2000 kg -> 1 truck full; CO2 = 100/2 + 5 = 55;  T=3: 3000 kg -> 2 trucks; 200/3 + 5
    assert f["trucks_per_shipment"].tolist() == [1, 1, 2]
    assert f["load_factor"].tolist() == pytest.approx([0.5, 1.0, 0.75])
    assert f["co2_kg_per_day"].tolist() == pytest.approx([105.0, 55.0, 200 / 3 + 5])
    # transport: trucks * (20 + 1 * 100 * 2) / T
    assert f["transport_cost_per_day"].tolist() == pytest.approx([220.0, 110.0, 2 * 220 / 3])
    for T in (1, 2, 3):
        S = _poisson_ppf(0.9, 10 * (1 + T))
        assert f.loc[T, "order_up_to"] == S
        assert f.loc[T, "holding_cost_per_day"] == pytest.approx(0.1 * (S - 10 * (1 + T / 2)))
        S1 = _poisson_ppf(0.9, 20)
        assert f.loc[T, "csl_at_daily_stock"] == pytest.approx(_poisson_cdf(S1, 10 * (1 + T)))


def test_consolidation_negative_binomial_sums_days():
    # over n days the shape is n k: with k = 2 per day, 3 days of mean 4 -> NB(6, 6/(6+12)); P(X <= 0) = (1/3)^6
    f = s.consolidation_plan(4, 1, 10, 2, (1,), k=2.0, service_level=0.5)
    from scipy import stats
    assert f.loc[1, "csl_at_daily_stock"] == pytest.approx(stats.nbinom.cdf(f.loc[1, "order_up_to"], 6, 1 / 3))
    assert stats.nbinom.pmf(0, 6, 1 / 3) == pytest.approx((1 / 3) ** 6)


def test_consolidation_rejects_bad_input():
    with pytest.raises(ValueError, match="intervals"):
        s.consolidation_plan(10, 1, 10, 1, (1, 2.5))
    with pytest.raises(ValueError, match="mean_daily_units"):
        s.consolidation_plan(0, 1, 10, 1)
    with pytest.raises(ValueError, match="case"):
        s.case_lanes("pharma")


def test_case_lanes_match_the_datasets():
    from casekit.datasets import electronics, fmcg

    d = fmcg.load_fmcg()
    lanes = s.case_lanes("fmcg")
    assert [ln.name for ln in lanes] == [f"PLANT->{w}" for w in d["warehouses"]["warehouse"]]
    sales = d["sales"]
    last_year = sales[sales["date"] >= sorted(sales["date"].unique())[-365]]
    north = last_year[last_year["region"] == "North"]["units"].sum() / 365
    assert lanes[0].mean_daily_units == pytest.approx(north)
    e = electronics.load_electronics()
    el = s.case_lanes("electronics")
    assert len(el) == int((e["suppliers"]["international"] == 0).sum())
    assert el[0].distance_km == float(e["suppliers"].set_index("supplier").loc["T2-DOM-A", "distance_km"])


def test_case_network_instance_uses_the_case_emission_factors():
    inst = s.case_network_instance("fmcg", seed=0)
    w = s._case_demand("fmcg")[2]
    assert inst.mode_co2[0] / inst.mode_co2[1] == pytest.approx(0.105 / 0.028)
    assert inst.mode_co2[0] == pytest.approx(0.105 * w / 1000)
    assert inst.capacity.sum() >= inst.mean_demand.sum()


def test_case_consolidation_sums_lanes():
    tot = s.case_consolidation("electronics", (1, 7))
    parts = [s.consolidation_plan(ln.mean_daily_units, ln.unit_weight_kg, ln.distance_km, ln.lead_time_days, (1, 7),
                                  k=ln.k, holding_cost=ln.holding_cost) for ln in s.case_lanes("electronics")]
    assert tot.loc[7, "co2_kg_per_day"] == pytest.approx(sum(p.loc[7, "co2_kg_per_day"] for p in parts))
    assert np.all(np.diff(tot["co2_kg_per_day"].to_numpy()) < 0)
