"""casekit assign / casekit grade: assignments made from chapters 00, 02, 03 and 04, graded with nbgrader.

The correct answers come from ``instructors/assignments/*.toml``: code that computes each answer
independently of the function ``check`` compares it with (a brute force over (r, Q), the loss
function summed by hand, the critical fractile of a Poisson); the wrong answer is the exercise's own
trap (chapter 03's diagnose exercise: the cycle-service reorder point offered as the fill-rate one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import nbformat
import pytest

from casekit.assign import (AssignmentError, assignment_notebook, chapter_notebook, grade_submission,
                            load_solutions, make_assignments)
from casekit.cli import main

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_FILES = sorted((ROOT / "instructors" / "assignments").glob("*.toml"))
CHAPTERS = ("00_welcome", "02_lead_time_variability", "03_safety_stock_convolution",
            "04_classical_inventory_policies")
CH03 = CHAPTERS.index("03_safety_stock_convolution")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return make_assignments(["00", "02", "03", "04"], tmp_path_factory.mktemp("assignments") / "course")


def _code(nb_path) -> str:
    nb = json.loads(nb_path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def _solution_lines(repo_root, stem):
    sols = load_solutions(repo_root / "instructors" / "assignments" / f"{stem}.toml")
    return [line.strip() for s in sols.values() for line in s.solution.splitlines() if line.strip()]


def test_release_has_a_students_and_an_instructors_notebook_per_chapter(release):
    assert release.assignments == CHAPTERS and len(SOLUTION_FILES) >= 2
    assert release.exercises == tuple(tuple(f"{c[:2]}.{k}" for k in (1, 2, 3)) for c in CHAPTERS)
    for name, student, source in zip(CHAPTERS, release.student_notebooks, release.instructor_notebooks):
        assert student == release.course / "release" / name / f"{name}.ipynb"
        assert source == release.course / "source" / name / f"{name}.ipynb"
        assert json.loads(student.read_text())["metadata"]["casekit"]["assignment"]["name"] == name
    assert (release.course / "gradebook.db").is_file() and (release.course / "nbgrader_config.py").is_file()


@pytest.mark.parametrize("index", range(len(CHAPTERS)))
def test_students_notebook_keeps_no_solution_line_and_no_hidden_test(repo_root, release, index):
    stem = CHAPTERS[index]
    lines = _solution_lines(repo_root, stem)
    student, source = _code(release.student_notebooks[index]), _code(release.instructor_notebooks[index])
    assert all(line in source for line in lines), "the instructor's notebook holds every solution line"
    leaked = [line for line in lines if line in student]
    assert not leaked, f"solution lines in the students' notebook: {leaked}"
    assert "_check(" in source and "_check(" not in student and "BEGIN" not in student
    # the students' answer cells are the chapter's, as learners know them
    chapter = _code(repo_root / "notebooks" / f"{stem}.ipynb")
    for m in re.finditer(r"^(\w+ = None .*)$", chapter, flags=re.MULTILINE):
        assert m[1] in student
    answers = [line for line in lines if re.match(r"(answer|prediction)_\d+ =", line)]
    assert len(answers) >= 3 and not [line for line in answers if line in chapter], \
        "the curriculum notebook carries no solution"


def _run_in_process(path):
    """Run a notebook's code cells in one namespace (no kernel): the value every check returns."""
    nb = nbformat.read(path, as_version=4)
    ns: dict = {}
    results = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.startswith("###"))
        last = src.strip().splitlines()[-1]
        m = re.match(r'check\("(\d\d\.\d+)", (\w+)\)$', last)
        exec(compile(src, str(path), "exec"), ns)
        if m:
            results[m[1]] = ns["check"](m[1], ns[m[2]]).correct
    return results


@pytest.mark.parametrize("solutions", SOLUTION_FILES, ids=lambda p: p.stem[:2])
def test_every_solution_file_answers_every_exercise_of_its_chapter_with_a_tick(solutions, tmp_path):
    nb = assignment_notebook(chapter_notebook(solutions.stem), load_solutions(solutions))
    nbformat.write(nb, tmp_path / "instructor.ipynb")
    results = _run_in_process(tmp_path / "instructor.ipynb")
    assert list(results) == nb.metadata["casekit"]["assignment"]["exercises"] and len(results) >= 3
    assert all(ok is True for ok in results.values()), results


@pytest.mark.parametrize("index", [CH03, CH03 + 1])
def test_the_students_copy_runs_with_every_exercise_unanswered(release, index):
    assert _run_in_process(release.student_notebooks[index]) == {e: None for e in release.exercises[index]}


