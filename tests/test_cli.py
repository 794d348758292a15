"""The `casekit` command line and papermill reruns, run as a user would run them."""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import time

import nbformat
import pytest
from scipy import stats

from casekit._record import record, write_json_atomic
from casekit.runner import default_out_dir, injected_source, parse_value, prepare_out_dir

WELCOME = "notebooks/00_welcome.ipynb"


def casekit(*args, cwd):
    return subprocess.run([sys.executable, "-m", "casekit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def casekit_here(capsys, *args):
    """The command line in this process (for refusals that happen before anything runs):
    returns (exit code, stderr lines)."""
    from casekit.cli import main

    code = main(list(args))
    return code, capsys.readouterr().err.strip().splitlines()


def test_notebooks_lists_the_curriculum_with_parameters(repo_root):
    r = casekit("notebooks", cwd=repo_root)
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.splitlines() if l.startswith("00_welcome.ipynb"))
    assert "Welcome to casekit" in line and "90 s" in line and "seed=0" in line and "mean_demand=10.0" in line


def test_run_writes_notebook_html_and_results(repo_root, tmp_path):
    out = tmp_path / "run"
    r = casekit("run", WELCOME, "-p", "seed", "7", "-p", "mean_demand", "20", "--out", str(out), cwd=repo_root)
    assert r.returncode == 0, r.stderr
    assert (out / "00_welcome.ipynb").exists() and (out / "00_welcome.html").exists()
    results = json.loads((out / "results.json").read_text())
    assert results["status"] == "complete"
    # independent computation of what the notebook should record for mean 20, stock 12
    assert results["service_level"] == pytest.approx(stats.poisson.cdf(12, 20), rel=1e-12)
    executed = json.loads((out / "00_welcome.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "seed = 7" in "".join(injected[0]["source"])
    assert "<html" in (out / "00_welcome.html").read_text()[:500].lower()


def test_unknown_parameter_stops_before_execution_with_one_line(repo_root, tmp_path):
    r = casekit("run", WELCOME, "-p", "no_such_param", "1", "--out", str(tmp_path / "x"), cwd=repo_root)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no_such_param" in lines[0] and "valid parameters: seed, mean_demand, stock, n_periods" in lines[0]
    assert not (tmp_path / "x" / "00_welcome.ipynb").exists(), "nothing may execute"


def test_bad_value_is_refused_before_execution_with_the_notebooks_rule(repo_root, tmp_path):
    """The welcome notebook's parameter spec refuses mean_demand -3 before a kernel starts."""
    out = tmp_path / "bad"
    r = casekit("run", WELCOME, "-p", "mean_demand", "-3", "--out", str(out), cwd=repo_root)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines == ["casekit run: 00_welcome.ipynb: mean_demand must be a number > 0, got -3"], r.stderr
    assert not out.exists(), "nothing may execute"


def _failing_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("demand = 5.0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import casekit\nif demand > 100:\n    raise ValueError(f'demand must be <= 100, got {demand!r}')\n"
        "casekit.record('service_level', 0.9)")]
    nbformat.write(nb, str(path))


def test_bad_value_ends_with_the_notebooks_own_message(repo_root, tmp_path):
    nb, out = tmp_path / "fails.ipynb", tmp_path / "bad"
    _failing_notebook(nb)
    out.mkdir()
    # a previous run's files in the same --out must not survive beside this run's
    (out / "results.json").write_text(json.dumps({"service_level": 0.5, "status": "complete"}))
    (out / "fails.html").write_text("<html>STALE-RUN-MARKER</html>")
    r = casekit("run", str(nb), "--allow-any-notebook", "-p", "demand", "300.0", "--out", str(out), cwd=repo_root)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("casekit run: fails.ipynb stopped in cell")
    assert "ValueError: demand must be <= 100, got 300.0" in last
    assert "Traceback" not in r.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["status"] == "failed" and "service_level" not in results
    assert "demand must be <= 100, got 300.0" in results["error"]
    assert "STALE-RUN-MARKER" not in (out / "fails.html").read_text()


@pytest.mark.parametrize("text,value", [
    ("7", 7), ("0.95", 0.95), ("-3", -3), ("true", True), ("False", False), ("None", None),
    ("none", "none"), ("supplier_shutdown", "supplier_shutdown"), ("[1, 2]", [1, 2]), ("1e-3", 1e-3),
])
def test_parse_value(text, value):
    assert parse_value(text) == value


# ----------------------------------------------------------------------------------------------
# Parameters are data, never code


PAYLOAD = "b'\" + str(__import__(\"os\").system(\"id > pwned.txt\")) + \"'"


def test_bytes_literal_payload_from_the_audit_does_not_run(repo_root, tmp_path):
    """The audit's reproducer: a bytes literal fell through papermill's "%s" fallback and ran `id`."""
    out = tmp_path / "payload"
    r = casekit("run", str(repo_root / WELCOME), "-p", "seed", PAYLOAD, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "parameter seed: a bytes value" in lines[0], r.stderr
    assert not list(tmp_path.rglob("pwned.txt")) and not (repo_root / "notebooks" / "pwned.txt").exists()
    assert not (out / "00_welcome.ipynb").exists(), "nothing may execute"


@pytest.mark.parametrize("text,kind", [
    (PAYLOAD, "bytes"), ("(1, 2)", "tuple"), ("{1, 2}", "set"), ("{'a': 1}", "dict"),
    ("[1, b'x']", "bytes"), ("1j", "complex"), ("[1, (2, 3)]", "tuple"),
])
def test_parse_value_refuses_literals_that_are_not_plain_data(text, kind):
    with pytest.raises(ValueError, match=f"parameter p: a {kind} value .* is not allowed"):
        parse_value(text, "p")


@pytest.mark.parametrize("text", ["[1, 2", "(1,", "'unclosed", "b'abc", "1e999", "-1e999"])
def test_parse_value_refuses_broken_or_infinite_literals(text):
    with pytest.raises(ValueError, match="parameter p"):
        parse_value(text, "p")


@pytest.mark.parametrize("value", [
    '" + str(__import__("os").system("id > pwned.txt")) + "',
    "\\\" + __import__('os').getcwd() + \"", "line\nbreak", "caf\u00e9 \x00", "'''", 7, -2.5, True, None,
    [1, "two", [3.0, None]],
])
def test_injected_parameter_is_one_literal_that_reads_back_the_same(value):
    """Independent check of what papermill writes: Python's own parser sees constants only (never a
    call, a name or an operator), and evaluating it as a literal gives the value back."""
    source = injected_source("p", value)
    tree = ast.parse(source, mode="eval").body
    assert all(isinstance(node, (ast.Constant, ast.List, ast.Load, ast.UnaryOp, ast.USub))
               for node in ast.walk(tree)), source
    assert ast.literal_eval(source) == value


def test_run_api_refuses_non_plain_values(repo_root, tmp_path):
    from casekit.runner import RunError, run_notebook

    with pytest.raises(RunError, match="parameter seed: a bytes value"):
        run_notebook(repo_root / WELCOME, {"seed": b"1"}, tmp_path / "x")
    with pytest.raises(RunError, match="parameter seed: nan is not a finite number"):
        run_notebook(repo_root / WELCOME, {"seed": float("nan")}, tmp_path / "x")
    assert not (tmp_path / "x").exists()


# ----------------------------------------------------------------------------------------------
# Runs: output folders, status, notebooks, one-line errors


def test_default_output_folders_of_runs_started_in_the_same_second_differ(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nb = tmp_path / "00_welcome.ipynb"
    names = {default_out_dir(nb).name for _ in range(50)}
    assert len(names) == 50
    a, b = prepare_out_dir(None, nb), prepare_out_dir(None, nb)
    assert a != b and a.is_dir() and b.is_dir() and a.parent == tmp_path / "build" / "runs"


def test_results_json_is_replaced_atomically_and_status_is_reserved(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], "no temporary file may remain"
    monkeypatch.setenv("CASEKIT_RESULTS", str(path))
    record("b", 3)
    assert json.loads(path.read_text()) == {"a": 2, "b": 3}
    with pytest.raises(ValueError, match="'status' is reserved"):
        record("status", "fine")


@pytest.mark.parametrize("target,message", [
    ("/etc/hostname", "is not a casekit notebook; run a notebook of the curriculum"),
    ("no_such_notebook.ipynb", "no notebook at"),
])
def test_run_refuses_files_outside_the_curriculum_with_one_line(capsys, target, message):
    code, lines = casekit_here(capsys, "run", target)
    assert code == 2
    assert len(lines) == 1 and message in lines[0], lines


def test_run_any_notebook_still_checks_it_is_a_notebook_without_echoing_the_file(capsys):
    code, lines = casekit_here(capsys, "run", "/etc/passwd", "--allow-any-notebook")
    assert code == 2
    assert len(lines) == 1 and "/etc/passwd is not a Jupyter notebook" in lines[0], lines
    assert "root:" not in lines[0]


def test_curriculum_notebook_copied_elsewhere_needs_allow_any_notebook(repo_root, tmp_path, capsys):
    copy = tmp_path / "00_welcome.ipynb"
    copy.write_text((repo_root / WELCOME).read_text())
    code, lines = casekit_here(capsys, "run", str(copy), "-p", "nope", "1")
    assert code == 2 and "--allow-any-notebook" in lines[0]
    code, lines = casekit_here(capsys, "run", str(copy), "-p", "nope", "1", "--allow-any-notebook")
    assert code == 2 and "unknown parameter 'nope'" in lines[0], "allowed: it gets as far as the names"


@pytest.mark.parametrize("out,message", [
    ("/proc/casekit-run", "cannot write to --out /proc/casekit-run"),
    ("/sys/casekit-run", "cannot write to --out /sys/casekit-run"),
    ("/proc", "cannot write to --out /proc"),
    ("FILE", "is a file, not a folder"),
])
def test_unwritable_out_is_one_line(repo_root, tmp_path, capsys, out, message):
    if out == "FILE":
        out = tmp_path / "a-file"
        out.write_text("x")
    code, lines = casekit_here(capsys, "run", str(repo_root / WELCOME), "--out", str(out))
    assert code == 2
    assert len(lines) == 1 and message in lines[0], lines


def _slow_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("seconds = 120")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\nimport casekit\ncasekit.record('first', 1)"),
                nbformat.v4.new_code_cell("time.sleep(seconds)"),
                nbformat.v4.new_code_cell("casekit.record('second', 2)")]
    nbformat.write(nb, str(path))


def test_ctrl_c_ends_with_one_line_and_status_interrupted(repo_root, tmp_path):
    """Ctrl-C reaches the whole foreground process group (casekit and its kernel), as in a terminal."""
    nb, out = tmp_path / "slow.ipynb", tmp_path / "run"
    _slow_notebook(nb)
    proc = subprocess.Popen([sys.executable, "-m", "casekit", "run", str(nb), "--allow-any-notebook",
                             "--out", str(out)], cwd=repo_root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while not (out / ".results.partial.json").exists():   # the first value is recorded: mid-run
        assert time.time() < deadline and proc.poll() is None, "the run did not start"
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casekit run: slow.ipynb interrupted"), err
    results = json.loads((out / "results.json").read_text())
    assert results == {"first": 1, "status": "interrupted", "error": results["error"]}


def test_apps_on_a_busy_port_fails_clearly(repo_root):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = casekit("apps", "--port", str(port), cwd=repo_root)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is in use" in lines[0], r.stderr
    assert "http://" not in r.stdout, "no URL may be announced"


@pytest.mark.parametrize("argv,env,message", [
    (["--max-kernels", "0"], None, "max_kernels must be a whole number >= 1, got 0"),
    (["--port", "70000"], None, "port must be a whole number from 1 to 65535, got 70000"),
    ([], "many", "CASEKIT_MAX_KERNELS must be a whole number >= 1, got 'many'"),
])
def test_apps_settings_are_checked_before_starting(capsys, monkeypatch, argv, env, message):
    if env is not None:
        monkeypatch.setenv("CASEKIT_MAX_KERNELS", env)
    code, lines = casekit_here(capsys, "apps", *(argv if "--port" in argv else ["--port", "1", *argv]))
    assert code == 2 and lines == [f"casekit apps: {message}"]


def test_a_kernel_that_does_not_start_is_started_once_more_and_nothing_else_is_retried():
    """Kernels started together (a sweep's workers) may race for one free port; the loser never
    answers and jupyter_client raises at start-up: the run starts its kernel again, once."""
    from casekit.runner import KERNEL_START_ATTEMPTS, _with_kernel_start_retry

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return "ran"

    assert _with_kernel_start_retry(flaky) == "ran" and len(calls) == 2

    def never(exc):
        def run():
            calls.append(1)
            raise exc
        return run

    calls.clear()
    with pytest.raises(RuntimeError, match="Kernel didn't respond"):
        _with_kernel_start_retry(never(RuntimeError("Kernel didn't respond in 60 seconds")))
    assert len(calls) == KERNEL_START_ATTEMPTS == 2
    for other in (RuntimeError("a cell failed"), ValueError("Kernel didn't respond")):
        calls.clear()
        with pytest.raises(type(other)):
            _with_kernel_start_retry(never(other))
        assert len(calls) == 1
