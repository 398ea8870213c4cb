"""The batch grader: a folder of submissions -> a CSV gradebook that loses nobody.

Trust model: this process never runs a submission's code. For each submission it starts a child
(:mod:`course_lib.grading.sandbox`) that imports a private copy of the file and calls the learner's
functions on the inputs the checkers send (:mod:`course_lib.grading.remote`); what comes back is plain
data, and the checkers — reference computations and comparisons included — run here. Patching
``math.isclose``, ``numpy`` or ``json`` in the child, returning objects whose comparisons lie, or
writing results anywhere changes nothing but the data the child sends, which is judged as its answer.

Deadlines (per task, for importing, per submission) are fixed when the task starts; nothing the child
sends moves them. A task that times out, crashes its process or sends something unreadable costs that
task only: the child and everything it started are killed and a fresh child takes the tasks that are
left. After every submission all its processes are killed, whatever happened. Submissions are graded
in parallel (``workers``); the gradebook and the other outputs are written by this process alone,
atomically, once every child is gone. Two runs at once share nothing (own user ids, own folders).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from .loader import TaskResult
from .remote import ChildGone, Deadline, Session
from .sandbox import PACKAGE_ROOT, REPO_ROOT, Limits, uid_lease
from .spec import Exercise, get_exercise

__all__ = ["PACKAGE_ROOT", "REPO_ROOT", "SubmissionResult", "find_submissions", "grade_folder",
           "grade_submission", "snapshot", "write_gradebook", "write_outputs"]

MAX_SOURCE_BYTES = 2 * 1024 * 1024
MAX_TASK_BYTES = 512 * 1024 * 1024  # all the answers of one task together (one is at most 64 MB)


@dataclass
class SubmissionResult:
    """All task results of one submission, plus anything that concerns the submission as a whole."""

    name: str
    path: str
    results: list[TaskResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def tampered(self) -> list[str]:
        """Always empty: a submission's child cannot change the grader's files (kept for callers)."""
        return []

    @property
    def max_total(self) -> int:
        return sum(r.max_points for r in self.results)

    def reasons(self) -> list[str]:
        return [f"{r.task}: {r.reason}" for r in self.results if r.points < r.max_points]


PROTECTED_DIRS = ("course_lib", "tests/exercises", "solutions")


def snapshot(root: Path = REPO_ROOT, dirs=PROTECTED_DIRS) -> dict[Path, bytes]:
    """The bytes of every file under the course's own folders (caches excluded): to verify, before
    and after a run, that no submission changed them."""
    files: dict[Path, bytes] = {}
    for d in dirs:
        base = Path(root) / d
        if base.is_dir():
            for p in base.rglob("*"):
                if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc"):
                    files[p] = p.read_bytes()
    return files


# --------------------------------------------------------------------------- copying the reference


def _functions(tree: ast.AST) -> dict[str, str]:
    """Top-level function name -> its AST as text, without docstrings, names of locations or types."""
    out = {}
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                      ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            args = ast.dump(node.args, annotate_fields=False, include_attributes=False)
            out[node.name] = args + "".join(ast.dump(s, annotate_fields=False, include_attributes=False)
                                            for s in body)
    return out


def _reference_functions(exercise: Exercise) -> dict[str, str]:
    path = REPO_ROOT / "solutions" / f"{exercise.name}.py"
    try:
        return _functions(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, ValueError):
        return {}  # a learner copy of the course has no solutions/


def copy_flags(tree: ast.AST, exercise: Exercise, reference: dict[str, str] | None = None) -> list[str]:
    """What in a submission's source suggests the reference solution was copied or used."""
    flags = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            if re.search(r"(^|[/\\.])solutions([/\\.]|$)", text):
                flags.append("refers to solutions/ in a string")
        if any(n == "solutions" or n.startswith("solutions.") for n in names):
            flags.append("imports solutions/")
        if any(n.startswith("course_lib.grading") for n in names) or (
                isinstance(node, ast.ImportFrom) and node.module == "course_lib"
                and any(a.name == "grading" for a in node.names)):
            flags.append("imports the grader's checkers")
    reference = _reference_functions(exercise) if reference is None else reference
    mine = _functions(tree)
    same = [t.function for t in exercise.tasks
            if t.function in reference and mine.get(t.function) == reference[t.function]]
    if same:
        flags.append("identical to the reference solution (up to formatting): " + ", ".join(same))
    return list(dict.fromkeys(flags))


# --------------------------------------------------------------------------- one submission


def _check_limits(**values) -> None:
    for arg, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{arg} must be > 0 seconds, got {value!r}")


