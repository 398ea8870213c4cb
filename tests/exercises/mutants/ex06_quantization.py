"""Plausible wrong answers to exercise 06; each must be rejected by its task's checker."""

from __future__ import annotations

import math

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("06_quantization")


# --- affine_qparams
def qparams_no_zero(x_min, x_max, bits=8):
    """Does not widen the range to include 0: zero is not representable for [0.5, 3]."""
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if not 2 <= bits <= 8 or x_min > x_max:
        raise ValueError("bad")
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def qparams_float_zero_point(x_min, x_max, bits=8):
    """Leaves the zero point as an unrounded float."""
    scale, _ = _sol().affine_qparams(x_min, x_max, bits)
    return scale, -(2 ** (bits - 1)) - min(x_min, 0.0) / scale


def qparams_two_to_the_bits(x_min, x_max, bits=8):
    """Divides by 2**bits instead of (qmax - qmin) = 2**bits - 1."""
    scale, zp = _sol().affine_qparams(x_min, x_max, bits)
    return scale * (2**bits - 1) / 2**bits, zp


def qparams_no_validation(x_min, x_max, bits=8):
    """Right numbers for valid input; bits=9 or x_min > x_max go through."""
    return _sol().affine_qparams(min(x_min, x_max), max(x_min, x_max), min(max(bits, 2), 8))


# --- quantize_affine
def quantize_round_first(x, scale, zero_point, bits=8):
    """The article: round x before dividing by the scale."""
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return np.clip(np.round(x) / scale + zero_point, qmin, qmax).astype(np.int8)


def quantize_no_clamp(x, scale, zero_point, bits=8):
    """No clamp: 10.0 / 0.05 = 200 wraps around in int8."""
    if not scale > 0 or not 2 <= bits <= 8:
        raise ValueError("bad")
    return (np.round(x / scale) + zero_point).astype(np.int64).astype(np.int8)


def quantize_float_codes(x, scale, zero_point, bits=8):
    """Right codes stored as float32."""
    return _sol().quantize_affine(x, scale, zero_point, bits).astype(np.float32)


def quantize_unsigned_range(x, scale, zero_point, bits=8):
    """Clamps to [0, 2**bits - 1] as if codes were unsigned."""
    if not scale > 0 or not 2 <= bits <= 8:
        raise ValueError("bad")
    return np.clip(np.round(x / scale) + zero_point, 0, 2**bits - 1).astype(np.int8)


# --- dequantize_affine
def dequantize_int8_overflow(q, scale, zero_point):
    """Subtracts in int8: -128 - 5 wraps to 123."""
    return ((q - np.int8(zero_point)) * scale).astype(np.float32)


def dequantize_forgets_zero_point(q, scale, zero_point):
    return (q.astype(np.float32) * scale).astype(np.float32)


def dequantize_wrong_order(q, scale, zero_point):
    """q * scale - zero_point."""
    return (q.astype(np.float32) * scale - zero_point).astype(np.float32)


# --- per_channel_scales
def scales_per_tensor(w, bits=8):
    """One scale for the whole tensor, repeated per row."""
    w = np.asarray(w)
    if w.ndim != 2 or not 2 <= bits <= 8:
        raise ValueError("bad")
    return np.full(w.shape[0], np.abs(w).max() / (2 ** (bits - 1) - 1))


def scales_per_column(w, bits=8):
    """Reduces over the wrong axis."""
    w = np.asarray(w)
    if w.ndim != 2 or not 2 <= bits <= 8:
        raise ValueError("bad")
    top = np.abs(w).max(axis=0)
    return np.where(top > 0, top / (2 ** (bits - 1) - 1), 1.0)


def scales_zero_row(w, bits=8):
    """A row of zeros gets scale 0 (a later division by zero)."""
    w = np.asarray(w)
    if w.ndim != 2 or not 2 <= bits <= 8:
        raise ValueError("bad")
    return np.abs(w).max(axis=1) / (2 ** (bits - 1) - 1)


def scales_power_of_two(w, bits=8):
    """Divides by 2**(bits-1) instead of qmax."""
    return _sol().per_channel_scales(w, bits) * (2 ** (bits - 1) - 1) / 2 ** (bits - 1)


# --- quantized_nbytes
def nbytes_no_scales(shape, bits, per_channel):
    """Counts only the codes."""
    return math.ceil(shape[0] * shape[1] * bits / 8)


