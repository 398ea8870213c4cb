"""Plausible wrong answers to exercise 03 (each must be rejected), and correct answers written
differently from the reference (each must pass: the statistical checks must not depend on how the
noise is drawn)."""

from __future__ import annotations

import math

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("03_dp_mechanisms")


def _eps(e):
    if not (math.isfinite(e) and e > 0):
        raise ValueError("epsilon")


# --- laplace_count
def count_scale_epsilon(data, threshold, epsilon, rng):
    """Noise scale ε instead of 1/ε."""
    _eps(epsilon)
    return float(np.sum(data > threshold) + rng.laplace(0, epsilon))


def count_scale_two(data, threshold, epsilon, rng):
    """Sensitivity 2 ("a person changes two counts")."""
    _eps(epsilon)
    return float(np.sum(data > threshold) + rng.laplace(0, 2 / epsilon))


def count_gaussian(data, threshold, epsilon, rng):
    """Gaussian noise with the same mean absolute deviation: not the Laplace mechanism."""
    _eps(epsilon)
    return float(np.sum(data > threshold) + rng.normal(0, math.sqrt(math.pi / 2) / epsilon))


def count_global_rng(data, threshold, epsilon, rng):
    """Ignores the rng argument (np.random global state): not reproducible."""
    _eps(epsilon)
    return float(np.sum(data > threshold) + np.random.laplace(0, 1 / epsilon))  # noqa: NPY002


def count_ge(data, threshold, epsilon, rng):
    """Counts values >= threshold instead of > threshold."""
    _eps(epsilon)
    return float(np.sum(data >= threshold) + rng.laplace(0, 1 / epsilon))


def count_no_validation(data, threshold, epsilon, rng):
    """epsilon = 0 gives infinite noise silently; epsilon < 0 runs."""
    return float(np.sum(data > threshold) + rng.laplace(0, 1 / abs(epsilon) if epsilon else 1e9))


# --- clamped_mean
def mean_no_clamp(data, lower, upper, epsilon, rng):
    if lower > upper or len(data) == 0:
        raise ValueError("bad")
    _eps(epsilon)
    return float(np.mean(data) + rng.laplace(0, (upper - lower) / (len(data) * epsilon)))


def mean_sensitivity_upper(data, lower, upper, epsilon, rng):
    """Sensitivity upper / n instead of (upper - lower) / n."""
    if lower > upper or len(data) == 0:
        raise ValueError("bad")
    _eps(epsilon)
    return float(np.clip(data, lower, upper).mean() + rng.laplace(0, upper / (len(data) * epsilon)))


def mean_bounds_from_data(data, lower, upper, epsilon, rng):
    """Clamps to the data's own min and max (bounds derived from the data)."""
    if lower > upper or len(data) == 0:
        raise ValueError("bad")
    _eps(epsilon)
    lo, hi = float(np.min(data)), float(np.max(data))
    return float(np.clip(data, lo, hi).mean() + rng.laplace(0, (hi - lo) / (len(data) * epsilon)))


def mean_forgets_n(data, lower, upper, epsilon, rng):
    """Noise for the sum, added to the mean."""
    if lower > upper or len(data) == 0:
        raise ValueError("bad")
    _eps(epsilon)
    return float(np.clip(data, lower, upper).mean() + rng.laplace(0, (upper - lower) / epsilon))


# --- gaussian_sigma_classic
def sigma_missing_two(epsilon, delta, sensitivity=1.0):
    return _sol().gaussian_sigma_classic(epsilon, delta, sensitivity) / math.sqrt(2)


def sigma_wrong_delta(epsilon, delta, sensitivity=1.0):
    """ln(1/δ) instead of ln(1.25/δ)."""
    _sol().gaussian_sigma_classic(epsilon, delta, sensitivity)
    return math.sqrt(2 * math.log(1 / delta)) * sensitivity / epsilon


def sigma_any_epsilon(epsilon, delta, sensitivity=1.0):
    """Accepts epsilon >= 1, where the classic theorem does not hold."""
    if not (epsilon > 0 and 0 < delta < 1 and sensitivity > 0):
        raise ValueError("bad")
    return math.sqrt(2 * math.log(1.25 / delta)) * sensitivity / epsilon


def sigma_inverted(epsilon, delta, sensitivity=1.0):
    _sol().gaussian_sigma_classic(epsilon, delta, sensitivity)
    return math.sqrt(2 * math.log(1.25 / delta)) * epsilon / sensitivity


# --- rr_estimate
def rr_raw_mean(responses, epsilon):
    _eps(epsilon)
    return float(np.mean(responses))


def rr_wrong_p(responses, epsilon):
    """Uses the flip probability where the keep probability belongs."""
    _eps(epsilon)
    p = 1 / (1 + math.exp(epsilon))
    return (float(np.mean(responses)) - (1 - p)) / (2 * p - 1)


def rr_clipped(responses, epsilon):
    return min(max(_sol().rr_estimate(responses, epsilon), 0.0), 1.0)


