"""The paper's Table 2 at scale: OR-Library capa/capb/capc (100 warehouses x 1,000 customers).

The twelve standard cases (capa at capacity 8000/10000/12000/14000, capb at 5000/6000/7000/8000,
capc at 5000/5750/6500/7250) solved by four methods, each under a stated time limit:

* ``milp``: monolithic HiGHS on the strong formulation (linking rows added lazily, see
  ``casekit.optimization.milp``), the reference;
* ``benders``: Benders decomposition with the cover cut sum_i s_i y_i >= D in the master, an
  in-out stabilised LP phase (at most half the time), then the integer master;
* ``ga``: the genetic algorithm (``solve_ga``), under its time limit;
* ``hybrid``: the GA's answer as MIP start and cutoff, a MILP over the facilities the GA's elite
  disagree on (the others fixed; half of the hybrid's MILP time), then the full MILP warm-started
  from the best (``solve_hybrid``);
  its runtime includes the GA's.

Per case it prints each method's runtime, its ratio to the MILP's runtime, the % of the
literature optimum (``capopt.txt``: 100 * optimum / objective), and whether the method proved
optimality (else its gap to its own lower bound).  It writes
``benchmarks/results/table2_large.csv`` (columns ``instance, capacity, method, objective,
proven_optimal, runtime_s``), replacing only the rows it re-ran, atomically, after every case.

The time limits are wall-clock seconds, so a loaded machine gives each solve less work: the
header records the load average at the start.  HiGHS and the GA check their limits between
steps, so a run can exceed its limit; the CSV records the runtime measured.  The full table
(12 cases, default limits) takes two hours or more on two cores.

Usage::

    python benchmarks/bench_table2.py                                   # all 12 cases x 4 methods
    python benchmarks/bench_table2.py --instances capc:5000 --methods ga
    python benchmarks/bench_table2.py --methods milp --milp-time 240
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import fcntl
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from casekit.optimization import (
    ORLIB_LARGE_CAPACITIES, load_orlib_cap, orlib_optimum, solve_benders, solve_ga, solve_hybrid, solve_milp,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "table2_large.csv"
COLUMNS = ["instance", "capacity", "method", "objective", "proven_optimal", "runtime_s"]
METHODS = ("milp", "benders", "ga", "hybrid")
CASES = [(name, cap) for name, caps in ORLIB_LARGE_CAPACITIES.items() for cap in caps]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + (" with local changes" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _parse_cases(text: str) -> list[tuple[str, int]]:
    if not text:
        return list(CASES)
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, cap = item.partition(":")
        if name not in ORLIB_LARGE_CAPACITIES:
            raise SystemExit(f"--instances: {name!r} is not one of {', '.join(ORLIB_LARGE_CAPACITIES)}")
        caps = ORLIB_LARGE_CAPACITIES[name]
        if not cap:
            out += [(name, c) for c in caps]
            continue
        try:
            c = int(float(cap))
        except ValueError:
            raise SystemExit(f"--instances: capacity {cap!r} of {name} is not a number") from None
        if c not in caps:
            raise SystemExit(f"--instances: {name} has a published optimum only at capacity {caps}; got {cap}")
        out.append((name, c))
    return out


def _header(args, argv) -> list[str]:
    load = os.getloadavg()
    cmd = "python benchmarks/bench_table2.py" + ("".join(" " + shlex.quote(a) for a in argv) if argv else "")
    return [
        "# The paper's Table 2 at scale: OR-Library capa/capb/capc (100 x 1,000), four methods; written by "
        "benchmarks/bench_table2.py",
        f"# date (UTC) of this run: {_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M')}; rows it "
        f"re-ran: methods {','.join(args.methods)} on {len(args.cases)} case(s); other rows kept from earlier runs",
        f"# machine: {os.cpu_count()} cores, {_cpu_model()}, load average at start {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}; every solver single-threaded",
        f"# command: {cmd} (casekit at commit {_commit()})",
        f"# time limits per solve (s): milp {args.milp_time:g}, benders {args.benders_time:g}, ga {args.ga_time:g}, "
        f"hybrid {args.hybrid_time:g} (MILP stages, after the GA); GA seed {args.seed}, population "
        f"{args.ga_population} (the GA checks its limit after each generation, so it may run over)",
        "# objective: cost of the best solution found (recomputed from the data); proven_optimal: the method "
        "proved it optimal within its time limit; runtime_s: wall seconds (hybrid includes its GA)",
    ]


def _write(rows: dict, header: list[str], path: Path) -> None:
    """Merge ``rows`` into the CSV at ``path`` (other rows kept), atomically (temp file + os.replace),
    under a lock so that two runs (e.g. milp and benders in parallel) never lose each other's rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # lock the results folder itself (no lock file left behind): concurrent runs wait for each other
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        merged = {}
        old_header = []
        if path.exists():
            lines = path.read_text().splitlines()
            old_header = [ln for ln in lines if ln.startswith("#")]
            for rec in csv.DictReader(ln for ln in lines if not ln.startswith("#")):
                merged[(rec["instance"], int(float(rec["capacity"])), rec["method"])] = rec
        merged.update(rows)
        order = {(n, c): k for k, (n, c) in enumerate(CASES)}
        keys = sorted(merged, key=lambda k: (order.get(k[:2], 99), k[:2], METHODS.index(k[2])
                                             if k[2] in METHODS else 9))
        # keep the description of each earlier run that some row of the file still comes from
        earlier = [f"# earlier run: {t}" for block in _live_runs(old_header, set(rows), set(merged)) for t in block]
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".table2_large.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", newline="") as fh:
                for ln in header + earlier:
                    fh.write(ln + "\n")
                w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
                w.writeheader()
                for k in keys:
                    w.writerow({c: merged[k][c] for c in COLUMNS})
            os.chmod(tmp, 0o644)          # mkstemp makes it private; the table is for everyone to read
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    finally:
        os.close(folder)              # closing the descriptor releases the lock


