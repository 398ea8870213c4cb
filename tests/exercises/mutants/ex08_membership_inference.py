"""Plausible wrong answers to exercise 08; each must be rejected by its task's checker."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("08_membership_inference")


# --- membership_scores
def scores_one_minus_softmax(logits, labels):
    """log p − log(1 − p) from the (stable) softmax: 1 − p rounds to 0 for confident examples."""
    p = special.softmax(logits, axis=1)[np.arange(len(labels)), labels]
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log(1 - p)


def scores_minus_loss(logits, labels):
    """log p (minus the cross-entropy): ties at 0 for every confident example."""
    return special.log_softmax(logits, axis=1)[np.arange(len(labels)), labels]


def scores_sign_flipped(logits, labels):
    return -_sol().membership_scores(logits, labels)


def scores_no_max_subtraction(logits, labels):
    """exp of the raw logits: overflows once they are large."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(logits)
        rows = np.arange(len(labels))
        ey = e[rows, labels]
        return np.log(ey) - np.log(e.sum(axis=1) - ey)


def scores_predicted_class(logits, labels):
    return _sol().membership_scores(logits, np.argmax(logits, axis=1))


# --- tpr_at_fpr
def _check_fpr(fpr):
    if not 0 < fpr < 1:
        raise ValueError("fpr")


def tpr_fpr_may_exceed(member_scores, nonmember_scores, fpr):
    """Walks down the thresholds until the FPR reaches the target — one step past it."""
    _check_fpr(fpr)
    for t in np.unique(np.concatenate([member_scores, nonmember_scores]))[::-1]:
        if np.mean(nonmember_scores >= t) >= fpr:
            return float(np.mean(member_scores >= t))
    return 1.0


def tpr_ties_split(member_scores, nonmember_scores, fpr):
    """One example at a time down the sorted list: a tie group is split, members first."""
    _check_fpr(fpr)
    scores = np.concatenate([member_scores, nonmember_scores])
    is_member = np.concatenate([np.ones(len(member_scores)), np.zeros(len(nonmember_scores))])
    order = np.lexsort((-is_member, -scores))
    tp = np.cumsum(is_member[order])
    fp = np.cumsum(1 - is_member[order])
    ok = fp / len(nonmember_scores) <= fpr
    return float(tp[ok].max() / len(member_scores)) if ok.any() else 0.0


def tpr_roles_swapped(member_scores, nonmember_scores, fpr):
    return _sol().tpr_at_fpr(nonmember_scores, member_scores, fpr)


def tpr_auc(member_scores, nonmember_scores, fpr):
    _check_fpr(fpr)
    m, o = np.asarray(member_scores), np.asarray(nonmember_scores)
    return float(np.mean((m[:, None] > o[None, :]) + 0.5 * (m[:, None] == o[None, :])))


def tpr_interpolated(member_scores, nonmember_scores, fpr):
    """Reads the ROC curve between its points (linear interpolation)."""
    _check_fpr(fpr)
    ts = np.unique(np.concatenate([member_scores, nonmember_scores, [np.inf]]))[::-1]
    fprs = np.array([np.mean(nonmember_scores >= t) for t in ts])
    tprs = np.array([np.mean(member_scores >= t) for t in ts])
    return float(np.interp(fpr, fprs, tprs))


def tpr_no_validation(member_scores, nonmember_scores, fpr):
    return _sol().tpr_at_fpr(member_scores, nonmember_scores, min(max(fpr, 1e-12), 1 - 1e-12)) \
        if fpr == fpr else 0.0


# --- lira_score
def _need_two(in_scores, out_scores):
    if in_scores.shape[1] < 2 or out_scores.shape[1] < 2:
        raise ValueError("need two shadow models")


def lira_shared_variance(target_scores, in_scores, out_scores):
    """One variance for all examples (the 'global variance' variant), where one per example is asked."""
    _need_two(in_scores, out_scores)
    return (stats.norm.logpdf(target_scores, in_scores.mean(1), in_scores.std(ddof=1))
            - stats.norm.logpdf(target_scores, out_scores.mean(1), out_scores.std(ddof=1)))


