"""The self-check bank: every exercise accepts its correct answer and refuses a wrong one."""

import numpy as np
import pytest

from casekit.exercises import Exercise, check, exercises, register


@pytest.mark.parametrize("name", sorted(exercises()))
def test_each_exercise_accepts_the_right_answer_and_hints_on_a_wrong_one(name):
    ex = exercises()[name]
    right = ex.expected()
    assert check(name, right).correct is True
    if isinstance(right, str):
        wrong = right + " not"
    else:
        arr = np.asarray(right, dtype=float)
        wrong = (arr + np.maximum(np.abs(arr) * 0.1, 1.0)).tolist() if arr.ndim else float(arr) * 1.1 + 1
    result = check(name, wrong)
    assert result.correct is False
    assert ex.hint in result.message
    shown = result.message.replace(ex.hint, "").replace(f"Exercise {name}", "")  # the name is not the answer
    assert str(right) not in shown, "a wrong answer must not reveal the answer"


def test_unanswered_exercise_shows_the_prompt():
    name = sorted(exercises())[0]
    result = check(name, None)
    assert result.correct is None and exercises()[name].prompt in result.message


def test_unknown_exercise_name_is_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        check("99.99", 1)


def test_a_name_cannot_be_registered_twice():
    name = sorted(exercises())[0]
    with pytest.raises(ValueError, match="already registered"):
        register(Exercise(name, "p", lambda: 1, "h"))


# Chapters whose exercises are still to be sorted into the three kinds (none left).
PENDING_KINDS: set = set()


def test_every_chapter_has_a_predict_a_derive_and_a_diagnose_exercise():
    kinds: dict[str, set] = {}
    for name, ex in exercises().items():
        kinds.setdefault(name[:2], set()).add(ex.kind)
    for chapter, found in sorted(kinds.items()):
        if chapter in PENDING_KINDS:
            continue
        assert {"predict", "derive", "diagnose"} <= found, f"chapter {chapter} has kinds {sorted(found, key=str)}"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        Exercise("99.1", "p", lambda: 1, "h", kind="quiz")
