"""Checkers for exercise 06 (quantization). Messages name the input and the property, not the answer."""

from __future__ import annotations

import math

import numpy as np

from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_error


def _qrange(bits):
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _rtol(value) -> float:
    """Relative tolerance for an answer computed in its own float type: float64 answers are held to
    1e-9, lower precisions (float32) to a few units in their last place."""
    dtype = getattr(value, "dtype", None)
    if dtype is None or not np.issubdtype(dtype, np.floating) or np.finfo(dtype).eps <= 1e-15:
        return 1e-9
    return 8 * float(np.finfo(dtype).eps)


def check_affine_qparams(fn) -> None:
    for lo, hi, bits in [(-1.0, 1.0, 8), (0.5, 3.0, 8), (-4.0, -1.0, 4), (-0.2, 1.8, 4), (0.0, 0.0, 8),
                         (-3.0, 0.7, 2), (-0.75, 1.0, 8), (0.0, 0.0, 4)]:
        call = f"affine_qparams({lo}, {hi}, bits={bits})"
        out = fn(lo, hi, bits)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise CheckFailure(f"{call} must return a tuple (scale, zero_point)")
        scale, zp = out
        if isinstance(zp, bool) or not isinstance(zp, (int, np.integer)):
            raise CheckFailure(f"{call}: zero_point is {type(zp).__name__}; it must be an integer",
                               hint="The zero point is an integer code: round it.")
        if type(zp) is not int:
            raise CheckFailure(f"{call}: zero_point is a NumPy {type(zp).__name__}; the docstring asks for a "
                               "Python int", hint="Wrap it: int(...).")
        qmin, qmax = _qrange(bits)
        if not qmin <= zp <= qmax:
            raise CheckFailure(f"{call}: zero_point lies outside the {bits}-bit range")
        lo0, hi0 = min(lo, 0.0), max(hi, 0.0)
        if hi0 == lo0:
            if not (math.isclose(float(scale), 1.0) and zp in (0, qmin)):
                raise CheckFailure(f"{call}: an empty range takes scale 1.0 and zero point 0",
                                   hint="The docstring's special case: both ends 0.")
            continue
        if not math.isclose(float(scale), (hi0 - lo0) / (qmax - qmin), rel_tol=_rtol(scale)):
            raise CheckFailure(
                f"{call}: the scale does not map the range onto the {2 ** bits} integer codes",
                hint="Widen the range to include 0 first; then divide its width by (qmax - qmin).",
            )
        ideal = qmin - lo0 / ((hi0 - lo0) / (qmax - qmin))  # the code that real 0 should get
        near_tie = abs(abs(ideal - math.floor(ideal)) - 0.5) < 1e-6  # either neighbour is a rounding
        if abs(zp - ideal) > 0.5 + 1e-6 or (not near_tie and zp != round(ideal)):
            raise CheckFailure(f"{call}: the zero point does not put real 0 on the right code",
                               hint="zero_point = round(qmin - x_min / scale), after widening the range: "
                               "round to the nearest code, do not truncate.")
    expect_error(fn, (1.0, -1.0, 8), (ValueError,), "affine_qparams(1.0, -1.0) (x_min > x_max)")
    expect_error(fn, (-1.0, 1.0, 9), (ValueError,), "affine_qparams(-1.0, 1.0, bits=9)")
    expect_error(fn, (-1.0, 1.0, 1), (ValueError,), "affine_qparams(-1.0, 1.0, bits=1)")
    expect_error(fn, (-1.0, 1.0, 4.0), (ValueError,), "affine_qparams(-1.0, 1.0, bits=4.0) (not an int)")


