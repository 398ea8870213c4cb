"""Independent answers to exercise 06, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np


def _need(ok, msg):
    if not ok:
        raise ValueError(msg)


def _bits_ok(bits, lo=2, hi=8):
    _need(isinstance(bits, int) and not isinstance(bits, bool) and lo <= bits <= hi, "bits")


def _range(bits):
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


# ----------------------------------------------------------------------------- affine_qparams


def aq_formula_everywhere(x_min, x_max, bits=8):
    """Scale 1.0 for an empty range, and the zero point from the stated formula (then qmin)."""
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    scale = (x_max - x_min) / (qmax - qmin) if x_max > x_min else 1.0
    return float(scale), int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_numpy(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    lo, hi = np.minimum(x_min, 0.0), np.maximum(x_max, 0.0)
    if hi == lo:
        return 1.0, 0
    scale = float((hi - lo) / (qmax - qmin))
    return scale, int(np.clip(np.round(qmin - lo / scale), qmin, qmax))


def aq_range_scale(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0), max(x_max, 0)
    scale = 1.0 if x_min == x_max == 0 else (x_max - x_min) / (2**bits - 1)
    zp = round(qmin - x_min / scale)
    return scale, max(qmin, min(qmax, zp))


def aq_no_widen(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_two_pow_bits(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / 2**bits
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_no_qmin(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(-x_min / scale), qmin), qmax))


def aq_float_zero_point(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0.0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, float(np.clip(np.round(qmin - x_min / scale), qmin, qmax))


def aq_unsigned(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = 0, 2**bits - 1
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_no_bits_check(x_min, x_max, bits=8):
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_no_order_check(x_min, x_max, bits=8):
    _bits_ok(bits)
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_truncate(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(int(qmin - x_min / scale), qmin), qmax))


def aq_bits_ignored(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = -128, 127
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_zero_scale(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 0.0, 0
    scale = (x_max - x_min) / (qmax - qmin)
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


def aq_qmax_only(x_min, x_max, bits=8):
    _bits_ok(bits)
    _need(x_min <= x_max, "x_min <= x_max")
    qmin, qmax = _range(bits)
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    if x_max == x_min:
        return 1.0, 0
    scale = (x_max - x_min) / qmax
    return scale, int(min(max(round(qmin - x_min / scale), qmin), qmax))


# ----------------------------------------------------------------------------- quantize_affine


def _q_checks(scale, bits):
    _bits_ok(bits)
    _need(scale > 0, "scale must be > 0")


def qa_rint(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.rint(np.asarray(x) / scale) + zero_point, qmin, qmax).astype(np.int8)


def qa_min_max(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    codes = np.round(np.asarray(x, dtype=float) / scale).astype(np.int64) + zero_point
    return np.minimum(np.maximum(codes, qmin), qmax).astype(np.int8)


def qa_clip_before_zp(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    r = np.clip(np.round(np.asarray(x) / scale), qmin - zero_point, qmax - zero_point)
    return (r + zero_point).astype(np.int8)


def qa_multiply(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.round(np.asarray(x) * scale) + zero_point, qmin, qmax).astype(np.int8)


def qa_wraps(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    return (np.round(np.asarray(x) / scale) + zero_point).astype(np.int64).astype(np.int8)


def qa_clamp_8bit(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    return np.clip(np.round(np.asarray(x) / scale) + zero_point, -128, 127).astype(np.int8)


def qa_floor(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.floor(np.asarray(x) / scale) + zero_point, qmin, qmax).astype(np.int8)


def qa_int32(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.round(np.asarray(x) / scale) + zero_point, qmin, qmax).astype(np.int32)


def qa_symmetric_clamp(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.round(np.asarray(x) / scale) + zero_point, -qmax, qmax).astype(np.int8)


def qa_round_before_divide(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.round(np.round(np.asarray(x)) / scale) + zero_point, qmin, qmax).astype(np.int8)


def qa_no_scale_check(x, scale, zero_point, bits=8):
    _bits_ok(bits)
    qmin, qmax = _range(bits)
    with np.errstate(divide="ignore", invalid="ignore"):
        codes = np.nan_to_num(np.round(np.asarray(x) / scale)) + zero_point
    return np.clip(codes, qmin, qmax).astype(np.int8)


def qa_zp_subtracted(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.round(np.asarray(x) / scale) - zero_point, qmin, qmax).astype(np.int8)


def qa_truncate(x, scale, zero_point, bits=8):
    _q_checks(scale, bits)
    qmin, qmax = _range(bits)
    return np.clip(np.trunc(np.asarray(x) / scale) + zero_point, qmin, qmax).astype(np.int8)


# ----------------------------------------------------------------------------- dequantize_affine


def dq_int64(q, scale, zero_point):
    return ((np.asarray(q, dtype=np.int64) - zero_point) * scale).astype(np.float32)


def dq_float32_math(q, scale, zero_point):
    return (np.asarray(q).astype(np.float32) - np.float32(zero_point)) * np.float32(scale)


def dq_int16(q, scale, zero_point):
    return np.float32(scale) * (q.astype(np.int16) - np.int16(zero_point)).astype(np.float32)


def dq_int8_overflow(q, scale, zero_point):
    return ((q - np.int8(zero_point)) * scale).astype(np.float32)


def dq_float64(q, scale, zero_point):
    return (np.asarray(q, dtype=np.int64) - zero_point) * scale


def dq_plus_zp(q, scale, zero_point):
    return ((np.asarray(q, dtype=np.int64) + zero_point) * scale).astype(np.float32)


def dq_zp_after(q, scale, zero_point):
    return (np.asarray(q, dtype=np.int64) * scale - zero_point).astype(np.float32)


def dq_divide(q, scale, zero_point):
    return ((np.asarray(q, dtype=np.int64) - zero_point) / scale).astype(np.float32)


def dq_int_result(q, scale, zero_point):
    return np.round((np.asarray(q, dtype=np.int64) - zero_point) * scale).astype(np.int32)


# ----------------------------------------------------------------------------- per_channel_scales


def _pcs_checks(w, bits):
    _bits_ok(bits)
    _need(np.ndim(w) == 2, "w must be 2-D")


def pcs_loop(w, bits=8):
    _pcs_checks(w, bits)
    qmax = 2 ** (bits - 1) - 1
    out = []
    for row in np.asarray(w):
        top = float(np.abs(row).max())
        out.append(top / qmax if top > 0 else 1.0)
    return np.array(out)


def pcs_float32(w, bits=8):
    _pcs_checks(w, bits)
    top = np.abs(np.asarray(w, dtype=np.float32)).max(axis=1)
    s = top / np.float32(2 ** (bits - 1) - 1)
    s[top == 0] = 1.0
    return s


def pcs_where(w, bits=8):
    _pcs_checks(w, bits)
    top = np.abs(w).max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(top == 0, 1.0, top / (2 ** (bits - 1) - 1))


def pcs_columns(w, bits=8):
    _pcs_checks(w, bits)
    top = np.abs(w).max(axis=0)
    return np.where(top > 0, top / (2 ** (bits - 1) - 1), 1.0)


def pcs_no_abs(w, bits=8):
    _pcs_checks(w, bits)
    top = np.max(w, axis=1)
    return np.where(top > 0, top / (2 ** (bits - 1) - 1), 1.0)


def pcs_two_pow(w, bits=8):
    _pcs_checks(w, bits)
    top = np.abs(w).max(axis=1)
    return np.where(top > 0, top / 2 ** (bits - 1), 1.0)


def pcs_zero_row_zero(w, bits=8):
    _pcs_checks(w, bits)
    return np.abs(w).max(axis=1) / (2 ** (bits - 1) - 1)


def pcs_inverted(w, bits=8):
    _pcs_checks(w, bits)
    top = np.abs(w).max(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(top > 0, (2 ** (bits - 1) - 1) / np.where(top > 0, top, 1), 1.0)


def pcs_no_ndim_check(w, bits=8):
    _bits_ok(bits)
    w = np.atleast_2d(w)
    top = np.abs(w).max(axis=1)
    return np.where(top > 0, top / (2 ** (bits - 1) - 1), 1.0)


def pcs_no_bits_check(w, bits=8):
    _need(np.ndim(w) == 2, "w")
    top = np.abs(w).max(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(top > 0, top / (2 ** (bits - 1) - 1), 1.0)


def pcs_affine_range(w, bits=8):
    _pcs_checks(w, bits)
    span = np.max(w, axis=1) - np.min(w, axis=1)
    return np.where(span > 0, span / (2**bits - 1), 1.0)


def pcs_mean_abs(w, bits=8):
    _pcs_checks(w, bits)
    top = np.abs(w).mean(axis=1)
    return np.where(top > 0, top / (2 ** (bits - 1) - 1), 1.0)


# ----------------------------------------------------------------------------- quantized_nbytes


def qn_integer_ceil(shape, bits, per_channel):
    rows, cols = shape
    return (rows * cols * bits + 7) // 8 + 4 * (rows if per_channel else 1)


def qn_negative_floor(shape, bits, per_channel):
    rows, cols = shape
    return -(-rows * cols * bits // 8) + (4 * rows if per_channel else 4)


def qn_math_ceil(shape, bits, per_channel):
    rows, cols = shape
    scales = rows if per_channel else 1
    return int(math.ceil(rows * cols * bits / 8)) + 4 * scales


def qn_floor(shape, bits, per_channel):
    rows, cols = shape
    return rows * cols * bits // 8 + 4 * (rows if per_channel else 1)


def qn_float(shape, bits, per_channel):
    rows, cols = shape
    return rows * cols * bits / 8 + 4 * (rows if per_channel else 1)


def qn_columns(shape, bits, per_channel):
    rows, cols = shape
    return math.ceil(rows * cols * bits / 8) + 4 * (cols if per_channel else 1)


def qn_eight_byte_scales(shape, bits, per_channel):
    rows, cols = shape
    return math.ceil(rows * cols * bits / 8) + 8 * (rows if per_channel else 1)


def qn_no_scales(shape, bits, per_channel):
    rows, cols = shape
    return math.ceil(rows * cols * bits / 8)


def qn_byte_per_code(shape, bits, per_channel):
    rows, cols = shape
    return rows * cols * math.ceil(bits / 8) + 4 * (rows if per_channel else 1)


def qn_rows_plus_one(shape, bits, per_channel):
    rows, cols = shape
    return math.ceil(rows * cols * bits / 8) + 4 * (rows + 1 if per_channel else 1)


def qn_bits_as_bytes(shape, bits, per_channel):
    rows, cols = shape
    return rows * cols * bits + 4 * (rows if per_channel else 1)


def qn_ceil_per_row(shape, bits, per_channel):
    rows, cols = shape
    return rows * math.ceil(cols * bits / 8) + 4 * (rows if per_channel else 1)


CORRECT = {
    "affine_qparams": [aq_formula_everywhere, aq_numpy, aq_range_scale],
    "quantize_affine": [qa_rint, qa_min_max, qa_clip_before_zp],
    "dequantize_affine": [dq_int64, dq_float32_math, dq_int16],
    "per_channel_scales": [pcs_loop, pcs_float32, pcs_where],
    "quantized_nbytes": [qn_integer_ceil, qn_negative_floor, qn_math_ceil],
}

WRONG = {
    "affine_qparams": [
        aq_no_widen,
        aq_two_pow_bits,
        aq_no_qmin,
        aq_float_zero_point,
        aq_unsigned,
        aq_no_bits_check,
        aq_no_order_check,
        aq_truncate,
        aq_bits_ignored,
        aq_zero_scale,
        aq_qmax_only,
    ],
    "quantize_affine": [
        qa_multiply,
        qa_wraps,
        qa_clamp_8bit,
        qa_floor,
        qa_int32,
        qa_symmetric_clamp,
        qa_round_before_divide,
        qa_no_scale_check,
        qa_zp_subtracted,
        qa_truncate,
    ],
    "dequantize_affine": [dq_int8_overflow, dq_float64, dq_plus_zp, dq_zp_after, dq_divide, dq_int_result],
    "per_channel_scales": [
        pcs_columns,
        pcs_no_abs,
        pcs_two_pow,
        pcs_zero_row_zero,
        pcs_inverted,
        pcs_no_ndim_check,
        pcs_no_bits_check,
        pcs_affine_range,
        pcs_mean_abs,
    ],
    "quantized_nbytes": [
        qn_floor,
        qn_float,
        qn_columns,
        qn_eight_byte_scales,
        qn_no_scales,
        qn_byte_per_code,
        qn_rows_plus_one,
        qn_bits_as_bytes,
        qn_ceil_per_row,
    ],
}


# ----------------------------------------------------------------------------- a second batch
# written after the checkers were revised: more answers of both kinds, to widen the measurement


def qa_float32(x, scale, zero_point, bits=8):
    if not (isinstance(bits, int) and 2 <= bits <= 8) or not scale > 0:
        raise ValueError("x")
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    r = np.round(np.asarray(x, dtype=np.float32) / np.float32(scale)) + zero_point
    return np.clip(r, qmin, qmax).astype(np.int8)


def aq_float32_scale(x_min, x_max, bits=8):
    if not (isinstance(bits, int) and 2 <= bits <= 8) or x_min > x_max:
        raise ValueError("x")
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    lo, hi = min(x_min, 0.0), max(x_max, 0.0)
    if lo == hi:
        return np.float32(1.0), 0
    scale = np.float32((hi - lo) / (qmax - qmin))
    return scale, int(np.clip(round(qmin - lo / float(scale)), qmin, qmax))


def qn_numpy(shape, bits, per_channel):
    r, c = shape
    return int(np.ceil(r * c * bits / 8)) + 4 * (r if per_channel else 1)


def qa_clip_then_zp(x, scale, zero_point, bits=8):
    if not (2 <= bits <= 8) or not scale > 0:
        raise ValueError("x")
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return (np.clip(np.round(x / scale), qmin, qmax) + zero_point).astype(np.int8)


def pcs_bits_ignored(w, bits=8):
    if np.ndim(w) != 2 or not 2 <= bits <= 8:
        raise ValueError("x")
    top = np.abs(w).max(1)
    return np.where(top > 0, top / 127, 1.0)


def dq_uint8(q, scale, zero_point):
    return ((q.astype(np.uint8).astype(np.int32) - zero_point) * scale).astype(np.float32)


CORRECT["quantize_affine"] += [qa_float32]
CORRECT["affine_qparams"] += [aq_float32_scale]
CORRECT["quantized_nbytes"] += [qn_numpy]
WRONG["quantize_affine"] += [qa_clip_then_zp]
WRONG["per_channel_scales"] += [pcs_bits_ignored]
WRONG["dequantize_affine"] += [dq_uint8]
