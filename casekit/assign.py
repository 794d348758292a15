"""Assignments from the curriculum's exercises, graded with nbgrader (``casekit assign`` / ``casekit grade``).

A chapter's exercises end its notebook: each asks for a value in an answer cell that calls
``check("NN.k", answer)`` (:mod:`casekit.exercises`), which shows a tick or a hint at once.  An
assignment is that part of the chapter, handed out and graded:

- **The solutions** live beside the instructor guide, one file per chapter,
  ``instructors/assignments/NN_slug.toml``: for each exercise, the code that sets its answer and the
  points it is worth.  The curriculum notebooks themselves stay as learners get them (no solutions).
- **casekit assign** builds, for each chapter, the instructor's notebook: the chapter's title, its
  parameters and setup cells, then its exercise section, with each solution written into its answer
  cell between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` and, after each answer cell, a
  graded cell whose hidden test asks the same ``check`` for a tick.  nbgrader's
  ``generate_assignment`` then writes the students' version (solutions and hidden tests removed) to
  ``release/``.  The output folder is an ordinary nbgrader course folder (``nbgrader_config.py``,
  ``source/``, ``release/``, ``gradebook.db``), so every nbgrader command works there too.
- **casekit grade** puts a submitted notebook under ``submitted/<student>/``, runs nbgrader's
  ``autograde`` (locally, in this Python environment, offline) and reads the score of every exercise
  from the gradebook.

Students get one kind of feedback while they work, the ``check`` in each answer cell; the grade
counts the same checks, so a tick in the notebook is a point in the grade.

    casekit assign 03 04 --out course-assignments
    casekit grade submissions/ada.ipynb --course course-assignments --student ada
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AssignmentError", "GradingError", "ExerciseSolution", "Release", "ExerciseScore", "GradeReport",
           "chapter_notebook", "load_solutions", "assignment_notebook", "make_assignments", "grade_submission"]

#: The call an answer cell makes: ``check("03.1", answer_1)``.
_CHECK = re.compile(r'^\s*check\(\s*"(?P<name>\d{2}\.\d+)"\s*,\s*(?P<var>[A-Za-z_]\w*)\s*\)')
_ASSIGNMENT = re.compile(r"^\d{2}_[a-z0-9_]+$")
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_TESTS, END_TESTS = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

#: Written into every course folder ``casekit assign`` makes; nbgrader reads it from there.
NBGRADER_CONFIG = '''\
# nbgrader settings of this course folder (written by `casekit assign`; run nbgrader commands here).
c = get_config()
c.CourseDirectory.course_id = "casekit"
# A solution is removed without a stub: the answer cell keeps its `answer = None` line and its check.
c.ClearSolutions.code_stub = {"python": ""}
c.ClearSolutions.text_stub = ""
# Every cell of a submission runs, errors included, so one failing exercise costs only its points.
c.Execute.timeout = 300
'''


class AssignmentError(ValueError):
    """Bad input to ``casekit assign`` / ``casekit grade``; ``str()`` is one line naming the path."""


class GradingError(RuntimeError):
    """nbgrader itself failed (it could not run, or wrote no grades); the message says where to look."""


@dataclass(frozen=True)
class ExerciseSolution:
    """One exercise's entry in ``instructors/assignments/NN_slug.toml``.

    Attributes
    ----------
    name : str
        ``"NN.k"``, as the notebook's ``check`` call names it.
    solution : str
        Code that sets the answer variable (run in the assignment notebook, after its setup cells).
    points : float
        What the exercise counts in the grade.
    """

    name: str
    solution: str = field(repr=False)
    points: float = 1.0


@dataclass(frozen=True)
class Release:
    """What :func:`make_assignments` wrote.

    Attributes
    ----------
    course : Path
        The nbgrader course folder.
    assignments : tuple of str
        Assignment names, one per chapter (the chapter's file stem, e.g. ``03_safety_stock_convolution``).
    student_notebooks, instructor_notebooks : tuple of Path
        ``release/<name>/<name>.ipynb`` (hand these out) and ``source/<name>/<name>.ipynb`` (with solutions).
    exercises : tuple of tuple of str
        The graded exercises of each assignment.
    """

    course: Path
    assignments: tuple[str, ...]
    student_notebooks: tuple[Path, ...] = field(repr=False)
    instructor_notebooks: tuple[Path, ...] = field(repr=False)
    exercises: tuple[tuple[str, ...], ...] = field(repr=False)

    def summary(self) -> str:
        lines = [f"released {len(self.assignments)} assignment(s) in the nbgrader course folder {self.course}"]
        for name, student, ex in zip(self.assignments, self.student_notebooks, self.exercises):
            lines.append(f"  {name}: exercises {', '.join(ex)}; hand out {student}")
        lines.append(f"grade a submission: casekit grade SUBMISSION.ipynb --course {self.course} --student NAME")
        return "\n".join(lines)


@dataclass(frozen=True)
class ExerciseScore:
    """The score of one exercise in one submission."""

    exercise: str
    score: float
    max_score: float


@dataclass(frozen=True)
class GradeReport:
    """What :func:`grade_submission` found: the score of every exercise of one submission.

    Attributes
    ----------
    submission : Path
        The notebook that was graded.
    assignment, student : str
        The assignment it answers and the student it was filed under.
    scores : tuple of ExerciseScore
        One per exercise, in the notebook's order.
    autograded : Path
        The executed submission nbgrader wrote (``autograded/<student>/<assignment>/``).
    """

    submission: Path
    assignment: str
    student: str
    scores: tuple[ExerciseScore, ...]
    autograded: Path = field(repr=False)

    @property
    def score(self) -> float:
        return sum(s.score for s in self.scores)

    @property
    def max_score(self) -> float:
        return sum(s.max_score for s in self.scores)

    def by_exercise(self) -> dict[str, float]:
        """``{"03.1": 1.0, ...}``: the points each exercise earned."""
        return {s.exercise: s.score for s in self.scores}

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([(s.exercise, s.score, s.max_score) for s in self.scores],
                            columns=["exercise", "score", "max_score"]).set_index("exercise")

    def summary(self) -> str:
        lines = [f"{self.submission.name} ({self.assignment}, student {self.student}): "
                 f"{self.score:g} / {self.max_score:g}"]
        lines += [f"  {s.exercise}  {s.score:g} / {s.max_score:g}" for s in self.scores]
        return "\n".join(lines)


# ---------------------------------------------------------------------- the source notebooks
def chapter_notebook(chapter, root: Path | None = None) -> Path:
    """The curriculum notebook a chapter argument names: ``"03"``, ``"03_safety_stock_convolution"``,
    its ``.ipynb`` name, or a path to it."""
    from casekit.catalog import curriculum_paths

    text = str(chapter)
    if text.endswith(".ipynb") and Path(text).is_file():
        return Path(text).resolve()
    paths = curriculum_paths(root)
    stem = Path(text).name.removesuffix(".ipynb")
    found = [p for p in paths if p.stem == stem or (len(stem) == 2 and p.stem[:2] == stem)]
    if len(found) != 1:
        raise AssignmentError(f"chapter must be a curriculum notebook (NN or NN_slug); got {text!r}; "
                              f"the curriculum has {', '.join(p.stem[:2] for p in paths) or 'no chapters'}")
    return found[0]


def load_solutions(path) -> dict[str, ExerciseSolution]:
    """Read a chapter's solutions file (TOML: a table ``["NN.k"]`` per exercise with ``solution``
    and ``points``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssignmentError(f"no solutions file {path}: write it (the instructor guide's 'Assignments and "
                              f"grading' shows how) or point --solutions at the folder that holds it") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssignmentError(f"{path} is not a valid solutions file: {exc}") from None
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("solution"), str) or not entry["solution"].strip():
            raise AssignmentError(f"{path}: exercise {name!r} needs a non-empty string `solution`")
        points = entry.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
            raise AssignmentError(f"{path}: exercise {name!r} has points={points!r}; points must be a number > 0")
        unknown = set(entry) - {"solution", "points"}
        if unknown:
            raise AssignmentError(f"{path}: exercise {name!r} has unknown keys {sorted(unknown)}; "
                                  f"allowed are solution and points")
        out[name] = ExerciseSolution(name, entry["solution"].strip("\n"), float(points))
    return out


