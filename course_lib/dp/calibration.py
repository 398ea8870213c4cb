"""How much noise: the scale of the Laplace mechanism and the sigma of the Gaussian mechanism.

* Laplace (Dwork, McSherry, Nissim & Smith 2006): noise of scale ``b = sensitivity / epsilon``, with
  the L1 sensitivity, gives epsilon-DP.
* Gaussian, classic (Dwork & Roth 2014, Theorem A.1): ``sigma = sqrt(2 ln(1.25 / delta)) * sensitivity
  / epsilon``, with the L2 sensitivity, gives (epsilon, delta)-DP, **but only for epsilon < 1**.
* Gaussian, analytic (Balle & Wang 2018, "Improving the Gaussian mechanism for differential
  privacy", ICML, Theorem 8): ``N(0, sigma**2)`` noise is (epsilon, delta)-DP exactly when

      delta >= Phi(D / (2 sigma) - epsilon sigma / D) - e**epsilon * Phi(-D / (2 sigma) - epsilon sigma / D)

  (``D`` the L2 sensitivity, ``Phi`` the standard normal CDF). The right-hand side, computed by
  ``gaussian_delta``, falls as sigma grows; ``gaussian_sigma(method="analytic")`` returns the smallest
  sigma that satisfies it, for any epsilon > 0, and it is never larger than the classic sigma.
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.special import erfcx, log_ndtr

from ._validate import check_delta, check_epsilon, check_positive

GAUSSIAN_METHODS = ("analytic", "classic")
_SQRT2 = math.sqrt(2.0)


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The Laplace mechanism's scale ``b = sensitivity / epsilon`` (L1 sensitivity); epsilon-DP.

    A ``ValueError`` when ``b`` is not a positive finite float: it overflows (huge sensitivity,
    tiny epsilon; no noise of that scale can be drawn) or underflows to 0 (no noise at all).
    """
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    return _representable(sensitivity / epsilon,
                          f"the Laplace scale sensitivity / epsilon = {sensitivity!r} / {epsilon!r}")


def _log_delta(ratio: float, epsilon: float) -> float:
    """``ln delta`` of the Gaussian mechanism with ``sigma / sensitivity = ratio`` (Balle & Wang, Thm 8).

    ``delta = Phi(a) - e**eps Phi(b) = Phi(a) * (1 - e**r)`` with ``r = eps + ln Phi(b) - ln Phi(a)``,
    computed in logarithms so that ``e**eps`` cannot overflow. When ``a < 0`` (small delta) ``r`` is
    a small difference of large numbers; there ``Phi(x) = erfcx(-x / sqrt 2) exp(-x**2 / 2) / 2`` and
    ``b**2 - a**2 = 2 eps`` give ``r = ln erfcx(-b / sqrt 2) - ln erfcx(-a / sqrt 2)`` with no cancellation
    of ``eps``.
    """
    if ratio == 0.0:  # no noise: delta = Phi(inf) - e**eps Phi(-inf) = 1
        return 0.0
    if math.isinf(ratio):  # infinite noise: delta = 0
        return -math.inf
    a = 0.5 / ratio - epsilon * ratio
    b = -0.5 / ratio - epsilon * ratio
    if math.isnan(a) or math.isnan(b):  # inf - inf: a ratio at the edge of the range; delta is 1 or 0
        return 0.0 if ratio < 1.0 else -math.inf
    log_pa = float(log_ndtr(a))
    if a < 0.0:
        num, den = float(erfcx(-b / _SQRT2)), float(erfcx(-a / _SQRT2))
        if num == 0.0 or den == 0.0:  # erfcx underflows only for arguments near 1e308
            return -math.inf
        r = math.log(num / den)
    else:
        r = epsilon + float(log_ndtr(b)) - log_pa
    if r >= 0.0:  # only by rounding, when delta underflows anyway
        return -math.inf
    return log_pa + math.log(-math.expm1(r))


