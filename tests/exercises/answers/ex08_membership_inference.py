"""Independent answers to exercise 08, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math
import statistics

import numpy as np
from scipy import optimize, special, stats

# ----------------------------------------------------------------------------- membership_scores


def ms_loop(logits, labels):
    out = []
    for z, y in zip(np.asarray(logits, dtype=float), labels):
        rest = [v for j, v in enumerate(z) if j != y]
        top = max(rest)
        out.append(z[y] - top - math.log(sum(math.exp(v - top) for v in rest)))
    return np.array(out)


def ms_scipy_weights(logits, labels):
    weights = np.ones_like(logits, dtype=float)
    weights[np.arange(len(labels)), labels] = 0.0
    return logits[np.arange(len(labels)), labels] - special.logsumexp(logits, axis=1, b=weights)


def ms_float32_reshape(logits, labels):
    z = np.asarray(logits, dtype=np.float32)
    n, k = z.shape
    keep = np.ones((n, k), dtype=bool)
    keep[np.arange(n), labels] = False
    rest = z[keep].reshape(n, k - 1)
    top = rest.max(axis=1)
    return z[np.arange(n), labels] - top - np.log(np.exp(rest - top[:, None]).sum(axis=1))


def ms_softmax_log1p(logits, labels):
    p = special.softmax(logits, axis=1)[np.arange(len(labels)), labels]
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


def ms_log_softmax(logits, labels):
    return special.log_softmax(logits, axis=1)[np.arange(len(labels)), labels]


def ms_cross_entropy(logits, labels):
    return special.logsumexp(logits, axis=1) - logits[np.arange(len(labels)), labels]


def ms_margin(logits, labels):
    """The logit margin z_y − max of the others: an approximation of the log-odds."""
    z = np.array(logits, dtype=float)
    zy = z[np.arange(len(labels)), labels].copy()
    z[np.arange(len(labels)), labels] = -np.inf
    return zy - z.max(axis=1)


def ms_naive_exp(logits, labels):
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        p = e[np.arange(len(labels)), labels] / e.sum(axis=1)
        return np.log(p / (1 - p))


def ms_max_class(logits, labels):
    top = np.argmax(logits, axis=1)
    z = np.array(logits, dtype=float)
    zy = z[np.arange(len(z)), top].copy()
    z[np.arange(len(z)), top] = -np.inf
    return zy - special.logsumexp(z, axis=1)


def ms_lse_all(logits, labels):
    """The true logit minus the log-sum-exp of ALL logits (that is log p)."""
    z = np.asarray(logits, dtype=float)
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return z[np.arange(len(z)), labels] - lse


# ----------------------------------------------------------------------------- tpr_at_fpr


def _fpr_ok(fpr):
    if not 0 < fpr < 1:
        raise ValueError("fpr must be in (0, 1)")


def tpr_walk_down(member_scores, nonmember_scores, fpr):
    _fpr_ok(fpr)
    m, o = list(member_scores), list(nonmember_scores)
    best = 0.0
    for t in sorted(set(m) | set(o), reverse=True):
        if sum(x >= t for x in o) / len(o) > fpr:
            break  # the FPR only grows as t goes down
        best = sum(x >= t for x in m) / len(m)
    return best


def tpr_sklearn(member_scores, nonmember_scores, fpr):
    from sklearn.metrics import roc_curve

    _fpr_ok(fpr)
    y = np.r_[np.ones(len(member_scores)), np.zeros(len(nonmember_scores))]
    f, t, _ = roc_curve(y, np.r_[member_scores, nonmember_scores], drop_intermediate=False)
    return float(t[f <= fpr].max())


def tpr_searchsorted(member_scores, nonmember_scores, fpr):
    _fpr_ok(fpr)
    o = np.sort(nonmember_scores)
    m = np.sort(member_scores)
    cands = np.r_[np.unique(np.r_[m, o]), np.inf]
    fp = len(o) - np.searchsorted(o, cands)
    tp = len(m) - np.searchsorted(m, cands)
    return float(np.max(tp[fp / len(o) <= fpr]) / len(m))


def tpr_strict(member_scores, nonmember_scores, fpr):
    _fpr_ok(fpr)
    best = 0.0
    for t in np.unique(np.r_[member_scores, nonmember_scores]):
        if np.mean(nonmember_scores >= t) < fpr:
            best = max(best, float(np.mean(member_scores >= t)))
    return best


def tpr_quantile(member_scores, nonmember_scores, fpr):
    _fpr_ok(fpr)
    t = np.quantile(nonmember_scores, 1 - fpr)
    return float(np.mean(member_scores >= t))


def tpr_roc_interp(member_scores, nonmember_scores, fpr):
    from sklearn.metrics import roc_curve

    _fpr_ok(fpr)
    y = np.r_[np.ones(len(member_scores)), np.zeros(len(nonmember_scores))]
    f, t, _ = roc_curve(y, np.r_[member_scores, nonmember_scores])
    return float(np.interp(fpr, f, t))


def tpr_swapped(member_scores, nonmember_scores, fpr):
    return tpr_searchsorted(nonmember_scores, member_scores, fpr)


def tpr_accepts_any_fpr(member_scores, nonmember_scores, fpr):
    o = np.sort(nonmember_scores)
    m = np.sort(member_scores)
    cands = np.r_[np.unique(np.r_[m, o]), np.inf]
    fp = len(o) - np.searchsorted(o, cands)
    tp = len(m) - np.searchsorted(m, cands)
    ok = fp / len(o) <= fpr
    return float(np.max(tp[ok]) / len(m)) if ok.any() else 0.0


def tpr_ceil_count(member_scores, nonmember_scores, fpr):
    _fpr_ok(fpr)
    o = np.sort(nonmember_scores)[::-1]
    k = max(1, math.ceil(fpr * len(o)))
    return float(np.mean(member_scores >= o[k - 1]))


def tpr_kth_ge(member_scores, nonmember_scores, fpr):
    """Members ≥ the (k+1)-th largest non-member score: ties at the cut count as negatives' share."""
    _fpr_ok(fpr)
    o = np.sort(nonmember_scores)[::-1]
    k = int(fpr * len(o))
    return float(np.mean(member_scores >= o[min(k, len(o) - 1)]))


