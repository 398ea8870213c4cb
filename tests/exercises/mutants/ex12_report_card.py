"""Plausible wrong answers to exercise 12; each must be rejected by its task's checker."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("12_report_card")


# --- clopper_pearson
def _check_cp(k, n, confidence):
    if n < 1 or not 0 <= k <= n or not 0 < confidence < 1:
        raise ValueError("bad arguments")


def cp_alpha_not_halved(k, n, confidence=0.95):
    """Each end a one-sided bound at the full α."""
    _check_cp(k, n, confidence)
    a = 1 - confidence
    return (0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1)),
            1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k)))


def cp_ends_unhandled(k, n, confidence=0.95):
    """Beta(0, ...) at k = 0: scipy gives NaN."""
    _check_cp(k, n, confidence)
    a = 1 - confidence
    return float(stats.beta.ppf(a / 2, k, n - k + 1)), float(stats.beta.ppf(1 - a / 2, k + 1, n - k))


def cp_wald(k, n, confidence=0.95):
    _check_cp(k, n, confidence)
    p = k / n
    h = stats.norm.ppf(0.5 + confidence / 2) * math.sqrt(p * (1 - p) / n)
    return p - h, p + h


def cp_jeffreys_like(k, n, confidence=0.95):
    """Both ends from Beta(k + 1, n − k + 1): a Bayesian interval under a uniform prior."""
    _check_cp(k, n, confidence)
    a = 1 - confidence
    return float(stats.beta.ppf(a / 2, k + 1, n - k + 1)), float(stats.beta.ppf(1 - a / 2, k + 1, n - k + 1))


def cp_no_validation(k, n, confidence=0.95):
    return _sol().clopper_pearson(k, max(n, 1), min(max(confidence, 1e-9), 1 - 1e-9)) if k <= max(n, 1) \
        else (0.0, 1.0)


def cp_swapped_order(k, n, confidence=0.95):
    low, high = _sol().clopper_pearson(k, n, confidence)
    return high, low


# --- dp_tpr_bound
def _check_bound(epsilon, delta, fpr):
    if not epsilon >= 0 or not 0 <= delta < 1 or not 0 <= fpr <= 1:
        raise ValueError("bad arguments")


def bound_event_only(epsilon, delta, fpr):
    """The notebook-08 bound alone; the complement's is forgotten."""
    _check_bound(epsilon, delta, fpr)
    return 1.0 if math.isinf(epsilon) else min(1.0, math.exp(epsilon) * fpr + delta)


