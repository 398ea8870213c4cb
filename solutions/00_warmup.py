"""Exercise 00 — warm-up: the source article's four mistakes, done right.

Notebook 00 runs the article's snippets and shows each one misbehaving. Here you write the small
correct versions. Each function is one graded task; check your work with

    python3 course.py check 00_warmup            # every task
    python3 course.py check 00_warmup mask_digits  # one task

or, in a notebook, ``from course_lib.check import check; check("00_warmup", "mask_digits")``.
Raise ``ValueError`` (or ``TypeError`` for a wrong type) naming the argument when an input is
invalid: silently accepting a bad privacy parameter is how privacy degrades without anyone noticing.
"""

from __future__ import annotations

import math

import numpy as np


def mask_digits(text: str, keep_last: int = 4) -> str:
    """Replace every digit in ``text`` with ``*`` except the last ``keep_last`` digits.

    Every other character (spaces, dashes, letters) stays where it is, so the shape of the value is
    preserved: ``mask_digits("4111-1111-1111-1234") == "****-****-****-1234"``. A digit is any
    Unicode decimal digit (what ``str.isdecimal()`` accepts), not only 0-9.
    ``keep_last`` must be an int >= 0 (``ValueError`` otherwise); ``text`` must be a ``str``
    (``TypeError`` otherwise).
    """
    # BEGIN SOLUTION
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 0:
        raise ValueError(f"keep_last must be an int >= 0, got {keep_last!r}")
    n_digits = sum(ch.isdecimal() for ch in text)
    to_mask = max(n_digits - keep_last, 0)
    out = []
    for ch in text:
        if ch.isdecimal() and to_mask > 0:
            out.append("*")
            to_mask -= 1
        else:
            out.append(ch)
    return "".join(out)
    # END SOLUTION


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The scale ``b`` of the Laplace noise that makes a query with this sensitivity ε-DP.

    ``sensitivity`` (Δ, the most one person can change the query's answer) must be a finite number
    >= 0 and ``epsilon`` a finite number > 0; raise ``ValueError`` naming the argument otherwise.
    """
    # BEGIN SOLUTION
    for name, value in (("sensitivity", sensitivity), ("epsilon", epsilon)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
    if sensitivity < 0:
        raise ValueError(f"sensitivity must be >= 0, got {sensitivity}")
    if epsilon <= 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    return sensitivity / epsilon
    # END SOLUTION


def quantize_symmetric(x: np.ndarray, bits: int = 8) -> tuple[np.ndarray, float]:
    """Symmetric per-tensor quantization of ``x`` to signed ``bits``-bit integers.

    Return ``(q, scale)`` with ``scale = max|x| / (2**(bits-1) - 1)`` (use ``scale = 1.0`` when
    ``x`` is all zeros) and ``q = clip(round(x / scale), -qmax, qmax)`` stored as ``np.int8``, where
    ``qmax = 2**(bits-1) - 1``. Then ``q * scale`` is within ``scale / 2`` of ``x``.
    ``bits`` must be an int in 2..8 and ``x`` finite; raise ``ValueError`` otherwise.
    """
    # BEGIN SOLUTION
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an int in 2..8, got {bits!r}")
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("x must contain only finite values")
    qmax = 2 ** (bits - 1) - 1
    top = float(np.max(np.abs(x))) if x.size else 0.0
    scale = top / qmax if top > 0 else 1.0
    q = np.clip(np.round(x / scale), -qmax, qmax).astype(np.int8)
    return q, scale
    # END SOLUTION


def magnitude_prune(w: np.ndarray, sparsity: float) -> np.ndarray:
    """Zero the ``floor(sparsity * w.size)`` entries of ``w`` with the smallest magnitude.

    The survivors keep their value *and sign*; the result has ``w``'s shape and dtype and ``w``
    itself is left unchanged. Ties in magnitude are broken by position, earlier entries first, in the
row-major order in which ``w.ravel()`` lists them.
    ``sparsity`` must be a number in [0, 1]; raise ``ValueError`` otherwise.
    """
    # BEGIN SOLUTION
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)):
        raise ValueError(f"sparsity must be a number in [0, 1], got {sparsity!r}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    pruned = w.copy().ravel()
    pruned[order[:k]] = 0
    return pruned.reshape(w.shape)
    # END SOLUTION
