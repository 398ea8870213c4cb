"""Which implementation of an exercise the tests check: solutions, exercises, or any submission.

``COURSE_IMPL`` (or pytest's ``--impl``) is ``solutions`` (default), ``exercises``, a folder holding
``NN_topic.py`` files, or one file (for a run restricted to one exercise).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from course_lib.grading.loader import load_submission

REPO = Path(__file__).resolve().parents[2]


def impl_path(exercise: str, impl: str | None = None) -> Path:
    impl = impl or os.environ.get("COURSE_IMPL", "solutions")
    if impl in ("solutions", "exercises"):
        return REPO / impl / f"{exercise}.py"
    path = Path(impl)
    return path / f"{exercise}.py" if path.is_dir() else path


@functools.cache
def load_solution(exercise: str):
    return load_submission(REPO / "solutions" / f"{exercise}.py")
