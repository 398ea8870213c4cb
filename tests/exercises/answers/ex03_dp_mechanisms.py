"""Answers to exercise 03 written from its docstrings: CORRECT ones the checkers must accept, WRONG
ones they must reject."""

from __future__ import annotations

import math

import numpy as np


def _eps_ok(epsilon):
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not math.isfinite(epsilon) \
            or epsilon <= 0:
        raise ValueError("epsilon must be a finite number > 0")


# --------------------------------------------------------------------------- laplace_count


def count_kwargs(data, threshold, epsilon, rng):
    _eps_ok(epsilon)
    true = np.count_nonzero(np.asarray(data) > threshold)
    return float(true) + rng.laplace(loc=0.0, scale=1.0 / epsilon)


def count_exponentials(data, threshold, epsilon, rng):  # Laplace = difference of two exponentials
    _eps_ok(epsilon)
    true = sum(1 for v in data if v > threshold)
    b = 1 / epsilon
    return float(true + rng.exponential(b) - rng.exponential(b))


def count_inverse_cdf(data, threshold, epsilon, rng):
    _eps_ok(epsilon)
    u = rng.uniform(-0.5, 0.5)
    noise = -(1 / epsilon) * np.sign(u) * np.log(1 - 2 * abs(u))
    return float(np.sum(np.asarray(data) > threshold) + noise)


def count_size_one(data, threshold, epsilon, rng):
    _eps_ok(epsilon)
    return np.float64((np.asarray(data) > threshold).sum() + rng.laplace(0, 1 / epsilon, size=1)[0])


def _count_true(data, threshold):
    return int(np.sum(np.asarray(data) > threshold))


def count_ge(data, threshold, epsilon, rng):  # WRONG: >= threshold
    _eps_ok(epsilon)
    return float(np.sum(np.asarray(data) >= threshold) + rng.laplace(0, 1 / epsilon))


def count_scale_eps(data, threshold, epsilon, rng):  # WRONG: scale epsilon
    _eps_ok(epsilon)
    return float(_count_true(data, threshold) + rng.laplace(0, epsilon))


def count_scale_two(data, threshold, epsilon, rng):  # WRONG: sensitivity 2
    _eps_ok(epsilon)
    return float(_count_true(data, threshold) + rng.laplace(0, 2 / epsilon))


def count_global_rng(data, threshold, epsilon, rng):  # WRONG: np.random global state
    _eps_ok(epsilon)
    return float(_count_true(data, threshold) + np.random.laplace(0, 1 / epsilon))  # noqa: NPY002


def count_fixed_seed(data, threshold, epsilon, rng):  # WRONG: a generator of its own, seeded 0
    _eps_ok(epsilon)
    own = getattr(count_fixed_seed, "own", None)
    if own is None:
        own = count_fixed_seed.own = np.random.default_rng(0)
    return float(_count_true(data, threshold) + own.laplace(0, 1 / epsilon))


def count_gaussian(data, threshold, epsilon, rng):  # WRONG: Gaussian noise of the same spread
    _eps_ok(epsilon)
    return float(_count_true(data, threshold) + rng.normal(0, math.sqrt(2) / epsilon))


def count_rounded(data, threshold, epsilon, rng):  # WRONG: the noisy count rounded to an int
    _eps_ok(epsilon)
    return round(_count_true(data, threshold) + rng.laplace(0, 1 / epsilon))


def count_no_eps_check(data, threshold, epsilon, rng):  # WRONG: epsilon = inf gives the exact count
    if not epsilon > 0:
        raise ValueError("epsilon")
    return float(_count_true(data, threshold) + rng.laplace(0, 1 / epsilon))


def count_pairs(data, threshold, epsilon, rng):  # WRONG: the same noise for two calls in a row
    _eps_ok(epsilon)
    state = count_pairs.__dict__
    if state.get("rng") is not rng or state.get("left", 0) == 0:
        state.update(rng=rng, noise=rng.laplace(0, 1 / epsilon), left=2)
    state["left"] -= 1
    return float(_count_true(data, threshold) + state["noise"])


def count_uniform(data, threshold, epsilon, rng):  # WRONG: uniform noise
    _eps_ok(epsilon)
    return float(_count_true(data, threshold) + rng.uniform(-2 / epsilon, 2 / epsilon))


