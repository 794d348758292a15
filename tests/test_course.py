"""casekit init (course folders), the shipped-data helper and where the curriculum is found."""

from __future__ import annotations

import json

import pytest

from casekit import catalog, resources
from casekit.cli import main
from casekit.course import CourseFolderError, init_course


def _chapters(root):
    return sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_init_copies_every_chapter_and_app_byte_for_byte(repo_root, tmp_path):
    folder = init_course(tmp_path / "course")
    assert [p.name for p in folder.notebooks] == _chapters(repo_root)
    assert sorted(p.name for p in folder.apps) == sorted(p.name for p in (repo_root / "notebooks/apps").glob("*.ipynb"))
    for copy in folder.notebooks:
        assert copy.read_bytes() == (repo_root / "notebooks" / copy.name).read_bytes()
    for copy in folder.apps:
        assert copy.read_bytes() == (repo_root / "notebooks" / "apps" / copy.name).read_bytes()
    assert folder.overwritten == ()


def test_init_readme_names_every_chapter_by_its_title(repo_root, tmp_path):
    readme = init_course(tmp_path / "c").readme.read_text()
    for path in (repo_root / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        title = catalog.notebook_title(json.loads(path.read_text()))
        assert f"`notebooks/{path.name}`: {title}" in readme
    assert "casekit run notebooks/" in readme and "casekit apps" in readme


def test_init_refuses_a_non_empty_folder_naming_it(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("my notes")
    with pytest.raises(CourseFolderError, match=str(target)):
        init_course(target)
    assert not (target / "notebooks").exists(), "nothing may be written"


def test_init_force_overwrites_curriculum_files_and_keeps_the_others(repo_root, tmp_path):
    first = init_course(tmp_path / "c")
    edited = first.notebooks[0]
    edited.write_text("my edits")
    (first.path / "notes.txt").write_text("my notes")
    again = init_course(first.path, force=True)
    assert edited in again.overwritten and again.readme in again.overwritten
    assert edited.read_bytes() == (repo_root / "notebooks" / edited.name).read_bytes()
    assert (first.path / "notes.txt").read_text() == "my notes"


def test_init_into_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(CourseFolderError, match="is a file, not a folder"):
        init_course(target)
    with pytest.raises(TypeError, match="force must be True or False"):
        init_course(tmp_path / "x", force="yes")


def test_cli_init_refusal_is_one_line_naming_the_path(tmp_path, capsys):
    target = tmp_path / "c"
    assert main(["init", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    assert main(["init", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("casekit init: ") and str(target) in err[0] and "--force" in err[0]


def test_a_course_folder_is_where_casekit_works(tmp_path, monkeypatch):
    course = init_course(tmp_path / "c").path
    monkeypatch.delenv("CASEKIT_ROOT", raising=False)
    monkeypatch.chdir(course / "notebooks" / "apps")       # a kernel started inside the folder
    assert catalog.project_root() == course
    assert catalog.curriculum_paths() == sorted(course.glob("notebooks/[0-9][0-9]_*.ipynb"))
    assert catalog.apps_dir() == course / "notebooks" / "apps"


def test_outside_any_course_folder_the_shipped_curriculum_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("CASEKIT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert catalog.project_root() == resources.shipped_curriculum()
    assert [p.name for p in catalog.curriculum_paths()] == _chapters(resources.shipped_curriculum())


def test_data_path_finds_shipped_files_and_names_a_missing_one(repo_root):
    assert resources.data_path("orlib", "cap41.txt") == repo_root / "casekit" / "datasets" / "orlib" / "cap41.txt"
    with pytest.raises(resources.MissingResource) as err:
        resources.data_path("orlib", "cap999.txt")
    message = str(err.value)
    assert "\n" not in message and str(repo_root / "casekit/datasets/orlib/cap999.txt") in message
    assert isinstance(err.value, FileNotFoundError)
    assert not resources.data_path("nothing.csv", must_exist=False).exists()


def test_every_reader_uses_the_package_data(repo_root):
    from casekit import framework
    from casekit.datasets import DATASETS_DIR
    from casekit.optimization import ORLIB_DIR

    data = repo_root / "casekit" / "datasets"
    assert DATASETS_DIR == data and ORLIB_DIR == data / "orlib"
    assert framework.CALIBRATION_PATH == data / "framework_calibration.json"
    assert not (repo_root / "datasets").exists(), "data ships inside the package now"