def test_grading_the_instructors_notebook_gives_full_marks_and_a_wrong_answer_costs_its_exercise(release, tmp_path):
    source = release.instructor_notebooks[CH03]
    full = grade_submission(source, release.course, student="ada")
    assert full.by_exercise() == {"03.1": 1.0, "03.2": 1.0, "03.3": 1.0}
    assert (full.score, full.max_score) == (3.0, 3.0)
    assert full.autograded.is_file()

    # Exercise 03.3's trap: the 98% cycle-service reorder point (computed in the cell above it) offered
    # as the smallest reorder point with a 98% fill rate.
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if 'check("03.3", answer_3)' in c.source)
    cell.source = re.sub(r"^answer_3 = int\(.*$", "answer_3 = r_cycle", cell.source, flags=re.MULTILINE)
    assert "answer_3 = r_cycle" in cell.source
    graded_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "grade_03_3")
    graded_cell.source = "pass"    # emptying the graded cell does not help: nbgrader restores it
    wrong = tmp_path / "bob.ipynb"
    nbformat.write(nb, wrong)
    graded = grade_submission(wrong, release.course, student="bob")
    assert graded.by_exercise() == {"03.1": 1.0, "03.2": 1.0, "03.3": 0.0}
    assert list(graded.to_frame()["max_score"]) == [1.0, 1.0, 1.0]


def test_grading_a_notebook_that_is_not_an_assignment_is_one_line_naming_it(repo_root, release, tmp_path, capsys):
    chapter = repo_root / "notebooks" / f"{CHAPTERS[CH03]}.ipynb"
    with pytest.raises(AssignmentError, match=re.escape(str(chapter))):
        grade_submission(chapter, release.course)
    assert main(["grade", str(chapter), "--course", str(release.course)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("casekit grade: ") and str(chapter) in err and "\n" not in err

    text = tmp_path / "essay.ipynb"
    text.write_text("my essay, not a notebook")
    assert main(["grade", str(text), "--course", str(release.course)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(text) in err and "\n" not in err
    forged = json.loads(release.student_notebooks[0].read_text())
    forged["metadata"]["casekit"]["assignment"]["name"] = "../../elsewhere"
    (tmp_path / "forged.ipynb").write_text(json.dumps(forged))
    with pytest.raises(AssignmentError, match="is not a chapter's"):
        grade_submission(tmp_path / "forged.ipynb", release.course)
    with pytest.raises(AssignmentError, match="no such file"):
        grade_submission(tmp_path / "missing.ipynb", release.course)
    with pytest.raises(AssignmentError, match="student must be"):
        grade_submission(release.instructor_notebooks[0], release.course, student="../x")
    with pytest.raises(AssignmentError, match="is not a course folder"):
        grade_submission(release.instructor_notebooks[0], tmp_path)


def test_assign_refuses_unknown_chapters_missing_solutions_and_a_used_folder(repo_root, release, tmp_path, capsys):
    with pytest.raises(AssignmentError, match="chapter must be a curriculum notebook"):
        chapter_notebook("99")
    assert main(["assign", "05", "--out", str(tmp_path / "a"), "--solutions", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(tmp_path / "05_multi_echelon_structures.toml") in err and "\n" not in err
    assert not (tmp_path / "a").exists(), "nothing is written before the input is checked"
    used = tmp_path / "notes"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(AssignmentError, match="not a casekit assignment folder"):
        make_assignments(["03"], used)
    with pytest.raises(AssignmentError, match="pass --force"):
        make_assignments(["03"], release.course)


def test_solutions_that_do_not_match_the_chapters_exercises_are_refused(repo_root, tmp_path):
    sols = load_solutions(repo_root / "instructors" / "assignments" / f"{CHAPTERS[CH03]}.toml")
    chapter = chapter_notebook("03")
    with pytest.raises(AssignmentError, match="no solution for 03.3"):
        assignment_notebook(chapter, {k: v for k, v in sols.items() if k != "03.3"})
    bad = tmp_path / "03.toml"
    bad.write_text('["03.1"]\nsolution = "x = 1"\npoints = 0\n')
    with pytest.raises(AssignmentError, match="points must be a number > 0"):
        load_solutions(bad)
    bad.write_text('["03.1"]\nsolution = "x = 1"\n["03.2"]\nsolution = "prediction_2 = \\"lower\\""\n'
                   '["03.3"]\nsolution = "answer_3 = 88"\n')
    with pytest.raises(AssignmentError, match="the solution of 03.1 must set answer_1"):
        assignment_notebook(chapter, load_solutions(bad))
