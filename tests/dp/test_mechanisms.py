"""Tests for course_lib.dp.calibration and course_lib.dp.mechanisms.

The analytic Gaussian sigma is checked against an independent implementation of Balle & Wang's
Algorithm 1 written here; the selection mechanisms against their exact distributions; randomized
response against the truth, over many seeds.
"""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from course_lib.dp.calibration import gaussian_delta, gaussian_sigma, laplace_scale
from course_lib.dp.mechanisms import (
    discrete_gaussian_mechanism,
    exponential_mechanism,
    exponential_probabilities,
    gaussian_mechanism,
    geometric_mechanism,
    kary_estimate,
    kary_randomized_response,
    laplace_mechanism,
    permute_and_flip,
    randomized_response,
    report_noisy_max,
    rr_estimate,
    rr_variance,
)

P_SEEDED = 1e-3
PROPERTY = settings(max_examples=60, deadline=None)
BAD_EPSILONS = [0, -1.0, math.nan, math.inf]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- calibration


def _naive_delta(sigma: float, eps: float, sens: float = 1.0) -> float:
    """Balle & Wang, Theorem 8, written directly with scipy's normal CDF."""
    a, b = sens / (2 * sigma) - eps * sigma / sens, -sens / (2 * sigma) - eps * sigma / sens
    return float(stats.norm.cdf(a) - math.exp(eps) * stats.norm.cdf(b))


def _balle_wang_algorithm_1(eps: float, delta: float, sens: float = 1.0) -> float:
    """Balle & Wang (2018), Algorithm 1: sigma = alpha * sens / sqrt(2 eps), alpha from B+ or B-."""
    phi = stats.norm.cdf
    delta0 = phi(0.0) - math.exp(eps) * phi(-math.sqrt(2 * eps))

    def b_plus(v):
        return phi(math.sqrt(eps * v)) - math.exp(eps) * phi(-math.sqrt(eps * (v + 2))) - delta

    def b_minus(u):
        return phi(-math.sqrt(eps * u)) - math.exp(eps) * phi(-math.sqrt(eps * (u + 2))) - delta

    hi = 1.0
    if delta >= delta0:  # B+ increases in v: v* = sup {v : B+(v) <= delta}
        while b_plus(hi) <= 0:
            hi *= 2
        v = optimize.brentq(b_plus, 0.0, hi, xtol=1e-14, rtol=1e-15)
        alpha = math.sqrt(1 + v / 2) - math.sqrt(v / 2)
    else:  # B- decreases in u: u* = inf {u : B-(u) <= delta}
        while b_minus(hi) > 0:
            hi *= 2
        u = optimize.brentq(b_minus, 0.0, hi, xtol=1e-14, rtol=1e-15)
        alpha = math.sqrt(1 + u / 2) + math.sqrt(u / 2)
    return alpha * sens / math.sqrt(2 * eps)


def test_laplace_scale_is_sensitivity_over_epsilon():
    assert laplace_scale(2.0, 0.5) == 4.0
    assert laplace_scale(1, 3) == pytest.approx(1 / 3)


def test_classic_sigma_formula_and_its_epsilon_limit():
    assert gaussian_sigma(0.5, 1e-5, 2.0, "classic") == pytest.approx(math.sqrt(2 * math.log(1.25e5)) * 4.0)
    for eps in (1.0, 2.0):
        with pytest.raises(ValueError, match=r"epsilon must be < 1.*method='analytic'"):
            gaussian_sigma(eps, 1e-5, method="classic")


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("delta", [1e-3, 1e-5, 1e-9])
def test_analytic_sigma_beats_classic_for_small_epsilon(eps, delta):
    assert gaussian_sigma(eps, delta) < gaussian_sigma(eps, delta, method="classic")


