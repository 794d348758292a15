"""The `casekit` command line and papermill reruns, run as a user would run them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from scipy import stats

from casekit.runner import parse_value

WELCOME = "notebooks/00_welcome.ipynb"


def casekit(*args, cwd):
    return subprocess.run([sys.executable, "-m", "casekit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


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


def test_bad_value_ends_with_the_notebooks_own_message(repo_root, tmp_path):
    r = casekit("run", WELCOME, "-p", "mean_demand", "-3", "--out", str(tmp_path / "bad"), cwd=repo_root)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("casekit run: 00_welcome.ipynb stopped in cell")
    assert "ValueError: mean_demand must be > 0, got -3.0" in last
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("text,value", [
    ("7", 7), ("0.95", 0.95), ("-3", -3), ("true", True), ("False", False), ("None", None),
    ("none", "none"), ("supplier_shutdown", "supplier_shutdown"), ("[1, 2]", [1, 2]), ("1e-3", 1e-3),
])
def test_parse_value(text, value):
    assert parse_value(text) == value
