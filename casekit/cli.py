"""The ``casekit`` command line (also ``python -m casekit``).

    casekit init DIR [--force]                copy the curriculum, the apps and a README into DIR
    casekit notebooks                         list the curriculum
    casekit run NOTEBOOK [-p NAME VALUE ...]  rerun a notebook with papermill
    casekit sweep NOTEBOOK --grid "a=1,2 b=x,y" [--dask local|tcp://HOST:PORT]
                                              run a parameter grid on Dask distributed
    casekit apps [--port 8866] [--max-kernels N]
                                              serve the Voila app gallery (URL with its access token)
    casekit execute-all [--out DIR]           rerun every notebook (make notebooks)
    casekit book [--out DIR] [--executed DIR] build the course book: the executed curriculum as HTML (make book)
    casekit assign CHAPTER... --out DIR [--solutions DIR] [--force]
                                              make assignments of chapters' exercises (an nbgrader course folder)
    casekit grade NOTEBOOK --course DIR [--student NAME]
                                              autograde a submitted assignment; the score of every exercise

Every command works on the course folder: ``$CASEKIT_ROOT``, else the nearest folder from the
current directory upwards that holds ``notebooks/NN_slug.ipynb`` (made by ``casekit init``, or a
source checkout), else the curriculum installed with casekit.

Parameter values are data, never code: a number, a string, true/false, None or a list of these.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_init(args) -> int:
    from casekit.course import CourseFolderError, init_course
    from casekit.resources import MissingResource

    try:
        folder = init_course(args.directory, force=args.force)
    except (CourseFolderError, MissingResource) as exc:
        print(f"casekit init: {exc}", file=sys.stderr)
        return 2
    print(folder.summary())
    return 0


def _cmd_notebooks(args) -> int:
    from casekit.catalog import curriculum_paths, describe, notebooks_dir
    from casekit.resources import MissingResource

    try:
        paths = curriculum_paths()
    except MissingResource as exc:
        print(f"casekit notebooks: {exc}", file=sys.stderr)
        return 2
    print(f"# the curriculum in {notebooks_dir()}")
    for path in paths:
        info = describe(path)
        params = ", ".join(f"{k}={v['default']}" for k, v in info.parameters.items())
        print(f"{info.name:40s} {info.title:55s} {info.budget_s:4.0f} s  [{params}]")
    return 0


def _parameters(args) -> dict:
    """``-p NAME VALUE`` pairs as plain data (:func:`casekit.runner.parse_value`)."""
    from casekit.runner import RunRefused, parse_value

    params = {}
    for name, value in args.parameter or []:
        if name in params:
            raise RunRefused(f"parameter {name!r} is given twice with -p")
        try:
            params[name] = parse_value(value, name)
        except (ValueError, TypeError) as exc:
            raise RunRefused(str(exc)) from None
    return params


def _cmd_run(args) -> int:
    from casekit.runner import RunError, run_notebook

    try:
        result = run_notebook(args.notebook, _parameters(args), args.out,
                              allow_any_notebook=args.allow_any_notebook)
    except RunError as exc:
        print(f"casekit run: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"ran {result.notebook.name} in {result.seconds:.1f} s")
    print(f"  executed notebook: {result.executed}")
    print(f"  html:              {result.html}")
    print(f"  results.json:      {result.results_json}  ({len(result.results)} values)")
    return 0


def _cmd_sweep(args) -> int:
    from casekit.runner import RunError
    from casekit.sweep import parse_grid, sweep

    try:
        result = sweep(args.notebook, parse_grid(args.grid), _parameters(args), args.out,
                       dask=args.dask, workers=args.workers, allow_any_notebook=args.allow_any_notebook)
    except (RunError, ValueError, TypeError) as exc:
        print(f"casekit sweep: {exc}", file=sys.stderr)
        return 130 if getattr(exc, "exit_code", 2) == 130 else 2
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
    from casekit.apps import AppsError, serve

    try:
        return serve(args.port, max_kernels=args.max_kernels)
    except AppsError as exc:
        print(f"casekit apps: {exc}", file=sys.stderr)
        return 2


def _cmd_execute_all(args) -> int:
    from casekit.catalog import app_paths, curriculum_paths
    from casekit.runner import RunError, RunInterrupted, run_notebook

    failures = 0
    for path in curriculum_paths() + app_paths():
        try:
            r = run_notebook(path, {}, Path(args.out) / path.stem)
            print(f"{r.seconds:6.1f} s  {path.name}")
        except RunInterrupted as exc:
            print(f"casekit execute-all: {exc}", file=sys.stderr)
            return exc.exit_code
        except RunError as exc:
            failures += 1
            print(f"FAILED  {exc}", file=sys.stderr)
    return 1 if failures else 0


def _cmd_book(args) -> int:
    from casekit.book import BookError, build_book
    from casekit.runner import RunInterrupted

    try:
        book = build_book(args.out, args.executed)
    except BookError as exc:
        print(f"casekit book: {exc}", file=sys.stderr)
        return 1
    except RunInterrupted as exc:
        print(f"casekit book: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"built the course book in {book.seconds:.1f} s: {len(book.chapters)} chapters "
          f"({len(book.reused)} reused from {args.executed}, {len(book.executed)} executed now)")
    print(f"  open {book.index.resolve()}")
    return 0


def _cmd_assign(args) -> int:
    from casekit.assign import AssignmentError, GradingError, make_assignments
    from casekit.resources import MissingResource

    try:
        release = make_assignments(args.chapters, args.out, solutions_dir=args.solutions, force=args.force)
    except (AssignmentError, MissingResource) as exc:
        print(f"casekit assign: {exc}", file=sys.stderr)
        return 2
    except GradingError as exc:
        print(f"casekit assign: {exc}", file=sys.stderr)
        return 1
    print(release.summary())
    return 0


def _cmd_grade(args) -> int:
    from casekit.assign import AssignmentError, GradingError, grade_submission

    try:
        report = grade_submission(args.notebook, args.course, student=args.student)
    except AssignmentError as exc:
        print(f"casekit grade: {exc}", file=sys.stderr)
        return 2
    except GradingError as exc:
        print(f"casekit grade: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    print(f"  graded notebook: {report.autograded}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="casekit", description="casekit: inventory-control curriculum tools")
    sub = ap.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="copy the curriculum, the apps and a README into a course folder")
    init.add_argument("directory", type=Path)
    init.add_argument("--force", action="store_true",
                      help="write into an existing non-empty folder, overwriting curriculum files of the same name")
    init.set_defaults(func=_cmd_init)
    sub.add_parser("notebooks", help="list the curriculum").set_defaults(func=_cmd_notebooks)
    run = sub.add_parser("run", help="rerun a notebook with parameters (papermill)")
    run.add_argument("notebook", type=Path)
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default a new build/runs/<name>-<time>-<suffix>/)")
    run.add_argument("--allow-any-notebook", action="store_true",
                     help="run a notebook that is not part of the casekit curriculum")
    run.set_defaults(func=_cmd_run)
    sw = sub.add_parser("sweep", help="run a notebook over a parameter grid on Dask")
    sw.add_argument("notebook", type=Path)
    sw.add_argument("--grid", required=True, help='e.g. "scenario=none,supplier_shutdown outlets=500,2000"')
    sw.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    sw.add_argument("--dask", default="local", help="'local' (a LocalCluster) or a scheduler address tcp://HOST:PORT")
    sw.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    sw.add_argument("--out", type=Path, default=None,
                    help="output folder (default a new build/sweeps/<name>-<time>-<suffix>/)")
    sw.add_argument("--allow-any-notebook", action="store_true",
                    help="run a notebook that is not part of the casekit curriculum")
    sw.set_defaults(func=_cmd_sweep)
    apps = sub.add_parser("apps", help="serve the Voila app gallery on 127.0.0.1")
    apps.add_argument("--port", type=int, default=8866)
    apps.add_argument("--max-kernels", type=int, default=None,
                      help="most app sessions (kernels) alive at once; more visitors see a 'server busy' page "
                           "(default 10, or $CASEKIT_MAX_KERNELS)")
    apps.set_defaults(func=_cmd_apps)
    ex = sub.add_parser("execute-all", help="rerun every notebook and app into --out")
    ex.add_argument("--out", type=Path, default=Path("build/notebooks"))
    ex.set_defaults(func=_cmd_execute_all)
    book = sub.add_parser("book", help="build the course book: the executed curriculum as a static website")
    book.add_argument("--out", type=Path, default=Path("build/book"))
    book.add_argument("--executed", type=Path, default=Path("build/notebooks"),
                      help="executed notebooks to reuse when newer than their source (make notebooks writes them)")
    book.set_defaults(func=_cmd_book)
    assign = sub.add_parser("assign", help="make assignments of chapters' exercises: students' notebooks and "
                                           "the autograder (an nbgrader course folder)")
    assign.add_argument("chapters", nargs="+", metavar="CHAPTER", help="a chapter: 03, 03_safety_stock_convolution "
                                                                       "or its notebook")
    assign.add_argument("--out", type=Path, required=True, help="the course folder to write (nbgrader's layout)")
    assign.add_argument("--solutions", type=Path, default=None,
                        help="folder of the NN_slug.toml solution files (default instructors/assignments/)")
    assign.add_argument("--force", action="store_true",
                        help="make these chapters' assignments again in a course folder made before")
    assign.set_defaults(func=_cmd_assign)
    grade = sub.add_parser("grade", help="autograde a submitted assignment notebook (nbgrader, locally)")
    grade.add_argument("notebook", type=Path)
    grade.add_argument("--course", type=Path, required=True, help="the course folder casekit assign made")
    grade.add_argument("--student", default="student", help="the student to file it under (default 'student')")
    grade.set_defaults(func=_cmd_grade)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"casekit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