def _runs(header_lines: list[str]) -> list[list[str]]:
    """The run descriptions of a CSV header, newest first: one block of lines (date, machine,
    command, limits) per run, each starting at its ``date`` line (the file's own first lines, its
    title and column notes, belong to no run)."""
    blocks = []
    for ln in header_lines:
        text = ln[len("# earlier run: "):] if ln.startswith("# earlier run: ") else ln[2:]
        if text.startswith("date") or not blocks and text.startswith(("command", "time limits", "machine")):
            blocks.append([text])
        elif text.startswith(("command", "time limits", "machine")):
            blocks[-1].append(text)
    return blocks


def _pairs(block: list[str]) -> set | None:
    """The (instance, capacity, method) rows a run measured, read off its command lines (None
    when the block has no command or one this script cannot read: such a run is kept)."""
    pairs = set()
    commands = [t for t in block if t.startswith("command: ")]
    for t in commands:
        cmd = t[len("command: "):].split(" (casekit at commit")[0]
        try:
            words = shlex.split(cmd)
            opts = {}
            for k, w in enumerate(words):
                if w.startswith("--"):
                    name, eq, val = w.partition("=")
                    opts[name] = val if eq else (words[k + 1] if k + 1 < len(words) else "")
            methods = [m for m in opts.get("--methods", ",".join(METHODS)).split(",") if m]
            cases = _parse_cases(opts.get("--instances", ""))
        except (ValueError, SystemExit):
            return None
        pairs |= {(n, c, m) for n, c in cases for m in methods}
    return pairs if commands else None


def _live_runs(old_header: list[str], this_run: set, in_file: set) -> list[list[str]]:
    """The earlier runs' descriptions to keep: newest first, a run is kept while some row of the
    file (``in_file``) comes from it, i.e. neither this run (``this_run``) nor a newer one
    measured that row again; a run whose rows cannot be told is kept."""
    covered, keep = set(this_run), []
    for block in _runs(old_header):
        pairs = _pairs(block)
        if pairs is None:
            keep.append(block)
            continue
        if (pairs & in_file) - covered:
            keep.append(block)
        covered |= pairs
    return keep


