"""The chapter's example networks (Snyder & Shen's numbers where they exist), built fresh on
every call so that callers may modify them."""

from __future__ import annotations

from scipy import stats

from casekit.network import Network, assembly, distribution, from_edges, serial

__all__ = ["example_6_1", "example_6_5", "placement_examples"]


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
    """The networks on which chapter 06 compares echelon-aware and uniform safety stock."""
    return {
        "Example 6.5 (tree)": example_6_5(),
        "Example 6.1 (serial)": example_6_1(),
        "distribution (1 warehouse, 4 retailers)": distribution(1, 2, 2, 1, stats.norm(10, 3), 20, n_retailers=4),
        "assembly (2 components)": assembly(10, 1, [2, 3], [4, 2], stats.norm(20, 5), 50, units_per_parent=[2, 1]),
    }
