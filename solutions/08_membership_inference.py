"""Exercise 08 — membership inference and memorisation: the measuring instruments of notebook 08.

Scores from logits, the true-positive rate at a low false-positive rate, LiRA's likelihood ratio,
the exposure of a canary, and the one-run audit of a DP claim. Arrays are NumPy arrays; NumPy and
SciPy are all you need. Check your work with

    python3 course.py check 08_membership_inference [task]
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def membership_scores(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The per-example membership score ``s_i = log p_i − log(1 − p_i)`` of a classifier.

    ``logits`` is an (n, k) array (k ≥ 2), ``labels`` the (n,) integer true classes, and
    ``p_i = softmax(logits_i)[labels_i]`` the probability the model gives to example i's true class.
    Return the (n,) float array of scores (larger = more confident = more likely a member).

    Work in log space: ``log p_i − log(1 − p_i) = z_{i,y} − log Σ_{j≠y} exp(z_{ij})``, with the
    log-sum-exp trick (subtract the largest term before exponentiating). The scores must stay finite
    and keep their order when the model is very confident (logits of size 50 to 1000), where
    ``1 − p`` and the cross-entropy loss round to exactly 0 and every confident example would tie.
    """
    # BEGIN SOLUTION
    z = np.asarray(logits, dtype=float)
    rows = np.arange(len(z))
    true = z[rows, labels]
    others = z.copy()
    others[rows, labels] = -np.inf
    top = others.max(axis=1)
    return true - (top + np.log(np.exp(others - top[:, None]).sum(axis=1)))
    # END SOLUTION


def tpr_at_fpr(member_scores: np.ndarray, nonmember_scores: np.ndarray, fpr: float) -> float:
    """The true-positive rate of the best threshold attack whose false-positive rate is at most ``fpr``.

    The attack says "member" when ``score ≥ t``. For a threshold t, TPR(t) is the fraction of
    ``member_scores`` that are ≥ t and FPR(t) the fraction of ``nonmember_scores`` that are ≥ t — a
    threshold counts *every* score equal to it, so tied scores are all in or all out. Return the
    largest TPR(t) over all real t (t = +inf included, where both rates are 0) with
    ``FPR(t) ≤ fpr``, comparing the fraction (count / number of non-members) with ``fpr``.
    No interpolation between thresholds. ``fpr`` must be in (0, 1), otherwise raise ValueError.
    """
    # BEGIN SOLUTION
    if not 0 < fpr < 1:
        raise ValueError(f"fpr must be in (0, 1), got {fpr}")
    members = np.sort(np.asarray(member_scores, dtype=float))
    others = np.sort(np.asarray(nonmember_scores, dtype=float))
    thresholds = np.unique(np.concatenate([members, others]))
    fp = len(others) - np.searchsorted(others, thresholds, side="left")
    tp = len(members) - np.searchsorted(members, thresholds, side="left")
    allowed = fp / len(others) <= fpr
    return float(tp[allowed].max() / len(members)) if allowed.any() else 0.0
    # END SOLUTION


def lira_score(target_scores: np.ndarray, in_scores: np.ndarray, out_scores: np.ndarray) -> np.ndarray:
    """LiRA, online version (Carlini et al. 2022): a log-likelihood ratio per example.

    ``target_scores`` (n,) are the target model's scores of n examples; row i of ``in_scores``
    (n, m_in) holds the scores of example i under the shadow models trained WITH it, row i of
    ``out_scores`` (n, m_out) under those trained WITHOUT it. For each example fit one Gaussian to
    its in-scores and one to its out-scores — the mean of the row and the unbiased sample variance of
    the row (ddof=1), each example its own — and return the (n,) array

        log N(s_i; μ_in,i, σ²_in,i) − log N(s_i; μ_out,i, σ²_out,i)

    with ``log N(s; μ, σ²) = −½ log(2πσ²) − (s − μ)² / (2σ²)``. Compute it with logs of densities,
    never a ratio of densities: a score many σ away must still give a finite answer. Raise ValueError
    when m_in or m_out is below 2 (no sample variance). Rows are never constant.
    """
    # BEGIN SOLUTION
    s = np.asarray(target_scores, dtype=float)
    ins, outs = np.asarray(in_scores, dtype=float), np.asarray(out_scores, dtype=float)
    if ins.shape[1] < 2 or outs.shape[1] < 2:
        raise ValueError("in_scores and out_scores need at least 2 shadow models each (columns)")

    def log_density(x):
        mu, var = x.mean(axis=1), x.var(axis=1, ddof=1)
        return -0.5 * np.log(2 * np.pi * var) - (s - mu) ** 2 / (2 * var)

    return log_density(ins) - log_density(outs)
    # END SOLUTION


