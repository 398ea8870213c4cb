"""The batch grader: a folder of submissions -> a CSV gradebook that loses nobody.

Each submission is graded in its own child process (:mod:`course_lib.grading.runner`) with its
output discarded, a time limit per task (and one for importing the file), and, on POSIX, limits on
memory and core dumps. A task that loops forever or kills its process costs that task only: the
grader records it and starts a fresh process for the tasks that are left. Before each submission the
grader's own files (``course_lib/``, ``tests/exercises/``, ``solutions/``) are snapshotted; anything a
submission changed is put back (what it wrote is kept in ``build/grader-quarantine/``) and the
submission scores zero with the reason recorded.

This protects against accidents and crude abuse. Code that is out to fool a grader running in the
same account can always find a way; for adversarial settings run the grader in a container.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .loader import TaskResult
from .spec import Exercise

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # .../course_lib
REPO_ROOT = PACKAGE_ROOT.parent
PROTECTED_DIRS = ("course_lib", "tests/exercises", "solutions")
QUARANTINE = REPO_ROOT / "build" / "grader-quarantine"


@dataclass
class SubmissionResult:
    """All task results of one submission, plus anything that concerns the submission as a whole."""

    name: str
    path: str
    results: list[TaskResult] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def max_total(self) -> int:
        return sum(r.max_points for r in self.results)

    def reasons(self) -> list[str]:
        return [f"{r.task}: {r.reason}" for r in self.results if r.points < r.max_points]


# --------------------------------------------------------------------------- file protection


def snapshot(root: Path = REPO_ROOT, dirs=PROTECTED_DIRS) -> dict[Path, bytes]:
    """The bytes of every file under the protected directories (caches excluded)."""
    files: dict[Path, bytes] = {}
    for d in dirs:
        base = root / d
        if not base.is_dir():
            continue
        for p in base.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc"):
                files[p] = p.read_bytes()
    return files


def restore(before: dict[Path, bytes], root: Path = REPO_ROOT, dirs=PROTECTED_DIRS,
            quarantine: Path | None = None) -> list[str]:
    """Put back every protected file that changed, vanished or appeared; return their paths.

    Nothing is thrown away: what a submission wrote (a changed file's new text, a new file) is moved
    to ``quarantine`` (default ``build/grader-quarantine/``) for an instructor to look at.
    """
    import shutil as _shutil

    quarantine = quarantine or QUARANTINE / time.strftime("%Y%m%d-%H%M%S")
    changed = []
    after = snapshot(root, dirs)

    def keep(p: Path) -> None:
        target = quarantine / p.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        _shutil.move(str(p), str(target))

    for p, data in before.items():
        if after.get(p) != data:
            if p.exists():
                keep(p)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            changed.append(p)
    for p in after.keys() - before.keys():
        keep(p)
        changed.append(p)
    return sorted(p.relative_to(root).as_posix() for p in changed)


# --------------------------------------------------------------------------- one child process


def _limits(memory_mb: int):
    def apply():  # runs in the child between fork and exec (POSIX only)
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _read_events(path: Path, offset: int) -> tuple[list[dict], int]:
    """Complete JSON lines appended to ``path`` since ``offset``; malformed lines are skipped."""
    if not path.exists():
        return [], offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n") + 1
    events = []
    for line in data[:end].splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events, offset + end


def _run_child(exercise, path, tasks, workdir, task_timeout, import_timeout, memory_mb, attempt):
    """Run one child over ``tasks``; return (events, exit code, what it was doing if timed out)."""
    results = workdir / f"results-{attempt}.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COURSE_"))}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        PYTHONPYCACHEPREFIX=str(workdir / f"pycache-{attempt}"),
        PYTHONHASHSEED="0",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        COURSE_FAST="1",
    )
    cmd = [sys.executable, "-m", "course_lib.grading.runner", exercise.name, str(path),
           str(results), *[t.name for t in tasks]]
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=(os.name == "posix"),
        preexec_fn=_limits(memory_mb) if os.name == "posix" else None,
    )
    events: list[dict] = []
    offset = 0
    doing = "import"
    deadline = time.monotonic() + import_timeout
    timed_out = None
    while True:
        code = proc.poll()
        new, offset = _read_events(results, offset)
        for ev in new:
            events.append(ev)
            kind = ev.get("event")
            if kind == "start":
                doing = f"task:{ev.get('task')}"
            elif kind in ("imported", "result"):
                doing = "between"
            deadline = time.monotonic() + (task_timeout if kind != "import_error" else 5)
        if code is not None:
            break
        if time.monotonic() > deadline:
            _kill(proc)
            timed_out = doing
            new, offset = _read_events(results, offset)
            events.extend(new)
            break
        time.sleep(0.02)
    return events, proc.returncode, timed_out


def grade_submission(
    path: str | Path,
    exercise: Exercise,
    *,
    name: str | None = None,
    task_timeout: float = 10.0,
    import_timeout: float = 30.0,
    memory_mb: int = 4096,
    protect: bool = True,
    quarantine: Path | None = None,
) -> SubmissionResult:
    """Grade one file in child processes; every task gets a result, whatever the file does."""
    for arg, value in (("task_timeout", task_timeout), ("import_timeout", import_timeout)):
        if not value > 0:
            raise ValueError(f"{arg} must be > 0 seconds, got {value}")
    path = Path(path).resolve()
    sub = SubmissionResult(name or path.name, str(path))
    started = time.monotonic()
    before = snapshot() if protect else None
    by_name = {t.name: t for t in exercise.tasks}
    done: dict[str, TaskResult] = {}
    remaining = list(exercise.tasks)
    workdir = Path(tempfile.mkdtemp(prefix="course-grade-"))

    def zero(task, status, reason):
        done[task.name] = TaskResult(task.name, 0, task.points, status, reason, "")

    try:
        attempt = 0
        while remaining:
            attempt += 1
            events, code, timed_out = _run_child(
                exercise, path, remaining, workdir, task_timeout, import_timeout, memory_mb, attempt
            )
            kinds = [e.get("event") for e in events]
            if "import_error" in kinds:
                reason = next(e for e in events if e.get("event") == "import_error").get("reason")
                for t in remaining:
                    zero(t, "import_error", str(reason))
                break
            if "imported" not in kinds:
                if timed_out:
                    why = (f"timed out after {import_timeout:g} s while importing the file "
                           "(an endless loop at top level?)")
                else:
                    why = f"the process exited with code {code} while importing the file"
                for t in remaining:
                    zero(t, "import_error", why)
                break
            running = None
            for ev in events:
                task = by_name.get(str(ev.get("task")))
                if task is None or task.name in done:
                    continue
                if ev.get("event") == "start":
                    running = task
                elif ev.get("event") == "result" and running is task:
                    points = ev.get("points")
                    points = points if isinstance(points, int) else 0
                    done[task.name] = TaskResult(
                        task.name, min(max(points, 0), task.points), task.points,
                        str(ev.get("status", "")), str(ev.get("reason", "")),
                        str(ev.get("hint", "")),
                    )
                    running = None
            if running is not None:
                if timed_out:
                    zero(running, "timeout", f"{running.function}() did not finish within "
                         f"{task_timeout:g} s (an endless loop?)")
                else:
                    zero(running, "crashed", f"the process exited with code {code} while "
                         f"running {running.function}()")
            progress = [t for t in remaining if t.name in done]
            remaining = [t for t in remaining if t.name not in done]
            if remaining and not progress:
                for t in remaining:
                    zero(t, "error", f"the grading process ended unexpectedly (code {code})")
                remaining = []
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if before is not None:
            where = (quarantine or QUARANTINE) / f"{sub.name}-{int(time.time())}"
            sub.tampered = restore(before, quarantine=where)
    sub.results = [done[t.name] for t in exercise.tasks]
    if sub.tampered:
        shown = ", ".join(sub.tampered[:3]) + (" ..." if len(sub.tampered) > 3 else "")
        sub.results = [
            TaskResult(r.task, 0, r.max_points, "tampered",
                       f"the submission modified the grader's files (now restored): {shown}")
            for r in sub.results
        ]
    sub.seconds = time.monotonic() - started
    return sub


# --------------------------------------------------------------------------- a folder


def find_submissions(folder: str | Path, exercise: Exercise) -> list[tuple[str, Path | None, str]]:
    """``(name, file or None, problem)`` for every entry of ``folder``: a ``.py`` file, or a folder
    holding ``<exercise>.py``. Other entries are listed with the problem, so nobody is lost."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"submissions must be a folder, got {str(folder)!r}")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            candidate = entry / f"{exercise.name}.py"
            if candidate.is_file():
                found.append((entry.name, candidate, ""))
            else:
                found.append((entry.name, None, f"no {exercise.name}.py in this folder"))
        elif entry.suffix == ".py":
            found.append((entry.name, entry, ""))
        else:
            found.append((entry.name, None, f"not a Python file ({entry.suffix or 'no suffix'}); "
                          f"submit {exercise.name}.py"))
    return found


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell that starts like a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_gradebook(results: list[SubmissionResult], exercise: Exercise, out: str | Path) -> Path:
    """One row per submission, a column per task, total, percent, and every reason for lost points."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", *[t.name for t in exercise.tasks], "total", "max",
                         "percent", "reasons"])
        for sub in results:
            points = {r.task: r.points for r in sub.results}
            writer.writerow([
                _cell(sub.name), *[points.get(t.name, 0) for t in exercise.tasks], sub.total,
                exercise.max_points, f"{100 * sub.total / exercise.max_points:.1f}",
                _cell(" | ".join(sub.reasons())),
            ])
    return out


def grade_folder(folder, exercise: Exercise, out, *, progress=None, **kwargs):
    """Grade every submission in ``folder`` into the CSV ``out``; return the SubmissionResults."""
    results = []
    for name, path, problem in find_submissions(folder, exercise):
        if path is None:
            sub = SubmissionResult(name, "", [
                TaskResult(t.name, 0, t.points, "missing", problem) for t in exercise.tasks
            ])
        else:
            sub = grade_submission(path, exercise, name=name, **kwargs)
        results.append(sub)
        if progress:
            progress(sub)
    write_gradebook(results, exercise, out)
    return results
