"""Independent answers to exercise 07, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse


def _need(ok, msg):
    if not ok:
        raise ValueError(msg)


def _sparsity_ok(s):
    _need(
        isinstance(s, (int, float)) and not isinstance(s, bool) and 0 <= s < 1, "sparsity must be in [0, 1)"
    )


# ----------------------------------------------------------------------------- magnitude_mask


def mm_lexsort(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    flat = np.abs(w).ravel()
    order = np.lexsort((np.arange(flat.size), flat))
    keep = np.ones(flat.size, dtype=bool)
    keep[order[: math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_sorted_key(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    flat = np.abs(w).ravel().tolist()
    pruned = sorted(range(len(flat)), key=lambda i: (flat[i], i))[: int(sparsity * w.size)]
    keep = np.ones(len(flat), dtype=bool)
    keep[pruned] = False
    return keep.reshape(w.shape)


def mm_mergesort(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    mask = np.full(w.shape, True)
    idx = np.argsort(np.abs(w), axis=None, kind="mergesort")[:k]
    mask[np.unravel_index(idx, w.shape)] = False
    return mask


def mm_threshold(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    if k == 0:
        return np.ones(w.shape, dtype=bool)
    t = np.sort(np.abs(w).ravel())[k - 1]
    return np.abs(w) > t


def mm_ceil(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: math.ceil(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_round(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: round(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_prune_largest(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(-np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_later_ties_first(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    flat = np.abs(w).ravel()
    order = flat.size - 1 - np.argsort(flat[::-1], kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_signed(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(w.ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_inverted(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    prune = np.zeros(w.size, dtype=bool)
    prune[order[: math.floor(sparsity * w.size)]] = True
    return prune.reshape(w.shape)


def mm_accepts_one(w, sparsity):
    _need(0 <= sparsity <= 1, "sparsity")
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def mm_flat(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[: math.floor(sparsity * w.size)]] = False
    return keep


def mm_int_mask(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=np.int8)
    keep[order[: math.floor(sparsity * w.size)]] = 0
    return keep.reshape(w.shape)


def mm_per_row(w, sparsity):
    _sparsity_ok(sparsity)
    w = np.atleast_2d(np.asarray(w))
    k = math.floor(sparsity * w.shape[-1])
    order = np.argsort(np.abs(w), axis=-1, kind="stable")
    keep = np.ones(w.shape, dtype=bool)
    np.put_along_axis(keep, order[..., :k], False, axis=-1)
    return keep


# ----------------------------------------------------------------------------- global_masks


def _stable_keep(flat, k):
    order = np.argsort(np.abs(flat), kind="stable")
    keep = np.ones(flat.size, dtype=bool)
    keep[order[:k]] = False
    return keep


def gm_split(weights, sparsity):
    _sparsity_ok(sparsity)
    if not weights:
        return {}
    names = list(weights)
    flat = np.concatenate([np.ravel(weights[n]) for n in names])
    keep = _stable_keep(flat, math.floor(sparsity * flat.size))
    pieces = np.split(keep, np.cumsum([np.size(weights[n]) for n in names])[:-1])
    return {n: p.reshape(np.shape(weights[n])) for n, p in zip(names, pieces)}


def gm_reversed_insertion(weights, sparsity):
    """The same masks, the result dict built in reverse order (order of a dict's keys is no rule)."""
    _sparsity_ok(sparsity)
    names = list(weights)
    total = sum(np.size(weights[n]) for n in names)
    flat = np.concatenate([np.ravel(weights[n]) for n in names]) if names else np.zeros(0)
    keep = _stable_keep(flat, math.floor(sparsity * total))
    out, start = {}, 0
    for n in names:
        out[n] = keep[start : start + np.size(weights[n])].reshape(np.shape(weights[n]))
        start += np.size(weights[n])
    return dict(reversed(list(out.items())))


def gm_sorted_key(weights, sparsity):
    _sparsity_ok(sparsity)
    entries = [
        (abs(float(v)), pos, name, j)
        for pos, (name, j, v) in enumerate(
            (name, j, v) for name in weights for j, v in enumerate(np.ravel(weights[name]))
        )
    ]
    k = math.floor(sparsity * len(entries))
    masks = {name: np.ones(np.size(weights[name]), dtype=bool) for name in weights}
    for _, _, name, j in sorted(entries)[:k]:
        masks[name][j] = False
    return {name: masks[name].reshape(np.shape(weights[name])) for name in weights}


def gm_per_layer(weights, sparsity):
    _sparsity_ok(sparsity)
    out = {}
    for n, w in weights.items():
        keep = _stable_keep(np.ravel(w), math.floor(sparsity * np.size(w)))
        out[n] = keep.reshape(np.shape(w))
    return out


def gm_sorted_names(weights, sparsity):
    _sparsity_ok(sparsity)
    names = sorted(weights)
    flat = np.concatenate([np.ravel(weights[n]) for n in names])
    keep = _stable_keep(flat, math.floor(sparsity * flat.size))
    out, start = {}, 0
    for n in names:
        out[n] = keep[start : start + np.size(weights[n])].reshape(np.shape(weights[n]))
        start += np.size(weights[n])
    return out


def gm_flat_masks(weights, sparsity):
    _sparsity_ok(sparsity)
    names = list(weights)
    flat = np.concatenate([np.ravel(weights[n]) for n in names])
    keep = _stable_keep(flat, math.floor(sparsity * flat.size))
    out, start = {}, 0
    for n in names:
        out[n] = keep[start : start + np.size(weights[n])]
        start += np.size(weights[n])
    return out


def gm_threshold(weights, sparsity):
    _sparsity_ok(sparsity)
    flat = np.abs(np.concatenate([np.ravel(w) for w in weights.values()]))
    k = math.floor(sparsity * flat.size)
    if k == 0:
        return {n: np.ones(np.shape(w), dtype=bool) for n, w in weights.items()}
    t = np.sort(flat)[k - 1]
    return {n: np.abs(w) > t for n, w in weights.items()}


def gm_signed(weights, sparsity):
    _sparsity_ok(sparsity)
    names = list(weights)
    flat = np.concatenate([np.ravel(weights[n]) for n in names])
    order = np.argsort(flat, kind="stable")
    keep = np.ones(flat.size, dtype=bool)
    keep[order[: math.floor(sparsity * flat.size)]] = False
    out, start = {}, 0
    for n in names:
        out[n] = keep[start : start + np.size(weights[n])].reshape(np.shape(weights[n]))
        start += np.size(weights[n])
    return out


def gm_sum_of_floors(weights, sparsity):
    _sparsity_ok(sparsity)
    names = list(weights)
    flat = np.concatenate([np.ravel(weights[n]) for n in names])
    k = sum(math.floor(sparsity * np.size(weights[n])) for n in names)
    keep = _stable_keep(flat, k)
    out, start = {}, 0
    for n in names:
        out[n] = keep[start : start + np.size(weights[n])].reshape(np.shape(weights[n]))
        start += np.size(weights[n])
    return out


def gm_later_ties_first(weights, sparsity):
    _sparsity_ok(sparsity)
    names = list(weights)
    flat = np.abs(np.concatenate([np.ravel(weights[n]) for n in names]))
    order = flat.size - 1 - np.argsort(flat[::-1], kind="stable")
    keep = np.ones(flat.size, dtype=bool)
    keep[order[: math.floor(sparsity * flat.size)]] = False
    out, start = {}, 0
    for n in names:
        out[n] = keep[start : start + np.size(weights[n])].reshape(np.shape(weights[n]))
        start += np.size(weights[n])
    return out


# ----------------------------------------------------------------------------- csr_nbytes


def _two_d(w):
    w = np.asarray(w)
    _need(w.ndim == 2, "w must be 2-D")
    return w


def csr_count(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = int((w != 0).sum())
    return nnz * (value_bytes + index_bytes) + (w.shape[0] + 1) * index_bytes


def csr_scipy(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    m = sparse.csr_matrix(w)
    m.eliminate_zeros()
    return int(m.data.size * value_bytes + m.indices.size * index_bytes + m.indptr.size * index_bytes)


def csr_loop(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    total = index_bytes  # the first row pointer
    for row in w:
        total += index_bytes + sum(value_bytes + index_bytes for v in row if v != 0)
    return total


def csr_rows_pointers(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = int(np.count_nonzero(w))
    return nnz * (value_bytes + index_bytes) + w.shape[0] * index_bytes


def csr_cols_pointers(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = int(np.count_nonzero(w))
    return nnz * (value_bytes + index_bytes) + (w.shape[1] + 1) * index_bytes


def csr_values_only(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    return int(np.count_nonzero(w)) * value_bytes + (w.shape[0] + 1) * index_bytes


def csr_value_bytes_everywhere(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = int(np.count_nonzero(w))
    return nnz * 2 * value_bytes + (w.shape[0] + 1) * value_bytes


def csr_dense_count(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    return w.size * (value_bytes + index_bytes) + (w.shape[0] + 1) * index_bytes


def csr_float(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = np.count_nonzero(w)
    return float(nnz * (value_bytes + index_bytes) + (w.shape[0] + 1) * index_bytes)


def csr_threshold(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = int((np.abs(w) > 1e-6).sum())
    return nnz * (value_bytes + index_bytes) + (w.shape[0] + 1) * index_bytes


def csr_positive_only(w, value_bytes=4, index_bytes=4):
    w = _two_d(w)
    nnz = int((w > 0).sum())
    return nnz * (value_bytes + index_bytes) + (w.shape[0] + 1) * index_bytes


# ----------------------------------------------------------------------------- remove_neurons


def _rn_checks(w1, n_remove):
    _need(
        isinstance(n_remove, int) and not isinstance(n_remove, bool) and 0 <= n_remove < w1.shape[0],
        "n_remove",
    )


def rn_delete(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    gone = np.argsort(np.abs(w1).sum(axis=1), kind="stable")[:n_remove]
    return np.delete(w1, gone, axis=0), np.delete(b1, gone), np.delete(w2, gone, axis=1)


def rn_sorted_key(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    norms = np.abs(w1).sum(axis=1)
    gone = set(sorted(range(len(norms)), key=lambda i: (norms[i], i))[:n_remove])
    keep = [i for i in range(len(norms)) if i not in gone]
    return w1[keep], b1[keep], w2[:, keep]


def rn_boolean(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    order = np.lexsort((np.arange(w1.shape[0]), np.abs(w1).sum(axis=1)))
    keep = np.ones(w1.shape[0], dtype=bool)
    keep[order[:n_remove]] = False
    return w1[keep], b1[keep], w2[:, keep]


def rn_l2(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.sort(np.argsort(np.linalg.norm(w1, axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_outgoing(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.sort(np.argsort(np.abs(w2).sum(axis=0), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_largest(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    order = np.argsort(-np.abs(w1).sum(axis=1), kind="stable")
    keep = np.sort(order[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_unordered(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.argsort(np.abs(w1).sum(axis=1), kind="stable")[n_remove:]
    return w1[keep], b1[keep], w2[:, keep]


def rn_later_ties_first(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    norms = np.abs(w1).sum(axis=1)
    order = len(norms) - 1 - np.argsort(norms[::-1], kind="stable")
    keep = np.sort(order[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_forget_w2(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.sort(np.argsort(np.abs(w1).sum(axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2


def rn_w2_rows(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.sort(np.argsort(np.abs(w1).sum(axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[keep] if w2.shape[0] == w1.shape[0] else w2[:, keep].T


def rn_no_check(w1, b1, w2, n_remove):
    keep = np.sort(np.argsort(np.abs(w1).sum(axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_signed_sum(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.sort(np.argsort(w1.sum(axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_max_abs(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    keep = np.sort(np.argsort(np.abs(w1).max(axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def rn_zeroed(w1, b1, w2, n_remove):
    _rn_checks(w1, n_remove)
    gone = np.argsort(np.abs(w1).sum(axis=1), kind="stable")[:n_remove]
    w1, b1, w2 = w1.copy(), b1.copy(), w2.copy()
    w1[gone], b1[gone], w2[:, gone] = 0, 0, 0
    return w1, b1, w2


# ----------------------------------------------------------------------------- nm_mask


def _nm_checks(w, n, m):
    _need(isinstance(n, int) and isinstance(m, int) and 0 < n <= m, "0 < n <= m")
    _need(np.shape(w)[-1] % m == 0, "last axis divisible by m")


def nm_loop(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    flat = np.abs(w).reshape(-1, m)
    keep = np.zeros(flat.shape, dtype=bool)
    for g, group in enumerate(flat):
        best = sorted(range(m), key=lambda j: (-group[j], j))[:n]
        keep[g, best] = True
    return keep.reshape(w.shape)


def nm_lexsort(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    for r in range(g.shape[0]):
        keep[r, np.lexsort((np.arange(m), -g[r]))[:n]] = True
    return keep.reshape(w.shape)


def nm_rank(w, n=2, m=4):
    """Keep an entry when fewer than n others in its group beat it (larger, or equal and earlier)."""
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)[:, :, None]
    other = np.swapaxes(g, 1, 2)
    earlier = np.arange(m)[None, :] < np.arange(m)[:, None]  # [j, i]: i earlier than j
    beats = (other > g) | ((other == g) & earlier[None])
    return (beats.sum(axis=2) < n).reshape(w.shape)


def nm_smallest(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(g, axis=1, kind="stable")[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_later_ties_kept(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)
    order = np.argsort(g, axis=1, kind="stable")[:, ::-1]
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, order[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_first_axis(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).T.reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], True, axis=1)
    return keep.reshape(w.T.shape).T


def nm_strided(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    last = w.shape[-1]
    g = np.abs(w).reshape(-1, m, last // m).swapaxes(1, 2).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], True, axis=1)
    return keep.reshape(-1, last // m, m).swapaxes(1, 2).reshape(w.shape)


def nm_no_divisibility_check(w, n=2, m=4):
    _need(0 < n <= m, "n")
    w = np.asarray(w)
    flat = np.abs(w).ravel()
    pad = (-flat.size) % m
    g = np.concatenate([flat, np.zeros(pad)]).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], True, axis=1)
    return keep.ravel()[: flat.size].reshape(w.shape)


def nm_no_n_check(w, n=2, m=4):
    _need(np.shape(w)[-1] % m == 0, "m")
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_per_row(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, w.shape[-1])
    k = n * w.shape[-1] // m
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :k], True, axis=1)
    return keep.reshape(w.shape)


def nm_signed(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = w.reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_int_mask(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=np.int64)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], 1, axis=1)
    return keep.reshape(w.shape)


def nm_pruned_mask(w, n=2, m=4):
    _nm_checks(w, n, m)
    w = np.asarray(w)
    g = np.abs(w).reshape(-1, m)
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, np.argsort(-g, axis=1, kind="stable")[:, :n], True, axis=1)
    return ~keep.reshape(w.shape)


CORRECT = {
    "magnitude_mask": [mm_lexsort, mm_sorted_key, mm_mergesort],
    "global_masks": [gm_split, gm_reversed_insertion, gm_sorted_key],
    "csr_nbytes": [csr_count, csr_scipy, csr_loop],
    "remove_neurons": [rn_delete, rn_sorted_key, rn_boolean],
    "nm_mask": [nm_loop, nm_lexsort, nm_rank],
}

WRONG = {
    "magnitude_mask": [
        mm_threshold,
        mm_ceil,
        mm_round,
        mm_prune_largest,
        mm_later_ties_first,
        mm_signed,
        mm_inverted,
        mm_accepts_one,
        mm_flat,
        mm_int_mask,
        mm_per_row,
    ],
    "global_masks": [
        gm_per_layer,
        gm_sorted_names,
        gm_flat_masks,
        gm_threshold,
        gm_signed,
        gm_sum_of_floors,
        gm_later_ties_first,
    ],
    "csr_nbytes": [
        csr_rows_pointers,
        csr_cols_pointers,
        csr_values_only,
        csr_value_bytes_everywhere,
        csr_dense_count,
        csr_float,
        csr_threshold,
        csr_positive_only,
    ],
    "remove_neurons": [
        rn_l2,
        rn_outgoing,
        rn_largest,
        rn_unordered,
        rn_later_ties_first,
        rn_forget_w2,
        rn_w2_rows,
        rn_no_check,
        rn_signed_sum,
        rn_max_abs,
        rn_zeroed,
    ],
    "nm_mask": [
        nm_smallest,
        nm_later_ties_kept,
        nm_first_axis,
        nm_strided,
        nm_no_divisibility_check,
        nm_no_n_check,
        nm_per_row,
        nm_signed,
        nm_int_mask,
        nm_pruned_mask,
    ],
}


# ----------------------------------------------------------------------------- a second batch
# written after the checkers were revised: more answers of both kinds, to widen the measurement


def nm_reshape3(w, n=2, m=4):
    if not (isinstance(n, int) and 0 < n <= m) or w.shape[-1] % m:
        raise ValueError("x")
    g = np.abs(w).reshape(*w.shape[:-1], -1, m)
    order = np.argsort(-g, axis=-1, kind="stable")
    keep = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(keep, order[..., :n], True, axis=-1)
    return keep.reshape(w.shape)


def rn_views(w1, b1, w2, n_remove):
    if not (isinstance(n_remove, int) and 0 <= n_remove < w1.shape[0]):
        raise ValueError("n")
    keep = np.sort(np.argsort(np.abs(w1).sum(1), kind="mergesort")[n_remove:])
    return (w1[keep], b1[keep], w2[:, keep])


def rn_with_bias(w1, b1, w2, n_remove):
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n")
    keep = np.sort(np.argsort(np.abs(w1).sum(1) + np.abs(b1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def mm_argpartition(w, sparsity):
    if not 0 <= sparsity < 1:
        raise ValueError("s")
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    keep = np.ones(w.size, bool)
    if k:
        keep[np.argpartition(np.abs(w).ravel(), k - 1)[:k]] = False
    return keep.reshape(w.shape)


def gm_default_argsort(weights, sparsity):
    names = list(weights)
    flat = np.concatenate([np.ravel(weights[n]) for n in names])
    order = np.argsort(np.abs(flat))
    keep = np.ones(flat.size, bool)
    keep[order[: math.floor(sparsity * flat.size)]] = False
    out, st = {}, 0
    for n in names:
        sz = np.size(weights[n])
        out[n] = keep[st : st + sz].reshape(np.shape(weights[n]))
        st += sz
    return out


def csr_nan_zero(w, value_bytes=4, index_bytes=4):
    w = np.asarray(w)
    nnz = int(np.count_nonzero(w))
    return nnz * value_bytes + nnz * index_bytes + (w.shape[0] + 1) * value_bytes


CORRECT["nm_mask"] += [nm_reshape3]
CORRECT["remove_neurons"] += [rn_views]
WRONG["remove_neurons"] += [rn_with_bias]
WRONG["magnitude_mask"] += [mm_argpartition]
WRONG["global_masks"] += [gm_default_argsort]
WRONG["csr_nbytes"] += [csr_nan_zero]
