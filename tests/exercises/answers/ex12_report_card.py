"""Independent answers to exercise 12, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

# ----------------------------------------------------------------------------- clopper_pearson


def _cp_ok(k, n, confidence):
    if not (isinstance(n, int) and n >= 1 and 0 <= k <= n and 0 < confidence < 1):
        raise ValueError("need n >= 1, 0 <= k <= n, 0 < confidence < 1")


def cp_betaincinv(k, n, confidence=0.95):
    _cp_ok(k, n, confidence)
    a = (1 - confidence) / 2
    low = special.betaincinv(k, n - k + 1, a) if k > 0 else 0.0
    high = special.betaincinv(k + 1, n - k, 1 - a) if k < n else 1.0
    return float(low), float(high)


def cp_binomial_tails(k, n, confidence=0.95):
    """Inverts the binomial tails with brentq: P[X ≥ k | low] = α/2, P[X ≤ k | high] = α/2."""
    _cp_ok(k, n, confidence)
    a = (1 - confidence) / 2
    low = 0.0 if k == 0 else optimize.brentq(lambda p: stats.binom.sf(k - 1, n, p) - a, 0, 1, xtol=1e-15)
    high = 1.0 if k == n else optimize.brentq(lambda p: stats.binom.cdf(k, n, p) - a, 0, 1, xtol=1e-15)
    return float(low), float(high)


def cp_isf(k, n, confidence=0.95):
    _cp_ok(k, n, confidence)
    a = 1 - confidence
    low = stats.beta.isf(1 - a / 2, k, n - k + 1) if k else 0.0
    high = stats.beta.isf(a / 2, k + 1, n - k) if k != n else 1.0
    return (float(low), float(high))


def cp_one_sided_each(k, n, confidence=0.95):
    _cp_ok(k, n, confidence)
    a = 1 - confidence
    low = stats.beta.ppf(a, k, n - k + 1) if k else 0.0
    high = stats.beta.ppf(1 - a, k + 1, n - k) if k < n else 1.0
    return float(low), float(high)


def cp_wilson(k, n, confidence=0.95):
    _cp_ok(k, n, confidence)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def cp_clipped_wald(k, n, confidence=0.95):
    _cp_ok(k, n, confidence)
    p = k / n
    h = stats.norm.ppf(1 - (1 - confidence) / 2) * math.sqrt(p * (1 - p) / n)
    return max(0.0, p - h), min(1.0, p + h)


def cp_nan_ends(k, n, confidence=0.95):
    _cp_ok(k, n, confidence)
    a = 1 - confidence
    return float(stats.beta.ppf(a / 2, k, n - k + 1)), float(stats.beta.ppf(1 - a / 2, k + 1, n - k))


def cp_as_list_no_checks(k, n, confidence=0.95):
    a = 1 - confidence
    low = stats.beta.ppf(a / 2, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(1 - a / 2, k + 1, n - k) if k < n else 1.0
    return (float(low), float(high))


def cp_same_beta(k, n, confidence=0.95):
    """Both ends from Beta(k, n − k + 1)."""
    _cp_ok(k, n, confidence)
    a = 1 - confidence
    low = stats.beta.ppf(a / 2, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(1 - a / 2, k, n - k + 1) if k > 0 and k < n else 1.0
    return float(low), float(high)


# ----------------------------------------------------------------------------- dp_tpr_bound


def _bound_ok(epsilon, delta, fpr):
    for v in (epsilon, delta, fpr):
        if math.isnan(v):
            raise ValueError("NaN")
    if epsilon < 0 or not 0 <= delta < 1 or not 0 <= fpr <= 1:
        raise ValueError("out of range")


def bound_logs(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    if epsilon == math.inf:
        return 1.0
    a = delta + (math.exp(epsilon + math.log(fpr)) if fpr > 0 else 0.0)
    b = 1.0 - math.exp(-epsilon) * (1.0 - delta - fpr)
    return min(a, b, 1.0)


def bound_sorted(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return sorted([1.0, fpr * math.e ** epsilon + delta, 1 - (1 - fpr - delta) / math.e ** epsilon])[0]


def bound_one_only(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    return 1.0 if math.isinf(epsilon) else min(1.0, math.exp(epsilon) * fpr + delta)


def bound_no_cap(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return min(math.exp(epsilon) * fpr + delta, 1 - math.exp(-epsilon) * (1 - delta - fpr))


def bound_swapped_exponents(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return min(1.0, math.exp(-epsilon) * fpr + delta, 1 - math.exp(epsilon) * (1 - delta - fpr))


def bound_delta_times(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    if math.isinf(epsilon):
        return 1.0
    return min(1.0, math.exp(epsilon) * (fpr + delta), 1 - math.exp(-epsilon) * (1 - fpr - delta))


def bound_accepts_anything(epsilon, delta, fpr):
    with np.errstate(all="ignore"):
        if np.isinf(epsilon):
            return 1.0
        return float(np.clip(min(np.exp(epsilon) * fpr + delta, 1 - np.exp(-epsilon) * (1 - delta - fpr)),
                             0, 1))


def bound_numpy_inf(epsilon, delta, fpr):
    _bound_ok(epsilon, delta, fpr)
    with np.errstate(all="ignore"):
        return float(np.nanmin([np.exp(epsilon) * fpr + delta, 1 - np.exp(-epsilon) * (1 - delta - fpr), 1.0])
                     if fpr > 0 else min(1.0, delta, 1 - np.exp(-epsilon) * (1 - delta)))


# ----------------------------------------------------------------------------- contradicts


def _counts_ok(tp, n1, fp, n0):
    if n1 < 1 or n0 < 1 or tp < 0 or fp < 0 or tp > n1 or fp > n0:
        raise ValueError("counts out of range")


def _cp95(k, n):
    low = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return float(low), float(high)


def _dp_bound(e, d, f):
    if math.isinf(e):
        return 1.0
    return min(1.0, math.exp(e) * f + d, 1 - math.exp(-e) * (1 - d - f))


def contra_direct(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _counts_ok(tp, n_members, fp, n_nonmembers)
    return _cp95(tp, n_members)[0] > _dp_bound(claimed_epsilon, delta, _cp95(fp, n_nonmembers)[1])


def contra_binomtest(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _counts_ok(tp, n_members, fp, n_nonmembers)
    tpr_lo = stats.binomtest(tp, n_members).proportion_ci(0.95, "exact").low
    fpr_hi = stats.binomtest(fp, n_nonmembers).proportion_ci(0.95, "exact").high
    if claimed_epsilon == math.inf:
        return False
    e = math.exp(claimed_epsilon)
    return bool(tpr_lo > min(1, e * fpr_hi + delta) or tpr_lo > 1 - (1 - delta - fpr_hi) / e)


def contra_numpy_bool(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _counts_ok(tp, n_members, fp, n_nonmembers)
    lo = _cp95(tp, n_members)[0]
    hi = _cp95(fp, n_nonmembers)[1]
    return np.bool_(lo > _dp_bound(claimed_epsilon, delta, hi))


def contra_rates(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _counts_ok(tp, n_members, fp, n_nonmembers)
    return tp / n_members > _dp_bound(claimed_epsilon, delta, fp / n_nonmembers)


def contra_both_low(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _counts_ok(tp, n_members, fp, n_nonmembers)
    return _cp95(tp, n_members)[0] > _dp_bound(claimed_epsilon, delta, _cp95(fp, n_nonmembers)[0])


def contra_ninety(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    """One-sided 95 % ends (a 90 % two-sided interval)."""
    _counts_ok(tp, n_members, fp, n_nonmembers)
    lo = stats.beta.ppf(0.05, tp, n_members - tp + 1) if tp else 0.0
    hi = stats.beta.ppf(0.95, fp + 1, n_nonmembers - fp) if fp < n_nonmembers else 1.0
    return bool(lo > _dp_bound(claimed_epsilon, delta, hi))


def contra_event_bound(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    _counts_ok(tp, n_members, fp, n_nonmembers)
    if math.isinf(claimed_epsilon):
        return False
    return _cp95(tp, n_members)[0] > math.exp(claimed_epsilon) * _cp95(fp, n_nonmembers)[1] + delta


def contra_ge(claimed_epsilon, delta, tp, n_members, fp, n_nonmembers):
    """Says True when the bound is only reached, and at ε = inf compares with 1 (never reached)."""
    _counts_ok(tp, n_members, fp, n_nonmembers)
    return _cp95(tp, n_members)[0] >= _dp_bound(claimed_epsilon, delta, _cp95(fp, n_nonmembers)[1]) - 0.01


# ----------------------------------------------------------------------------- decide


def decide_loop_up(cards, utility, max_loss, threats):
    """Walks from the least protected up, keeping the last that qualifies."""
    base, best = cards[0], 0
    for i in range(1, len(cards)):
        c = cards[i]
        loss = base[utility][0] - c[utility][0]
        if loss > max_loss:
            continue
        if any(c[t][1] > base[t][2] for t in threats):
            continue
        if any(c[t][2] < base[t][1] for t in threats):
            best = i
    return best


def decide_named_tuples(cards, utility, max_loss, threats):
    def parts(c, name):
        value, low, high = c[name]
        return value, low, high

    base = cards[0]
    for i in reversed(range(1, len(cards))):
        v, _, _ = parts(cards[i], utility)
        if v < parts(base, utility)[0] - max_loss:
            continue
        worse = better = False
        for t in threats:
            _, lo, hi = parts(cards[i], t)
            _, blo, bhi = parts(base, t)
            worse = worse or lo > bhi
            better = better or hi < blo
        if better and not worse:
            return i
    return 0


def decide_numpy(cards, utility, max_loss, threats):
    base = np.array([cards[0][t] for t in threats])
    ok = []
    for c in cards[1:]:
        arr = np.array([c[t] for t in threats])
        ok.append(bool(c[utility][0] >= cards[0][utility][0] - max_loss and not np.any(arr[:, 1] > base[:, 2])
                       and np.any(arr[:, 2] < base[:, 1])))
    hits = np.flatnonzero(ok)
    return int(hits[-1] + 1) if len(hits) else 0


def decide_values_only(cards, utility, max_loss, threats):
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        if c[utility][0] >= base[utility][0] - max_loss and all(c[t][0] <= base[t][0] for t in threats) \
                and any(c[t][0] < base[t][0] for t in threats):
            return i
    return 0


def decide_first_found(cards, utility, max_loss, threats):
    base = cards[0]
    for i in range(1, len(cards)):
        c = cards[i]
        if c[utility][0] >= base[utility][0] - max_loss and not any(c[t][1] > base[t][2] for t in threats) \
                and any(c[t][2] < base[t][1] for t in threats):
            return i
    return 0


def decide_ignores_worse(cards, utility, max_loss, threats):
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        if c[utility][0] >= base[utility][0] - max_loss and any(c[t][2] < base[t][1] for t in threats):
            return i
    return 0


def decide_gain_limited(cards, utility, max_loss, threats):
    """The utility must stay within max_loss of the unprotected value, either way."""
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        gap = abs(c[utility][0] - base[utility][0])
        if gap <= max_loss and not any(c[t][1] > base[t][2] for t in threats) \
                and any(c[t][2] < base[t][1] for t in threats):
            return i
    return 0


def decide_utility_low_end(cards, utility, max_loss, threats):
    """Utility judged by the variant's interval: its high end within the loss."""
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        if c[utility][2] >= base[utility][0] - max_loss and not any(c[t][1] > base[t][2] for t in threats) \
                and any(c[t][2] < base[t][1] for t in threats):
            return i
    return 0


