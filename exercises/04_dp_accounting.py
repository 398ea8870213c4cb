# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 04_dp_accounting
# (generated from solutions/04_dp_accounting.py by `python3 course.py exercises`)
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
    raise NotImplementedError("write basic_composition() here")


def advanced_composition(epsilon: float, delta: float, k: int, delta_prime: float) -> tuple[float, float]:
    """(ε', δ_total) of k runs of an (ε, δ)-DP mechanism (Dwork, Rothblum & Vadhan 2010):

    ``ε' = sqrt(2 k ln(1/δ')) · ε + k · ε · (e^ε - 1)`` and ``δ_total = k · δ + δ'``.
    ``k`` is an int >= 1 and ``δ'`` in (0, 1).
    """
    raise NotImplementedError("write advanced_composition() here")


def gaussian_rdp_epsilon(sigma: float, steps: int, delta: float, alphas: list[float]) -> float:
    """(ε, δ)-DP of ``steps`` runs of the Gaussian mechanism (sensitivity 1, noise σ), via Rényi DP.

    One run is (α, α / (2σ²))-RDP for every order α > 1; RDP adds up over runs; an (α, ρ)-RDP guarantee
    implies (ρ + ln(1/δ) / (α - 1), δ)-DP (Mironov 2017). Return the smallest ε over ``alphas``.
    """
    raise NotImplementedError("write gaussian_rdp_epsilon() here")


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided upper confidence bound on a success probability after ``k`` successes in ``n`` trials
    (exact, Clopper & Pearson 1934): the ``confidence`` quantile of Beta(k + 1, n - k); 1.0 when k = n.
    """
    raise NotImplementedError("write clopper_pearson_upper() here")


def audit_epsilon(tp: int, n1: int, fp: int, n0: int, confidence: float = 0.95) -> float:
    """A lower bound on ε from an attack (δ = 0): it said "input 1" ``tp`` times in ``n1`` runs on input 1
    and ``fp`` times in ``n0`` runs on input 0.

    ε-DP forces ``TPR <= e^ε · FPR``. Be conservative on both sides: take the one-sided lower bound on
    the TPR (``1 - clopper_pearson_upper(n1 - tp, n1, c)``) and the upper bound on the FPR
    (``clopper_pearson_upper(fp, n0, c)``), each at ``c = (1 + confidence) / 2`` so that both hold
    together with probability ``confidence``; return ``max(0, ln(TPR_lower / FPR_upper))``.
    """
    raise NotImplementedError("write audit_epsilon() here")