def _source(cell) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def _answer_cells(cells) -> dict[str, tuple[int, str]]:
    """``{"03.1": (cell index, answer variable)}`` for every answer cell of a notebook."""
    found = {}
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        for line in _source(cell).splitlines():
            m = _CHECK.match(line)
            if m:
                found[m["name"]] = (i, m["var"])
    return found


def _nbgrader_meta(grade_id: str, *, solution: bool, grade: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": grade, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def assignment_notebook(chapter_path, solutions: dict[str, ExerciseSolution]):
    """The instructor's notebook of one chapter's assignment (an ``nbformat`` notebook).

    Cells: a title, the chapter's ``parameters`` cell and the setup code cells after it, then the
    chapter's ``## Exercises`` section.  Each answer cell gets its solution between nbgrader's solution
    markers (after the learner's ``answer = None`` line, before ``check``), and is followed by a graded,
    locked cell whose hidden test asks ``casekit.exercises.check`` for a tick.
    """
    import nbformat

    path = Path(chapter_path)
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    params = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    start = [i for i, c in enumerate(cells)
             if c.cell_type == "markdown" and _source(c).lstrip().startswith("## Exercises")]
    if not params or not start:
        raise AssignmentError(f"{path} has no parameters cell or no '## Exercises' section to make an assignment of")
    setup_end = next((i for i in range(params[0] + 1, len(cells)) if cells[i].cell_type == "markdown"), len(cells))
    answers = _answer_cells(cells[start[0]:])
    missing, extra = sorted(set(answers) - set(solutions)), sorted(set(solutions) - set(answers))
    if missing or extra:
        raise AssignmentError(f"the solutions for {path.name} do not match its exercises: "
                              + "; ".join(([f"no solution for {', '.join(missing)}"] if missing else [])
                                          + ([f"no answer cell for {', '.join(extra)}"] if extra else [])))
    from casekit.catalog import notebook_title

    title = notebook_title(nb) or path.stem
    header = nbformat.v4.new_markdown_cell(
        f"# {title}: exercises\n\n"
        f"The exercises of the chapter `{path.name}`. Work through the chapter first, then answer each "
        "exercise in its cell: replace `None` with your answer. The `check` under each answer shows at once "
        "whether it is right (a tick) or gives a hint, never the answer; the grade counts the same checks. "
        "Run the whole notebook from the top before you hand it in.")
    out = [header] + [cells[i] for i in range(params[0], setup_end) if cells[i].cell_type == "code"]
    by_index = {i: (name, var) for name, (i, var) in answers.items()}
    for i in range(start[0], len(cells)):
        cell = cells[i]
        if i - start[0] not in by_index:
            out.append(cell)
            continue
        name, var = by_index[i - start[0]]
        sol = solutions[name]
        if not re.search(rf"^{re.escape(var)}\s*=", sol.solution, flags=re.MULTILINE):
            raise AssignmentError(f"the solution of {name} must set {var} (the variable its answer cell checks)")
        lines = _source(cell).splitlines()
        at = next(k for k, line in enumerate(lines) if _CHECK.match(line))
        cell.source = "\n".join(lines[:at] + [BEGIN_SOLUTION, sol.solution, END_SOLUTION] + lines[at:])
        key = name.replace(".", "_")
        cell.metadata["nbgrader"] = _nbgrader_meta(f"answer_{key}", solution=True, grade=False)
        out.append(cell)
        test = nbformat.v4.new_code_cell(
            f"# Exercise {name} is graded here, by the same check as above.\n{BEGIN_TESTS}\n"
            f"from casekit.exercises import check as _check\n"
            f'assert _check("{name}", {var}).correct, "exercise {name} is not answered correctly"\n{END_TESTS}')
        test.metadata["nbgrader"] = _nbgrader_meta(f"grade_{key}", solution=False, grade=True, points=sol.points)
        out.append(test)
    for cell in out:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = out
    nb.metadata.setdefault("casekit", {})["assignment"] = {
        "name": path.stem, "chapter": path.name, "exercises": [name for name, _ in sorted(by_index.values())]}
    return nb


# ---------------------------------------------------------------------- nbgrader
@contextmanager
def _nbgrader(course: Path):
    """nbgrader's Python API on ``course`` (its ``nbgrader_config.py``), run in this process.

    nbgrader runs this environment's ``alembic`` script when it creates a gradebook, so the
    environment's ``bin/`` goes first on PATH meanwhile (a venv's python may run without it).
    """
    try:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
    except ImportError:
        raise AssignmentError("casekit assign and casekit grade need nbgrader: pip install 'casekit[teach]'") from None
    from traitlets.config.loader import PyFileConfigLoader

    from sqlalchemy.exc import SAWarning

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.Application.log_level = "WARN"           # casekit prints its own summary; failures carry the log
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), old_path])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session bookkeeping, harmless
            yield NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    finally:
        os.environ["PATH"] = old_path