def decide_percent_loss(cards, utility, max_loss, threats):
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        loss = (base[utility][0] - c[utility][0]) / base[utility][0]
        if loss <= max_loss and not any(c[t][1] > base[t][2] for t in threats) \
                and any(c[t][2] < base[t][1] for t in threats):
            return i
    return 0


def decide_not_worse_only(cards, utility, max_loss, threats):
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        if c[utility][0] >= base[utility][0] - max_loss and not any(c[t][1] > base[t][2] for t in threats):
            return i
    return 0


def decide_returns_card(cards, utility, max_loss, threats):
    i = decide_loop_up(cards, utility, max_loss, threats)
    return cards[i]


def decide_value_vs_interval(cards, utility, max_loss, threats):
    """Better when the variant's VALUE is below the unprotected interval's low end."""
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        c = cards[i]
        if c[utility][0] >= base[utility][0] - max_loss and not any(c[t][1] > base[t][2] for t in threats) \
                and any(c[t][0] < base[t][1] for t in threats):
            return i
    return 0


# ----------------------------------------------------------------------------- card_numbers


def _cp(k, n):
    return (float(stats.beta.ppf(0.025, k, n - k + 1)) if k else 0.0,
            float(stats.beta.ppf(0.975, k + 1, n - k)) if k < n else 1.0)


