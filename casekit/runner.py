"""Rerun a notebook with parameters (papermill), the engine behind ``casekit run``.

A run writes, into its own output folder, the executed notebook, an HTML export, ``kernel.log``
(what the kernel printed to stderr, when anything) and ``results.json``
(everything the notebook passed to :func:`casekit.record`, plus a ``status`` field: ``running`` while
the notebook executes, then ``complete``, ``failed`` or ``interrupted``; a failed or interrupted run
also has an ``error`` line).  results.json is replaced atomically, so a reader never sees half a file.

Parameters are data, never code: each value must be a number, a string, true/false, None or a list
of these (:func:`parse_value`, :func:`check_value`), and papermill injects it as a Python literal that
is checked to read back as the same value.  Parameter names are checked against the notebook's
``parameters`` cell, and values against the notebook's parameter spec (:mod:`casekit.params`), *before*
anything executes; a value the notebook itself rejects later ends the run with the notebook's own
message (:class:`RunError`), not a traceback wall.  Only the notebooks and apps of
the curriculum run unless ``allow_any_notebook=True``.
"""

from __future__ import annotations

import ast
import json
import math
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from casekit._record import RESERVED_NAMES, RESULTS_ENV, write_json_atomic
from casekit.catalog import app_paths, curriculum_paths, notebook_parameters

ALLOWED_VALUES = "a number, a string, true/false, None or a list of these"
PARTIAL_RESULTS = ".results.partial.json"


class RunError(RuntimeError):
    """A notebook run that did not finish; ``str()`` is one line a person can act on.
    ``exit_code`` is what ``casekit run`` returns for it."""

    exit_code = 1


class RunRefused(RunError):
    """A run refused before anything executed (unknown notebook or parameter, a value that is not
    plain data, an unwritable output folder)."""

    exit_code = 2


class RunInterrupted(RunError):
    """A run stopped by Ctrl-C (SIGINT); results.json has status ``interrupted``."""

    exit_code = 130


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote its outputs, what it recorded and how long it took (seconds)."""

    notebook: Path
    out_dir: Path
    executed: Path
    html: Path
    results_json: Path
    results: dict = field(repr=False)
    seconds: float


def _short(text, limit: int = 60) -> str:
    """``repr`` of ``text`` cut to ``limit`` characters: always one line."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


def check_value(name: str, value):
    """Return ``value`` if it is plain data (:data:`ALLOWED_VALUES`), else raise ``TypeError``.

    Exact built-in types only (a ``str`` subclass could change how it prints), finite numbers only,
    and the literal papermill will inject must read back as the same value.
    """
    kind = type(value)
    if kind is list:
        for item in value:
            check_value(name, item)
    elif kind is float and not math.isfinite(value):
        raise TypeError(f"parameter {name}: {value!r} is not a finite number")
    elif value is not None and kind not in (bool, int, float, str):
        raise TypeError(f"parameter {name}: a {kind.__name__} value ({_short(value)}) is not allowed; "
                        f"a value must be {ALLOWED_VALUES}")
    return value


def injected_source(name: str, value) -> str:
    """The Python literal papermill writes for ``value``; refuses any text that does not read back
    as exactly ``value`` (so a parameter can never become code)."""
    from papermill.translators import PythonTranslator

    check_value(name, value)
    source = PythonTranslator.translate(value)
    try:
        same = ast.literal_eval(source) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise TypeError(f"parameter {name}: {_short(value)} cannot be passed safely as a literal")
    return source


