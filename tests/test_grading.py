"""The exercise pipeline end to end: solutions score 100 %, untouched stubs 0, every mutant is
rejected, and the batch grader survives every kind of broken or hostile submission."""

from __future__ import annotations

import csv
import importlib
import textwrap
import time

import pytest

from course_lib.grading import exercise_names, get_exercise
from course_lib.grading.generate import make_exercise
from course_lib.grading.grader import REPO_ROOT, grade_folder, grade_submission, snapshot
from course_lib.grading.loader import run_exercise, run_task

pytestmark = pytest.mark.grading
SOLUTIONS = REPO_ROOT / "solutions"
EXERCISES = exercise_names()


def test_every_exercise_has_a_solution_and_tasks():
    assert EXERCISES, "no exercises found"
    for name in EXERCISES:
        assert (SOLUTIONS / f"{name}.py").is_file()
        assert len(get_exercise(name).tasks) >= 3


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_score_100_percent(name):
    results = run_exercise(get_exercise(name), SOLUTIONS / f"{name}.py")
    assert [r.reason for r in results if not r.passed] == []
    assert sum(r.points for r in results) == get_exercise(name).max_points


@pytest.mark.parametrize("name", EXERCISES)
def test_untouched_exercises_score_zero(name, tmp_path):
    stub = tmp_path / f"{name}.py"
    stub.write_text(make_exercise((SOLUTIONS / f"{name}.py").read_text(), name))
    results = run_exercise(get_exercise(name), stub)
    assert sum(r.points for r in results) == 0
    assert {r.status for r in results} == {"not_implemented"}


@pytest.mark.parametrize("name", EXERCISES)
def test_every_task_rejects_every_mutant(name):
    mutants = importlib.import_module(f"tests.exercises.mutants.ex{name}").MUTANTS
    exercise = get_exercise(name)
    assert set(mutants) == {t.name for t in exercise.tasks}, "each task needs mutants"
    for task in exercise.tasks:
        assert mutants[task.name], f"task {task.name} has no mutant"
        for mutant in mutants[task.name]:
            result = run_task(task, fn=mutant)
            assert not result.passed, f"{task.name}: mutant {mutant.__name__} was accepted"
            assert result.reason, f"{task.name}: {mutant.__name__} rejected without a reason"


# --------------------------------------------------------------------------- the batch grader

SOLUTION_TEXT = (SOLUTIONS / "00_warmup.py").read_text()
EX = get_exercise("00_warmup")