def _pack(k, n_m, right, n_c, interval=_cp):
    tl, th = interval(k, n_m)
    al, ah = interval(right, n_c)
    return {"tpr_at_1pct_fpr": k / n_m, "tpr_low": tl, "tpr_high": th, "accuracy": right / n_c,
            "accuracy_low": al, "accuracy_high": ah}


def card_loop(member_scores, nonmember_scores, correct):
    m, o = list(map(float, member_scores)), list(map(float, nonmember_scores))
    if len(o) < 100:
        raise ValueError("need 100 non-members")
    best = 0
    for t in set(m) | set(o):
        if sum(x >= t for x in o) / len(o) <= 0.01:
            best = max(best, sum(x >= t for x in m))
    return _pack(best, len(m), int(sum(bool(c) for c in correct)), len(correct))


def card_kth_largest(member_scores, nonmember_scores, correct):
    """Members strictly above the (k+1)-th largest non-member score, k = the allowed false positives."""
    o = np.sort(np.asarray(nonmember_scores))[::-1]
    if len(o) < 100:
        raise ValueError("need 100 non-members")
    k = int(np.floor(0.01 * len(o) + 1e-9))
    while k > 0 and k / len(o) > 0.01:
        k -= 1
    tp = int(np.sum(np.asarray(member_scores) > o[k]))
    return _pack(tp, len(member_scores), int(np.sum(correct)), len(correct))