def parse_value(text: str, name: str = "value"):
    """Turn a command-line string into plain data: int, float, bool, None, a list of these, or a string.

    ``-p scenario none`` gives the string "none"; ``true``/``false`` in any case give booleans;
    ``'7'`` (quoted) gives the string "7".  Any other literal (tuple, set, dict, bytes, ...) and text
    that starts like a literal but does not parse raise ``ValueError``: a parameter is data, never code.
    """
    if type(text) is not str:
        raise TypeError(f"parameter {name}: expected text, got {type(text).__name__}")
    stripped = text.strip()
    if stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if stripped[:1] in ("[", "(", "{", "'", '"') or stripped[:2].lower() in ("b'", 'b"', "r'", 'r"'):
            raise ValueError(f"parameter {name}: {_short(text)} starts like a literal but does not parse; "
                             f"a value must be {ALLOWED_VALUES}") from None
        return text
    try:
        return check_value(name, value)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def check_parameters(notebook: Path, parameters: dict) -> dict[str, dict]:
    """Raise :class:`RunError` naming the valid parameters if any name is unknown."""
    valid = notebook_parameters(notebook)
    unknown = [name for name in parameters if name not in valid]
    if unknown:
        raise RunRefused(f"unknown parameter {', '.join(map(repr, unknown))} for {notebook.name}; "
                       f"valid parameters: {', '.join(valid) or '(none)'}")
    return valid


def check_allowed(notebook: Path, valid: dict[str, dict], parameters: dict, where: str = "") -> None:
    """Raise :class:`RunRefused` when ``parameters`` (on top of the notebook's defaults) break the
    notebook's own parameter spec (:func:`casekit.params.notebook_spec`): the line names each
    parameter, its value and what is allowed, before any kernel starts."""
    from casekit.params import ParameterError, check_notebook_values

    defaults = {name: info["default"] for name, info in valid.items()}
    problems = check_notebook_values(notebook, defaults, parameters)
    if problems:
        raise RunRefused(f"{notebook.name}{where}: {ParameterError(problems)}")


def resolve_notebook(notebook, allow_any_notebook: bool = False) -> Path:
    """The notebook file to run: a path, or the bare name of a curriculum notebook or app.

    Raises :class:`RunError` (one line) for a missing file, a file that is not a Jupyter notebook, or
    (unless ``allow_any_notebook``) a notebook that is not part of the casekit curriculum.
    """
    import nbformat

    known = {p.resolve(): p for p in curriculum_paths() + app_paths()}
    path = Path(notebook)
    if not path.exists():
        by_name = [p for p in known if p.name == path.name and len(path.parts) == 1]
        if not by_name:
            raise RunRefused(f"no notebook at {path.resolve()}")
        path = by_name[0]
    path = path.resolve()
    if not allow_any_notebook and path not in known:
        raise RunRefused(f"{path} is not a casekit notebook; run a notebook of the curriculum "
                       f"(`casekit notebooks` lists them) or pass --allow-any-notebook")
    if not path.is_file():
        raise RunRefused(f"{path} is not a file")
    try:
        nbformat.read(str(path), as_version=4)
    except OSError as exc:
        raise RunRefused(f"cannot read {path}: {exc.strerror or exc}") from None
    except Exception:  # JSON, encoding or schema: the file's content is never echoed
        raise RunRefused(f"{path} is not a Jupyter notebook (its content is not notebook JSON)") from None
    return path