def bound_no_min_with_one(epsilon, delta, fpr):
    _check_bound(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return min(math.exp(epsilon) * fpr + delta, 1 - math.exp(-epsilon) * (1 - delta - fpr))


def bound_delta_inside(epsilon, delta, fpr):
    _check_bound(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return min(1.0, math.exp(epsilon) * (fpr + delta), 1 - math.exp(-epsilon) * (1 - delta - fpr))


def bound_inf_nan(epsilon, delta, fpr):
    """np.exp(inf) · 0 is NaN at fpr = 0."""
    _check_bound(epsilon, delta, fpr)
    with np.errstate(all="ignore"):
        return float(np.minimum(np.minimum(np.exp(epsilon) * fpr + delta,
                                           1 - np.exp(-epsilon) * (1 - delta - fpr)), 1.0))


def bound_epsilon_not_exponentiated(epsilon, delta, fpr):
    _check_bound(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return min(1.0, (1 + epsilon) * fpr + delta, 1 - (1 - delta - fpr) / (1 + epsilon))


def bound_no_validation(epsilon, delta, fpr):
    if math.isinf(epsilon):
        return 1.0
    with np.errstate(all="ignore"):
        return float(min(1.0, np.exp(epsilon) * fpr + delta, 1 - np.exp(-epsilon) * (1 - delta - fpr)))


# --- contradicts
def _check_counts(tp, n_members, fp, n_nonmembers):
    if n_members < 1 or n_nonmembers < 1 or not 0 <= tp <= n_members or not 0 <= fp <= n_nonmembers:
        raise ValueError("bad counts")


def _b(epsilon, delta, fpr):
    if math.isinf(epsilon):
        return 1.0
    return min(1.0, math.exp(epsilon) * fpr + delta, 1 - math.exp(-epsilon) * (1 - delta - fpr))


def _ends(tp, n1, fp, n0, confidence=0.95):
    cp = _sol().clopper_pearson
    return cp(tp, n1, confidence), cp(fp, n0, confidence)


def contradicts_point_estimates(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    """Ignores the intervals: the rates as measured."""
    _check_counts(tp, n_members, fp, n_nonmembers)
    return bool(tp / n_members > _b(claimed_epsilon, delta, fp / n_nonmembers))


def contradicts_fpr_low_end(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _check_counts(tp, n_members, fp, n_nonmembers)
    (tpr_lo, _), (fpr_lo, _) = _ends(tp, n_members, fp, n_nonmembers)
    return bool(tpr_lo > _b(claimed_epsilon, delta, fpr_lo))


def contradicts_tpr_high_end(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _check_counts(tp, n_members, fp, n_nonmembers)
    (_, tpr_hi), (_, fpr_hi) = _ends(tp, n_members, fp, n_nonmembers)
    return bool(tpr_hi > _b(claimed_epsilon, delta, fpr_hi))


def contradicts_one_sided(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    """90 % two-sided intervals: each end a one-sided 95 % bound."""
    _check_counts(tp, n_members, fp, n_nonmembers)
    (tpr_lo, _), (_, fpr_hi) = _ends(tp, n_members, fp, n_nonmembers, 0.90)
    return bool(tpr_lo > _b(claimed_epsilon, delta, fpr_hi))


def contradicts_event_only(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _check_counts(tp, n_members, fp, n_nonmembers)
    (tpr_lo, _), (_, fpr_hi) = _ends(tp, n_members, fp, n_nonmembers)
    if math.isinf(claimed_epsilon):
        return False
    return bool(tpr_lo > min(1.0, math.exp(claimed_epsilon) * fpr_hi + delta))


def contradicts_no_delta(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    return _sol().contradicts(claimed_epsilon, 0.0, tp, n_members, fp, n_nonmembers)


def contradicts_numpy_bool_inverted(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    """'contradicts' read as 'consistent with the claim'."""
    return not _sol().contradicts(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers)


# --- decide
def _rule(cards, utility, max_loss, threats, *, within, worse, better, order=None):
    base = cards[0]
    for i in (order if order is not None else range(len(cards) - 1, 0, -1)):
        c = cards[i]
        if within(c[utility], base[utility], max_loss) and better(c, base, threats) \
                and not worse(c, base, threats):
            return i
    return 0


def _within(c, b, max_loss):
    return c[0] >= b[0] - max_loss


def _worse(c, b, threats):
    return any(c[t][1] > b[t][2] for t in threats)


def _better(c, b, threats):
    return any(c[t][2] < b[t][1] for t in threats)


def decide_ignores_intervals(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=_within,
                 worse=lambda c, b, ts: any(c[t][0] > b[t][0] for t in ts),
                 better=lambda c, b, ts: any(c[t][0] < b[t][0] for t in ts))


def decide_first_not_most_protected(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=_within, worse=_worse, better=_better,
                 order=range(1, len(cards)))


def decide_allows_worse(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=_within, worse=lambda *a: False, better=_better)


def decide_loss_wrong_sign(cards, utility, max_loss, threats):
    """card − base ≤ max_loss: the loss measured the wrong way round."""
    return _rule(cards, utility, max_loss, threats, within=lambda c, b, m: c[0] - b[0] <= m,
                 worse=_worse, better=_better)


def decide_loss_absolute(cards, utility, max_loss, threats):
    """|card − base| ≤ max_loss: a gain in utility counted as a loss."""
    return _rule(cards, utility, max_loss, threats, within=lambda c, b, m: abs(c[0] - b[0]) <= m,
                 worse=_worse, better=_better)


def decide_loss_relative(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=lambda c, b, m: c[0] >= b[0] * (1 - m),
                 worse=_worse, better=_better)


def decide_loss_strict(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=lambda c, b, m: c[0] > b[0] - m,
                 worse=_worse, better=_better)


def decide_loss_on_interval(cards, utility, max_loss, threats):
    """The variant's upper end compared with the loss, not its value."""
    return _rule(cards, utility, max_loss, threats, within=lambda c, b, m: c[2] >= b[0] - m,
                 worse=_worse, better=_better)


def decide_better_not_required(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=_within, worse=_worse, better=lambda *a: True)


def decide_better_on_all(cards, utility, max_loss, threats):
    return _rule(cards, utility, max_loss, threats, within=_within, worse=_worse,
                 better=lambda c, b, ts: all(c[t][2] < b[t][1] for t in ts))


def decide_touching_counts(cards, utility, max_loss, threats):
    """Touching intervals counted as separated (≤ and ≥ for < and >)."""
    return _rule(cards, utility, max_loss, threats, within=_within,
                 worse=lambda c, b, ts: any(c[t][1] >= b[t][2] for t in ts),
                 better=lambda c, b, ts: any(c[t][2] <= b[t][1] for t in ts))


def decide_returns_minus_one(cards, utility, max_loss, threats):
    i = _sol().decide(cards, utility, max_loss, threats)
    return -1 if i == 0 else i


# --- card_numbers
def card_typed_in(member_scores, nonmember_scores, correct):
    """Numbers read off an executed notebook and typed in."""
    if len(nonmember_scores) < 100:
        raise ValueError("too few non-members")
    return {"tpr_at_1pct_fpr": 0.0125, "tpr_low": 0.0072, "tpr_high": 0.0201, "accuracy": 0.9385,
            "accuracy_low": 0.8957, "accuracy_high": 0.9678}


def _tpr_count(members, others, ok):
    best = 0
    for t in np.unique(np.concatenate([members, others])):
        if ok(np.count_nonzero(others >= t), len(others)):
            best = max(best, int(np.count_nonzero(members >= t)))
    return best


def _numbers(member_scores, nonmember_scores, correct, *, ok=None, interval=None, acc=None):
    m, o = np.asarray(member_scores, float), np.asarray(nonmember_scores, float)
    if len(o) < 100:
        raise ValueError("too few non-members")
    k = _tpr_count(m, o, ok or (lambda fp, n: fp / n <= 0.01))
    right = int(np.count_nonzero(acc(correct) if acc else correct))
    ci = interval or _sol().clopper_pearson
    acc_low, acc_high = ci(right, len(correct))
    return {"tpr_at_1pct_fpr": k / len(m), **dict(zip(("tpr_low", "tpr_high"), ci(k, len(m)))),
            "accuracy": right / len(correct), "accuracy_low": acc_low, "accuracy_high": acc_high}


def card_fpr_strict(member_scores, nonmember_scores, correct):
    return _numbers(member_scores, nonmember_scores, correct, ok=lambda fp, n: fp / n < 0.01)


def card_wald(member_scores, nonmember_scores, correct):
    def wald(k, n):
        p = k / n
        h = 1.96 * math.sqrt(p * (1 - p) / n)
        return p - h, p + h

    return _numbers(member_scores, nonmember_scores, correct, interval=wald)


def card_one_sided(member_scores, nonmember_scores, correct):
    return _numbers(member_scores, nonmember_scores, correct,
                    interval=lambda k, n: _sol().clopper_pearson(k, n, 0.90))


def card_ties_split(member_scores, nonmember_scores, correct):
    """Walks down the pooled sorted scores one at a time: a tie group is split, members first."""
    out = _numbers(member_scores, nonmember_scores, correct)
    scores = np.concatenate([member_scores, nonmember_scores])
    is_member = np.concatenate([np.ones(len(member_scores)), np.zeros(len(nonmember_scores))])
    order = np.lexsort((-is_member, -scores))
    tp, fp = np.cumsum(is_member[order]), np.cumsum(1 - is_member[order])
    k = int(tp[fp / len(nonmember_scores) <= 0.01].max())
    low, high = _sol().clopper_pearson(k, len(member_scores))
    return {**out, "tpr_at_1pct_fpr": k / len(member_scores), "tpr_low": low, "tpr_high": high}


def card_tpr_interval_on_nonmembers(member_scores, nonmember_scores, correct):
    out = _numbers(member_scores, nonmember_scores, correct)
    k = round(out["tpr_at_1pct_fpr"] * len(member_scores))
    n = len(nonmember_scores)
    low, high = _sol().clopper_pearson(min(k, n), n)
    return {**out, "tpr_low": low, "tpr_high": high}


def card_accuracy_inverted(member_scores, nonmember_scores, correct):
    return _numbers(member_scores, nonmember_scores, correct, acc=lambda c: ~np.asarray(c, dtype=bool))


def card_no_validation(member_scores, nonmember_scores, correct):
    o = np.asarray(nonmember_scores)
    return _sol().card_numbers(member_scores, np.concatenate([o] * (1 + 100 // len(o))), correct)


MUTANTS = {
    "clopper_pearson": [cp_alpha_not_halved, cp_ends_unhandled, cp_wald, cp_jeffreys_like, cp_no_validation,
                        cp_swapped_order],
    "dp_tpr_bound": [bound_event_only, bound_no_min_with_one, bound_delta_inside, bound_inf_nan,
                     bound_epsilon_not_exponentiated, bound_no_validation],
    "contradicts": [contradicts_point_estimates, contradicts_fpr_low_end, contradicts_tpr_high_end,
                    contradicts_one_sided, contradicts_event_only, contradicts_no_delta,
                    contradicts_numpy_bool_inverted],
    "decide": [decide_ignores_intervals, decide_first_not_most_protected, decide_allows_worse,
               decide_loss_wrong_sign, decide_loss_absolute, decide_loss_relative, decide_loss_strict,
               decide_loss_on_interval, decide_better_not_required, decide_better_on_all,
               decide_touching_counts, decide_returns_minus_one],
    "card_numbers": [card_typed_in, card_fpr_strict, card_wald, card_one_sided, card_ties_split,
                     card_tpr_interval_on_nonmembers, card_accuracy_inverted, card_no_validation],
}


# --- correct answers written otherwise: each must be accepted
def cp_binomtest(k, n, confidence=0.95):
    """Correct: SciPy's binomtest, exact method."""
    _check_cp(k, n, confidence)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def bound_numpy(epsilon, delta, fpr):
    """Correct: NumPy, ε = inf by an explicit branch."""
    _check_bound(epsilon, delta, fpr)
    if np.isinf(epsilon):
        return 1.0
    return float(np.min([1.0, np.exp(epsilon) * fpr + delta, 1 - np.exp(-epsilon) * (1 - delta - fpr)]))


def contradicts_log_form(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    """Correct: the attack's ε lower bound (notebook 04's formula) exceeds the claim."""
    from course_lib.dp.audit import epsilon_lower_bound

    _check_counts(tp, n_members, fp, n_nonmembers)
    return bool(epsilon_lower_bound(tp, n_members, fp, n_nonmembers, delta) > claimed_epsilon)


def decide_filter_then_max(cards, utility, max_loss, threats):
    """Correct: the qualifying indices, then the largest."""
    base = cards[0]
    ok = [i for i, c in enumerate(cards) if i > 0 and base[utility][0] - c[utility][0] <= max_loss
          and not any(c[t][1] > base[t][2] for t in threats) and any(c[t][2] < base[t][1] for t in threats)]
    return max(ok, default=0)


def card_with_library(member_scores, nonmember_scores, correct):
    """Correct: the course library's tpr_at_fpr and clopper_pearson."""
    from course_lib.attacks.membership import tpr_at_fpr
    from course_lib.dp.audit import clopper_pearson

    if len(nonmember_scores) < 100:
        raise ValueError("need 100 non-members")
    r = tpr_at_fpr(member_scores, nonmember_scores, 0.01)
    right = int(np.sum(correct))
    low, high = clopper_pearson(right, len(correct))
    return {"tpr_at_1pct_fpr": r.tpr, "tpr_low": r.low, "tpr_high": r.high, "accuracy": right / len(correct),
            "accuracy_low": low, "accuracy_high": high}


EQUIVALENTS = {
    "clopper_pearson": [cp_binomtest],
    "dp_tpr_bound": [bound_numpy],
    "contradicts": [contradicts_log_form],
    "decide": [decide_filter_then_max],
    "card_numbers": [card_with_library],
}
