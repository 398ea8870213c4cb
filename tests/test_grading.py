"""The exercise pipeline end to end: solutions score 100 %, untouched stubs 0, every mutant is
rejected, the grader's data path gives the very verdicts of an in-process check, and the batch grader
survives every kind of broken or hostile submission (tests/grading_fixtures/)."""

from __future__ import annotations

import ast
import csv
import hashlib
import importlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from course_lib.grading import exercise_names, get_exercise, wire
from course_lib.grading.generate import make_exercise
from course_lib.grading.grader import REPO_ROOT, copy_flags, grade_folder, grade_submission
from course_lib.grading.loader import run_exercise, run_task
from course_lib.grading.remote import loopback
from course_lib.grading.sandbox import bwrap_path, can_switch_uid

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
    assert copy_flags(ast.parse(stub.read_text()), get_exercise(name)) == []  # the header is no flag


def _same_through_the_grader(task, fn, here):
    """``fn`` behind the batch grader's plain-data path (arguments encoded, the call served as the
    grading child serves it, the answer rebuilt) must get the in-process verdict, reason and hint:
    moving the work out of the grader changed no checker's meaning."""
    there = run_task(task, fn=loopback(fn))
    assert (there.status, there.reason, there.hint) == (here.status, here.reason, here.hint), \
        f"{task.name}: {getattr(fn, '__name__', fn)} is judged differently by the batch grader"


@pytest.mark.parametrize("name", EXERCISES)
def test_every_task_rejects_every_mutant(name):
    mutants = importlib.import_module(f"tests.exercises.mutants.ex{name}").MUTANTS
    exercise = get_exercise(name)
    solution = importlib.import_module("tests.exercises.impl").load_solution(name)
    assert set(mutants) == {t.name for t in exercise.tasks}, "each task needs mutants"
    for task in exercise.tasks:
        assert mutants[task.name], f"task {task.name} has no mutant"
        for mutant in mutants[task.name]:
            result = run_task(task, fn=mutant)
            assert not result.passed, f"{task.name}: mutant {mutant.__name__} was accepted"
            assert result.reason, f"{task.name}: {mutant.__name__} rejected without a reason"
            _same_through_the_grader(task, mutant, result)
        fn = getattr(solution, task.function)
        _same_through_the_grader(task, fn, run_task(task, fn=fn))


# --------------------------------------------------------------------------- plain data


class _LyingStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class _LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


def _round_trip(value, strict=False):
    blobs: list = []
    tree = wire.encode(value, blobs, strict=strict)
    header, blobs = wire.unpack(wire.pack({"v": tree}, blobs))
    return wire.decode(header["v"], blobs)


def test_values_come_back_as_exact_types_whatever_the_submission_returned():
    s = _round_trip(_LyingStr("wrong"))
    assert type(s) is str and s != "right"
    a = _round_trip(np.arange(3.0).view(_LyingArray))
    assert type(a) is np.ndarray and not np.array_equal(a, [9, 9, 9])
    x = _round_trip(np.float32(0.5))
    assert type(x) is np.float32 and x == 0.5
    class Thing:  # noqa: E306
        pass
    t = _round_trip({"k": (1, Thing(), [True, None, 2**70, float("nan")])})
    assert type(t["k"][1]).__name__ == "Thing" and isinstance(t["k"][1], wire.Opaque)
    assert t["k"][2][:3] == [True, None, 2**70] and np.isnan(t["k"][2][3])
    with pytest.raises(TypeError, match="cannot send a Thing"):
        wire.encode(Thing(), [], strict=True)  # the grader sends only data it knows


def test_decoding_refuses_what_is_not_plain_data():
    import io as _io

    buf = _io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.decode({"$": "nd", "b": 0}, [buf.getvalue()])  # a pickled array
    with pytest.raises(wire.WireError, match="unknown tag"):
        wire.decode({"$": "probe", "cls": "os:system", "v": "id"}, [])  # only the child takes probes
    deep: list = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(wire.WireError, match="deeply"):
        wire.decode(deep, [])
    with pytest.raises(wire.WireError):
        wire.unpack(b"\xff\xff\xff\x7f{}")
    exc = wire.rebuild_exception({"type": "Evil", "bases": ["KeyError", "LookupError"],
                                  "message": "'x'", "line": 3})
    assert isinstance(exc, KeyError) and type(exc).__name__ == "Evil" and str(exc) == "'x'"
    assert type(exc).__module__ == "submission" and exc.wire_line == 3