# --------------------------------------------------------------------------- clamped_mean


def _cm_ok(data, lower, upper, epsilon):
    _eps_ok(epsilon)
    if lower > upper:
        raise ValueError("lower > upper")
    if len(data) == 0:
        raise ValueError("data is empty")


def mean_python(data, lower, upper, epsilon, rng):
    _cm_ok(data, lower, upper, epsilon)
    n = len(data)
    clamped = [min(max(float(v), lower), upper) for v in data]
    return sum(clamped) / n + rng.laplace(0, (upper - lower) / (n * epsilon))


def mean_numpy(data, lower, upper, epsilon, rng):
    _cm_ok(data, lower, upper, epsilon)
    x = np.clip(np.asarray(data, dtype=float), lower, upper)
    return float(np.mean(x) + rng.laplace(scale=(upper - lower) / x.size / epsilon))


def mean_sum_then_divide(data, lower, upper, epsilon, rng):  # noisy sum / n: the same distribution
    _cm_ok(data, lower, upper, epsilon)
    x = np.clip(np.asarray(data, dtype=float), lower, upper)
    return float((x.sum() + rng.laplace(0, (upper - lower) / epsilon)) / x.size)


def _cm(data, lower, upper, epsilon, rng, *, clamp=True, scale=None, n=None):
    _cm_ok(data, lower, upper, epsilon)
    x = np.asarray(data, dtype=float)
    if clamp:
        x = np.clip(x, lower, upper)
    n = n or len(x)
    b = scale if scale is not None else (upper - lower) / (n * epsilon)
    return float(x.mean() + rng.laplace(0, b))


def mean_no_clamp(data, lower, upper, epsilon, rng):  # WRONG
    return _cm(data, lower, upper, epsilon, rng, clamp=False)


def mean_no_n(data, lower, upper, epsilon, rng):  # WRONG: scale (upper - lower) / epsilon
    return _cm(data, lower, upper, epsilon, rng, scale=(upper - lower) / epsilon)


def mean_data_range(data, lower, upper, epsilon, rng):  # WRONG: the scale looks at the data
    x = np.clip(np.asarray(data, dtype=float), lower, upper)
    return _cm(data, lower, upper, epsilon, rng, scale=float(np.ptp(x)) / (len(x) * epsilon))


def mean_clamp_upper(data, lower, upper, epsilon, rng):  # WRONG: only the upper bound
    _cm_ok(data, lower, upper, epsilon)
    x = np.minimum(np.asarray(data, dtype=float), upper)
    return float(x.mean() + rng.laplace(0, (upper - lower) / (len(x) * epsilon)))


def mean_drop_outliers(data, lower, upper, epsilon, rng):  # WRONG: outliers dropped, not clamped
    _cm_ok(data, lower, upper, epsilon)
    x = np.asarray(data, dtype=float)
    x = x[(x >= lower) & (x <= upper)]
    return float(x.mean() + rng.laplace(0, (upper - lower) / (len(x) * epsilon)))


def mean_clamp_after(data, lower, upper, epsilon, rng):  # WRONG: the mean clamped, not the values
    _cm_ok(data, lower, upper, epsilon)
    m = float(np.clip(np.mean(np.asarray(data, dtype=float)), lower, upper))
    return m + float(rng.laplace(0, (upper - lower) / (len(data) * epsilon)))


def mean_equal_bounds_refused(data, lower, upper, epsilon, rng):  # WRONG: lower == upper is allowed
    if lower >= upper:
        raise ValueError("need lower < upper")
    return mean_numpy(data, lower, upper, epsilon, rng)


def mean_no_checks(data, lower, upper, epsilon, rng):  # WRONG: nothing validated
    x = np.clip(np.asarray(data, dtype=float), lower, upper)
    return float(np.mean(x) + rng.laplace(0, abs(upper - lower) / (max(x.size, 1) * epsilon)))


def mean_global_rng(data, lower, upper, epsilon, rng):  # WRONG
    _cm_ok(data, lower, upper, epsilon)
    x = np.clip(np.asarray(data, dtype=float), lower, upper)
    return float(x.mean() + np.random.laplace(0, (upper - lower) / (x.size * epsilon)))  # noqa: NPY002