def check_quantize_affine(fn) -> None:
    gen = np.random.default_rng(6)
    cases = [
        (gen.normal(0, 0.05, size=(8, 16)), 0.002, 3, 8),
        (np.array([-1.0, -0.3, 0.0, 0.004, 0.3, 1.0]), 1 / 127.5, -1, 8),
        (np.array([-10.0, -0.1, 0.0, 0.1, 10.0]), 0.05, 0, 8),  # far outside: must saturate
        (gen.uniform(-1, 1, size=50), 0.15, 1, 4),
        (np.array([-3.0, -1.2, -0.4, 0.0, 0.3, 1.1, 2.5]), 0.1, 2, 4),  # the 4-bit range saturates
        (np.array([-1.0, -0.3, 0.0, 0.2, 0.6, 5.0]), 0.25, 0, 2),  # and the 2-bit one
    ]
    for x, scale, zp, bits in cases:
        call = f"quantize_affine(x of shape {x.shape}, scale={scale:.4g}, zero_point={zp}, bits={bits})"
        q = as_array(fn(x.copy(), scale, zp, bits), call, shape=x.shape)
        if q.dtype != np.int8:
            raise CheckFailure(f"{call}: codes have dtype {q.dtype}, expected int8",
                               hint="Store integers as integers, or nothing is saved.")
        qmin, qmax = _qrange(bits)
        q64 = q.astype(np.int64)
        if q64.min() < qmin or q64.max() > qmax:
            raise CheckFailure(f"{call}: codes outside the {bits}-bit range [{qmin}, {qmax}]",
                               hint="Clamp explicitly after rounding.")
        real = x / scale + zp
        inside = (real > qmin) & (real < qmax)
        if q64.min() >= 0 and np.any(inside & (real < -0.5) & (q64 == 0)):  # clamped at 0
            raise CheckFailure(f"{call}: values that need negative codes got non-negative ones",
                               hint=f"The codes are signed: clamp to [{qmin}, {qmax}] = "
                               "[-2**(bits-1), 2**(bits-1) - 1].")
        # a code may sit at either neighbour of an exact tie, also after float32 arithmetic
        if np.any(np.abs(q64[inside] - real[inside]) > 0.5 + 1e-6 * np.maximum(1, np.abs(real[inside]))):
            raise CheckFailure(f"{call}: some codes are more than half a step from x / scale + zero_point",
                               hint="Divide by the scale first, then round: rounding x itself sends every "
                               "|x| < 0.5 to the same code.")
        low, high = real <= qmin, real >= qmax
        if np.any(q64[low] != qmin) or np.any(q64[high] != qmax):
            raise CheckFailure(f"{call}: values beyond the range do not saturate at qmin/qmax",
                               hint="Out-of-range values must clamp, not wrap around.")
    expect_error(fn, (np.ones(3), 0.0, 0, 8), (ValueError,), "quantize_affine(x, scale=0)")
    expect_error(fn, (np.ones(3), 0.1, 0, 9), (ValueError,), "quantize_affine(x, bits=9)")
    expect_error(fn, (np.ones(3), -0.1, 0, 8), (ValueError,), "quantize_affine(x, scale=-0.1)")
    expect_error(fn, (np.ones(3), 0.1, 0, 1), (ValueError,), "quantize_affine(x, bits=1)")


def check_dequantize_affine(fn) -> None:
    cases = [
        (np.array([-128, -100, 0, 5, 127], dtype=np.int8), 0.01, 5),
        (np.array([-128, -1, 0, 127], dtype=np.int8), 0.5, -20),
        (np.arange(-8, 8, dtype=np.int8), 0.25, 0),
    ]
    for q, scale, zp in cases:
        call = f"dequantize_affine(q={q.tolist()}, scale={scale}, zero_point={zp})"
        x = as_array(fn(q.copy(), scale, zp), call, shape=q.shape)
        if x.dtype != np.float32:
            raise CheckFailure(f"{call}: returned dtype {x.dtype}, expected float32")
        want = (q.astype(np.int64) - zp) * scale
        if zp and np.allclose(x, q.astype(np.int64) * scale, rtol=1e-6, atol=1e-6):
            raise CheckFailure(f"{call}: the zero point is not taken into account",
                               hint="The code zero_point stands for real 0: subtract it before scaling.")
        if not np.allclose(x, want, rtol=1e-6, atol=1e-6):
            bad = int(np.argmax(np.abs(x - want)))
            raise CheckFailure(
                f"{call}: the value for code {int(q[bad])} is wrong",
                hint="Subtract the zero point before scaling, in a wide integer type: int8 arithmetic "
                "overflows.",
            )


