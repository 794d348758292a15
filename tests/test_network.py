"""casekit.network: builders, validation, echelon <-> local conversions, drawing."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from casekit.network import (Lane, Network, Stage, assembly, distribution, from_edges,  # noqa: E402
                             lead_time_pmf, serial)

EX_6_5_NODES = {
    1: dict(holding_cost=1, processing_time=2, external_inbound_cst=1),
    2: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=0),
    3: dict(holding_cost=2, processing_time=1),
    4: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=1),
}
EX_6_5_EDGES = [(1, 3), (3, 2), (3, 4)]


def test_example_6_1_serial_local_holding_costs_and_lead_times():
    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))
    assert net.kind == "serial" and net.serial_order() == [1, 2, 3]
    # S&S: local holding cost h'_j = h_j + ... + h_N
    assert [net.stage(j).holding_cost for j in (1, 2, 3)] == [7, 4, 2]
    assert net.echelon_holding_cost() == {1: 3, 2: 2, 3: 2}
    assert [net.replenishment_time(j) for j in (1, 2, 3)] == [1, 1, 2]
    assert net.stage(1).stockout_cost == 37.12 and net.stage(2).stockout_cost is None
    assert net.sources == [3] and net.sinks == [1] and net.demand_stages == [1]
    assert net.suppliers(1) == [2] and net.customers(2) == [1]
    assert [net.tier(j) for j in (1, 2, 3)] == [1, 2, 3]


def test_serial_echelon_local_round_trip_matches_hand_computation():
    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))
    local = net.to_local([9, 15, 26])            # S'_j = S_j - S_{j-1}
    assert local == [9, 6, 11]
    assert net.to_echelon(local) == [9, 15, 26]
    assert net.to_echelon({1: 9, 2: 6, 3: 11}) == {1: 9, 2: 15, 3: 26}


def test_distribution_echelon_stock_sums_retailers():
    net = distribution(1, [2, 2.5, 3], 2, 1, stats.norm(10, 3), 20)
    assert net.kind == "distribution" and len(net) == 4
    # warehouse echelon = its own stock + all retailer stock
    assert net.to_echelon({0: 5, 1: 1, 2: 2, 3: 3}) == {0: 11, 1: 1, 2: 2, 3: 3}
    assert net.demand_mean(0) == 30 and math.isclose(net.demand_sd(0), math.sqrt(27))
    assert net.echelon_holding_cost(2) == 1.5


def test_assembly_units_per_parent_in_echelon_and_demand():
    net = assembly(10, 1, [2, 3], [4, 2], stats.norm(20, 5), 50, units_per_parent=[2, 1])
    assert net.kind == "assembly"
    # component 2 (2 per parent): echelon stock = own + 2 x finished stock
    assert net.to_echelon({1: 4, 2: 1, 3: 0}) == {1: 4, 2: 9, 3: 4}
    assert net.to_local({1: 4, 2: 9, 3: 4}) == {1: 4, 2: 1, 3: 0}
    assert net.demand_mean(2) == 40 and net.demand_sd(2) == 10
    assert net.echelon_holding_cost(1) == 10 - 2 * 2 - 3


def test_example_6_5_from_edges_demand_seen_upstream():
    net = from_edges(EX_6_5_EDGES, EX_6_5_NODES)
    assert net.is_tree and not net.is_serial
    assert math.isclose(net.demand_sd(3), math.sqrt(2)) and math.isclose(net.demand_sd(1), math.sqrt(2))
    assert net.stage(1).external_inbound_cst == 1 and net.stage(4).external_outbound_cst == 1
    assert net.topological_order()[0] == 1


def test_lane_lead_time_adds_to_replenishment_time():
    net = from_edges([(1, 2, {"lead_time": 3, "distance_km": 500, "mode": "truck"})],
                     {1: dict(holding_cost=1, processing_time=2),
                      2: dict(holding_cost=2, processing_time=1, demand=stats.poisson(4), stockout_cost=9)})
    assert net.replenishment_time(2) == 4 and net.replenishment_time(1) == 2
    assert net.lane(1, 2).distance_km == 500 and net.lane(1, 2).mode == "truck"


def test_with_stage_returns_a_validated_copy():
    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))
    net2 = net.with_stage(2, processing_time=4)
    assert net2.replenishment_time(2) == 4 and net.replenishment_time(2) == 1
    with pytest.raises(ValueError, match=r"stage 2.*holding_cost"):
        net.with_stage(2, holding_cost=-1)


def test_to_frame_and_draw():
    net = from_edges(EX_6_5_EDGES, EX_6_5_NODES)
    df = net.to_frame()
    assert list(df.index) == [1, 2, 3, 4] and df.loc[3, "tier"] == 2
    ax = net.draw(values={1: 1.0, 2: 2.0, 3: 3.0, 4: 0.0}, value_label="SS ")
    assert ax.get_title()
    plt.close("all")


def test_lead_time_pmf_from_dict_and_scipy():
    assert lead_time_pmf({2: 0.25, 1: 0.75}) == {1: 0.75, 2: 0.25}
    pmf = lead_time_pmf(stats.poisson(2))
    assert math.isclose(sum(pmf.values()), 1.0) and math.isclose(pmf[2], stats.poisson.pmf(2, 2), rel_tol=1e-9)
    with pytest.raises(ValueError, match="sum to 1"):
        lead_time_pmf({1: 0.5})


# ---- bad input: ValueError naming the node / lane and the parameter -------------------------

def test_cycle_is_refused_naming_a_stage():
    stages = [Stage(1, 1, demand=stats.norm(1, 1)), Stage(2, 1), Stage(3, 1)]
    with pytest.raises(ValueError, match=r"stage \d.*cycle"):
        Network(stages, [Lane(2, 1), Lane(3, 2), Lane(2, 3)])


def test_disconnected_stage_is_refused():
    stages = [Stage(1, 1, demand=stats.norm(1, 1)), Stage(2, 1), Stage("x", 1, demand=stats.norm(1, 1))]
    with pytest.raises(ValueError, match=r"stage 'x'.*not connected"):
        Network(stages, [Lane(2, 1)])


@pytest.mark.parametrize("field,value,pattern", [
    ("holding_cost", -1, r"stage 2: holding_cost must be >= 0"),
    ("processing_time", -1, r"stage 2: processing_time must be >= 0"),
    ("capacity", 0, r"stage 2: capacity must be > 0"),
])
def test_nonpositive_stage_parameters_are_refused(field, value, pattern):
    nodes = {1: dict(holding_cost=2, demand=stats.norm(5, 1), stockout_cost=10), 2: dict(holding_cost=1)}
    nodes[2][field] = value
    with pytest.raises(ValueError, match=pattern):
        from_edges([(2, 1)], nodes)


def test_nonpositive_stockout_cost_names_the_parameter():
    with pytest.raises(ValueError, match="stockout_cost must be > 0"):
        serial([1, 1], [1, 1], 0, stats.norm(5, 1))
    with pytest.raises(ValueError, match=r"stage 1: stockout_cost must be > 0"):
        from_edges([], {1: dict(holding_cost=1, demand=stats.norm(5, 1), stockout_cost=-2)})


def test_negative_lead_times_are_refused():
    with pytest.raises(ValueError, match=r"lead_time\[1\] \(stage 2\) must be >= 0"):
        serial([1, 1], [1, -1], 5, stats.norm(5, 1))
    with pytest.raises(ValueError, match=r"lane 2->1: lead_time must be >= 0"):
        from_edges([(2, 1, {"lead_time": -0.5})], {1: dict(holding_cost=2, demand=stats.norm(5, 1)),
                                                  2: dict(holding_cost=1)})
    with pytest.raises(ValueError, match=r"lane 2->1: units must be > 0"):
        from_edges([(2, 1, {"units": 0})], {1: dict(holding_cost=2, demand=stats.norm(5, 1)),
                                           2: dict(holding_cost=1)})


def test_other_structural_errors():
    with pytest.raises(ValueError, match=r"stage 2: demand is missing"):
        from_edges([(1, 2)], {1: dict(holding_cost=1), 2: dict(holding_cost=2)})
    with pytest.raises(ValueError, match=r"lane 1->9: customer 9 is not a stage"):
        from_edges([(1, 9)], {1: dict(holding_cost=1, demand=stats.norm(1, 1))})
    with pytest.raises(ValueError, match=r"stage 1: id is used twice"):
        Network([Stage(1, 1, demand=stats.norm(1, 1)), Stage(1, 2, demand=stats.norm(1, 1))])
    with pytest.raises(ValueError, match=r"node 1: unknown attribute"):
        from_edges([], {1: dict(holding_cost=1, demand=stats.norm(1, 1), colour="red")})
    with pytest.raises(ValueError, match="echelon_holding_cost: stage 2"):
        serial([1, 0], [1, 1], 5, stats.norm(5, 1))
    with pytest.raises(ValueError, match="network must be serial"):
        from_edges(EX_6_5_EDGES, EX_6_5_NODES).serial_order()
    with pytest.raises(ValueError, match="lead_time must have 3 values"):
        serial([1, 1, 1], [1, 1], 5, stats.norm(5, 1))


def test_echelon_conversion_length_checked():
    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))
    with pytest.raises(ValueError, match="one value per stage"):
        net.to_local([1, 2])
    arr = np.array(net.to_echelon([1.5, 2.5, 3.5]))
    assert np.allclose(arr, [1.5, 4.0, 7.5])


def test_networks_pickle_and_deepcopy():
    """Simulations and Dask sweeps ship networks between processes."""
    import copy
    import pickle

    net = from_edges(EX_6_5_EDGES, EX_6_5_NODES)
    for clone in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert clone.ids == net.ids and clone.demand_sd(1) == net.demand_sd(1)
    net.to_networkx().to_undirected()
