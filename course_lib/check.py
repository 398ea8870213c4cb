"""Instant feedback on exercises, in a notebook or in the shell.

In a notebook::

    from course_lib.check import check
    check("00_warmup", "mask_digits")            # checks exercises/00_warmup.py, read afresh
    check("00_warmup", "mask_digits", fn=my_fn)  # checks a function defined in the notebook
    check("00_warmup")                           # every task of the exercise

In the shell: ``python3 course.py check 00_warmup [task]``.

Feedback says which input misbehaved and how, with a hint, never the expected value. The checkers
are the very ones the batch grader uses (``course_lib.grading.checks``), so a task that passes here
passes there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .grading.loader import TaskResult, run_exercise, run_task
from .grading.spec import Exercise, get_exercise

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CheckReport:
    """The results of one ``check`` call; true when every checked task passed."""

    exercise: Exercise
    results: list[TaskResult]

    def __bool__(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    def text(self) -> str:
        ok, bad, todo = _symbols()
        lines = [f"Exercise {self.exercise.name} — {self.exercise.title}"]
        for r in self.results:
            if r.passed:
                lines.append(f"  {ok} {r.task}: correct")
                continue
            mark = todo if r.status == "not_implemented" else bad
            lines.append(f"  {mark} {r.task}: {r.reason}")
            if r.hint:
                lines.append(f"      hint: {r.hint}")
        lines.append(f"{self.passed}/{len(self.results)} checked tasks pass")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckReport {self.exercise.name}: {self.passed}/{len(self.results)} pass>"

    def _ipython_display_(self) -> None:
        """In a notebook the feedback was already printed; show nothing more."""


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
    exercise file (``path``, default ``exercises/<exercise>.py``) is read afresh on every call, so
    edits are picked up without restarting the kernel.
    """
    ex = get_exercise(exercise)
    if fn is not None:
        if task is None:
            raise ValueError("task: name the task that fn answers, e.g. check('00', 'mask_digits', fn)")
        if not callable(fn):
            raise TypeError(f"fn must be a function, got {type(fn).__name__}")
        results = [run_task(ex.task(task), fn=fn)]
    else:
        file = Path(path) if path is not None else default_path(ex)
        results = run_exercise(ex, file, [task] if task else None)
    report = CheckReport(ex, results)
    if not quiet:
        print(report.text())
    return report


def check_file(exercise: str, task: str | None = None, path: str | Path | None = None) -> CheckReport:
    """Shell entry point: like :func:`check` on the exercise file."""
    return check(exercise, task, path=path)
