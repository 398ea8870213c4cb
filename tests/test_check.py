"""Learner feedback: right verdicts, a hint, and never the expected value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from course_lib.check import check
from course_lib.grading.grader import REPO_ROOT
from tests.exercises.impl import load_solution
from tests.exercises.mutants import ex00_warmup as mutants

SOLUTION = load_solution("00_warmup")


def test_a_correct_function_passes(capsys):
    report = check("00_warmup", "mask_digits", fn=SOLUTION.mask_digits)
    assert report and report.passed == 1
    assert "mask_digits: correct" in capsys.readouterr().out


@pytest.mark.parametrize(("task", "mutant", "hidden"), [
    # the expected answers to the inputs the feedback names must not appear in it
    ("mask_digits", mutants.mask_keeps_first, ["******7890", "****-****-****-1234"]),
    ("mask_digits", mutants.mask_article_regex, ["******7890"]),
    ("laplace_scale", mutants.scale_inverted, ["2.0", "returned 0.5"]),
])
def test_a_wrong_function_fails_with_a_hint_and_no_answer(capsys, task, mutant, hidden):
    report = check("00_warmup", task, fn=mutant)
    out = capsys.readouterr().out
    assert not report and report.results[0].status == "failed"
    assert "hint:" in out
    for answer in hidden:
        assert answer not in out, f"feedback revealed {answer!r}"


def test_checking_the_file_reads_it_afresh(tmp_path):
    path = tmp_path / "00_warmup.py"
    path.write_text("def mask_digits(text, keep_last=4):\n    raise NotImplementedError\n")
    first = check("00_warmup", "mask_digits", path=path, quiet=True)
    assert first.results[0].status == "not_implemented"
    path.write_text((REPO_ROOT / "solutions" / "00_warmup.py").read_text())
    assert check("00_warmup", "mask_digits", path=path, quiet=True)
    assert check("00", path=path, quiet=True).passed == 4  # all tasks; "00" names the exercise


def test_bad_calls_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="exercise must be one of"):
        check("99_nothing")
    with pytest.raises(ValueError, match="task must be one of"):
        check("00_warmup", "no_such_task", fn=len)
    with pytest.raises(ValueError, match="task"):
        check("00_warmup", fn=len)
    with pytest.raises(TypeError, match="fn must be a function"):
        check("00_warmup", "mask_digits", fn=3)


def _shell(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=300)


def test_shell_check_of_one_task(tmp_path):
    ok = _shell("-m", "course_lib.grading", "check", "00_warmup", "mask_digits",
                "--path", "solutions/00_warmup.py")
    assert ok.returncode == 0 and "1/1 checked tasks pass" in ok.stdout
    notes = tmp_path / "notes.py"
    notes.write_text("# My answers\n\nI think the scale is epsilon over sensitivity.\n")
    wrong = _shell("-m", "course_lib.grading", "check", "00_warmup", "--path", str(notes))
    assert wrong.returncode == 1 and "cannot be imported" in wrong.stdout


def test_course_py_check_on_an_unsolved_file(tmp_path):
    from course_lib.grading.generate import make_exercise

    stub = tmp_path / "00_warmup.py"
    stub.write_text(make_exercise((REPO_ROOT / "solutions" / "00_warmup.py").read_text(), "00_warmup"))
    proc = _shell(str(REPO_ROOT / "course.py"), "check", "00", "laplace_scale", "--path", str(stub))
    assert proc.returncode == 1
    assert "laplace_scale() is not implemented yet" in proc.stdout and "hint:" in proc.stdout
