"""Self-checks for the exercises at the end of each notebook.

A notebook ends with exercises such as::

    answer = None   # your reorder point here
    check("03.1", answer)

Every chapter has exercises of three kinds (``Exercise.kind``):

``"predict"``
    predict, then run: the learner writes down what will happen before a cell runs the experiment
    and shows it; ``check`` compares the prediction with the computed outcome.
``"derive"``
    a formula or a number worked out by hand, then checked.
``"diagnose"``
    a result that looks wrong is shown; the learner finds why and gives the corrected number.

``check`` compares the learner's answer with a value that casekit computes when asked (the
answer is never stored in the notebook or printed) and shows a tick, or a hint.  Each chapter
registers its exercises in a module ``casekit/exercises/chNN_*.py``; worked solutions for
instructors live outside the package, in ``instructors/solutions/`` (see its README).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Exercise", "CheckResult", "KINDS", "register", "check", "exercises"]

KINDS = ("predict", "derive", "diagnose")

_REGISTRY: dict[str, "Exercise"] = {}
_loaded = False


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    Parameters
    ----------
    name : str
        ``"NN.k"``: notebook number and exercise number, e.g. ``"03.2"``.
    prompt : str
        The question, as the notebook states it.
    expected : callable
        Computes the correct answer with casekit (a number, a sequence of numbers or a string).
    hint : str
        Shown on a wrong answer. It must not give the answer away.
    rtol, atol : float
        Tolerance for numeric answers (``math.isclose`` semantics, element-wise).
    kind : {"predict", "derive", "diagnose"} or None
        What the exercise asks the learner to do (see the module docstring); None while a chapter's
        exercises have not been sorted into the three kinds yet.
    """

    name: str
    prompt: str
    expected: Callable[[], object] = field(repr=False)
    hint: str
    rtol: float = 1e-6
    atol: float = 0.0
    kind: str | None = None

    def __post_init__(self):
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS} or None; got {self.kind!r}")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of ``check``: ``correct`` is True, False, or None when nothing was answered."""

    name: str
    correct: bool | None
    message: str

    def __bool__(self) -> bool:
        return bool(self.correct)

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour = {True: "#1b7f3b", False: "#b3261e", None: "#555"}[self.correct]
        return f'<div style="color:{colour};font-weight:600">{self.message}</div>'


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the bank; a name may be registered once."""
    if exercise.name in _REGISTRY and _REGISTRY[exercise.name] is not exercise:
        raise ValueError(f"exercise name {exercise.name!r} is already registered")
    _REGISTRY[exercise.name] = exercise
    return exercise


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True


def exercises() -> dict[str, Exercise]:
    """All registered exercises, by name."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def _matches(answer, expected, rtol: float, atol: float) -> bool:
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    try:
        a = np.asarray(answer, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if a.shape != e.shape:
        return False
    return bool(np.all([math.isclose(x, y, rel_tol=rtol, abs_tol=atol) for x, y in zip(a.ravel(), e.ravel())]))


def check(name: str, answer) -> CheckResult:
    """Check ``answer`` to exercise ``name``; returns a result that displays a tick or a hint.

    >>> check("00.1", None).correct is None
    True
    """
    bank = exercises()
    if name not in bank:
        raise ValueError(f"name must be one of the registered exercises {sorted(bank)}; got {name!r}")
    ex = bank[name]
    if answer is None or answer is ...:
        return CheckResult(name, None, f"Exercise {name}: not answered yet. {ex.prompt}")
    if _matches(answer, ex.expected(), ex.rtol, ex.atol):
        return CheckResult(name, True, f"\u2714 Exercise {name}: correct.")
    return CheckResult(name, False, f"\u2718 Exercise {name}: not yet. Hint: {ex.hint}")
