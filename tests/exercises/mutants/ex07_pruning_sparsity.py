"""Plausible wrong answers to exercise 07; each must be rejected by its task's checker."""

from __future__ import annotations

import math

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("07_pruning_sparsity")


def _check(s):
    if not 0 <= s < 1:
        raise ValueError("sparsity")


# --- magnitude_mask
def mask_keeps_smallest(w, sparsity):
    """The article's Sparse: keeps the small weights."""
    _check(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(-np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:k]] = False
    return keep.reshape(w.shape)


def mask_signed(w, sparsity):
    """Ranks by the signed value: large negative weights are pruned first."""
    _check(sparsity)
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(w.ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:k]] = False
    return keep.reshape(w.shape)


def mask_quantile_threshold(w, sparsity):
    """|w| > quantile: ties and interpolation give the wrong count."""
    _check(sparsity)
    return np.abs(w) > np.quantile(np.abs(w), sparsity)


def mask_rounds(w, sparsity):
    """round() instead of floor(): 0.5 * 7 prunes 4, not 3."""
    _check(sparsity)
    w = np.asarray(w)
    k = round(sparsity * w.size)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:k]] = False
    return keep.reshape(w.shape)


def mask_no_validation(w, sparsity):
    """Accepts sparsity >= 1 (prunes everything) and negative values."""
    return _sol().magnitude_mask(w, min(max(sparsity, 0.0), 0.999))


# --- global_masks
def global_is_layerwise(weights, sparsity):
    """Prunes each layer to the same sparsity."""
    if not weights:
        raise ValueError("empty")
    return {n: _sol().magnitude_mask(w, sparsity) for n, w in weights.items()}


def global_float_masks(weights, sparsity):
    """Right selection returned as 0.0/1.0 floats."""
    return {n: m.astype(np.float64) for n, m in _sol().global_masks(weights, sparsity).items()}


def global_skips_last_layer(weights, sparsity):
    """Forgets the last layer in the ranking (keeps it dense)."""
    names = list(weights)
    masks = _sol().global_masks({n: weights[n] for n in names[:-1]}, sparsity)
    masks[names[-1]] = np.ones_like(weights[names[-1]], dtype=bool)
    return masks


# --- csr_nbytes
def csr_values_only(w, value_bytes=4, index_bytes=4):
    """Ignores index bytes: 'a pruned model is smaller'."""
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError("2-D")
    return int(np.count_nonzero(w)) * value_bytes


def csr_no_row_pointers(w, value_bytes=4, index_bytes=4):
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError("2-D")
    return int(np.count_nonzero(w)) * (value_bytes + index_bytes)


def csr_rows_not_plus_one(w, value_bytes=4, index_bytes=4):
    return _sol().csr_nbytes(w, value_bytes, index_bytes) - index_bytes


# --- remove_neurons
def remove_strongest(w1, b1, w2, n_remove):
    """Removes the neurons with the LARGEST norm."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    keep = np.sort(np.argsort(-np.abs(w1).sum(axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def remove_forgets_next_layer(w1, b1, w2, n_remove):
    """Slices w1 and b1 but leaves w2 with its old input count."""
    nw1, nb1, _ = _sol().remove_neurons(w1, b1, w2, n_remove)
    return nw1, nb1, w2


def remove_columns(w1, b1, w2, n_remove):
    """Removes input columns of w1 instead of neurons."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    keep = np.sort(np.argsort(np.abs(w1).sum(axis=0), kind="stable")[n_remove:])
    return w1[:, keep], b1, w2


def remove_reorders(w1, b1, w2, n_remove):
    """Keeps the right neurons but shuffles w2's columns out of step with w1's rows."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    keep = np.argsort(np.abs(w1).sum(axis=1), kind="stable")[n_remove:]
    return w1[keep], b1[keep], w2[:, np.sort(keep)]


# --- nm_mask
def nm_keeps_smallest(w, n=2, m=4):
    w = np.asarray(w)
    if not 0 < n <= m or w.shape[-1] % m:
        raise ValueError("bad")
    groups = np.abs(w).reshape(-1, m)
    order = np.argsort(groups, axis=1, kind="stable")
    keep = np.zeros_like(groups, dtype=bool)
    np.put_along_axis(keep, order[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_signed(w, n=2, m=4):
    """Keeps the n largest signed values."""
    w = np.asarray(w)
    if not 0 < n <= m or w.shape[-1] % m:
        raise ValueError("bad")
    groups = w.reshape(-1, m)
    order = np.argsort(-groups, axis=1, kind="stable")
    keep = np.zeros_like(groups, dtype=bool)
    np.put_along_axis(keep, order[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_wrong_axis(w, n=2, m=4):
    """Groups along the first axis (columns) instead of the last."""
    w = np.asarray(w)
    if not 0 < n <= m or w.shape[-1] % m:
        raise ValueError("bad")
    if w.shape[0] % m:
        return _sol().magnitude_mask(w, 1 - n / m)
    return _sol().nm_mask(w.T, n, m).T


def mask_later_ties_first(w, sparsity):
    """Among equal magnitudes prunes the LATER position first (a reversed stable sort)."""
    _check(sparsity)
    w = np.asarray(w)
    flat = np.abs(w).ravel()
    order = flat.size - 1 - np.argsort(flat[::-1], kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


def _split(keep, weights, names):
    out, start = {}, 0
    for n in names:
        size = np.asarray(weights[n]).size
        out[n] = keep[start:start + size].reshape(np.shape(weights[n]))
        start += size
    return out


def global_sorted_names(weights, sparsity):
    """Concatenates the layers sorted by name, not in the dict's order: ties land elsewhere."""
    names = sorted(weights)
    keep = _sol().magnitude_mask(np.concatenate([np.ravel(weights[n]) for n in names]), sparsity)
    return _split(keep, weights, names)


