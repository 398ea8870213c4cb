"""Tests for course_lib.dp.queries: clamping, the noise of each query, and the bounds warning."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from course_lib.dp.queries import (
    PrivacyWarning,
    bounds_from_data,
    clamp,
    dp_count,
    dp_histogram,
    dp_mean,
    dp_sum,
)

P_SEEDED = 1e-3
DATA = np.array([1.0, 2.0, 3.0, 4.0, 1e9, -5.0])


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_clamp_limits_every_value():
    np.testing.assert_array_equal(clamp(DATA, 0.0, 3.5), [1.0, 2.0, 3.0, 3.5, 3.5, 0.0])
    np.testing.assert_array_equal(clamp([-np.inf, np.inf], -1, 1), [-1.0, 1.0])
    assert clamp([1, 2], 0, 1).dtype == np.float64


@settings(max_examples=60, deadline=None)
@given(data=arrays(np.float64, st.integers(0, 30), elements=st.floats(-1e12, 1e12)),
       lo=st.floats(-100, 100), width=st.floats(0, 100))
def test_clamp_stays_in_bounds_and_keeps_values_inside(data, lo, width):
    hi = lo + width
    out = clamp(data, lo, hi)
    assert np.all((out >= lo) & (out <= hi))
    inside = (data >= lo) & (data <= hi)
    np.testing.assert_array_equal(out[inside], data[inside])


def test_dp_count_noise_has_mean_absolute_value_one_over_epsilon():
    rng, eps, n = _rng(1), 0.5, 20_000
    noise = np.array([dp_count(DATA, eps, rng=rng) for _ in range(n)]) - DATA.size
    assert np.mean(np.abs(noise)) == pytest.approx(1 / eps, rel=0.05)  # 7 standard errors
    assert stats.kstest(noise, stats.laplace(scale=1 / eps).cdf).pvalue > P_SEEDED


def test_dp_count_counts_records_of_any_kind():
    assert dp_count(["a", "b", "c"], 1e6, rng=_rng()) == pytest.approx(3, abs=1e-3)
    assert dp_count(np.zeros((4, 2)), 1e6, rng=_rng()) == pytest.approx(4, abs=1e-3)
    assert isinstance(dp_count([1, 2], 1.0, secure=True), float)


def test_dp_sum_clamps_outliers():
    # with the same noise, the outlier 1e9 counts exactly as the upper bound 10 would
    with_outlier = dp_sum(DATA, 0.0, 10.0, 1.0, rng=_rng(2))
    replaced = dp_sum([1.0, 2.0, 3.0, 4.0, 10.0, 0.0], 0.0, 10.0, 1.0, rng=_rng(2))
    assert with_outlier == replaced
    assert dp_sum(DATA, 0.0, 10.0, 1e6, rng=_rng()) == pytest.approx(20.0, abs=1e-3)


def test_dp_sum_noise_scale_is_max_abs_bound_over_epsilon():
    rng, eps = _rng(3), 2.0
    noise = np.array([dp_sum(DATA, -8.0, 3.0, eps, rng=rng) for _ in range(20_000)])
    noise -= clamp(DATA, -8.0, 3.0).sum()
    assert stats.kstest(noise, stats.laplace(scale=8.0 / eps).cdf).pvalue > P_SEEDED


def test_dp_mean_spends_half_of_epsilon_on_sum_and_half_on_count():
    eps = 0.8
    got = dp_mean(DATA, 0.0, 10.0, eps, rng=_rng(4))
    rng = _rng(4)
    noisy_sum = dp_sum(DATA, 0.0, 10.0, eps / 2, rng=rng)
    noisy_count = dp_count(DATA, eps / 2, rng=rng)
    assert got == noisy_sum / max(noisy_count, 1.0)
    assert dp_mean(DATA, 0.0, 10.0, 1e6, rng=_rng()) == pytest.approx(20.0 / 6, rel=1e-4)
    assert np.isfinite(dp_mean([], 0.0, 1.0, 0.1, rng=_rng()))  # the count is floored at 1


def test_dp_histogram_counts_with_laplace_noise():
    data = np.array([0.5, 1.5, 1.6, 2.0, 9.0, -3.0])  # 2.0 sits in the closed last bin, 9 and -3 outside
    bins = [0.0, 1.0, 2.0]
    np.testing.assert_allclose(dp_histogram(data, bins, 1e6, rng=_rng()), [1, 3], atol=1e-3)
    rng, eps = _rng(5), 0.7
    noise = np.concatenate([dp_histogram(data, bins, eps, rng=rng) - [1, 3] for _ in range(10_000)])
    assert stats.kstest(noise, stats.laplace(scale=1 / eps).cdf).pvalue > P_SEEDED
    assert dp_histogram(data, bins, 1.0, secure=True).shape == (2,)


def test_bounds_from_data_warns_that_it_is_not_private():
    with pytest.warns(PrivacyWarning, match="not private"):
        assert bounds_from_data(DATA) == (-5.0, 1e9)
    assert issubclass(PrivacyWarning, UserWarning)


def test_queries_with_a_priori_bounds_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dp_sum(DATA, 0, 10, 1.0, rng=_rng())
        dp_mean(DATA, 0, 10, 1.0, rng=_rng())
        dp_histogram(DATA, [0, 5, 10], 1.0, rng=_rng())


# --------------------------------------------------------------------------- bad input

QUERIES_WITH_BOUNDS = [
    lambda data, lo, hi, eps: dp_sum(data, lo, hi, eps),
    lambda data, lo, hi, eps: dp_mean(data, lo, hi, eps),
    lambda data, lo, hi, eps: clamp(data, lo, hi),
]


@pytest.mark.parametrize("query", QUERIES_WITH_BOUNDS)
def test_bounds_are_checked(query):
    with pytest.raises(ValueError, match="lower must be <= upper"):
        query(DATA, 2.0, 1.0, 1.0)
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="lower"):
            query(DATA, bad, 1.0, 1.0)
        with pytest.raises(ValueError, match="upper"):
            query(DATA, 0.0, bad, 1.0)
    with pytest.raises(TypeError, match="lower"):
        query(DATA, "0", 1.0, 1.0)


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf])
def test_epsilon_is_checked(bad):
    for call in (lambda: dp_count(DATA, bad), lambda: dp_sum(DATA, 0, 1, bad),
                 lambda: dp_mean(DATA, 0, 1, bad), lambda: dp_histogram(DATA, [0, 1], bad)):
        with pytest.raises(ValueError, match="epsilon"):
            call()


def test_nan_data_is_rejected():
    bad = [1.0, math.nan]
    for call in (lambda: clamp(bad, 0, 1), lambda: dp_count(bad, 1.0), lambda: dp_sum(bad, 0, 1, 1.0),
                 lambda: dp_mean(bad, 0, 1, 1.0), lambda: dp_histogram(bad, [0, 1], 1.0),
                 lambda: bounds_from_data(bad)):
        with pytest.raises(ValueError, match="data must not contain NaN"):
            call()


def test_other_bad_data_and_bins_are_rejected():
    with pytest.raises(ValueError, match="data must be 1-D"):
        dp_sum(np.zeros((2, 2)), 0, 1, 1.0)
    with pytest.raises(TypeError, match="data"):
        dp_sum(["a"], 0, 1, 1.0)
    with pytest.raises(ValueError, match="data must not be empty"):
        bounds_from_data([])
    with pytest.raises(ValueError, match="data must be an array-like"):
        dp_count(3, 1.0)
    with pytest.raises(TypeError, match="bins must be an array of bin edges"):
        dp_histogram(DATA, 10, 1.0)
    for bad_bins in ([0.0], [0.0, 0.0], [1.0, 0.0], [0.0, math.inf], [[0.0, 1.0]]):
        with pytest.raises(ValueError, match="bins"):
            dp_histogram(DATA, bad_bins, 1.0)
    with pytest.raises(ValueError, match="lower and upper must not both be 0"):
        dp_sum(DATA, 0.0, 0.0, 1.0)


# --------------------------------------------------------------------------- non-finite data and overflow


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_data_is_refused_by_every_query(bad):
    """One NaN or ±inf record: a clear error, not a silently clamped or uncounted value."""
    data = [1.0, bad, 2.0]
    for call in (lambda: dp_count(data, 1.0), lambda: dp_sum(data, 0, 1, 1.0),
                 lambda: dp_mean(data, 0, 1, 1.0), lambda: dp_histogram(data, [0, 1, 2], 1.0),
                 lambda: dp_count([[1.0, bad]], 1.0),
                 lambda: dp_count(np.array([["id", bad]], dtype=object), 1.0)):
        with pytest.raises(ValueError, match="data must not contain NaN or infinite values"):
            call()
    assert dp_count(np.array([["id", 1.0]], dtype=object), 1e6, rng=_rng()) == pytest.approx(1.0, abs=1e-3)


def test_public_arguments_are_checked_before_the_data():
    """An exception raised because of a data value is itself a release: public errors come first."""
    for call in (lambda: dp_count([math.nan], -1.0), lambda: dp_sum([math.nan], 0, 1, -1.0),
                 lambda: dp_mean([math.nan], 0, 1, -1.0), lambda: dp_histogram([math.nan], [0, 1], -1.0)):
        with pytest.raises(ValueError, match="epsilon"):
            call()
    with pytest.raises(ValueError, match="lower must be <= upper"):
        dp_sum([math.nan], 1, 0, 1.0)


def test_sums_and_histograms_near_the_float64_limit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warnings are errors here
        # the clamped sum 1e308 + 1e308 − 1e308 overflowed to inf before (a data-dependent error)
        total = dp_sum([1e308, 1e308, -1e308], -1e308, 1e308, 1e6, rng=_rng())
        assert total == pytest.approx(1e308, rel=1e-5)
        # numpy.histogram computes bins[-1] - bins[0], which overflows
        counts = dp_histogram([1.0, -1e308, 1e308, 0.0], [-1e308, 0.0, 1e308], 1e9, rng=_rng())
        np.testing.assert_allclose(counts, [1.0, 3.0], atol=1e-6)
        assert dp_mean([1.0], -1e308, 1e308, 1e6, rng=_rng()) == pytest.approx(1.0, abs=1e303)
    with pytest.raises(ValueError, match="noisy sum overflowed float64"):  # a function of the output only
        dp_sum([1e308] * 4, 0.0, 1e308, 1e6, rng=_rng())