def default_out_dir(notebook: Path, root: Path | None = None, kind: str = "runs") -> Path:
    """``build/<kind>/<name>-<YYYYmmdd-HHMMSS>-<6 hex>``: the random suffix keeps two runs started in
    the same second apart."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return (root or Path.cwd()) / "build" / kind / f"{Path(notebook).stem}-{stamp}-{secrets.token_hex(3)}"


def prepare_out_dir(out_dir, notebook: Path, kind: str = "runs") -> Path:
    """Create the output folder (a new unique one when ``out_dir`` is None) and check it is writable.

    Raises :class:`RunError` with one line for a path that is a file, cannot be created or cannot be
    written (e.g. under /proc or /sys, or on a read-only disk).
    """
    if out_dir is None:
        for _ in range(10):
            out = default_out_dir(notebook, kind=kind)
            try:
                out.mkdir(parents=True, exist_ok=False)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise RunRefused(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
        else:
            raise RunRefused(f"cannot find a free output folder name under {out.parent}")
        return out
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise RunRefused(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".casekit-write-check-"):
            pass
    except OSError as exc:
        raise RunRefused(f"cannot write to --out {out}: {exc.strerror or exc}") from None
    return out


def export_html(executed: Path, html: Path, exporter=None) -> None:
    """Write the HTML page of the executed notebook (``exporter``: an nbconvert ``HTMLExporter``
    made beforehand, see :func:`_html_exporter_in_background`)."""
    import nbconvert
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    body, _ = (exporter or nbconvert.HTMLExporter()).from_notebook_node(nb)
    html.write_text(body, encoding="utf-8")


def _html_exporter_in_background():
    """Import nbconvert and make its HTML exporter in a thread while the kernel runs the notebook
    (this process only waits for the kernel then): the page is written about a second sooner.
    Returns a function giving the exporter (None if making it failed: export_html makes its own)."""
    made = {}

    def make():
        try:
            import nbconvert

            made["exporter"] = nbconvert.HTMLExporter()
        except Exception:  # the page is a convenience; export_html tries again and reports nothing
            pass

    worker = threading.Thread(target=make, name="casekit-html-exporter", daemon=True)
    worker.start()

    def get():
        worker.join()
        return made.get("exporter")

    return get


def _without_slow_iri_grammar():
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    nbformat validates notebooks with jsonschema, whose format checker imports rfc3987_syntax
    when it is installed (Jupyter's event schemas pull it in); that module compiles an Earley
    grammar for IRIs when imported, about 2 s of every ``casekit run``.  No notebook schema has
    an IRI field, so the checker is not needed here.  Nothing changes once jsonschema is loaded."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)      # None: "import rfc3987_syntax" fails fast


#: How often a run tries to start its kernel.  Kernels started at the same moment on one machine
#: (a sweep's workers) can be handed the same free port; the one that loses the race cannot bind
#: it ("Address already in use" in kernel.log) and never answers: a second start gets new ports.
KERNEL_START_ATTEMPTS = 2

#: The start-up failures of jupyter_client worth a second start (raised before any cell runs).
_KERNEL_START_FAILURES = ("Kernel didn't respond", "Kernel died before replying")


def _with_kernel_start_retry(execute, attempts: int = KERNEL_START_ATTEMPTS):
    """``execute()``, started again (up to ``attempts`` times in all) when the kernel failed to
    start; any other error, or a start that fails every time, is raised as it is."""
    for attempt in range(1, attempts + 1):
        try:
            return execute()
        except RuntimeError as exc:
            if attempt == attempts or not str(exc).startswith(_KERNEL_START_FAILURES):
                raise
            print(f"casekit run: the kernel did not start ({exc}); starting it again", file=sys.stderr)


@contextmanager
def _stderr_to(log: Path):
    """Send file descriptor 2 to ``log`` for the duration: the kernel papermill starts inherits it,
    so its warnings and its own traceback on Ctrl-C land in the log, not on the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(log, "ab") as fh:
            os.dup2(fh.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def _without_output_widget_imitation():
    """Run papermill without nbclient's imitation of a front end for ipywidgets' ``Output`` widget.

    To capture what a cell prints inside ``with output:``, nbclient answers the kernel with comm
    messages of its own while the cell is still running.  With ipykernel 7 that exchange now and
    then leaves the cell's reply unanswered and the run waiting for ever (seen on the explorer
    widgets, about one run in four when two runs share the machine).  A headless run has no use for
    the imitation: without it, what a widget draws goes to the cell's outputs like any other output.
    """
    from nbclient.client import NotebookClient

    original = NotebookClient.on_comm_open_jupyter_widget
    NotebookClient.on_comm_open_jupyter_widget = lambda self, msg: None
    try:
        yield
    finally:
        NotebookClient.on_comm_open_jupyter_widget = original


def _recorded(partial: Path) -> dict:
    try:
        return json.loads(partial.read_text())
    except (OSError, ValueError):
        return {}


def run_notebook(notebook, parameters: dict | None = None, out_dir=None, *,
                 kernel_name: str = "python3", timeout: int | None = 1800,
                 allow_any_notebook: bool = False) -> RunResult:
    """Execute ``notebook`` with ``parameters`` into ``out_dir`` (default a new
    build/runs/<name>-<time>-<suffix>/).

    Raises :class:`RunError` for a notebook outside the curriculum (unless ``allow_any_notebook``),
    an unknown parameter or a value that is not plain data (before executing), an unwritable
    ``out_dir``, and a notebook that stops with an exception (after writing what ran, so the
    executed notebook can be inspected); :class:`RunInterrupted` on Ctrl-C.  results.json then has
    status ``failed`` or ``interrupted`` and the ``error`` line.
    """
    _without_slow_iri_grammar()
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = resolve_notebook(notebook, allow_any_notebook)
    parameters = dict(parameters or {})
    valid = check_parameters(notebook, parameters)
    for name, value in parameters.items():
        try:
            injected_source(name, value)
        except TypeError as exc:
            raise RunRefused(str(exc)) from None
    check_allowed(notebook, valid, parameters)
    out = prepare_out_dir(out_dir, notebook)
    executed = out / notebook.name
    html = out / (notebook.stem + ".html")
    results_json = out / "results.json"
    partial = out / PARTIAL_RESULTS
    kernel_log = out / "kernel.log"
    for stale in (executed, html, partial, kernel_log):      # never leave a previous run's files beside this one
        stale.unlink(missing_ok=True)
    write_json_atomic(results_json, {"status": "running"})
    previous = os.environ.get(RESULTS_ENV)
    os.environ[RESULTS_ENV] = str(partial.resolve())
    start = time.perf_counter()
    status, error = "failed", None
    exporter = _html_exporter_in_background()
    try:
        with _stderr_to(kernel_log), _without_output_widget_imitation():
            _with_kernel_start_retry(lambda: papermill.execute_notebook(
                str(notebook), str(executed), parameters=parameters, kernel_name=kernel_name,
                cwd=str(notebook.parent), progress_bar=False, log_output=False, execution_timeout=timeout))
        status = "complete"
    except PapermillExecutionError as exc:
        if exc.ename == "KeyboardInterrupt":
            status, error = "interrupted", f"{notebook.name} interrupted in cell {exc.exec_count}"
        else:
            evalue = " ".join(str(exc.evalue).split())
            error = f"{notebook.name} stopped in cell {exc.exec_count}: {exc.ename}: {evalue}"
    except KeyboardInterrupt:
        status, error = "interrupted", f"{notebook.name} interrupted"
    except Exception as exc:  # kernel died, timeout, unreadable output: still one line and a status
        message = " ".join(str(exc).split()) or type(exc).__name__
        error = f"{notebook.name} could not finish: {type(exc).__name__}: {message[:200]}"
    finally:
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:   # a second Ctrl-C may not cut the record short
            handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if previous is None:
                os.environ.pop(RESULTS_ENV, None)
            else:
                os.environ[RESULTS_ENV] = previous
            results = _recorded(partial)
            summary = {**results, "status": status, **({"error": error} if error else {})}
            write_json_atomic(results_json, summary)
            partial.unlink(missing_ok=True)
            if kernel_log.exists() and kernel_log.stat().st_size == 0:
                kernel_log.unlink()
            if executed.exists():
                try:
                    export_html(executed, html, exporter())
                except Exception:  # an HTML copy is a convenience; the run's status is already written
                    pass
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, handler)
    seconds = time.perf_counter() - start
    if status == "interrupted":
        raise RunInterrupted(f"{error}; {len(results)} values recorded so far in {results_json} "
                             "(status 'interrupted')")
    if status == "failed":
        raise RunError(f"{error} (executed notebook: {executed})")
    return RunResult(notebook, out, executed, html, results_json, results, seconds)
