"""The capacitated facility location problem (CFLP): instances, the OR-Library loader, generators.

Notation (Cornuéjols, Sridharan & Thizy 1991; Beasley's OR-Library):

* facilities (warehouses) ``i = 0..m-1`` with capacity :math:`s_i` (units) and fixed opening
  cost :math:`f_i`;
* customers ``j = 0..n-1`` with demand :math:`d_j` (units);
* :math:`c_{ij}`: the cost of serving **all** of customer j's demand from facility i, so serving a
  fraction :math:`x_{ij} \\in [0, 1]` of it costs :math:`c_{ij} x_{ij}`.  Demand may be split
  (this is the assumption under which the OR-Library optima in ``capopt.txt`` were published).

The model every solver in :mod:`casekit.optimization` solves::

    min  sum_i f_i y_i + sum_ij c_ij x_ij
    s.t. sum_i x_ij = 1                      for every customer j      (demand met)
         sum_j d_j x_ij <= s_i y_i           for every facility i      (capacity)
         x_ij <= y_i                         for every i, j            (strong linking)
         y_i in {0, 1},  0 <= x_ij <= 1
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from casekit.resources import MissingResource, data_path
from casekit.validate import check_array, check_budget, check_int, check_positive, check_real, check_seed

__all__ = [
    "FacilityLocationInstance",
    "InfeasibleInstanceError",
    "ORLIB_DIR",
    "ORLIB_NAMES",
    "ORLIB_LARGE_CAPACITIES",
    "load_orlib_cap",
    "orlib_optimum",
    "orlib_optima",
    "orlib_large_optima",
    "generate_instance",
]

#: Where the OR-Library files ship (``casekit/datasets/orlib``, package data).
ORLIB_DIR = data_path("orlib", must_exist=False)

#: The 37 instances cap41 ... cap134, in the order of ``capopt.txt``.
ORLIB_NAMES = tuple(
    [f"cap{k}" for k in (41, 42, 43, 44, 51, 61, 62, 63, 64, 71, 72, 73, 74, 81, 82, 83, 84,
                         91, 92, 93, 94, 101, 102, 103, 104, 111, 112, 113, 114,
                         121, 122, 123, 124, 131, 132, 133, 134)]
)


#: The large instances capa, capb, capc (100 warehouses x 1,000 customers): their files leave the
#: capacity s (the same for every warehouse) as a parameter; these are the four values at which
#: the literature solves each of them (and at which ``capopt.txt`` gives the optimum).
ORLIB_LARGE_CAPACITIES = {
    "capa": (8000, 10000, 12000, 14000),
    "capb": (5000, 6000, 7000, 8000),
    "capc": (5000, 5750, 6500, 7250),
}


class InfeasibleInstanceError(ValueError):
    """The instance has no feasible solution (total capacity below total demand)."""


@dataclass(frozen=True, eq=False)
class FacilityLocationInstance:
    """A capacitated facility location instance (demand may be split across facilities).

    Parameters
    ----------
    capacity : array (m,)
        :math:`s_i`, units facility i can ship when open (> 0).
    fixed_cost : array (m,)
        :math:`f_i`, the cost of opening facility i (>= 0).
    demand : array (n,)
        :math:`d_j`, units customer j needs (>= 0).
    cost : array (m, n)
        :math:`c_{ij}`, the cost of serving ALL of customer j's demand from facility i (>= 0).
    name : str
        A label (the OR-Library file name for loaded instances).

    Raises
    ------
    ValueError
        Negative costs or demands, wrong shapes, or :class:`InfeasibleInstanceError` when the total
        capacity is below the total demand (no way to serve everyone).

    Examples
    --------
    >>> inst = FacilityLocationInstance([10, 10], [5, 7], [4, 8], [[1, 9], [6, 2]], name="tiny")
    >>> inst.m, inst.n, inst.total_demand
    (2, 2, 12.0)
    """

    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray
    name: str = "instance"

    def __post_init__(self):
        cap = check_array("capacity", self.capacity, ndim=1, positive=True, min_size=1)
        fixed = check_array("fixed_cost", self.fixed_cost, ndim=1, nonnegative=True, min_size=1)
        dem = check_array("demand", self.demand, ndim=1, nonnegative=True, min_size=1)
        cost = check_array("cost", self.cost, ndim=2, nonnegative=True)
        if fixed.shape != cap.shape:
            raise ValueError(f"fixed_cost must have one entry per facility ({cap.size}), got {fixed.size}")
        if cost.shape != (cap.size, dem.size):
            raise ValueError(f"cost must have shape (facilities, customers) = ({cap.size}, {dem.size}), "
                             f"got {cost.shape}")
        if cap.sum() < dem.sum() * (1 - 1e-12):
            raise InfeasibleInstanceError(
                f"instance {self.name!r} is infeasible: total capacity {cap.sum():g} is below total "
                f"demand {dem.sum():g}, so no choice of open facilities can serve every customer")
        for arr in (cap, fixed, dem, cost):
            arr.setflags(write=False)
        object.__setattr__(self, "capacity", cap)
        object.__setattr__(self, "fixed_cost", fixed)
        object.__setattr__(self, "demand", dem)
        object.__setattr__(self, "cost", cost)

    @property
    def m(self) -> int:
        """Number of candidate facilities."""
        return int(self.capacity.size)

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.demand.size)

    @property
    def total_demand(self) -> float:
        return float(self.demand.sum())

    def is_capacity_feasible(self, open_) -> bool:
        """True when the open facilities' total capacity covers the total demand."""
        y = np.asarray(open_, dtype=bool)
        return bool(self.capacity[y].sum() >= self.total_demand * (1 - 1e-12))

    def __repr__(self) -> str:
        return (f"FacilityLocationInstance(name={self.name!r}, facilities={self.m}, customers={self.n}, "
                f"total capacity={self.capacity.sum():g}, total demand={self.total_demand:g})")


