"""Every exercise measured on answers written from its docstrings alone (``tests/exercises/answers``):
correct ones written in other ways than the reference, and plausible mistakes. A fair checker accepts
the correct ones and a strong one rejects the wrong ones, for a reason — in a notebook and through the
batch grader's data path alike.

Print the rates:  python -m tests.exercises.test_answer_rates [00 01 ...]
"""

from __future__ import annotations

import importlib
import sys

import pytest

from course_lib.grading import exercise_names, get_exercise
from course_lib.grading.loader import run_task
from course_lib.grading.remote import loopback

EXERCISES = exercise_names()
CORRECT_ACCEPTED, WRONG_REJECTED = 0.98, 0.97  # the goals the rates must meet


def _answers(name: str):
    return importlib.import_module(f"tests.exercises.answers.ex{name}")


def verdicts(name: str):
    """``(correct, wrong)``: lists of ``(task, function, result)`` for exercise ``name``."""
    answers, exercise = _answers(name), get_exercise(name)
    return tuple([(task, fn, run_task(exercise.task(task), fn=fn))
                  for task, fns in getattr(answers, kind).items() for fn in fns]
                 for kind in ("CORRECT", "WRONG"))


@pytest.mark.parametrize("name", EXERCISES)
def test_the_answer_set_is_large_enough(name):
    answers = _answers(name)
    assert set(answers.CORRECT) == set(answers.WRONG) == {t.name for t in get_exercise(name).tasks}
    assert sum(map(len, answers.CORRECT.values())) >= 10
    assert sum(map(len, answers.WRONG.values())) >= 25


@pytest.mark.parametrize("name", EXERCISES)
def test_correct_answers_are_accepted_and_wrong_ones_rejected(name):
    correct, wrong = verdicts(name)
    exercise = get_exercise(name)
    for task, fn, here in correct + wrong:
        there = run_task(exercise.task(task), fn=loopback(fn))
        assert (there.status, there.reason, there.hint) == (here.status, here.reason, here.hint), \
            f"{task}: {fn.__name__} is judged differently by the batch grader"
    refused = [f"{t}: {fn.__name__}: {r.reason}" for t, fn, r in correct if not r.passed]
    missed = [f"{t}: {fn.__name__}" for t, fn, r in wrong if r.passed]
    assert 1 - len(refused) / len(correct) >= CORRECT_ACCEPTED, "rejected:\n" + "\n".join(refused)
    assert 1 - len(missed) / len(wrong) >= WRONG_REJECTED, "accepted:\n" + "\n".join(missed)
    assert all(r.reason for _, _, r in wrong if not r.passed), "a rejection must say why"


if __name__ == "__main__":
    for name in EXERCISES:
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
