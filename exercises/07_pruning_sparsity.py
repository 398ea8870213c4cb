# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 07_pruning_sparsity
# (generated from solutions/07_pruning_sparsity.py by `python3 course.py exercises`)
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
    raise NotImplementedError("write magnitude_mask() here")


def global_masks(weights: dict[str, np.ndarray], sparsity: float) -> dict[str, np.ndarray]:
    """Keep-masks for several layers pruned *together*: one magnitude ranking over all weights,
    ``floor(sparsity * total)`` pruned overall, so layers end up with different sparsities.

    Ties are broken by position in the concatenation of the layers in the dict's order (earlier
    pruned first). An empty dict has nothing to prune: return ``{}`` (raising ``ValueError`` is
    accepted too).
    """
    raise NotImplementedError("write global_masks() here")


def csr_nbytes(w: np.ndarray, value_bytes: int = 4, index_bytes: int = 4) -> int:
    """Bytes of the 2-D ``w`` in CSR form: every nonzero value, one column index per nonzero, and
    ``rows + 1`` row pointers (each index or pointer is ``index_bytes``)."""
    raise NotImplementedError("write csr_nbytes() here")


def remove_neurons(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, n_remove: int):
    """Structured pruning of a hidden layer: physically remove ``n_remove`` hidden neurons.

    The MLP computes ``w2 @ relu(w1 @ x + b1)`` with ``w1`` of shape ``(hidden, in)``, ``b1`` of shape
    ``(hidden,)`` and ``w2`` of shape ``(out, hidden)``. Remove the neurons whose incoming weights have
    the smallest L1 norm (``|w1[i]|.sum()``; ties: earlier index first), keep the others in their
    order, and return ``(w1, b1, w2)`` with the neuron's row of ``w1``, entry of ``b1`` *and* column
    of ``w2`` gone. ``n_remove`` must be an int in ``[0, hidden)``.
    """
    raise NotImplementedError("write remove_neurons() here")


def nm_mask(w: np.ndarray, n: int = 2, m: int = 4) -> np.ndarray:
    """N:M keep-mask: in every group of ``m`` consecutive entries along the last axis keep the ``n``
    with the largest ``|w|`` (ties: earlier position kept). The last axis must be divisible by ``m``
    and ``0 < n <= m``."""
    raise NotImplementedError("write nm_mask() here")
