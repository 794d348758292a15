"""Case studies at full size: wall time of :func:`casekit.framework.evaluate` per policy.

For each case, what ``casekit run notebooks/<case> -p replications 30 -p horizon_days 365
-p outlets 2000`` evaluates: the calibrated system, then the traditional baseline and the full
hybrid, each by ``evaluate`` (policy building, with the hybrid's simulation-based tuning, then
a run without and a run with the supplier shutdown on common random numbers).  Each case runs in
a fresh subprocess (imports and data loading included in "total").  Target: traditional +
hybrid under 60 s per case (the notebook's own tables and plots come on top).

The same script also runs on the casekit of git ref ``--before`` (default c0f4af2, the engine
before its table sampler and pass cuts; extracted with ``git archive`` into a temporary folder;
``--before none`` skips it) right after, and each line shows both and their ratio.

usage: python benchmarks/bench_cases.py [--cases fmcg electronics] [--replications 30]
                                        [--horizon 365] [--outlets 2000] [--before REF|none]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 60.0

SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import casekit
from casekit import framework as fw
case, R, H, N = json.loads(sys.argv[1])
cal = fw.load_calibration(case)
t = time.perf_counter()
system = fw.case_system(case, horizon_days=H, outlets=N, dispersion_scale=cal["dispersion_scale"])
out = {"system": time.perf_counter() - t, "policies": {}, "path": casekit.__file__}
for name, on in (("traditional", ()), ("hybrid", "hybrid")):
    t = time.perf_counter()
    run = fw.evaluate(case, on, system=system, horizon_days=H, replications=R, seed=1, calibration=cal)
    v = run.values
    out["policies"][name] = {"seconds": time.perf_counter() - t, "fill_rate": float(v["fill_rate"].mean()),
                             "total_cost": float(v["total_cost"].mean())}
out["total"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def _run(path: Path, args, run_dir: Path) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore",
           "PYTHONPATH": str(path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(args)], capture_output=True, text=True,
                         check=True, env=env, cwd=str(run_dir))
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(r["path"]).resolve().is_relative_to(path.resolve()), r["path"]
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["fmcg", "electronics"], choices=["fmcg", "electronics"])
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--horizon", type=int, default=365)
    ap.add_argument("--outlets", type=int, default=2000)
    ap.add_argument("--before", default="c0f4af2", help="git ref of a casekit to time beside this checkout "
                                                         "('none': skip)")
    a = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="casekit-cases-"))
    run_dir = tmp / "run"                 # an empty working folder: no casekit importable from it
    run_dir.mkdir()
    try:
        before = None
        if a.before and a.before.lower() != "none":
            before = tmp / "before"
            before.mkdir()
            arch = subprocess.run(["git", "archive", a.before, "casekit", "datasets"], cwd=ROOT, capture_output=True,
                                  check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(before)], input=arch, check=True)
        for case in a.cases:
            args = [case, a.replications, a.horizon, a.outlets]
            now = _run(ROOT, args, run_dir)
            old = _run(before, args, run_dir) if before is not None else None
            size = f"{a.outlets:,} outlets" if case == "fmcg" else "all SKUs"
            for name in ("traditional", "hybrid"):
                p = now["policies"][name]
                line = (f"{case:11s} {name:11s} evaluate ({size}, {a.horizon} days, {a.replications} replications, "
                        f"with and without the shutdown): {p['seconds']:6.1f} s")
                if old is not None:
                    q = old["policies"][name]
                    line += f"; at {a.before}: {q['seconds']:6.1f} s = {q['seconds'] / p['seconds']:.2f}x faster now"
                line += f" (fill rate {p['fill_rate']:.2f}%, total cost {p['total_cost']:.1f}/day)"
                print(line)
            both = sum(now["policies"][n]["seconds"] for n in ("traditional", "hybrid"))
            line = (f"{case:11s} traditional + hybrid {both:6.1f} s (target < {TARGET:.0f} s: "
                    f"{'ok' if both < TARGET else 'MISSED'}); whole process {now['total']:.1f} s")
            if old is not None:
                ob = sum(old["policies"][n]["seconds"] for n in ("traditional", "hybrid"))
                line += f"; at {a.before}: {ob:.1f} s = {ob / both:.2f}x"
            print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
