"""Answers to exercise 00 written from its docstrings: CORRECT ones the checkers must accept, WRONG
ones they must reject."""

from __future__ import annotations

import math
import re

import numpy as np

# --------------------------------------------------------------------------- mask_digits


def _mask_ok(text, keep_last):
    if not isinstance(text, str):
        raise TypeError("text")
    if not isinstance(keep_last, int) or keep_last < 0:
        raise ValueError("keep_last")


def mask_reversed(text, keep_last=4):
    _mask_ok(text, keep_last)
    out, seen = [], 0
    for ch in reversed(text):
        if ch.isdecimal():
            seen += 1
            out.append(ch if seen <= keep_last else "*")
        else:
            out.append(ch)
    return "".join(reversed(out))


def mask_regex(text, keep_last=4):
    _mask_ok(text, keep_last)
    total = len(re.findall(r"\d", text))
    count = iter(range(total))
    return re.sub(r"\d", lambda m: "*" if next(count) < total - keep_last else m.group(), text)


def mask_positions(text, keep_last=4):
    if not isinstance(text, str):
        raise TypeError("text must be str")
    if isinstance(keep_last, bool) or not isinstance(keep_last, int):
        raise TypeError("keep_last must be int")  # a TypeError for a wrong type is allowed too
    if keep_last < 0:
        raise ValueError("keep_last")
    chars = list(text)
    positions = [i for i, c in enumerate(chars) if c.isdecimal()]
    for i in positions[: max(0, len(positions) - keep_last)]:
        chars[i] = "*"
    return "".join(chars)


def mask_unicodedata(text, keep_last=4):
    import unicodedata
    _mask_ok(text, keep_last)
    digits = [i for i, c in enumerate(text) if unicodedata.category(c) == "Nd"]
    hide = set(digits[: len(digits) - keep_last] if keep_last < len(digits) else [])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def mask_isdigit(text, keep_last=4):  # WRONG: isdigit accepts "²" and "①"
    _mask_ok(text, keep_last)
    n = sum(c.isdigit() for c in text)
    out, k = [], n - keep_last
    for c in text:
        if c.isdigit() and k > 0:
            out.append("*")
            k -= 1
        else:
            out.append(c)
    return "".join(out)


def mask_isnumeric(text, keep_last=4):  # WRONG: isnumeric accepts "½" and "三"
    _mask_ok(text, keep_last)
    pos = [i for i, c in enumerate(text) if c.isnumeric()]
    hide = set(pos[: max(0, len(pos) - keep_last)])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def mask_ascii(text, keep_last=4):  # WRONG: only 0-9
    _mask_ok(text, keep_last)
    pos = [i for i, c in enumerate(text) if c in "0123456789"]
    hide = set(pos[: max(0, len(pos) - keep_last)])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def mask_keep_first(text, keep_last=4):  # WRONG: keeps the first digits
    _mask_ok(text, keep_last)
    pos = [i for i, c in enumerate(text) if c.isdecimal()]
    hide = set(pos[keep_last:])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def mask_zero_slice(text, keep_last=4):  # WRONG: pos[-0:] keeps everything when keep_last == 0
    _mask_ok(text, keep_last)
    pos = [i for i, c in enumerate(text) if c.isdecimal()]
    keep = set(pos[-keep_last:])
    return "".join("*" if (c.isdecimal() and i not in keep) else c for i, c in enumerate(text))


def mask_off_by_one(text, keep_last=4):  # WRONG: keeps one digit too many
    return mask_positions(text, keep_last + 1)


def mask_all_chars(text, keep_last=4):  # WRONG: masks letters and separators too
    _mask_ok(text, keep_last)
    n = len(text) - keep_last
    return "*" * max(n, 0) + text[max(n, 0):]


def mask_drops_separators(text, keep_last=4):  # WRONG: the shape is lost
    _mask_ok(text, keep_last)
    digits = [c for c in text if c.isdecimal()]
    tail = digits[len(digits) - keep_last:] if keep_last else []
    return "*" * max(len(digits) - keep_last, 0) + "".join(tail)