# ----------------------------------------------------------------------------- lira_score


def _two(in_scores, out_scores):
    if np.shape(in_scores)[1] < 2 or np.shape(out_scores)[1] < 2:
        raise ValueError("need at least two shadow scores per example")


def lira_loop(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    res = []
    for s, a, b in zip(target_scores, in_scores, out_scores):
        ma, va = statistics.fmean(a), statistics.variance(a)
        mb, vb = statistics.fmean(b), statistics.variance(b)
        la = -0.5 * math.log(2 * math.pi * va) - (s - ma) ** 2 / (2 * va)
        lb = -0.5 * math.log(2 * math.pi * vb) - (s - mb) ** 2 / (2 * vb)
        res.append(la - lb)
    return np.array(res)


def lira_closed_form(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    vi, vo = np.var(in_scores, axis=1, ddof=1), np.var(out_scores, axis=1, ddof=1)
    di = target_scores - in_scores.mean(axis=1)
    do = target_scores - out_scores.mean(axis=1)
    return 0.5 * np.log(vo / vi) - di**2 / (2 * vi) + do**2 / (2 * vo)


def lira_float32(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    s = np.float32(1) * np.asarray(target_scores, dtype=np.float32)
    a, b = np.asarray(in_scores, dtype=np.float32), np.asarray(out_scores, dtype=np.float32)
    return (stats.norm.logpdf(s, a.mean(1), a.std(1, ddof=1)).astype(np.float32)
            - stats.norm.logpdf(s, b.mean(1), b.std(1, ddof=1)).astype(np.float32))


def lira_std_in_denominator(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    si, so = in_scores.std(axis=1, ddof=1), out_scores.std(axis=1, ddof=1)
    di = target_scores - in_scores.mean(axis=1)
    do = target_scores - out_scores.mean(axis=1)
    return -np.log(si) - di**2 / (2 * si) + np.log(so) + do**2 / (2 * so)


def lira_ddof0(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    return (stats.norm.logpdf(target_scores, in_scores.mean(1), in_scores.std(1))
            - stats.norm.logpdf(target_scores, out_scores.mean(1), out_scores.std(1)))


def lira_axis0(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    vi, vo = np.var(in_scores, ddof=1), np.var(out_scores, ddof=1)
    return (-(target_scores - in_scores.mean(1)) ** 2 / (2 * vi) - 0.5 * np.log(vi)
            + (target_scores - out_scores.mean(1)) ** 2 / (2 * vo) + 0.5 * np.log(vo))


def lira_pdf_ratio(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    with np.errstate(all="ignore"):
        pi = stats.norm.pdf(target_scores, in_scores.mean(1), in_scores.std(1, ddof=1))
        po = stats.norm.pdf(target_scores, out_scores.mean(1), out_scores.std(1, ddof=1))
        return np.log(pi) - np.log(po)


def lira_no_half(target_scores, in_scores, out_scores):
    _two(in_scores, out_scores)
    vi, vo = np.var(in_scores, axis=1, ddof=1), np.var(out_scores, axis=1, ddof=1)
    di = target_scores - in_scores.mean(axis=1)
    do = target_scores - out_scores.mean(axis=1)
    return 0.5 * np.log(vo / vi) - di**2 / vi + do**2 / vo


def lira_no_check(target_scores, in_scores, out_scores):
    with np.errstate(all="ignore"):
        vi, vo = np.var(in_scores, axis=1, ddof=1), np.var(out_scores, axis=1, ddof=1)
        di = target_scores - in_scores.mean(axis=1)
        do = target_scores - out_scores.mean(axis=1)
        return 0.5 * np.log(vo / vi) - di**2 / (2 * vi) + do**2 / (2 * vo)


def lira_out_minus_in(target_scores, in_scores, out_scores):
    return -lira_closed_form(target_scores, in_scores, out_scores)


# ----------------------------------------------------------------------------- exposure_from_rank


def _rank_ok(rank, n):
    if rank < 1 or rank > n:
        raise ValueError(f"rank must be between 1 and {n}")


def exp_ratio(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return math.log2(n_candidates / rank)


def exp_numpy(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return np.log2(float(n_candidates)) - np.log2(float(rank))


def exp_change_of_base(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return math.log(n_candidates, 2) - math.log(rank, 2)


def exp_inverted(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return math.log2(rank / n_candidates)


def exp_from_end(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return math.log2(n_candidates - rank + 1)


def exp_only_lower_check(rank, n_candidates):
    if rank < 1:
        raise ValueError("rank")
    return math.log2(n_candidates) - math.log2(rank)


def exp_floor_div(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return math.log2(n_candidates // rank)


def exp_ln(rank, n_candidates):
    _rank_ok(rank, n_candidates)
    return np.log(n_candidates) - np.log(rank)


# ----------------------------------------------------------------------------- rank_of_secret


def rank_loop(secret_loss, other_losses):
    rank = 1
    for loss in other_losses:
        if loss <= secret_loss:
            rank += 1
    return rank


def rank_searchsorted(secret_loss, other_losses):
    return int(np.searchsorted(np.sort(other_losses), secret_loss, side="right")) + 1


def rank_lt(secret_loss, other_losses):
    return int(np.sum(np.asarray(other_losses) < secret_loss)) + 1


def rank_no_plus_one(secret_loss, other_losses):
    return int(np.count_nonzero(np.asarray(other_losses) <= secret_loss))


def rank_argsort(secret_loss, other_losses):
    """Position of the secret after a stable sort with the secret placed first: ties go its way."""
    allv = np.r_[secret_loss, other_losses]
    return int(np.where(np.argsort(allv, kind="stable") == 0)[0][0]) + 1


def rank_numpy_float(secret_loss, other_losses):
    return np.sum(np.asarray(other_losses) <= secret_loss) + 1.0


# ----------------------------------------------------------------------------- audit_epsilon_lower_bound


def _audit_ok(r, v, c):
    if r < 1 or v < 0 or v > r:
        raise ValueError("need 0 <= n_correct <= n_guesses and n_guesses >= 1")
    if not 0 < c < 1:
        raise ValueError("confidence must be in (0, 1)")


def audit_bisect_p(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    a = 1 - confidence
    if stats.binom.sf(n_correct - 1, n_guesses, 0.5) > a:
        return 0.0
    lo, hi = 0.5, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if stats.binom.sf(n_correct - 1, n_guesses, mid) <= a:
            lo = mid
        else:
            hi = mid
    return math.log(lo / (1 - lo))


def audit_brentq_eps(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    a = 1 - confidence
    g = lambda e: stats.binom.sf(n_correct - 1, n_guesses, special.expit(e)) - a  # noqa: E731
    if g(0.0) > 0:
        return 0.0
    hi = 1.0
    while g(hi) <= 0:
        hi *= 2
    return optimize.brentq(g, 0.0, hi, xtol=1e-12)


def audit_scipy_bisect(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    a = 1 - confidence
    g = lambda e: a - stats.binom.sf(n_correct - 1, n_guesses, math.exp(e) / (1 + math.exp(e)))  # noqa: E731
    if g(0.0) < 0:
        return 0.0
    return optimize.bisect(g, 0.0, 30.0, xtol=1e-9)


def audit_point_estimate(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    p = n_correct / n_guesses
    if p <= 0.5:
        return 0.0
    return math.log(p / (1 - p)) if p < 1 else 30.0


def audit_sf_v(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    a = 1 - confidence
    lo, hi = 0.0, 30.0
    if stats.binom.sf(n_correct, n_guesses, 0.5) > a:
        return 0.0
    while hi - lo > 1e-9:
        mid = (lo + hi) / 2
        if stats.binom.sf(n_correct, n_guesses, special.expit(mid)) <= a:
            lo = mid
        else:
            hi = mid
    return lo


def audit_cdf(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    a = 1 - confidence
    lo, hi = 0.0, 30.0
    if stats.binom.cdf(n_correct, n_guesses, 0.5) > a:
        return 0.0
    while hi - lo > 1e-9:
        mid = (lo + hi) / 2
        if stats.binom.cdf(n_correct, n_guesses, special.expit(mid)) <= a:
            lo = mid
        else:
            hi = mid
    return lo


def audit_normal_approx(n_guesses, n_correct, confidence=0.95):
    """A Wald interval for the accuracy instead of the exact binomial tail."""
    _audit_ok(n_guesses, n_correct, confidence)
    p = n_correct / n_guesses
    lo = p - stats.norm.ppf(confidence) * math.sqrt(p * (1 - p) / n_guesses)
    if lo <= 0.5:
        return 0.0
    lo = min(lo, 1 - 1e-12)
    return math.log(lo / (1 - lo))


def audit_p_is_exp(n_guesses, n_correct, confidence=0.95):
    """Takes p(ε) = e^ε / 2 (a misremembered formula)."""
    _audit_ok(n_guesses, n_correct, confidence)
    a = 1 - confidence
    if stats.binom.sf(n_correct - 1, n_guesses, 0.5) > a:
        return 0.0
    lo, hi = 0.0, math.log(2)
    while hi - lo > 1e-9:
        mid = (lo + hi) / 2
        if stats.binom.sf(n_correct - 1, n_guesses, math.exp(mid) / 2) <= a:
            lo = mid
        else:
            hi = mid
    return lo


def audit_confidence_as_alpha(n_guesses, n_correct, confidence=0.95):
    _audit_ok(n_guesses, n_correct, confidence)
    g = lambda e: stats.binom.sf(n_correct - 1, n_guesses, special.expit(e)) - confidence  # noqa: E731
    if g(0.0) > 0:
        return 0.0
    return optimize.brentq(g, 0.0, 40.0, xtol=1e-12)


def audit_no_checks(n_guesses, n_correct, confidence=0.95):
    a = 1 - confidence
    g = lambda e: stats.binom.sf(n_correct - 1, n_guesses, special.expit(e)) - a  # noqa: E731
    if not g(0.0) <= 0:
        return 0.0
    return optimize.brentq(g, 0.0, 40.0, xtol=1e-12)


CORRECT = {
    "membership_scores": [ms_loop, ms_scipy_weights, ms_float32_reshape],
    "tpr_at_fpr": [tpr_walk_down, tpr_sklearn, tpr_searchsorted],
    "lira_score": [lira_loop, lira_closed_form, lira_float32],
    "exposure_from_rank": [exp_ratio, exp_numpy, exp_change_of_base],
    "rank_of_secret": [rank_loop, rank_searchsorted],
    "audit_epsilon_lower_bound": [audit_bisect_p, audit_brentq_eps, audit_scipy_bisect],
}

WRONG = {
    "membership_scores": [ms_softmax_log1p, ms_log_softmax, ms_cross_entropy, ms_margin, ms_naive_exp,
                          ms_max_class, ms_lse_all],
    "tpr_at_fpr": [tpr_strict, tpr_quantile, tpr_roc_interp, tpr_swapped, tpr_accepts_any_fpr,
                   tpr_ceil_count, tpr_kth_ge],
    "lira_score": [lira_std_in_denominator, lira_ddof0, lira_axis0, lira_pdf_ratio, lira_no_half,
                   lira_no_check, lira_out_minus_in],
    "exposure_from_rank": [exp_inverted, exp_from_end, exp_only_lower_check, exp_floor_div, exp_ln],
    "rank_of_secret": [rank_lt, rank_no_plus_one, rank_argsort, rank_numpy_float],
    "audit_epsilon_lower_bound": [audit_point_estimate, audit_sf_v, audit_cdf, audit_normal_approx,
                                  audit_p_is_exp, audit_confidence_as_alpha, audit_no_checks],
}


# ----------------------------------------------------------------------------- a second batch
# more answers of both kinds, to widen the measurement


def tpr_count_times_fpr(member_scores, nonmember_scores, fpr):
    """Compares counts with fpr × n (not the fraction with fpr)."""
    _fpr_ok(fpr)
    m, o = np.asarray(member_scores), np.asarray(nonmember_scores)
    best = 0
    for t in np.unique(np.r_[m, o]):
        if np.sum(o >= t) <= fpr * len(o):
            best = max(best, int(np.sum(m >= t)))
    return best / len(m)


def rank_sorted_bisect(secret_loss, other_losses):
    import bisect

    return bisect.bisect_right(sorted(float(v) for v in other_losses), secret_loss) + 1


def ms_two_column_logaddexp(logits, labels):
    z = np.asarray(logits, dtype=float)
    rows = np.arange(len(z))
    rest = np.full(len(z), -np.inf)
    for j in range(z.shape[1]):
        rest = np.where(labels == j, rest, np.logaddexp(rest, z[:, j]))
    return z[rows, labels] - rest


def exp_mixed_up_rank(rank, n_candidates):
    """Uses rank − 1 in the numerator's place: log₂(n / (rank − 1)) for rank > 1."""
    _rank_ok(rank, n_candidates)
    return math.log2(n_candidates) if rank == 1 else math.log2(n_candidates / (rank - 1))


def lira_var_for_std(target_scores, in_scores, out_scores):
    """Passes the variance where scipy expects the standard deviation."""
    _two(in_scores, out_scores)
    return (stats.norm.logpdf(target_scores, in_scores.mean(1), in_scores.var(1, ddof=1))
            - stats.norm.logpdf(target_scores, out_scores.mean(1), out_scores.var(1, ddof=1)))


CORRECT["tpr_at_fpr"] += [tpr_count_times_fpr]
CORRECT["rank_of_secret"] += [rank_sorted_bisect]
CORRECT["membership_scores"] += [ms_two_column_logaddexp]
WRONG["exposure_from_rank"] += [exp_mixed_up_rank]
WRONG["lira_score"] += [lira_var_for_std]


def tpr_quantile_higher(member_scores, nonmember_scores, fpr):
    """The (1 − fpr) quantile of the non-members as the threshold, members strictly above it."""
    _fpr_ok(fpr)
    t = np.quantile(nonmember_scores, 1 - fpr, method="higher")
    return float(np.mean(np.asarray(member_scores) > t))


WRONG["tpr_at_fpr"] += [tpr_quantile_higher]
