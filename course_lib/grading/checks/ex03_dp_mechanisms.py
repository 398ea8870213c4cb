"""Checkers for exercise 03 (DP mechanisms).

The noisy tasks are judged statistically: thousands of calls with a seeded generator, then the noise's
centre, scale and shape are compared with what the mechanism promises. Tolerances are many standard
errors wide, so a correct answer passes for any seed, and a wrong scale (ε instead of 1/ε, a missing
factor) is far outside them. Messages describe the property, never the expected numbers.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error, repeat_calls

N_DRAWS = 4000


def _float(value, call):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise CheckFailure(f"{call} returned {type(value).__name__}, expected a float")
    value = float(value)
    if not math.isfinite(value):
        raise CheckFailure(f"{call} returned a non-finite number")
    return value


def _rel_tol(value, tight: float = 1e-9) -> float:
    """The relative tolerance an answer of this type can meet: a float32 answer is only good to ~1e-7."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).bits < 64:
        return max(tight, 16 * float(np.finfo(dtype).eps))
    return tight


def _draws(fn, args, call, seed):
    """N_DRAWS outputs from one seeded generator, checked to come from that generator: the same seed
    gives the same outputs, another seed other ones."""
    gen = np.random.default_rng(seed)
    first = [_float(out, call) for out in repeat_calls(fn, (*args, gen), N_DRAWS)]
    again = np.random.default_rng(seed)
    if [_float(out, call) for out in repeat_calls(fn, (*args, again), 5)] != first[:5]:
        raise CheckFailure(f"{call}: two generators with the same seed gave different results",
                           hint="Draw the noise from the rng argument, not from np.random or a new "
                           "generator: reproducible runs are how a mechanism gets tested.")
    other = np.random.default_rng(seed + 1)
    if [_float(out, call) for out in repeat_calls(fn, (*args, other), 5)] == first[:5]:
        raise CheckFailure(f"{call}: generators with different seeds gave the same results, so the "
                           "noise does not come from rng",
                           hint="Draw the noise from the rng argument, not from a generator of your own "
                           "with a fixed seed: noise anyone can reproduce protects nobody.")
    return np.array(first)


def _check_fresh(noise, call):
    """Each call's noise must be drawn afresh: successive outputs may not be correlated."""
    centred = noise - np.median(noise)
    r = float(np.corrcoef(centred[:-1], centred[1:])[0, 1])
    if abs(r) > 6 / math.sqrt(len(noise)):
        raise CheckFailure(f"{call}: the noise of successive calls is correlated (it is reused or "
                           "derived from the previous call's)",
                           hint="Draw new noise from rng on every call; noise shared between releases "
                           "cancels out when an attacker compares them.")


def _check_laplace_noise(noise, scale, call, what):
    if np.ptp(noise) == 0:
        raise CheckFailure(f"{call}: the output never changes — no noise is added",
                           hint="Without noise, the exact answer leaks.")
    # Scale first, measured around the median so that a shifted centre does not look like a wrong
    # scale; for Laplace(b) both the mean absolute deviation about the median and the median's
    # spread are about b and b / sqrt(N).
    centre = float(np.median(noise))
    mad = float(np.mean(np.abs(noise - centre)))
    if not 0.9 * scale <= mad <= 1.1 * scale:
        much = "too much" if mad > scale else "too little"
        raise CheckFailure(f"{call}: the noise has the wrong scale ({much})",
                           hint="Laplace scale = sensitivity / epsilon.")
    if abs(centre) > 6 * scale / math.sqrt(N_DRAWS):
        raise CheckFailure(f"{call}: the answers are not centred on the {what}",
                           hint="The noise must have mean zero around the exact answer.")
    if stats.kstest(noise, stats.laplace(scale=scale).cdf).pvalue < 1e-6:
        raise CheckFailure(f"{call}: the noise does not follow a Laplace distribution",
                           hint="Use rng.laplace(0, scale).")
    _check_fresh(noise, call)


def check_laplace_count(fn) -> None:
    data = np.concatenate([np.arange(100.0), np.full(20, 50.0)])  # 20 ties at the threshold
    for threshold, eps in [(50.0, 0.5), (10.0, 2.0)]:
        call = f"laplace_count(data of {data.size} values, threshold={threshold}, epsilon={eps}, rng)"
        out = _draws(fn, (data, threshold, eps), call, seed=301)
        _check_laplace_noise(out - np.sum(data > threshold), 1 / eps, call, "true count (values > threshold)")
    for eps in (0, -1.0, float("nan"), float("inf")):
        expect_error(fn, (data, 1.0, eps, np.random.default_rng(0)), (ValueError,),
                     f"laplace_count(..., epsilon={eps})")



