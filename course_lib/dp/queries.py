"""Central-DP statistics of a 1-D data set: count, sum, mean and histogram with the Laplace mechanism.

Neighbouring data sets differ by adding or removing one person's record. Then

* a count changes by at most 1: sensitivity 1;
* a sum of values clamped to ``[lower, upper]`` changes by at most ``max(|lower|, |upper|)``;
* a histogram with fixed bins changes in one bin by 1: L1 sensitivity 1.

The clamping bounds and the bin edges must be chosen *a priori*, without looking at the data: they
are part of the mechanism, and bounds computed from the data (``bounds_from_data``) reveal the
smallest and largest record and void the guarantee; it warns with ``PrivacyWarning``.

Each query is epsilon-DP for the ``epsilon`` it is given (``dp_mean`` splits it in two halves).

**Errors and what they reveal.** An exception raised because of a data value is itself a release:
it tells whoever sees it something about a record, with no noise. So each query checks its public
arguments first (epsilon, bounds, bin edges, the data's dtype and shape) and prefers rules fixed in
advance to errors: values outside ``[lower, upper]`` are clamped, values outside the bins are not
counted. The one data-dependent error is for non-finite data: a NaN or ±inf record is a
``ValueError`` in every query (``dp_count`` included, for float records), because no bound or bin
can say what it means; decide what a missing or overflowed value means (drop, impute) with a rule
fixed in advance, before the query. ``clamp`` itself, which releases nothing, maps ±inf to the bounds.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ._validate import check_epsilon, check_real
from .mechanisms import laplace_mechanism


class PrivacyWarning(UserWarning):
    """Something in this call weakens or voids the differential-privacy guarantee."""


_NON_FINITE = ("must not contain NaN or infinite values; drop or impute them by a rule fixed in advance "
               "(this error depends on the data, and is itself a release)")


def _check_data(data, name: str = "data", finite: bool = True) -> np.ndarray:
    """1-D real data as float64; NaN is rejected, and so is ±inf when ``finite`` (the DP queries).

    The dtype and shape are checked first (public); the NaN / inf check depends on the data.
    """
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D array of real numbers, got {type(data).__name__}")
    arr = np.asarray(data)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a 1-D array of real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per person), got shape {arr.shape}")
    with np.errstate(over="ignore"):  # a longdouble beyond float64 becomes inf, refused below
        arr = arr.astype(np.float64)
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} {_NON_FINITE}")
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not contain NaN; drop or impute missing values first")
    return arr


def _check_records(arr: np.ndarray) -> None:
    """No NaN or ±inf among the numbers of records of any kind (float, complex or object arrays)."""
    if arr.dtype.kind in "fc":
        bad = not np.all(np.isfinite(arr))
    elif arr.dtype.kind == "O":
        bad = any(isinstance(x, (numbers.Real, numbers.Complex)) and not isinstance(x, numbers.Integral)
                  and not np.isfinite(complex(x)) for x in arr.ravel())
    else:
        bad = False
    if bad:
        raise ValueError(f"data {_NON_FINITE}")


def _check_bounds(lower, upper) -> tuple[float, float]:
    lo, hi = check_real(lower, "lower"), check_real(upper, "upper")
    if not np.isfinite(lo):
        raise ValueError(f"lower must be a finite number, got {lower!r}")
    if not np.isfinite(hi):
        raise ValueError(f"upper must be a finite number, got {upper!r}")
    if lo > hi:
        raise ValueError(f"lower must be <= upper, got lower={lower!r} > upper={upper!r}")
    return lo, hi


def _sum_sensitivity(lower: float, upper: float) -> float:
    sensitivity = max(abs(lower), abs(upper))
    if sensitivity == 0.0:
        raise ValueError("lower and upper must not both be 0: every clamped value would be 0")
    return sensitivity


def clamp(data, lower: float, upper: float) -> np.ndarray:
    """Every value limited to ``[lower, upper]``: ``min(max(x, lower), upper)``, as float64.

    ±inf is mapped to the bounds; NaN is a ``ValueError`` (it has no place in the order). ``clamp``
    releases nothing; the DP queries that use it refuse ±inf too (see the module docstring).
    """
    lo, hi = _check_bounds(lower, upper)
    return np.clip(_check_data(data, finite=False), lo, hi)


def dp_count(data, epsilon: float, rng: np.random.Generator | None = None, secure: bool = False) -> float:
    """The number of records, ``len(data)``, plus ``Laplace(1 / epsilon)``; epsilon-DP (sensitivity 1).

    ``data``: any array-like with one record per row (numbers, strings, rows of features).
    ``E|noise| = 1 / epsilon``. The result is a float and may be negative; rounding or clipping it
    afterwards is post-processing and costs no privacy.

    Errors: epsilon and the shape first; then, data-dependent, a NaN or ±inf number in the records
    is a ``ValueError`` (the exception is itself a release: clean the data first).
    """
    epsilon = check_epsilon(epsilon)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"data must be an array-like of records, got {type(data).__name__}")
    arr = np.asarray(data)
    if arr.ndim == 0:
        raise ValueError("data must be an array-like of records (at least 1-D), got a scalar")
    _check_records(arr)
    return laplace_mechanism(float(arr.shape[0]), 1.0, epsilon, rng=rng, secure=secure)


def dp_sum(data, lower: float, upper: float, epsilon: float, rng: np.random.Generator | None = None,
           secure: bool = False) -> float:
    """``sum(clamp(data, lower, upper)) + Laplace(max(|lower|, |upper|) / epsilon)``; epsilon-DP.

    Adding or removing one clamped record changes the sum by at most ``max(|lower|, |upper|)``.
    Values outside the bounds are clamped, never refused. Computed in units of that sensitivity
    ``S``, ``S * (sum(clamped / S) + Laplace(1 / epsilon))``, so the sum of many records near 1e308
    cannot overflow; only a noisy result beyond the float64 range is a ``ValueError`` (a function of
    the release alone).

    Errors: bounds and epsilon first; then, data-dependent, NaN or ±inf data is a ``ValueError``
    (the exception is itself a release: clean the data first).
    """
    lo, hi = _check_bounds(lower, upper)
    sensitivity = _sum_sensitivity(lo, hi)
    epsilon = check_epsilon(epsilon)
    clamped = np.clip(_check_data(data), lo, hi)
    noisy = laplace_mechanism(float(np.sum(clamped / sensitivity)), 1.0, epsilon, rng=rng, secure=secure)
    result = noisy * sensitivity
    if not math.isfinite(result):
        raise ValueError("the noisy sum overflowed float64 (> 1.8e308); rescale the data (other units). "
                         "This depends only on the noisy output")
    return result


def dp_mean(data, lower: float, upper: float, epsilon: float, rng: np.random.Generator | None = None,
            secure: bool = False) -> float:
    """``noisy_sum / max(noisy_count, 1)`` with ``epsilon / 2`` spent on each; epsilon-DP in total.

    ``noisy_sum = dp_sum(data, lower, upper, epsilon / 2)`` and ``noisy_count = dp_count(data,
    epsilon / 2)`` (sequential composition). The ratio is slightly biased, and can fall outside
    ``[lower, upper]`` for small data sets; it is returned as is (clipping it to the bounds would be
    free post-processing). Errors: as ``dp_sum``.
    """
    epsilon = check_epsilon(epsilon)
    _check_bounds(lower, upper)
    noisy_sum = dp_sum(data, lower, upper, epsilon / 2.0, rng=rng, secure=secure)
    noisy_count = dp_count(data, epsilon / 2.0, rng=rng, secure=secure)
    return noisy_sum / max(noisy_count, 1.0)


def dp_histogram(data, bins, epsilon: float, rng: np.random.Generator | None = None,
                 secure: bool = False) -> np.ndarray:
    """Counts per bin plus independent ``Laplace(1 / epsilon)`` noise; epsilon-DP.

    ``bins``: the bin edges, increasing and finite, fixed before seeing the data (as in
    ``numpy.histogram``, every bin is half-open except the last, which includes its right edge;
    values outside ``[bins[0], bins[-1]]`` are not counted). One record falls in at most one bin, so
    the L1 sensitivity is 1. Returns ``len(bins) - 1`` noisy float counts.

    Errors: bins and epsilon first; then, data-dependent, NaN or ±inf data is a ``ValueError`` (the
    exception is itself a release: clean the data first). Values outside the bins are not counted.
    """
    epsilon = check_epsilon(epsilon)
    if isinstance(bins, (int, np.integer)):
        raise TypeError(
            "bins must be an array of bin edges chosen without looking at the data, got an int "
            "(a number of bins would make numpy derive the edges from the data's min and max)"
        )
    edges = np.asarray(bins)
    if edges.dtype == np.bool_ or edges.dtype.kind not in "iuf":
        raise TypeError(f"bins must be a 1-D array of real bin edges, got dtype {edges.dtype}")
    edges = edges.astype(np.float64)
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.isfinite(edges)) or not np.all(np.diff(edges) > 0):
        raise ValueError(f"bins must be 1-D with at least 2 finite, strictly increasing edges, got {bins!r}")
    arr = _check_data(data)
    # numpy.histogram's bins, found by search (it computes bins[-1] - bins[0], which can overflow)
    index = np.searchsorted(edges, arr, side="right") - 1
    index[arr == edges[-1]] = edges.size - 2  # the last bin is closed
    inside = (index >= 0) & (index < edges.size - 1)
    counts = np.bincount(index[inside], minlength=edges.size - 1)
    return laplace_mechanism(counts.astype(np.float64), 1.0, epsilon, rng=rng, secure=secure)


def bounds_from_data(data) -> tuple[float, float]:
    """``(min(data), max(data))``, with a ``PrivacyWarning``: these bounds are *not* private.

    They reveal the smallest and largest record exactly, and a query clamped to them has a
    sensitivity that depends on the data, so its DP guarantee no longer holds. Use them only to
    explore public or synthetic data, never for a release.
    """
    arr = _check_data(data, finite=False)
    if arr.size == 0:
        raise ValueError("data must not be empty")
    warnings.warn(
        "bounds_from_data: bounds derived from the data are not private; they reveal the extreme "
        "records and void the differential-privacy guarantee of any query that uses them",
        PrivacyWarning,
        stacklevel=2,
    )
    return float(arr.min()), float(arr.max())
