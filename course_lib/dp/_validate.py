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
    """Finite real data as a float64 array, and whether it was a scalar.

    The dtype is checked first (public: ``TypeError`` for bool, complex, object, strings); then the
    values: NaN, ±inf or a number beyond the float64 range (a ``longdouble``) is a ``ValueError``.
    That second error depends on the data, and an exception raised because of a data value is
    itself a release: a caller that catches it learns something about the records that no noise
    protects. Clean the data by a rule fixed in advance before it reaches a mechanism.
    """
    what = f"{name} must be a real number or an array of real numbers"
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what}, got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{what}, got dtype {arr.dtype}")
    with np.errstate(over="ignore"):  # a longdouble beyond float64's range becomes inf, refused below
        arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} must be finite; it contains NaN or infinite values (or values beyond the float64 "
            f"range). This error depends on the data: clean it by a rule fixed in advance"
        )
    return arr, arr.ndim == 0


def check_int_values(value, name: str = "value") -> tuple[np.ndarray, bool]:
    """Integer data (int, NumPy integer or integer array, not bool) as int64, and whether a scalar.

    Decided by the dtype (public), never by the values: ``uint64`` is refused, because its values
    need not fit in int64 and casting would wrap them around (cast to int64 yourself, knowing the
    range). A Python ``int`` scalar must fit in 64 bits (a ``ValueError`` that depends on the value:
    the mechanisms take their scalars through ``check_int_scalar`` instead, which has no limit).
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or an array of ints, got bool")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError(f"{name} must fit in 64 bits, got {value}")
    arr = np.asarray(value)
    if not np.issubdtype(arr.dtype, np.integer) and arr.size:  # an empty list is float64 to NumPy
        raise TypeError(f"{name} must be an int or an array of ints, got dtype {arr.dtype}")
    if arr.dtype == np.uint64:
        raise TypeError(
            f"{name} must have a signed integer dtype or one of at most 32 bits, got uint64 (its values "
            f"need not fit in int64, and casting would wrap them around); cast it to int64 yourself if "
            f"its values fit"
        )
    return arr.astype(np.int64), arr.ndim == 0


def check_int_scalar(value, name: str = "value") -> int | None:
    """``value`` as an exact Python ``int`` if it is an integer scalar (not bool), else None.

    No size limit: the discrete mechanisms add their noise to a scalar as Python ints, exactly.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return None
    return int(value)


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


#: The smallest positive noise multiplier the accountants take: above it σ² is a normal float and
#: α / (2σ²) is finite for every order the accountants use; below it 2σ² underflows.
MIN_ACCOUNTABLE_NOISE_MULTIPLIER = 2.0**-500


def check_accountable_noise_multiplier(value, name: str = "noise_multiplier") -> float:
    """``check_noise_multiplier``, and a positive σ must be at least ``2**-500`` (about 3e-151).

    Below that ``2σ²`` underflows float64 and the privacy loss ``1/(2σ²)`` overflows it: such noise
    protects nothing, and the accountants refuse it with this message rather than dividing by 0.
    """
    sigma = check_noise_multiplier(value, name)
    if 0.0 < sigma < MIN_ACCOUNTABLE_NOISE_MULTIPLIER:
        raise ValueError(
            f"{name} must be 0 (no noise, epsilon = inf) or at least 2**-500 (about 3.1e-151), got "
            f"{value!r}: below that 2*sigma**2 underflows float64 and the privacy loss 1/(2*sigma**2) "
            f"overflows it; such noise gives no meaningful privacy"
        )
    return sigma


def check_sample_rate(value, name: str = "sample_rate") -> float:
    """A Poisson sampling rate q in (0, 1]."""
    q = check_real(value, name)
    if not 0.0 < q <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return q
