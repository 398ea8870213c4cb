"""Argument checks of the differential-privacy modules (the generic ones live in ``course_lib._validate``).

Every check raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for one out of
range, with a message that names the argument and its valid range, and returns the value in the
form the caller computes with (a float, an int, a float64 array).
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import numpy as np

# The generic checks, re-exported so that the dp modules import every check from one place.
from .._validate import check_bool, check_int, check_positive, check_probability, check_real  # noqa: F401


def check_epsilon(epsilon, name: str = "epsilon") -> float:
    """The privacy parameter: a finite ``epsilon > 0``."""
    return check_positive(epsilon, name)


def check_delta(delta, name: str = "delta") -> float:
    """The failure probability of approximate DP: ``0 < delta < 1``."""
    x = check_real(delta, name)
    if not 0.0 < x < 1.0:
        raise ValueError(f"{name} must be in the open interval (0, 1), got {delta!r}")
    return x


def check_rng(rng, secure) -> np.random.Generator | None:
    """``rng`` must be ``None`` or a ``numpy.random.Generator``; ``secure`` must be a bool.

    Returns the generator to draw from, or ``None`` when ``secure=True`` (the operating system's
    randomness is used and ``rng`` is ignored).
    """
    secure = check_bool(secure, "secure")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be None or a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    if secure:
        return None
    return np.random.default_rng() if rng is None else rng


def check_size(size) -> tuple[int, ...] | None:
    """``None`` (one draw), an int ``>= 0`` or a tuple of ints ``>= 0``; returned as a shape tuple."""
    if size is None:
        return None
    if isinstance(size, (int, np.integer)) and not isinstance(size, (bool, np.bool_)):
        return (check_int(size, "size", 0),)
    if isinstance(size, (tuple, list)):
        return tuple(check_int(s, "size", 0) for s in size)
    raise TypeError(f"size must be None, an int >= 0 or a tuple of ints >= 0, got {type(size).__name__}")


def check_values(value, name: str = "value") -> tuple[np.ndarray, bool]:
    """Finite real data as a float64 array, and whether it was a scalar."""
    what = f"{name} must be a real number or an array of real numbers"
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what}, got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{what}, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or infinite values")
    return arr, arr.ndim == 0


def check_int_values(value, name: str = "value") -> tuple[np.ndarray, bool]:
    """Integer data (int, NumPy integer or integer array, not bool) as int64, and whether a scalar."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or an array of ints, got bool")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError(f"{name} must fit in 64 bits, got {value}")
    arr = np.asarray(value)
    if not np.issubdtype(arr.dtype, np.integer) and arr.size:  # an empty list is float64 to NumPy
        raise TypeError(f"{name} must be an int or an array of ints, got dtype {arr.dtype}")
    return arr.astype(np.int64), arr.ndim == 0


def check_scores(scores, name: str = "scores") -> np.ndarray:
    """A non-empty 1-D array of finite real scores, as float64."""
    arr, _ = check_values(scores, name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    return arr


def as_fraction(value, name: str) -> Fraction:
    """A positive finite real number as an exact ``Fraction``.

    ``int`` and ``Fraction`` convert exactly, and so does a ``float``: to the binary rational it
    stores (``Fraction(0.1) == 3602879701896397 / 2**55``), so no rounding happens.
    """
    check_real(value, name)
    try:  # a Rational (int, NumPy int, Fraction) converts exactly, and so does every float
        x = Fraction(value if isinstance(value, numbers.Rational) else float(value))
    except (ValueError, OverflowError):  # NaN, inf
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}") from None
    if x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def check_finite(value, name: str) -> float:
    """A finite real number (not bool, NaN or ±inf)."""
    x = check_real(value, name)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return x


def check_generator(rng) -> np.random.Generator:
    """An explicit NumPy Generator (no implicit global state)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def check_noise_multiplier(value, name: str = "noise_multiplier") -> float:
    """A Gaussian noise multiplier σ: finite and >= 0 (0 means no noise, infinite privacy loss)."""
    sigma = check_real(value, name)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"{name} must be a finite number >= 0 (0 means no noise), got {value!r}")
    return sigma


def check_sample_rate(value, name: str = "sample_rate") -> float:
    """A Poisson sampling rate q in (0, 1]."""
    q = check_real(value, name)
    if not 0.0 < q <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return q