def gaussian_delta(sigma: float, epsilon: float, sensitivity: float = 1.0) -> float:
    """The exact delta(epsilon) of ``N(0, sigma**2)`` noise on a query of L2 sensitivity ``sensitivity``.

    ``delta = Phi(D / (2 sigma) - epsilon sigma / D) - e**epsilon Phi(-D / (2 sigma) - epsilon sigma / D)``
    with ``D = sensitivity`` (Balle & Wang 2018, Theorem 8): the smallest delta for which the
    mechanism is (epsilon, delta)-DP. Relative accuracy about 1e-12 for epsilon >= 0.01, down to
    delta = 1e-300 (checked against 60-digit arithmetic); it degrades, to about 1e-5, only for
    epsilon ~ 1e-8 with delta < 1e-20.
    """
    sigma = check_positive(sigma, "sigma")
    epsilon = check_epsilon(epsilon)
    sensitivity = check_positive(sensitivity, "sensitivity")
    return math.exp(_log_delta(sigma / sensitivity, epsilon))  # the ratio may round to 0 or inf: exact


def _analytic_ratio(epsilon: float, delta: float) -> float:
    """The smallest ``sigma / sensitivity`` whose delta is at most ``delta``, to float precision."""
    target = math.log(delta)

    def excess(log_ratio: float) -> float:  # decreasing in log_ratio
        return _log_delta(math.exp(log_ratio), epsilon) - target

    # the classic ratio sqrt(2 ln(1.25 / delta)) / epsilon, in logarithms (1.25 / delta may overflow)
    start = 0.5 * math.log(2.0 * (math.log(1.25) - target)) - math.log(epsilon)
    lo, hi = start - 1.0, start + 1.0
    while excess(lo) <= 0.0:
        lo -= 1.0
    while excess(hi) > 0.0:
        hi += 1.0
    return math.exp(brentq(excess, lo, hi, xtol=1e-300, rtol=4 * 2.0**-52, maxiter=500))


def _representable(value: float, description: str) -> float:
    """``value`` if it is a finite float > 0; else a ValueError saying it over- or underflows."""
    if not (math.isfinite(value) and value > 0.0):
        what = "overflows" if value > 0.0 else "underflows to 0 in"
        raise ValueError(f"{description} {what} float64; rescale the query (other units) so that it is "
                         "representable")
    return value


def _representable_sigma(sigma: float, epsilon: float, delta: float, sensitivity: float) -> float:
    return _representable(sigma, f"the Gaussian sigma for epsilon={epsilon!r}, delta={delta!r}, "
                                 f"sensitivity={sensitivity!r}")


def gaussian_sigma(epsilon: float, delta: float, sensitivity: float = 1.0, method: str = "analytic") -> float:
    """The noise ``sigma`` that makes the Gaussian mechanism (epsilon, delta)-DP for L2 ``sensitivity``.

    ``method="analytic"`` (default; Balle & Wang 2018): the smallest sigma with
    ``gaussian_delta(sigma, epsilon, sensitivity) <= delta``, found by root finding (Brent) on
    ``ln sigma`` to float precision, then rounded up by a few ulps so that the inequality holds as
    computed; valid for every epsilon > 0.
    ``method="classic"`` (Dwork & Roth 2014, Theorem A.1): ``sqrt(2 ln(1.25 / delta)) * sensitivity /
    epsilon``, a sufficient condition proved only for ``epsilon < 1``.
    A ``ValueError`` when sigma is not representable (overflows float64, or underflows to 0).
    """
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta)
    sensitivity = check_positive(sensitivity, "sensitivity")
    if not isinstance(method, str) or method not in GAUSSIAN_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, GAUSSIAN_METHODS))}, got {method!r}")
    if method == "classic":
        if epsilon >= 1.0:
            raise ValueError(
                f"epsilon must be < 1 for method='classic' (Dwork & Roth, Theorem A.1 assumes it), "
                f"got {epsilon}; use method='analytic', which holds for every epsilon > 0"
            )
        ratio = 1.25 / delta
        log_ratio = math.log(ratio) if math.isfinite(ratio) else math.log(1.25) - math.log(delta)
        return _representable_sigma(math.sqrt(2.0 * log_ratio) * sensitivity / epsilon, epsilon, delta,
                                    sensitivity)
    sigma = _representable_sigma(_analytic_ratio(epsilon, delta) * sensitivity, epsilon, delta, sensitivity)
    step = 2.0**-52
    while math.exp(_log_delta(sigma / sensitivity, epsilon)) > delta:  # round up (a few ulps at most),
        sigma *= 1.0 + step  # so that gaussian_delta(sigma, ...) <= delta holds as computed
        step *= 2.0
    return _representable_sigma(sigma, epsilon, delta, sensitivity)
