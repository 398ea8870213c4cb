"""Every task of every exercise, checked against the implementation COURSE_IMPL selects.

Run one task:      pytest -m ex00_mask_digits
Run one exercise:  pytest -m ex00
Check your work:   COURSE_IMPL=exercises pytest tests/exercises -m ex00
(``python3 course.py check 00_warmup`` gives the same verdicts with friendlier output.)
"""

from __future__ import annotations

import pytest

from course_lib.grading import exercise_names, get_exercise
from course_lib.grading.loader import load_submission, run_task
from tests.exercises.impl import impl_path


def _params():
    for name in exercise_names():
        prefix = "ex" + name.split("_", 1)[0]
        for task in get_exercise(name).tasks:
            marks = [pytest.mark.exercise, getattr(pytest.mark, prefix),
                     getattr(pytest.mark, f"{prefix}_{task.name}")]
            yield pytest.param(name, task.name, marks=marks, id=f"{name}::{task.name}")


@pytest.mark.parametrize(("exercise", "task"), list(_params()))
def test_task(exercise, task, pytestconfig):
    path = impl_path(exercise, pytestconfig.getoption("--impl"))
    module = load_submission(path)
    result = run_task(get_exercise(exercise).task(task), module)
    assert result.passed, f"{path.name} :: {task}: {result.reason}"