def _read_milp_runtimes(path: Path) -> dict:
    out = {}
    if path.exists():
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
        for rec in csv.DictReader(lines):
            if rec["method"] == "milp":
                out[(rec["instance"], int(float(rec["capacity"])))] = float(rec["runtime_s"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="", help="comma-separated name:capacity (or a name for its four "
                    "capacities), e.g. capa:8000,capc; default: all twelve cases")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of milp,benders,ga,hybrid")
    ap.add_argument("--milp-time", type=float, default=240.0, help="seconds per monolithic MILP solve")
    ap.add_argument("--benders-time", type=float, default=180.0, help="seconds per Benders run")
    ap.add_argument("--ga-time", type=float, default=60.0, help="seconds per GA run")
    ap.add_argument("--hybrid-time", type=float, default=150.0,
                    help="seconds for the hybrid's MILP stages (on top of its GA)")
    ap.add_argument("--seed", type=int, default=0, help="GA seed")
    ap.add_argument("--ga-population", type=int, default=20, help="GA population size")
    ap.add_argument("--out", default=str(OUT), help="CSV to update (default benchmarks/results/table2_large.csv)")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = ap.parse_args(argv)
    args.cases = _parse_cases(args.instances)
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in args.methods if m not in METHODS]
    if bad or not args.methods:
        raise SystemExit(f"--methods: {bad or '(none)'} not in {', '.join(METHODS)}")
    for opt in ("milp_time", "benders_time", "ga_time", "hybrid_time"):
        if not getattr(args, opt) > 0:
            raise SystemExit(f"--{opt.replace('_', '-')} must be > 0, got {getattr(args, opt)}")
    out = Path(args.out)
    header = _header(args, argv)
    for ln in header:
        print(ln)
    milp_runtime = _read_milp_runtimes(out)
    t_all = time.perf_counter()
    rows = {}   # every row this run measured (re-merged at each write)
    print(f"\n{'case':12s} {'method':8s} {'runtime s':>10s} {'/ MILP':>7s} {'% of opt':>9s} {'proven / gap':>14s}  "
          "objective")
    for name, cap in args.cases:
        inst = load_orlib_cap(name, capacity=cap)
        opt = orlib_optimum(name, capacity=cap)
        ga = None
        for method in args.methods:
            if method == "milp":
                res = solve_milp(inst, time_limit=args.milp_time)
            elif method == "benders":
                res = solve_benders(inst, time_limit=args.benders_time, stabilise=True, cover_cut=True,
                                    round_every=3, lp_share=0.5)
            elif method == "ga":
                res = ga = solve_ga(inst, args.ga_population, seed=args.seed, time_limit=args.ga_time)
            else:
                if ga is None:
                    ga = solve_ga(inst, args.ga_population, seed=args.seed, time_limit=args.ga_time)
                res = solve_hybrid(inst, ga_result=ga, time_limit=args.hybrid_time, fix_agreed=True, then_full=True,
                                   fixed_share=0.5)
            if method == "milp":
                milp_runtime[(name, cap)] = res.runtime
            ref = milp_runtime.get((name, cap))
            ratio = f"{res.runtime / ref:7.2f}" if ref else f"{'n/a':>7s}"
            pct = 100.0 * opt / res.objective if np.isfinite(res.objective) else 0.0
            proof = "proven" if res.proven_optimal else (f"gap {100 * res.gap:.3f}%" if res.gap is not None
                                                         else "no bound")
            print(f"{name + '-' + str(cap):12s} {method:8s} {res.runtime:10.1f} {ratio} {pct:9.4f} {proof:>14s}  "
                  f"{res.objective:.3f}", flush=True)
            rows[(name, cap, method)] = {"instance": name, "capacity": cap, "method": method,
                                         "objective": f"{res.objective:.3f}",
                                         "proven_optimal": str(bool(res.proven_optimal)),
                                         "runtime_s": f"{res.runtime:.2f}"}
        _write(rows, header, out)
    print(f"\nwrote {out} ({time.perf_counter() - t_all:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