def check_clamped_mean(fn) -> None:
    gen = np.random.default_rng(302)
    data = np.concatenate([gen.uniform(-5, 10, size=96), [1000.0, 2000.0, -500.0, 9.5]])
    lower, upper, eps = -5.0, 10.0, 1.0
    call = (f"clamped_mean(data of {data.size} values with outliers, lower={lower}, upper={upper}, "
            f"epsilon={eps}, rng)")
    out = _draws(fn, (data, lower, upper, eps), call, seed=303)
    target = float(np.clip(data, lower, upper).mean())
    scale = (upper - lower) / (data.size * eps)
    if abs(np.mean(out) - target) > 10 * scale:
        raise CheckFailure(f"{call}: the answers are not centred on the mean of the clamped data",
                           hint="Clamp every value to [lower, upper] before averaging; one outlier "
                           "must not be able to move the mean further than (upper - lower) / n.")
    _check_laplace_noise(out - target, scale, call, "clamped mean")
    rng = np.random.default_rng(0)
    expect_error(fn, (data, 10.0, -5.0, 1.0, rng), (ValueError,), "clamped_mean(..., lower=10, upper=-5)")
    expect_error(fn, (np.array([]), 0.0, 1.0, 1.0, rng), (ValueError,), "clamped_mean(empty data)")
    expect_error(fn, (data, lower, upper, 0.0, rng), (ValueError,), "clamped_mean(..., epsilon=0)")
    expect_error(fn, (data, lower, upper, float("inf"), rng), (ValueError,), "clamped_mean(..., epsilon=inf)")
    call = "clamped_mean(data, lower=2.5, upper=2.5, epsilon=1.0, rng) (equal bounds: allowed)"
    try:
        out = _float(fn(data, 2.5, 2.5, 1.0, np.random.default_rng(0)), call)
    except ValueError:
        raise CheckFailure(f"{call} raised ValueError; only lower > upper is invalid",
                           hint="Equal bounds are a legitimate (if useless) choice: every value clamps "
                           "to that bound.") from None
    if not math.isclose(out, 2.5, rel_tol=1e-9):
        raise CheckFailure(f"{call}: with equal bounds every clamped value, and so the mean, is that "
                           "bound, and the noise scale is 0")


def check_gaussian_sigma_classic(fn) -> None:
    for eps, delta, sens in [(0.5, 1e-5, 1.0), (0.9, 1e-6, 2.0), (0.1, 0.01, 0.5), (0.99, 1e-9, 1.0)]:
        call = f"gaussian_sigma_classic(epsilon={eps}, delta={delta}, sensitivity={sens})"
        raw = fn(eps, delta, sens)
        sigma = _float(raw, call)
        if not math.isclose(sigma, math.sqrt(2 * math.log(1.25 / delta)) * sens / eps, rel_tol=_rel_tol(raw)):
            raise CheckFailure(f"{call}: wrong sigma",
                               hint="sqrt(2 * ln(1.25 / delta)) * sensitivity / epsilon — mind the 2, "
                               "the 1.25 and where sensitivity and epsilon go.")
    call = "gaussian_sigma_classic(epsilon=0.5, delta=1e-05) (sensitivity left at its default)"
    if not math.isclose(_float(fn(0.5, 1e-5), call), math.sqrt(2 * math.log(1.25e5)) / 0.5, rel_tol=1e-6):
        raise CheckFailure(f"{call}: wrong sigma", hint="The default sensitivity is 1.0.")
    for args, what in [((1.0, 1e-5, 1.0), "epsilon=1 (outside the theorem)"), ((2.0, 1e-5, 1.0), "epsilon=2"),
                       ((0.0, 1e-5, 1.0), "epsilon=0"), ((0.5, 0.0, 1.0), "delta=0"),
                       ((0.5, 1.0, 1.0), "delta=1"), ((0.5, 1.1, 1.0), "delta=1.1"),
                       ((0.5, 1e-5, 0.0), "sensitivity=0"), ((0.5, 1e-5, -1.0), "sensitivity=-1")]:
        expect_error(fn, args, (ValueError,), f"gaussian_sigma_classic with {what}")


