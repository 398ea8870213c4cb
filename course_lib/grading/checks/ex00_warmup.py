"""Checkers for exercise 00 (warm-up). Each one calls the learner's function and says what is wrong.

Messages name the input and the property that failed, never the expected output.
"""

from __future__ import annotations

import math

import numpy as np

from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error as _expect_error


def _rel_tol(value, tight: float = 1e-9) -> float:
    """The relative tolerance an answer of this type can meet: a float32 answer is only good to ~1e-7."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).bits < 64:
        return max(tight, 16 * float(np.finfo(dtype).eps))
    return tight


# --------------------------------------------------------------------------- mask_digits


def check_mask_digits(fn) -> None:
    cases = [
        ("1234567890", 4),
        ("4111-1111-1111-1234", 4),
        ("4111 1111 1111 1234", 4),
        ("call +1 (555) 010-9999 now", 2),
        ("SSN 078-05-1120", 0),
        ("12 ab 3", 4),
        ("no digits here", 4),
        ("", 3),
        ("card ١٢٣٤٥٦٧٨ ends", 2),  # Arabic-Indic digits are digits too
        ("0000000", 1),
        ("x² + 12345 = ½ of ①0 三", 2),  # ², ½, ① and 三 are numeric, but not decimal digits
    ]
    for text, keep in cases:
        out = fn(text, keep)
        call = f"mask_digits({text!r}, keep_last={keep})"
        if not isinstance(out, str):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a str")
        if len(out) != len(text):
            raise CheckFailure(
                f"{call} changed the length of the text; every character must stay in place",
                hint="Replace digits one for one with '*'; don't replace a group by a fixed string.",
            )
        digit_pos = [i for i, ch in enumerate(text) if ch.isdecimal()]
        keep_pos = set(digit_pos[max(len(digit_pos) - keep, 0):]) if keep else set()
        for i, (a, b) in enumerate(zip(text, out, strict=True)):
            if not a.isdecimal():
                if a != b:
                    if a.isnumeric():
                        raise CheckFailure(
                            f"{call} masked {a!r} at position {i}, which is not a decimal digit",
                            hint="A digit is what str.isdecimal() accepts; str.isdigit() and "
                            "str.isnumeric() also accept characters such as '²', '①' and '½'.",
                        )
                    raise CheckFailure(
                        f"{call} changed a non-digit character at position {i}; separators and "
                        "letters must be preserved"
                    )
            elif i in keep_pos:
                if a != b:
                    numeric = any(c.isnumeric() and not c.isdecimal() for c in text)
                    raise CheckFailure(
                        f"{call} masked a digit at position {i} that should stay visible",
                        hint="Only decimal digits (str.isdecimal()) count: '²', '①' and '½' are not "
                        "digits, so they neither get masked nor use up keep_last." if numeric else
                        "Keep the LAST keep_last digits of the whole text visible.",
                    )
            elif b != "*" and b != a:
                raise CheckFailure(f"{call} replaced the digit at position {i} by {b!r}; mask with '*'")
            elif b != "*":
                raise CheckFailure(
                    f"{call} left the digit at position {i} visible: that digit leaks",
                    hint="Count the digits first; then mask all but the last keep_last of them. "
                    "Remember that str.isdecimal() also accepts non-ASCII digits.",
                )
    _expect_error(fn, ("123", -1), (ValueError,), "mask_digits('123', keep_last=-1)")
    _expect_error(fn, ("123", 1.5), (ValueError, TypeError), "mask_digits('123', keep_last=1.5)")
    _expect_error(fn, (1234567890, 4), (TypeError,), "mask_digits(1234567890, 4)")


# --------------------------------------------------------------------------- laplace_scale


def check_laplace_scale(fn) -> None:
    for sens, eps in [(1.0, 1.0), (1.0, 0.5), (4.0, 1.0), (2.0, 8.0), (0.0, 1.0), (10, 3)]:
        out = fn(sens, eps)
        call = f"laplace_scale(sensitivity={sens}, epsilon={eps})"
        if isinstance(out, bool) or not isinstance(out, (int, float, np.floating)):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a float")
        if not math.isclose(float(out), sens / eps, rel_tol=_rel_tol(out, 1e-12), abs_tol=1e-15):
            hint = "More privacy (smaller epsilon) must mean MORE noise, and a query that one " \
                "person can move further (larger sensitivity) needs more noise too."
            raise CheckFailure(f"{call} returned the wrong scale", hint=hint)
    for args, what in [
        ((1.0, 0.0), "epsilon=0"),
        ((1.0, -1.0), "epsilon=-1"),
        ((-1.0, 1.0), "sensitivity=-1"),
        ((1.0, float("nan")), "epsilon=nan"),
        ((float("nan"), 1.0), "sensitivity=nan"),
        ((1.0, float("inf")), "epsilon=inf (no noise at all)"),
        ((float("inf"), 1.0), "sensitivity=inf"),
    ]:
        _expect_error(fn, args, (ValueError,), f"laplace_scale with {what}")


# --------------------------------------------------------------------------- quantize_symmetric


def check_quantize_symmetric(fn) -> None:
    gen = np.random.default_rng(1234)
    inputs = [
        (gen.normal(0.0, 0.05, size=(16, 8)), 8),  # typical small weights
        (gen.normal(0.0, 3.0, size=200), 4),
        (np.array([-1.0, -0.5, 0.0, 0.25, 1.0]), 2),
        (np.array([0.001, -0.002, 0.0031]), 8),
        (np.array([[-3.0, 0.7], [1.2, -0.1]]), 3),  # the largest magnitude is negative
    ]
    for x, bits in inputs:
        call = f"quantize_symmetric(x of shape {x.shape}, bits={bits})"
        result = fn(x.copy(), bits)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise CheckFailure(f"{call} must return a tuple (q, scale)")
        q, scale = result
        if not isinstance(q, np.ndarray) or q.dtype != np.int8:
            raise CheckFailure(
                f"{call}: q must be a numpy array of dtype int8, got "
                f"{getattr(q, 'dtype', type(q).__name__)}",
                hint="Quantization only saves memory if the integers are stored as integers.",
            )
        if q.shape != x.shape:
            raise CheckFailure(f"{call}: q has shape {q.shape}, expected the shape of x")
        qmax = 2 ** (bits - 1) - 1
        if int(np.max(np.abs(q.astype(np.int64)))) > qmax:
            raise CheckFailure(
                f"{call}: some integers fall outside the {bits}-bit symmetric range",
                hint="Clamp to [-qmax, qmax] with qmax = 2**(bits-1) - 1.",
            )
        if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)):
            raise CheckFailure(f"{call}: scale is a {type(scale).__name__}, expected a float")
        tol = _rel_tol(scale)
        scale = float(scale)
        if not math.isclose(scale, float(np.max(np.abs(x))) / qmax, rel_tol=tol):
            raise CheckFailure(f"{call}: the scale is not max|x| / qmax",
                               hint="max|x| is the largest MAGNITUDE, np.max(np.abs(x)), and qmax = "
                               "2**(bits-1) - 1 for signed symmetric integers.")
        err = np.max(np.abs(q.astype(np.float64) * scale - x))
        if err > scale / 2 * (1 + 2 * tol):
            raise CheckFailure(
                f"{call}: q * scale is further than half a step from x",
                hint="Divide by the scale first, then round: rounding first turns every weight "
                "smaller than 0.5 into zero.",
            )
    result = fn(np.zeros(5), 8)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailure("quantize_symmetric(all zeros) must return a tuple (q, scale)")
    q, scale = result
    if not isinstance(q, np.ndarray) or q.dtype != np.int8 or np.any(q != 0):
        raise CheckFailure("quantize_symmetric(all zeros): q must be int8 zeros")
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)) or float(scale) != 1.0:
        raise CheckFailure("quantize_symmetric(all zeros): the scale is not the one the docstring "
                           "prescribes for an all-zero x", hint="Use scale = 1.0 when max|x| is 0.")
    for bits in (1, 9, 4.0):
        _expect_error(fn, (np.ones(3), bits), (ValueError, TypeError),
                      f"quantize_symmetric(x, bits={bits!r})")
    _expect_error(fn, (np.array([1.0, np.nan]), 8), (ValueError,), "quantize_symmetric(x with NaN)")
    _expect_error(fn, (np.array([1.0, -np.inf]), 8), (ValueError,), "quantize_symmetric(x with -inf)")


# --------------------------------------------------------------------------- magnitude_prune


def _pruned(w: np.ndarray, sparsity: float) -> np.ndarray:
    """The reference: zero the floor(sparsity * size) smallest |w|, ties by row-major position."""
    out = w.copy().ravel()
    out[np.argsort(np.abs(out), kind="stable")[: math.floor(sparsity * w.size)]] = 0
    return out.reshape(w.shape)


def check_magnitude_prune(fn) -> None:
    gen = np.random.default_rng(99)
    cases = [
        (gen.normal(size=10), 0.5),
        (gen.normal(size=(10, 10)), 0.9),
        (gen.normal(size=(3, 4)), 0.25),
        (gen.normal(size=7), 0.5),
        (gen.normal(size=6), 0.0),
        (gen.normal(size=6), 1.0),
        (gen.normal(size=5), 1),  # a number: an int sparsity is allowed too
        (np.array([1.0, -1.0, 1.0, 2.0, -1.0, 0.5, -2.0, 1.0]), 0.5),  # ties: earlier entries first
        (np.array([[1.0, -1.0], [1.0, 3.0]]), 0.5),  # ties in 2-D: row-major positions
        (gen.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], size=300).astype(np.float32), 0.3),  # many ties
        (np.array([3, -1, 2, -2, 5, 1, -4, 2], dtype=np.int64), 0.5),  # integer weights stay integers
    ]
    for w, s in cases:
        original = w.copy()
        what = f"{w.dtype} w of shape {w.shape}" if w.dtype != np.float64 else f"w of shape {w.shape}"
        call = f"magnitude_prune({what}, sparsity={s})"
        out = fn(w, s)
        if not np.array_equal(w, original):
            raise CheckFailure(f"{call} modified w in place; return a new array",
                               hint="Work on w.copy(): the caller's weights must stay as they were.")
        if not isinstance(out, np.ndarray):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a numpy array")
        if out.shape != w.shape:
            raise CheckFailure(f"{call} returned shape {out.shape}, expected w's shape")
        if out.dtype != w.dtype:
            raise CheckFailure(f"{call} returned dtype {out.dtype}; the result keeps w's dtype",
                               hint="Copy w (w.copy()) and zero entries of the copy, or convert back "
                               "with .astype(w.dtype).")
        k = math.floor(s * w.size)
        want = _pruned(w, s)
        n_zero, n_want = int(np.sum(out == 0)), int(np.sum(want == 0))
        if n_zero != n_want:
            raise CheckFailure(
                f"{call} zeroed {n_zero} of {w.size} entries; the sparsity asks for a different "
                "number",
                hint="Prune exactly floor(sparsity * w.size) entries, even when several weights have "
                "the same magnitude: a threshold |w| <= t prunes every tie at once.",
            )
        kept = out != 0
        if np.any(out[kept] != w[kept]):
            raise CheckFailure(
                f"{call} changed the value of a weight it kept (its sign?)",
                hint="A kept weight keeps its value and its sign; use |w| only to RANK weights.",
            )
        if k and kept.any() and np.max(np.abs(w[~kept])) > np.min(np.abs(w[kept])):
            raise CheckFailure(
                f"{call} pruned a weight larger in magnitude than one it kept",
                hint="Prune the SMALLEST magnitudes: they contribute least to the output.",
            )
        if not np.array_equal(out, want):
            raise CheckFailure(
                f"{call}: among weights of equal magnitude it pruned a later one and kept an earlier "
                "one; ties go by position, earlier entries first",
                hint="Rank with a STABLE sort (np.argsort(..., kind='stable')) of np.abs(w).ravel(), "
                "which lists the entries in row-major order; the default sort may reorder ties.",
            )
    for s in (-0.1, 1.5, float("nan")):
        _expect_error(fn, (np.ones(4), s), (ValueError,), f"magnitude_prune(w, sparsity={s})")


EXERCISE = Exercise(
    name="00_warmup",
    title="Warm-up: the source article's mistakes, done right",
    tasks=(
        Task("mask_digits", "mask_digits", check_mask_digits, notebook="01_data_masking",
             hint="Mask digit by digit, keep the last keep_last digits, leave every other "
             "character alone."),
        Task("laplace_scale", "laplace_scale", check_laplace_scale, notebook="03_dp_mechanisms",
             hint="The Laplace mechanism's scale is sensitivity divided by epsilon; reject "
             "parameters that would silently weaken privacy."),
        Task("quantize_symmetric", "quantize_symmetric", check_quantize_symmetric,
             notebook="06_quantization",
             hint="scale = max|x| / qmax; divide, round, clamp, store as int8."),
        Task("magnitude_prune", "magnitude_prune", check_magnitude_prune,
             notebook="07_pruning_sparsity",
             hint="Rank by |w|, zero the smallest floor(sparsity * size), keep signs."),
    ),
)