def nbytes_one_byte_per_code(shape, bits, per_channel):
    """Stores each 4-bit code in a whole byte."""
    return shape[0] * shape[1] + 4 * (shape[0] if per_channel else 1)


def nbytes_scales_per_column(shape, bits, per_channel):
    return math.ceil(shape[0] * shape[1] * bits / 8) + 4 * (shape[1] if per_channel else 1)


def qparams_truncates(x_min, x_max, bits=8):
    """int() instead of round(): the zero point of [-0.75, 1.0] lands a code too high."""
    scale, _ = _sol().affine_qparams(x_min, x_max, bits)
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if max(x_max, 0.0) == min(x_min, 0.0):
        return 1.0, 0
    return scale, int(min(max(int(qmin - min(x_min, 0.0) / scale), qmin), qmax))


def qparams_empty_range_zero_scale(x_min, x_max, bits=8):
    """An empty range gets scale 0: every later division by the scale fails."""
    if x_min == x_max == 0:
        return 0.0, 0
    return _sol().affine_qparams(x_min, x_max, bits)


def quantize_clamps_to_int8(x, scale, zero_point, bits=8):
    """Clamps to [-128, 127] whatever ``bits`` says."""
    if not scale > 0 or not 2 <= bits <= 8:
        raise ValueError("bad")
    return np.clip(np.round(x / scale) + zero_point, -128, 127).astype(np.int8)


def qparams_formula_zero_point_when_empty(x_min, x_max, bits=8):
    """Correct: scale 1.0 for an empty range and the formula's zero point, qmin."""
    if x_min == x_max == 0 and 2 <= bits <= 8:
        return 1.0, -(2 ** (bits - 1))
    return _sol().affine_qparams(x_min, x_max, bits)


def scales_float32(w, bits=8):
    """Correct: the scales computed and returned in float32."""
    top = np.abs(np.asarray(w, dtype=np.float32)).max(axis=1) if np.ndim(w) == 2 else None
    if top is None or not 2 <= bits <= 8:
        raise ValueError("bad")
    return np.where(top > 0, top / np.float32(2 ** (bits - 1) - 1), np.float32(1.0)).astype(np.float32)


def scales_float32_two_pow(w, bits=8):
    """float32 scales (allowed) but divided by 2**(bits-1): the float32 tolerance must still see it."""
    top = np.abs(np.asarray(w, dtype=np.float32)).max(axis=1)
    if np.ndim(w) != 2 or not 2 <= bits <= 8:
        raise ValueError("bad")
    return np.where(top > 0, top / np.float32(2 ** (bits - 1)), np.float32(1.0)).astype(np.float32)


def qparams_numpy_zero_point(x_min, x_max, bits=8):
    """Returns the zero point as np.int64, not the Python int the docstring asks for."""
    scale, zp = _sol().affine_qparams(x_min, x_max, bits)
    return scale, np.int64(zp)


def qparams_float_bits(x_min, x_max, bits=8):
    """Checks the range of bits but not that it is an int: bits=4.0 goes through."""
    return _sol().affine_qparams(x_min, x_max, int(bits) if bits == int(bits) else bits)


def scales_zero_row_tiny(w, bits=8):
    """A row of zeros gets a tiny positive scale instead of the stated 1.0."""
    s = _sol().per_channel_scales(w, bits)
    top = np.abs(np.asarray(w)).max(axis=1)
    return np.where(top > 0, s, 1e-8)


MUTANTS = {
    "affine_qparams": [qparams_no_zero, qparams_float_zero_point, qparams_two_to_the_bits, qparams_truncates,
                       qparams_empty_range_zero_scale,
                       qparams_no_validation, qparams_numpy_zero_point, qparams_float_bits],
    "quantize_affine": [quantize_round_first, quantize_no_clamp, quantize_float_codes,
                        quantize_clamps_to_int8, quantize_unsigned_range],
    "dequantize_affine": [dequantize_int8_overflow, dequantize_forgets_zero_point, dequantize_wrong_order],
    "per_channel_scales": [scales_per_tensor, scales_per_column, scales_zero_row, scales_power_of_two,
                           scales_float32_two_pow, scales_zero_row_tiny],
    "quantized_nbytes": [nbytes_no_scales, nbytes_one_byte_per_code, nbytes_scales_per_column],
}

# correct answers written otherwise: each must be accepted
EQUIVALENTS = {
    "affine_qparams": [qparams_formula_zero_point_when_empty],
    "per_channel_scales": [scales_float32],
}