def _with(replacements: dict[str, str]) -> str:
    """The solution with some functions' bodies replaced (body text indented by the helper)."""
    text = SOLUTION_TEXT
    for fn, body in replacements.items():
        start = text.index(f"def {fn}(")
        begin = text.index("# BEGIN SOLUTION", start)
        end = text.index("# END SOLUTION", begin) + len("# END SOLUTION")
        text = text[:begin] + textwrap.indent(textwrap.dedent(body), "    ").lstrip() + text[end:]
    return text


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One folder with every abuse case, graded once; yields (rows by name, results, seconds)."""
    folder = tmp_path_factory.mktemp("submissions")
    grader_files = [REPO_ROOT / "tests" / "exercises" / "test_exercises.py",
                    REPO_ROOT / "course_lib" / "grading" / "checks" / "ex00_warmup.py"]
    cases = {
        "correct.py": SOLUTION_TEXT,
        "empty.py": "",
        "syntax_error.py": "def mask_digits(text, keep_last=4)\n    return text\n",
        "loop_at_import.py": "while True:\n    pass\n",
        "exit_at_import.py": "import sys\nsys.exit(3)\n",
        "prints_100mb.py": _with({"laplace_scale": """
            for _ in range(100_000):
                print("x" * 1000)
            import os
            os.write(1, b"y" * 10_000_000)
            return sensitivity / epsilon if epsilon > 0 and sensitivity >= 0 and \\
                sensitivity != float("inf") and epsilon == epsilon else (_ for _ in ()).throw(ValueError())
            """}) + "\nprint('z' * 50_000_000)\n",
        "missing_function.py": SOLUTION_TEXT.replace("def magnitude_prune(", "def prune_by_magnitude("),
        "raises.py": _with({"quantize_symmetric": "raise KeyError('oops')"}),
        "loop_in_task.py": _with({"laplace_scale": "while True:\n    pass"}),
        "os_exit_in_task.py": _with({"mask_digits": "import os\nos._exit(7)"}),
        "memory_hog.py": _with({"magnitude_prune": "return [0.0] * (2 ** 33)"}),
        "tamper.py": SOLUTION_TEXT + textwrap.dedent(f"""
            from pathlib import Path as _P
            for _f in {[str(p) for p in grader_files]!r}:
                _P(_f).write_text("def test_everything_passes():\\n    pass\\n")
            _P({str(REPO_ROOT / "course_lib" / "grading" / "checks" / "ex99_evil.py")!r}).write_text("x = 1")
            """),
        "notes.txt": "I could not do it",
    }
    for name, text in cases.items():
        (folder / name).write_text(text)
    (folder / "dana").mkdir()
    (folder / "dana" / "00_warmup.py").write_text(SOLUTION_TEXT)
    (folder / "erin").mkdir()
    (folder / "erin" / "homework.py").write_text(SOLUTION_TEXT)

    backup = {p: p.read_bytes() for p in snapshot()}
    out = folder.parent / "gradebook.csv"
    started = time.monotonic()
    try:
        results = grade_folder(folder, EX, out, task_timeout=3, import_timeout=5,
                               quarantine=folder.parent / "quarantine")
    finally:
        intact = snapshot() == backup
        for p, data in backup.items():  # belt and braces: never leave the repository damaged
            if not p.exists() or p.read_bytes() != data:
                p.write_bytes(data)
        (REPO_ROOT / "course_lib" / "grading" / "checks" / "ex99_evil.py").unlink(missing_ok=True)
    seconds = time.monotonic() - started
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {row["submission"]: row for row in csv.DictReader(fh)}
    return {"rows": rows, "results": {r.name: r for r in results}, "seconds": seconds,
            "intact": intact, "entries": len(cases) + 2, "quarantine": folder.parent / "quarantine"}


def _points(row):
    return [int(row[t.name]) for t in EX.tasks]


def test_nobody_is_lost_and_the_run_is_bounded(graded):
    assert len(graded["rows"]) == graded["entries"]
    # 15 entries, two of them loop (3 s + 5 s limits): well under a minute in all
    assert graded["seconds"] < 90


def test_gradebook_columns(graded):
    row = graded["rows"]["correct.py"]
    assert list(row) == ["submission", *[t.name for t in EX.tasks], "total", "max", "percent",
                         "reasons"]


def test_correct_submissions_score_full(graded):
    for name in ("correct.py", "dana"):
        row = graded["rows"][name]
        assert _points(row) == [1, 1, 1, 1] and row["total"] == "4" and row["percent"] == "100.0"
        assert row["reasons"] == ""


@pytest.mark.parametrize(("name", "phrase"), [
    ("empty.py", "is not defined"),
    ("syntax_error.py", "SyntaxError at line 1"),
    ("loop_at_import.py", "timed out after 5 s while importing"),
    ("exit_at_import.py", "sys.exit(3)"),
    ("notes.txt", "not a Python file"),
    ("erin", "no 00_warmup.py in this folder"),
    ("tamper.py", "modified the grader's files"),
])
def test_whole_submission_failures_score_zero_with_a_reason(graded, name, phrase):
    row = graded["rows"][name]
    assert _points(row) == [0, 0, 0, 0] and row["total"] == "0"
    reasons = row["reasons"].split(" | ")
    assert len(reasons) == 4 and all(phrase in r for r in reasons), row["reasons"]


@pytest.mark.parametrize(("name", "lost_task", "phrase"), [
    ("prints_100mb.py", None, ""),
    ("missing_function.py", "magnitude_prune", "magnitude_prune() is not defined"),
    ("raises.py", "quantize_symmetric", "raised KeyError: 'oops'"),
    ("loop_in_task.py", "laplace_scale", "did not finish within 3 s"),
    ("os_exit_in_task.py", "mask_digits", "exited with code 7 while running mask_digits()"),
    ("memory_hog.py", "magnitude_prune", "raised MemoryError"),
])
def test_one_broken_task_costs_only_that_task(graded, name, lost_task, phrase):
    row = graded["rows"][name]
    expected = [0 if t.name == lost_task else 1 for t in EX.tasks]
    assert _points(row) == expected, row["reasons"]
    if lost_task:
        assert row["reasons"] == f"{lost_task}: " + row["reasons"].split(": ", 1)[1]
        assert phrase in row["reasons"]


def test_grader_files_are_intact_after_tampering(graded):
    assert graded["intact"], "the grader did not restore its own files"
    assert not (REPO_ROOT / "course_lib" / "grading" / "checks" / "ex99_evil.py").exists()
    assert "tests/exercises/test_exercises.py" in graded["rows"]["tamper.py"]["reasons"]
    kept = {p.name for p in graded["quarantine"].rglob("*.py")}
    assert kept == {"test_exercises.py", "ex00_warmup.py", "ex99_evil.py"}  # evidence kept


def test_grade_submission_rejects_bad_limits(tmp_path):
    f = tmp_path / "a.py"
    f.write_text(SOLUTION_TEXT)
    with pytest.raises(ValueError, match="task_timeout"):
        grade_submission(f, EX, task_timeout=0)


def test_find_submissions_rejects_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="submissions must be a folder"):
        grade_folder(tmp_path / "nope", EX, tmp_path / "g.csv")


def test_grade_cli_writes_a_gradebook(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.py").write_text(SOLUTION_TEXT)
    (folder / "=evil.py").write_text("")
    out = tmp_path / "book.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "course_lib.grading", "grade", str(folder), "--exercise", "00",
         "--out", str(out)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 submissions graded" in proc.stdout
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[1][0] == "'=evil.py" and rows[2][0] == "ann.py"  # formula-looking names defused
    assert rows[2][5:8] == ["4", "4", "100.0"]
    bad = subprocess.run([sys.executable, "-m", "course_lib.grading", "grade", str(folder),
                          "--exercise", "99"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert bad.returncode == 2 and "exercise must be one of" in bad.stderr



@pytest.mark.parametrize("name", EXERCISES)
def test_correct_answers_written_differently_pass(name):
    """Statistical checkers judge the distribution, not the way the noise was drawn."""
    module = importlib.import_module(f"tests.exercises.mutants.ex{name}")
    exercise = get_exercise(name)
    for task, fns in getattr(module, "EQUIVALENTS", {}).items():
        for fn in fns:
            result = run_task(exercise.task(task), fn=fn)
            assert result.passed, f"{task}: correct variant {fn.__name__} rejected: {result.reason}"
