"""Plausible wrong answers to exercise 04; each must be rejected by its task's checker."""

from __future__ import annotations

import math

from scipy import stats


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("04_dp_accounting")


def basic_max(epsilons, deltas):
    """Takes the max (that is parallel composition, for disjoint data)."""
    if len(epsilons) != len(deltas):
        raise ValueError("length")
    return float(max(epsilons)), float(max(deltas))


def basic_forgets_delta(epsilons, deltas):
    if len(epsilons) != len(deltas):
        raise ValueError("length")
    return float(sum(epsilons)), 0.0


def basic_no_length_check(epsilons, deltas):
    return float(sum(epsilons)), float(sum(deltas))


def advanced_missing_two(epsilon, delta, k, delta_prime):
    e, d = _sol().advanced_composition(epsilon, delta, k, delta_prime)
    return math.sqrt(k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon), d


def advanced_no_k_in_second_term(epsilon, delta, k, delta_prime):
    e, d = _sol().advanced_composition(epsilon, delta, k, delta_prime)
    return math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + epsilon * math.expm1(epsilon), d


def advanced_forgets_k_delta(epsilon, delta, k, delta_prime):
    e, _ = _sol().advanced_composition(epsilon, delta, k, delta_prime)
    return e, delta_prime


def advanced_log_delta_prime(epsilon, delta, k, delta_prime):
    """ln(δ') under the root: a negative number, silently abs()'d."""
    e, d = _sol().advanced_composition(epsilon, delta, k, delta_prime)
    return math.sqrt(abs(2 * k * math.log(delta_prime))) * epsilon + k * epsilon * epsilon, d


def rdp_missing_two(sigma, steps, delta, alphas):
    return _sol().gaussian_rdp_epsilon(sigma / math.sqrt(2), steps, delta, alphas)


def rdp_alpha_not_minus_one(sigma, steps, delta, alphas):
    _sol().gaussian_rdp_epsilon(sigma, steps, delta, alphas)
    return min(steps * a / (2 * sigma**2) + math.log(1 / delta) / a for a in alphas)


def rdp_forgets_steps(sigma, steps, delta, alphas):
    _sol().gaussian_rdp_epsilon(sigma, steps, delta, alphas)
    return _sol().gaussian_rdp_epsilon(sigma, 1, delta, alphas)


def rdp_max_over_alpha(sigma, steps, delta, alphas):
    _sol().gaussian_rdp_epsilon(sigma, steps, delta, alphas)
    return max(steps * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in alphas)


def cp_point_estimate(k, n, confidence=0.95):
    if not 0 <= k <= n or not 0 < confidence < 1:
        raise ValueError("bad")
    return k / n


def cp_two_sided(k, n, confidence=0.95):
    """Uses the two-sided quantile (1 + confidence) / 2 for a one-sided bound."""
    if not 0 <= k <= n or not 0 < confidence < 1:
        raise ValueError("bad")
    return 1.0 if k == n else float(stats.beta.ppf((1 + confidence) / 2, k + 1, n - k))


def cp_wrong_beta(k, n, confidence=0.95):
    if not 0 <= k <= n or not 0 < confidence < 1:
        raise ValueError("bad")
    return 1.0 if k == n else float(stats.beta.ppf(confidence, k, n - k + 1)) if k else 0.0


def audit_point_estimates(tp, n1, fp, n0, confidence=0.95):
    return max(0.0, math.log((tp / n1) / (fp / n0)))


def audit_same_confidence(tp, n1, fp, n0, confidence=0.95):
    """Each bound at `confidence` instead of (1 + confidence)/2: the joint statement is weaker."""
    cp = _sol().clopper_pearson_upper
    lo, hi = 1 - cp(n1 - tp, n1, confidence), cp(fp, n0, confidence)
    return max(0.0, math.log(lo / hi))


def audit_negative(tp, n1, fp, n0, confidence=0.95):
    """Does not clip at 0."""
    cp = _sol().clopper_pearson_upper
    c = (1 + confidence) / 2
    return math.log((1 - cp(n1 - tp, n1, c)) / cp(fp, n0, c))


def advanced_no_delta_prime_check(epsilon, delta, k, delta_prime):
    """Checks k but not δ': δ' = 1 gives ln(1) = 0 and a meaningless bound."""
    if k < 1:
        raise ValueError("k")
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime


def audit_crash_when_tp_zero(tp, n1, fp, n0, confidence=0.95):
    """math.log(0) when the TPR lower bound is 0: an error instead of a bound of 0."""
    c = (1 + confidence) / 2
    cp = _sol().clopper_pearson_upper
    return max(0.0, math.log((1 - cp(n1 - tp, n1, c)) / cp(fp, n0, c)))


MUTANTS = {
    "basic_composition": [basic_max, basic_forgets_delta, basic_no_length_check],
    "advanced_composition": [advanced_missing_two, advanced_no_k_in_second_term, advanced_forgets_k_delta,
                             advanced_log_delta_prime, advanced_no_delta_prime_check],
    "gaussian_rdp_epsilon": [rdp_missing_two, rdp_alpha_not_minus_one, rdp_forgets_steps, rdp_max_over_alpha],
    "clopper_pearson_upper": [cp_point_estimate, cp_two_sided, cp_wrong_beta],
    "audit_epsilon": [audit_point_estimates, audit_same_confidence, audit_negative,
                      audit_crash_when_tp_zero],
}


def audit_log_of_zero_is_minus_inf(tp, n1, fp, n0, confidence=0.95):
    """Correct: ln(0) = -inf in NumPy, and max(0, -inf) = 0."""
    import numpy as np

    c = (1 + confidence) / 2
    cp = _sol().clopper_pearson_upper
    with np.errstate(divide="ignore"):
        return float(max(0.0, np.log((1 - cp(n1 - tp, n1, c)) / cp(fp, n0, c))))


# correct answers written otherwise: each must be accepted
EQUIVALENTS = {
    "audit_epsilon": [audit_log_of_zero_is_minus_inf],
}
