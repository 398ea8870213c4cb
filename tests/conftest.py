"""Shared pytest set-up: the --impl option, one marker per exercise and per task, and a one-thread fixture."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="module")
def one_thread():
    """Small models train several times faster on one thread than on two (and a busy machine makes two
    threads much slower still); the previous setting is restored afterwards. A test module that trains
    small torch models uses it with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    from course_lib.config import set_threads

    previous = set_threads(1)
    yield
    set_threads(previous)


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
        try:
            tasks = get_exercise(name).tasks
        except ImportError:  # .venv-site runs tests/browser without the course's packages
            continue
        for task in tasks:
            config.addinivalue_line("markers", f"{prefix}_{task.name}: task {task.name} of {name}")