# --------------------------------------------------------------------------- the batch grader

SOLUTION_TEXT = (SOLUTIONS / "00_warmup.py").read_text()
EX = get_exercise("00_warmup")
FIXTURES = Path(__file__).parent / "grading_fixtures" / "00_warmup"
ANSWERS = (FIXTURES / "_answers.py").read_text()
TOKEN = f"course-grader-attack-{os.getpid()}-{int(time.time())}"
SITE = Path(np.__file__).resolve().parents[1]  # the virtual environment's site-packages


def _with(replacements: dict[str, str]) -> str:
    """The solution with some functions' bodies replaced (body text indented by the helper)."""
    text = SOLUTION_TEXT
    for fn, body in replacements.items():
        start = text.index(f"def {fn}(")
        begin = text.index("# BEGIN SOLUTION", start)
        end = text.index("# END SOLUTION", begin) + len("# END SOLUTION")
        text = text[:begin] + textwrap.indent(textwrap.dedent(body), "    ").lstrip() + text[end:]
    return text


def _fixture(name: str, **fill) -> str:
    text = (FIXTURES / name).read_text().replace("# @@ANSWERS@@", ANSWERS).replace("@@TOKEN@@", TOKEN)
    for key, value in fill.items():
        text = text.replace(f"[]  # @@{key}@@", value).replace(f"@@{key}@@", value)
    return text


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _survivors() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if TOKEN.encode() in cmdline and int(entry) != os.getpid():
                found.append(int(entry))
    return found