def exposure_from_rank(rank: int, n_candidates: int) -> float:
    """The exposure of a canary (Carlini et al. 2019): ``log₂(n_candidates) − log₂(rank)``.

    ``rank`` is 1-based: rank 1 means the secret is the model's favourite among all
    ``n_candidates`` candidates (exposure log₂ n_candidates, the most), rank n_candidates its least
    favourite (exposure 0). Raise ValueError when rank < 1 or rank > n_candidates.
    """
    # BEGIN SOLUTION
    if not 1 <= rank <= n_candidates:
        raise ValueError(f"rank must be in [1, n_candidates={n_candidates}], got {rank}")
    return math.log2(n_candidates) - math.log2(rank)
    # END SOLUTION


def rank_of_secret(secret_loss: float, other_losses: np.ndarray) -> int:
    """The 1-based rank of the secret among all candidates, by loss (lower loss = ranked higher).

    ``other_losses`` are the model's losses on every candidate *except* the secret; the candidates
    are the secret plus these. Ties count against the secret (pessimistically: a lower exposure), so
    the rank is 1 plus the number of other candidates whose loss is ≤ ``secret_loss``. Return an int.
    """
    # BEGIN SOLUTION
    return 1 + int(np.count_nonzero(np.asarray(other_losses) <= secret_loss))
    # END SOLUTION


def audit_epsilon_lower_bound(n_guesses: int, n_correct: int, confidence: float = 0.95) -> float:
    """A lower bound on ε from one training run (Steinke, Nasr & Jagielski 2023), for pure ε-DP.

    The auditor made ``n_guesses`` (r) guesses "in or out" about canaries, ``n_correct`` (v) of them
    right. Under ε-DP the number of correct guesses is stochastically dominated by
    Binomial(r, p(ε)) with ``p(ε) = e^ε / (1 + e^ε)``. Return the largest ε ≥ 0 for which
    ``P[Binomial(r, p(ε)) ≥ v] ≤ 1 − confidence`` — ε values up to it are refuted at that
    confidence — or 0.0 when even ε = 0 is not refuted. The probability grows with ε: find the
    crossing by bisection (``scipy.stats.binom.sf(v - 1, r, p)`` is ``P[X ≥ v]``), accurate to 1e-6.
    Raise ValueError unless r ≥ 1, 0 ≤ v ≤ r and 0 < confidence < 1.
    """
    # BEGIN SOLUTION
    if n_guesses < 1 or not 0 <= n_correct <= n_guesses:
        raise ValueError(f"need n_guesses >= 1 and 0 <= n_correct <= n_guesses, got {n_guesses}, {n_correct}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    alpha = 1 - confidence

    def tail(eps):
        return stats.binom.sf(n_correct - 1, n_guesses, 1 / (1 + math.exp(-eps)))

    if tail(0.0) > alpha:
        return 0.0
    lo, hi = 0.0, 1.0
    while tail(hi) <= alpha:
        lo, hi = hi, 2 * hi
    while hi - lo > 1e-9:
        mid = (lo + hi) / 2
        if tail(mid) <= alpha:
            lo = mid
        else:
            hi = mid
    return lo
    # END SOLUTION
