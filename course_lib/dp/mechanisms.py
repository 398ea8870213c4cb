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

**Input checks, and what an error reveals.** An exception raised because of a *data value* is
itself a release: whoever sees "value must be finite" learns that a record is NaN or infinite, and
no noise protects that bit. So every function checks its public arguments first (epsilon, delta,
sensitivity, k, dtypes: errors that depend on no record), and only then the data. The checks
that do depend on the data are few, and each docstring names them:

* non-finite values (NaN, ±inf) or scores: ``ValueError`` (``laplace_mechanism``,
  ``gaussian_mechanism``, the selection mechanisms); there is no safe way to add noise to them;
* categories outside ``0..k-1`` in randomized response: ``ValueError``.

Clean the data by a rule fixed in advance (drop, impute, clamp to declared bounds, as ``queries``
does) so that these never fire on real data. A few errors depend only on the *noisy output*, never
on the data alone (a noisy value beyond the float64 or int64 range): they are post-processing of
the release, so they reveal nothing more than the release itself would.

Numerically, the selection mechanisms never form ``epsilon * score`` (which overflows): they work
with the gaps ``max(scores) - scores[i]``, scaled in logarithms when needed, so that any finite
scores, sensitivity and epsilon give a valid distribution; the integer mechanisms add their noise
exactly, and the randomized-response estimators use ``tanh(epsilon / 2) = 2p - 1`` (no
cancellation at small epsilon) and refuse an epsilon so small that the estimate cannot be a float.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np