def mask_no_validation(text, keep_last=4):  # WRONG: negative keep_last accepted
    if not isinstance(text, str):
        raise TypeError("text")
    pos = [i for i, c in enumerate(text) if c.isdecimal()]
    hide = set(pos[: max(0, len(pos) - keep_last)])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def mask_no_typeerror(text, keep_last=4):  # WRONG: an int text is masked as its str
    text = str(text)
    if keep_last < 0:
        raise ValueError("keep_last")
    pos = [i for i, c in enumerate(text) if c.isdecimal()]
    hide = set(pos[: max(0, len(pos) - keep_last)])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


def mask_float_keep(text, keep_last=4):  # WRONG: 1.5 accepted and rounded
    if not isinstance(text, str):
        raise TypeError("text")
    if keep_last < 0:
        raise ValueError("keep_last")
    return mask_positions(text, int(keep_last))


def mask_hash_char(text, keep_last=4):  # WRONG: masks with '#'
    return mask_positions(text, keep_last).replace("*", "#")


def mask_few_digits(text, keep_last=4):  # WRONG: fewer digits than keep_last -> everything masked
    _mask_ok(text, keep_last)
    pos = [i for i, c in enumerate(text) if c.isdecimal()]
    hide = set(pos) if len(pos) <= keep_last else set(pos[: len(pos) - keep_last])
    return "".join("*" if i in hide else c for i, c in enumerate(text))


# --------------------------------------------------------------------------- laplace_scale


