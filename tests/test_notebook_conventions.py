"""DESIGN.md's notebook conventions, checked on every committed notebook (no kernel needed)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from casekit.catalog import app_paths, curriculum_paths, notebook_title
from casekit.exercises import exercises
from casekit.params import notebook_spec

ROOT = Path(__file__).resolve().parent.parent
CURRICULUM = curriculum_paths()
APPS = app_paths()
ALL = CURRICULUM + APPS


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell) -> str:
    return "".join(cell.get("source", ""))


def test_there_is_a_curriculum():
    assert CURRICULUM and CURRICULUM[0].name == "00_welcome.ipynb"
    assert all(p.parent == ROOT / "notebooks" for p in CURRICULUM)


def test_no_stray_notebooks():
    names = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert names == {p.name for p in CURRICULUM}, "curriculum notebooks are named NN_slug.ipynb"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_kernel_is_python3(path):
    assert _nb(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_committed_without_error_outputs(path):
    for cell in _nb(path)["cells"]:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} carries a committed error output"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    """Outputs are build artefacts (`make notebooks` writes them under build/)."""
    assert all(not c.get("outputs") for c in _nb(path)["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", CURRICULUM, ids=lambda p: p.name)
def test_first_code_cell_is_tagged_parameters(path):
    code = [c for c in _nb(path)["cells"] if c["cell_type"] == "code"]
    assert code and "parameters" in code[0].get("metadata", {}).get("tags", []), \
        f"{path.name}: the first code cell must be tagged 'parameters'"
    assert re.search(r"^\s*seed\s*=", _source(code[0]), re.M), f"{path.name}: no seed parameter"


# Chapters that still check their parameters line by line and record results cell by cell (none left).
NOT_YET_ONE_CALL: set = set()


@pytest.mark.parametrize("path", [p for p in CURRICULUM if p.name[:2] not in NOT_YET_ONE_CALL], ids=lambda p: p.name)
def test_parameters_checked_in_one_call_and_results_recorded_in_one_place(path):
    code = [c for c in _nb(path)["cells"] if c["cell_type"] == "code"]
    assert "check_parameters(" in _source(code[1]), \
        f"{path.name}: the cell after the parameters must check them all with one check_parameters call"
    spec = notebook_spec(path)
    assert spec is not None, f"{path.name}: casekit run cannot read the parameter spec without running it"
    tree = ast.parse(_source(code[0]))
    names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    assert set(spec) == names, f"{path.name}: spec and parameters cell differ: {sorted(set(spec) ^ names)}"
    rest = "\n".join(_source(c) for c in code[2:])
    assert not re.search(r"\bcheck_(int|real|positive|nonnegative|probability|choice|array)\(", rest), \
        f"{path.name}: parameters are checked in the one check_parameters call"
    assert "casekit.record(" not in rest, f"{path.name}: results are recorded in one record_results call"
    assert rest.count("record_results(") == 1, f"{path.name}: one record_results call"


@pytest.mark.parametrize("path", CURRICULUM, ids=lambda p: p.name)
def test_title_learning_goals_and_exercises(path):
    nb = _nb(path)
    md = [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert md and md[0].startswith("# "), f"{path.name}: must open with a '# Title' cell"
    assert sum(line.startswith("# ") for s in md for line in s.splitlines()) == 1, "exactly one '# Title'"
    assert any("## What you will learn" in s for s in md), f"{path.name}: no 'What you will learn'"
    assert any(s.lstrip().startswith("## Exercises") for s in md), f"{path.name}: no '## Exercises'"


@pytest.mark.parametrize("path", CURRICULUM, ids=lambda p: p.name)
def test_exercises_are_registered_and_have_solutions(path):
    code = "\n".join(_source(c) for c in _nb(path)["cells"] if c["cell_type"] == "code")
    names = re.findall(r"check\(\s*[\"'](\d{2}\.\d+)[\"']", code)
    assert names, f"{path.name}: no exercise self-checks"
    bank = exercises()
    solutions = list((ROOT / "instructors" / "solutions").glob(f"{path.name[:2]}_*.md"))
    assert solutions, f"{path.name}: no instructors/solutions/{path.name[:2]}_*.md"
    text = "\n".join(s.read_text() for s in solutions)
    for name in names:
        assert name.startswith(path.name[:2]), f"{path.name}: exercise {name} belongs to another notebook"
        assert name in bank, f"{path.name}: exercise {name} is not registered in casekit.exercises"
        assert name in text, f"{path.name}: exercise {name} has no worked solution"


# Chapters whose exercises are still to be sorted into the three kinds (none left).
PENDING_KINDS: set = set()


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", [p for p in CURRICULUM if p.name[:2] not in PENDING_KINDS], ids=lambda p: p.name)
def test_every_exercise_question_is_printed_and_its_hint_teaches_the_idea(path):
    nb = _nb(path)
    code = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    markdown = _words("\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"))
    bank = exercises()
    for name in re.findall(r"check\(\s*[\"'](\d{2}\.\d+)[\"']", code):
        ex = bank[name]
        assert _words(ex.prompt) in markdown, f"{path.name}: the question of {name} is not printed"
        assert "casekit" not in ex.hint and not re.search(r"\b[a-z]{2,}_[a-z_]{2,}\b", ex.hint), \
            f"{name}: a hint teaches the idea, it does not name a function or attribute"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_plots_end_with_plt_show(path):
    for cell in _nb(path)["cells"]:
        src = _source(cell).rstrip()
        if cell["cell_type"] == "code" and re.search(r"\bplt\.|\bax\.", src) and "subplots" in src:
            assert src.splitlines()[-1].strip() == "plt.show()", f"{path.name}: end plot cells with plt.show()"


@pytest.mark.parametrize("path", CURRICULUM, ids=lambda p: p.name)
def test_budget_at_most_90_seconds(path):
    budget = _nb(path).get("metadata", {}).get("casekit", {}).get("time_budget_s", 90)
    assert budget <= 90


@pytest.mark.parametrize("path", CURRICULUM, ids=lambda p: p.name)
def test_no_downloads_at_run_time(path):
    code = "\n".join(_source(c) for c in _nb(path)["cells"] if c["cell_type"] == "code")
    for banned in ("load_gasoline", "urlopen", "requests.get", "wget ", "curl "):
        assert banned not in code, f"{path.name} downloads at run time ({banned})"


@pytest.mark.parametrize("path", APPS, ids=lambda p: p.name)
def test_app_has_gallery_sentence_and_browser_test(path):
    nb = _nb(path)
    assert notebook_title(nb), f"{path.name}: an app needs a '# Title'"
    assert nb["metadata"].get("casekit", {}).get("description"), f"{path.name}: no casekit.description"
    assert (ROOT / "tests" / "browser" / f"test_app_{path.stem}.py").exists(), f"{path.name}: no browser test"


def test_readme_curriculum_map_lists_every_notebook_and_app():
    readme = (ROOT / "README.md").read_text()
    for path in ALL:
        assert f"| {path.name} |" in readme or f"[{path.name}]" in readme, f"README does not list {path.name}"