def _prepare(path: Path, exercise: Exercise) -> tuple[bytes | None, str, list[str]]:
    """``(source, problem, flags)``: the file's bytes unless it cannot be graded at all."""
    try:
        with open(path, "rb") as fh:
            source = fh.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        return None, f"the file cannot be read ({type(exc).__name__})", []
    if len(source) > MAX_SOURCE_BYTES:
        return None, f"the file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB", []
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        return None, f"{exercise.name}.py is not UTF-8 text", []
    try:
        tree = ast.parse(text)
        compile(tree, f"{exercise.name}.py", "exec")
    except SyntaxError as exc:
        return None, f"SyntaxError at line {exc.lineno}: {exc.msg} — the file cannot be imported", []
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, f"the file cannot be compiled ({type(exc).__name__})", []
    return source, "", copy_flags(tree, exercise)


def grade_submission(
    path: str | Path,
    exercise: Exercise,
    *,
    name: str | None = None,
    task_timeout: float = 10.0,
    import_timeout: float = 30.0,
    submission_timeout: float | None = None,
    memory_mb: int = 4096,
    hide: tuple = (),
    protect: bool | None = None,
    quarantine: Path | None = None,
) -> SubmissionResult:
    """Grade one file in child processes; every task gets a result, whatever the file does.

    ``submission_timeout`` (default: the import timeout plus every task's) bounds the whole
    submission, restarts included; ``hide`` lists folders the child must not see (other learners'
    files, the gradebook). ``protect`` and ``quarantine`` are accepted and ignored: nothing needs
    putting back any more, since a child cannot write the course's files."""
    if submission_timeout is None:
        submission_timeout = import_timeout + task_timeout * len(exercise.tasks)
    _check_limits(task_timeout=task_timeout, import_timeout=import_timeout,
                  submission_timeout=submission_timeout)
    limits = Limits(memory_mb=memory_mb, cpu_seconds=int(submission_timeout) + 5)
    path = Path(path)
    hide = (*hide, path.resolve().parent)  # the child has its own copy; the folder may hold others'
    sub = SubmissionResult(name or path.name, str(path))
    started = time.monotonic()
    done: dict[str, TaskResult] = {}
    source, problem, sub.flags = _prepare(path, exercise)
    if source is None:
        for t in exercise.tasks:
            _zero(done, t, "import_error", problem)
    else:
        whole = Deadline.after(submission_timeout, f"the submission used up its {submission_timeout:g} s")
        grading = _Grading(source, exercise, limits, whole, task_timeout, import_timeout, hide, sub, done)
        with uid_lease() as uid:
            remaining = list(exercise.tasks)
            while remaining:
                remaining = grading.run_child(remaining, uid)
    sub.results = [done[t.name] for t in exercise.tasks]
    sub.seconds = time.monotonic() - started
    return sub


def _zero(done: dict, task, status: str, reason: str, hint: str = "") -> None:
    done[task.name] = TaskResult(task.name, 0, task.points, status, reason, hint)


@dataclass
class _Grading:
    source: bytes
    exercise: Exercise
    limits: Limits
    whole: Deadline
    task_timeout: float
    import_timeout: float
    hide: tuple
    sub: SubmissionResult
    done: dict

    def run_child(self, remaining: list, uid: int | None) -> list:
        """Grade ``remaining`` in one child; return the tasks left after a crash or a timeout."""
        from .loader import run_task

        done = self.done
        if time.monotonic() >= self.whole.at:
            for t in remaining:
                _zero(done, t, "timeout", self.whole.what)
            return []
        session = Session(self.source, f"{self.exercise.name}.py", limits=self.limits, uid=uid,
                          hide=self.hide)
        try:
            session.deadlines = [self.whole, Deadline.after(
                self.import_timeout, f"timed out after {self.import_timeout:g} s while importing the "
                "file (an endless loop at top level?)")]
            try:
                loaded = session.load([t.function for t in remaining])
            except ChildGone as gone:
                why = gone.reason if gone.status != "crashed" else f"{gone.reason} while importing the file"
                for t in remaining:
                    _zero(done, t, "timeout" if gone.status == "timeout" else "import_error", why)
                return []
            if loaded.get("touched_solutions") and "read files in solutions/" not in self.sub.flags:
                self.sub.flags.append("read files in solutions/")
            if "import_error" in loaded:
                for t in remaining:
                    _zero(done, t, "import_error", loaded["import_error"])
                return []
            functions = loaded["functions"]
            left = list(remaining)
            while left:
                task = left.pop(0)
                if task.function not in functions:
                    _zero(done, task, "missing", f"function {task.function}() is not defined", task.hint)
                    continue
                if not functions[task.function]:
                    _zero(done, task, "missing", f"{task.function} is not a function", task.hint)
                    continue
                session.deadlines = [self.whole, Deadline.after(
                    self.task_timeout, f"{task.function}() did not finish within {self.task_timeout:g} s "
                    "(an endless loop?)")]
                session.budget = MAX_TASK_BYTES
                try:
                    done[task.name] = run_task(task, fn=session.function(task.function))
                except ChildGone as gone:
                    reason = gone.reason if gone.status != "crashed" else \
                        f"{gone.reason} while running {task.function}()"
                    _zero(done, task, "timeout" if gone.status == "timeout" else "crashed", reason)
                    return left
            return []
        finally:
            session.close()