def card_searchsorted(member_scores, nonmember_scores, correct):
    m, o = np.sort(member_scores), np.sort(nonmember_scores)
    if o.size < 100:
        raise ValueError("need 100 non-members")
    ts = np.concatenate([np.unique(np.concatenate([m, o])), [np.inf]])
    fp = o.size - np.searchsorted(o, ts)
    tp = m.size - np.searchsorted(m, ts)
    k = int(tp[fp <= 0.01 * o.size].max())
    right = int(np.count_nonzero(correct))
    return _pack(k, m.size, right, len(correct))


def card_strict_fpr(member_scores, nonmember_scores, correct):
    m, o = np.asarray(member_scores), np.asarray(nonmember_scores)
    if len(o) < 100:
        raise ValueError("need 100 non-members")
    k = max([int(np.sum(m >= t)) for t in np.unique(np.r_[m, o]) if np.mean(o >= t) < 0.01] + [0])
    return _pack(k, len(m), int(np.sum(correct)), len(correct))


def card_quantile_threshold(member_scores, nonmember_scores, correct):
    """The threshold at the 99th percentile of the non-member scores, interpolated."""
    m, o = np.asarray(member_scores), np.asarray(nonmember_scores)
    if len(o) < 100:
        raise ValueError("need 100 non-members")
    k = int(np.sum(m >= np.quantile(o, 0.99)))
    return _pack(k, len(m), int(np.sum(correct)), len(correct))


def card_greater_than(member_scores, nonmember_scores, correct):
    """'score > t' for both rates, t every score: the same rules as 'score ≥ the next score up'."""
    m, o = np.asarray(member_scores), np.asarray(nonmember_scores)
    if len(o) < 100:
        raise ValueError("need 100 non-members")
    k = max([int(np.sum(m > t)) for t in np.unique(np.r_[m, o]) if np.mean(o > t) <= 0.01] + [0])
    return _pack(k, len(m), int(np.sum(correct)), len(correct))


