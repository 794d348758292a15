"""The paper's Table 2, measured: runtime and % of optimal of each method on a ladder of sizes.

The paper's Table 2 as published (four rows: MILP, GA, MILP + GA hybrid, Simulation + RL hybrid)
is :func:`casekit.paper.table2`; :data:`PAPER_CLAIMS` restates its row for each method measured
here.  :func:`compare_methods` measures every method on every instance here, and
:func:`table2` lays the measurements out in the table's shape, one row per method, with the
paper's row beside them.  Benders decomposition is measured as an extra, reference row: it is not
a row of the paper's table (its §6.1 uses it inside the MILP refinement).  Methods are plain callables ``instance -> result`` (anything with ``.objective``,
``.runtime`` and ``.proven_optimal``), so a later chapter adds a row (e.g. "Simulation + RL
hybrid") by passing one more entry in ``methods``.

"% of optimal" is ``100 * reference / objective`` (a cost, so 100 % is optimal and a worse
solution scores lower).  The reference is the published optimum when there is one, else the best
proven optimum found by any method in the run, else the best lower bound any method proved (then
the percentage is a guaranteed *lower* estimate, flagged in ``reference_kind``).

Two more columns of Table 2 are measured here and in :mod:`casekit.optimization.robustness`:
scalability, as the exponent b of runtime growth with size, ``log(runtime) = a + b log(m n)``,
fitted per method by least squares with a t interval (:func:`fit_runtime_growth`); and the
large-instance rows (Beasley's capa/capb/capc, 100 x 1,000), which take minutes per solve and are
therefore measured by the benchmark ``benchmarks/bench_table2.py`` and read back from its output
file by :func:`load_table2_large`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from casekit import paper as _paper
from casekit.optimization.benders import solve_benders
from casekit.optimization.ga import solve_ga
from casekit.optimization.hybrid import solve_hybrid
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.milp import solve_milp
from casekit.validate import check_positive, check_probability

__all__ = ["PAPER_CLAIMS", "default_methods", "compare_methods", "table2", "LARGE_COLUMNS", "LARGE_METHODS",
           "TABLE2_LARGE_PATH", "instance_size", "load_table2_large", "fit_runtime_growth", "table2_verdicts"]

def _paper_row(row: str) -> str:
    r = _paper.table2().loc[row]
    return (f"{r.runtime_printed} min, {r.quality_pct_of_optimal:g}% of optimal, robustness {r.robustness}, "
            f"scalability {r.scalability}")


#: What the paper's Table 2 (:func:`casekit.paper.table2`) says of each method measured here.
PAPER_CLAIMS = {
    "MILP": _paper_row("MILP"),
    "GA": _paper_row("GA"),
    "MILP + GA hybrid": _paper_row("MILP + GA Hybrid"),
    "Benders": "not a row of Table 2 (§6.1: used inside the MILP refinement, for scalability)",
}


def default_methods(time_limit: float = 10.0, *, seed=0, population: int = 40,
                    generations: int = 60) -> dict[str, Callable]:
    """The four methods of Table 2, each under ``time_limit`` seconds.

    The GA runs its generation budget (stopping early at ``time_limit``); the hybrid starts from
    that very GA run (its runtime includes the GA's) and gives its MILP stage ``time_limit``
    seconds, so the hybrid is never worse than the GA row.  Each method runs once per instance
    object: calling it again on the same instance returns the first result (so a chapter can show
    one instance's results and then the whole ladder without solving twice).
    """
    time_limit = check_positive("time_limit", time_limit)

    def once(solve):
        runs: dict[int, tuple] = {}   # id -> (instance, result); holding the instance keeps its id unique

        def run(inst):
            if id(inst) not in runs:
                runs[id(inst)] = (inst, solve(inst))
            return runs[id(inst)][1]
        return run

    ga = once(lambda inst: solve_ga(inst, population, generations, seed=seed, time_limit=time_limit))
    return {
        "MILP": once(lambda inst: solve_milp(inst, time_limit=time_limit)),
        "GA": ga,
        "MILP + GA hybrid": once(lambda inst: solve_hybrid(inst, time_limit=time_limit, ga_result=ga(inst))),
        "Benders": once(lambda inst: solve_benders(inst, time_limit=time_limit)),
    }


def compare_methods(instances, methods: Mapping[str, Callable] | None = None, *,
                    optima: Mapping[str, float] | None = None, time_limit: float = 10.0,
                    seed=0) -> pd.DataFrame:
    """Run every method on every instance; one tidy row per (instance, method).

    Parameters
    ----------
    instances : sequence of FacilityLocationInstance
    methods : mapping name -> callable(instance) -> result, optional
        Default :func:`default_methods` (``time_limit``, ``seed``).
    optima : mapping instance name -> known optimum, optional
        E.g. :func:`~casekit.optimization.orlib_optima` for the OR-Library instances.

    Returns
    -------
    pandas.DataFrame
        Columns ``instance, size, m, n, method, objective, runtime_s, proven_optimal,
        lower_bound, reference, reference_kind, pct_of_optimal, open`` (``open``: the design found,
        a boolean array per row, for :func:`casekit.optimization.compare_robustness`).
    """
    methods = dict(methods) if methods is not None else default_methods(time_limit, seed=seed)
    optima = dict(optima or {})
    rows = []
    for inst in instances:
        if not isinstance(inst, FacilityLocationInstance):
            raise TypeError(f"instances must hold FacilityLocationInstance objects, got {type(inst).__name__}")
        results = {name: fn(inst) for name, fn in methods.items()}
        for name, r in results.items():
            if not isinstance(getattr(r, "open", None), np.ndarray) or r.open.shape != (inst.m,):
                raise TypeError(f"method {name!r} must return a result with .open, one 0/1 entry per facility "
                                f"({inst.m}); got {type(r).__name__}")
        proven = [r.objective for r in results.values() if getattr(r, "proven_optimal", False)]
        bounds = [getattr(r, "lower_bound", np.nan) for r in results.values()]
        bounds = [b for b in bounds if b is not None and np.isfinite(b)]
        if inst.name in optima:
            ref, kind = float(optima[inst.name]), "published optimum"
        elif proven:
            ref, kind = float(min(proven)), "proven optimum"
        elif bounds:
            ref, kind = float(max(bounds)), "best lower bound"
        else:
            ref, kind = float(min(r.objective for r in results.values())), "best found"
        for name, r in results.items():
            rows.append({
                "instance": inst.name, "size": f"{inst.m}x{inst.n}", "m": inst.m, "n": inst.n,
                "method": name, "objective": float(r.objective), "runtime_s": float(r.runtime),
                "proven_optimal": bool(getattr(r, "proven_optimal", False)),
                "lower_bound": float(getattr(r, "lower_bound", np.nan)),
                "reference": ref, "reference_kind": kind,
                "pct_of_optimal": 100.0 * ref / float(r.objective) if np.isfinite(r.objective) else 0.0,
                "open": np.asarray(r.open, dtype=bool).copy(),
            })
    return pd.DataFrame(rows)


def table2(frame: pd.DataFrame, claims: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Pivot :func:`compare_methods` into Table 2's shape: one row per method; for each instance
    (in ladder order) the runtime in seconds and the % of optimal; then the paper's claim.

    Rows follow the order in which methods appear in ``frame``, so a method added later (a new
    row) lands at the bottom.
    """
    claims = dict(PAPER_CLAIMS if claims is None else claims)
    order_m = list(dict.fromkeys(frame["method"]))
    order_i = list(dict.fromkeys(frame["instance"]))
    labels = {i: f"{i} ({s})" for i, s in zip(frame["instance"], frame["size"])}
    wide = frame.pivot(index="method", columns="instance", values=["runtime_s", "pct_of_optimal"])
    wide = wide.reindex(index=order_m)
    cols = []
    for inst in order_i:
        cols += [("runtime_s", inst), ("pct_of_optimal", inst)]
    wide = wide[cols]
    wide.columns = pd.MultiIndex.from_tuples(
        [(labels[i], "runtime (s)" if k == "runtime_s" else "% of optimal") for k, i in cols])
    wide[("paper's claim", "")] = [claims.get(m, "") for m in wide.index]
    return wide


# ----------------------------------------------------------------------------- large instances

#: The columns of the large-instance benchmark file, in order.
LARGE_COLUMNS = ("instance", "capacity", "method", "objective", "proven_optimal", "runtime_s")

#: The file's method codes and the row of :func:`table2` each one measures.
LARGE_METHODS = {"milp": "MILP", "ga": "GA", "hybrid": "MILP + GA hybrid", "benders": "Benders"}

#: Where ``benchmarks/bench_table2.py`` writes the large-instance table in a source checkout.
TABLE2_LARGE_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "table2_large.csv"


def instance_size(name: str) -> tuple[int, int]:
    """(facilities m, customers n) of an OR-Library capacitated location instance, from its name.

    >>> instance_size("cap41"), instance_size("cap131"), instance_size("capb")
    ((16, 50), (50, 50), (100, 1000))
    """
    key = str(name).lower()
    if key in ("capa", "capb", "capc"):
        return 100, 1000
    match = re.fullmatch(r"cap(\d+)(\d)", key)
    group = int(match.group(1)) if match else 0
    if 4 <= group <= 7:
        return 16, 50
    if 8 <= group <= 10:
        return 25, 50
    if 11 <= group <= 13:
        return 50, 50
    raise ValueError(f"instance must be an OR-Library capacitated location instance (cap41 ... cap134, capa, capb, "
                     f"capc), got {name!r}")


def _read_bool(values: pd.Series, path) -> pd.Series:
    words = values.astype(str).str.strip().str.lower()
    mapping = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    bad = ~words.isin(list(mapping))
    if bad.any():
        raise ValueError(f"{Path(path).name}: column proven_optimal must hold True/False, got "
                         f"{values[bad].iloc[0]!r} (data row {int(np.flatnonzero(bad)[0]) + 1})")
    return words.map(mapping).astype(bool)


def load_table2_large(path=None) -> pd.DataFrame | None:
    """Read the large-instance Table 2 rows written by ``benchmarks/bench_table2.py``.

    The file is a CSV whose first lines may be comments starting with ``#`` (date, machine,
    command), then the header ``instance,capacity,method,objective,proven_optimal,runtime_s``
    (exactly :data:`LARGE_COLUMNS`), one row per instance, capacity and method (``method`` one of
    ``milp, benders, ga, hybrid``).

    Parameters
    ----------
    path : str or path, optional
        Default :data:`TABLE2_LARGE_PATH` (the source checkout's ``benchmarks/results``).

    Returns
    -------
    pandas.DataFrame or None
        The file's columns plus ``m``, ``n`` (from the instance name) and ``row`` (the Table 2 row,
        :data:`LARGE_METHODS`); ``attrs["header"]`` holds the comment lines without their ``#``.
        None when ``path`` is not given and the default file does not exist (a wheel install, or
        a checkout where the benchmark has not been run); a ``path`` given but missing raises
        FileNotFoundError.

    Raises
    ------
    ValueError
        Columns other than :data:`LARGE_COLUMNS`, an unknown method or instance, a runtime that
        is not a positive number, an objective that is not a number.
    """
    if path is None:
        if not TABLE2_LARGE_PATH.is_file():
            return None
        path = TABLE2_LARGE_PATH
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no large-instance Table 2 file at {str(path)!r}")
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    header = [ln.lstrip("#").strip() for ln in lines if ln.startswith("#")]
    df = pd.read_csv(path, comment="#", skipinitialspace=True, dtype=str)
    cols = tuple(c.strip() for c in df.columns)
    if cols != LARGE_COLUMNS:
        raise ValueError(f"{path.name}: columns must be exactly {', '.join(LARGE_COLUMNS)}; got {', '.join(cols)}")
    df.columns = list(cols)
    df["method"] = df["method"].str.strip()
    unknown = ~df["method"].isin(list(LARGE_METHODS))
    if unknown.any():
        raise ValueError(f"{path.name}: method must be one of {', '.join(LARGE_METHODS)}; got "
                         f"{df['method'][unknown].iloc[0]!r} (data row {int(np.flatnonzero(unknown)[0]) + 1})")
    for col in ("capacity", "objective", "runtime_s"):
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() | (values <= 0 if col == "runtime_s" else False)
        if bad.any():
            what = "a positive number" if col == "runtime_s" else "a number"
            raise ValueError(f"{path.name}: column {col} must hold {what}, got {df[col][bad].iloc[0]!r} "
                             f"(data row {int(np.flatnonzero(bad)[0]) + 1})")
        df[col] = values.astype(float)
    df["proven_optimal"] = _read_bool(df["proven_optimal"], path)
    df["instance"] = df["instance"].str.strip()
    sizes = [instance_size(name) for name in df["instance"]]
    df["m"] = [s[0] for s in sizes]
    df["n"] = [s[1] for s in sizes]
    df["row"] = df["method"].map(LARGE_METHODS)
    df.attrs["header"] = header
    return df


# ----------------------------------------------------------------------------- scalability

def fit_runtime_growth(frame: pd.DataFrame, *, method: str = "method", runtime: str = "runtime_s",
                       confidence: float = 0.95) -> pd.DataFrame:
    """Fit runtime growth with size per method: ``log(runtime) = a + b log(size)``, size = m n.

    b is the scalability exponent: runtime grows like size**b (b = 1: linear in the number of
    facility-customer pairs; a smaller b scales better).  It is fitted by ordinary least squares on
    every (instance, run) point of the method; its ``confidence`` interval is the OLS one,
    :math:`\\hat b \\pm t_{k-2}\\, s / \\sqrt{S_{xx}}` with k points (a t interval, not a bootstrap:
    with a handful of points a bootstrap cannot resample enough distinct sizes).  It assumes the
    log-runtime scatters independently with the same variance at every size; runs stopped by a
    time limit make the fitted b an under-estimate (count them in ``proven_optimal``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``m``, ``n``, ``method`` and ``runtime_s`` (e.g. :func:`compare_methods` rows,
        concatenated with :func:`load_table2_large` rows).
    confidence : float
        Level of the interval on b, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Indexed by method: ``exponent`` (b), ``ci_low``, ``ci_high``, ``intercept`` (a),
        ``points`` (k), ``sizes`` (distinct sizes), ``smallest``, ``largest`` (m n).  The interval is
        ``nan`` with fewer than 3 points; the exponent is ``nan`` with fewer than 2 distinct sizes.

    Examples
    --------
    Runtimes exactly 0.001 * size**1.5 give b = 1.5 and a zero-width interval:

    >>> sizes = [800, 2500, 100_000]
    >>> df = pd.DataFrame({"method": "x", "m": sizes, "n": 1, "runtime_s": [1e-3 * s ** 1.5 for s in sizes]})
    >>> fit = fit_runtime_growth(df)
    >>> round(float(fit.loc["x", "exponent"]), 6), round(float(fit.loc["x", "ci_high"] - fit.loc["x", "ci_low"]), 6)
    (1.5, 0.0)
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in ("m", "n", method, runtime) if c not in frame.columns]
    if missing:
        raise ValueError(f"frame must have the columns m, n, {method}, {runtime}; missing {', '.join(missing)}")
    confidence = check_probability("confidence", confidence)
    t = pd.to_numeric(frame[runtime], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(t) & (t > 0)):
        bad = frame[runtime].to_numpy()[~(np.isfinite(t) & (t > 0))][0]
        raise ValueError(f"{runtime} must hold positive finite seconds to take their logarithm, got {bad!r}")
    size = frame["m"].to_numpy(float) * frame["n"].to_numpy(float)
    if not np.all(size > 0):
        raise ValueError("m and n must be positive")
    rows = {}
    for name in dict.fromkeys(frame[method]):
        sel = (frame[method] == name).to_numpy()
        x, yv = np.log(size[sel]), np.log(t[sel])
        k, distinct = x.size, np.unique(size[sel]).size
        row = {"exponent": np.nan, "ci_low": np.nan, "ci_high": np.nan, "intercept": np.nan,
               "points": k, "sizes": distinct, "smallest": size[sel].min(), "largest": size[sel].max()}
        if distinct >= 2:
            sxx = float(((x - x.mean()) ** 2).sum())
            b = float(((x - x.mean()) * (yv - yv.mean())).sum() / sxx)
            a = float(yv.mean() - b * x.mean())
            row.update(exponent=b, intercept=a)
            if k >= 3:
                resid = yv - a - b * x
                se = float(np.sqrt((resid ** 2).sum() / (k - 2) / sxx))
                half = float(stats.t.ppf(0.5 + confidence / 2, k - 2)) * se
                row.update(ci_low=b - half, ci_high=b + half)
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = method
    out.attrs["interval"] = f"OLS t interval, {confidence:.0%}"
    return out


# ----------------------------------------------------------------------------- verdicts

def _sign(x: float, tol: float) -> int:
    return 0 if abs(x) <= tol else (1 if x > 0 else -1)


def table2_verdicts(measured: pd.DataFrame) -> pd.DataFrame:
    """Each cell of the paper's Table 2 beside casekit's measurement, with a verdict in words.

    Parameters
    ----------
    measured : pandas.DataFrame
        Indexed by the paper's row names (``"MILP"``, ``"GA"``, ``"MILP + GA Hybrid"``,
        ``"Simulation + RL Hybrid"``; the MILP row is needed as the reference of the others), with
        the columns that were measured among: ``runtime_vs_milp`` (runtime / the MILP's), for the
        Simulation + RL row ``training_vs_execution`` instead; ``pct_of_optimal``;
        ``robustness_mean_pct`` and ``robustness_worst_pct`` (% cost increase under disruption,
        lower is more robust); ``exponent``, ``exponent_low``, ``exponent_high`` (runtime ~
        size**exponent and its interval, lower scales better).  A missing or ``nan`` value reads
        "not measured".

    Returns
    -------
    pandas.DataFrame
        Same rows; columns ``(column, "paper" | "measured" | "verdict")`` for runtime, % of optimal,
        robustness and scalability.

    Notes
    -----
    The verdicts, per column (the MILP row is the reference of the relative ones):

    * runtime: the paper's ratio to the MILP (GA 25/180 = 0.14, hybrid 60/180 = 0.33; Simulation +
      RL: training / execution = 6) against the measured one: **reproduced** within a factor of 2,
      **same direction** when both are on the same side of 1, else **opposite**;
    * % of optimal: **reproduced** within 1 point, **same direction** when both are below 100 (or
      both at 100), else **opposite**;
    * robustness and scalability are ratings (:data:`casekit.paper.LEVELS`); each row is compared
      with the MILP row: the paper rates it more, equally or less robust (scalable); measured, a
      lower mean % cost increase is more robust (0.01-point tolerance) and a lower exponent scales
      better.  **same direction** when the two agree, **no difference measured** when the paper
      sees one and the measurement none, **opposite** otherwise; "(intervals overlap)" when the two
      exponents' intervals overlap (the difference is not established).

    Examples
    --------
    >>> m = pd.DataFrame({"runtime_vs_milp": [1.0, 2.5], "pct_of_optimal": [100.0, 99.5]},
    ...                  index=["MILP", "GA"])
    >>> v = table2_verdicts(m)
    >>> v.loc["GA", ("runtime", "verdict")], v.loc["GA", ("% of optimal", "verdict")]
    ('opposite', 'same direction')
    """
    if not isinstance(measured, pd.DataFrame):
        raise TypeError(f"measured must be a pandas DataFrame, got {type(measured).__name__}")
    published = _paper.table2(ranks=True)
    unknown = [r for r in measured.index if r not in published.index]
    if unknown:
        raise ValueError(f"measured must be indexed by Table 2's rows ({', '.join(published.index)}); "
                         f"got {unknown[0]!r}")
    if "MILP" not in measured.index:
        raise ValueError("measured must have a 'MILP' row: the other rows are compared with it")

    def get(row, col):
        return float(measured.loc[row, col]) if col in measured.columns and pd.notna(measured.loc[row, col]) else np.nan

    milp = published.loc["MILP"]
    out = {}
    for row in measured.index:
        p = published.loc[row]
        cells = {}
        # runtime
        if row == "Simulation + RL Hybrid":
            paper_ratio, ratio = p.runtime_min / p.execution_min, get(row, "training_vs_execution")
            paper_text = f"{p.runtime_printed} min (training / execution {paper_ratio:g}x)"
            text = "not measured" if np.isnan(ratio) else f"training / execution {ratio:.2f}x"
        else:
            paper_ratio, ratio = p.runtime_min / milp.runtime_min, get(row, "runtime_vs_milp")
            paper_text = f"{p.runtime_printed} min ({paper_ratio:.2f}x MILP)"
            text = "not measured" if np.isnan(ratio) else f"{ratio:.2f}x MILP"
        if np.isnan(ratio):
            verdict = "not measured"
        elif row == "MILP":
            verdict = "reference"
        elif 0.5 <= ratio / paper_ratio <= 2:
            verdict = "reproduced"
        else:
            verdict = "same direction" if (ratio < 1) == (paper_ratio < 1) else "opposite"
        cells["runtime"] = (paper_text, text, verdict)
        # % of optimal
        q_p, q = float(p.quality_pct_of_optimal), get(row, "pct_of_optimal")
        if np.isnan(q):
            verdict, text = "not measured", "not measured"
        else:
            text = f"{q:.2f}%"
            if abs(q - q_p) <= 1:
                verdict = "reproduced"
            else:
                verdict = "same direction" if (q_p < 100 - 1e-9) == (q < 100 - 1e-6) else "opposite"
        cells["% of optimal"] = (f"{q_p:g}%", text, verdict)
        # robustness: lower % increase = more robust; the paper: higher rank = more robust
        mean, worst = get(row, "robustness_mean_pct"), get(row, "robustness_worst_pct")
        text = "not measured" if np.isnan(mean) else (f"+{mean:.2f}% mean" + ("" if np.isnan(worst) else
                                                                            f", +{worst:.2f}% worst"))
        if np.isnan(mean):
            verdict = "not measured"
        elif row == "MILP":
            verdict = "reference"
        else:
            paper_sign = _sign(p.robustness_rank - milp.robustness_rank, 0)
            ref = get("MILP", "robustness_mean_pct")
            sign = _sign(ref - mean, 0.01) if not np.isnan(ref) else None
            verdict = ("not measured" if sign is None else "same direction" if sign == paper_sign else
                       "no difference measured" if sign == 0 else "opposite")
        cells["robustness"] = (p.robustness, text, verdict)
        # scalability: lower exponent = scales better; the paper: higher rank = more scalable
        b, lo, hi = get(row, "exponent"), get(row, "exponent_low"), get(row, "exponent_high")
        text = "not measured" if np.isnan(b) else (f"runtime ~ size^{b:.2f}" +
                                                   ("" if np.isnan(lo) else f" [{lo:.2f}, {hi:.2f}]"))
        if np.isnan(b):
            verdict = "not measured"
        elif row == "MILP":
            verdict = "reference"
        else:
            paper_sign = _sign(p.scalability_rank - milp.scalability_rank, 0)
            ref, ref_lo, ref_hi = get("MILP", "exponent"), get("MILP", "exponent_low"), get("MILP", "exponent_high")
            if np.isnan(ref):
                verdict = "not measured"
            else:
                sign = _sign(ref - b, 1e-9)
                verdict = ("same direction" if sign == paper_sign else "no difference measured" if sign == 0
                           else "opposite")
                if not any(np.isnan([lo, hi, ref_lo, ref_hi])) and lo <= ref_hi and ref_lo <= hi:
                    verdict += " (intervals overlap)"
        cells["scalability"] = (p.scalability, text, verdict)
        out[row] = {(col, k): v for col, vals in cells.items() for k, v in zip(("paper", "measured", "verdict"), vals)}
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame
