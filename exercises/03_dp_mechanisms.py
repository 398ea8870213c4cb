# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 03_dp_mechanisms
# (generated from solutions/03_dp_mechanisms.py by `python3 course.py exercises`)
"""Exercise 03 — differential-privacy mechanisms: the right noise, in the right amount.

Notebook 03 explains each step. Randomness comes from the NumPy Generator you are given (``rng``), so
results are reproducible; never use ``np.random`` global state. Check your work with

    python3 course.py check 03_dp_mechanisms [task]

Invalid privacy parameters must raise ``ValueError`` naming the argument: a mechanism that silently
accepts ε ≤ 0 or δ ≥ 1 is a mechanism that silently stops protecting anyone. Every ε must be a
finite number > 0 (``_check_epsilon`` below does it): ε = ∞ means no noise at all.
"""

from __future__ import annotations

import math

import numpy as np


def _check_epsilon(epsilon: float) -> None:
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not math.isfinite(epsilon) \
            or epsilon <= 0:
        raise ValueError(f"epsilon must be a finite number > 0, got {epsilon!r}")


def laplace_count(data: np.ndarray, threshold: float, epsilon: float, rng: np.random.Generator) -> float:
    """ε-DP count of the values in ``data`` that exceed ``threshold``.

    Adding or removing one person changes a count by at most 1 (sensitivity 1), so add Laplace noise
    of scale ``1 / epsilon`` drawn from ``rng`` to the true count and return it as a float.
    """
    raise NotImplementedError("write laplace_count() here")


def clamped_mean(data: np.ndarray, lower: float, upper: float, epsilon: float,
                 rng: np.random.Generator) -> float:
    """ε-DP mean of ``data`` when its size ``n = len(data)`` is public and one person's value may change.

    Clamp every value to ``[lower, upper]`` (bounds chosen *before* looking at the data); one person
    then moves the mean by at most ``(upper - lower) / n``, so add Laplace noise of scale
    ``(upper - lower) / (n * epsilon)`` to the clamped mean. Raise ``ValueError`` if ``lower > upper``
    or the data is empty.
    """
    raise NotImplementedError("write clamped_mean() here")


def gaussian_sigma_classic(epsilon: float, delta: float, sensitivity: float = 1.0) -> float:
    """σ of the classic Gaussian mechanism: ``sqrt(2 ln(1.25 / δ)) · Δ / ε`` (Dwork & Roth, Thm A.1).

    The proof needs ``0 < ε < 1``; raise ``ValueError`` outside it, for ``δ`` outside (0, 1) and for a
    sensitivity that is not > 0.
    """
    raise NotImplementedError("write gaussian_sigma_classic() here")


def rr_estimate(responses: np.ndarray, epsilon: float) -> float:
    """Unbiased estimate of the true fraction of 1s from binary randomized-response answers.

    Each person reported their true bit with probability ``p = e^ε / (1 + e^ε)`` and the flipped bit
    otherwise, so ``E[mean(responses)] = (1 - p) + f (2p - 1)`` for a true fraction ``f``. Solve for
    ``f``. Do not clip the result to [0, 1]: clipping would bias it.
    """
    raise NotImplementedError("write rr_estimate() here")


def exponential_probabilities(scores: np.ndarray, sensitivity: float, epsilon: float) -> np.ndarray:
    """Output probabilities of the exponential mechanism: ``P(i) ∝ exp(ε · score_i / (2Δ))``.

    Return a float array summing to 1. Scores can be large (think counts in the millions): compute
    stably by subtracting the largest score before exponentiating.
    """
    raise NotImplementedError("write exponential_probabilities() here")