@pytest.mark.parametrize("eps", [0.01, 0.3, 1.0, 4.0, 20.0])
@pytest.mark.parametrize("delta", [1e-10, 1e-5, 1e-2, 0.4])
@pytest.mark.parametrize("sens", [1.0, 3.5])
def test_analytic_sigma_hits_delta_and_matches_balle_wang_algorithm_1(eps, delta, sens):
    sigma = gaussian_sigma(eps, delta, sens)
    assert _naive_delta(sigma, eps, sens) == pytest.approx(delta, rel=1e-9)
    assert gaussian_delta(sigma, eps, sens) == pytest.approx(delta, rel=1e-9)
    assert gaussian_delta(sigma, eps, sens) <= delta
    assert sigma == pytest.approx(_balle_wang_algorithm_1(eps, delta, sens), rel=1e-8)
    assert gaussian_delta(sigma * (1 - 1e-8), eps, sens) > delta  # the smallest such sigma


@pytest.mark.parametrize("eps", [0.01, 0.3, 1.0, 4.0, 100.0])
@pytest.mark.parametrize("delta", [1e-300, 1e-20, 1e-5, 0.5])
def test_gaussian_delta_agrees_with_60_digit_arithmetic(eps, delta):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    sigma = gaussian_sigma(eps, delta)
    s, e = mp.mpf(sigma), mp.mpf(eps)
    exact = mp.ncdf(1 / (2 * s) - e * s) - mp.exp(e) * mp.ncdf(-1 / (2 * s) - e * s)
    assert gaussian_delta(sigma, eps) == pytest.approx(float(exact), rel=1e-11)
    assert float(exact) == pytest.approx(delta, rel=1e-9)


def test_known_values_of_the_analytic_gaussian():
    # eps = 1, delta = 1e-5: about 3.73 against the classic formula's 4.84 (not valid at eps = 1)
    assert gaussian_sigma(1.0, 1e-5) == pytest.approx(_balle_wang_algorithm_1(1.0, 1e-5), rel=1e-10)
    assert 3.72 < gaussian_sigma(1.0, 1e-5) < 3.74
    doubled = gaussian_sigma(1.0, 1e-5, sensitivity=2.0)
    assert doubled == pytest.approx(2 * gaussian_sigma(1.0, 1e-5), rel=1e-12)


def test_gaussian_delta_falls_with_sigma_and_handles_extremes():
    sigmas = np.geomspace(0.2, 15, 40)
    deltas = [gaussian_delta(s, 1.0) for s in sigmas]
    assert all(a > b for a, b in zip(deltas, deltas[1:]))
    assert gaussian_delta(1e-3, 1.0) == pytest.approx(1.0)
    assert 0 < gaussian_delta(0.02, 1000.0) < 1  # e**1000 would overflow naively
    assert gaussian_sigma(1000.0, 1e-5) > 0


@PROPERTY
@given(eps=st.floats(1e-3, 50.0), log_delta=st.floats(-25.0, -0.1), sens=st.floats(1e-3, 1e3))
def test_analytic_sigma_is_minimal_for_any_parameters(eps, log_delta, sens):
    delta = math.exp(log_delta)
    sigma = gaussian_sigma(eps, delta, sens)
    achieved = gaussian_delta(sigma, eps, sens)
    assert achieved <= delta
    assert achieved == pytest.approx(delta, rel=1e-9)


@pytest.mark.parametrize("bad", BAD_EPSILONS)
def test_calibration_rejects_bad_epsilon(bad):
    for call in (lambda: laplace_scale(1.0, bad), lambda: gaussian_sigma(bad, 1e-5),
                 lambda: gaussian_delta(1.0, bad)):
        with pytest.raises(ValueError, match="epsilon"):
            call()


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_calibration_rejects_delta_outside_the_open_unit_interval(bad):
    with pytest.raises(ValueError, match=r"delta must be in the open interval \(0, 1\)"):
        gaussian_sigma(1.0, bad)


@pytest.mark.parametrize("bad", [0, -2.0, math.inf, math.nan])
def test_calibration_rejects_bad_sensitivity_and_method(bad):
    with pytest.raises(ValueError, match="sensitivity"):
        laplace_scale(bad, 1.0)
    with pytest.raises(ValueError, match="sensitivity"):
        gaussian_sigma(0.5, 1e-5, bad)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_delta(bad, 1.0)
    with pytest.raises(ValueError, match="method"):
        gaussian_sigma(0.5, 1e-5, method="tight")


# --------------------------------------------------------------------------- additive mechanisms