# ----------------------------------------------------------------------------- OR-Library loader

def _numbers(path: Path):
    """Yield (line number, field number on that line, text) for every whitespace token."""
    with open(path, encoding="utf-8") as fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                for k, tok in enumerate(line.split(), start=1):
                    yield lineno, k, tok
        except UnicodeDecodeError:
            raise ValueError(f"{path.name} is not UTF-8 text; an OR-Library file is plain text") from None


def _shown(tok: str) -> str:
    """How an offending field appears in an error message: a number-like field is quoted, any
    other text is only described (so a wrong file's content is never echoed)."""
    try:
        float(tok)
    except ValueError:
        return f"a {len(tok)}-character text"
    return repr(tok) if len(tok) <= 24 else f"a {len(tok)}-character number"


def _resolve(name) -> Path:
    p = Path(name)
    if p.suffix == ".txt" or p.exists() or len(p.parts) > 1:
        if not p.exists():
            raise FileNotFoundError(f"no OR-Library file at {str(p)!r}")
        return p
    key = str(name).lower()
    if key not in ORLIB_NAMES and key not in ORLIB_LARGE_CAPACITIES:
        raise ValueError(f"name must be one of the OR-Library instances {ORLIB_NAMES[0]} ... "
                         f"{ORLIB_NAMES[-1]} ({', '.join(ORLIB_NAMES)}), capa, capb, capc, or a path to "
                         f"a file; got {name!r}")
    path = ORLIB_DIR / f"{key}.txt"
    if not path.is_file():
        raise MissingResource(f"casekit's data file {path} is missing; reinstall casekit")
    return path