# --------------------------------------------------------------------------- a folder


def find_submissions(folder: str | Path, exercise: Exercise) -> list[tuple[str, Path | None, str]]:
    """``(name, file or None, problem)`` for EVERY entry of ``folder`` (hidden ones too): a ``.py``
    file, or a folder holding ``<exercise>.py``. An entry that cannot be graded — another kind of file,
    a link leading out of the folder — is listed with the reason, so nobody is lost."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"submissions must be a folder, got {str(folder)!r}")
    root = folder.resolve()
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: os.fsencode(p.name)):
        name = entry.name
        try:
            target = entry.resolve(strict=True)
        except (OSError, RuntimeError):
            found.append((name, None, "a broken link or unreadable entry"))
            continue
        if not target.is_relative_to(root) or target == root:
            found.append((name, None, "a symbolic link to something outside the submissions folder: "
                          "refused; submit the file itself"))
            continue
        if target.is_dir():
            candidate = entry / f"{exercise.name}.py"
            if not candidate.exists() and not candidate.is_symlink():
                found.append((name, None, f"no {exercise.name}.py in this folder"))
                continue
            try:
                inner = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                found.append((name, None, f"{exercise.name}.py is a broken link"))
                continue
            if not inner.is_relative_to(root):
                found.append((name, None, f"{exercise.name}.py is a symbolic link to a file outside the "
                              "submissions folder: refused; submit the file itself"))
            elif not inner.is_file():
                found.append((name, None, f"{exercise.name}.py is not a file"))
            else:
                found.append((name, inner, ""))
        elif target.is_file() and name.endswith(".py"):
            found.append((name, target, ""))
        else:
            suffix = Path(name).suffix
            kind = "not a regular file" if not target.is_file() else \
                f"not a Python file ({suffix or 'no suffix'})"
            found.append((name, None, f"{kind}; submit {exercise.name}.py"))
    return found


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text any CSV or JSON reader accepts: lone surrogates (an undecodable file name, an odd
    exception message) shown as escapes, control characters as U+FFFD, newlines as spaces."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _CONTROL.sub("\ufffd", unicodedata.normalize("NFC", text))


def _cell(text) -> str:
    """A clean cell that spreadsheet programs will not run as a formula."""
    text = clean_text(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv(rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_gradebook(results: list[SubmissionResult], exercise: Exercise, out: str | Path) -> Path:
    """One row per submission, a column per task, total, percent, every reason for lost points and
    the flags (copying the reference). Written atomically: readers see the old file or the new one."""
    out = Path(out)
    rows = [["submission", *[t.name for t in exercise.tasks], "total", "max", "percent", "reasons",
             "flags"]]
    for sub in results:
        points = {r.task: r.points for r in sub.results}
        rows.append([
            _cell(sub.name), *[points.get(t.name, 0) for t in exercise.tasks], sub.total,
            exercise.max_points, f"{100 * sub.total / exercise.max_points:.1f}",
            _cell(" | ".join(sub.reasons())), _cell(" | ".join(sub.flags)),
        ])
    _atomic_write(out, _csv(rows))
    return out


def _slug(name: str) -> str:
    """A safe, unique file name for a submission's own outputs."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", clean_text(name)).strip("._") or "submission"
    return f"{safe[:60]}-{sha256(os.fsencode(name)).hexdigest()[:8]}"


def feedback_text(sub: SubmissionResult, exercise: Exercise) -> str:
    """The learner's feedback: the same lines ``check()`` prints, then the score."""
    from ..check import CheckReport

    text = CheckReport(exercise, sub.results).text()
    text = text.replace("checked tasks pass", "tasks pass")
    return clean_text_lines(f"{text}\nScore: {sub.total}/{exercise.max_points}\n")


def clean_text_lines(text: str) -> str:
    return "\n".join(clean_text(line) for line in text.split("\n"))