# --------------------------------------------------------------------------- gaussian_sigma_classic


def _g_ok(epsilon, delta, sensitivity):
    if not (isinstance(epsilon, (int, float)) and 0 < epsilon < 1):
        raise ValueError("epsilon must be in (0, 1)")
    if not (isinstance(delta, (int, float)) and 0 < delta < 1):
        raise ValueError("delta must be in (0, 1)")
    if not (isinstance(sensitivity, (int, float)) and sensitivity > 0):
        raise ValueError("sensitivity must be > 0")


def sigma_numpy(epsilon, delta, sensitivity=1.0):
    _g_ok(epsilon, delta, sensitivity)
    return np.sqrt(2.0 * np.log(1.25 / delta)) * sensitivity / epsilon


def sigma_rearranged(epsilon, delta, sensitivity=1.0):
    _g_ok(epsilon, delta, sensitivity)
    return sensitivity * math.sqrt(2 * (math.log(1.25) - math.log(delta))) / epsilon


def sigma_float32(epsilon, delta, sensitivity=1.0):  # float32 arithmetic
    _g_ok(epsilon, delta, sensitivity)
    return np.float32(np.sqrt(np.float32(2) * np.log(np.float32(1.25) / np.float32(delta)))
                      * np.float32(sensitivity) / np.float32(epsilon))


def _sigma(epsilon, delta, sensitivity, f):
    _g_ok(epsilon, delta, sensitivity)
    return f(epsilon, delta, sensitivity)


def sigma_log10(epsilon, delta, sensitivity=1.0):  # WRONG
    return _sigma(epsilon, delta, sensitivity, lambda e, d, s: math.sqrt(2 * math.log10(1.25 / d)) * s / e)


def sigma_no_two(epsilon, delta, sensitivity=1.0):  # WRONG
    return _sigma(epsilon, delta, sensitivity, lambda e, d, s: math.sqrt(math.log(1.25 / d)) * s / e)


def sigma_no_125(epsilon, delta, sensitivity=1.0):  # WRONG
    return _sigma(epsilon, delta, sensitivity, lambda e, d, s: math.sqrt(2 * math.log(1 / d)) * s / e)


def sigma_times_eps(epsilon, delta, sensitivity=1.0):  # WRONG
    return _sigma(epsilon, delta, sensitivity, lambda e, d, s: math.sqrt(2 * math.log(1.25 / d)) * s * e)


def sigma_squared(epsilon, delta, sensitivity=1.0):  # WRONG: the variance
    return _sigma(epsilon, delta, sensitivity, lambda e, d, s: 2 * math.log(1.25 / d) * (s / e) ** 2)


def sigma_eps_one_ok(epsilon, delta, sensitivity=1.0):  # WRONG: epsilon = 1 accepted
    if not 0 < epsilon <= 1 or not 0 < delta < 1 or not sensitivity > 0:
        raise ValueError("bad")
    return math.sqrt(2 * math.log(1.25 / delta)) * sensitivity / epsilon


def sigma_zero_sens_ok(epsilon, delta, sensitivity=1.0):  # WRONG: sensitivity 0 accepted
    if not 0 < epsilon < 1 or not 0 < delta < 1 or sensitivity < 0:
        raise ValueError("bad")
    return math.sqrt(2 * math.log(1.25 / delta)) * sensitivity / epsilon


def sigma_delta_one_ok(epsilon, delta, sensitivity=1.0):  # WRONG: delta up to 1.25 accepted
    if not 0 < epsilon < 1 or not 0 < delta < 1.25 or not sensitivity > 0:
        raise ValueError("bad")
    return math.sqrt(2 * math.log(1.25 / delta)) * sensitivity / epsilon


def sigma_sens_squared(epsilon, delta, sensitivity=1.0):  # WRONG
    return _sigma(epsilon, delta, sensitivity, lambda e, d, s: math.sqrt(2 * math.log(1.25 / d)) * s * s / e)


def sigma_default_two(epsilon, delta, sensitivity=2.0):  # WRONG default sensitivity
    _g_ok(epsilon, delta, sensitivity)
    return math.sqrt(2 * math.log(1.25 / delta)) * sensitivity / epsilon


