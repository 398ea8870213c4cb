# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 00_warmup
# (generated from solutions/00_warmup.py by `python3 course.py exercises`)
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
    raise NotImplementedError("write mask_digits() here")


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The scale ``b`` of the Laplace noise that makes a query with this sensitivity ε-DP.

    ``sensitivity`` (Δ, the most one person can change the query's answer) must be a finite number
    >= 0 and ``epsilon`` a finite number > 0; raise ``ValueError`` naming the argument otherwise.
    """
    raise NotImplementedError("write laplace_scale() here")


def quantize_symmetric(x: np.ndarray, bits: int = 8) -> tuple[np.ndarray, float]:
    """Symmetric per-tensor quantization of ``x`` to signed ``bits``-bit integers.

    Return ``(q, scale)`` with ``scale = max|x| / (2**(bits-1) - 1)`` (use ``scale = 1.0`` when
    ``x`` is all zeros) and ``q = clip(round(x / scale), -qmax, qmax)`` stored as ``np.int8``, where
    ``qmax = 2**(bits-1) - 1``. Then ``q * scale`` is within ``scale / 2`` of ``x``.
    ``bits`` must be an int in 2..8 and ``x`` finite; raise ``ValueError`` otherwise.
    """
    raise NotImplementedError("write quantize_symmetric() here")


def magnitude_prune(w: np.ndarray, sparsity: float) -> np.ndarray:
    """Zero the ``floor(sparsity * w.size)`` entries of ``w`` with the smallest magnitude.

    The survivors keep their value *and sign*; the result has ``w``'s shape and dtype and ``w``
    itself is left unchanged. Ties in magnitude are broken by position, earlier entries first, in the
row-major order in which ``w.ravel()`` lists them.
    ``sparsity`` must be a number in [0, 1]; raise ``ValueError`` otherwise.
    """
    raise NotImplementedError("write magnitude_prune() here")
