# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 08_membership_inference
# (generated from solutions/08_membership_inference.py by `python3 course.py exercises`)
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
    raise NotImplementedError("write membership_scores() here")


def tpr_at_fpr(member_scores: np.ndarray, nonmember_scores: np.ndarray, fpr: float) -> float:
    """The true-positive rate of the best threshold attack whose false-positive rate is at most ``fpr``.

    The attack says "member" when ``score ≥ t``. For a threshold t, TPR(t) is the fraction of
    ``member_scores`` that are ≥ t and FPR(t) the fraction of ``nonmember_scores`` that are ≥ t — a
    threshold counts *every* score equal to it, so tied scores are all in or all out. Return the
    largest TPR(t) over all real t (t = +inf included, where both rates are 0) with
    ``FPR(t) ≤ fpr``, comparing the fraction (count / number of non-members) with ``fpr``.
    No interpolation between thresholds. ``fpr`` must be in (0, 1), otherwise raise ValueError.
    """
    raise NotImplementedError("write tpr_at_fpr() here")


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
    raise NotImplementedError("write lira_score() here")


def exposure_from_rank(rank: int, n_candidates: int) -> float:
    """The exposure of a canary (Carlini et al. 2019): ``log₂(n_candidates) − log₂(rank)``.

    ``rank`` is 1-based: rank 1 means the secret is the model's favourite among all
    ``n_candidates`` candidates (exposure log₂ n_candidates, the most), rank n_candidates its least
    favourite (exposure 0). Raise ValueError when rank < 1 or rank > n_candidates.
    """
    raise NotImplementedError("write exposure_from_rank() here")


def rank_of_secret(secret_loss: float, other_losses: np.ndarray) -> int:
    """The 1-based rank of the secret among all candidates, by loss (lower loss = ranked higher).

    ``other_losses`` are the model's losses on every candidate *except* the secret; the candidates
    are the secret plus these. Ties count against the secret (pessimistically: a lower exposure), so
    the rank is 1 plus the number of other candidates whose loss is ≤ ``secret_loss``. Return an int.
    """
    raise NotImplementedError("write rank_of_secret() here")


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
    raise NotImplementedError("write audit_epsilon_lower_bound() here")
