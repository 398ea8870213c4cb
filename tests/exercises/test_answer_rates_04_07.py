"""The checkers measured on an independent set of answers (``tests/exercises/answers``): written from
the docstrings alone, some correct in ways the reference is not written, some plausibly wrong. A fair
checker accepts the correct ones and a strong one rejects the wrong ones.

Print the rates:  python -m tests.exercises.test_answer_rates_04_07 [04 05 ...]
"""

from __future__ import annotations

import importlib
import sys

import pytest

from course_lib.grading import exercise_names, get_exercise
from course_lib.grading.loader import run_task

MEASURED = [n for n in exercise_names() if n[:2] in ("04", "05", "06", "07")]


def verdicts(name: str):
    """``(correct, wrong)``: lists of ``(task, function, result)`` for exercise ``name``."""
    answers = importlib.import_module(f"tests.exercises.answers.ex{name}")
    exercise = get_exercise(name)
    out = []
    for kind in ("CORRECT", "WRONG"):
        rows = []
        for task, fns in getattr(answers, kind).items():
            for fn in fns:
                rows.append((task, fn, run_task(exercise.task(task), fn=fn)))
        out.append(rows)
    return tuple(out)


@pytest.mark.parametrize("name", MEASURED)
def test_the_answer_set_is_large_enough(name):
    answers = importlib.import_module(f"tests.exercises.answers.ex{name}")
    assert set(answers.CORRECT) == set(answers.WRONG) == {t.name for t in get_exercise(name).tasks}
    assert sum(map(len, answers.CORRECT.values())) >= 10
    assert sum(map(len, answers.WRONG.values())) >= 25


@pytest.mark.parametrize("name", MEASURED)
def test_correct_answers_are_accepted_and_wrong_ones_rejected(name):
    correct, wrong = verdicts(name)
    refused = [f"{t}: {fn.__name__}: {r.reason}" for t, fn, r in correct if not r.passed]
    missed = [f"{t}: {fn.__name__}" for t, fn, r in wrong if r.passed]
    assert 1 - len(refused) / len(correct) >= 0.98, "correct answers rejected:\n" + "\n".join(refused)
    assert 1 - len(missed) / len(wrong) >= 0.97, "wrong answers accepted:\n" + "\n".join(missed)
    # a rejection always says why
    assert all(r.reason for _, _, r in wrong if not r.passed)


if __name__ == "__main__":
    for name in MEASURED:
        if len(sys.argv) > 1 and name[:2] not in sys.argv[1:]:
            continue
        correct, wrong = verdicts(name)
        ok = sum(r.passed for *_, r in correct)
        caught = sum(not r.passed for *_, r in wrong)
        print(f"{name}: correct accepted {ok}/{len(correct)} = {ok / len(correct):.0%}, "
              f"wrong rejected {caught}/{len(wrong)} = {caught / len(wrong):.0%}")
        for t, fn, r in correct:
            if not r.passed:
                print(f"   REFUSED  {t}: {fn.__name__}: {r.reason}")
        for t, fn, r in wrong:
            if r.passed:
                print(f"   ACCEPTED {t}: {fn.__name__}")
