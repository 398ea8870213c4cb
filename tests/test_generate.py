"""exercises/ is generated from solutions/ and must never go stale."""

from __future__ import annotations

import subprocess

import pytest

from course_lib.grading.generate import MarkerError, make_exercise, stale_exercises, write_exercises
from course_lib.grading.grader import REPO_ROOT

pytestmark = pytest.mark.grading


def test_exercises_are_up_to_date():
    stale = stale_exercises(REPO_ROOT)
    assert not stale, f"exercises/ out of date for {stale}: run `python3 course.py exercises`"


def test_staleness_is_detected_but_a_learners_edits_are_not(tmp_path):
    git = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True,  # noqa: E731
                                    capture_output=True)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "99_demo.py").write_text(SOURCE)
    assert stale_exercises(tmp_path) == ["99_demo.py"]  # never generated
    write_exercises(tmp_path)
    assert stale_exercises(tmp_path) == []
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    exercise = tmp_path / "exercises" / "99_demo.py"
    exercise.write_text(exercise.read_text().replace("raise NotImplementedError", "return 0  #"))
    assert stale_exercises(tmp_path) == []  # a learner at work
    (tmp_path / "solutions" / "99_demo.py").write_text(SOURCE.replace("Circle area.", "Area of a circle."))
    assert stale_exercises(tmp_path) == ["99_demo.py"]  # the solution moved on
    (tmp_path / "exercises" / "98_orphan.py").write_text("")
    assert stale_exercises(tmp_path) == ["99_demo.py", "98_orphan.py"]


SOURCE = '''"""Doc."""
import math


def area(r):
    """Circle area."""
    # BEGIN SOLUTION
    return math.pi * r * r
    # END SOLUTION


class Shape:
    def perimeter(self, r):
        # BEGIN SOLUTION
        return 2 * math.pi * r
        # END SOLUTION
'''


def test_make_exercise_replaces_only_the_marked_code():
    text = make_exercise(SOURCE, "99_demo")
    assert "math.pi * r * r" not in text and "2 * math.pi" not in text
    assert '    raise NotImplementedError("write area() here")\n' in text
    assert '        raise NotImplementedError("write perimeter() here")\n' in text
    assert '"""Circle area."""' in text and "import math" in text
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "python3 course.py check 99_demo" in text
    compile(text, "99_demo.py", "exec")


@pytest.mark.parametrize(("source", "message"), [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without BEGIN"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    # END SOLUTION\n", "inside another"),
])
def test_unbalanced_markers_are_errors(source, message):
    with pytest.raises(MarkerError, match=message):
        make_exercise(source, "99_demo")


def test_write_exercises_writes_only_what_changed(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "99_demo.py").write_text(SOURCE)
    assert [p.name for p in write_exercises(tmp_path)] == ["99_demo.py"]
    assert write_exercises(tmp_path) == []
    (tmp_path / "exercises" / "99_demo.py").write_text("stale")
    assert [p.name for p in write_exercises(tmp_path)] == ["99_demo.py"]
