# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 06_quantization
# (generated from solutions/06_quantization.py by `python3 course.py exercises`)
"""Exercise 06 — quantization: the integer arithmetic behind a smaller model.

Notebook 06 explains each step. Integers here are signed ``bits``-bit codes in
``[qmin, qmax] = [-2**(bits-1), 2**(bits-1) - 1]`` (affine) or ``[-qmax, qmax]`` with
``qmax = 2**(bits-1) - 1`` (symmetric). Arrays are NumPy arrays. Check your work with

    python3 course.py check 06_quantization [task]
"""

from __future__ import annotations

import math

import numpy as np


def affine_qparams(x_min: float, x_max: float, bits: int = 8) -> tuple[float, int]:
    """Scale and zero point that map ``[x_min, x_max]`` onto ``[qmin, qmax]``.

    First widen the range so that it contains 0 (``x_min = min(x_min, 0)``, ``x_max = max(x_max, 0)``):
    zero must be exactly representable, or every zero weight (and every ReLU zero) picks up an error.
    Then ``scale = (x_max - x_min) / (qmax - qmin)`` and ``zero_point = round(qmin - x_min / scale)``
    as a Python ``int``, clamped to ``[qmin, qmax]``. If the range is empty (both 0), return scale 1.0
    and zero point 0 (the formula's ``qmin`` is accepted too: either code stands for 0 exactly).
    ``bits`` must be an int in 2..8 and ``x_min <= x_max``; raise ``ValueError`` otherwise.
    """
    raise NotImplementedError("write affine_qparams() here")


def quantize_affine(x: np.ndarray, scale: float, zero_point: int, bits: int = 8) -> np.ndarray:
    """Integer codes ``clamp(round(x / scale) + zero_point, qmin, qmax)`` as ``np.int8``.

    Divide by the scale *first*, then round, add the zero point, and clamp explicitly: values outside
    the range saturate instead of wrapping around. ``scale`` must be > 0 and ``bits`` in 2..8.
    """
    raise NotImplementedError("write quantize_affine() here")


def dequantize_affine(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Back to real numbers: ``(q - zero_point) * scale`` as ``np.float32``.

    Careful: ``q`` is ``int8``; subtracting in 8-bit arithmetic overflows (``-128 - 5`` wraps to 123).
    """
    raise NotImplementedError("write dequantize_affine() here")


def per_channel_scales(w: np.ndarray, bits: int = 8) -> np.ndarray:
    """Symmetric scales, one per output channel (row of the 2-D weight ``w``): ``max|row| / qmax``.

    Returns a float array of shape ``(w.shape[0],)``; a row of zeros gets scale 1.0 (never 0, which
    would divide by zero later). ``w`` must be 2-D and ``bits`` an int in 2..8.
    """
    raise NotImplementedError("write per_channel_scales() here")


def quantized_nbytes(shape: tuple[int, int], bits: int, per_channel: bool) -> int:
    """Bytes to store a ``shape`` weight quantized to ``bits``-bit codes, honestly counted.

    Codes are packed densely (``ceil(rows * cols * bits / 8)`` bytes) and every scale is a 4-byte
    float: one per row when ``per_channel``, else one. (Symmetric quantization: no zero points.)
    """
    raise NotImplementedError("write quantized_nbytes() here")