def load_orlib_cap(name, capacity=None) -> FacilityLocationInstance:
    """Read an OR-Library capacitated warehouse location file (cap41 ... cap134, capa, capb, capc).

    Parameters
    ----------
    name : str or path
        ``"cap41"`` ... ``"cap134"``, ``"capa"``, ``"capb"``, ``"capc"`` (read from
        ``casekit/datasets/orlib``) or the path to a file in the same format: line 1 ``m n``; m lines
        ``capacity fixed_cost``; then for each customer its demand followed by m costs of serving
        all of its demand from each warehouse (lines wrap).
    capacity : float, optional
        :math:`s`, the capacity of every warehouse, for the files that leave it as a parameter:
        capa, capb and capc (100 warehouses x 1,000 customers) print the word ``capacity`` where
        the other files print a number.  Required for them (the literature uses
        :data:`ORLIB_LARGE_CAPACITIES`, e.g. capa at 8000, 10000, 12000, 14000) and refused for
        files whose capacities are numbers.  The loaded instance is named e.g. ``"capa-8000"``.

    Raises
    ------
    ValueError
        A malformed file: the message names the file, the line and the field (e.g. "line 3,
        field 2 (fixed cost of warehouse 2): a 3-character text is not a number"), or a missing /
        extra value.  A field that is not a number is described, never quoted, so pointing the
        loader at the wrong file does not print that file's content.  A missing capacity for
        capa/capb/capc, a capacity given for a file that has its own, or a capacity so small that
        all warehouses together cannot serve the total demand
        (:class:`InfeasibleInstanceError`, a ValueError).

    Examples
    --------
    >>> inst = load_orlib_cap("cap41")
    >>> inst.m, inst.n, float(inst.capacity[0]), float(inst.fixed_cost[0]), float(inst.demand[0])
    (16, 50, 5000.0, 7500.0, 146.0)
    >>> big = load_orlib_cap("capa", capacity=8000)
    >>> big.name, big.m, big.n, float(big.capacity[0])
    ('capa-8000', 100, 1000, 8000.0)
    """
    path = _resolve(name)
    if capacity is not None:
        capacity = check_positive("capacity", capacity)
    tokens = _numbers(path)
    label = path.stem
    symbolic = []   # per warehouse: True when its capacity field is the word "capacity"

    def take(what: str, integer: bool = False, parameter: bool = False) -> float:
        try:
            lineno, k, tok = next(tokens)
        except StopIteration:
            raise ValueError(f"{path.name}: file ends early, expected {what}") from None
        if parameter:
            symbolic.append(tok.lower() == "capacity")
            if symbolic[-1]:
                if capacity is None:
                    known = ORLIB_LARGE_CAPACITIES.get(label.lower())
                    raise ValueError(
                        f"capacity is required for {path.name}: its warehouse capacities are the parameter "
                        f"'capacity' (line {lineno}); pass capacity=<units per warehouse>"
                        + (f" (the literature uses {known})" if known else ""))
                return capacity
            if capacity is not None:
                raise ValueError(f"capacity must be None for {path.name}: its warehouse capacities are numbers "
                                 f"in the file (line {lineno}); got capacity={capacity:g}. Only files that print "
                                 "the word 'capacity' (capa, capb, capc) take a capacity argument")
        try:
            value = float(tok)
        except ValueError:
            raise ValueError(f"{path.name}: line {lineno}, field {k} ({what}): {_shown(tok)} is not a number") from None
        if integer and (not value.is_integer() or value < 1):
            raise ValueError(f"{path.name}: line {lineno}, field {k} ({what}): {_shown(tok)} must be a "
                             "positive integer")
        if value < 0:
            raise ValueError(f"{path.name}: line {lineno}, field {k} ({what}): {_shown(tok)} must be >= 0")
        return value

    m = int(take("number of warehouses m", integer=True))
    n = int(take("number of customers n", integer=True))
    check_budget("m x n", (m, n), nbytes=8.0 * m * n,
                 what=f"the {m:,} x {n:,} cost matrix of {path.name}")
    capacity_ = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        capacity_[i] = take(f"capacity of warehouse {i + 1}", parameter=True)
        fixed[i] = take(f"fixed cost of warehouse {i + 1}")
    demand = np.empty(n)
    cost = np.empty((m, n))
    for j in range(n):
        demand[j] = take(f"demand of customer {j + 1}")
        for i in range(m):
            cost[i, j] = take(f"cost of customer {j + 1} from warehouse {i + 1}")
    extra = next(tokens, None)
    if extra is not None:
        lineno, k, tok = extra
        raise ValueError(f"{path.name}: line {lineno}, field {k}: unexpected extra value {_shown(tok)} after "
                         f"the {m} x {n} instance")
    if any(symbolic):
        if not all(symbolic):
            raise ValueError(f"{path.name}: some warehouse capacities are numbers and some the parameter "
                             "'capacity'; a file must use one or the other")
        label = f"{label}-{capacity:g}"
        if capacity * m < demand.sum() * (1 - 1e-12):
            raise InfeasibleInstanceError(
                f"capacity={capacity:g} makes {label} infeasible: {m} warehouses x {capacity:g} = "
                f"{capacity * m:g} units is below the total demand {demand.sum():g}; capacity must be "
                f">= {demand.sum() / m:g} (total demand / number of warehouses)")
    return FacilityLocationInstance(capacity_, fixed, demand, cost, name=label)


def orlib_optima(path=None) -> dict[str, float]:
    """The published optimal objective values of cap41 ... cap134, read from ``capopt.txt``.

    They assume splittable demand (see :func:`load_orlib_cap`).  The capa/capb/capc rows of the
    file (one optimum per capacity) are read by :func:`orlib_large_optima`.

    >>> orlib_optima()["cap41"]
    1040444.375
    """
    path = Path(path) if path is not None else ORLIB_DIR / "capopt.txt"
    optima = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            m = re.match(r"^\s*(cap\d+)\s+(\S+)\s*$", line)
            if m:
                try:
                    optima[m.group(1)] = float(m.group(2))
                except ValueError:
                    raise ValueError(f"{path.name}: line {lineno}, field 2 (optimal value of "
                                     f"{m.group(1)}): {m.group(2)!r} is not a number") from None
    return optima


