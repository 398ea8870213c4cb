"""Exercise 12 — choosing protection: the numbers of a report card, and the decision made from them.

An exact interval for a rate, the largest TPR that an (ε, δ)-DP training leaves an attacker, whether
a measured attack refutes a claimed ε, notebook 12's decision rule on plain data, and the card's
attack and utility numbers recomputed from raw scores. NumPy and SciPy are all you need. Check your
work with

    python3 course.py check 12_report_card [task]
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact two-sided Clopper–Pearson interval ``(low, high)`` for a proportion, after ``k``
    successes in ``n`` trials.

    With ``α = 1 − confidence``: ``low`` is the ``α/2`` quantile of Beta(k, n − k + 1) and ``high`` the
    ``1 − α/2`` quantile of Beta(k + 1, n − k) (``scipy.stats.beta.ppf``). At the ends, where one
    Beta parameter would be 0: ``low = 0.0`` when k = 0 and ``high = 1.0`` when k = n. Return a tuple
    of two floats. Raise ValueError unless n ≥ 1, 0 ≤ k ≤ n and 0 < confidence < 1.
    """
    # BEGIN SOLUTION
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need n >= 1 and 0 <= k <= n, got k={k}, n={n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    alpha = 1 - confidence
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high
    # END SOLUTION


def dp_tpr_bound(epsilon: float, delta: float, fpr: float) -> float:
    """The largest true-positive rate that any membership attack with false-positive rate ``fpr`` can
    have against an (ε, δ)-DP training (Kairouz, Oh & Viswanath 2015).

    DP bounds the attack's test in two ways, one for the event "member" and one for its complement::

        TPR ≤ e^ε · fpr + δ        and        TPR ≤ 1 − e^(−ε) · (1 − δ − fpr)

    Return the smallest of these two and 1 (a rate is at most 1), as a float. ``epsilon`` may be
    ``math.inf`` (no DP: the bound is 1.0). Raise ValueError unless epsilon ≥ 0, 0 ≤ delta < 1 and
    0 ≤ fpr ≤ 1 (NaN is never valid).
    """
    # BEGIN SOLUTION
    if not epsilon >= 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon}")
    if not 0 <= delta < 1:
        raise ValueError(f"delta must be in [0, 1), got {delta}")
    if not 0 <= fpr <= 1:
        raise ValueError(f"fpr must be in [0, 1], got {fpr}")
    if math.isinf(epsilon):
        return 1.0
    event = math.exp(epsilon) * fpr + delta
    complement = 1 - math.exp(-epsilon) * (1 - delta - fpr)
    return float(min(1.0, event, complement))
    # END SOLUTION


def contradicts(claimed_epsilon: float, delta: float, tp: int, n_members: int, fp: int,
                n_nonmembers: int) -> bool:
    """Whether a measured attack refutes the claim that a training is (ε, δ)-DP, at 95 % confidence.

    The attack said "member" for ``tp`` of ``n_members`` members and ``fp`` of ``n_nonmembers``
    non-members. Take the LOWER end of the two-sided 95 % Clopper–Pearson interval of its TPR
    (tp / n_members) and the UPPER end of that of its FPR (fp / n_nonmembers): the attack is at least
    that good, and its FPR at most that. Return True (a bool) when that TPR lower end is larger than
    ``dp_tpr_bound(claimed_epsilon, delta, FPR upper end)`` — the best any attack could do at that
    FPR if the claim were true — and False otherwise. The task is checked on its own: copy what you
    need from your other functions into it, or call them. Raise ValueError on counts outside
    [0, n] or n < 1.
    """
    # BEGIN SOLUTION
    if n_members < 1 or n_nonmembers < 1 or not 0 <= tp <= n_members or not 0 <= fp <= n_nonmembers:
        raise ValueError("need 0 <= tp <= n_members, 0 <= fp <= n_nonmembers and both n >= 1")
    tpr_low = 0.0 if tp == 0 else float(stats.beta.ppf(0.025, tp, n_members - tp + 1))
    fpr_high = 1.0 if fp == n_nonmembers else float(stats.beta.ppf(0.975, fp + 1, n_nonmembers - fp))
    if math.isinf(claimed_epsilon):
        return False
    bound = min(1.0, math.exp(claimed_epsilon) * fpr_high + delta,
                1 - math.exp(-claimed_epsilon) * (1 - delta - fpr_high))
    return bool(tpr_low > bound)
    # END SOLUTION


