"""Shared pytest set-up: the --impl option and one marker per exercise and per task."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_addoption(parser):
    parser.addoption(
        "--impl", default=None,
        help="exercise implementation to test: solutions (default), exercises, or a path",
    )


def pytest_configure(config):
    from course_lib.grading import exercise_names, get_exercise

    for name in exercise_names():
        prefix = "ex" + name.split("_", 1)[0]
        config.addinivalue_line("markers", f"{prefix}: every task of exercise {name}")
        for task in get_exercise(name).tasks:
            config.addinivalue_line("markers", f"{prefix}_{task.name}: task {task.name} of {name}")