def check_rr_estimate(fn) -> None:
    for ones, n, eps in [(600, 1000, 1.0), (300, 1000, 0.5), (5, 400, 2.0), (950, 1000, 3.0)]:
        responses = np.array([1] * ones + [0] * (n - ones))
        call = f"rr_estimate({ones} ones in {n} responses, epsilon={eps})"
        raw = fn(responses, eps)
        est = _float(raw, call)
        tol = _rel_tol(raw)
        p = math.exp(eps) / (1 + math.exp(eps))
        want = (ones / n - (1 - p)) / (2 * p - 1)
        if math.isclose(est, min(max(want, 0.0), 1.0), rel_tol=tol) and not 0 <= want <= 1:
            raise CheckFailure(f"{call}: the estimate was clipped to [0, 1]",
                               hint="Clipping biases the estimator; averages of unclipped estimates are "
                               "unbiased.")
        if not math.isclose(est, want, rel_tol=tol, abs_tol=max(1e-12, tol / 10)):
            raise CheckFailure(f"{call}: the estimate is biased",
                               hint="E[mean] = (1 - p) + f (2p - 1) with p = e^ε / (1 + e^ε); solve for f.")
    expect_error(fn, (np.array([0, 1]), 0.0), (ValueError,), "rr_estimate(..., epsilon=0)")
    expect_error(fn, (np.array([0, 1]), float("inf")), (ValueError,), "rr_estimate(..., epsilon=inf)")


def check_exponential_probabilities(fn) -> None:
    for scores, sens, eps in [([1.0, 2.0, 3.0], 1.0, 1.0), ([0.0, 10.0, 10.0, 4.0], 2.0, 0.5),
                              ([1e6, 1e6 + 3, 1e6 - 2], 1.0, 2.0), ([5.0], 1.0, 1.0),
                              ([0.0, 1e4, -1e4, 9990.0], 1.0, 1.0)]:  # a very wide range
        call = f"exponential_probabilities({scores}, sensitivity={sens}, epsilon={eps})"
        p = fn(np.array(scores), sens, eps)
        if not isinstance(p, np.ndarray) or p.shape != (len(scores),):
            raise CheckFailure(f"{call} must return a numpy array with one probability per score")
        if not np.all(np.isfinite(p)):
            raise CheckFailure(f"{call}: non-finite probabilities",
                               hint="exp(1e6) overflows: subtract the LARGEST score first (after that "
                               "every exponent is <= 0; subtracting the smallest or the mean still "
                               "overflows when the scores are far apart).")
        tol = _rel_tol(p)
        if not math.isclose(float(p.sum()), 1.0, rel_tol=tol):
            raise CheckFailure(f"{call}: the probabilities do not sum to 1")
        s = np.array(scores) - max(scores)
        want = np.exp(eps * s / (2 * sens))
        want /= want.sum()
        if not np.allclose(p, want, rtol=tol, atol=1e-15 if tol < 1e-8 else 1e-12):
            raise CheckFailure(f"{call}: wrong probabilities",
                               hint="P(i) ∝ exp(ε · score_i / (2 · sensitivity)): the factor 2 is part of "
                               "the mechanism's guarantee.")
    expect_error(fn, (np.array([1.0, 2.0]), 1.0, -1.0), (ValueError,),
                 "exponential_probabilities(..., epsilon=-1)")
    expect_error(fn, (np.array([1.0, 2.0]), 0.0, 1.0), (ValueError,),
                 "exponential_probabilities(..., sensitivity=0)")
    expect_error(fn, (np.array([1.0, 2.0]), 1.0, float("inf")), (ValueError,),
                 "exponential_probabilities(..., epsilon=inf)")


EXERCISE = Exercise(
    name="03_dp_mechanisms",
    title="Differential-privacy mechanisms: the right noise, in the right amount",
    tasks=(
        Task("laplace_count", "laplace_count", check_laplace_count, notebook="03_dp_mechanisms",
             hint="Count values > threshold, add rng.laplace(0, 1 / epsilon)."),
        Task("clamped_mean", "clamped_mean", check_clamped_mean, notebook="03_dp_mechanisms",
             hint="Clamp, average, add Laplace noise of scale (upper - lower) / (n * epsilon)."),
        Task("gaussian_sigma_classic", "gaussian_sigma_classic", check_gaussian_sigma_classic,
             notebook="03_dp_mechanisms", hint="sqrt(2 ln(1.25/δ)) Δ/ε, only for 0 < ε < 1."),
        Task("rr_estimate", "rr_estimate", check_rr_estimate, notebook="03_dp_mechanisms",
             hint="Invert E[mean] = (1 - p) + f (2p - 1)."),
        Task("exponential_probabilities", "exponential_probabilities", check_exponential_probabilities,
             notebook="03_dp_mechanisms", hint="Softmax of ε·score/(2Δ), computed stably."),
    ),
)
