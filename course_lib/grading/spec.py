"""What an exercise is: named tasks, each asking for one function and checked by one checker.

A checker is a plain function ``checker(fn) -> None`` that calls the learner's ``fn`` on inputs of
its choosing and raises :class:`CheckFailure` with a message (and optionally a hint) when the
behaviour is wrong. Messages describe *what* is wrong (which input, which property) and never print
the expected value, so feedback does not give the answer away.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field


class CheckFailure(AssertionError):
    """A learner's function behaves wrongly; ``str(exc)`` says how, ``exc.hint`` how to think about it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Task:
    """One graded task: the learner writes ``function`` in the exercise file; ``checker`` judges it."""

    name: str
    function: str
    checker: Callable[[Callable], None]
    hint: str
    points: int = 1
    notebook: str = ""

    def __post_init__(self):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"task name must be snake_case, got {self.name!r}")
        if self.points < 1:
            raise ValueError(f"points must be >= 1, got {self.points}")


@dataclass(frozen=True)
class Exercise:
    """An exercise file ``exercises/<name>.py`` and its tasks, in the order a learner meets them."""

    name: str
    title: str
    tasks: tuple[Task, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if not re.fullmatch(r"\d{2}_[a-z0-9_]+", self.name):
            raise ValueError(f"exercise name must look like '00_warmup', got {self.name!r}")
        names = [t.name for t in self.tasks]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate task names in {self.name}: {names}")

    @property
    def max_points(self) -> int:
        return sum(t.points for t in self.tasks)

    def task(self, name: str) -> Task:
        for t in self.tasks:
            if t.name == name:
                return t
        raise ValueError(
            f"task must be one of {[t.name for t in self.tasks]} for exercise {self.name}, "
            f"got {name!r}"
        )


def _check_modules() -> dict[str, str]:
    """Map exercise name -> module path for every ``checks/exNN_*.py``."""
    from . import checks

    found = {}
    for info in pkgutil.iter_modules(checks.__path__):
        m = re.fullmatch(r"ex(\d{2}_[a-z0-9_]+)", info.name)
        if m:
            found[m.group(1)] = f"{checks.__name__}.{info.name}"
    return found


def exercise_names() -> list[str]:
    """All exercise names, sorted (``['00_warmup', ...]``)."""
    return sorted(_check_modules())


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``; ``"00"`` is accepted for ``"00_warmup"``."""
    if not isinstance(name, str):
        raise TypeError(f"exercise must be a string such as '00_warmup', got {type(name).__name__}")
    modules = _check_modules()
    matches = [n for n in modules if n == name or n.split("_", 1)[0] == name]
    if len(matches) != 1:
        raise ValueError(f"exercise must be one of {sorted(modules)}, got {name!r}")
    module = importlib.import_module(modules[matches[0]])
    exercise = module.EXERCISE
    if exercise.name != matches[0]:
        raise RuntimeError(f"{module.__name__} declares exercise {exercise.name!r}")
    return exercise
