"""Argument checks shared across course_lib.

Every check raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for one out of
range, with a message that names the argument and its valid range, and returns the value in the
form the caller computes with.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_real(value, name: str) -> float:
    """``value`` as a float; ``bool`` and non-numbers are a ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def check_positive(value, name: str) -> float:
    """A finite real number ``> 0`` (epsilon, a sensitivity, a scale, sigma)."""
    x = check_real(value, name)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def check_probability(value, name: str) -> float:
    """A probability in the closed interval ``[0, 1]``."""
    x = check_real(value, name)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


def check_int(value, name: str, lo: int, hi: int | None = None) -> int:
    """An ``int`` (or NumPy integer, not ``bool``) in ``[lo, hi]``."""
    valid = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int {valid}, got {type(value).__name__}")
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"{name} must be an int {valid}, got {value}")
    return int(value)


def check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)
