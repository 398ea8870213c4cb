"""Numbers a notebook records so that instructors can compare runs.

``record("test_accuracy", 0.953)`` keeps the value in memory and, when the ``COURSE_METRICS_FILE``
environment variable names a file (the full-mode build sets it for each notebook), rewrites that
file as JSON. Values must be JSON numbers, strings or booleans: a metrics file is for reading.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

_RECORDED: dict[str, float | int | str | bool] = {}


def record(name: str, value: float | int | str | bool) -> float | int | str | bool:
    """Record one named value and return it (so it can be used inline)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        value = value.item()
    if not isinstance(value, (bool, int, float, str)):
        raise TypeError(f"value for {name!r} must be a number, string or bool, got {type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"value for {name!r} must be finite, got {value}")
    _RECORDED[name] = value
    target = os.environ.get("COURSE_METRICS_FILE")
    if target:
        Path(target).write_text(json.dumps(_RECORDED, indent=2, sort_keys=True) + "\n")
    return value


def recorded() -> dict[str, float | int | str | bool]:
    """A copy of everything recorded in this process so far."""
    return dict(_RECORDED)
