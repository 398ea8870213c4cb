"""Exercise 04 — composition, accounting and auditing: what a whole analysis costs.

Notebook 04 explains each formula. Check your work with

    python3 course.py check 04_dp_accounting [task]

Return plain Python floats. Invalid parameters raise ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math

from scipy import stats


def basic_composition(epsilons: list[float], deltas: list[float]) -> tuple[float, float]:
    """Total (ε, δ) of running every mechanism on the same data: the sums (sequential composition).

    ``epsilons`` and ``deltas`` have one entry per mechanism and the same length.
    """
    # BEGIN SOLUTION
    if len(epsilons) != len(deltas):
        raise ValueError(f"epsilons and deltas must have the same length, got {len(epsilons)} and "
                         f"{len(deltas)}")
    return float(sum(epsilons)), float(sum(deltas))
    # END SOLUTION


def advanced_composition(epsilon: float, delta: float, k: int, delta_prime: float) -> tuple[float, float]:
    """(ε', δ_total) of k runs of an (ε, δ)-DP mechanism (Dwork, Rothblum & Vadhan 2010):

    ``ε' = sqrt(2 k ln(1/δ')) · ε + k · ε · (e^ε - 1)`` and ``δ_total = k · δ + δ'``.
    ``k`` is an int >= 1 and ``δ'`` in (0, 1).
    """
    # BEGIN SOLUTION
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    if not 0 < delta_prime < 1:
        raise ValueError(f"delta_prime must be in (0, 1), got {delta_prime}")
    eps = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * math.expm1(epsilon)
    return eps, k * delta + delta_prime
    # END SOLUTION


def gaussian_rdp_epsilon(sigma: float, steps: int, delta: float, alphas: list[float]) -> float:
    """(ε, δ)-DP of ``steps`` runs of the Gaussian mechanism (sensitivity 1, noise σ), via Rényi DP.

    One run is (α, α / (2σ²))-RDP for every order α > 1; RDP adds up over runs; an (α, ρ)-RDP guarantee
    implies (ρ + ln(1/δ) / (α - 1), δ)-DP (Mironov 2017). Return the smallest ε over ``alphas``.
    """
    # BEGIN SOLUTION
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    best = math.inf
    for alpha in alphas:
        if alpha <= 1:
            raise ValueError(f"every alpha must be > 1, got {alpha}")
        rho = steps * alpha / (2 * sigma**2)
        best = min(best, rho + math.log(1 / delta) / (alpha - 1))
    return best
    # END SOLUTION


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided upper confidence bound on a success probability after ``k`` successes in ``n`` trials
    (exact, Clopper & Pearson 1934): the ``confidence`` quantile of Beta(k + 1, n - k); 1.0 when k = n.
    """
    # BEGIN SOLUTION
    if not (isinstance(n, int) and n >= 1 and isinstance(k, int) and 0 <= k <= n):
        raise ValueError(f"need ints 0 <= k <= n and n >= 1, got k={k!r}, n={n!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if k == n:
        return 1.0
    return float(stats.beta.ppf(confidence, k + 1, n - k))
    # END SOLUTION


def audit_epsilon(tp: int, n1: int, fp: int, n0: int, confidence: float = 0.95) -> float:
    """A lower bound on ε from an attack (δ = 0): it said "input 1" ``tp`` times in ``n1`` runs on input 1
    and ``fp`` times in ``n0`` runs on input 0.

    ε-DP forces ``TPR <= e^ε · FPR``. Be conservative on both sides: take the one-sided lower bound on
    the TPR (``1 - clopper_pearson_upper(n1 - tp, n1, c)``) and the upper bound on the FPR
    (``clopper_pearson_upper(fp, n0, c)``), each at ``c = (1 + confidence) / 2`` so that both hold
    together with probability ``confidence``; return ``max(0, ln(TPR_lower / FPR_upper))``.
    """
    # BEGIN SOLUTION
    c = (1 + confidence) / 2
    tpr_lower = 1 - clopper_pearson_upper(n1 - tp, n1, c)
    fpr_upper = clopper_pearson_upper(fp, n0, c)
    if tpr_lower <= 0:
        return 0.0
    return max(0.0, math.log(tpr_lower / fpr_upper))
    # END SOLUTION
