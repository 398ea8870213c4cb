"""Distribution tests for course_lib.dp.samplers: KS for the continuous laws, chi-squared for the exact
discrete ones, against independent references (scipy.stats, or the pmf summed directly).

Seeded tests are deterministic; the ``secure=True`` ones cannot be seeded, so they use a looser
threshold (a correct sampler fails one with probability 1e-6).
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course_lib.dp.samplers import (
    MAX_DISCRETE_PARAMETER,
    _bernoulli_exp,
    _Source,
    discrete_gaussian,
    discrete_laplace,
    gaussian_noise,
    laplace_noise,
)

P_SEEDED = 1e-3
P_SECURE = 1e-6
PROPERTY = settings(max_examples=40, deadline=None)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _discrete_gaussian_pmf(sigma: float, ks: np.ndarray) -> np.ndarray:
    wide = np.arange(-int(60 * sigma) - 20, int(60 * sigma) + 21)
    z = np.exp(-(wide.astype(float) ** 2) / (2 * sigma**2)).sum()
    return np.exp(-(ks.astype(float) ** 2) / (2 * sigma**2)) / z


def _chi2_pvalue(samples: np.ndarray, pmf, min_expected: float = 5.0) -> float:
    """Chi-squared goodness of fit of integer samples to ``pmf`` (a function of an int array).

    Bins are the integers whose expected count is at least ``min_expected``; each tail is merged
    into its end bin, whose probability is one minus the rest, so nothing is lost.
    """
    samples = np.asarray(samples).ravel()
    n = samples.size
    ks = np.arange(-100_000, 100_001)
    p = pmf(ks)
    inner = ks[n * p >= min_expected]
    lo, hi = int(inner.min()), int(inner.max())
    assert hi - lo >= 2, "too few bins for a meaningful test"
    mid = np.arange(lo + 1, hi)
    p_mid = pmf(mid)
    p_lo = float(p[ks <= lo].sum())
    probs = np.concatenate([[p_lo], p_mid, [1.0 - p_lo - p_mid.sum()]])
    counts = [np.sum(samples == k) for k in mid]
    obs = np.concatenate([[np.sum(samples <= lo)], counts, [np.sum(samples >= hi)]])
    assert obs.sum() == n
    return float(stats.chisquare(obs, f_exp=n * probs).pvalue)


# --------------------------------------------------------------------------- continuous


@pytest.mark.parametrize("scale", [0.1, 1.0, 3.7])
def test_laplace_noise_matches_scipy_laplace(scale):
    x = laplace_noise(scale, size=20_000, rng=_rng(1))
    assert x.dtype == np.float64 and x.shape == (20_000,)
    assert stats.kstest(x, stats.laplace(scale=scale).cdf).pvalue > P_SEEDED


@pytest.mark.parametrize("sigma", [0.1, 1.0, 3.7])
def test_gaussian_noise_matches_scipy_norm(sigma):
    x = gaussian_noise(sigma, size=20_000, rng=_rng(2))
    assert stats.kstest(x, stats.norm(scale=sigma).cdf).pvalue > P_SEEDED


def test_continuous_noise_in_secure_mode_has_the_right_law():
    lap = laplace_noise(2.0, size=20_000, secure=True)
    gau = gaussian_noise(2.0, size=20_000, secure=True)
    assert stats.kstest(lap, stats.laplace(scale=2.0).cdf).pvalue > P_SECURE
    assert stats.kstest(gau, stats.norm(scale=2.0).cdf).pvalue > P_SECURE
    # a scale 25% off is detected at this sample size (p-value around 1e-30)
    assert stats.kstest(lap, stats.laplace(scale=2.5).cdf).pvalue < P_SECURE


def test_kstest_would_notice_a_wrong_scale():
    x = laplace_noise(1.0, size=20_000, rng=_rng(1))
    assert stats.kstest(x, stats.laplace(scale=1.1).cdf).pvalue < P_SEEDED


def test_scalar_and_shaped_outputs():
    assert isinstance(laplace_noise(1.0, rng=_rng()), float)
    assert isinstance(gaussian_noise(1.0, rng=_rng()), float)
    assert isinstance(laplace_noise(1.0, secure=True), float)
    assert isinstance(gaussian_noise(1.0, secure=True), float)
    assert laplace_noise(1.0, size=(2, 3), secure=True).shape == (2, 3)
    assert gaussian_noise(1.0, size=(4, 1), rng=_rng()).shape == (4, 1)
    assert isinstance(discrete_laplace(1.5, rng=_rng()), int)
    assert isinstance(discrete_gaussian(1.5, secure=True), int)
    out = discrete_gaussian(1.5, size=(2, 3), rng=_rng())
    assert out.shape == (2, 3) and out.dtype == np.int64
    assert discrete_laplace(2, size=0, rng=_rng()).shape == (0,)


def test_seeded_draws_are_reproducible_and_secure_ignores_rng():
    for sampler in (laplace_noise, gaussian_noise, discrete_laplace, discrete_gaussian):
        a = sampler(2.5, size=50, rng=_rng(7))
        b = sampler(2.5, size=50, rng=_rng(7))
        np.testing.assert_array_equal(a, b)
        assert sampler(2.5, size=3, rng=_rng(7), secure=True).shape == (3,)


def test_source_uniforms_are_on_their_grids():
    for src in (_Source(_rng(), False), _Source(None, True)):
        u = src.uniform((10_000,))
        assert u.min() >= 0.0 and u.max() < 1.0
        assert np.all(u * 2.0**53 == np.floor(u * 2.0**53))
        v = src.uniform_open((10_000,))
        assert v.min() > 0.0 and v.max() < 1.0
        ints = src.integers(7, (10_000,))
        assert set(np.unique(ints)) == set(range(7))
        assert sorted(src.permutation(6)) == list(range(6))
        assert set(np.unique(src.integers(4, (1_000,)))) == set(range(4))  # 4 divides 2**64


def test_secure_integers_are_uniform():
    ints = _Source(None, True).integers(5, (20_000,))
    assert stats.chisquare(np.bincount(ints, minlength=5)).pvalue > P_SECURE


# --------------------------------------------------------------------------- exact discrete samplers


@pytest.mark.parametrize("gamma", [Fraction(0), Fraction(1, 3), Fraction(1), Fraction(7, 3), Fraction(5)])
def test_bernoulli_exp_has_probability_exp_minus_gamma(gamma):
    import random

    r = random.Random(11)
    n = 100_000
    hits = sum(_bernoulli_exp(gamma.numerator, gamma.denominator, r) for _ in range(n))
    assert stats.binomtest(hits, n, math.exp(-gamma)).pvalue > P_SEEDED


@pytest.mark.parametrize("scale", [0.3, 1, 2.5, 7.3, Fraction(10, 3)])
def test_discrete_laplace_matches_its_pmf(scale):
    x = discrete_laplace(scale, size=20_000, rng=_rng(3))
    pmf = stats.dlaplace(a=1.0 / float(scale)).pmf  # P(k) = tanh(a/2) exp(-a |k|)
    assert _chi2_pvalue(x, pmf) > P_SEEDED


@pytest.mark.parametrize("sigma", [0.5, 1, 2.5, 3.7, Fraction(7, 3)])
def test_discrete_gaussian_matches_its_pmf(sigma):
    x = discrete_gaussian(sigma, size=20_000, rng=_rng(4))
    assert _chi2_pvalue(x, lambda ks: _discrete_gaussian_pmf(float(sigma), ks)) > P_SEEDED


def test_chi2_would_notice_a_wrong_parameter():
    x = discrete_gaussian(2.5, size=20_000, rng=_rng(4))
    assert _chi2_pvalue(x, lambda ks: _discrete_gaussian_pmf(2.6, ks)) < P_SEEDED
    y = discrete_laplace(2.5, size=20_000, rng=_rng(3))
    assert _chi2_pvalue(y, stats.dlaplace(a=1 / 2.7).pmf) < P_SEEDED
    # the discrete Gaussian is not a rounded continuous one: the law of round(N(0, 0.5**2)) differs
    z = discrete_gaussian(0.5, size=20_000, rng=_rng(4))
    rounded = stats.norm(scale=0.5)
    assert _chi2_pvalue(z, lambda ks: rounded.cdf(ks + 0.5) - rounded.cdf(ks - 0.5)) < P_SEEDED


def test_discrete_samplers_in_secure_mode_have_the_right_law():
    lap = discrete_laplace(Fraction(5, 2), size=4_000, secure=True)
    gau = discrete_gaussian(1.7, size=4_000, secure=True)
    assert _chi2_pvalue(lap, stats.dlaplace(a=0.4).pmf) > P_SECURE
    assert _chi2_pvalue(gau, lambda ks: _discrete_gaussian_pmf(1.7, ks)) > P_SECURE


def test_discrete_moments_for_large_and_tiny_parameters():
    big = discrete_gaussian(1000.5, size=5_000, rng=_rng(5))
    assert abs(big.std() / 1000.5 - 1) < 0.05
    assert np.all(discrete_gaussian(0.05, size=1_000, rng=_rng(5)) == 0)  # P(k != 0) ~ 1e-87
    q = math.exp(-1 / 400)
    lap = discrete_laplace(400, size=5_000, rng=_rng(5))
    assert abs(lap.var() / (2 * q / (1 - q) ** 2) - 1) < 0.1


def test_discrete_gaussian_is_fast_enough():
    start = time.perf_counter()
    discrete_gaussian(3.3, size=10_000, rng=_rng(6))
    assert time.perf_counter() - start < 2.0


@PROPERTY
@given(scale=st.one_of(st.floats(1e-3, 1e6), st.fractions(Fraction(1, 1000), Fraction(10**6)).filter(bool)),
       seed=st.integers(0, 2**32 - 1))
def test_discrete_samplers_return_int64_arrays_for_any_scale(scale, seed):
    for sampler in (discrete_laplace, discrete_gaussian):
        out = sampler(scale, size=4, rng=_rng(seed))
        assert out.dtype == np.int64 and out.shape == (4,)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("sampler", [laplace_noise, gaussian_noise, discrete_laplace, discrete_gaussian])
@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, -math.inf])
def test_nonpositive_or_nonfinite_parameters_are_rejected(sampler, bad):
    with pytest.raises(ValueError, match="scale|sigma"):
        sampler(bad, rng=_rng())


@pytest.mark.parametrize("sampler", [laplace_noise, gaussian_noise, discrete_laplace, discrete_gaussian])
def test_bad_types_and_sizes_are_rejected(sampler):
    with pytest.raises(TypeError, match="scale|sigma"):
        sampler("1.0")
    with pytest.raises(TypeError, match="scale|sigma"):
        sampler(True)
    with pytest.raises(ValueError, match="size"):
        sampler(1.0, size=-1)
    with pytest.raises(TypeError, match="size"):
        sampler(1.0, size=2.5)
    with pytest.raises(TypeError, match="rng"):
        sampler(1.0, rng=0)
    with pytest.raises(TypeError, match="secure"):
        sampler(1.0, secure="yes")


def test_discrete_parameters_have_an_upper_limit():
    with pytest.raises(ValueError, match=r"scale must be a finite number in \(0, "):
        discrete_laplace(MAX_DISCRETE_PARAMETER * 2, rng=_rng())
    with pytest.raises(ValueError, match="sigma"):
        discrete_gaussian(Fraction(-1, 2), rng=_rng())


@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("sampler", [laplace_noise, gaussian_noise])
def test_a_sample_beyond_float64_is_refused_not_returned_as_inf(sampler, secure):
    """A scale near the float64 limit made some samples ±inf (and the secure path warned of overflow)."""
    with pytest.raises(ValueError, match="too large: a noise sample overflowed float64"):
        sampler(1e308, size=1000, rng=None if secure else _rng(), secure=secure)
    assert np.all(np.isfinite(sampler(1e300, size=1000, rng=_rng())))