def gradescope_results(sub: SubmissionResult, exercise: Exercise) -> dict:
    """Gradescope's ``results.json``: one test per task with its score and the feedback as output."""
    tests = []
    for r in sub.results:
        output = "correct" if r.passed else clean_text(r.reason + (f" — hint: {r.hint}" if r.hint else ""))
        tests.append({"name": r.task, "score": r.points, "max_score": r.max_points, "output": output,
                      "visibility": "visible"})
    return {"score": sub.total, "output": clean_text(" | ".join(sub.flags)) if sub.flags else "",
            "visibility": "visible", "tests": tests}


FORMATS = ("csv", "nbgrader", "gradescope", "feedback")


def write_outputs(results: list[SubmissionResult], exercise: Exercise, out: str | Path,
                  formats=FORMATS) -> dict[str, Path]:
    """The gradebook ``out`` and, beside it, the other formats: ``<stem>-nbgrader.csv`` (student id,
    assignment, score, max score), ``<stem>-gradescope/<learner>/results.json`` and
    ``<stem>-feedback/<learner>.txt``. Each file is written atomically."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"formats must be among {FORMATS}, got {sorted(unknown)}")
    out = Path(out)
    written = {}
    if "csv" in formats:
        written["csv"] = write_gradebook(results, exercise, out)
    if "nbgrader" in formats:
        path = out.with_name(f"{out.stem}-nbgrader.csv")
        rows = [["student_id", "assignment", "score", "max_score"]]
        rows += [[_cell(Path(s.name).stem if s.name.endswith(".py") else s.name), exercise.name,
                  s.total, exercise.max_points] for s in results]
        _atomic_write(path, _csv(rows))
        written["nbgrader"] = path
    if "gradescope" in formats:
        folder = out.with_name(f"{out.stem}-gradescope")
        for s in results:
            data = json.dumps(gradescope_results(s, exercise), indent=2, ensure_ascii=False)
            _atomic_write(folder / _slug(s.name) / "results.json", data.encode("utf-8"))
        written["gradescope"] = folder
    if "feedback" in formats:
        folder = out.with_name(f"{out.stem}-feedback")
        for s in results:
            _atomic_write(folder / f"{_slug(s.name)}.txt", feedback_text(s, exercise).encode("utf-8"))
        written["feedback"] = folder
    return written


def _grade_one(args) -> SubmissionResult:
    name, path, problem, exercise_name, kwargs, link = args
    exercise = get_exercise(exercise_name)
    if path is None:
        return SubmissionResult(name, "", [TaskResult(t.name, 0, t.points, "missing", problem)
                                           for t in exercise.tasks])
    try:
        sub = grade_submission(path, exercise, name=name, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the grader's own trouble (a full disk ...) costs one row
        return _failed(name, str(path), exercise, exc)
    if link:
        sub.flags.insert(0, f"a link to {link} in the submissions folder")
    return sub


def _failed(name: str, path: str, exercise: Exercise, exc: BaseException) -> SubmissionResult:
    why = f"the grader could not grade this submission ({type(exc).__name__}: {exc}); grade it again"
    return SubmissionResult(name, path, [TaskResult(t.name, 0, t.points, "error", why[:500])
                                         for t in exercise.tasks])


def _link(folder: Path, name: str, path: Path | None) -> str:
    """Where a linked entry leads, relative to the submissions folder ('' when it is no link)."""
    entry = folder / name
    if path is None or not (entry.is_symlink() or (entry / path.name).is_symlink()):
        return ""
    return path.relative_to(folder.resolve()).as_posix()


def grade_folder(folder, exercise: Exercise, out, *, progress=None, workers: int = 2,
                 formats=("csv",), **kwargs) -> list[SubmissionResult]:
    """Grade every entry of ``folder`` (``workers`` at a time) into ``out`` (and the other
    ``formats``); return the SubmissionResults in the order of the folder's listing."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, got {workers!r}")
    entries = find_submissions(folder, exercise)
    out = Path(out)
    hide = tuple(kwargs.pop("hide", ())) + (Path(folder).resolve(), out.resolve().parent)
    jobs = [(name, path, problem, exercise.name, {**kwargs, "hide": hide}, _link(Path(folder), name, path))
            for name, path, problem in entries]
    results: list[SubmissionResult] = []
    if workers == 1 or len(jobs) < 2:
        for job in jobs:
            results.append(_grade_one(job))
            if progress:
                progress(results[-1])
    else:
        import multiprocessing

        # Workers start from a clean single-threaded server (or afresh), never by forking this
        # process, whose other threads could hold a lock at the moment of the fork.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
            futures = [pool.submit(_grade_one, job) for job in jobs]
            for job, future in zip(jobs, futures):
                try:
                    sub = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed for memory
                    sub = _failed(job[0], str(job[1] or ""), exercise, exc)
                results.append(sub)
                if progress:
                    progress(sub)
    write_outputs(results, exercise, out, formats)  # every child is dead by now
    return results
