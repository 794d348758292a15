"""Where casekit's shipped files are: the datasets, the curriculum notebooks and the apps.

Everything casekit reads ships inside the package and is found through :mod:`importlib.resources`,
so a wheel installed with ``pip`` carries it and nothing depends on where the source code sits:

* ``casekit/datasets/`` -- the data the curriculum and the case studies read, one folder per dataset
  with a ``README.md`` data dictionary (``sales``, ``events``, ``electronics``, ``fmcg``), the
  OR-Library capacitated warehouse location instances (``orlib``, with their README and licence
  note) and ``framework_calibration.json``.  :func:`data_path` resolves a file in it.
* the curriculum: ``notebooks/NN_slug.ipynb`` and ``notebooks/apps/*.ipynb``.  A built wheel holds
  a copy under ``casekit/curriculum/``; in a source checkout it is the checkout's own ``notebooks/``
  folder.  :func:`shipped_curriculum` returns the folder that holds ``notebooks/``, and
  ``casekit init`` (:func:`casekit.course.init_course`) copies it into a course folder of your own.

A file that should ship but is missing raises :class:`MissingResource`, a ``FileNotFoundError``
whose message is one line naming the path.

>>> data_path("orlib", "capopt.txt").name
'capopt.txt'
>>> (shipped_curriculum() / "notebooks" / "00_welcome.ipynb").is_file()
True
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["MissingResource", "package_dir", "data_dir", "data_path", "shipped_curriculum",
           "is_shipped_copy"]

#: The folder, inside the installed package, that a built wheel puts the curriculum in.
CURRICULUM = "curriculum"


class MissingResource(FileNotFoundError):
    """A file casekit ships is missing; ``str()`` is one line naming the path."""


def package_dir() -> Path:
    """The installed ``casekit`` package folder (from :mod:`importlib.resources`)."""
    root = importlib.resources.files("casekit")
    if not isinstance(root, Path):
        raise MissingResource(f"casekit is imported from an archive ({root}); install it as files "
                              f"(pip install casekit-*.whl) so its data can be read")
    return root


def data_dir() -> Path:
    """``casekit/datasets/``: the shipped data, one folder per dataset."""
    return package_dir() / "datasets"


def data_path(*parts: str, must_exist: bool = True) -> Path:
    """The path of a shipped data file or folder, e.g. ``data_path("orlib", "cap41.txt")``.

    Raises :class:`MissingResource` naming the path when ``must_exist`` and it is not there.
    """
    path = data_dir().joinpath(*parts)
    if must_exist and not path.exists():
        raise MissingResource(f"casekit's data file {path} is missing; reinstall casekit "
                              f"(or restore it in a source checkout)")
    return path


def _holds_curriculum(root: Path) -> bool:
    return any((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def shipped_curriculum() -> Path:
    """The folder holding the curriculum that came with casekit (``notebooks/`` and
    ``notebooks/apps/`` inside it): the wheel's ``casekit/curriculum/``, or in a source checkout
    (where the wheel's copy is made from) the checkout's root folder."""
    packaged = package_dir() / CURRICULUM
    if _holds_curriculum(packaged):
        return packaged
    checkout = package_dir().parent
    if (checkout / "pyproject.toml").is_file() and _holds_curriculum(checkout):
        return checkout
    raise MissingResource(f"casekit's curriculum notebooks are missing: no {packaged / 'notebooks'}; "
                          f"reinstall casekit")


def is_shipped_copy(root: Path) -> bool:
    """True when ``root`` is the curriculum inside the installed package (read-only for a learner:
    copy it with ``casekit init``)."""
    try:
        return Path(root).resolve() == (package_dir() / CURRICULUM).resolve()
    except MissingResource:
        return False
