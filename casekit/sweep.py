"""Run a notebook over a grid of parameters on Dask distributed (``casekit sweep``).

Each grid point is one ``casekit run`` in its own process (so runs cannot share state), scheduled
as a Dask task: on a ``LocalCluster`` by default, or on any scheduler whose address is given
(``tcp://HOST:PORT``) when one machine is not enough.  The results of all runs are gathered into
one tidy table, one row per (run, metric): the grid parameters, the metric's name (nested
``results.json`` keys joined with ``.``) and its value, written as CSV and Parquet beside a
summary plot.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from casekit._record import RESERVED_NAMES
from casekit.runner import (RunRefused, check_allowed, check_parameters, check_value, parse_value,
                            prepare_out_dir, resolve_notebook)


def parse_grid(text: str) -> dict[str, list]:
    """``"scenario=none,supplier_shutdown outlets=500,2000"`` -> ``{"scenario": [...], "outlets": [...]}``.

    Strict: every item is ``NAME=V1,V2,...`` with a Python name, no empty value (``seed=1,,2`` is an
    error, not ``seed=1,2``), no value twice, and each value plain data
    (:func:`casekit.runner.parse_value`).
    """
    grid: dict[str, list] = {}
    for part in text.split():
        name, sep, values = part.partition("=")
        if not sep or not name or not values:
            raise ValueError(f"grid must be space-separated NAME=V1,V2,... items; got {part!r}")
        if not name.isidentifier():
            raise ValueError(f"grid item {part!r}: {name!r} is not a parameter name")
        if name in grid:
            raise ValueError(f"grid names {name!r} twice")
        pieces = values.split(",")
        empty = [i + 1 for i, v in enumerate(pieces) if not v.strip()]
        if empty:
            raise ValueError(f"grid item {part!r} has an empty value at position "
                             f"{', '.join(map(str, empty))}; write NAME=V1,V2,... with no empty entries")
        parsed = [parse_value(v, name) for v in pieces]
        repeated = [pieces[i] for i, v in enumerate(parsed) if parsed.index(v) != i]
        if repeated:
            raise ValueError(f"grid item {part!r} lists {repeated[0]!r} more than once")
        grid[name] = parsed
    if not grid:
        raise ValueError("grid must name at least one parameter, e.g. 'seed=1,2,3'")
    return grid


def grid_points(grid: dict[str, list]) -> list[dict]:
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def flatten(results: dict, prefix: str = "") -> dict[str, object]:
    """``{"hybrid": {"fill_rate": {"mean": 0.9}}}`` -> ``{"hybrid.fill_rate.mean": 0.9}``."""
    flat = {}
    for key, value in results.items():
        name = f"{prefix}{key}"
        if not prefix and key in RESERVED_NAMES:   # the run's status, not a metric
            continue
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def run_point(notebook: str, parameters: dict, out_dir: str, allow_any_notebook: bool = False) -> dict:
    """One grid point, in a fresh ``python -m casekit run`` process. Never raises: a failed run is
    reported in the row's ``status``.  Each value goes as its ``repr``, which
    :func:`casekit.runner.parse_value` reads back as the same plain value (and refuses anything else)."""
    args = [sys.executable, "-m", "casekit", "run", notebook, "--out", out_dir]
    if allow_any_notebook:
        args.append("--allow-any-notebook")
    for name, value in parameters.items():
        args += ["-p", name, repr(check_value(name, value))]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    results_path = Path(out_dir) / "results.json"
    try:
        results = json.loads(results_path.read_text()) if proc.returncode == 0 else {}
    except (OSError, ValueError):
        results = {}
    status = "ok" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return {"parameters": parameters, "results": results, "status": status, "seconds": seconds, "out_dir": out_dir}


@dataclass(frozen=True)
class SweepResult:
    """The tidy table (one row per run and metric), the per-run status table and the files written."""

    table: pd.DataFrame
    runs: pd.DataFrame
    csv: Path
    parquet: Path
    plot: Path | None
    seconds: float
    files: dict = field(default_factory=dict)


def _client(dask: str, workers: int):
    from distributed import Client, LocalCluster

    if dask == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        return Client(cluster), cluster
    if not dask.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise ValueError(f"dask must be 'local' or a scheduler address such as tcp://HOST:PORT; got {dask!r}")
    return Client(dask), None


def summary_plot(table: pd.DataFrame, grid_names: list[str], path: Path, max_metrics: int = 6) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    numeric = table[pd.to_numeric(table["value"], errors="coerce").notna()].copy()
    if numeric.empty:
        return None
    numeric["value"] = numeric["value"].astype(float)
    metrics = list(dict.fromkeys(numeric["metric"]))[:max_metrics]
    numeric["point"] = numeric[grid_names].astype(str).agg(", ".join, axis=1)
    fig, axes = plt.subplots(len(metrics), 1, figsize=(7, 2.2 * len(metrics)), squeeze=False)
    for ax, metric in zip(axes[:, 0], metrics):
        part = numeric[numeric["metric"] == metric]
        ax.bar(part["point"], part["value"], color="#4c72b0")
        ax.set_title(metric, fontsize=9)
        ax.tick_params(axis="x", labelsize=7, rotation=20)
    axes[-1, 0].set_xlabel(" / ".join(grid_names))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def sweep(notebook, grid: dict[str, list], parameters: dict | None = None, out_dir=None, *,
          dask: str = "local", workers: int = 2, allow_any_notebook: bool = False) -> SweepResult:
    """Run ``notebook`` at every point of ``grid`` (fixed ``parameters`` added to each) on Dask.

    A notebook outside the curriculum (unless ``allow_any_notebook``), unknown parameter names,
    values that are not plain data or that the notebook's parameter spec refuses at any grid point,
    and an unwritable ``out_dir`` stop the sweep before any run starts (:class:`casekit.runner.RunRefused`).
    """
    notebook = resolve_notebook(notebook, allow_any_notebook)
    parameters = dict(parameters or {})
    overlap = set(parameters) & set(grid)
    if overlap:
        raise ValueError(f"parameters {sorted(overlap)} are given both in the grid and with -p")
    valid = check_parameters(notebook, {**parameters, **grid})
    try:
        for name, values in grid.items():
            if type(values) is not list or not values:
                raise TypeError(f"grid[{name!r}] must be a non-empty list of values")
            for value in values:
                check_value(name, value)
        for name, value in parameters.items():
            check_value(name, value)
    except TypeError as exc:
        raise RunRefused(str(exc)) from None
    points = grid_points(grid)
    for point in points:          # every run's values against the notebook's spec, before any run starts
        shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
        check_allowed(notebook, valid, {**parameters, **point}, where=f" at grid point {shown}")
    out = prepare_out_dir(out_dir, notebook, kind="sweeps").resolve()
    start = time.perf_counter()
    client, cluster = _client(dask, workers)
    try:
        futures = [client.submit(run_point, str(notebook), {**parameters, **point}, str(out / f"run-{i:03d}"),
                                 allow_any_notebook, pure=False, key=f"casekit-run-{i}-{time.time_ns()}")
                   for i, point in enumerate(points)]
        rows = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    seconds = time.perf_counter() - start
    names = list(grid)
    run_rows, tidy = [], []
    for i, (point, row) in enumerate(zip(points, rows)):
        run_rows.append({"run": i, **point, "status": row["status"], "seconds": round(row["seconds"], 2),
                         "out_dir": row["out_dir"]})
        for metric, value in flatten(row["results"]).items():
            tidy.append({"run": i, **point, "metric": metric, "value": value})
    runs = pd.DataFrame(run_rows)
    table = pd.DataFrame(tidy, columns=["run", *names, "metric", "value"])
    # one column of one type for Parquet: numbers as float, anything else as text in value_text
    numeric = pd.to_numeric(table["value"], errors="coerce")
    table["value_text"] = table["value"].where(numeric.isna() & table["value"].notna()).astype("string")
    table["value"] = numeric
    csv, parquet = out / "results.csv", out / "results.parquet"
    table.to_csv(csv, index=False)
    table.to_parquet(parquet, index=False)
    runs.to_csv(out / "runs.csv", index=False)
    plot = summary_plot(table.assign(value=table["value"]), names, out / "summary.png")
    return SweepResult(table, runs, csv, parquet, plot, seconds)