def test_laplace_mechanism_adds_laplace_noise_of_scale_sensitivity_over_epsilon():
    out = laplace_mechanism(np.zeros(20_000), 2.0, 0.5, rng=_rng(1))
    assert out.shape == (20_000,) and out.dtype == np.float64
    assert stats.kstest(out, stats.laplace(scale=4.0).cdf).pvalue > P_SEEDED
    assert isinstance(laplace_mechanism(3, 1.0, 1.0, rng=_rng()), float)
    assert isinstance(laplace_mechanism(3.0, 1.0, 1.0, secure=True), float)
    assert laplace_mechanism([[1.0, 2.0]], 1.0, 1.0, rng=_rng()).shape == (1, 2)


def test_gaussian_mechanism_uses_the_calibrated_sigma():
    sigma = gaussian_sigma(0.8, 1e-6, 3.0)
    out = gaussian_mechanism(np.full(20_000, 5.0), 3.0, 0.8, 1e-6, rng=_rng(2))
    assert stats.kstest(out - 5.0, stats.norm(scale=sigma).cdf).pvalue > P_SEEDED
    classic = gaussian_sigma(0.8, 1e-6, 3.0, "classic")
    out = gaussian_mechanism(np.zeros(20_000), 3.0, 0.8, 1e-6, method="classic", rng=_rng(2))
    assert stats.kstest(out, stats.norm(scale=classic).cdf).pvalue > P_SEEDED
    assert isinstance(gaussian_mechanism(1.0, 1.0, 2.0, 1e-5, secure=True), float)


def test_geometric_mechanism_noise_is_two_sided_geometric():
    out = geometric_mechanism(np.zeros(20_000, dtype=np.int64), 2, 0.7, rng=_rng(3))
    assert out.dtype == np.int64
    freq = np.bincount(out - out.min())
    ks = np.arange(out.min(), out.max() + 1)
    expected = stats.dlaplace(a=0.7 / 2).pmf(ks)
    inner = expected * out.size >= 5
    lo, hi = ks[inner].min(), ks[inner].max()
    obs = np.concatenate([[np.sum(out <= lo)], freq[(ks > lo) & (ks < hi)], [np.sum(out >= hi)]])
    cdf = stats.dlaplace(a=0.35).cdf
    probs = np.concatenate([[cdf(lo)], expected[(ks > lo) & (ks < hi)], [1 - cdf(hi - 1)]])
    assert stats.chisquare(obs, f_exp=out.size * probs).pvalue > P_SEEDED
    value = geometric_mechanism(10, 1, 1.0, rng=_rng())
    assert isinstance(value, int)
    np.testing.assert_array_equal(geometric_mechanism([1, 2], 1, 1e6, rng=_rng()), [1, 2])


def test_discrete_gaussian_mechanism_returns_integers_centred_on_the_value():
    out = discrete_gaussian_mechanism(np.full(5_000, 7), 1, 2.0, rng=_rng(4))
    assert out.dtype == np.int64 and abs(out.mean() - 7) < 0.1
    assert isinstance(discrete_gaussian_mechanism(7, 1, Fraction(3, 2), secure=True), int)


@pytest.mark.parametrize("bad", [math.nan, math.inf, [1.0, math.nan]])
def test_additive_mechanisms_reject_non_finite_values(bad):
    with pytest.raises(ValueError, match="value"):
        laplace_mechanism(bad, 1.0, 1.0)
    with pytest.raises(ValueError, match="value"):
        gaussian_mechanism(bad, 1.0, 0.5, 1e-5)


