"""``casekit.record`` and ``casekit.record_results``: what a notebook reports to ``casekit run`` (results.json).

A notebook calls ``casekit.record("reorder_point", r)``, or lists everything a run reports in one
place at its end with ``casekit.record_results({"reorder_point": r, ...})``; when the notebook runs under
``casekit run`` the environment variable ``CASEKIT_RESULTS`` names a JSON file and each call
merges ``{name: value}`` into it, replacing the file atomically (a reader never sees half of it).
``casekit run`` then writes results.json from it with the run's ``status``; the names ``status``
and ``error`` are therefore reserved.  Outside a run the values are only kept in memory
(``casekit.recorded()``), so a learner running the notebook by hand writes no files.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

RESULTS_ENV = "CASEKIT_RESULTS"
RESERVED_NAMES = ("status", "error")
_memory: dict[str, object] = {}


def _plain(value):
    """Convert numpy / pandas scalars and containers into JSON-ready Python objects."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if hasattr(value, "to_dict") and callable(value.to_dict):  # pandas Series / DataFrame
        return _plain(value.to_dict())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"must be a number, string, list or dict, got {type(value).__name__}")


def record(name: str, value) -> object:
    """Record a named result of this notebook run and return ``value`` unchanged.

    Parameters
    ----------
    name : str
        Key in results.json, e.g. ``"reorder_point"``.
    value : number, str, list, dict, numpy or pandas object
        Converted to plain JSON.
    """
    _store({name: _checked(name, value, f"record value for {name!r}")})
    return value


def record_results(results: dict) -> None:
    """Record every ``{name: value}`` of ``results`` at once: the one place a notebook lists what a
    run reports (see :func:`record`).  All values are checked before any is recorded, so a bad value
    leaves results.json as it was.

    Parameters
    ----------
    results : dict
        ``{name: value}``; names are non-empty strings other than ``status`` and ``error``, values
        what :func:`record` accepts.
    """
    if not isinstance(results, dict) or not results:
        raise TypeError(f"results must be a non-empty dict {{name: value}}, got {results!r}")
    _store({name: _checked(name, value, f"results[{name!r}]") for name, value in results.items()})


def _checked(name, value, where: str):
    """``value`` as plain JSON, after checking ``name`` (``where`` prefixes a bad value's message)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if name in RESERVED_NAMES:
        raise ValueError(f"name {name!r} is reserved for the run's own {name} field in results.json; "
                         "choose another name")
    try:
        return _plain(value)
    except TypeError as exc:
        raise TypeError(f"{where} {exc}") from None


def _store(plain: dict) -> None:
    """Keep ``plain`` in memory and, under ``casekit run``, merge it into the results file in one
    atomic write."""
    _memory.update(plain)
    target = os.environ.get(RESULTS_ENV)
    if target:
        path = Path(target)
        data = json.loads(path.read_text()) if path.exists() else {}
        data.update(plain)
        write_json_atomic(path, data)


def write_json_atomic(path, data: dict) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file in the same folder and an atomic
    rename, so the file is always either the old or the new complete document."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def recorded() -> dict[str, object]:
    """What this kernel has recorded so far (a copy)."""
    return dict(_memory)
