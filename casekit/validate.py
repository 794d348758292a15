"""Boundary checks shared by every casekit module.

Each helper raises a ``ValueError`` (or ``TypeError`` for the wrong kind of object) whose message
names the parameter, the value received and what is allowed, so that a learner or a papermill run
sees the mistake at the call that made it, not deep inside a solver.  Nothing is clipped.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_real",
    "check_positive",
    "check_nonnegative",
    "check_probability",
    "check_int",
    "check_choice",
    "check_array",
    "check_budget",
    "check_size",
    "check_seed",
    "MAX_BYTES",
    "MAX_OPERATIONS",
]


def check_real(name: str, value, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def check_positive(name: str, value) -> float:
    """A finite number > 0."""
    value = check_real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def check_nonnegative(name: str, value) -> float:
    """A finite number >= 0."""
    value = check_real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def check_probability(name: str, value, *, open_interval: bool = True) -> float:
    """A probability: in the open interval (0, 1) by default (service levels), else [0, 1]."""
    value = check_real(name, value)
    if open_interval and not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    if not open_interval and not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1 inclusive, got {value!r}")
    return value


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (Python or numpy), optionally bounded; floats such as 3.0 are refused."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value!r}")
    return value


def check_choice(name: str, value, allowed) -> object:
    """One of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def check_array(name: str, value, *, ndim: int | None = None, nonnegative: bool = False,
                positive: bool = False, min_size: int = 0) -> np.ndarray:
    """A finite float array, optionally of a given dimension and sign, with at least ``min_size``
    elements.  The first offending element is named in the message."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {value!r}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} element(s), got {arr.size}")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite, got {float(arr[idx])!r} at index {idx if len(idx) > 1 else idx[0]}")
    if positive and (arr <= 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr <= 0)[0])
        raise ValueError(f"{name} must be > 0, got {float(arr[idx])!r} at index {idx if len(idx) > 1 else idx[0]}")
    if nonnegative and (arr < 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(f"{name} must be >= 0, got {float(arr[idx])!r} at index {idx if len(idx) > 1 else idx[0]}")
    return arr


#: The most memory one casekit call may set out to use: about 1 GB.
MAX_BYTES = 1_000_000_000
#: The most elementary array operations one call may set out to do: seconds of work, not minutes.
MAX_OPERATIONS = 2_000_000_000


def _bytes_text(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def check_budget(name: str, value, *, nbytes: float = 0.0, operations: float = 0.0,
                 what: str = "the computation", hint: str = "") -> None:
    """Refuse, before any work starts, a call whose arrays would need more than :data:`MAX_BYTES`
    of memory or more than :data:`MAX_OPERATIONS` elementary operations; the message gives the
    size, names the parameter that makes it so and its value."""
    tail = f"; {hint}" if hint else ""
    if nbytes > MAX_BYTES:
        raise ValueError(f"{name}={value!r} is too large: {what} would need about {_bytes_text(nbytes)} of "
                         f"memory (casekit refuses more than {_bytes_text(MAX_BYTES)}){tail}")
    if operations > MAX_OPERATIONS:
        raise ValueError(f"{name}={value!r} is too large: {what} would take about {operations:.2g} array "
                         f"operations, minutes or more (casekit refuses more than {MAX_OPERATIONS:.0e}){tail}")


def check_size(name: str, value) -> tuple:
    """An array shape as numpy's ``size=`` takes it: ``None`` (one value; returned as ``()``), an int
    >= 0 or a tuple of them.  The total must fit :data:`MAX_BYTES` as float64."""
    if value is None:
        return ()
    items = value if isinstance(value, (tuple, list)) else (value,)
    shape = tuple(check_int(name, v, minimum=0) for v in items)
    check_budget(name, value, nbytes=8.0 * float(np.prod([float(s) for s in shape])), what="the draws")
    return shape


def check_seed(name: str, value):
    """A random seed: ``None``, an int >= 0, a ``numpy.random.Generator`` or ``SeedSequence``."""
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
        return value
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be None, an int >= 0 or a numpy.random.Generator, got {value!r} "
                        f"({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return int(value)