def lira_density_ratio(target_scores, in_scores, out_scores):
    """The log of a ratio of densities: 0/0 far in the tails."""
    _need_two(in_scores, out_scores)
    with np.errstate(all="ignore"):
        return np.log(stats.norm.pdf(target_scores, in_scores.mean(1), in_scores.std(1, ddof=1))
                      / stats.norm.pdf(target_scores, out_scores.mean(1), out_scores.std(1, ddof=1)))


def lira_means_only(target_scores, in_scores, out_scores):
    _need_two(in_scores, out_scores)
    return (target_scores - out_scores.mean(1)) ** 2 - (target_scores - in_scores.mean(1)) ** 2


def lira_swapped(target_scores, in_scores, out_scores):
    return _sol().lira_score(target_scores, out_scores, in_scores)


def lira_biased_variance(target_scores, in_scores, out_scores):
    _need_two(in_scores, out_scores)
    return (stats.norm.logpdf(target_scores, in_scores.mean(1), in_scores.std(1))
            - stats.norm.logpdf(target_scores, out_scores.mean(1), out_scores.std(1)))


def lira_no_one_column_check(target_scores, in_scores, out_scores):
    """Accepts one shadow model (its variance is NaN then)."""
    with np.errstate(all="ignore"):
        return (stats.norm.logpdf(target_scores, in_scores.mean(1), in_scores.std(1, ddof=1))
                - stats.norm.logpdf(target_scores, out_scores.mean(1), out_scores.std(1, ddof=1)))


# --- exposure_from_rank
def _check_rank(rank, n):
    if not 1 <= rank <= n:
        raise ValueError("rank")


def exposure_zero_based(rank, n_candidates):
    _check_rank(rank, n_candidates)
    return math.log2(n_candidates) - math.log2(rank + 1)


def exposure_natural_log(rank, n_candidates):
    _check_rank(rank, n_candidates)
    return math.log(n_candidates) - math.log(rank)


def exposure_no_validation(rank, n_candidates):
    return math.log2(n_candidates) - math.log2(max(rank, 1))


def exposure_sign(rank, n_candidates):
    _check_rank(rank, n_candidates)
    return math.log2(rank) - math.log2(n_candidates)


# --- rank_of_secret
def rank_ties_optimistic(secret_loss, other_losses):
    return 1 + int(np.sum(other_losses < secret_loss))


def rank_without_secret(secret_loss, other_losses):
    return int(np.sum(other_losses <= secret_loss))


def rank_highest_loss_first(secret_loss, other_losses):
    return 1 + int(np.sum(other_losses >= secret_loss))


def rank_as_float(secret_loss, other_losses):
    return float(1 + np.sum(other_losses <= secret_loss))


# --- audit_epsilon_lower_bound
def _check_audit(r, v, confidence):
    if r < 1 or not 0 <= v <= r or not 0 < confidence < 1:
        raise ValueError("bad arguments")


def audit_log_odds(n_guesses, n_correct, confidence=0.95):
    """The log-odds of the observed accuracy: an estimate, not a bound."""
    _check_audit(n_guesses, n_correct, confidence)
    a = n_correct / n_guesses
    return max(0.0, math.log(a / (1 - a))) if 0 < a < 1 else (0.0 if a == 0 else 50.0)


def _bisect(ok):
    if not ok(0.5):
        return 0.0
    return optimize.brentq(lambda e: 0.5 if ok(special.expit(e)) else -0.5, 0.0, 40.0, xtol=1e-10)


def audit_wrong_tail(n_guesses, n_correct, confidence=0.95):
    _check_audit(n_guesses, n_correct, confidence)
    return _bisect(lambda p: stats.binom.cdf(n_correct, n_guesses, p) <= 1 - confidence)


def audit_sf_without_minus_one(n_guesses, n_correct, confidence=0.95):
    _check_audit(n_guesses, n_correct, confidence)
    return _bisect(lambda p: stats.binom.sf(n_correct, n_guesses, p) <= 1 - confidence)