# what each attack's real answers deserve (see tests/grading_fixtures/README.md)
ATTACKS = {
    "forge_isclose.py": 1, "forge_checkers.py": 1, "forge_results.py": 0, "lying_types.py": 0,
    "outlive.py": 1, "fork_bomb.py": 1, "slow_writer.py": 1, "huge_answer.py": 1,
    "tamper_files.py": 1, "odd_text.py": 1, "imports_solutions.py": 0, "reads_solutions.py": 1,
    # the checkers are out of sight only inside bubblewrap; elsewhere importing them is only flagged
    "uses_the_checkers.py": 0 if bwrap_path() else 1,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One folder with every abuse and attack case, graded while a second run grades innocent
    submissions at the same time; returns what both runs produced and what was left behind."""
    base = tmp_path_factory.mktemp("grading")
    folder, other = base / "submissions", base / "other_class"
    out, other_out = base / "out" / "gradebook.csv", base / "other_out" / "gradebook.csv"
    canary = base / "protected" / "canary.py"
    for d in (folder, other, canary.parent):
        d.mkdir()
    canary.write_text("# a file nobody may change\n")
    evil = [REPO_ROOT / "course_lib" / "grading" / "checks" / f"ex99_{TOKEN.replace('-', '_')}.py",
            SITE / f"zz_{TOKEN}.pth", REPO_ROOT / "solutions" / f"zz_{TOKEN}.py"]
    victims = [folder / "correct.py", other / "alice.py", canary]
    targets = [*map(str, victims), str(out), str(other_out), str(evil[0])]
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
            return sensitivity / epsilon if 0 < epsilon < float("inf") and 0 <= sensitivity < float("inf") \\
                else (_ for _ in ()).throw(ValueError())
            """}) + "\nprint('z' * 50_000_000)\n",
        "missing_function.py": SOLUTION_TEXT.replace("def magnitude_prune(", "def prune_by_magnitude("),
        "raises.py": _with({"quantize_symmetric": "raise KeyError('oops')"}),
        "loop_in_task.py": _with({"laplace_scale": "while True:\n    pass"}),
        "os_exit_in_task.py": _with({"mask_digits": "import os\nos._exit(7)"}),
        "memory_hog.py": _with({"magnitude_prune": "return [0.0] * (2 ** 33)"}),
        "notes.txt": "I could not do it",
        ".hidden.py": SOLUTION_TEXT,
    }
    fill = {"TARGETS": repr(targets), "REPO": str(REPO_ROOT)}
    for name in ATTACKS:
        cases[name] = _fixture(name, **fill)
    cases["tamper_files.py"] = _fixture("tamper_files.py", TARGETS=repr(
        [(str(p), "import os; os.environ['PWNED'] = '1'\n") for p in [*evil, canary]]))
    for name, text in cases.items():
        (folder / name).write_text(text)
    (folder / "dana").mkdir()
    (folder / "dana" / "00_warmup.py").write_text(SOLUTION_TEXT)
    (folder / "erin").mkdir()
    (folder / "erin" / "homework.py").write_text(SOLUTION_TEXT)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.py"), "w") as fh:  # not UTF-8
        fh.write(ANSWERS)
    (folder / "link_in.py").symlink_to(folder / "correct.py")
    (folder / "link_out.py").symlink_to(SOLUTIONS / "00_warmup.py")
    (folder / "link_broken.py").symlink_to(base / "nowhere.py")
    (other / "alice.py").write_text(SOLUTION_TEXT)
    (other / "bob.py").write_text(ANSWERS)
    (other / "carol").mkdir()
    (other / "carol" / "00_warmup.py").write_text(SOLUTION_TEXT)
    before = {p: _digest(p) for p in [*victims, REPO_ROOT / "course_lib" / "grading" / "checks" /
                                       "ex00_warmup.py"]}
    pth_before = sorted(p.name for p in SITE.glob("*.pth"))

    second: dict = {}
    started = time.monotonic()
    concurrent = subprocess.Popen(  # another grading run, as another instructor would start it
        [sys.executable, "-m", "course_lib.grading", "grade", str(other), "--exercise", "00", "--out",
         str(other_out), "--workers", "1", "--formats", "csv", "--task-timeout", "3",
         "--import-timeout", "5"], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        results = grade_folder(folder, EX, out, task_timeout=3, import_timeout=5, workers=2,
                               formats=("csv", "nbgrader", "gradescope", "feedback"))
        seconds = time.monotonic() - started
        second["stderr"] = concurrent.communicate(timeout=120)[1].decode(errors="replace")
        second["seconds"] = time.monotonic() - started
        survivors_at_end = _survivors()
        book, other_book = out.read_bytes(), other_out.read_bytes()
        time.sleep(1.0)  # anything left behind would strike now
        survivors_later = _survivors()
        changed = [str(p) for p, d in before.items() if _digest(p) != d]
        changed += [str(p) for p, b in ((out, book), (other_out, other_book)) if p.read_bytes() != b]
        created = [str(p) for p in evil if p.exists()]
        pth_after = sorted(p.name for p in SITE.glob("*.pth"))
    finally:
        for p in evil:  # only what an attack created, named by this run's token
            p.unlink(missing_ok=True)
        for pid in _survivors():
            os.kill(pid, 9)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {row["submission"]: row for row in csv.DictReader(fh)}
    with open(other_out, newline="", encoding="utf-8") as fh:
        other_rows = {row["submission"]: row for row in csv.DictReader(fh)}
    return {"rows": rows, "results": {r.name: r for r in results}, "seconds": seconds, "out": out,
            "entries": len(os.listdir(folder)), "other_rows": other_rows, "second": second,
            "survivors": survivors_at_end + survivors_later, "changed": changed, "created": created,
            "pth": (pth_before, pth_after)}


def _points(row):
    return [int(row[t.name]) for t in EX.tasks]


def test_every_entry_gets_a_row_and_the_run_is_bounded(graded):
    assert len(graded["rows"]) == graded["entries"]
    assert {".hidden.py", "caf\\udce9.py", "link_in.py", "link_broken.py"} <= set(graded["rows"])
    # 35 entries, 2 at a time; the slowest use up their 3 s and 5 s limits
    assert graded["seconds"] < 60
    assert graded["second"]["seconds"] < 60, graded["second"]["stderr"]


def test_gradebook_columns(graded):
    row = graded["rows"]["correct.py"]
    assert list(row) == ["submission", *[t.name for t in EX.tasks], "total", "max", "percent",
                         "reasons", "flags"]


def test_correct_submissions_score_full(graded):
    for name in ("correct.py", "dana", ".hidden.py", "link_in.py"):
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
    ("link_out.py", "symbolic link to something outside the submissions folder"),
    ("link_broken.py", "broken link"),
])
def test_whole_submission_failures_score_zero_with_a_reason(graded, name, phrase):
    row = graded["rows"][name]
    assert _points(row) == [0, 0, 0, 0] and row["total"] == "0"
    reasons = row["reasons"].split(" | ")
    assert len(reasons) == 4 and all(phrase in r for r in reasons), row["reasons"]


