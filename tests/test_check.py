"""Learner feedback: right verdicts, a hint, and never the expected value."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import threading
import time
from datetime import datetime

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


# --------------------------------------------------------------------------- limits and feedback


def _endless(text, keep_last=4):
    while True:
        pass


def test_an_endless_loop_is_stopped_at_the_graders_limit(monkeypatch, capsys):
    import course_lib.check as check_module
    from course_lib.grading.grader import grade_submission

    assert check_module.TASK_TIMEOUT == inspect.signature(grade_submission).parameters["task_timeout"].default
    monkeypatch.setattr(check_module, "TASK_TIMEOUT", 0.5)
    started = time.monotonic()
    report = check("00_warmup", "mask_digits", fn=_endless)
    assert time.monotonic() - started < 5
    result = report.results[0]
    assert result.status == "timeout" and "did not finish within 0.5 s" in result.reason
    assert "grader's limit per task" in capsys.readouterr().out
    # the timer is gone: a correct answer afterwards passes, and nothing fires later
    assert check("00_warmup", "mask_digits", fn=SOLUTION.mask_digits, quiet=True)
    time.sleep(0.6)


def test_the_limit_holds_outside_the_main_thread_too(monkeypatch):
    import course_lib.check as check_module

    monkeypatch.setattr(check_module, "TASK_TIMEOUT", 0.5)
    box = []
    worker = threading.Thread(target=lambda: box.append(check("00_warmup", "mask_digits", fn=_endless,
                                                                quiet=True)))
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and box[0].results[0].status == "timeout"
    good = []
    worker = threading.Thread(target=lambda: good.append(check("00_warmup", "laplace_scale",
                                                                 fn=SOLUTION.laplace_scale, quiet=True)))
    worker.start()
    worker.join(30)
    assert good and good[0]


def test_an_endless_loop_in_a_file_is_stopped(monkeypatch, tmp_path):
    import course_lib.check as check_module

    monkeypatch.setattr(check_module, "TASK_TIMEOUT", 0.5)
    monkeypatch.setattr(check_module, "IMPORT_TIMEOUT", 0.5)
    path = tmp_path / "00_warmup.py"
    path.write_text("def mask_digits(text, keep_last=4):\n    while True:\n        pass\n")
    assert check("00_warmup", "mask_digits", path=path, quiet=True).results[0].status == "timeout"
    path.write_text("while True:\n    pass\n")
    result = check("00_warmup", "mask_digits", path=path, quiet=True).results[0]
    assert result.status == "timeout" and "importing 00_warmup.py" in result.reason


def test_feedback_names_the_file_and_when_it_was_saved(tmp_path, capsys):
    path = tmp_path / "00_warmup.py"
    path.write_text("def mask_digits(text, keep_last=4):\n    raise NotImplementedError\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    check("00_warmup", "mask_digits", path=path)
    out = capsys.readouterr().out
    saved = datetime.fromtimestamp(1_700_000_000).strftime("%Y-%m-%d %H:%M:%S")
    assert str(path) in out and f"last saved {saved}" in out
    check("00_warmup", "mask_digits", fn=SOLUTION.mask_digits)
    assert "Checked" not in capsys.readouterr().out  # a notebook function has no file


def test_long_feedback_wraps_between_words(capsys):
    from course_lib.check import WIDTH

    report = check("00_warmup", "mask_digits", fn=mutants.mask_keeps_first)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= WIDTH for line in lines if not line.startswith("Checked ")), out
    result = report.results[0]
    assert len(result.hint) > WIDTH  # long enough to need wrapping
    assert " ".join(out.split()).count(" ".join(result.hint.split())) == 1  # no word was cut


def test_a_relative_path_is_taken_from_the_current_directory(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "00_warmup.py").write_text((REPO_ROOT / "solutions" / "00_warmup.py").read_text())
    for command in (["-m", "course_lib.grading"], [str(REPO_ROOT / "course.py")]):
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        env.pop("COURSE_CALLER_CWD", None)
        proc = subprocess.run([sys.executable, *command, "check", "00", "laplace_scale", "--path",
                               "mine/00_warmup.py"], capture_output=True, text=True, cwd=tmp_path,
                              env=env, timeout=300)
        assert proc.returncode == 0 and "1/1 checked tasks pass" in proc.stdout, proc.stdout + proc.stderr
        assert str(tmp_path / "mine" / "00_warmup.py") in proc.stdout
