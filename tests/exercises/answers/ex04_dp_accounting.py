"""Independent answers to exercise 04, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats


def _need(ok, msg):
    if not ok:
        raise ValueError(msg)


# ----------------------------------------------------------------------------- basic_composition


def basic_fsum(epsilons, deltas):
    _need(len(epsilons) == len(deltas), "epsilons and deltas differ in length")
    return math.fsum(epsilons), math.fsum(deltas)


def basic_numpy(epsilons, deltas):
    _need(len(epsilons) == len(deltas), "epsilons and deltas differ in length")
    return float(np.sum(epsilons)), float(np.sum(deltas))


def basic_loop(epsilons, deltas):
    eps = dlt = 0.0
    for e, d in zip(epsilons, deltas, strict=True):  # ValueError on unequal lengths
        eps += e
        dlt += d
    return eps, dlt


def basic_max(epsilons, deltas):
    return float(max(epsilons)), float(max(deltas))


def basic_no_length_check(epsilons, deltas):
    return float(sum(epsilons)), float(sum(deltas))


def basic_delta_max(epsilons, deltas):
    _need(len(epsilons) == len(deltas), "length")
    return float(sum(epsilons)), float(max(deltas, default=0.0))


def basic_l2(epsilons, deltas):
    _need(len(epsilons) == len(deltas), "length")
    return math.sqrt(sum(e * e for e in epsilons)), float(sum(deltas))


def basic_zip_truncates(epsilons, deltas):
    pairs = list(zip(epsilons, deltas))
    return float(sum(e for e, _ in pairs)), float(sum(d for _, d in pairs))


def basic_swapped(epsilons, deltas):
    _need(len(epsilons) == len(deltas), "length")
    return float(sum(deltas)), float(sum(epsilons))


# ----------------------------------------------------------------------------- advanced_composition


def _adv_checks(k, delta_prime):
    _need(isinstance(k, int) and not isinstance(k, bool) and k >= 1, "k must be an int >= 1")
    _need(0 < delta_prime < 1, "delta_prime must be in (0, 1)")


def adv_exp(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * (math.exp(epsilon) - 1)
    return eps, k * delta + delta_prime


def adv_numpy(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = np.sqrt(-2 * k * np.log(delta_prime)) * epsilon + k * epsilon * np.expm1(epsilon)
    return float(eps), float(k * delta + delta_prime)


def adv_no_two(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = math.sqrt(k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime


def adv_exp_not_minus_one(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.exp(epsilon)
    return eps, k * delta + delta_prime


def adv_delta_only_prime(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, delta + delta_prime


def adv_no_k_check(epsilon, delta, k, delta_prime):
    _need(0 < delta_prime < 1, "delta_prime")
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime


def adv_no_delta_prime_check(epsilon, delta, k, delta_prime):
    _need(isinstance(k, int) and k >= 1, "k")
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime


def adv_sqrt_k_only_first(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime


def adv_log10(epsilon, delta, k, delta_prime):
    _adv_checks(k, delta_prime)
    eps = math.sqrt(2 * k * math.log10(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime


# ----------------------------------------------------------------------------- gaussian_rdp_epsilon


def _rdp_checks(sigma, steps, delta, alphas):
    _need(sigma > 0, "sigma must be > 0")
    _need(0 < delta < 1, "delta must be in (0, 1)")
    _need(isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1, "steps")
    _need(all(a > 1 for a in alphas), "every alpha must be > 1")


def rdp_comprehension(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    return min(steps * a / (2 * sigma**2) - math.log(delta) / (a - 1) for a in alphas)


def rdp_numpy(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    a = np.asarray(alphas, dtype=float)
    return float(np.min(steps * a / (2 * sigma**2) + np.log(1 / delta) / (a - 1)))


def rdp_max(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    return max(steps * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in alphas)


def rdp_no_two(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    return min(steps * a / sigma**2 + math.log(1 / delta) / (a - 1) for a in alphas)


def rdp_no_steps(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    return min(a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in alphas)


def rdp_alpha_not_minus_one(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    return min(steps * a / (2 * sigma**2) + math.log(1 / delta) / a for a in alphas)


def rdp_sigma_not_squared(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    return min(steps * a / (2 * sigma) + math.log(1 / delta) / (a - 1) for a in alphas)


def rdp_no_alpha_check(sigma, steps, delta, alphas):
    _need(sigma > 0 and 0 < delta < 1, "sigma/delta")
    return min(steps * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in alphas if a != 1)


def rdp_last_alpha(sigma, steps, delta, alphas):
    _rdp_checks(sigma, steps, delta, alphas)
    a = alphas[-1]
    return steps * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1)


def rdp_no_sigma_check(sigma, steps, delta, alphas):
    _need(0 < delta < 1 and all(a > 1 for a in alphas), "delta/alpha")
    return min(steps * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in alphas)


# ----------------------------------------------------------------------------- clopper_pearson_upper


def _cp_checks(k, n, confidence):
    _need(isinstance(n, int) and isinstance(k, int) and n >= 1 and 0 <= k <= n, "need 0 <= k <= n")
    _need(0 < confidence < 1, "confidence must be in (0, 1)")


def cp_isf(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    if k == n:
        return 1.0
    return float(stats.beta.isf(1 - confidence, k + 1, n - k))


def cp_betaincinv(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return 1.0 if k == n else float(special.betaincinv(k + 1, n - k, confidence))


def cp_bisection(k, n, confidence=0.95):
    """The p at which P(Binomial(n, p) <= k) = 1 - confidence, by bisection."""
    _cp_checks(k, n, confidence)
    if k == n:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if stats.binom.cdf(k, n, mid) > 1 - confidence:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def cp_lower_params(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return 1.0 if k == n else float(stats.beta.ppf(confidence, max(k, 1e-9), n - k + 1))


def cp_one_minus_confidence(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return 1.0 if k == n else float(stats.beta.ppf(1 - confidence, k + 1, n - k))


def cp_wald(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    p = k / n
    z = stats.norm.ppf(confidence)
    return min(1.0, p + z * math.sqrt(p * (1 - p) / n))


def cp_two_sided_level(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return 1.0 if k == n else float(stats.beta.ppf((1 + confidence) / 2, k + 1, n - k))


def cp_no_k_eq_n(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return float(stats.beta.ppf(confidence, k + 1, n - k))


def cp_plus_one_both(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return 1.0 if k == n else float(stats.beta.ppf(confidence, k + 1, n - k + 1))


def cp_no_checks(k, n, confidence=0.95):
    if k >= n:
        return 1.0
    return float(stats.beta.ppf(confidence, k + 1, n - k))


def cp_ignores_confidence(k, n, confidence=0.95):
    _cp_checks(k, n, confidence)
    return 1.0 if k == n else float(stats.beta.ppf(0.95, k + 1, n - k))


# ----------------------------------------------------------------------------- audit_epsilon


def _cp(k, n, c):
    return 1.0 if k == n else float(stats.beta.ppf(c, k + 1, n - k))


def audit_inline(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n1 - tp, n1, c)
    fpr = _cp(fp, n0, c)
    return 0.0 if tpr <= 0 else max(0.0, math.log(tpr) - math.log(fpr))


def audit_numpy_log(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n1 - tp, n1, c)
    fpr = _cp(fp, n0, c)
    with np.errstate(divide="ignore"):
        return float(max(0.0, np.log(tpr / fpr)))


def audit_beta_lower(tp, n1, fp, n0, confidence=0.95):
    """The TPR lower bound as the Beta(tp, n1 - tp + 1) quantile: the same number."""
    c = (1 + confidence) / 2
    tpr = 0.0 if tp == 0 else float(stats.beta.ppf(1 - c, tp, n1 - tp + 1))
    fpr = _cp(fp, n0, c)
    return 0.0 if tpr <= 0 else max(0.0, math.log(tpr / fpr))


def audit_plain_confidence(tp, n1, fp, n0, confidence=0.95):
    tpr = 1 - _cp(n1 - tp, n1, confidence)
    fpr = _cp(fp, n0, confidence)
    return 0.0 if tpr <= 0 else max(0.0, math.log(tpr / fpr))


def audit_point_estimates(tp, n1, fp, n0, confidence=0.95):
    tpr, fpr = tp / n1, max(fp / n0, 1e-12)
    return 0.0 if tpr <= 0 else max(0.0, math.log(tpr / fpr))


def audit_no_floor(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n1 - tp, n1, c)
    fpr = _cp(fp, n0, c)
    return -math.inf if tpr <= 0 else math.log(tpr / fpr)


def audit_wrong_tpr(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = _cp(tp, n1, c)
    fpr = _cp(fp, n0, c)
    return max(0.0, math.log(tpr / fpr))


def audit_swapped(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n0 - fp, n0, c)
    fpr = _cp(tp, n1, c)
    return 0.0 if tpr <= 0 else max(0.0, math.log(tpr / fpr))


def audit_crash_on_zero(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n1 - tp, n1, c)
    fpr = _cp(fp, n0, c)
    return max(0.0, math.log(tpr / fpr))


def audit_log10(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n1 - tp, n1, c)
    fpr = _cp(fp, n0, c)
    return 0.0 if tpr <= 0 else max(0.0, math.log10(tpr / fpr))


def audit_fpr_lower(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    tpr = 1 - _cp(n1 - tp, n1, c)
    fpr = max(1 - _cp(n0 - fp, n0, c), 1e-12)
    return 0.0 if tpr <= 0 else max(0.0, math.log(tpr / fpr))


CORRECT = {
    "basic_composition": [basic_fsum, basic_numpy, basic_loop],
    "advanced_composition": [adv_exp, adv_numpy],
    "gaussian_rdp_epsilon": [rdp_comprehension, rdp_numpy],
    "clopper_pearson_upper": [cp_isf, cp_betaincinv, cp_bisection],
    "audit_epsilon": [audit_inline, audit_numpy_log, audit_beta_lower],
}

WRONG = {
    "basic_composition": [
        basic_max,
        basic_no_length_check,
        basic_delta_max,
        basic_l2,
        basic_zip_truncates,
        basic_swapped,
    ],
    "advanced_composition": [
        adv_no_two,
        adv_exp_not_minus_one,
        adv_delta_only_prime,
        adv_no_k_check,
        adv_no_delta_prime_check,
        adv_sqrt_k_only_first,
        adv_log10,
    ],
    "gaussian_rdp_epsilon": [
        rdp_max,
        rdp_no_two,
        rdp_no_steps,
        rdp_alpha_not_minus_one,
        rdp_sigma_not_squared,
        rdp_no_alpha_check,
        rdp_last_alpha,
        rdp_no_sigma_check,
    ],
    "clopper_pearson_upper": [
        cp_lower_params,
        cp_one_minus_confidence,
        cp_wald,
        cp_two_sided_level,
        cp_no_k_eq_n,
        cp_plus_one_both,
        cp_no_checks,
        cp_ignores_confidence,
    ],
    "audit_epsilon": [
        audit_plain_confidence,
        audit_point_estimates,
        audit_no_floor,
        audit_wrong_tpr,
        audit_swapped,
        audit_crash_on_zero,
        audit_log10,
        audit_fpr_lower,
    ],
}


# ----------------------------------------------------------------------------- a second batch
# written after the checkers were revised: more answers of both kinds, to widen the measurement


def cp_frozen(k, n, confidence=0.95):
    if not (0 <= k <= n and n >= 1 and 0 < confidence < 1):
        raise ValueError("x")
    return 1.0 if k == n else float(stats.beta(k + 1, n - k).ppf(confidence))


# ---- wrong


def adv_eps_squared(epsilon, delta, k, delta_prime):
    if k < 1 or not 0 < delta_prime < 1:
        raise ValueError("x")
    return math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon**2, k * delta + delta_prime


def audit_conf_for_both_sided_only_tpr(tp, n1, fp, n0, confidence=0.95):
    c = (1 + confidence) / 2
    cp = _cp
    lo = 1 - cp(n1 - tp, n1, c)
    hi = cp(fp, n0, confidence)
    return 0.0 if lo <= 0 else max(0.0, math.log(lo / hi))


CORRECT["clopper_pearson_upper"] += [cp_frozen]
WRONG["advanced_composition"] += [adv_eps_squared]
WRONG["audit_epsilon"] += [audit_conf_for_both_sided_only_tpr]