@pytest.mark.parametrize(("name", "lost_task", "phrase"), [
    ("prints_100mb.py", None, ""),
    ("missing_function.py", "magnitude_prune", "magnitude_prune() is not defined"),
    ("raises.py", "quantize_symmetric", "raised KeyError: 'oops' (line"),
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


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_scores_what_its_real_answers_deserve(graded, name):
    """Forged comparisons, replaced checkers, answers written in advance, lying return types, processes
    left behind, fork bombs, endless output, oversized answers, tampering and odd text: each scores
    exactly its real answers (laplace_scale right, the rest wrong), not the 4 the old grader gave."""
    row = graded["rows"][name]
    assert int(row["total"]) == ATTACKS[name], row["reasons"]
    if ATTACKS[name] == 1:
        assert row["laplace_scale"] == "1"


@pytest.mark.parametrize(("name", "task", "phrase"), [
    ("slow_writer.py", "mask_digits", "did not finish within 3 s"),
    ("huge_answer.py", "mask_digits", "over the limit"),
    ("huge_answer.py", "quantize_symmetric", "over the limit"),
    ("huge_answer.py", "magnitude_prune", "raised OSError"),
    ("forge_checkers.py", "mask_digits", "left the digit at position 0 visible"),
    ("lying_types.py", "laplace_scale", "returned the wrong scale"),
])
def test_attacks_lose_their_tasks_for_the_right_reason(graded, name, task, phrase):
    reasons = dict(r.split(": ", 1) for r in graded["rows"][name]["reasons"].split(" | "))
    assert phrase in reasons[task], reasons[task]


def test_innocent_learners_keep_their_scores_in_the_same_and_a_concurrent_run(graded):
    assert graded["rows"]["correct.py"]["total"] == "4"
    assert {n: r["total"] for n, r in graded["other_rows"].items()} == \
        {"alice.py": "4", "bob.py": "1", "carol": "4"}


def test_no_process_survives_and_nothing_outside_the_child_changed(graded):
    assert graded["survivors"] == [], "processes started by a submission outlived the run"
    assert graded["changed"] == [], "a submission changed a file outside its own folder"
    assert graded["created"] == [], "a submission created a file in the course or the environment"
    before, after = graded["pth"]
    assert before == after, "the virtual environment's .pth files changed"


def test_copying_the_reference_is_flagged(graded):
    flags = {name: row["flags"] for name, row in graded["rows"].items()}
    assert "identical to the reference solution" in flags["correct.py"]
    assert "imports solutions/" in flags["imports_solutions.py"]
    assert "imports the grader's checkers" in flags["uses_the_checkers.py"]
    assert "solutions/" in flags["reads_solutions.py"]  # a path built at run time
    assert flags["forge_isclose.py"] == "" and flags["caf\\udce9.py"] == ""
    assert flags["link_in.py"].startswith("a link to correct.py in the submissions folder")


def test_odd_text_is_written_safely(graded):
    row = graded["rows"]["odd_text.py"]
    assert "\\udcff" in row["reasons"] and "\x00" not in row["reasons"] and "\n" not in row["reasons"]
    assert graded["out"].read_bytes().decode("utf-8")  # valid UTF-8 throughout


def test_instructor_formats(graded):
    out = graded["out"]
    with open(out.with_name("gradebook-nbgrader.csv"), newline="", encoding="utf-8") as fh:
        nb = list(csv.DictReader(fh))
    assert list(nb[0]) == ["student_id", "assignment", "score", "max_score"]
    assert {"student_id": "correct", "assignment": "00_warmup", "score": "4", "max_score": "4"} in nb
    assert len(nb) == graded["entries"]
    results = sorted((out.parent / "gradebook-gradescope").glob("*/results.json"))
    assert len(results) == graded["entries"]
    data = json.loads(next(p for p in results if p.parent.name.startswith("raises")).read_text())
    assert data["score"] == 3 and [t["name"] for t in data["tests"]] == [t.name for t in EX.tasks]
    assert set(data["tests"][2]) == {"name", "score", "max_score", "output", "visibility"}
    assert "KeyError" in data["tests"][2]["output"] and data["tests"][0]["output"] == "correct"
    feedback = next((out.parent / "gradebook-feedback").glob("forge_isclose*.txt")).read_text()
    from course_lib.check import check

    local = check("00_warmup", path=FIXTURES.parent.parent / "grading_fixtures" / "00_warmup" /
                  "_answers.py", quiet=True).text().splitlines()
    local = [line for line in local if not line.startswith("Checked ")]  # the grader names no local file
    assert feedback.splitlines()[1:5] == local[1:5]  # the messages check() gives
    assert "Score: 1/4" in feedback


def test_grade_submission_rejects_bad_limits(tmp_path):
    f = tmp_path / "a.py"
    f.write_text(SOLUTION_TEXT)
    with pytest.raises(ValueError, match="task_timeout"):
        grade_submission(f, EX, task_timeout=0)
    with pytest.raises(ValueError, match="workers"):
        grade_folder(tmp_path, EX, tmp_path / "g.csv", workers=0)


def test_find_submissions_rejects_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="submissions must be a folder"):
        grade_folder(tmp_path / "nope", EX, tmp_path / "g.csv")


def test_the_protections_in_force_here_are_reported():
    from course_lib.grading.sandbox import describe

    lines = describe()
    assert ("own user id per child" in lines[1]) == can_switch_uid()
    assert lines[2].startswith("bubblewrap") == bool(bwrap_path())
    if os.geteuid() == 0 and sys.platform == "linux" and not os.environ.get("COURSE_GRADER_NO_UID"):
        assert can_switch_uid() or "cannot run this Python" in lines[1]


def test_grade_cli_writes_a_gradebook(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.py").write_text(SOLUTION_TEXT)
    (folder / "=evil.py").write_text("")
    out = tmp_path / "book.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "course_lib.grading", "grade", str(folder), "--exercise", "00",
         "--out", str(out), "--formats", "csv"], capture_output=True, text=True, cwd=REPO_ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 submissions graded" in proc.stdout and "isolation:" in proc.stdout
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
            _same_through_the_grader(exercise.task(task), fn, result)


def test_release_writes_a_learner_copy_without_answers(tmp_path):
    from course_lib.grading.release import leaks, release

    target = release(REPO_ROOT, tmp_path / "class")
    assert (target / "course_lib" / "grading" / "grader.py").is_file()
    assert (target / "exercises" / "00_warmup.py").is_file()
    assert not (target / "solutions").exists() and not (target / "tests" / "exercises" / "mutants").exists()
    # the answer sets hold correct answers to every task, written independently of the reference
    assert (REPO_ROOT / "tests" / "exercises" / "answers").is_dir()
    assert not (target / "tests" / "exercises" / "answers").exists()
    assert not (target / "tests" / "exercises" / "test_answer_rates.py").exists()
    assert not (target / ".git").exists() and not (target / ".venv").exists()
    (target / "notebooks" / "sneaky.py").write_text(SOLUTION_TEXT)  # a copy slipped in elsewhere
    from course_lib.grading.release import _reference

    assert leaks(target, _reference(REPO_ROOT)) == [f"notebooks/sneaky.py: 00_warmup.{t.function}"
                                                    for t in EX.tasks]
    with pytest.raises(ValueError, match="target must be outside"):
        release(REPO_ROOT, REPO_ROOT / "build" / "class")


@pytest.mark.skipif(not can_switch_uid(), reason="needs root to give each child its own uid")
def test_without_bubblewrap_the_own_uid_still_holds(tmp_path, monkeypatch):
    """The fallback when bubblewrap is missing: forgery, processes left behind, fork bombs and
    tampering fail the same way under the child's own uid and limits alone."""
    from course_lib.grading import sandbox

    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    folder, canary = tmp_path / "subs", tmp_path / "canary.py"
    folder.mkdir()
    canary.write_text("# nobody may change this\n")
    evil = REPO_ROOT / "course_lib" / "grading" / "checks" / f"ex98_{TOKEN.replace('-', '_')}.py"
    out = tmp_path / "out" / "book.csv"
    fill = {"TARGETS": repr([str(folder / "correct.py"), str(canary), str(out), str(evil)]),
            "REPO": str(REPO_ROOT)}
    (folder / "correct.py").write_text(SOLUTION_TEXT)
    for name in ("forge_isclose.py", "forge_checkers.py", "outlive.py", "fork_bomb.py", "reads_solutions.py"):
        (folder / name).write_text(_fixture(name, **fill))
    (folder / "tamper_files.py").write_text(_fixture("tamper_files.py", TARGETS=repr(
        [(str(p), "x = 1\n") for p in (evil, canary, SITE / f"zz_{TOKEN}.pth")])))
    try:
        rows = {r.name: r for r in grade_folder(folder, EX, out, workers=1, task_timeout=6,
                                                import_timeout=10)}
        time.sleep(0.5)
        survivors, created = _survivors(), [p for p in (evil, SITE / f"zz_{TOKEN}.pth") if p.exists()]
    finally:
        for p in (evil, SITE / f"zz_{TOKEN}.pth"):
            p.unlink(missing_ok=True)
        for pid in _survivors():
            os.kill(pid, 9)
    assert {n: r.total for n, r in rows.items()} == {
        "correct.py": 4, "forge_isclose.py": 1, "forge_checkers.py": 1, "outlive.py": 1, "fork_bomb.py": 1,
        "tamper_files.py": 1, "reads_solutions.py": 1}, {n: r.reasons() for n, r in rows.items()}
    assert "read files in solutions/" in rows["reads_solutions.py"].flags  # readable here, but noticed
    assert survivors == [] and created == []
    assert canary.read_text() == "# nobody may change this\n"
    assert (folder / "correct.py").read_text() == SOLUTION_TEXT


def test_the_submission_deadline_bounds_every_restart(tmp_path):
    """Each task loops: after the submission's own limit no new child is started, whatever is left."""
    f = tmp_path / "loops.py"
    f.write_text("".join(f"def {t.function}(*args):\n    while True:\n        pass\n\n" for t in EX.tasks))
    started = time.monotonic()
    sub = grade_submission(f, EX, task_timeout=1.5, import_timeout=5, submission_timeout=2.5)
    assert time.monotonic() - started < 6
    assert [r.status for r in sub.results] == ["timeout"] * 4
    assert "did not finish within 1.5 s" in sub.results[0].reason
    assert all("used up its 2.5 s" in r.reason for r in sub.results[1:]), sub.reasons()


@pytest.mark.timeout(60)
def test_a_child_that_stops_reading_cannot_hold_the_grader():
    """A large request to a child that no longer reads its pipe ends at the deadline, not never."""
    from course_lib.grading.remote import ChildGone, Deadline, Session
    from course_lib.grading.sandbox import Limits, uid_lease

    source = b"import os, time\ndef f(x):\n    return len(x)\nos.read = lambda *a: time.sleep(1e6)\n"
    with uid_lease() as uid, Session(source, "00_warmup.py", limits=Limits(), uid=uid) as session:
        session.deadlines = [Deadline.after(5, "load")]
        assert session.load(["f"])["functions"] == {"f": True}
        session.deadlines = [Deadline.after(1.0, "stalled")]
        started = time.monotonic()
        with pytest.raises(ChildGone, match="stalled"):
            session.function("f")("x" * 5_000_000)
        assert time.monotonic() - started < 3


def test_an_answer_cannot_change_what_the_grader_keeps_for_its_reference():
    """The checker copies the gradients for every call and computes its reference from its own; a
    forged answer claiming the call changed them must not reach them."""
    from course_lib.grading.remote import ChildGone, RemoteFunction

    class Forger:  # answers one batch of calls, claiming argument 0 (a copied one) became zeros
        def request(self, header, blobs):
            blobs_out: list = []
            tree = wire.encode(np.zeros((2, 2)), blobs_out)
            return {"results": [1.0] * header["times"], "exc": None, "after": {"0": tree}}, blobs_out

        def close(self):
            pass

    grads = np.ones((2, 2))
    fn = RemoteFunction(Forger(), "private_gradient")
    with pytest.raises(ChildGone, match="cannot read"):
        list(fn.repeat((grads, 1.0), 3, copy=(0,)))
    assert np.array_equal(grads, np.ones((2, 2)))
    shared = np.ones((2, 2))
    assert list(fn.repeat((shared, 1.0), 3)) == [1.0] * 3  # a shared one may change, as in a loop
    assert np.array_equal(shared, np.zeros((2, 2)))


def test_the_graders_own_trouble_costs_a_row_not_the_gradebook(tmp_path, monkeypatch):
    from course_lib.grading import grader

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.py").write_text(SOLUTION_TEXT)
    monkeypatch.setattr(grader, "grade_submission", broken)
    results = grade_folder(folder, EX, tmp_path / "book.csv", workers=1)
    assert results[0].total == 0 and "could not grade this submission" in results[0].reasons()[0]
    assert "ann.py" in (tmp_path / "book.csv").read_text()