def audit_alpha_is_confidence(n_guesses, n_correct, confidence=0.95):
    _check_audit(n_guesses, n_correct, confidence)
    return _bisect(lambda p: stats.binom.sf(n_correct - 1, n_guesses, p) <= confidence)


def audit_coarse_bisection(n_guesses, n_correct, confidence=0.95):
    """Ten halvings of [0, 20]: about 0.02 wide, far from the 1e-6 the docstring asks."""
    _check_audit(n_guesses, n_correct, confidence)
    ok = lambda e: stats.binom.sf(n_correct - 1, n_guesses, special.expit(e)) <= 1 - confidence  # noqa: E731
    if not ok(0.0):
        return 0.0
    lo, hi = 0.0, 20.0
    for _ in range(10):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


MUTANTS = {
    "membership_scores": [scores_one_minus_softmax, scores_minus_loss, scores_sign_flipped,
                          scores_no_max_subtraction, scores_predicted_class],
    "tpr_at_fpr": [tpr_fpr_may_exceed, tpr_ties_split, tpr_roles_swapped, tpr_auc, tpr_interpolated,
                   tpr_no_validation],
    "lira_score": [lira_shared_variance, lira_density_ratio, lira_means_only, lira_swapped,
                   lira_biased_variance, lira_no_one_column_check],
    "exposure_from_rank": [exposure_zero_based, exposure_natural_log, exposure_no_validation, exposure_sign],
    "rank_of_secret": [rank_ties_optimistic, rank_without_secret, rank_highest_loss_first, rank_as_float],
    "audit_epsilon_lower_bound": [audit_log_odds, audit_wrong_tail, audit_sf_without_minus_one,
                                  audit_alpha_is_confidence, audit_coarse_bisection],
}


# --- correct answers written otherwise: each must be accepted
def scores_logaddexp_reduce(logits, labels):
    """Correct: the other logits' log-sum-exp by np.logaddexp.reduce, row by row."""
    out = np.empty(len(labels))
    for i, (z, y) in enumerate(zip(logits, labels)):
        out[i] = z[y] - np.logaddexp.reduce(np.delete(z, y))
    return out


def tpr_sorted_descending(member_scores, nonmember_scores, fpr):
    """Correct: k = the allowed number of false positives; members strictly above the (k+1)-th
    largest non-member score."""
    _check_fpr(fpr)
    o = np.sort(nonmember_scores)[::-1]
    k = int(np.floor(fpr * len(o) + 1e-9))
    while k > 0 and k / len(o) > fpr:
        k -= 1
    if k >= len(o):
        return 1.0
    return float(np.mean(member_scores > o[k]))


def lira_scipy(target_scores, in_scores, out_scores):
    """Correct: scipy's logpdf with the ddof=1 standard deviation."""
    _need_two(in_scores, out_scores)
    return (stats.norm.logpdf(target_scores, in_scores.mean(1), in_scores.std(1, ddof=1))
            - stats.norm.logpdf(target_scores, out_scores.mean(1), out_scores.std(1, ddof=1)))


def audit_brentq_on_p(n_guesses, n_correct, confidence=0.95):
    """Correct: solve for p with brentq, then ε = logit(p)."""
    _check_audit(n_guesses, n_correct, confidence)
    alpha = 1 - confidence
    f = lambda p: stats.binom.sf(n_correct - 1, n_guesses, p) - alpha  # noqa: E731
    if f(0.5) > 0:
        return 0.0
    p = optimize.brentq(f, 0.5, 1 - 1e-15, xtol=1e-15, rtol=1e-15)
    return float(special.logit(p))


EQUIVALENTS = {
    "membership_scores": [scores_logaddexp_reduce],
    "tpr_at_fpr": [tpr_sorted_descending],
    "lira_score": [lira_scipy],
    "audit_epsilon_lower_bound": [audit_brentq_on_p],
}
