"""Disruption scenarios as data: what happens, where, when, for how long.

A :class:`Scenario` is a name and a tuple of events.  Both simulation engines read the same
events, so a scenario means the same thing in a quick numpy screen and in the discrete-event
twin.  Times are **periods counted from the end of the warm-up** (period 0 is the first recorded
period), so a scenario does not move when you change ``warmup``.

=========================  ======================================================================
``SupplierShutdown``       a stage processes nothing (capacity 0) for ``duration`` periods; its
                           stock on hand still ships until it runs out
``PortCongestion``         replenishments of a stage (or shipments on a lane) dispatched in the
                           window take ``extra_periods`` longer, and with probability
                           ``tail_probability`` a further ``tail_periods`` (a heavier tail)
``DemandSpike``            demand at one or all customer-facing stages is multiplied by
                           ``multiplier`` (a promotion or panic buying)
``TransportDisruption``    nothing dispatched to a stage (or on a lane) during the window
                           arrives before the window ends (a closed road, strait or border)
``CompoundDisruption``     one event moving lead times, capacity, costs and demand together at
                           several stages, happening in a replication with ``probability``
                           (the same draw for every stage it touches: a correlated shock)
=========================  ======================================================================

>>> from scipy.stats import poisson
>>> from casekit.network import serial
>>> net = serial([1, 1, 1], [1, 1, 2], 10, poisson(5))
>>> sc = Scenario("plant fire", [SupplierShutdown(node=3, start=20, duration=6)])
>>> sc.validate(net).disruption_start
20
>>> sorted(library(net))
['baseline', 'compound_crisis', 'demand_spike', 'port_congestion', 'supplier_shutdown', 'transport_disruption']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

from casekit.validate import check_int, check_nonnegative, check_positive, check_probability

__all__ = ["Scenario", "SupplierShutdown", "PortCongestion", "DemandSpike", "TransportDisruption",
           "CompoundDisruption", "library"]


def _window(self):
    object.__setattr__(self, "start", check_int(f"{type(self).__name__}.start", self.start, minimum=0))
    object.__setattr__(self, "duration", check_int(f"{type(self).__name__}.duration", self.duration,
                                                   minimum=1))


def _check_node(network, event, node):
    if node not in network:
        raise ValueError(f"{type(event).__name__}: node {node!r} is not a stage of the network "
                         f"(stages {network.ids})")


def _check_target(network, event):
    if (event.node is None) == (event.lane is None):
        raise ValueError(f"{type(event).__name__}: give exactly one of node= (a stage's replenishment) "
                         f"or lane=(supplier, customer), got node={event.node!r}, lane={event.lane!r}")
    if event.node is not None:
        _check_node(network, event, event.node)
    else:
        lane = tuple(event.lane)
        if len(lane) != 2 or lane[0] not in network or lane[1] not in network:
            raise ValueError(f"{type(event).__name__}: lane {event.lane!r} is not a lane of the network")
        try:
            network.lane(*lane)
        except ValueError:
            raise ValueError(f"{type(event).__name__}: lane {event.lane!r} is not a lane of the network") from None


@dataclass(frozen=True)
class SupplierShutdown:
    """Stage ``node`` processes nothing for ``duration`` periods from ``start`` (capacity 0).
    For a source stage this cuts it off from its outside supplier."""

    node: Hashable
    start: int
    duration: int

    def __post_init__(self):
        _window(self)

    def validate(self, network):
        _check_node(network, self, self.node)


@dataclass(frozen=True)
class PortCongestion:
    """Replenishments dispatched in ``[start, start + duration)`` take longer: ``extra_periods``
    more for all, and ``tail_periods`` more again with probability ``tail_probability``.
    Target a stage's replenishment (``node=``, its processing/outside-supply delay) or a lane
    (``lane=(supplier, customer)``, its transit)."""

    start: int
    duration: int
    node: Hashable = None
    lane: tuple = None
    extra_periods: int = 2
    tail_probability: float = 0.0
    tail_periods: int = 0

    def __post_init__(self):
        _window(self)
        object.__setattr__(self, "extra_periods", check_int("PortCongestion.extra_periods",
                                                            self.extra_periods, minimum=0))
        object.__setattr__(self, "tail_periods", check_int("PortCongestion.tail_periods",
                                                           self.tail_periods, minimum=0))
        object.__setattr__(self, "tail_probability", check_probability(
            "PortCongestion.tail_probability", self.tail_probability, open_interval=False))

    def validate(self, network):
        _check_target(network, self)


@dataclass(frozen=True)
class DemandSpike:
    """Demand multiplied by ``multiplier`` (> 0; 2 = doubled) at ``node`` (``None``: every
    customer-facing stage) for ``duration`` periods: a promotion, or panic buying.  Discrete
    demand is rounded to whole units after scaling."""

    start: int
    duration: int
    multiplier: float = 2.0
    node: Hashable = None

    def __post_init__(self):
        _window(self)
        object.__setattr__(self, "multiplier", check_positive("DemandSpike.multiplier", self.multiplier))

    def validate(self, network):
        if self.node is not None:
            _check_node(network, self, self.node)
            if network.stage(self.node).demand is None:
                raise ValueError(f"DemandSpike: node {self.node!r} has no external demand "
                                 f"(customer-facing stages: {network.demand_stages})")


@dataclass(frozen=True)
class TransportDisruption:
    """Nothing dispatched to ``node`` (its replenishment) or on ``lane`` during the window
    arrives before the window has ended: each such shipment's delay is extended by the periods
    left in the window."""

    start: int
    duration: int
    node: Hashable = None
    lane: tuple = None

    def __post_init__(self):
        _window(self)

    def validate(self, network):
        _check_target(network, self)


@dataclass(frozen=True)
class CompoundDisruption:
    """One shock moving several things together at the stages ``nodes``: replenishment delays
    ``+ lead_time_shift`` periods, capacity × ``capacity_factor`` (0 = closed), ordering and
    emergency costs × ``cost_factor``, and (at customer-facing stages among ``nodes``) demand
    × ``demand_factor``.  It happens in each replication with ``probability``, one draw for all
    its effects, so they are perfectly correlated."""

    nodes: tuple
    start: int
    duration: int
    lead_time_shift: int = 0
    capacity_factor: float = 1.0
    cost_factor: float = 1.0
    demand_factor: float = 1.0
    probability: float = 1.0

    def __post_init__(self):
        _window(self)
        nodes = tuple(self.nodes) if isinstance(self.nodes, (list, tuple)) else (self.nodes,)
        if not nodes:
            raise ValueError("CompoundDisruption.nodes must name at least one stage")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "lead_time_shift", check_int("CompoundDisruption.lead_time_shift",
                                                              self.lead_time_shift, minimum=0))
        object.__setattr__(self, "capacity_factor", check_nonnegative("CompoundDisruption.capacity_factor",
                                                                      self.capacity_factor))
        object.__setattr__(self, "cost_factor", check_nonnegative("CompoundDisruption.cost_factor",
                                                                  self.cost_factor))
        object.__setattr__(self, "demand_factor", check_positive("CompoundDisruption.demand_factor",
                                                                 self.demand_factor))
        object.__setattr__(self, "probability", check_probability("CompoundDisruption.probability",
                                                                  self.probability, open_interval=False))

    def validate(self, network):
        for n in self.nodes:
            _check_node(network, self, n)


_EVENTS = (SupplierShutdown, PortCongestion, DemandSpike, TransportDisruption, CompoundDisruption)


@dataclass(frozen=True)
class Scenario:
    """A named set of events.  ``Scenario("baseline")`` (no events) is business as usual."""

    name: str
    events: tuple = ()
    description: str = ""
    _validated: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Scenario.name must be a non-empty string, got {self.name!r}")
        ev = tuple(self.events)
        for e in ev:
            if not isinstance(e, _EVENTS):
                raise TypeError(f"Scenario events must be {', '.join(c.__name__ for c in _EVENTS)}; "
                                f"got {e!r}")
        object.__setattr__(self, "events", ev)

    @property
    def disruption_start(self) -> int | None:
        """First period touched by an event (``None`` for a baseline)."""
        return min((e.start for e in self.events), default=None)

    @property
    def disruption_end(self) -> int | None:
        """First period after the last event has ended."""
        return max((e.start + e.duration for e in self.events), default=None)

    def validate(self, network) -> "Scenario":
        """Raise ``ValueError`` if an event names a stage or lane not in ``network``."""
        for e in self.events:
            e.validate(network)
        return self

    def to_frame(self):
        import pandas as pd
        from dataclasses import asdict

        return pd.DataFrame([{"event": type(e).__name__, **asdict(e)} for e in self.events])


def library(network, start: int = 30, duration: int = 8) -> dict:
    """Named scenarios for ``network``, each starting in period ``start``.

    ``baseline`` (nothing happens), ``supplier_shutdown`` (the most upstream stage closes),
    ``port_congestion`` (its replenishments take 2 periods longer, 4 more with probability
    0.3), ``demand_spike`` (demand × 1.8 at every customer-facing stage), ``transport_disruption``
    (nothing reaches the customer-facing stages during the window), ``compound_crisis`` (at every
    stage: +2 periods of lead time, half the capacity, costs × 1.5, demand × 1.3).
    """
    start = check_int("start", start, minimum=1)
    duration = check_int("duration", duration, minimum=1)
    src = network.sources[0]
    # the most upstream source (the one farthest from the customer)
    src = max(network.sources, key=network.tier)
    sinks = network.demand_stages
    return {
        "baseline": Scenario("baseline", (), "business as usual"),
        "supplier_shutdown": Scenario("supplier_shutdown", (SupplierShutdown(src, start, duration),),
                                      f"stage {src!r} processes nothing for {duration} periods"),
        "port_congestion": Scenario("port_congestion", (PortCongestion(start, duration, node=src, extra_periods=2,
                                                                       tail_probability=0.3, tail_periods=4),),
                                    f"replenishments of stage {src!r} take 2 periods longer (6 with prob. 0.3)"),
        "demand_spike": Scenario("demand_spike", (DemandSpike(start, duration, 1.8),),
                                 "demand x 1.8 at every customer-facing stage"),
        "transport_disruption": Scenario("transport_disruption",
                                         tuple(TransportDisruption(start, duration, node=s) for s in sinks),
                                         "nothing reaches the customer-facing stages during the window"),
        "compound_crisis": Scenario("compound_crisis",
                                    (CompoundDisruption(tuple(network.ids), start, duration, lead_time_shift=2,
                                                        capacity_factor=0.5, cost_factor=1.5, demand_factor=1.3),),
                                    "one shock everywhere: +2 periods lead time, half capacity, costs x 1.5, "
                                    "demand x 1.3"),
    }
