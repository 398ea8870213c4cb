"""Load a learner's exercise file and run one task against it, turning every failure into a reason."""

from __future__ import annotations

import itertools
import sys
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

from .spec import CheckFailure, Exercise, Task
from .wire import ChildGone

_counter = itertools.count()


class SubmissionError(Exception):
    """The submission could not be loaded at all (missing file, syntax error, crash at import)."""


@dataclass
class TaskResult:
    """The outcome of one task: points out of max_points, and why points were lost."""

    task: str
    points: int
    max_points: int
    status: str  # "passed" | "failed" | "not_implemented" | "missing" | "error" | "timeout" | ...
    reason: str = ""
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict:
        return asdict(self)


def _short(exc: BaseException, limit: int = 240) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _submission_line(exc: BaseException, path: Path) -> str:
    """' (line N)' for the innermost frame of the traceback that lies in the submission file."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return f" (line {line})" if line else ""


def load_submission(path: str | Path) -> ModuleType:
    """Import a Python file as a fresh module (never cached: each call re-reads the file)."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"no file at {path}")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not UTF-8 text") from None
    name = f"_submission_{next(_counter)}"
    module = ModuleType(name)
    module.__file__ = str(path)
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise SubmissionError(
            f"SyntaxError at line {exc.lineno}: {exc.msg} — the file cannot be imported"
        ) from None
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        raise SubmissionError(f"the file called sys.exit({exc.code!r}) while being imported") from None
    except KeyboardInterrupt:
        raise SubmissionError("KeyboardInterrupt while importing the file") from None
    except BaseException as exc:  # noqa: BLE001 - anything a submission raises is a grading result
        raise SubmissionError(
            f"importing the file raised {_short(exc)}{_submission_line(exc, path)}"
        ) from None
    finally:
        sys.modules.pop(name, None)
    return module


def run_task(task: Task, module: ModuleType | None = None, fn=None) -> TaskResult:
    """Check one task against ``fn`` (or ``module.<task.function>``); never raises for learner code."""
    fail = lambda status, reason, hint="": TaskResult(  # noqa: E731
        task.name, 0, task.points, status, reason, hint or task.hint
    )
    if fn is None:
        if module is None:
            raise ValueError("run_task needs a module or fn")
        if not hasattr(module, task.function):
            return fail("missing", f"function {task.function}() is not defined")
        fn = getattr(module, task.function)
    if not callable(fn):
        return fail("missing", f"{task.function} is not a function")
    try:
        task.checker(fn)
    except ChildGone:
        raise  # the grader records it and goes on in a new process
    except CheckFailure as exc:
        return fail("failed", str(exc), exc.hint or "")
    except NotImplementedError:
        return fail("not_implemented", f"{task.function}() is not implemented yet "
                    "(it raises NotImplementedError)")
    except SystemExit as exc:
        return fail("error", f"{task.function}() called sys.exit({exc.code!r})")
    except RecursionError:
        return fail("error", f"{task.function}() recursed without end (RecursionError)")
    except BaseException as exc:  # noqa: BLE001
        where = ""
        path = getattr(module, "__file__", None) or getattr(
            getattr(fn, "__code__", None), "co_filename", None)
        if isinstance(getattr(exc, "wire_line", None), int):  # raised in the grading child
            where = f" (line {exc.wire_line})"
        elif path:
            where = _submission_line(exc, Path(path))
        return fail("error", f"{task.function}() raised {_short(exc)}{where}")
    return TaskResult(task.name, task.points, task.points, "passed")


def run_exercise(exercise: Exercise, path: str | Path, tasks: list[str] | None = None):
    """Load ``path`` and run the named tasks (all by default) in-process; return TaskResults."""
    selected = [exercise.task(t) for t in tasks] if tasks else list(exercise.tasks)
    try:
        module = load_submission(path)
    except SubmissionError as exc:
        return [TaskResult(t.name, 0, t.points, "import_error", str(exc), "") for t in selected]
    return [run_task(t, module) for t in selected]
