"""The ``casekit`` command line (also ``python -m casekit``).

    casekit notebooks                         list the curriculum
    casekit run NOTEBOOK [-p NAME VALUE ...]  rerun a notebook with papermill
    casekit sweep NOTEBOOK --grid "a=1,2 b=x,y" [--dask local|tcp://HOST:PORT]
                                              run a parameter grid on Dask distributed
    casekit apps [--port 8866]                serve the Voila app gallery
    casekit execute-all [--out DIR]           rerun every notebook (make notebooks)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_notebooks(args) -> int:
    from casekit.catalog import curriculum_paths, describe

    for path in curriculum_paths():
        info = describe(path)
        params = ", ".join(f"{k}={v['default']}" for k, v in info.parameters.items())
        print(f"{info.name:40s} {info.title:55s} {info.budget_s:4.0f} s  [{params}]")
    return 0


def _cmd_run(args) -> int:
    from casekit.runner import RunError, parse_value, run_notebook

    params = {name: parse_value(value) for name, value in (args.parameter or [])}
    try:
        result = run_notebook(args.notebook, params, args.out)
    except RunError as exc:
        print(f"casekit run: {exc}", file=sys.stderr)
        return 2 if "unknown parameter" in str(exc) or "no notebook" in str(exc) else 1
    print(f"ran {result.notebook.name} in {result.seconds:.1f} s")
    print(f"  executed notebook: {result.executed}")
    print(f"  html:              {result.html}")
    print(f"  results.json:      {result.results_json}  ({len(result.results)} values)")
    return 0


def _cmd_sweep(args) -> int:
    from casekit.runner import RunError, parse_value
    from casekit.sweep import parse_grid, sweep

    params = {name: parse_value(value) for name, value in (args.parameter or [])}
    try:
        result = sweep(args.notebook, parse_grid(args.grid), params, args.out, dask=args.dask, workers=args.workers)
    except (RunError, ValueError) as exc:
        print(f"casekit sweep: {exc}", file=sys.stderr)
        return 2
    failed = result.runs[result.runs["status"] != "ok"]
    print(f"swept {len(result.runs)} runs of {Path(args.notebook).name} in {result.seconds:.1f} s "
          f"({len(failed)} failed)")
    print(f"  table: {result.csv}")
    print(f"         {result.parquet}")
    if result.plot:
        print(f"  plot:  {result.plot}")
    for row in failed.itertuples():
        print(f"  run {row.run} failed: {row.status}", file=sys.stderr)
    return 1 if len(failed) else 0


def _cmd_apps(args) -> int:
    from casekit.apps import serve

    return serve(args.port)


def _cmd_execute_all(args) -> int:
    from casekit.catalog import app_paths, curriculum_paths
    from casekit.runner import RunError, run_notebook

    failures = 0
    for path in curriculum_paths() + app_paths():
        try:
            r = run_notebook(path, {}, Path(args.out) / path.stem)
            print(f"{r.seconds:6.1f} s  {path.name}")
        except RunError as exc:
            failures += 1
            print(f"FAILED  {exc}", file=sys.stderr)
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="casekit", description="casekit: inventory-control curriculum tools")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("notebooks", help="list the curriculum").set_defaults(func=_cmd_notebooks)
    run = sub.add_parser("run", help="rerun a notebook with parameters (papermill)")
    run.add_argument("notebook", type=Path)
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    run.add_argument("--out", type=Path, default=None, help="output folder (default build/runs/<name>-<time>/)")
    run.set_defaults(func=_cmd_run)
    sw = sub.add_parser("sweep", help="run a notebook over a parameter grid on Dask")
    sw.add_argument("notebook", type=Path)
    sw.add_argument("--grid", required=True, help='e.g. "scenario=none,supplier_shutdown outlets=500,2000"')
    sw.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    sw.add_argument("--dask", default="local", help="'local' (a LocalCluster) or a scheduler address tcp://HOST:PORT")
    sw.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    sw.add_argument("--out", type=Path, default=None, help="output folder (default build/sweeps/<name>-<time>/)")
    sw.set_defaults(func=_cmd_sweep)
    apps = sub.add_parser("apps", help="serve the Voila app gallery on 127.0.0.1")
    apps.add_argument("--port", type=int, default=8866)
    apps.set_defaults(func=_cmd_apps)
    ex = sub.add_parser("execute-all", help="rerun every notebook and app into --out")
    ex.add_argument("--out", type=Path, default=Path("build/notebooks"))
    ex.set_defaults(func=_cmd_execute_all)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