def _num(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(name)
    if not math.isfinite(v):
        raise ValueError(name)


def scale_plain(sensitivity, epsilon):
    _num("sensitivity", sensitivity)
    _num("epsilon", epsilon)
    if sensitivity < 0:
        raise ValueError("sensitivity")
    if epsilon <= 0:
        raise ValueError("epsilon")
    return float(sensitivity) / float(epsilon)


def scale_numpy(sensitivity, epsilon):
    s, e = np.float64(sensitivity), np.float64(epsilon)
    if not (np.isfinite(s) and s >= 0):
        raise ValueError("sensitivity must be finite and >= 0")
    if not (np.isfinite(e) and e > 0):
        raise ValueError("epsilon must be finite and > 0")
    return s / e


def scale_float32(sensitivity, epsilon):  # float32 arithmetic: ~1e-8 relative error
    scale_plain(sensitivity, epsilon)
    return np.float32(sensitivity) / np.float32(epsilon)


def scale_inverse_times(sensitivity, epsilon):
    scale_plain(sensitivity, epsilon)
    return sensitivity * (1.0 / epsilon)


def scale_inverted(sensitivity, epsilon):  # WRONG
    scale_plain(sensitivity, epsilon)
    return epsilon / sensitivity if sensitivity else 0.0


def scale_product(sensitivity, epsilon):  # WRONG
    scale_plain(sensitivity, epsilon)
    return sensitivity * epsilon


def scale_no_sensitivity(sensitivity, epsilon):  # WRONG
    scale_plain(sensitivity, epsilon)
    return 1.0 / epsilon


def scale_no_checks(sensitivity, epsilon):  # WRONG: ZeroDivisionError, negatives accepted
    return sensitivity / epsilon


def scale_nan_only(sensitivity, epsilon):  # WRONG: epsilon = inf accepted (scale 0: no noise)
    if math.isnan(sensitivity) or math.isnan(epsilon) or math.isinf(sensitivity):
        raise ValueError("nan")
    if sensitivity < 0 or epsilon <= 0:
        raise ValueError("range")
    return sensitivity / epsilon


def scale_no_nan(sensitivity, epsilon):  # WRONG: nan slips through the comparisons
    if sensitivity < 0 or epsilon <= 0 or sensitivity == math.inf or epsilon == math.inf:
        raise ValueError("range")
    return sensitivity / epsilon


def scale_zero_sensitivity_refused(sensitivity, epsilon):  # WRONG: 0 is allowed
    if not sensitivity > 0:
        raise ValueError("sensitivity")
    return scale_plain(sensitivity, epsilon)


def scale_negative_ok(sensitivity, epsilon):  # WRONG: a negative sensitivity accepted
    return scale_plain(abs(sensitivity), epsilon)


def scale_floordiv(sensitivity, epsilon):  # WRONG
    scale_plain(sensitivity, epsilon)
    return float(sensitivity // epsilon)


def scale_rounded(sensitivity, epsilon):  # WRONG: rounded to 2 decimals
    return round(scale_plain(sensitivity, epsilon), 2)


# --------------------------------------------------------------------------- quantize_symmetric


def _bits_ok(bits):
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError("bits")


def quant_rint(x, bits=8):
    _bits_ok(bits)
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("x")
    qmax = 2 ** (bits - 1) - 1
    m = np.abs(x).max() if x.size else 0.0
    scale = m / qmax if m else 1.0
    return np.rint(x / scale).clip(-qmax, qmax).astype(np.int8), float(scale)


def quant_half_away(x, bits=8):  # ties away from zero: still within scale / 2
    q, scale = quant_rint(x, bits)
    qmax = 2 ** (bits - 1) - 1
    y = np.asarray(x, dtype=float) / scale
    q = np.clip(np.sign(y) * np.floor(np.abs(y) + 0.5), -qmax, qmax).astype(np.int8)
    return q, scale


def quant_multiply(x, bits=8):  # x * (1 / scale) and a numpy scale
    q, scale = quant_rint(x, bits)
    qmax = 2 ** (bits - 1) - 1
    q = np.clip(np.round(np.asarray(x) * (1.0 / scale)), -qmax, qmax).astype(np.int8)
    return q, np.float64(scale)


def quant_float32(x, bits=8):  # computed in float32: the scale is 1e-8 off
    _bits_ok(bits)
    x32 = np.asarray(x, dtype=np.float32)
    if not np.isfinite(x32).all():
        raise ValueError("x")
    qmax = 2 ** (bits - 1) - 1
    m = np.abs(x32).max()
    scale = m / np.float32(qmax) if m else np.float32(1.0)
    return np.clip(np.round(x32 / scale), -qmax, qmax).astype(np.int8), scale


def quant_typeerror_bits(x, bits=8):
    if not isinstance(bits, int):
        raise TypeError("bits must be an int")
    return quant_rint(x, bits)


def quant_round_first(x, bits=8):  # WRONG
    q, scale = quant_rint(x, bits)
    qmax = 2 ** (bits - 1) - 1
    return (np.clip(np.round(np.asarray(x)), -qmax, qmax) / 1).astype(np.int8), scale


def quant_qmax_unsigned(x, bits=8):  # WRONG: 2**bits - 1
    _bits_ok(bits)
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("x")
    qmax = 2 ** bits - 1
    m = np.abs(x).max()
    scale = m / qmax if m else 1.0
    return np.clip(np.round(x / scale), -qmax, qmax).astype(np.int8), scale


def quant_qmax_pow(x, bits=8):  # WRONG: 2**(bits-1)
    _bits_ok(bits)
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("x")
    qmax = 2 ** (bits - 1)
    m = np.abs(x).max()
    scale = m / qmax if m else 1.0
    return np.clip(np.round(x / scale), -qmax, qmax).astype(np.int8), scale


def quant_int16(x, bits=8):  # WRONG dtype
    q, s = quant_rint(x, bits)
    return q.astype(np.int16), s


def quant_signed_max(x, bits=8):  # WRONG: max(x), not max|x|
    _bits_ok(bits)
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("x")
    qmax = 2 ** (bits - 1) - 1
    m = x.max()
    scale = m / qmax if m > 0 else 1.0
    return np.clip(np.round(x / scale), -qmax, qmax).astype(np.int8), scale


def quant_asymmetric_scale(x, bits=8):  # WRONG: (max - min) / (2**bits - 1)
    _bits_ok(bits)
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("x")
    qmax = 2 ** (bits - 1) - 1
    span = x.max() - x.min()
    scale = span / (2 ** bits - 1) if span else 1.0
    return np.clip(np.round(x / scale), -qmax, qmax).astype(np.int8), scale


def quant_tiny_zero_scale(x, bits=8):  # WRONG: all zeros give scale 1e-8, not 1.0
    q, s = quant_rint(x, bits)
    return q, (s if np.any(np.asarray(x)) else 1e-8)


def quant_truncate(x, bits=8):  # WRONG: truncation instead of rounding
    q, scale = quant_rint(x, bits)
    qmax = 2 ** (bits - 1) - 1
    return np.clip(np.asarray(x) / scale, -qmax, qmax).astype(np.int8), scale


def quant_fixed_127(x, bits=8):  # WRONG: ignores bits
    q, scale = quant_rint(x, 8)
    _bits_ok(bits)
    return q, scale


def quant_no_inf_check(x, bits=8):  # WRONG: inf slips through
    _bits_ok(bits)
    x = np.asarray(x, dtype=float)
    if np.isnan(x).any():
        raise ValueError("x")
    with np.errstate(all="ignore"):
        qmax = 2 ** (bits - 1) - 1
        m = np.abs(x).max()
        scale = m / qmax if m else 1.0
        return np.nan_to_num(np.clip(np.round(x / scale), -qmax, qmax)).astype(np.int8), float(scale)


def quant_no_bits_check(x, bits=8):  # WRONG: bits=9 accepted
    x = np.asarray(x, dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("x")
    qmax = 2 ** (bits - 1) - 1
    m = np.abs(x).max()
    with np.errstate(all="ignore"):
        scale = np.float64(m) / qmax if m else 1.0
        return np.clip(np.round(x / scale), -qmax, qmax).astype(np.int8), float(scale)


def quant_swapped(x, bits=8):  # WRONG: (scale, q)
    q, s = quant_rint(x, bits)
    return s, q


# --------------------------------------------------------------------------- magnitude_prune


def _sp_ok(sparsity):
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) or not 0 <= sparsity <= 1:
        raise ValueError("sparsity")


def prune_sorted(w, sparsity):
    _sp_ok(sparsity)
    flat = np.array(w).reshape(-1)
    k = int(sparsity * flat.size)
    for i in sorted(range(flat.size), key=lambda i: abs(flat[i]))[:k]:
        flat[i] = 0
    return flat.reshape(np.shape(w))


def prune_lexsort(w, sparsity):
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.lexsort((np.arange(w.size), np.abs(w).ravel()))
    mask = np.ones(w.size, dtype=bool)
    mask[order[:k]] = False
    return np.where(mask.reshape(w.shape), w, np.zeros_like(w))


def prune_mergesort(w, sparsity):
    _sp_ok(sparsity)
    out = np.array(w, copy=True)
    flat = out.reshape(-1)
    k = math.floor(sparsity * out.size)
    flat[np.argsort(np.abs(flat), kind="mergesort")[:k]] = 0
    return out


def prune_where(w, sparsity):
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(np.abs(w), axis=None, kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:k]] = False
    return w * keep.reshape(w.shape)


def prune_any_tie(w, sparsity):  # WRONG: unstable sort breaks ties at random
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    out = w.copy().ravel()
    rng = np.random.default_rng(7)
    perm = rng.permutation(w.size)
    out[perm[np.argsort(np.abs(out[perm]), kind="stable")[:k]]] = 0
    return out.reshape(w.shape)


def prune_last_tie(w, sparsity):  # WRONG: later entries first among equals
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    flat = np.abs(w).ravel()
    order = np.lexsort((-np.arange(w.size), flat))
    out = w.copy().ravel()
    out[order[:k]] = 0
    return out.reshape(w.shape)


def prune_threshold(w, sparsity):  # WRONG: every tie at the threshold goes
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    if k == 0:
        return w.copy()
    t = np.sort(np.abs(w).ravel())[k - 1]
    return np.where(np.abs(w) <= t, 0, w).astype(w.dtype)


def prune_round(w, sparsity):  # WRONG: round, not floor
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = round(sparsity * w.size)
    out = w.copy().ravel()
    out[np.argsort(np.abs(out), kind="stable")[:k]] = 0
    return out.reshape(w.shape)


def prune_ceil(w, sparsity):  # WRONG
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.ceil(sparsity * w.size)
    out = w.copy().ravel()
    out[np.argsort(np.abs(out), kind="stable")[:k]] = 0
    return out.reshape(w.shape)


def prune_in_place(w, sparsity):  # WRONG: modifies w
    _sp_ok(sparsity)
    k = math.floor(sparsity * w.size)
    flat = w.reshape(-1)
    flat[np.argsort(np.abs(flat), kind="stable")[:k]] = 0
    return w


def prune_signed(w, sparsity):  # WRONG: ranks by value, not magnitude
    _sp_ok(sparsity)
    k = math.floor(sparsity * w.size)
    out = w.copy().ravel()
    out[np.argsort(out, kind="stable")[:k]] = 0
    return out.reshape(w.shape)


def prune_abs_values(w, sparsity):  # WRONG: signs lost
    out = prune_mergesort(w, sparsity)
    return np.abs(out)


def prune_float64(w, sparsity):  # WRONG: dtype not kept
    return prune_mergesort(w, sparsity).astype(np.float64)


def prune_fortran(w, sparsity):  # WRONG: positions read column by column
    _sp_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    flat = w.ravel(order="F").copy()
    flat[np.argsort(np.abs(flat), kind="stable")[:k]] = 0
    return flat.reshape(w.shape, order="F")


def prune_largest(w, sparsity):  # WRONG: prunes the largest
    _sp_ok(sparsity)
    k = math.floor(sparsity * w.size)
    out = w.copy().ravel()
    out[np.argsort(-np.abs(out), kind="stable")[:k]] = 0
    return out.reshape(w.shape)


def prune_no_check(w, sparsity):  # WRONG: sparsity 1.5 accepted
    w = np.asarray(w)
    k = min(max(math.floor(sparsity * w.size), 0), w.size)
    out = w.copy().ravel()
    out[np.argsort(np.abs(out), kind="stable")[:k]] = 0
    return out.reshape(w.shape)


def prune_len(w, sparsity):  # WRONG: len(w) is the number of rows
    _sp_ok(sparsity)
    k = math.floor(sparsity * len(w))
    out = w.copy().ravel()
    out[np.argsort(np.abs(out), kind="stable")[:k]] = 0
    return out.reshape(w.shape)


def prune_float_only(w, sparsity):  # WRONG: an int sparsity (a number) refused
    if not isinstance(sparsity, float):
        raise ValueError("sparsity must be a float")
    return prune_mergesort(w, sparsity)


CORRECT = {
    "mask_digits": [mask_reversed, mask_regex, mask_positions, mask_unicodedata],
    "laplace_scale": [scale_plain, scale_numpy, scale_float32, scale_inverse_times],
    "quantize_symmetric": [quant_rint, quant_half_away, quant_multiply, quant_float32, quant_typeerror_bits],
    "magnitude_prune": [prune_sorted, prune_lexsort, prune_mergesort, prune_where],
}

WRONG = {
    "mask_digits": [mask_isdigit, mask_isnumeric, mask_ascii, mask_keep_first, mask_zero_slice,
                    mask_off_by_one, mask_all_chars, mask_drops_separators, mask_no_validation,
                    mask_no_typeerror, mask_float_keep, mask_hash_char, mask_few_digits],
    "laplace_scale": [scale_inverted, scale_product, scale_no_sensitivity, scale_no_checks, scale_nan_only,
                      scale_no_nan, scale_zero_sensitivity_refused, scale_negative_ok, scale_floordiv,
                      scale_rounded],
    "quantize_symmetric": [quant_round_first, quant_qmax_unsigned, quant_qmax_pow, quant_int16,
                           quant_signed_max, quant_asymmetric_scale, quant_tiny_zero_scale, quant_truncate,
                           quant_fixed_127, quant_no_inf_check, quant_no_bits_check, quant_swapped],
    "magnitude_prune": [prune_any_tie, prune_last_tie, prune_threshold, prune_round, prune_ceil,
                        prune_in_place, prune_signed, prune_abs_values, prune_float64, prune_fortran,
                        prune_largest, prune_no_check, prune_len, prune_float_only],
}
