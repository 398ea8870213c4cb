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
    # BEGIN SOLUTION
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an int in 2..8, got {bits!r}")
    if not (math.isfinite(x_min) and math.isfinite(x_max)) or x_min > x_max:
        raise ValueError(f"need finite x_min <= x_max, got x_min={x_min}, x_max={x_max}")
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    zero_point = int(min(max(round(qmin - x_min / scale), qmin), qmax))
    return float(scale), zero_point
    # END SOLUTION


def quantize_affine(x: np.ndarray, scale: float, zero_point: int, bits: int = 8) -> np.ndarray:
    """Integer codes ``clamp(round(x / scale) + zero_point, qmin, qmax)`` as ``np.int8``.

    Divide by the scale *first*, then round, add the zero point, and clamp explicitly: values outside
    the range saturate instead of wrapping around. ``scale`` must be > 0 and ``bits`` in 2..8.
    """
    # BEGIN SOLUTION
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an int in 2..8, got {bits!r}")
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    codes = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(codes, qmin, qmax).astype(np.int8)
    # END SOLUTION


def dequantize_affine(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Back to real numbers: ``(q - zero_point) * scale`` as ``np.float32``.

    Careful: ``q`` is ``int8``; subtracting in 8-bit arithmetic overflows (``-128 - 5`` wraps to 123).
    """
    # BEGIN SOLUTION
    return ((np.asarray(q).astype(np.int32) - int(zero_point)) * scale).astype(np.float32)
    # END SOLUTION


def per_channel_scales(w: np.ndarray, bits: int = 8) -> np.ndarray:
    """Symmetric scales, one per output channel (row of the 2-D weight ``w``): ``max|row| / qmax``.

    Returns a float array of shape ``(w.shape[0],)``; a row of zeros gets scale 1.0 (never 0, which
    would divide by zero later). ``w`` must be 2-D and ``bits`` an int in 2..8.
    """
    # BEGIN SOLUTION
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an int in 2..8, got {bits!r}")
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError(f"w must be 2-D (out_channels, in_features), got shape {w.shape}")
    qmax = 2 ** (bits - 1) - 1
    top = np.max(np.abs(w), axis=1)
    return np.where(top > 0, top / qmax, 1.0)
    # END SOLUTION


def quantized_nbytes(shape: tuple[int, int], bits: int, per_channel: bool) -> int:
    """Bytes to store a ``shape`` weight quantized to ``bits``-bit codes, honestly counted.

    Codes are packed densely (``ceil(rows * cols * bits / 8)`` bytes) and every scale is a 4-byte
    float: one per row when ``per_channel``, else one. (Symmetric quantization: no zero points.)
    """
    # BEGIN SOLUTION
    rows, cols = shape
    if rows < 1 or cols < 1:
        raise ValueError(f"shape must be two positive ints, got {shape}")
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 32:
        raise ValueError(f"bits must be an int in 1..32, got {bits!r}")
    codes = math.ceil(rows * cols * bits / 8)
    return codes + 4 * (rows if per_channel else 1)
    # END SOLUTION