def card_normal_intervals(member_scores, nonmember_scores, correct):
    def wald(k, n):
        p = k / n
        h = 1.96 * math.sqrt(p * (1 - p) / n)
        return max(0.0, p - h), min(1.0, p + h)

    out = card_searchsorted(member_scores, nonmember_scores, correct)
    k, right = round(out["tpr_at_1pct_fpr"] * len(member_scores)), int(np.sum(correct))
    return _pack(k, len(member_scores), right, len(correct), interval=wald)


def card_tpr_ci_on_all(member_scores, nonmember_scores, correct):
    """The TPR's interval counted out of members and non-members together."""
    out = card_searchsorted(member_scores, nonmember_scores, correct)
    k = round(out["tpr_at_1pct_fpr"] * len(member_scores))
    out["tpr_low"], out["tpr_high"] = _cp(k, len(member_scores) + len(nonmember_scores))
    return out


def card_notebook_numbers(member_scores, nonmember_scores, correct):
    if len(nonmember_scores) < 100:
        raise ValueError("need 100 non-members")
    return {"tpr_at_1pct_fpr": 0.012, "tpr_low": 0.007, "tpr_high": 0.019, "accuracy": 0.947,
            "accuracy_low": 0.9, "accuracy_high": 0.975}


def card_swapped(member_scores, nonmember_scores, correct):
    return card_searchsorted(nonmember_scores, member_scores, correct) if len(member_scores) >= 100 \
        else card_searchsorted(member_scores, nonmember_scores, correct)


def card_no_check(member_scores, nonmember_scores, correct):
    m, o = np.sort(member_scores), np.sort(nonmember_scores)
    ts = np.unique(np.concatenate([m, o]))
    fp = o.size - np.searchsorted(o, ts)
    tp = m.size - np.searchsorted(m, ts)
    ok = fp / o.size <= 0.01
    k = int(tp[ok].max()) if ok.any() else 0
    return _pack(k, m.size, int(np.count_nonzero(correct)), len(correct))


def card_rounded(member_scores, nonmember_scores, correct):
    """Every number rounded to three decimals, as a card prints them."""
    return {k: round(v, 3) for k, v in card_searchsorted(member_scores, nonmember_scores, correct).items()}


def card_accuracy_errors(member_scores, nonmember_scores, correct):
    out = card_searchsorted(member_scores, nonmember_scores, correct)
    wrong = int(np.sum(~np.asarray(correct, dtype=bool)))
    out["accuracy"] = wrong / len(correct)
    out["accuracy_low"], out["accuracy_high"] = _cp(wrong, len(correct))
    return out


CORRECT = {
    "clopper_pearson": [cp_betaincinv, cp_binomial_tails, cp_isf],
    "dp_tpr_bound": [bound_logs, bound_sorted],
    "contradicts": [contra_direct, contra_binomtest, contra_numpy_bool],
    "decide": [decide_loop_up, decide_named_tuples, decide_numpy],
    "card_numbers": [card_loop, card_kth_largest, card_searchsorted, card_greater_than],
}

WRONG = {
    "clopper_pearson": [cp_one_sided_each, cp_wilson, cp_clipped_wald, cp_nan_ends, cp_as_list_no_checks,
                        cp_same_beta],
    "dp_tpr_bound": [bound_one_only, bound_no_cap, bound_swapped_exponents, bound_delta_times,
                     bound_accepts_anything, bound_numpy_inf],
    "contradicts": [contra_rates, contra_both_low, contra_ninety, contra_event_bound, contra_ge],
    "decide": [decide_values_only, decide_first_found, decide_ignores_worse, decide_gain_limited,
               decide_utility_low_end, decide_percent_loss, decide_not_worse_only, decide_returns_card,
               decide_value_vs_interval],
    "card_numbers": [card_strict_fpr, card_quantile_threshold, card_normal_intervals, card_tpr_ci_on_all,
                     card_notebook_numbers, card_swapped, card_no_check, card_rounded, card_accuracy_errors],
}
