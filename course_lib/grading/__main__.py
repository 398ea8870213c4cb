"""Command line: ``python -m course_lib.grading {grade,generate,check,release} ...``.

``python3 course.py grade|exercises|check|release`` call this inside the course's virtual environment.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _grade(args) -> int:
    from .grader import FORMATS, grade_folder
    from .sandbox import describe
    from .spec import get_exercise

    exercise = get_exercise(args.exercise)
    formats = FORMATS if args.formats == "all" else tuple(f for f in args.formats.split(",") if f)
    print(f"Grading {args.folder} against exercise {exercise.name} "
          f"({len(exercise.tasks)} tasks, {exercise.max_points} points), {args.workers} at a time")
    for line in describe():
        print(f"  isolation: {line}")

    def show(sub):
        flags = f"  [{'; '.join(sub.flags)}]" if sub.flags else ""
        print(f"  {ascii(sub.name)[1:-1]:<32} {sub.total}/{sub.max_total}  ({sub.seconds:.1f} s){flags}")

    started = time.monotonic()
    results = grade_folder(
        args.folder, exercise, args.out, progress=show, task_timeout=args.task_timeout,
        import_timeout=args.import_timeout, submission_timeout=args.submission_timeout,
        memory_mb=args.memory_mb, workers=args.workers, formats=formats,
    )
    seconds = time.monotonic() - started
    rate = 60 * len(results) / seconds if seconds else 0.0
    print(f"{len(results)} submissions graded in {seconds:.1f} s ({rate:.0f}/min) -> {args.out}")
    return 0


def _release(args) -> int:
    from .release import release

    written = release(Path(args.root), Path(args.target))
    print(f"wrote a learner copy of the course to {written} (no solutions/)")
    return 0


def _generate(args) -> int:
    from .generate import write_exercises

    written = write_exercises(Path(args.root))
    for p in written:
        print(f"wrote {p}")
    if not written:
        print("exercises/ is up to date")
    return 0


def _check(args) -> int:
    from ..check import check_file

    path = args.path
    if path is not None:  # relative to where the learner typed the command (course.py passes it on)
        path = Path(os.environ.get("COURSE_CALLER_CWD") or os.getcwd()) / path
    report = check_file(args.exercise, args.task, path=path)
    return 0 if report else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.grading")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade a folder of submissions into a CSV gradebook")
    g.add_argument("folder", help="one NN_topic.py per learner, or one folder per learner")
    g.add_argument("--exercise", required=True, help="e.g. 00_warmup (or 00)")
    g.add_argument("--out", default="gradebook.csv", help="CSV file to write")
    g.add_argument("--task-timeout", type=float, default=10.0, help="seconds per task")
    g.add_argument("--import-timeout", type=float, default=30.0, help="seconds to import a file")
    g.add_argument("--submission-timeout", type=float, default=None,
                   help="seconds for a whole submission (default: import + every task)")
    g.add_argument("--memory-mb", type=int, default=4096, help="memory limit per submission")
    g.add_argument("--workers", type=int, default=2, help="submissions graded at a time")
    g.add_argument("--formats", default="all",
                   help="comma-separated among csv,nbgrader,gradescope,feedback (default: all)")
    g.set_defaults(func=_grade)

    r = sub.add_parser("release", help="write a learner copy of the course, without solutions/")
    r.add_argument("target", help="a new folder outside the course")
    r.add_argument("--root", default=".", help="the course folder")
    r.set_defaults(func=_release)

    e = sub.add_parser("generate", help="regenerate exercises/ from solutions/")
    e.add_argument("--root", default=".", help="the course folder")
    e.set_defaults(func=_generate)

    c = sub.add_parser("check", help="check your exercise file, one task or all")
    c.add_argument("exercise", help="e.g. 00_warmup (or 00)")
    c.add_argument("task", nargs="?", default=None)
    c.add_argument("--path", default=None, help="file to check (default exercises/NN_topic.py); "
                   "a relative path is taken from the current directory")
    c.set_defaults(func=_check)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
