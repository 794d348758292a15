"""Install casekit from a built wheel into a clean venv outside the checkout, and use it as a learner.

Steps (one test, timed per step in its output):
1. copy the sources a wheel is built from into a temporary folder and build the wheel with
   ``pip wheel --no-deps`` (pip's standard isolated build);
2. check the wheel holds every shipped data file and every curriculum notebook of the checkout;
3. make a venv outside the checkout whose ``.pth`` file points at this venv's site-packages (so the
   dependencies need no reinstall), ``pip install --no-deps`` the wheel into it, and check
   ``import casekit`` resolves to the new venv, not to the checkout or its editable install;
4. from an empty folder: ``casekit notebooks`` lists the curriculum shipped in the wheel, a dataset and an
   OR-Library instance load, ``casekit init course`` copies the curriculum (and refuses to do it twice);
5. in the course folder: ``casekit run`` reruns the welcome chapter into results.json, and the app
   gallery (``casekit apps``' Voila template) is built from the course's own apps.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "casekit", "notebooks")


def _clean_env(**extra) -> dict[str, str]:
    """The environment of a learner's shell: nothing pointing back at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "CASEKIT_ROOT", "JUPYTER_PATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", **extra)
    return env


def _run(cmd, cwd, timeout=300, env=None):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env=env or _clean_env())
    return r


def _shipped_files(repo_root: Path) -> set[str]:
    """What the wheel must hold: casekit/datasets' data files and the curriculum notebooks."""
    data = {str(p.relative_to(repo_root)) for p in (repo_root / "casekit" / "datasets").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    notebooks = {"casekit/curriculum/" + str(p.relative_to(repo_root))
                 for pattern in ("notebooks/*.ipynb", "notebooks/apps/*.ipynb") for p in repo_root.glob(pattern)}
    return data | notebooks


def test_wheel_installs_in_a_clean_venv_and_runs_the_curriculum(repo_root, tmp_path):
    times = {}
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)

    # 1. build
    src = tmp_path / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        path = repo_root / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copyfile(path, src / name)
    dist = tmp_path / "dist"
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q",
              "-w", dist, src], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = dist.glob("casekit-*.whl")
    times["build"] = time.perf_counter() - t0

    # 2. contents
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_shipped_files(repo_root) - names)
    assert not missing, f"not in the wheel: {missing}"
    assert "casekit/datasets/orlib/README.md" in names and "casekit/datasets/orlib/LICENSE.md" in names

    # 3. a clean venv outside the checkout, dependencies borrowed through a .pth file
    t = time.perf_counter()
    venv = tmp_path / "venv"
    r = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    py = venv / "bin" / "python"
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_casekit_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    r = _run([py, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q", wheel],
             cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    casekit_cli = venv / "bin" / "casekit"
    assert casekit_cli.is_file(), "the wheel installs the casekit command"
    times["venv + install"] = time.perf_counter() - t

    # 4. from an empty folder outside the checkout
    t = time.perf_counter()
    home = tmp_path / "learner"
    home.mkdir()
    r = _run([casekit_cli, "notebooks"], cwd=home)
    assert r.returncode == 0, r.stderr
    chapters = sorted(p.name for p in (repo_root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    listed = [line.split()[0] for line in r.stdout.splitlines() if not line.startswith("#")]
    assert listed == chapters
    assert str(site / "casekit" / "curriculum" / "notebooks") in r.stdout.splitlines()[0]

    r = _run([py, "-c", "import casekit, jupyter_client.kernelspec as k; "
              "from casekit.datasets.sales import load_sales; "
              "from casekit.optimization import load_orlib_cap, orlib_optimum; "
              "from casekit.framework import CALIBRATION_PATH; import casekit.resources as res; "
              "print(casekit.__file__, k.KernelSpecManager().get_kernel_spec('python3').argv[0], "
              "len(load_sales()), load_orlib_cap('cap41').m, orlib_optimum('cap41'), "
              "CALIBRATION_PATH.is_file(), res.data_dir())"], cwd=home)
    assert r.returncode == 0, r.stderr
    casekit_file, kernel_python, rows, m, optimum, calibration, data_dir = r.stdout.split()
    assert Path(casekit_file).is_relative_to(site), f"import casekit resolved to {casekit_file}, not the new venv"
    assert Path(kernel_python).parent == py.parent, f"notebook kernels would run {kernel_python}"
    # independent of the loaders: the shipped files themselves
    assert int(rows) == sum(1 for _ in open(repo_root / "casekit/datasets/sales/sales.csv")) - 1
    assert int(m) == int((repo_root / "casekit/datasets/orlib/cap41.txt").read_text().split()[0])
    assert float(optimum) == 1040444.375    # capopt.txt, OR-Library's published optimum of cap41
    assert calibration == "True" and Path(data_dir).is_relative_to(site)

    r = _run([casekit_cli, "init", "course"], cwd=home)
    assert r.returncode == 0, r.stderr
    course = home / "course"
    assert sorted(p.name for p in (course / "notebooks").glob("*.ipynb")) == chapters
    assert len(list((course / "notebooks" / "apps").glob("*.ipynb"))) == len(list((repo_root / "notebooks" / "apps").glob("*.ipynb")))
    assert (course / "README.md").read_text().startswith("# casekit course folder")
    r = _run([casekit_cli, "init", "course"], cwd=home)
    assert r.returncode == 2 and str(course) in r.stderr and len(r.stderr.strip().splitlines()) == 1
    times["list, load, init"] = time.perf_counter() - t

    # 5. in the course folder
    t = time.perf_counter()
    r = _run([casekit_cli, "run", "notebooks/00_welcome.ipynb", "-p", "n_periods", "200", "--out", "out"],
             cwd=course)
    assert r.returncode == 0, r.stdout + r.stderr
    results = json.loads((course / "out" / "results.json").read_text())
    assert results["status"] == "complete"
    from scipy import stats                       # the welcome chapter's stock 12 against Poisson(10)
    assert results["service_level"] == pytest.approx(stats.poisson.cdf(12, 10), rel=1e-12)
    times["run"] = time.perf_counter() - t

    t = time.perf_counter()
    voila_share = Path(sys.prefix) / "share" / "jupyter"   # where pip puts Voila's templates in a real install
    r = _run([py, "-c", "from casekit.apps import voila_command, voila_env; from casekit.catalog import project_root; "
              "import os; env = voila_env(); print(project_root(), voila_command(8866)[3]); "
              "print(env['JUPYTER_PATH'].split(os.pathsep)[0])"],
             cwd=course, env=_clean_env(JUPYTER_PATH=str(voila_share)))
    assert r.returncode == 0, r.stderr
    root, served, jupyter_dir = r.stdout.split()
    assert Path(root) == course and Path(served) == course / "notebooks" / "apps"
    gallery = (Path(jupyter_dir) / "voila" / "templates" / "casekit" / "tree.html").read_text()
    for app in (course / "notebooks" / "apps").glob("*.ipynb"):
        assert f"voila/render/{app.name}" in gallery
    times["apps"] = time.perf_counter() - t

    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print("wheel test: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
          + f"; total {time.perf_counter() - t0:.1f} s wall, {cpu:.1f} s CPU in subprocesses; "
          f"wheel {wheel.stat().st_size / 1e6:.2f} MB")