def global_threshold(weights, sparsity):
    """|w| above the k-th smallest magnitude: with ties at the cut it prunes too many."""
    flat = np.abs(np.concatenate([np.ravel(w) for w in weights.values()]))
    k = math.floor(sparsity * flat.size)
    if k == 0:
        return {n: np.ones(np.shape(w), dtype=bool) for n, w in weights.items()}
    t = np.sort(flat)[k - 1]
    return {n: np.abs(w) > t for n, w in weights.items()}


def global_empty_crashes(weights, sparsity):
    """An empty dict ends in an IndexError instead of {} (or a ValueError)."""
    names = list(weights)
    if not names:
        return [][0]
    keep = _sol().magnitude_mask(np.concatenate([np.ravel(weights[n]) for n in names]), sparsity)
    return _split(keep, weights, names)


def csr_threshold(w, value_bytes=4, index_bytes=4):
    """Counts |w| > 1e-6 as nonzero: tiny stored values are missed."""
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError("2-D")
    nnz = int((np.abs(w) > 1e-6).sum())
    return nnz * (value_bytes + index_bytes) + (w.shape[0] + 1) * index_bytes


def remove_l2(w1, b1, w2, n_remove):
    """Ranks neurons by the Euclidean norm instead of the L1 norm."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    keep = np.sort(np.argsort(np.linalg.norm(w1, axis=1), kind="stable")[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def remove_unordered(w1, b1, w2, n_remove):
    """Right neurons, consistently sliced, but in order of their norm, not their original order."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    keep = np.argsort(np.abs(w1).sum(axis=1), kind="stable")[n_remove:]
    return w1[keep], b1[keep], w2[:, keep]


def remove_later_ties_first(w1, b1, w2, n_remove):
    """Among equal L1 norms removes the later neuron first."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    norms = np.abs(w1).sum(axis=1)
    keep = np.sort((len(norms) - 1 - np.argsort(norms[::-1], kind="stable"))[n_remove:])
    return w1[keep], b1[keep], w2[:, keep]


def nm_later_ties_kept(w, n=2, m=4):
    """Reverses an ascending stable sort: among equal magnitudes keeps the LATER ones."""
    w = np.asarray(w)
    if not 0 < n <= m or w.shape[-1] % m:
        raise ValueError("bad")
    groups = np.abs(w).reshape(-1, m)
    order = np.argsort(groups, axis=1, kind="stable")[:, ::-1]
    keep = np.zeros(groups.shape, dtype=bool)
    np.put_along_axis(keep, order[:, :n], True, axis=1)
    return keep.reshape(w.shape)


def nm_accepts_n_zero(w, n=2, m=4):
    """Checks n <= m but not 0 < n: n = 0 gives an all-False mask."""
    w = np.asarray(w)
    if n == 0 and w.shape[-1] % m == 0:
        return np.zeros(w.shape, dtype=bool)
    return _sol().nm_mask(w, n, m)


def mask_unstable_sort(w, sparsity):
    """An unstable sort (heapsort here; NumPy's default quicksort is unstable too on larger arrays):
    ties are broken in no stated order."""
    _check(sparsity)
    w = np.asarray(w)
    order = np.argsort(np.abs(w).ravel(), kind="heapsort")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:math.floor(sparsity * w.size)]] = False
    return keep.reshape(w.shape)


MUTANTS = {
    "magnitude_mask": [mask_keeps_smallest, mask_signed, mask_quantile_threshold, mask_rounds,
                       mask_no_validation, mask_later_ties_first, mask_unstable_sort],
    "global_masks": [global_is_layerwise, global_float_masks, global_skips_last_layer, global_sorted_names,
                     global_threshold, global_empty_crashes],
    "csr_nbytes": [csr_values_only, csr_no_row_pointers, csr_rows_not_plus_one, csr_threshold],
    "remove_neurons": [remove_strongest, remove_forgets_next_layer, remove_columns, remove_reorders,
                       remove_l2, remove_unordered, remove_later_ties_first],
    "nm_mask": [nm_keeps_smallest, nm_signed, nm_wrong_axis, nm_later_ties_kept, nm_accepts_n_zero],
}


def global_refuses_empty(weights, sparsity):
    """Correct: refusing an empty dict of layers with ValueError is allowed."""
    if not weights:
        raise ValueError("no layers")
    return _sol().global_masks(weights, sparsity)


def remove_neurons_as_list(w1, b1, w2, n_remove):
    """Correct: np.delete on the removed indices, the same arrays as the reference."""
    if not 0 <= n_remove < w1.shape[0]:
        raise ValueError("n_remove")
    gone = np.argsort(np.abs(w1).sum(axis=1), kind="stable")[:n_remove]
    return np.delete(w1, gone, axis=0), np.delete(b1, gone), np.delete(w2, gone, axis=1)


# correct answers written otherwise: each must be accepted
EQUIVALENTS = {
    "global_masks": [global_refuses_empty],
    "remove_neurons": [remove_neurons_as_list],
}
