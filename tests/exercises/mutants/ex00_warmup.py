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


MUTANTS = {
    "mask_digits": [mask_article_regex, mask_keeps_first, mask_ascii_only, mask_everything,
                    mask_no_validation],
    "laplace_scale": [scale_inverted, scale_product, scale_no_validation, scale_ignores_sensitivity],
    "quantize_symmetric": [quant_round_first, quant_float_storage, quant_power_of_two_no_clamp,
                           quant_truncates],
    "magnitude_prune": [prune_abs, prune_keeps_smallest, prune_signed_values, prune_in_place,
                        prune_threshold_is_sparsity],
}