def _failure(result: dict, n: int = 12) -> str:
    text = (result.get("error") or "") + (result.get("log") or "")
    return "\n".join(text.strip().splitlines()[-n:])


def _solutions_dir(solutions_dir) -> Path:
    if solutions_dir is not None:
        return Path(solutions_dir)
    from casekit.catalog import project_root

    return project_root() / "instructors" / "assignments"


def make_assignments(chapters, out, solutions_dir=None, force: bool = False) -> Release:
    """Make the assignments of ``chapters`` in the nbgrader course folder ``out``.

    Parameters
    ----------
    chapters : sequence of str or Path
        Chapters as ``"03"``, ``"03_safety_stock_convolution"`` or notebook paths.
    out : str or Path
        The course folder; created if missing.  An existing folder is refused unless it is empty, or is
        a course folder ``casekit assign`` made before and ``force=True`` (then these chapters'
        assignments are made again; the gradebook and other assignments are kept).
    solutions_dir : str or Path, optional
        Where ``NN_slug.toml`` solution files are; default ``instructors/assignments`` of the course
        root (a source checkout).
    force : bool
        Remake assignments in an existing course folder.

    Raises
    ------
    AssignmentError
        An unknown chapter, a missing or malformed solutions file, solutions that do not match the
        chapter's exercises, or an output folder that cannot be used.
    GradingError
        nbgrader failed to generate the students' version.
    """
    import nbformat

    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False, got {force!r}")
    if isinstance(chapters, (str, Path)) or not len(chapters):
        raise AssignmentError(f"chapters must be a non-empty list of chapters; got {chapters!r}")
    paths = [chapter_notebook(c) for c in chapters]
    if len({p.stem for p in paths}) != len(paths):
        raise AssignmentError(f"chapters names a chapter twice: {[str(c) for c in chapters]}")
    sol_dir = _solutions_dir(solutions_dir)
    notebooks = [assignment_notebook(p, load_solutions(sol_dir / f"{p.stem}.toml")) for p in paths]

    course = Path(out).expanduser().resolve()
    config = course / "nbgrader_config.py"
    if course.exists() and not course.is_dir():
        raise AssignmentError(f"{course} is a file, not a folder")
    if course.is_dir() and any(course.iterdir()):
        if not config.is_file():
            raise AssignmentError(f"{course} is not empty and is not a casekit assignment folder; choose a new folder")
        if not force:
            raise AssignmentError(f"{course} already holds assignments; pass --force to make these chapters' again")
    course.mkdir(parents=True, exist_ok=True)
    config.write_text(NBGRADER_CONFIG, encoding="utf-8")
    students, instructors = [], []
    for path, nb in zip(paths, notebooks):
        name = path.stem
        source = course / "source" / name / f"{name}.ipynb"
        source.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, source)
        students.append(course / "release" / name / f"{name}.ipynb")
        instructors.append(source)
    with _nbgrader(course) as api:
        for path, release in zip(paths, students):
            result = api.generate_assignment(path.stem, force=True, create=True)
            if not result["success"] or not release.is_file():
                raise GradingError(f"nbgrader generate_assignment {path.stem} failed in {course}:\n{_failure(result)}")
            _check_release(path, release)
    return Release(course=course, assignments=tuple(p.stem for p in paths), student_notebooks=tuple(students),
                   instructor_notebooks=tuple(instructors),
                   exercises=tuple(tuple(nb.metadata["casekit"]["assignment"]["exercises"]) for nb in notebooks))