# --------------------------------------------------------------------------- rr_estimate


def rr_closed_form(responses, epsilon):
    _eps_ok(epsilon)
    e = math.exp(epsilon)
    return float(((e + 1) * np.mean(responses) - 1) / (e - 1))


def rr_numpy(responses, epsilon):
    _eps_ok(epsilon)
    p = 1 / (1 + np.exp(-epsilon))
    return (np.asarray(responses, dtype=float).mean() - 1 + p) / (2 * p - 1)


def rr_float32(responses, epsilon):  # float32 arithmetic
    _eps_ok(epsilon)
    r = np.asarray(responses, dtype=np.float32)
    p = np.float32(math.exp(epsilon) / (1 + math.exp(epsilon)))
    return np.float32((r.mean() - (1 - p)) / (2 * p - 1))


def _rr(responses, epsilon, f):
    _eps_ok(epsilon)
    p = math.exp(epsilon) / (1 + math.exp(epsilon))
    return f(float(np.mean(responses)), p)


def rr_clipped(responses, epsilon):  # WRONG
    return _rr(responses, epsilon, lambda m, p: min(1.0, max(0.0, (m - (1 - p)) / (2 * p - 1))))


def rr_raw_mean(responses, epsilon):  # WRONG: no correction
    return _rr(responses, epsilon, lambda m, p: m)


def rr_missing_offset(responses, epsilon):  # WRONG
    return _rr(responses, epsilon, lambda m, p: m / (2 * p - 1))


def rr_p_inverted(responses, epsilon):  # WRONG: p = 1 / (1 + e^eps)
    return _rr(responses, epsilon, lambda m, p: (m - p) / (1 - 2 * p))


def rr_divide_p(responses, epsilon):  # WRONG
    return _rr(responses, epsilon, lambda m, p: (m - (1 - p)) / p)


def rr_no_check(responses, epsilon):  # WRONG: epsilon = 0 divides by zero
    p = math.exp(epsilon) / (1 + math.exp(epsilon))
    return (float(np.mean(responses)) - (1 - p)) / (2 * p - 1)


def rr_sign(responses, epsilon):  # WRONG
    return _rr(responses, epsilon, lambda m, p: (m + (1 - p)) / (2 * p - 1))


def rr_plain_p(responses, epsilon):  # WRONG: p = e^-eps
    _eps_ok(epsilon)
    p = 1 - math.exp(-epsilon)
    return (float(np.mean(responses)) - (1 - p)) / (2 * p - 1)


# --------------------------------------------------------------------------- exponential_probabilities


def _ep_ok(sensitivity, epsilon):
    _eps_ok(epsilon)
    if not sensitivity > 0:
        raise ValueError("sensitivity")


def ep_scipy(scores, sensitivity, epsilon):
    from scipy.special import softmax
    _ep_ok(sensitivity, epsilon)
    return softmax(epsilon * np.asarray(scores, dtype=float) / (2 * sensitivity))


def ep_logsumexp(scores, sensitivity, epsilon):
    from scipy.special import logsumexp
    _ep_ok(sensitivity, epsilon)
    z = epsilon * np.asarray(scores, dtype=float) / (2 * sensitivity)
    return np.exp(z - logsumexp(z))


def ep_float32(scores, sensitivity, epsilon):  # float32 arithmetic
    _ep_ok(sensitivity, epsilon)
    s = np.asarray(scores, dtype=np.float64)
    z = (epsilon * (s - s.max()) / (2 * sensitivity)).astype(np.float32)
    w = np.exp(z)
    return w / w.sum()


def ep_scale_first(scores, sensitivity, epsilon):
    _ep_ok(sensitivity, epsilon)
    z = np.asarray(scores, dtype=float) * (epsilon / (2.0 * sensitivity))
    w = np.exp(z - np.max(z))
    return w / np.sum(w)


