"""Plausible wrong answers to exercise 00; every one must be rejected by its task's checker.

Each mutant is a mistake a learner (or the source article) really makes. Keys are task names.
"""

from __future__ import annotations

import math
import re

import numpy as np


def _solution():
    from tests.exercises.impl import load_solution

    return load_solution("00_warmup")


# --------------------------------------------------------------------------- mask_digits


def mask_article_regex(text, keep_last=4):
    """The article: every run of four digits becomes '****' (leaks the tail, hides the last 4)."""
    return re.sub(r"\d{4}", "****", text)


def mask_keeps_first(text, keep_last=4):
    """Keeps the FIRST digits visible instead of the last."""
    out, seen = [], 0
    for ch in text:
        if ch.isdecimal():
            seen += 1
            out.append(ch if seen <= keep_last else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_ascii_only(text, keep_last=4):
    """Treats only 0-9 as digits: Arabic-Indic (and other) digits leak."""
    digits = [i for i, ch in enumerate(text) if ch in "0123456789"]
    hide = set(digits[: max(len(digits) - keep_last, 0)])
    return "".join("*" if i in hide else ch for i, ch in enumerate(text))


def mask_everything(text, keep_last=4):
    """Masks separators and letters too: the shape of the value is lost."""
    return "*" * max(len(text) - keep_last, 0) + text[max(len(text) - keep_last, 0):]


def mask_no_validation(text, keep_last=4):
    """Right output for valid input, but keep_last=-1 silently reveals everything."""
    digits = [i for i, ch in enumerate(str(text)) if ch.isdecimal()]
    hide = set(digits[: max(len(digits) - keep_last, 0)]) if keep_last >= 0 else set()
    return "".join("*" if i in hide else ch for i, ch in enumerate(str(text)))


# --------------------------------------------------------------------------- laplace_scale


def scale_inverted(sensitivity, epsilon):
    """epsilon / sensitivity: less noise for more privacy."""
    return _solution().laplace_scale(epsilon, sensitivity) if sensitivity > 0 else 0.0


def scale_product(sensitivity, epsilon):
    """sensitivity * epsilon."""
    return _solution().laplace_scale(1.0, 1.0) * sensitivity * epsilon


def scale_no_validation(sensitivity, epsilon):
    """Right formula, but epsilon <= 0 or NaN goes through (a silent privacy failure)."""
    return sensitivity / epsilon if epsilon != 0 else float("inf")


def scale_ignores_sensitivity(sensitivity, epsilon):
    """1 / epsilon whatever the sensitivity (the article's sensitivity = 1 everywhere)."""
    if epsilon <= 0 or not math.isfinite(epsilon) or not math.isfinite(sensitivity) or sensitivity < 0:
        raise ValueError("bad input")
    return 1.0 / epsilon


# --------------------------------------------------------------------------- quantize_symmetric


def quant_round_first(x, bits=8):
    """The article: round BEFORE scaling, so every |w| < 0.5 becomes 0."""
    qmax = 2 ** (bits - 1) - 1
    top = float(np.max(np.abs(x)))
    scale = top / qmax if top > 0 else 1.0
    return np.clip(np.round(x) / scale, -qmax, qmax).astype(np.int8), scale


def quant_float_storage(x, bits=8):
    """Right numbers, stored as float32: nothing is saved."""
    q, scale = _solution().quantize_symmetric(x, bits)
    return q.astype(np.float32), scale


def quant_power_of_two_no_clamp(x, bits=8):
    """scale = max|x| / 2**(bits-1) and no clamp: the largest weight overflows int8's range."""
    if not 2 <= bits <= 8 or isinstance(bits, float):
        raise ValueError("bits")
    if not np.all(np.isfinite(x)):
        raise ValueError("x")
    top = float(np.max(np.abs(x)))
    scale = top / 2 ** (bits - 1) if top > 0 else 1.0
    return np.round(x / scale).astype(np.int16).astype(np.int8), scale


def quant_truncates(x, bits=8):
    """Truncates toward zero instead of rounding: errors up to a full step."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError("bits")
    if not np.all(np.isfinite(x)):
        raise ValueError("x")
    qmax = 2 ** (bits - 1) - 1
    top = float(np.max(np.abs(x)))
    scale = top / qmax if top > 0 else 1.0
    return np.clip(np.trunc(x / scale), -qmax, qmax).astype(np.int8), scale


# --------------------------------------------------------------------------- magnitude_prune


def prune_abs(w, sparsity):
    """The article's Pruning: abs() first, so every kept weight loses its sign."""
    pruned = _solution().magnitude_prune(w, sparsity)
    return np.abs(pruned)


def prune_keeps_smallest(w, sparsity):
    """The article's Sparse: keeps the SMALL weights and prunes the important ones."""
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(-np.abs(w).ravel(), kind="stable")
    out = w.copy().ravel()
    out[order[:k]] = 0
    return out.reshape(w.shape)


def prune_signed_values(w, sparsity):
    """Ranks by the signed value, so large negative weights are pruned first."""
    if not 0 <= sparsity <= 1:
        raise ValueError("sparsity")
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(w.ravel(), kind="stable")
    out = w.copy().ravel()
    out[order[:k]] = 0
    return out.reshape(w.shape)


def prune_in_place(w, sparsity):
    """Right answer, but it overwrites the caller's weights."""
    out = _solution().magnitude_prune(w, sparsity)
    w[...] = out
    return w


def prune_threshold_is_sparsity(w, sparsity):
    """Uses sparsity as a magnitude threshold (|w| < 0.5) instead of a fraction of weights."""
    if not 0 <= sparsity <= 1:
        raise ValueError("sparsity")
    w = np.asarray(w)
    return np.where(np.abs(w) < sparsity, 0.0, w)


# --------------------------------------------------------------------------- found by measuring


def mask_isdigit(text, keep_last=4):
    """str.isdigit() instead of isdecimal(): '²' and '①' are masked and use up keep_last."""
    if not isinstance(text, str):
        raise TypeError("text")
    if not isinstance(keep_last, int) or keep_last < 0:
        raise ValueError("keep_last")
    pos = [i for i, c in enumerate(text) if c.isdigit()]
    hide = set(pos[: max(0, len(pos) - keep_last)])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def scale_infinite_epsilon(sensitivity, epsilon):
    """Rejects NaN and epsilon <= 0, but epsilon = inf gives scale 0: no noise at all."""
    if math.isnan(sensitivity) or math.isnan(epsilon) or math.isinf(sensitivity):
        raise ValueError("sensitivity and epsilon must be numbers")
    if sensitivity < 0 or epsilon <= 0:
        raise ValueError("out of range")
    return sensitivity / epsilon


def quant_tiny_zero_scale(x, bits=8):
    """All zeros get scale 1e-8 instead of the stated 1.0."""
    q, scale = _solution().quantize_symmetric(x, bits)
    return q, (scale if np.any(np.asarray(x)) else 1e-8)


def quant_inf_accepted(x, bits=8):
    """Refuses NaN but lets inf through (every other weight then becomes 0)."""
    x = np.asarray(x, dtype=float)
    if np.isnan(x).any():
        raise ValueError("x")
    if np.isinf(x).any():
        return np.zeros(x.shape, dtype=np.int8), 1.0
    return _solution().quantize_symmetric(x, bits)


def prune_later_ties_first(w, sparsity):
    """Among equal magnitudes, prunes the LATER entries first."""
    w = np.asarray(w)
    if not 0 <= sparsity <= 1:
        raise ValueError("sparsity")
    order = np.lexsort((-np.arange(w.size), np.abs(w).ravel()))
    out = w.copy().ravel()
    out[order[: math.floor(sparsity * w.size)]] = 0
    return out.reshape(w.shape)


def prune_threshold_ties(w, sparsity):
    """|w| <= the k-th smallest magnitude: every tie at the threshold is pruned."""
    w = np.asarray(w)
    if not 0 <= sparsity <= 1:
        raise ValueError("sparsity")
    k = math.floor(sparsity * w.size)
    if k == 0:
        return w.copy()
    t = np.sort(np.abs(w).ravel())[k - 1]
    return np.where(np.abs(w) <= t, 0, w).astype(w.dtype)


def prune_float64(w, sparsity):
    """Right entries, but the result is always float64."""
    return _solution().magnitude_prune(w, sparsity).astype(np.float64)


def prune_column_major(w, sparsity):
    """Breaks ties by column-major position (w.ravel('F'))."""
    w = np.asarray(w)
    if not 0 <= sparsity <= 1:
        raise ValueError("sparsity")
    flat = w.ravel(order="F").copy()
    flat[np.argsort(np.abs(flat), kind="stable")[: math.floor(sparsity * w.size)]] = 0
    return flat.reshape(w.shape, order="F")


def prune_float_sparsity_only(w, sparsity):
    """Refuses an int sparsity, though any number in [0, 1] is allowed."""
    if not isinstance(sparsity, float):
        raise ValueError("sparsity must be a float")
    return _solution().magnitude_prune(w, sparsity)


MUTANTS = {
    "mask_digits": [mask_article_regex, mask_keeps_first, mask_ascii_only, mask_everything,
                    mask_no_validation, mask_isdigit],
    "laplace_scale": [scale_inverted, scale_product, scale_no_validation, scale_ignores_sensitivity,
                      scale_infinite_epsilon],
    "quantize_symmetric": [quant_round_first, quant_float_storage, quant_power_of_two_no_clamp,
                           quant_truncates, quant_tiny_zero_scale, quant_inf_accepted],
    "magnitude_prune": [prune_abs, prune_keeps_smallest, prune_signed_values, prune_in_place,
                        prune_threshold_is_sparsity, prune_later_ties_first, prune_threshold_ties,
                        prune_float64, prune_column_major, prune_float_sparsity_only],
}
