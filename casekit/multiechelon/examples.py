"""The chapter's example networks (Snyder & Shen's numbers where they exist), built fresh on
every call so that callers may modify them."""

from __future__ import annotations

from scipy import stats

from casekit.network import Network, assembly, distribution, from_edges, serial

__all__ = ["example_6_1", "example_6_5", "placement_examples", "random_tree"]


def example_6_1(demand=None) -> Network:
    """Snyder & Shen Example 6.1: echelon h = (3, 2, 2), L = (1, 1, 2), p = 37.12,
    D ~ N(5, 1) unless ``demand`` is given."""
    return serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1) if demand is None else demand)


def example_6_5() -> Network:
    """Snyder & Shen Example 6.5 (guaranteed service): 1 -> 3 -> {2, 4}."""
    return from_edges([(1, 3), (3, 2), (3, 4)], {
        1: dict(holding_cost=1, processing_time=2, external_inbound_cst=1),
        2: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=0),
        3: dict(holding_cost=2, processing_time=1),
        4: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=1),
    })


def placement_examples() -> dict[str, Network]:
    """The networks on which chapter 07 compares echelon-aware and uniform safety stock."""
    return {
        "Example 6.5 (tree)": example_6_5(),
        "Example 6.1 (serial)": example_6_1(),
        "distribution (1 warehouse, 4 retailers)": distribution(1, 2, 2, 1, stats.norm(10, 3), 20, n_retailers=4),
        "assembly (2 components)": assembly(10, 1, [2, 3], [4, 2], stats.norm(20, 5), 50, units_per_parent=[2, 1]),
    }


def random_tree(n_stages: int, *, seed=None, demand_sd=(5.0, 20.0), processing_time=(1, 4),
                value_added=(0.5, 3.0), customer_cst: float = 0.0) -> Network:
    """A random tree network for placement experiments (deterministic for a given ``seed``).

    Stage 1 faces customers.  Each new stage attaches to a random existing stage, as its supplier
    (probability 0.7) or as a further customer-facing stage.  Processing times are whole periods
    drawn from ``processing_time`` (inclusive); holding costs grow downstream by a value added
    drawn from ``value_added`` (so echelon holding costs are positive); customer-facing stages get
    normal demand with sd drawn from ``demand_sd`` (mean 10 x sd) and promise ``customer_cst``.
    """
    import numpy as np

    from casekit.validate import check_int

    n = check_int("n_stages", n_stages, minimum=1)
    rng = np.random.default_rng(seed)
    edges = []
    for i in range(2, n + 1):
        j = int(rng.integers(1, i))
        edges.append((i, j) if rng.random() < 0.7 else (j, i))
    sup = {i: [k for k, c in edges if c == i] for i in range(1, n + 1)}
    cus = {i: [c for k, c in edges if k == i] for i in range(1, n + 1)}
    # holding costs: sources get the added value only; others add to the sum of their inputs
    h: dict = {}
    remaining = set(range(1, n + 1))
    while remaining:
        for i in sorted(remaining):
            if all(k in h for k in sup[i]):
                h[i] = sum(h[k] for k in sup[i]) + float(rng.uniform(*value_added))
                remaining.discard(i)
    nodes = {}
    for i in range(1, n + 1):
        d = dict(holding_cost=round(h[i], 3), processing_time=int(rng.integers(processing_time[0],
                                                                                processing_time[1] + 1)))
        if not cus[i]:
            sd = float(rng.uniform(*demand_sd))
            d.update(demand_mean=10 * sd, demand_sd=sd, external_outbound_cst=customer_cst)
        nodes[i] = d
    return from_edges(edges, nodes)