def _ep(scores, sensitivity, epsilon, *, factor=2.0, shift="max"):
    _ep_ok(sensitivity, epsilon)
    s = np.asarray(scores, dtype=float)
    if shift == "max":
        s = s - s.max()
    elif shift == "min":
        s = s - s.min()
    elif shift == "mean":
        s = s - s.mean()
    with np.errstate(all="ignore"):
        w = np.exp(epsilon * s / (factor * sensitivity))
        return w / w.sum()


def ep_no_two(scores, sensitivity, epsilon):  # WRONG
    return _ep(scores, sensitivity, epsilon, factor=1.0)


def ep_no_shift(scores, sensitivity, epsilon):  # WRONG: overflows for large scores
    return _ep(scores, sensitivity, epsilon, shift=None)


def ep_min_shift(scores, sensitivity, epsilon):  # WRONG: overflows for wide ranges
    return _ep(scores, sensitivity, epsilon, shift="min")


def ep_mean_shift(scores, sensitivity, epsilon):  # WRONG: overflows for wide ranges
    return _ep(scores, sensitivity, epsilon, shift="mean")


def ep_negated(scores, sensitivity, epsilon):  # WRONG: favours low scores
    return _ep(-np.asarray(scores, dtype=float), sensitivity, epsilon)


def ep_list(scores, sensitivity, epsilon):  # WRONG: a list, not an array
    return list(_ep(scores, sensitivity, epsilon))


def ep_no_sens_check(scores, sensitivity, epsilon):  # WRONG
    _eps_ok(epsilon)
    s = np.asarray(scores, dtype=float)
    with np.errstate(all="ignore"):
        w = np.exp(epsilon * (s - s.max()) / (2 * sensitivity))
        return w / w.sum()


def ep_inf_eps(scores, sensitivity, epsilon):  # WRONG: epsilon = inf accepted
    if not epsilon > 0 or not sensitivity > 0:
        raise ValueError("bad")
    s = np.asarray(scores, dtype=float)
    with np.errstate(all="ignore"):
        w = np.exp(epsilon * (s - s.max()) / (2 * sensitivity))
        w = np.nan_to_num(w, nan=1.0)
        return w / w.sum()


def ep_unnormalised(scores, sensitivity, epsilon):  # WRONG: weights, not probabilities
    _ep_ok(sensitivity, epsilon)
    s = np.asarray(scores, dtype=float)
    return np.exp(epsilon * (s - s.max()) / (2 * sensitivity))


def ep_linear(scores, sensitivity, epsilon):  # WRONG: proportional to the shifted score
    _ep_ok(sensitivity, epsilon)
    s = np.asarray(scores, dtype=float)
    w = s - s.min() + 1
    return w / w.sum()


CORRECT = {
    "laplace_count": [count_kwargs, count_exponentials, count_inverse_cdf, count_size_one],
    "clamped_mean": [mean_python, mean_numpy, mean_sum_then_divide],
    "gaussian_sigma_classic": [sigma_numpy, sigma_rearranged, sigma_float32],
    "rr_estimate": [rr_closed_form, rr_numpy, rr_float32],
    "exponential_probabilities": [ep_scipy, ep_logsumexp, ep_float32, ep_scale_first],
}

WRONG = {
    "laplace_count": [count_ge, count_scale_eps, count_scale_two, count_global_rng, count_fixed_seed,
                      count_gaussian, count_rounded, count_no_eps_check, count_pairs, count_uniform],
    "clamped_mean": [mean_no_clamp, mean_no_n, mean_data_range, mean_clamp_upper, mean_drop_outliers,
                     mean_clamp_after, mean_equal_bounds_refused, mean_no_checks, mean_global_rng],
    "gaussian_sigma_classic": [sigma_log10, sigma_no_two, sigma_no_125, sigma_times_eps, sigma_squared,
                               sigma_eps_one_ok, sigma_zero_sens_ok, sigma_delta_one_ok, sigma_sens_squared,
                               sigma_default_two],
    "rr_estimate": [rr_clipped, rr_raw_mean, rr_missing_offset, rr_p_inverted, rr_divide_p, rr_no_check,
                    rr_sign, rr_plain_p],
    "exponential_probabilities": [ep_no_two, ep_no_shift, ep_min_shift, ep_mean_shift, ep_negated, ep_list,
                                  ep_no_sens_check, ep_inf_eps, ep_unnormalised, ep_linear],
}