def decide(cards: list[dict], utility: str, max_loss: float, threats: list[str]) -> int:
    """Notebook 12's decision rule, on plain data. Return the index of the chosen card (an int).

    ``cards[i]`` maps each measure's name to ``(value, low, high)``, its value and 95 % interval.
    ``cards[0]`` is the unprotected pipeline, the others follow in order of protection (the last is
    the most protected). ``utility`` names a measure where higher is better (accuracy, AUC);
    ``threats`` name measures where lower is better (re-identification, membership TPR).

    A variant ``cards[i]`` (i ≥ 1) qualifies when all three hold:

    * its utility VALUE is at least the unprotected card's utility value minus ``max_loss``
      (equality qualifies);
    * it is worse on no threat beyond the intervals: for no threat is its ``low`` above the
      unprotected card's ``high``;
    * it is better on at least one threat beyond the intervals: for some threat its ``high`` is below
      the unprotected card's ``low``.

    Return the largest i that qualifies (the most protected), or 0 when none does.
    """
    # BEGIN SOLUTION
    base = cards[0]
    for i in range(len(cards) - 1, 0, -1):
        card = cards[i]
        within = card[utility][0] >= base[utility][0] - max_loss
        worse = any(card[t][1] > base[t][2] for t in threats)
        better = any(card[t][2] < base[t][1] for t in threats)
        if within and better and not worse:
            return i
    return 0
    # END SOLUTION


def card_numbers(member_scores: np.ndarray, nonmember_scores: np.ndarray, correct: np.ndarray) -> dict:
    """A card's membership and utility numbers, recomputed from the raw data.

    ``member_scores`` and ``nonmember_scores`` are a membership attack's scores (higher = "member");
    ``correct`` is a boolean array, one entry per test example, True where the model was right.
    Return a dict of six floats:

    * ``"tpr_at_1pct_fpr"``: the largest TPR of a rule "member when score ≥ t" whose FPR is at most
      0.01. TPR(t) is the fraction of member scores ≥ t, FPR(t) the fraction of non-member scores
      ≥ t — tied scores are all in or all out; compare the fraction (count / number of non-members)
      with 0.01; try every score as t (and t = +inf, where both rates are 0); no interpolation;
    * ``"tpr_low"``, ``"tpr_high"``: the 95 % Clopper–Pearson interval of that TPR (its count of
      members out of the number of members);
    * ``"accuracy"``: the fraction of ``correct`` that is True;
    * ``"accuracy_low"``, ``"accuracy_high"``: its 95 % Clopper–Pearson interval.

    Raise ValueError when there are fewer than 100 non-member scores (a rate of 1 % cannot be
    measured on fewer). The checker calls this on fresh data each time: the numbers must come from
    the arguments. The task is checked on its own: copy what you need into it, or call your
    ``clopper_pearson``.
    """
    # BEGIN SOLUTION
    members = np.sort(np.asarray(member_scores, dtype=float))
    others = np.sort(np.asarray(nonmember_scores, dtype=float))
    if len(others) < 100:
        raise ValueError(f"need at least 100 non-member scores, got {len(others)}")
    thresholds = np.unique(np.concatenate([members, others]))
    fp = len(others) - np.searchsorted(others, thresholds, side="left")
    tp = len(members) - np.searchsorted(members, thresholds, side="left")
    allowed = fp / len(others) <= 0.01
    k = int(tp[allowed].max()) if allowed.any() else 0
    right = np.asarray(correct, dtype=bool)
    tpr_low, tpr_high = clopper_pearson(k, len(members))
    acc_low, acc_high = clopper_pearson(int(right.sum()), len(right))
    return {"tpr_at_1pct_fpr": k / len(members), "tpr_low": tpr_low, "tpr_high": tpr_high,
            "accuracy": float(right.mean()), "accuracy_low": acc_low, "accuracy_high": acc_high}
    # END SOLUTION
