"""The child process that grades one submission: ``python -m course_lib.grading.runner``.

It is started by :mod:`course_lib.grading.grader`, one process per submission, and reports through
a results file of JSON lines, one event per line, flushed as it goes::

    {"event": "imported"}                     the submission loaded
    {"event": "import_error", "reason": ...}  it did not; nothing else follows
    {"event": "start", "task": name}          a task began (the parent times it)
    {"event": "result", ...TaskResult...}     a task ended

The parent reads the file while the child runs, so when a task loops forever or kills the process
the parent knows exactly which task was running, records it, and starts a new child for the tasks
that are left. The child's own output goes nowhere: the parent connects stdout and stderr to the
null device, and ``print`` inside the submission is swallowed here before it costs anything.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys


class _Discard(io.TextIOBase):
    """A text stream that accepts and forgets everything (cheap even for 100 MB of prints)."""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        return len(s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("exercise")
    parser.add_argument("submission")
    parser.add_argument("results")
    parser.add_argument("tasks", nargs="*")
    args = parser.parse_args(argv)

    # Everything the grader needs is imported BEFORE the submission runs, so a submission that
    # rewrites the checker files on disk cannot change how it is graded in this process.
    from .loader import SubmissionError, load_submission, run_task
    from .spec import get_exercise

    exercise = get_exercise(args.exercise)
    tasks = [exercise.task(t) for t in args.tasks] if args.tasks else list(exercise.tasks)
    out = open(args.results, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def emit(event: dict) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()
        os.fsync(out.fileno())

    sys.stdout = _Discard()
    sys.stderr = _Discard()
    try:
        module = load_submission(args.submission)
    except SubmissionError as exc:
        emit({"event": "import_error", "reason": str(exc)})
        return 0
    emit({"event": "imported"})
    for task in tasks:
        emit({"event": "start", "task": task.name})
        result = run_task(task, module)
        emit({"event": "result", **result.to_dict()})
    return 0


if __name__ == "__main__":
    code = main()
    # Leave without running the submission's atexit handlers or finalizers.
    os._exit(code)