def orlib_large_optima(path=None) -> dict[tuple[str, float], float]:
    """The published optima of the large instances capa, capb, capc, one per capacity, from
    ``capopt.txt``: ``{("capa", 8000.0): 19240822.449, ...}`` (twelve entries).

    >>> orlib_large_optima()[("capc", 5000.0)]
    11646596.974
    """
    path = Path(path) if path is not None else ORLIB_DIR / "capopt.txt"
    optima = {}
    current = None
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            m = re.match(r"^\s*(cap[a-z])?\s+(\S+)\s+\(capacity\s+(\S+)\)\s*$", line)
            if not m:
                current = None
                continue
            current = m.group(1) or current
            if current is None:
                raise ValueError(f"{path.name}: line {lineno}: an optimum for a capacity with no instance "
                                 "name on this or the lines above")
            try:
                optima[(current, float(m.group(3)))] = float(m.group(2))
            except ValueError:
                raise ValueError(f"{path.name}: line {lineno}: {m.group(2)!r} (optimal value of {current}) or "
                                 f"{m.group(3)!r} (its capacity) is not a number") from None
    return optima


def orlib_optimum(name: str, capacity=None) -> float:
    """The published optimum of one OR-Library instance (see :func:`orlib_optima`); for capa,
    capb and capc give the capacity too (one of :data:`ORLIB_LARGE_CAPACITIES`).

    >>> orlib_optimum("capa", capacity=8000)
    19240822.449
    """
    if name in ORLIB_LARGE_CAPACITIES:
        allowed = ORLIB_LARGE_CAPACITIES[name]
        if capacity is None:
            raise ValueError(f"capacity is required for {name}: its optimum depends on it; the published "
                             f"ones are for capacity in {allowed}")
        capacity = check_positive("capacity", capacity)
        optima = orlib_large_optima()
        if (name, capacity) not in optima:
            raise ValueError(f"capacity must be one of {allowed} for {name} (the capacities with a published "
                             f"optimum); got {capacity:g}")
        return optima[(name, capacity)]
    optima = orlib_optima()
    if name not in optima:
        raise ValueError(f"name must be one of {', '.join(optima)}, capa, capb, capc; got {name!r}")
    if capacity is not None:
        raise ValueError(f"capacity must be None for {name} (its capacities are in the file); got {capacity!r}")
    return optima[name]


# ----------------------------------------------------------------------------- generator

def generate_instance(m: int, n: int, *, capacity_ratio: float = 3.0, fixed_cost: float = 7500.0,
                      seed=0, name: str | None = None) -> FacilityLocationInstance:
    """A random CFLP instance in the style of the OR-Library ones (for size ladders).

    Customers and facilities are uniform points in the unit square; demands are uniform integers
    5..100; :math:`c_{ij} = d_j \\times 2500 \\times` (Euclidean distance), i.e. a cost per unit
    per distance; all facilities have capacity ``capacity_ratio * total demand / m`` rounded up,
    and fixed cost ``fixed_cost`` times a uniform factor in [0.8, 1.2].

    Parameters
    ----------
    m, n : int
        Facilities and customers.
    capacity_ratio : float
        Total capacity / total demand (> 1 for a feasible instance).
    seed : int or numpy.random.Generator
    """
    m = check_int("m", m, minimum=1)
    n = check_int("n", n, minimum=1)
    capacity_ratio = check_positive("capacity_ratio", capacity_ratio)
    if capacity_ratio < 1:
        raise ValueError(f"capacity_ratio must be >= 1 (total capacity >= total demand), got {capacity_ratio!r}")
    fixed_cost = check_real("fixed_cost", fixed_cost)
    check_budget("m x n", (m, n), nbytes=8.0 * m * n * 5,
                 what=f"the {m:,} x {n:,} cost matrix and its distance temporaries")
    rng = np.random.default_rng(check_seed("seed", seed))
    fac = rng.random((m, 2))
    cus = rng.random((n, 2))
    demand = rng.integers(5, 101, size=n).astype(float)
    dist = np.sqrt(((fac[:, None, :] - cus[None, :, :]) ** 2).sum(axis=2))
    cost = np.round(dist * demand[None, :] * 2500.0, 3)
    cap = np.full(m, float(np.ceil(capacity_ratio * demand.sum() / m)))
    fixed = np.round(fixed_cost * rng.uniform(0.8, 1.2, size=m), 2)
    return FacilityLocationInstance(cap, fixed, demand, cost, name=name or f"gen{m}x{n}")