def test_additive_mechanisms_reject_bad_arguments():
    for eps in BAD_EPSILONS:
        with pytest.raises(ValueError, match="epsilon"):
            laplace_mechanism(1.0, 1.0, eps)
        with pytest.raises(ValueError, match="epsilon"):
            geometric_mechanism(1, 1, eps)
    with pytest.raises(ValueError, match="sensitivity"):
        laplace_mechanism(1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="delta"):
        gaussian_mechanism(1.0, 1.0, 0.5, 1.0)
    with pytest.raises(ValueError, match="epsilon must be < 1"):
        gaussian_mechanism(1.0, 1.0, 2.0, 1e-5, method="classic")
    with pytest.raises(TypeError, match="value"):
        geometric_mechanism(1.5, 1, 1.0)
    with pytest.raises(TypeError, match="value"):
        laplace_mechanism("1", 1.0, 1.0)
    with pytest.raises(TypeError, match="sensitivity"):
        geometric_mechanism(1, 1.0, 1.0)
    with pytest.raises(ValueError, match="sensitivity / epsilon must be <="):
        geometric_mechanism(1, 1, 1e-13)
    with pytest.raises(ValueError, match="sensitivity"):
        discrete_gaussian_mechanism(1, 0, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        discrete_gaussian_mechanism(1, 1, -1.0)


# --------------------------------------------------------------------------- selection

SCORES = np.array([3.0, 1.0, 2.5, 0.0, 2.9])


def _pf_exact(scores: np.ndarray, sensitivity: float, epsilon: float) -> np.ndarray:
    """Permute-and-flip's output distribution, by enumerating every order of the candidates."""
    p = np.exp(epsilon * (scores - scores.max()) / (2 * sensitivity))
    out = np.zeros(scores.size)
    perms = list(itertools.permutations(range(scores.size)))
    for order in perms:
        reach = 1.0
        for r in order:
            out[r] += reach * p[r]
            reach *= 1 - p[r]
    return out / len(perms)


def _frequencies(draw, n: int, k: int) -> np.ndarray:
    return np.bincount([draw() for _ in range(n)], minlength=k)


def test_exponential_probabilities_formula_and_stability():
    p = exponential_probabilities(SCORES, 1.0, 2.0)
    w = np.exp(2.0 * SCORES / 2.0)
    np.testing.assert_allclose(p, w / w.sum(), rtol=1e-12)
    huge = exponential_probabilities(SCORES * 1e4, 1.0, 1.0)  # exp(15000) would overflow
    assert np.all(np.isfinite(huge)) and huge.argmax() == 0 and huge.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(exponential_probabilities(SCORES + 1e6, 1.0, 2.0), p, rtol=1e-9)


@pytest.mark.parametrize("mechanism", [exponential_mechanism, report_noisy_max])
def test_em_and_report_noisy_max_sample_the_exponential_distribution(mechanism):
    rng, n = _rng(5), 20_000
    p = exponential_probabilities(SCORES, 1.0, 1.5)
    counts = _frequencies(lambda: mechanism(SCORES, 1.0, 1.5, rng=rng), n, SCORES.size)
    assert stats.chisquare(counts, f_exp=n * p).pvalue > P_SEEDED


@pytest.mark.parametrize("mechanism", [exponential_mechanism, report_noisy_max, permute_and_flip])
def test_selection_in_secure_mode(mechanism):
    counts = _frequencies(lambda: mechanism(SCORES, 1.0, 1.5, secure=True), 2_000, SCORES.size)
    probs = (_pf_exact(SCORES, 1.0, 1.5) if mechanism is permute_and_flip
             else exponential_probabilities(SCORES, 1.0, 1.5))
    assert stats.chisquare(counts, f_exp=2_000 * probs).pvalue > 1e-6


def test_permute_and_flip_has_its_exact_distribution_and_beats_em():
    rng, n, eps = _rng(6), 20_000, 1.5
    exact = _pf_exact(SCORES, 1.0, eps)
    counts = _frequencies(lambda: permute_and_flip(SCORES, 1.0, eps, rng=rng), n, SCORES.size)
    assert stats.chisquare(counts, f_exp=n * exact).pvalue > P_SEEDED
    em = exponential_probabilities(SCORES, 1.0, eps)
    assert exact[0] >= em[0]
    assert counts[0] / n > em[0]  # the gap (about 0.11) is ~30 standard errors
    assert exact @ SCORES >= em @ SCORES  # expected score (McKenna & Sheldon: PF never loses to EM)


def test_selection_with_a_dominant_score_and_a_single_candidate():
    for mechanism in (exponential_mechanism, report_noisy_max, permute_and_flip):
        assert mechanism([0.0, 1e3, 0.0], 1.0, 1.0, rng=_rng()) == 1
        assert mechanism([4.0], 1.0, 1.0, rng=_rng()) == 0
        assert isinstance(mechanism(SCORES, 1.0, 1.0, rng=_rng()), int)


@pytest.mark.parametrize("mechanism", [exponential_mechanism, report_noisy_max, permute_and_flip])
def test_selection_rejects_bad_input(mechanism):
    for eps in BAD_EPSILONS:
        with pytest.raises(ValueError, match="epsilon"):
            mechanism(SCORES, 1.0, eps)
    with pytest.raises(ValueError, match="sensitivity"):
        mechanism(SCORES, -1.0, 1.0)
    with pytest.raises(ValueError, match="scores"):
        mechanism([1.0, math.nan], 1.0, 1.0)
    with pytest.raises(ValueError, match="scores"):
        mechanism([], 1.0, 1.0)
    with pytest.raises(ValueError, match="scores"):
        mechanism([[1.0, 2.0]], 1.0, 1.0)


# --------------------------------------------------------------------------- randomized response


def test_randomized_response_flips_with_the_stated_probability():
    eps = 1.2
    p = math.exp(eps) / (1 + math.exp(eps))
    reports = randomized_response(np.ones(20_000, dtype=int), eps, rng=_rng(7))
    assert reports.dtype == np.int64 and set(np.unique(reports)) <= {0, 1}
    assert stats.binomtest(int(reports.sum()), reports.size, p).pvalue > P_SEEDED
    bools = randomized_response(np.zeros(5, dtype=bool), 50.0, rng=_rng())
    np.testing.assert_array_equal(bools, 0)  # p = 1 - 2e-22: effectively never flipped


@pytest.mark.parametrize("eps", [0.5, 2.0])
def test_rr_estimate_is_unbiased_with_the_stated_variance(eps):
    n, seeds, truth = 500, 400, 0.3
    estimates = []
    for s in range(seeds):  # rr_variance is for n respondents sampled from a population
        bits = (_rng(10_000 + s).random(n) < truth).astype(int)
        estimates.append(rr_estimate(randomized_response(bits, eps, rng=_rng(s)), eps))
    estimates = np.array(estimates)
    var = rr_variance(n, eps, truth)
    assert abs(estimates.mean() - truth) < 3 * math.sqrt(var / seeds)
    assert estimates.var(ddof=1) == pytest.approx(var, rel=0.2)


def test_rr_variance_is_sampling_error_plus_privacy_noise():
    eps, n, pi = 1.0, 100, 0.2
    p = math.exp(eps) / (1 + math.exp(eps))
    assert rr_variance(n, eps, pi) == pytest.approx(pi * (1 - pi) / n + p * (1 - p) / (n * (2 * p - 1) ** 2))
    # a fixed group: only the privacy noise is left
    bits = np.repeat([1, 0], [20, 80])
    estimates = [rr_estimate(randomized_response(bits, eps, rng=_rng(s)), eps) for s in range(400)]
    assert np.var(estimates, ddof=1) == pytest.approx(p * (1 - p) / (n * (2 * p - 1) ** 2), rel=0.2)


def test_rr_estimate_inverts_the_expected_mean_and_is_not_clipped():
    eps = 1.0
    p = math.exp(eps) / (1 + math.exp(eps))
    assert rr_estimate([0] * 100, eps) == pytest.approx(-(1 - p) / (2 * p - 1))
    assert rr_estimate([0] * 100, eps) < 0
    assert rr_estimate([1] * 100, eps) > 1
    responses = np.array([1] * 70 + [0] * 30)
    assert rr_estimate(responses, eps) == pytest.approx((0.7 - (1 - p)) / (2 * p - 1))


def test_kary_randomized_response_reports_the_stated_distribution():
    k, eps = 5, 1.0
    p = math.exp(eps) / (math.exp(eps) + k - 1)
    q = (1 - p) / (k - 1)
    reports = kary_randomized_response(np.full(20_000, 2), k, eps, rng=_rng(8))
    expected = np.full(k, q)
    expected[2] = p
    assert stats.chisquare(np.bincount(reports, minlength=k), f_exp=20_000 * expected).pvalue > P_SEEDED
    secure = kary_randomized_response(np.full(4_000, 4), k, eps, secure=True)
    expected[[2, 4]] = q, p
    assert stats.chisquare(np.bincount(secure, minlength=k), f_exp=4_000 * expected).pvalue > 1e-6


def test_kary_estimate_is_unbiased_and_sums_to_one():
    k, eps, n, seeds = 4, 1.5, 400, 300
    truth = np.array([0.5, 0.25, 0.15, 0.10])
    values = np.repeat(np.arange(k), (truth * n).astype(int))
    estimates = np.array([kary_estimate(kary_randomized_response(values, k, eps, rng=_rng(s)), k, eps)
                          for s in range(seeds)])
    np.testing.assert_allclose(estimates.sum(axis=1), 1.0)
    p = math.exp(eps) / (math.exp(eps) + k - 1)
    q = (1 - p) / (k - 1)
    var_freq = (truth * p * (1 - p) + (1 - truth) * q * (1 - q)) / n  # these fixed n people
    se = np.sqrt(var_freq) / (p - q) / math.sqrt(seeds)
    assert np.all(np.abs(estimates.mean(axis=0) - truth) < 3 * se)


@PROPERTY
@given(k=st.integers(2, 9), eps=st.floats(0.01, 10.0), seed=st.integers(0, 2**32 - 1),
       n=st.integers(1, 50))
def test_kary_reports_stay_in_range(k, eps, seed, n):
    values = _rng(seed).integers(0, k, size=n)
    reports = kary_randomized_response(values, k, eps, rng=_rng(seed + 1))
    assert reports.shape == values.shape and reports.min() >= 0 and reports.max() < k
    assert kary_estimate(reports, k, eps).sum() == pytest.approx(1.0)


def test_randomized_response_rejects_bad_input():
    for eps in BAD_EPSILONS:
        with pytest.raises(ValueError, match="epsilon"):
            randomized_response([0, 1], eps)
        with pytest.raises(ValueError, match="epsilon"):
            kary_randomized_response([0, 1], 3, eps)
    with pytest.raises(ValueError, match=r"bits must be integers in \[0, 1\]"):
        randomized_response([0, 2], 1.0)
    with pytest.raises(TypeError, match="bits"):
        randomized_response([0.5], 1.0)
    with pytest.raises(ValueError, match="responses"):
        rr_estimate([], 1.0)
    with pytest.raises(ValueError, match=r"values must be integers in \[0, 2\]"):
        kary_randomized_response([0, 3], 3, 1.0)
    with pytest.raises(ValueError, match="k must be an int >= 2"):
        kary_randomized_response([0], 1, 1.0)
    with pytest.raises(ValueError, match="true_fraction"):
        rr_variance(10, 1.0, 1.5)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        rr_variance(0, 1.0, 0.5)


# --------------------------------------------------------------------------- extreme but legal input
# Each of these failed before: NaN probabilities (the exponential mechanism then always chose index 0),
# a noise scale of inf, estimates of inf or nan, int64 sums that wrapped around, ZeroDivisionError.


@pytest.mark.parametrize(("scores", "sensitivity", "epsilon", "expected"), [
    ([0.0, 1e308], 1e-300, 1.0, [0.0, 1.0]),  # ε·s / (2Δ) overflowed: NaN, and index 0 forever
    ([1e308, -1e308], 1.0, 10.0, [1.0, 0.0]),  # ε·s overflowed; the gap itself overflows too
    ([1e308, 0.0, -1e308], 1e-300, 1e10, [1.0, 0.0, 0.0]),
    ([0.0, 1.0], 1e308, 1e-300, [0.5, 0.5]),  # ε / (2Δ) underflows: uniform
    # ε / (2Δ) = 2**1029 overflows, the gaps 2**-1030 are subnormal: g = 0.5 and 1.5, computed in logs
    ([0.0, -(2.0**-1030), -3 * 2.0**-1030], 2.0**-1000, 2.0**30, np.exp([0.0, -0.5, -1.5])),
    # the gap 3e308 overflows, ε / (2Δ) is small: g = 1
    ([1.5e308, -1.5e308], 1.5e308, 1.0, [1.0, math.exp(-1.0)]),
])
def test_exponential_probabilities_are_exact_where_products_overflow(scores, sensitivity, epsilon, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow inside NumPy is a RuntimeWarning: none is allowed
        p = exponential_probabilities(scores, sensitivity, epsilon)
    expected = np.asarray(expected) / np.sum(expected)
    np.testing.assert_allclose(p, expected, rtol=1e-13, atol=0)


def test_the_exponential_mechanism_follows_its_distribution_at_extreme_settings():
    rng = _rng(11)
    assert {exponential_mechanism([0.0, 1e308], 1e-300, 1.0, rng=rng) for _ in range(200)} == {1}
    assert {permute_and_flip([0.0, 1e308], 1e-300, 1.0, rng=rng) for _ in range(200)} == {1}
    assert {report_noisy_max([0.0, 1e308], 1e-300, 1.0, rng=rng) for _ in range(200)} == {1}


@pytest.mark.parametrize("mechanism", [exponential_mechanism, report_noisy_max, permute_and_flip])
def test_an_infinite_noise_scale_gives_a_uniform_choice(mechanism):
    """2Δ/ε = inf (Δ = 1e308, ε = 1e-10): every candidate is as likely (report-noisy-max was not)."""
    rng, n = _rng(12), 6_000
    scores = [0.0, 1e300, 2e300]
    np.testing.assert_allclose(exponential_probabilities(scores, 1e308, 1e-10), [1 / 3] * 3, rtol=1e-12)
    counts = _frequencies(lambda: mechanism(scores, 1e308, 1e-10, rng=rng), n, 3)
    assert stats.chisquare(counts).pvalue > P_SEEDED


def test_report_noisy_max_where_score_plus_noise_would_overflow():
    """Scores near 1e308 with noise of scale 1e308: s + noise overflowed to ties at inf."""
    rng, n, scores = _rng(13), 6_000, [1e308, 1.7e308]
    p = exponential_probabilities(scores, 5e307, 1.0)  # gap 0.7e308, ε/(2Δ) = 1e-308: g = 0.7
    np.testing.assert_allclose(p, np.array([math.exp(-0.7), 1.0]) / (1 + math.exp(-0.7)), rtol=1e-12)
    counts = _frequencies(lambda: report_noisy_max(scores, 5e307, 1.0, rng=rng), n, 2)
    assert stats.chisquare(counts, f_exp=n * p).pvalue > P_SEEDED


def test_randomized_response_estimates_stay_finite_at_tiny_epsilon():
    """2p − 1 = tanh(ε/2): at ε = 1e-17 the old formula divided by 0 (inf); now the estimate is exact."""
    import mpmath

    with mpmath.workdps(400):  # e**-1e-300 must differ from 1
        for eps in (1e-17, 1e-300):
            x = mpmath.mpf(eps)
            got = rr_estimate([0, 1, 1], eps)
            want = mpmath.mpf(1) / 2 + (mpmath.mpf(2) / 3 - mpmath.mpf(1) / 2) / mpmath.tanh(x / 2)
            assert math.isfinite(got) and got == pytest.approx(float(want), rel=1e-13)
            # k-ary: the old formula gave ±6e15 at ε = 1e-300 (cancellation in p − q and in f − q)
            e = mpmath.exp(-x)
            gap, q = -mpmath.expm1(-x) / (1 + 2 * e), e / (1 + 2 * e)
            want_k = [float((f - q) / gap) for f in (mpmath.mpf(1) / 3, mpmath.mpf(2) / 3, mpmath.mpf(0))]
            np.testing.assert_allclose(kary_estimate([0, 1, 1], 3, eps), want_k, rtol=1e-12)
    assert rr_variance(10, 1e-100, 0.5) == pytest.approx(1e199, rel=1e-12)
    assert rr_variance(10, 1e300, 1.0) == 0.0  # e**eps overflowed (OverflowError)
    for call in (lambda: rr_estimate([0, 1], 5e-324), lambda: kary_estimate([0, 1], 3, 5e-324),
                 lambda: rr_variance(10, 1e-300, 0.5)):
        with pytest.raises(ValueError, match="too small"):
            call()


@pytest.mark.parametrize("mechanism", [
    lambda v, rng: geometric_mechanism(v, 1, 0.01, rng=rng),
    lambda v, rng: discrete_gaussian_mechanism(v, 1, 100, rng=rng),
])
def test_integer_noise_never_wraps_around_int64(mechanism):
    for edge in (np.full(64, 2**63 - 1, dtype=np.int64), np.full(64, -(2**63), dtype=np.int64)):
        with pytest.raises(ValueError, match="outside the int64 range"):  # it wrapped to the other end
            mechanism(edge, _rng(14))
    inside = np.full(64, 2**62, dtype=np.int64)
    out = mechanism(inside, _rng(14))
    assert out.dtype == np.int64 and np.all(np.abs(out - inside) < 10_000)
    # a Python int scalar is exact at any size, and so is a uint64 scalar
    big = mechanism(10**30, _rng(14))
    assert isinstance(big, int) and abs(big - 10**30) < 10_000
    assert abs(mechanism(np.uint64(2**64 - 1), _rng(14)) - (2**64 - 1)) < 10_000
    with pytest.raises(TypeError, match="uint64"):  # refused by its dtype, not by its values
        mechanism(np.array([1], dtype=np.uint64), _rng(14))
    assert mechanism(np.array([2**32 - 1], dtype=np.uint32), _rng(14)).dtype == np.int64


def test_continuous_mechanisms_refuse_what_float64_cannot_hold():
    with pytest.raises(ValueError, match="value must be finite"):
        laplace_mechanism(np.longdouble("1e4000"), 1.0, 1.0)
    with pytest.raises(ValueError, match="Laplace scale .* overflows"):
        laplace_mechanism(1.0, 1e308, 1e-300)  # the old message blamed a "scale" the caller never gave
    with pytest.raises(ValueError, match="Gaussian sigma .* overflows"):
        gaussian_mechanism(1.0, 1e308, 1e-3, 1e-5)  # ZeroDivisionError before
    outcomes = set()
    for seed in range(40):  # the noisy value overflows or it does not: never an inf
        try:
            out = laplace_mechanism(1.7e308, 1.0, 1e-307, rng=_rng(seed))
            assert math.isfinite(out)
            outcomes.add("finite")
        except ValueError as err:
            assert "noisy value overflowed float64" in str(err)
            outcomes.add("refused")
    assert outcomes == {"finite", "refused"}


def test_public_arguments_are_checked_before_the_data():
    """An error about a data value is itself a release; a bad public argument must be found first."""
    for call in (lambda: laplace_mechanism(math.nan, 1.0, -1.0),
                 lambda: gaussian_mechanism([math.nan], 1.0, 0.0, 1e-5),
                 lambda: exponential_mechanism([math.nan], 1.0, 0.0),
                 lambda: report_noisy_max([math.nan], 1.0, 0.0),
                 lambda: permute_and_flip([math.nan], 1.0, 0.0),
                 lambda: randomized_response([2], 0.0),
                 lambda: kary_randomized_response([9], 3, 0.0),
                 lambda: geometric_mechanism([1.5], 1, 0.0)):
        with pytest.raises(ValueError, match="epsilon"):
            call()


def test_calibration_at_extreme_parameters():
    tiny = gaussian_sigma(1.0, 5e-324)  # 1.25 / δ overflowed: ZeroDivisionError before
    assert math.isfinite(tiny) and tiny > gaussian_sigma(1.0, 1e-300)
    assert gaussian_delta(tiny, 1.0) <= 5e-324
    assert gaussian_delta(1e300, 1e-300, 1e-300) == 0.0  # σ / Δ = inf: ZeroDivisionError before
    assert gaussian_delta(1e-300, 1.0, 1e300) == 1.0  # σ / Δ = 0
    with pytest.raises(ValueError, match="underflows to 0"):
        laplace_scale(5e-324, 1e300)  # 0 before: no noise at all
    with pytest.raises(ValueError, match="overflows"):
        gaussian_sigma(1e-300, 1e-5, 1e10, "classic")  # inf before