def _check_release(chapter: Path, release: Path) -> None:
    """Refuse a students' notebook whose answer cells differ from the chapter's (a solution left in)."""
    def code(cell):
        return [line for line in _source(cell).splitlines() if line.strip()]

    original = json.loads(chapter.read_text(encoding="utf-8"))["cells"]
    student = json.loads(release.read_text(encoding="utf-8"))["cells"]
    want = {name: code(original[i]) for name, (i, _) in _answer_cells(original).items()}
    got = {name: code(student[i]) for name, (i, _) in _answer_cells(student).items()}
    if want != got:
        raise GradingError(f"the students' notebook {release} does not match the chapter's answer cells "
                           f"(a solution may have survived); it was not released")


def _read_submission(path: Path) -> str:
    """The assignment name a submitted notebook carries, or AssignmentError naming the path."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssignmentError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise AssignmentError(f"{path} is not a casekit assignment: not a notebook (JSON)") from None
    meta = nb.get("metadata", {}).get("casekit", {}).get("assignment") if isinstance(nb, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise AssignmentError(f"{path} is not a casekit assignment (no casekit assignment metadata); "
                              f"grade the notebooks that casekit assign released")
    if not _ASSIGNMENT.match(meta["name"]):
        raise AssignmentError(f"{path} is not a casekit assignment: its assignment name {meta['name']!r} "
                              f"is not a chapter's (NN_slug)")
    return meta["name"]


def grade_submission(notebook, course, student: str = "student") -> GradeReport:
    """Grade one submitted notebook with nbgrader's ``autograde``; the score of every exercise.

    Parameters
    ----------
    notebook : str or Path
        A student's notebook: a copy of one that ``casekit assign`` released, answered.
    course : str or Path
        The course folder ``casekit assign`` made (with the assignment's source and gradebook).
    student : str
        The student it is filed under (letters, digits, ``_ . -``); a second submission of the same
        student replaces the first.

    Raises
    ------
    AssignmentError
        ``notebook`` is not a casekit assignment, ``course`` is not a course folder holding its
        assignment, or ``student`` is not a valid id.
    GradingError
        nbgrader could not grade it.
    """
    path = Path(notebook).expanduser().resolve()
    name = _read_submission(path)
    course = Path(course).expanduser().resolve()
    if not isinstance(student, str) or not _STUDENT_ID.match(student):
        raise AssignmentError(f"student must be letters, digits, '_', '.' or '-'; got {student!r}")
    source = course / "source" / name / f"{name}.ipynb"
    if not (course / "nbgrader_config.py").is_file() or not source.is_file():
        raise AssignmentError(f"{course} is not a course folder holding the assignment {name} "
                              f"(make it with: casekit assign {name[:2]} --out {course})")
    target = course / "submitted" / student / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    graded = course / "autograded" / student / name / f"{name}.ipynb"
    with _nbgrader(course) as api:
        result = api.autograde(name, student, force=True, create=True)
        if not result["success"] or not graded.is_file():
            raise GradingError(f"nbgrader autograde {name} failed for {path} in {course}:\n{_failure(result)}")
        with api.gradebook as gb:
            sub = gb.find_submission_notebook(name, name, student)
            grades = {g.name: (g.score, g.max_score) for g in sub.grades}
    exercises = json.loads(source.read_text(encoding="utf-8"))["metadata"]["casekit"]["assignment"]["exercises"]
    scores = []
    for ex in exercises:
        score, max_score = grades[f"grade_{ex.replace('.', '_')}"]
        scores.append(ExerciseScore(ex, float(score), float(max_score)))
    return GradeReport(submission=path, assignment=name, student=student, scores=tuple(scores), autograded=graded)
