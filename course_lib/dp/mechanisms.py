"""Differentially private mechanisms: additive noise, selection, and randomized response.

Additive noise on a numeric query ``f`` (sensitivities are global: the largest change of ``f``
between neighbouring data sets):

* ``laplace_mechanism``: ``f + Laplace(D1 / epsilon)`` per entry, D1 = L1 sensitivity; epsilon-DP
  (Dwork, McSherry, Nissim & Smith 2006);
* ``gaussian_mechanism``: ``f + N(0, sigma**2)`` per entry, ``sigma = gaussian_sigma(epsilon, delta, D2)``
  with D2 = L2 sensitivity; (epsilon, delta)-DP (Balle & Wang 2018 or Dwork & Roth 2014, Theorem A.1);
* ``geometric_mechanism``: integer ``f + discrete Laplace(D1 / epsilon)``; epsilon-DP, exact
  (Ghosh, Roughgarden & Sundararajan 2009; sampler of Canonne, Kamath & Steinke 2020);
* ``discrete_gaussian_mechanism``: integer ``f + discrete Gaussian(sigma)``; rho-zCDP with
  ``rho = D2**2 / (2 sigma**2)`` (Canonne, Kamath & Steinke 2020).

Selection of one candidate ``i`` with a utility ``scores[i]`` of sensitivity ``D``, all epsilon-DP:

* ``exponential_mechanism``: ``P(i) proportional to exp(epsilon scores[i] / (2 D))`` (McSherry & Talwar 2007);
* ``report_noisy_max``: ``argmax scores[i] + Gumbel(2 D / epsilon)``, the same distribution;
* ``permute_and_flip``: McKenna & Sheldon (2020); never worse than the exponential mechanism.

Local DP: ``randomized_response`` (Warner 1965) and its k-ary version, with unbiased estimators.

Every function takes ``rng`` (``numpy.random.Generator``, default ``np.random.default_rng()``) and
``secure`` (``True``: operating-system randomness, ``rng`` ignored); see ``samplers``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ._validate import (
    as_fraction,
    check_epsilon,
    check_int,
    check_int_values,
    check_positive,
    check_probability,
    check_scores,
    check_values,
)
from .calibration import gaussian_sigma, laplace_scale
from .samplers import (
    MAX_DISCRETE_PARAMETER,
    _Source,
    discrete_gaussian,
    discrete_laplace,
    gaussian_noise,
    laplace_noise,
)

# --------------------------------------------------------------------------- additive noise


def laplace_mechanism(value, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                      secure: bool = False) -> float | np.ndarray:
    """``value + Laplace(sensitivity / epsilon)``, independently per entry; epsilon-DP.

    ``value`` is a finite number (a float comes back) or array (a float64 array of the same shape
    comes back); for an array, ``sensitivity`` is the L1 sensitivity of the whole vector,
    ``max ||f(D) - f(D')||_1``.
    """
    arr, scalar = check_values(value, "value")
    scale = laplace_scale(sensitivity, epsilon)
    noise = laplace_noise(scale, size=None if scalar else arr.shape, rng=rng, secure=secure)
    return float(arr + noise) if scalar else arr + noise


def gaussian_mechanism(value, sensitivity: float, epsilon: float, delta: float, method: str = "analytic",
                       rng: np.random.Generator | None = None, secure: bool = False) -> float | np.ndarray:
    """``value + N(0, sigma**2)`` per entry, ``sigma = gaussian_sigma(epsilon, delta, sensitivity, method)``.

    (epsilon, delta)-DP when ``sensitivity`` is the L2 sensitivity ``max ||f(D) - f(D')||_2``.
    A float for a scalar ``value``, else a float64 array of its shape.
    """
    arr, scalar = check_values(value, "value")
    sigma = gaussian_sigma(epsilon, delta, sensitivity, method)
    noise = gaussian_noise(sigma, size=None if scalar else arr.shape, rng=rng, secure=secure)
    return float(arr + noise) if scalar else arr + noise


def geometric_mechanism(value, sensitivity: int, epsilon: float, rng: np.random.Generator | None = None,
                        secure: bool = False) -> int | np.ndarray:
    """Integer ``value + discrete_laplace(sensitivity / epsilon)`` per entry; exactly epsilon-DP.

    The noise has ``P(k) proportional to exp(-epsilon |k| / sensitivity)`` (the two-sided geometric
    mechanism), sampled exactly with ``sensitivity / epsilon`` as an exact rational (a float epsilon
    is taken at its exact binary value). ``value``: an int or int array; ``sensitivity``: the integer
    L1 sensitivity. An int for a scalar ``value``, else an int64 array of its shape.
    """
    arr, scalar = check_int_values(value, "value")
    sensitivity = check_int(sensitivity, "sensitivity", 1)
    check_epsilon(epsilon)
    scale = Fraction(sensitivity) / as_fraction(epsilon, "epsilon")
    if scale > MAX_DISCRETE_PARAMETER:
        raise ValueError(
            f"sensitivity / epsilon must be <= {MAX_DISCRETE_PARAMETER}, got {sensitivity} / {epsilon!r}"
        )
    noise = discrete_laplace(scale, size=None if scalar else arr.shape, rng=rng, secure=secure)
    return int(arr) + noise if scalar else arr + noise


def discrete_gaussian_mechanism(value, sensitivity: int, sigma: float | Fraction,
                                rng: np.random.Generator | None = None,
                                secure: bool = False) -> int | np.ndarray:
    """Integer ``value + discrete_gaussian(sigma)`` per entry (Canonne, Kamath & Steinke 2020).

    For a scalar query of integer sensitivity ``D`` this is rho-zCDP with ``rho = D**2 / (2 sigma**2)``,
    exactly as for continuous Gaussian noise, which implies (rho + 2 sqrt(rho ln(1/delta)), delta)-DP
    for every delta > 0 (Bun & Steinke 2016); for an int array of L2 sensitivity ``D`` the same rho
    holds up to a tiny extra term that Canonne et al. bound. The noise does not depend on
    ``sensitivity`` (it is checked, and it sets rho): choose ``sigma = D / sqrt(2 rho)`` for the rho
    you want. ``sigma`` is used as an exact rational (see ``samplers.discrete_gaussian``). An int for
    a scalar ``value``, else an int64 array of its shape.
    """
    arr, scalar = check_int_values(value, "value")
    check_int(sensitivity, "sensitivity", 1)
    noise = discrete_gaussian(sigma, size=None if scalar else arr.shape, rng=rng, secure=secure)
    return int(arr) + noise if scalar else arr + noise


# --------------------------------------------------------------------------- selection


def exponential_probabilities(scores, sensitivity: float, epsilon: float) -> np.ndarray:
    """The exponential mechanism's distribution, ``p_i = exp(eps s_i / (2 D)) / sum_j exp(eps s_j / (2 D))``.

    ``D`` is the sensitivity of the score (how much one person can change any ``s_i``). Computed
    stably: the maximum exponent is subtracted first, so large scores do not overflow.
    """
    s = check_scores(scores)
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    logits = epsilon * s / (2.0 * sensitivity)
    w = np.exp(logits - logits.max())
    return w / w.sum()


def exponential_mechanism(scores, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                          secure: bool = False) -> int:
    """Index ``i`` drawn with probability ``exponential_probabilities(scores, sensitivity, epsilon)[i]``.

    McSherry & Talwar (2007); epsilon-DP. Sampled by inverting the cumulative distribution at one
    uniform number (53 random bits).
    """
    p = exponential_probabilities(scores, sensitivity, epsilon)
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    u = _Source(rng, secure).uniform()
    return int(min(np.searchsorted(cdf, u, side="right"), p.size - 1))


def report_noisy_max(scores, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                     secure: bool = False) -> int:
    """``argmax_i scores[i] + G_i``, ``G_i`` i.i.d. Gumbel of scale ``2 sensitivity / epsilon``; epsilon-DP.

    The Gumbel-max trick: ``argmax(logit_i + Gumbel(1))`` is a draw from ``softmax(logit)``, so this
    has exactly the exponential mechanism's distribution (``exponential_probabilities``). With
    ``secure=True`` the Gumbel noise is ``-ln(-ln U)`` with ``U`` uniform in (0, 1) from OS bits.
    """
    s = check_scores(scores)
    scale = 2.0 * check_positive(sensitivity, "sensitivity") / check_epsilon(epsilon)
    src = _Source(rng, secure)
    if src.secure:
        gumbel = -np.log(-np.log(src.uniform_open(s.shape)))
        noise = scale * gumbel
    else:
        noise = src.rng.gumbel(0.0, scale, size=s.shape)
    return int(np.argmax(s + noise))


def permute_and_flip(scores, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                     secure: bool = False) -> int:
    """McKenna & Sheldon (2020), "Permute-and-flip: a new mechanism for differentially private selection".

    Visit the candidates in a uniformly random order and return candidate ``r`` with probability
    ``exp(epsilon (s_r - max_j s_j) / (2 sensitivity))`` (a best candidate is always accepted).
    epsilon-DP, and its expected error is never larger than the exponential mechanism's.
    """
    s = check_scores(scores)
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    accept_p = np.exp(epsilon * (s - s.max()) / (2.0 * sensitivity))
    src = _Source(rng, secure)
    order = src.permutation(s.size)
    accepted = src.uniform((s.size,)) < accept_p[order]  # a best candidate has accept_p == 1 > u
    return int(order[np.argmax(accepted)])


# --------------------------------------------------------------------------- randomized response


def _keep_probability(epsilon: float, k: int) -> float:
    """``e**eps / (e**eps + k - 1)``, written to avoid overflow for large epsilon."""
    return 1.0 / (1.0 + (k - 1) * np.exp(-epsilon))


def _check_categories(values, k: int, name: str) -> np.ndarray:
    arr, _ = check_int_values(values, name)
    if arr.size and (arr.min() < 0 or arr.max() > k - 1):
        raise ValueError(f"{name} must be integers in [0, {k - 1}], got values in [{arr.min()}, {arr.max()}]")
    return arr


def _check_bits(bits, name: str) -> np.ndarray:
    arr = np.asarray(bits)
    if arr.dtype == np.bool_:
        return arr.astype(np.int64)
    return _check_categories(arr, 2, name)


def randomized_response(bits, epsilon: float, rng: np.random.Generator | None = None,
                        secure: bool = False) -> np.ndarray:
    """Each bit is reported truthfully with ``p = e**eps / (1 + e**eps)`` and flipped otherwise.

    epsilon-local-DP: any report is at most ``p / (1 - p) = e**eps`` times likelier under one true
    bit than under the other. ``bits``: 0/1 integers or booleans (any shape); returns an int64 array
    of 0/1 reports of the same shape.
    """
    arr = _check_bits(bits, "bits")
    p = _keep_probability(check_epsilon(epsilon), 2)
    keep = _Source(rng, secure).uniform(arr.shape) < p
    return np.where(keep, arr, 1 - arr)


def rr_estimate(responses, epsilon: float) -> float:
    """Unbiased estimate of the true fraction of 1s: ``(mean(responses) - (1 - p)) / (2 p - 1)``.

    ``E[mean] = pi p + (1 - pi)(1 - p)`` for a true fraction ``pi``, which this inverts. It is *not*
    clipped: with few responses or small epsilon it can fall outside [0, 1], and clipping would bias
    it.
    """
    arr = _check_bits(responses, "responses")
    if arr.size == 0:
        raise ValueError("responses must not be empty")
    p = _keep_probability(check_epsilon(epsilon), 2)
    return float((arr.mean() - (1.0 - p)) / (2.0 * p - 1.0))


def rr_variance(n: int, epsilon: float, true_fraction: float) -> float:
    """Variance of ``rr_estimate`` over ``n`` respondents sampled from a population (Warner 1965).

    ``q (1 - q) / (n (2 p - 1)**2) = pi (1 - pi) / n + p (1 - p) / (n (2 p - 1)**2)``, where
    ``pi = true_fraction`` and ``q = pi p + (1 - pi)(1 - p)`` is the probability that a report is 1:
    sampling error plus the price of privacy. For a *fixed* group of ``n`` people whose fraction is
    exactly ``pi``, only the second term remains.
    """
    n = check_int(n, "n", 1)
    p = _keep_probability(check_epsilon(epsilon), 2)
    pi = check_probability(true_fraction, "true_fraction")
    q = pi * p + (1.0 - pi) * (1.0 - p)
    return float(q * (1.0 - q) / (n * (2.0 * p - 1.0) ** 2))


def kary_randomized_response(values, k: int, epsilon: float, rng: np.random.Generator | None = None,
                             secure: bool = False) -> np.ndarray:
    """k-ary (generalized) randomized response: keep ``v`` with ``p = e**eps / (e**eps + k - 1)``.

    Otherwise report one of the other ``k - 1`` categories uniformly at random, so every wrong
    category has probability ``q = (1 - p) / (k - 1)`` and ``p / q = e**eps``: epsilon-local-DP.
    ``values``: integers in ``0..k-1`` (any shape); returns an int64 array of reports of that shape.
    """
    k = check_int(k, "k", 2)
    arr = _check_categories(values, k, "values")
    p = _keep_probability(check_epsilon(epsilon), k)
    src = _Source(rng, secure)
    keep = src.uniform(arr.shape) < p
    other = src.integers(k - 1, arr.shape)
    other = other + (other >= arr)  # uniform over {0..k-1} minus the true value
    return np.where(keep, arr, other)


def kary_estimate(responses, k: int, epsilon: float) -> np.ndarray:
    """Unbiased estimates of the k category frequencies: ``(hat f_j - q) / (p - q)``.

    ``hat f_j`` is the fraction of reports equal to ``j``; ``E[hat f_j] = pi_j p + (1 - pi_j) q``
    with ``p = e**eps / (e**eps + k - 1)`` and ``q = (1 - p) / (k - 1)``. The estimates sum to 1 but
    are not clipped, so some can be negative.
    """
    k = check_int(k, "k", 2)
    arr = _check_categories(responses, k, "responses")
    if arr.size == 0:
        raise ValueError("responses must not be empty")
    p = _keep_probability(check_epsilon(epsilon), k)
    q = (1.0 - p) / (k - 1)
    freq = np.bincount(arr.ravel(), minlength=k) / arr.size
    return (freq - q) / (p - q)