def check_per_channel_scales(fn) -> None:
    gen = np.random.default_rng(60)
    w = gen.normal(size=(6, 10)) * np.array([0.01, 0.1, 1.0, 10.0, 0.5, 2.0])[:, None]
    w[4] = 0.0  # a dead channel
    for bits in (8, 4, 2):
        call = f"per_channel_scales(w of shape {w.shape}, bits={bits})"
        s = as_array(fn(w.copy(), bits), call, shape=(6,))
        qmax = 2 ** (bits - 1) - 1
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise CheckFailure(f"{call}: every scale must be positive and finite (row 4 is all zeros)",
                               hint="A row of zeros still needs a usable scale; 1.0 is the convention.")
        if not math.isclose(float(s[4]), 1.0, rel_tol=_rtol(s)):
            raise CheckFailure(f"{call}: the all-zero row 4 must get scale 1.0",
                               hint="The docstring's convention for a row of zeros: scale 1.0.")
        live = [0, 1, 2, 3, 5]
        want = np.abs(w[live]).max(axis=1) / qmax
        if not np.allclose(s[live], want, rtol=_rtol(s), atol=0):
            if np.allclose(s[live], np.abs(w).max() / qmax, rtol=_rtol(s)):
                raise CheckFailure(f"{call}: all channels got the same scale",
                                   hint="One scale per ROW (output channel), from that row's max |w|.")
            raise CheckFailure(f"{call}: the scales are not max|row| / qmax",
                               hint="qmax = 2**(bits-1) - 1 for the symmetric scheme.")
    expect_error(fn, (np.ones(5), 8), (ValueError,), "per_channel_scales(1-D w)")
    expect_error(fn, (np.ones((2, 2)), 1), (ValueError,), "per_channel_scales(w, bits=1)")
    expect_error(fn, (np.ones((2, 2)), 9), (ValueError,), "per_channel_scales(w, bits=9)")


def check_quantized_nbytes(fn) -> None:
    for shape, bits, per_channel in [((1024, 1024), 8, True), ((1024, 1024), 4, True),
                                     ((10, 64), 8, False), ((3, 5), 4, False), ((7, 3), 3, True),
                                     ((128, 256), 2, True)]:
        call = f"quantized_nbytes({shape}, bits={bits}, per_channel={per_channel})"
        n = fn(shape, bits, per_channel)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise CheckFailure(f"{call} returned {type(n).__name__}, expected an int")
        rows, cols = shape
        codes = math.ceil(rows * cols * bits / 8)
        scales = 4 * (rows if per_channel else 1)
        if n == codes:
            raise CheckFailure(f"{call}: the scales are not counted",
                               hint="Every scale is stored too: 4 bytes each.")
        if n != codes + scales:
            raise CheckFailure(f"{call}: wrong byte count",
                               hint="Codes packed densely (ceil(rows*cols*bits/8)) plus 4 bytes per scale.")


EXERCISE = Exercise(
    name="06_quantization",
    title="Quantization: scales, zero points, clamping and honest bytes",
    tasks=(
        Task("affine_qparams", "affine_qparams", check_affine_qparams, notebook="06_quantization",
             hint="Widen [x_min, x_max] to include 0; scale = width / (qmax - qmin); zero point = "
             "round(qmin - x_min / scale)."),
        Task("quantize_affine", "quantize_affine", check_quantize_affine, notebook="06_quantization",
             hint="Divide, round, add the zero point, clamp, store as int8."),
        Task("dequantize_affine", "dequantize_affine", check_dequantize_affine,
             notebook="06_quantization", hint="(q - zero_point) * scale, computed in a wide type."),
        Task("per_channel_scales", "per_channel_scales", check_per_channel_scales,
             notebook="06_quantization", hint="One symmetric scale per row: max|row| / qmax."),
        Task("quantized_nbytes", "quantized_nbytes", check_quantized_nbytes,
             notebook="06_quantization", hint="Count the packed codes and every 4-byte scale."),
    ),
)
