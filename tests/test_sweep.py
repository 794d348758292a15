"""`casekit sweep`: a parameter grid run on a 2-worker Dask LocalCluster, gathered into one table."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from scipy import stats

from casekit.sweep import flatten, grid_points, parse_grid


def test_parse_grid_and_points():
    grid = parse_grid("scenario=none,supplier_shutdown outlets=500,2000")
    assert grid == {"scenario": ["none", "supplier_shutdown"], "outlets": [500, 2000]}
    assert grid_points(grid)[1] == {"scenario": "none", "outlets": 2000}
    assert len(grid_points(grid)) == 4


@pytest.mark.parametrize("text", ["seed", "seed=", "=1,2", "seed=1 seed=2", "", "seed=1,,2", "seed=1,",
                                  "seed=,1", "seed=1,1", "1seed=2", "seed=1, "])
def test_parse_grid_rejects_malformed_items(text):
    with pytest.raises(ValueError, match="grid"):
        parse_grid(text)


def test_parse_grid_reads_an_empty_value_as_an_error_not_as_a_shorter_grid():
    """The audit's reproducer: "seed=1,,2" used to be read silently as seed=1,2."""
    with pytest.raises(ValueError, match=r"'seed=1,,2' has an empty value at position 2"):
        parse_grid("seed=1,,2")


@pytest.mark.parametrize("text,kind", [
    ("seed=b'x'", "bytes"), ("seed=1,b'\"+str(__import__(\"os\").getpid())+\"'", "bytes"),
    ("seed={1}", "set"), ("seed={'a':1}", "dict"),
])
def test_parse_grid_values_are_data_never_code(text, kind):
    """A literal that is not plain data in --grid is refused (it used to run on the Dask worker)."""
    with pytest.raises(ValueError, match=f"parameter seed: a {kind} value"):
        parse_grid(text)


def test_sweep_refuses_a_code_payload_in_the_grid_with_one_line(repo_root, tmp_path, capsys):
    from casekit.cli import main

    code = main(["sweep", str(repo_root / "notebooks/00_welcome.ipynb"), "--out", str(tmp_path / "s"),
                 "--grid", "seed=b'\" + str(__import__(\"os\").system(\"id > pwned.txt\")) + \"'"])
    lines = capsys.readouterr().err.strip().splitlines()
    # the grid splits on spaces first, so the payload arrives cut short: refused either way
    assert code == 2 and len(lines) == 1 and lines[0].startswith("casekit sweep: parameter seed: "), lines
    assert "does not parse" in lines[0] or "a bytes value" in lines[0]
    assert not list(tmp_path.rglob("pwned.txt")) and not (repo_root / "notebooks" / "pwned.txt").exists()
    assert not (tmp_path / "s").exists()


def test_sweep_api_refuses_values_that_are_not_plain_data(repo_root, tmp_path):
    from casekit.runner import RunError
    from casekit.sweep import sweep

    with pytest.raises(RunError, match=r"parameter seed: a tuple value"):
        sweep(repo_root / "notebooks/00_welcome.ipynb", {"seed": [(1, 2)]}, out_dir=tmp_path / "s")
    with pytest.raises(RunError, match="not a casekit notebook"):
        sweep("/etc/hostname", {"seed": [1]}, out_dir=tmp_path / "s")


def test_flatten_nested_results():
    assert flatten({"hybrid": {"fill_rate": {"mean": 0.9, "ci": [0.8, 1.0]}}, "n": 3}) == {
        "hybrid.fill_rate.mean": 0.9, "hybrid.fill_rate.ci": [0.8, 1.0], "n": 3}
    # the run's own status is in runs.csv, not a metric
    assert flatten({"n": 3, "status": "complete", "error": None, "x": {"status": 1}}) == {"n": 3, "x.status": 1}


def test_sweep_on_a_two_worker_local_cluster(repo_root, tmp_path):
    out = tmp_path / "sweep"
    r = subprocess.run([sys.executable, "-m", "casekit", "sweep", "notebooks/00_welcome.ipynb",
                        "--grid", "seed=1,2 mean_demand=5,10", "-p", "stock", "8",
                        "--dask", "local", "--workers", "2", "--out", str(out)],
                       cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    table = pd.read_parquet(out / "results.parquet")
    csv = pd.read_csv(out / "results.csv")
    assert len(csv) == len(table)
    assert sorted(table["run"].unique()) == [0, 1, 2, 3]
    service = table[table["metric"] == "service_level"]
    for row in service.itertuples():
        assert row.value == pytest.approx(stats.poisson.cdf(8, row.mean_demand), rel=1e-12)
    # the simulated estimate depends on the seed, the exact value does not
    sim = table[(table["metric"] == "simulated_service_level") & (table["mean_demand"] == 10)]
    assert sim["value"].nunique() == 2
    assert (out / "summary.png").stat().st_size > 1000
    assert "status" not in set(table["metric"])
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["status"]) == ["ok"] * 4


def test_sweep_unknown_grid_parameter_stops_before_running(repo_root, tmp_path):
    r = subprocess.run([sys.executable, "-m", "casekit", "sweep", "notebooks/00_welcome.ipynb",
                        "--grid", "outlets=1,2", "--out", str(tmp_path / "s")],
                       cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "unknown parameter 'outlets'" in r.stderr and "valid parameters: seed" in r.stderr
    assert not (tmp_path / "s" / "run-000").exists()