# --- exponential_probabilities
def em_missing_two(scores, sensitivity, epsilon):
    return _sol().exponential_probabilities(scores, sensitivity / 2, epsilon)


def em_unstable(scores, sensitivity, epsilon):
    """exp of raw scores: overflows for large scores."""
    _eps(epsilon)
    if not sensitivity > 0:
        raise ValueError("sensitivity")
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(epsilon * np.asarray(scores, dtype=float) / (2 * sensitivity))
        return w / w.sum()


def em_unnormalised(scores, sensitivity, epsilon):
    _eps(epsilon)
    if not sensitivity > 0:
        raise ValueError("sensitivity")
    s = np.asarray(scores, dtype=float)
    return np.exp(epsilon * (s - s.max()) / (2 * sensitivity))


# --- found by measuring
def count_fixed_generator(data, threshold, epsilon, rng):
    """Ignores rng and draws from a generator of its own, seeded afresh on every call: reproducible,
    but the same noise for every seed (and every call)."""
    _eps(epsilon)
    own = np.random.default_rng(0)
    return float(np.sum(np.asarray(data) > threshold) + own.laplace(0, 1 / epsilon))


def count_noise_reused(data, threshold, epsilon, rng):
    """Draws new noise only on every second call: two releases share one noise value."""
    _eps(epsilon)
    state = count_noise_reused.__dict__
    if state.get("rng") is not rng or state.get("left", 0) == 0:
        state.update(rng=rng, noise=rng.laplace(0, 1 / epsilon), left=2)
    state["left"] -= 1
    return float(np.sum(np.asarray(data) > threshold) + state["noise"])


def mean_equal_bounds_refused(data, lower, upper, epsilon, rng):
    """Refuses lower == upper, which the docstring allows (only lower > upper is invalid)."""
    if lower >= upper:
        raise ValueError("need lower < upper")
    return _sol().clamped_mean(data, lower, upper, epsilon, rng)


def rr_infinite_epsilon(responses, epsilon):
    """Checks epsilon > 0 only: epsilon = inf gives NaN instead of an error."""
    if not epsilon > 0:
        raise ValueError("epsilon")
    with np.errstate(all="ignore"):
        p = np.exp(epsilon) / (1 + np.exp(epsilon))
        return float((np.mean(responses) - (1 - p)) / (2 * p - 1))


def em_shift_by_min(scores, sensitivity, epsilon):
    """Subtracts the SMALLEST score: fine for close scores, overflows when they are far apart."""
    _eps(epsilon)
    if not sensitivity > 0:
        raise ValueError("sensitivity")
    s = np.asarray(scores, dtype=float)
    with np.errstate(all="ignore"):
        w = np.exp(epsilon * (s - s.min()) / (2 * sensitivity))
        return w / w.sum()


def sigma_default_sensitivity_two(epsilon, delta, sensitivity=2.0):
    """A default sensitivity of 2 instead of 1."""
    return _sol().gaussian_sigma_classic(epsilon, delta, sensitivity)


MUTANTS = {
    "laplace_count": [count_scale_epsilon, count_scale_two, count_gaussian, count_global_rng, count_ge,
                      count_no_validation, count_fixed_generator, count_noise_reused],
    "clamped_mean": [mean_no_clamp, mean_sensitivity_upper, mean_bounds_from_data, mean_forgets_n,
                     mean_equal_bounds_refused],
    "gaussian_sigma_classic": [sigma_missing_two, sigma_wrong_delta, sigma_any_epsilon, sigma_inverted,
                               sigma_default_sensitivity_two],
    "rr_estimate": [rr_raw_mean, rr_wrong_p, rr_clipped, rr_infinite_epsilon],
    "exponential_probabilities": [em_missing_two, em_unstable, em_unnormalised, em_shift_by_min],
}


# --- correct answers drawn differently: must pass
def count_two_exponentials(data, threshold, epsilon, rng):
    """Laplace(b) as the difference of two Exponential(b) draws."""
    _eps(epsilon)
    b = 1 / epsilon
    return float(np.count_nonzero(np.asarray(data) > threshold) + rng.exponential(b) - rng.exponential(b))


def mean_inverse_cdf(data, lower, upper, epsilon, rng):
    """Laplace by inverting its CDF from one uniform draw; mean computed as a clamped sum / n."""
    _eps(epsilon)
    if not lower <= upper:
        raise ValueError("lower > upper")
    data = np.asarray(data, dtype=float)
    if data.size == 0:
        raise ValueError("empty")
    b = (upper - lower) / (data.size * epsilon)
    u = rng.random() - 0.5
    return float(np.sum(np.minimum(np.maximum(data, lower), upper)) / data.size
                 - b * math.copysign(1, u) * math.log1p(-2 * abs(u)))


EQUIVALENTS = {"laplace_count": [count_two_exponentials], "clamped_mean": [mean_inverse_cdf]}