from ._validate import (
    as_fraction,
    check_epsilon,
    check_int,
    check_int_scalar,
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


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _float_release(arr: np.ndarray, noise, scalar: bool) -> float | np.ndarray:
    """``arr + noise``; a ``ValueError`` if a noisy value overflows float64.

    Whether ``value + noise`` overflows is a function of the noisy value alone (the release), so the
    error is post-processing: it reveals nothing that the release itself would not.
    """
    with np.errstate(over="ignore"):
        out = arr + noise
    if not np.all(np.isfinite(out)):
        raise ValueError("a noisy value overflowed float64 (|value + noise| > 1.8e308); rescale the query "
                         "(e.g. report it in larger units). This depends only on the noisy output")
    return float(out) if scalar else out


def _int_release(arr: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """``arr + noise`` for int64 arrays, exactly; a ``ValueError`` instead of wrapping around.

    The sum is refused when some *noisy* value lies outside the int64 range: a function of the
    release alone, so the error is post-processing and reveals nothing more than the release.
    """
    up = (noise > 0) & (arr > _INT64_MAX - np.maximum(noise, 0))  # neither side can overflow
    down = (noise < 0) & (arr < _INT64_MIN - np.minimum(noise, 0))
    if up.any() or down.any():
        raise ValueError(
            "a noisy value lies outside the int64 range [-2**63, 2**63 - 1], so the int64 array cannot "
            "hold it (NumPy would wrap it around); shift or rescale the query, or pass a Python int "
            "scalar (no limit). This depends only on the noisy output"
        )
    return arr + noise


def laplace_mechanism(value, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                      secure: bool = False) -> float | np.ndarray:
    """``value + Laplace(sensitivity / epsilon)``, independently per entry; epsilon-DP.

    ``value`` is a finite number (a float comes back) or array (a float64 array of the same shape
    comes back); for an array, ``sensitivity`` is the L1 sensitivity of the whole vector,
    ``max ||f(D) - f(D')||_1``.

    Errors: the arguments (``sensitivity``, ``epsilon``, dtype) are checked first, from public
    information. Then, data-dependent: a NaN or infinite ``value`` is a ``ValueError``, and that
    exception is itself a release (it says that a value is not finite, with no noise), so check
    the data before. A noisy value beyond the float64 range is a ``ValueError`` that depends only
    on the output.
    """
    scale = laplace_scale(sensitivity, epsilon)
    arr, scalar = check_values(value, "value")
    noise = laplace_noise(scale, size=None if scalar else arr.shape, rng=rng, secure=secure)
    return _float_release(arr, noise, scalar)


def gaussian_mechanism(value, sensitivity: float, epsilon: float, delta: float, method: str = "analytic",
                       rng: np.random.Generator | None = None, secure: bool = False) -> float | np.ndarray:
    """``value + N(0, sigma**2)`` per entry, ``sigma = gaussian_sigma(epsilon, delta, sensitivity, method)``.

    (epsilon, delta)-DP when ``sensitivity`` is the L2 sensitivity ``max ||f(D) - f(D')||_2``.
    A float for a scalar ``value``, else a float64 array of its shape.

    Errors: public arguments first; then, data-dependent, a NaN or infinite ``value`` is a
    ``ValueError`` (an exception raised because of a data value is itself a release); a noisy value
    beyond the float64 range is a ``ValueError`` that depends only on the output.
    """
    sigma = gaussian_sigma(epsilon, delta, sensitivity, method)
    arr, scalar = check_values(value, "value")
    noise = gaussian_noise(sigma, size=None if scalar else arr.shape, rng=rng, secure=secure)
    return _float_release(arr, noise, scalar)


def geometric_mechanism(value, sensitivity: int, epsilon: float, rng: np.random.Generator | None = None,
                        secure: bool = False) -> int | np.ndarray:
    """Integer ``value + discrete_laplace(sensitivity / epsilon)`` per entry; exactly epsilon-DP.

    The noise has ``P(k) proportional to exp(-epsilon |k| / sensitivity)`` (the two-sided geometric
    mechanism), sampled exactly with ``sensitivity / epsilon`` as an exact rational (a float epsilon
    is taken at its exact binary value). ``value``: an int (any size) or an integer array (any signed
    dtype, or unsigned of at most 32 bits: ``uint64`` is refused by its dtype, cast it yourself);
    ``sensitivity``: the integer L1 sensitivity. A Python int for a scalar ``value`` (exact, no
    limit), else an int64 array of its shape.

    Errors: none depends on the data values. A noisy array value outside the int64 range is a
    ``ValueError`` rather than a silent wrap-around; it depends only on the noisy output.
    """
    sensitivity = check_int(sensitivity, "sensitivity", 1)
    check_epsilon(epsilon)
    scale = Fraction(sensitivity) / as_fraction(epsilon, "epsilon")
    if scale > MAX_DISCRETE_PARAMETER:
        raise ValueError(
            f"sensitivity / epsilon must be <= {MAX_DISCRETE_PARAMETER}, got {sensitivity} / {epsilon!r}"
        )
    exact = check_int_scalar(value, "value")
    if exact is not None:
        return exact + discrete_laplace(scale, rng=rng, secure=secure)
    arr, _ = check_int_values(value, "value")
    return _int_release(arr, discrete_laplace(scale, size=arr.shape, rng=rng, secure=secure))


def discrete_gaussian_mechanism(value, sensitivity: int, sigma: float | Fraction,
                                rng: np.random.Generator | None = None,
                                secure: bool = False) -> int | np.ndarray:
    """Integer ``value + discrete_gaussian(sigma)`` per entry (Canonne, Kamath & Steinke 2020).

    For a scalar query of integer sensitivity ``D`` this is rho-zCDP with ``rho = D**2 / (2 sigma**2)``,
    exactly as for continuous Gaussian noise, which implies (rho + 2 sqrt(rho ln(1/delta)), delta)-DP
    for every delta > 0 (Bun & Steinke 2016); for an int array of L2 sensitivity ``D`` the same rho
    holds up to a tiny extra term that Canonne et al. bound. The noise does not depend on
    ``sensitivity`` (it is checked, and it sets rho): choose ``sigma = D / sqrt(2 rho)`` for the rho
    you want. ``sigma`` is used as an exact rational (see ``samplers.discrete_gaussian``). A Python
    int for a scalar ``value`` (exact, no limit), else an int64 array of its shape; ``value`` as in
    ``geometric_mechanism``.

    Errors: none depends on the data values. A noisy array value outside the int64 range is a
    ``ValueError`` rather than a silent wrap-around; it depends only on the noisy output.
    """
    check_int(sensitivity, "sensitivity", 1)
    exact = check_int_scalar(value, "value")
    if exact is not None:
        return exact + discrete_gaussian(sigma, rng=rng, secure=secure)
    arr, _ = check_int_values(value, "value")
    return _int_release(arr, discrete_gaussian(sigma, size=arr.shape, rng=rng, secure=secure))


# --------------------------------------------------------------------------- selection


def _scaled_gaps(s: np.ndarray, sensitivity: float, epsilon: float) -> np.ndarray:
    """``g_i = epsilon (max_j s_j - s_i) / (2 sensitivity) >= 0`` for every candidate, never NaN.

    The exponential mechanism's logits, shifted so that the best one is 0: ``p_i ~ exp(-g_i)``. The
    direct product ``epsilon * s_i`` overflows for large scores or epsilon, and ``s_max - s_i`` for
    scores of opposite signs near 1e308; here the gap is taken first, and when the factor
    ``epsilon / (2 sensitivity)`` or a gap is not a normal finite float the product is formed in
    logarithms, ``exp(ln eps - ln 2 - ln D + ln gap)``: an overflow then gives ``g = inf`` (weight
    exactly 0, as it should be), an underflow ``g = 0`` (weight 1), and the best candidate always
    has ``g = 0``. ``s``: checked finite scores; ``sensitivity``, ``epsilon``: checked floats > 0.
    """
    top = s.max()
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        gap = top - s  # >= 0; inf where it overflows
        factor = epsilon / sensitivity / 2.0
        if np.all(np.isfinite(gap)) and math.isfinite(factor) and factor >= sys.float_info.min:
            return factor * gap  # inf where the product overflows: weight exp(-inf) = 0, correctly
        log_gap = np.where(np.isfinite(gap), np.log(gap), math.log(2.0) + np.log(top / 2.0 - s / 2.0))
        return np.exp(math.log(epsilon) - math.log(2.0) - math.log(sensitivity) + log_gap)


def _check_selection(scores, sensitivity, epsilon) -> np.ndarray:
    """The gaps of ``_scaled_gaps``; public arguments checked first, then the scores (data-dependent)."""
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    return _scaled_gaps(check_scores(scores), sensitivity, epsilon)


def exponential_probabilities(scores, sensitivity: float, epsilon: float) -> np.ndarray:
    """The exponential mechanism's distribution, ``p_i = exp(eps s_i / (2 D)) / sum_j exp(eps s_j / (2 D))``.

    ``D`` is the sensitivity of the score (how much one person can change any ``s_i``). Computed
    stably for any finite scores, sensitivity and epsilon (``p_i = exp(-g_i) / sum_j exp(-g_j)`` with
    the gaps ``g_i = eps (max s - s_i) / (2 D) >= 0`` of ``_scaled_gaps``): no overflow, no NaN, and
    a probability too small for float64 is 0.

    Errors: public arguments first; then a NaN or infinite score, or an empty or non-1-D ``scores``,
    is a ``ValueError``. Scores are computed from the data, so that error is data-dependent (and
    the exception is itself a release): compute scores that are finite by construction.
    """
    w = np.exp(-_check_selection(scores, sensitivity, epsilon))
    return w / w.sum()  # the best candidate has weight 1, so the sum is in [1, n]


def exponential_mechanism(scores, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                          secure: bool = False) -> int:
    """Index ``i`` drawn with probability ``exponential_probabilities(scores, sensitivity, epsilon)[i]``.

    McSherry & Talwar (2007); epsilon-DP. Sampled by inverting the cumulative distribution at one
    uniform number (53 random bits). Valid for any finite scores, sensitivity and epsilon (see
    ``exponential_probabilities``, also for the errors).
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
    has exactly the exponential mechanism's distribution (``exponential_probabilities``). Computed as
    ``argmax(G_i - g_i)`` with standard Gumbel ``G_i`` and the gaps ``g_i`` of ``_scaled_gaps`` (the
    same argmax, divided by the scale): no overflow for any finite input, and when the noise scale
    is beyond float64 (all gaps 0) the choice is uniform, as the limit demands. With
    ``secure=True`` the Gumbel noise is ``-ln(-ln U)`` with ``U`` uniform in (0, 1) from OS bits.
    Errors: as ``exponential_probabilities``.
    """
    gaps = _check_selection(scores, sensitivity, epsilon)
    src = _Source(rng, secure)
    if src.secure:
        gumbel = -np.log(-np.log(src.uniform_open(gaps.shape)))
    else:
        gumbel = src.rng.gumbel(0.0, 1.0, size=gaps.shape)
    return int(np.argmax(gumbel - gaps))


def permute_and_flip(scores, sensitivity: float, epsilon: float, rng: np.random.Generator | None = None,
                     secure: bool = False) -> int:
    """McKenna & Sheldon (2020), "Permute-and-flip: a new mechanism for differentially private selection".

    Visit the candidates in a uniformly random order and return candidate ``r`` with probability
    ``exp(epsilon (s_r - max_j s_j) / (2 sensitivity))`` (a best candidate is always accepted).
    epsilon-DP, and its expected error is never larger than the exponential mechanism's. The
    acceptance probabilities are ``exp(-g_r)`` with the gaps of ``_scaled_gaps`` (no overflow).
    Errors: as ``exponential_probabilities``.
    """
    accept_p = np.exp(-_check_selection(scores, sensitivity, epsilon))
    src = _Source(rng, secure)
    order = src.permutation(accept_p.size)
    accepted = src.uniform((accept_p.size,)) < accept_p[order]  # a best candidate has accept_p == 1 > u
    return int(order[np.argmax(accepted)])


# --------------------------------------------------------------------------- randomized response


#: The largest k of k-ary randomized response (categories must fit in int64).
MAX_CATEGORIES = 2**62


def _keep_probability(epsilon: float, k: int) -> float:
    """``e**eps / (e**eps + k - 1)``, written to avoid overflow for large epsilon."""
    return 1.0 / (1.0 + (k - 1) * math.exp(-epsilon))


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


def _estimate_scale(gap: float, epsilon: float, what: str) -> float:
    """``1 / gap`` for the debiasing denominator ``gap = p - q``; a ``ValueError`` if it overflows.

    Depends on epsilon (and k) only: no data value decides it.
    """
    if not gap > 1.0 / sys.float_info.max:
        raise ValueError(
            f"epsilon={epsilon!r} is too small for {what}: the unbiased estimate divides by {gap!r} "
            f"(the gap between the report probabilities), and it could exceed the float64 range"
        )
    return 1.0 / gap


def randomized_response(bits, epsilon: float, rng: np.random.Generator | None = None,
                        secure: bool = False) -> np.ndarray:
    """Each bit is reported truthfully with ``p = e**eps / (1 + e**eps)`` and flipped otherwise.

    epsilon-local-DP: any report is at most ``p / (1 - p) = e**eps`` times likelier under one true
    bit than under the other. ``bits``: 0/1 integers or booleans (any shape); returns an int64 array
    of 0/1 reports of the same shape. Errors: epsilon and the dtype first; then a bit other than
    0/1 is a ``ValueError`` that depends on the data (and is itself a release).
    """
    p = _keep_probability(check_epsilon(epsilon), 2)
    arr = _check_bits(bits, "bits")
    keep = _Source(rng, secure).uniform(arr.shape) < p
    return np.where(keep, arr, 1 - arr)


def rr_estimate(responses, epsilon: float) -> float:
    """Unbiased estimate of the true fraction of 1s: ``(mean(responses) - (1 - p)) / (2 p - 1)``.

    ``E[mean] = pi p + (1 - pi)(1 - p)`` for a true fraction ``pi``, which this inverts. It is *not*
    clipped: with few responses or small epsilon it can fall outside [0, 1], and clipping would bias
    it. Computed as ``1/2 + (mean - 1/2) / tanh(epsilon / 2)`` (``2p - 1 = tanh(epsilon / 2)``; no
    cancellation at small epsilon, and ``mean - 1/2`` from exact counts). An epsilon so small (below
    about 5.6e-309) that the estimate could exceed the float64 range is a ``ValueError``, decided by
    epsilon alone.
    """
    epsilon = check_epsilon(epsilon)
    scale = _estimate_scale(math.tanh(epsilon / 2.0), epsilon, "rr_estimate")
    arr = _check_bits(responses, "responses")
    if arr.size == 0:
        raise ValueError("responses must not be empty")
    ones = int(arr.sum())
    return float(0.5 + (2 * ones - arr.size) / (2 * arr.size) * scale)  # mean − 1/2 with an exact numerator


def rr_variance(n: int, epsilon: float, true_fraction: float) -> float:
    """Variance of ``rr_estimate`` over ``n`` respondents sampled from a population (Warner 1965).

    ``q (1 - q) / (n (2 p - 1)**2) = pi (1 - pi) / n + p (1 - p) / (n (2 p - 1)**2)``, where
    ``pi = true_fraction`` and ``q = pi p + (1 - pi)(1 - p)`` is the probability that a report is 1:
    sampling error plus the price of privacy. For a *fixed* group of ``n`` people whose fraction is
    exactly ``pi``, only the second term remains. A ``ValueError`` when epsilon is so small (below
    about 1e-154) that the variance exceeds the float64 range.
    """
    n = check_int(n, "n", 1)
    epsilon = check_epsilon(epsilon)
    pi = check_probability(true_fraction, "true_fraction")
    keep = 1.0 / (1.0 + math.exp(-epsilon))  # p, and 1 - p below, neither of them overflowing
    flip = math.exp(-epsilon) * keep
    q, one_minus_q = pi * keep + (1.0 - pi) * flip, pi * flip + (1.0 - pi) * keep
    t = math.tanh(epsilon / 2.0)  # 2p - 1
    with np.errstate(over="ignore", divide="ignore"):
        variance = float(np.float64(q * one_minus_q / n) / t / t)
    if not math.isfinite(variance):
        raise ValueError(f"epsilon={epsilon!r} is too small: the variance of rr_estimate exceeds float64")
    return variance


def kary_randomized_response(values, k: int, epsilon: float, rng: np.random.Generator | None = None,
                             secure: bool = False) -> np.ndarray:
    """k-ary (generalized) randomized response: keep ``v`` with ``p = e**eps / (e**eps + k - 1)``.

    Otherwise report one of the other ``k - 1`` categories uniformly at random, so every wrong
    category has probability ``q = (1 - p) / (k - 1)`` and ``p / q = e**eps``: epsilon-local-DP.
    ``values``: integers in ``0..k-1`` (any shape), ``2 <= k <= 2**62``; returns an int64 array of
    reports of that shape. Errors: k, epsilon and the dtype first; then a value outside ``0..k-1``
    is a ``ValueError`` that depends on the data (and is itself a release).
    """
    k = check_int(k, "k", 2)
    if k > MAX_CATEGORIES:
        raise ValueError(f"k must be an int in [2, 2**62], got {k}")
    p = _keep_probability(check_epsilon(epsilon), k)
    arr = _check_categories(values, k, "values")
    src = _Source(rng, secure)
    keep = src.uniform(arr.shape) < p
    other = src.integers(k - 1, arr.shape)
    other = other + (other >= arr)  # uniform over {0..k-1} minus the true value
    return np.where(keep, arr, other)


def kary_estimate(responses, k: int, epsilon: float) -> np.ndarray:
    """Unbiased estimates of the k category frequencies: ``(hat f_j - q) / (p - q)``.

    ``hat f_j`` is the fraction of reports equal to ``j``; ``E[hat f_j] = pi_j p + (1 - pi_j) q``
    with ``p = e**eps / (e**eps + k - 1)`` and ``q = (1 - p) / (k - 1)``. The estimates sum to 1 but
    are not clipped, so some can be negative. ``p - q = (1 - e**-eps) / (1 + (k - 1) e**-eps)`` is
    computed without cancellation; an epsilon so small that the estimates could exceed the float64
    range is a ``ValueError``, decided by epsilon and k alone. The result has k entries (memory).
    """
    k = check_int(k, "k", 2)
    if k > MAX_CATEGORIES:
        raise ValueError(f"k must be an int in [2, 2**62], got {k}")
    epsilon = check_epsilon(epsilon)
    denom = 1.0 + (k - 1) * math.exp(-epsilon)
    scale = _estimate_scale(-math.expm1(-epsilon) / denom, epsilon, "kary_estimate")
    arr = _check_categories(responses, k, "responses")
    if arr.size == 0:
        raise ValueError("responses must not be empty")
    # hat f_j - q = (hat f_j - 1/k) + (p - q)/k, as 1/k - q = (p - q)/k: no cancellation of two
    # numbers near 1/k, and hat f_j - 1/k = (k c_j - n) / (k n) from the counts
    counts = np.bincount(arr.ravel(), minlength=k).astype(np.float64)
    return (counts * k - arr.size) / (float(k) * arr.size) * scale + 1.0 / k
