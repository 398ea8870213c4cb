"""Instant feedback on exercises, in a notebook or in the shell.

In a notebook::

    from course_lib.check import check
    check("00_warmup", "mask_digits")            # checks exercises/00_warmup.py, read afresh
    check("00_warmup", "mask_digits", fn=my_fn)  # checks a function defined in the notebook
    check("00_warmup")                           # every task of the exercise

In the shell: ``python3 course.py check 00_warmup [task]``.

Feedback says which file was checked (and when it was last saved), which input misbehaved and how,
with a hint, never the expected value. The checkers are the very ones the batch grader uses
(``course_lib.grading.checks``), so a task that passes here passes there; each task gets the grader's
time limit, so a loop that never ends is reported instead of hanging the notebook or the shell.
"""

from __future__ import annotations

import ctypes
import inspect
import signal
import sys
import textwrap
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .grading.grader import grade_submission
from .grading.loader import SubmissionError, TaskResult, load_submission, run_task
from .grading.spec import Exercise, Task, get_exercise

REPO_ROOT = Path(__file__).resolve().parents[1]

#: The grader's limits (seconds): one task, and importing the file.
_GRADER = inspect.signature(grade_submission).parameters
TASK_TIMEOUT: float = _GRADER["task_timeout"].default
IMPORT_TIMEOUT: float = _GRADER["import_timeout"].default

#: Feedback lines are wrapped between words to this width.
WIDTH = 100


class _OutOfTime(BaseException):
    """Raised inside learner code when its time is up (a BaseException, so ``except Exception`` in the
    learner's code does not swallow it)."""


def _within(limit: float, work):
    """``(work(), False)``, or ``(None, True)`` when ``work`` runs past ``limit`` seconds.

    In the main thread an interval timer interrupts the work; elsewhere the work runs in a helper
    thread that is told to stop when its time is up."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        fired = False

        def alarm(signum, frame):
            nonlocal fired
            fired = True
            raise _OutOfTime

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            out = work()
        except BaseException:
            if fired:  # the timer's exception, perhaps wrapped (an import that did not finish)
                return None, True
            raise
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return (None, True) if fired else (out, False)
    box: list = []

    def run():
        try:
            box.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box.append((False, exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_OutOfTime))
        return None, True
    done, value = box[0]
    if not done:
        raise value
    return value, False


def _timed_task(task: Task, limit: float, module=None, fn=None) -> TaskResult:
    result, late = _within(limit, lambda: run_task(task, module, fn=fn))
    if not late:
        return result
    return TaskResult(task.name, 0, task.points, "timeout",
                      f"{task.function}() did not finish within {limit:g} s, the grader's limit per task; "
                      "look for a loop that never ends (or work that grows far too fast)",
                      "Run the function yourself on a small input and interrupt it to see where it is stuck.")


@dataclass
class CheckReport:
    """The results of one ``check`` call; true when every checked task passed."""

    exercise: Exercise
    results: list[TaskResult]
    path: Path | None = None  # the file checked; None for a function passed as fn

    def __bool__(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    def text(self) -> str:
        ok, bad, todo = _symbols()
        lines = [f"Exercise {self.exercise.name} — {self.exercise.title}"]
        if self.path is not None:
            lines.append(f"Checked {self.path} ({_saved(self.path)})")  # a path is never broken
        for r in self.results:
            if r.passed:
                lines.append(f"  {ok} {r.task}: correct")
                continue
            mark = todo if r.status == "not_implemented" else bad
            lines += _wrap(f"{r.task}: {r.reason}", f"  {mark} ", "      ")
            if r.hint:
                lines += _wrap(f"hint: {r.hint}", "      ", "            ")
        lines.append(f"{self.passed}/{len(self.results)} checked tasks pass")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckReport {self.exercise.name}: {self.passed}/{len(self.results)} pass>"

    def _ipython_display_(self) -> None:
        """In a notebook the feedback was already printed; show nothing more."""


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """``text`` in lines of at most WIDTH characters, broken between words only."""
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def _saved(path: Path) -> str:
    """When ``path`` was last saved, so that a learner whose latest edit is unsaved notices."""
    try:
        stamp = datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return "no such file"
    return f"last saved {stamp:%Y-%m-%d %H:%M:%S}"


def _symbols() -> tuple[str, str, str]:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "✓✗…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "OK ", "XX ", ".. "
    return "✓", "✗", "…"


def default_path(exercise: Exercise) -> Path:
    """``exercises/<name>.py`` of the course folder this course_lib belongs to."""
    path = REPO_ROOT / "exercises" / f"{exercise.name}.py"
    if not path.is_file():
        raise ValueError(
            f"path: no exercise file at {path}; pass path='...' to say where your file is"
        )
    return path


def check(exercise: str, task: str | None = None, fn=None, *, path: str | Path | None = None,
          quiet: bool = False) -> CheckReport:
    """Check one task (or all) of ``exercise``, print the feedback, and return a CheckReport.

    ``fn`` checks a function you defined in the notebook (``task`` is then required); otherwise the
    exercise file (``path``, default ``exercises/<exercise>.py``; a relative path is taken from the
    current directory) is read afresh on every call, so saved edits are picked up without restarting
    the kernel. Each task may take up to ``TASK_TIMEOUT`` seconds, as in the grader.
    """
    ex = get_exercise(exercise)
    file = None
    if fn is not None:
        if task is None:
            raise ValueError("task: name the task that fn answers, e.g. check('00', 'mask_digits', fn)")
        if not callable(fn):
            raise TypeError(f"fn must be a function, got {type(fn).__name__}")
        results = [_timed_task(ex.task(task), TASK_TIMEOUT, fn=fn)]
    else:
        file = Path(path).absolute() if path is not None else default_path(ex)
        results = _check_file(ex, file, [task] if task else None)
    report = CheckReport(ex, results, file)
    if not quiet:
        print(report.text())
    return report


def _check_file(exercise: Exercise, path: Path, tasks: list[str] | None) -> list[TaskResult]:
    """Load ``path`` (within the grader's import limit) and run the named tasks, each within its limit."""
    selected = [exercise.task(t) for t in tasks] if tasks else list(exercise.tasks)
    try:
        module, late = _within(IMPORT_TIMEOUT, lambda: load_submission(path))
    except SubmissionError as exc:
        return [TaskResult(t.name, 0, t.points, "import_error", str(exc), "") for t in selected]
    if late:
        why = (f"importing {path.name} did not finish within {IMPORT_TIMEOUT:g} s, the grader's limit; "
               "is there a loop that never ends outside any function?")
        return [TaskResult(t.name, 0, t.points, "timeout", why, "") for t in selected]
    return [_timed_task(t, TASK_TIMEOUT, module) for t in selected]


def check_file(exercise: str, task: str | None = None, path: str | Path | None = None) -> CheckReport:
    """Shell entry point: like :func:`check` on the exercise file."""
    return check(exercise, task, path=path)
