"""Exercise 07 — pruning and sparsity: masks, sparse storage and really removing neurons.

Notebook 07 explains each step. Arrays are NumPy arrays; a mask is a boolean array where ``True``
means *keep*. Check your work with

    python3 course.py check 07_pruning_sparsity [task]
"""

from __future__ import annotations

import math

import numpy as np


def magnitude_mask(w: np.ndarray, sparsity: float) -> np.ndarray:
    """Boolean keep-mask of ``w``'s shape that prunes exactly ``floor(sparsity * w.size)`` entries,
    those with the smallest magnitude ``|w|`` (ties: the earlier position is pruned first).

    ``sparsity`` must be a number in [0, 1); raise ``ValueError`` otherwise.
    """
    # BEGIN SOLUTION
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) or not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be a number in [0, 1), got {sparsity!r}")
    w = np.asarray(w)
    k = math.floor(sparsity * w.size)
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:k]] = False
    return keep.reshape(w.shape)
    # END SOLUTION


def global_masks(weights: dict[str, np.ndarray], sparsity: float) -> dict[str, np.ndarray]:
    """Keep-masks for several layers pruned *together*: one magnitude ranking over all weights,
    ``floor(sparsity * total)`` pruned overall, so layers end up with different sparsities.

    Ties are broken by position in the concatenation of the layers in the dict's order (earlier
    pruned first). An empty dict has nothing to prune: return ``{}`` (raising ``ValueError`` is
    accepted too).
    """
    # BEGIN SOLUTION
    if not weights:
        return {}
    names = list(weights)
    flat = np.concatenate([np.asarray(weights[n]).ravel() for n in names])
    keep = magnitude_mask(flat, sparsity)
    masks, start = {}, 0
    for n in names:
        size = np.asarray(weights[n]).size
        masks[n] = keep[start:start + size].reshape(np.asarray(weights[n]).shape)
        start += size
    return masks
    # END SOLUTION


def csr_nbytes(w: np.ndarray, value_bytes: int = 4, index_bytes: int = 4) -> int:
    """Bytes of the 2-D ``w`` in CSR form: every nonzero value, one column index per nonzero, and
    ``rows + 1`` row pointers (each index or pointer is ``index_bytes``)."""
    # BEGIN SOLUTION
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError(f"w must be 2-D, got shape {w.shape}")
    nnz = int(np.count_nonzero(w))
    return nnz * value_bytes + nnz * index_bytes + (w.shape[0] + 1) * index_bytes
    # END SOLUTION


def remove_neurons(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, n_remove: int):
    """Structured pruning of a hidden layer: physically remove ``n_remove`` hidden neurons.

    The MLP computes ``w2 @ relu(w1 @ x + b1)`` with ``w1`` of shape ``(hidden, in)``, ``b1`` of shape
    ``(hidden,)`` and ``w2`` of shape ``(out, hidden)``. Remove the neurons whose incoming weights have
    the smallest L1 norm (``|w1[i]|.sum()``; ties: earlier index first), keep the others in their
    order, and return ``(w1, b1, w2)`` with the neuron's row of ``w1``, entry of ``b1`` *and* column
    of ``w2`` gone. ``n_remove`` must be an int in ``[0, hidden)``.
    """
    # BEGIN SOLUTION
    hidden = w1.shape[0]
    if isinstance(n_remove, bool) or not isinstance(n_remove, int) or not 0 <= n_remove < hidden:
        raise ValueError(f"n_remove must be an int in [0, {hidden}), got {n_remove!r}")
    if b1.shape != (hidden,) or w2.shape[1] != hidden:
        raise ValueError(f"shapes do not chain: w1 {w1.shape}, b1 {b1.shape}, w2 {w2.shape}")
    order = np.argsort(np.abs(w1).sum(axis=1), kind="stable")
    keep = np.sort(order[n_remove:])
    return w1[keep].copy(), b1[keep].copy(), w2[:, keep].copy()
    # END SOLUTION


def nm_mask(w: np.ndarray, n: int = 2, m: int = 4) -> np.ndarray:
    """N:M keep-mask: in every group of ``m`` consecutive entries along the last axis keep the ``n``
    with the largest ``|w|`` (ties: earlier position kept). The last axis must be divisible by ``m``
    and ``0 < n <= m``."""
    # BEGIN SOLUTION
    w = np.asarray(w)
    if not (isinstance(n, int) and isinstance(m, int) and 0 < n <= m):
        raise ValueError(f"need ints 0 < n <= m, got n={n!r}, m={m!r}")
    if w.shape[-1] % m:
        raise ValueError(f"the last axis ({w.shape[-1]}) must be divisible by m={m}")
    groups = np.abs(w).reshape(-1, m)
    order = np.argsort(-groups, axis=1, kind="stable")
    keep = np.zeros_like(groups, dtype=bool)
    np.put_along_axis(keep, order[:, :n], True, axis=1)
    return keep.reshape(w.shape)
    # END SOLUTION
