"""pyproject.toml, requirements-lock.txt and environment.yml must describe the same packages."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

# pip names whose conda-forge package has another name, or is split in several
CONDA_NAMES = {"dask": ["dask", "distributed"]}


def _pyproject(repo_root):
    data = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in data["dependencies"]]
    for group, items in data["optional-dependencies"].items():
        reqs += [Requirement(r) for r in items if not r.startswith("casekit")]
    return data, reqs


def _conda(repo_root) -> dict[str, SpecifierSet]:
    env = yaml.safe_load((repo_root / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if not isinstance(dep, str):
            continue
        name, _, spec = dep.partition(" ")
        out[canonicalize_name(name)] = SpecifierSet(spec.replace(" ", ""))
    return out


def _expected_conda(reqs) -> dict[str, SpecifierSet]:
    out = {}
    for r in reqs:
        for name in CONDA_NAMES.get(canonicalize_name(r.name), [r.name]):
            out[canonicalize_name(name)] = r.specifier
    return out


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject(repo_root):
    data, reqs = _pyproject(repo_root)
    conda = _conda(repo_root)
    expected = _expected_conda(reqs)
    python_spec = conda.pop("python")
    conda.pop("pip", None)
    assert python_spec == SpecifierSet(data["requires-python"])
    missing = sorted(set(expected) - set(conda))
    extra = sorted(set(conda) - set(expected))
    assert not missing, f"in pyproject but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject: {extra}"
    differ = {n: (str(expected[n]), str(conda[n])) for n in expected if expected[n] != conda[n]}
    assert not differ, f"version ranges differ (pyproject, environment.yml): {differ}"


def test_lock_pins_every_dependency_within_pyproject_ranges(repo_root):
    _, reqs = _pyproject(repo_root)
    pins = {}
    for line in (repo_root / "requirements-lock.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = Version(m.group(2))
    problems = []
    for r in reqs:
        names = [r.name] + [f"{x}" for x in (["distributed"] if canonicalize_name(r.name) == "dask" else [])]
        for name in names:
            pin = pins.get(canonicalize_name(name))
            if pin is None:
                problems.append(f"{name} is not pinned in requirements-lock.txt")
            elif name == r.name and pin not in r.specifier:
                problems.append(f"{name}=={pin} is outside pyproject's range {r.specifier}")
    assert not problems, problems


def test_lock_pins_exact_versions_only(repo_root):
    for line in (repo_root / "requirements-lock.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-\[\],]+==\S+$", line), f"not an exact pin: {line!r}"
