"""Checkers for exercise 07 (pruning and sparsity). Messages name the input and the property only."""

from __future__ import annotations

import math

import numpy as np

from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_error


def _check_keep_mask(w, keep, k, call):
    if keep.dtype != bool:
        raise CheckFailure(f"{call}: the mask has dtype {keep.dtype}, expected bool (True = keep)")
    if k and np.array_equal(~keep, _reference_keep(w, k)):
        raise CheckFailure(f"{call}: the mask is the exact opposite of the right one",
                           hint="Prune (mark False) the SMALLEST magnitudes; True means keep.")
    pruned = int((~keep).sum())
    if pruned != k:
        raise CheckFailure(f"{call}: pruned {pruned} of {w.size} weights; the sparsity asks for a "
                           "different number", hint="Prune exactly floor(sparsity * size) weights.")
    if k and keep.any() and np.abs(w[~keep]).max() > np.abs(w[keep]).min():
        raise CheckFailure(f"{call}: a pruned weight is larger in magnitude than a kept one",
                           hint="Rank by |w| and prune the SMALLEST magnitudes; -3 is a large weight.")


def _reference_keep(w, k):
    """Keep-mask pruning the k smallest |w|, earlier positions first among equal magnitudes."""
    order = np.argsort(np.abs(w).ravel(), kind="stable")
    keep = np.ones(w.size, dtype=bool)
    keep[order[:k]] = False
    return keep.reshape(w.shape)


def _check_ties(keep, want, call, rule):
    if not np.array_equal(keep, want):
        raise CheckFailure(f"{call}: among weights of equal magnitude the wrong ones are pruned",
                           hint=rule)


_TIES = "Ties in |w|: the EARLIER position is pruned first (a stable sort by |w|)."


def check_magnitude_mask(fn) -> None:
    gen = np.random.default_rng(7)
    cases = [(gen.normal(size=(8, 8)), 0.5), (gen.normal(size=20), 0.9), (gen.normal(size=(3, 5)), 0.3),
             (gen.normal(size=7), 0.5), (gen.normal(size=(4, 4)), 0.0),
             (np.array([0.1, -0.1, 0.1, 0.5, -2.0, 0.1]), 0.5),  # ties in magnitude
             (np.array([[0.3, -0.2, 0.2], [0.2, -0.2, 0.7]]), 0.5),  # ties across rows, at the cut
             # many ties in a larger array: an unstable sort (NumPy's default) breaks them otherwise
             (gen.choice([0.1, -0.1, 0.2, -0.2, 0.3, 0.5, -0.3], size=(8, 8)), 0.5)]
    for w, s in cases:
        call = f"magnitude_mask(w of shape {w.shape}, sparsity={s})"
        original = w.copy()
        keep = as_array(fn(w, s), call, shape=w.shape)
        if not np.array_equal(w, original):
            raise CheckFailure(f"{call} modified w; a mask function must not change the weights")
        _check_keep_mask(w, keep, math.floor(s * w.size), call)
        _check_ties(keep, _reference_keep(w, math.floor(s * w.size)), call, _TIES)
    for s in (-0.1, 1.0, 1.5):
        expect_error(fn, (np.ones(4), s), (ValueError,), f"magnitude_mask(w, sparsity={s})")


def check_global_masks(fn) -> None:
    gen = np.random.default_rng(70)
    weights = {"fc1": gen.normal(0, 0.05, size=(16, 8)), "fc2": gen.normal(0, 0.5, size=(8, 4)),
               "fc3": gen.normal(0, 0.2, size=(4, 3))}
    # names out of alphabetical order, equal magnitudes across layers and at the cut
    tied = {"out": np.array([[0.5, -0.25], [0.25, 1.0]]), "hidden": np.array([0.25, -0.5, 0.1, 0.25]),
            "emb": np.array([[-0.25, 0.1, 2.0]])}
    many = {"b": gen.choice([0.1, -0.1, 0.2, -0.2, 0.3], size=(6, 8)), "a": gen.choice([0.1, -0.2], size=30)}
    for layers, s, what in [(weights, 0.5, "three layers of different scales"),
                            (weights, 0.8, "three layers of different scales"),
                            (tied, 0.5, "layers 'out', 'hidden', 'emb' with tied magnitudes"),
                            (many, 0.5, "layers 'b', 'a' with many tied magnitudes")]:
        call = f"global_masks({what}, sparsity={s})"
        masks = fn({k: v.copy() for k, v in layers.items()}, s)
        if not isinstance(masks, dict) or set(masks) != set(layers):
            raise CheckFailure(f"{call} must return a dict with one mask per layer name")
        for name in layers:
            as_array(masks[name], f"{call}[{name!r}]", shape=layers[name].shape)
        w = np.concatenate([layers[n].ravel() for n in layers])
        keep = np.concatenate([np.asarray(masks[n]).ravel() for n in layers])
        total = w.size
        per_layer = {n: 1 - np.asarray(masks[n]).mean() for n in layers}
        if layers is weights and all(math.isclose(v, math.floor(s * layers[n].size) / layers[n].size)
                                     for n, v in per_layer.items()):
            raise CheckFailure(f"{call}: every layer got the same sparsity — that is layer-wise pruning",
                               hint="Rank ALL weights together against one threshold.")
        _check_keep_mask(w, keep, math.floor(s * total), call)
        _check_ties(keep, _reference_keep(w, math.floor(s * total)), call,
                    "Ties in |w|: the earlier position in the concatenation of the layers, in the "
                    "dict's own order (not sorted by name), is pruned first.")
    call = "global_masks({}, 0.5)"
    try:
        empty = fn({}, 0.5)
    except ValueError:
        return  # refusing an empty model is allowed too
    if not (isinstance(empty, dict) and not empty):
        raise CheckFailure(f"{call}: an empty dict of layers has nothing to prune; expected an empty "
                           f"dict (or ValueError), got {type(empty).__name__}")


def check_csr_nbytes(fn) -> None:
    gen = np.random.default_rng(71)
    for rows, cols, density, vb, ib in [(100, 200, 0.1, 4, 4), (64, 64, 0.5, 4, 8), (10, 1000, 0.01, 1, 2),
                                        (5, 5, 0.0, 4, 4)]:
        w = gen.normal(size=(rows, cols)) * (gen.random((rows, cols)) < density)
        if rows == 64:
            w[0, :3] = [1e-12, -1e-30, -0.0]  # tiny values are nonzeros; -0.0 is a zero
        call = f"csr_nbytes(w of shape {w.shape} with {np.count_nonzero(w)} nonzeros, value_bytes={vb}, " \
            f"index_bytes={ib})"
        n = fn(w.copy(), vb, ib)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise CheckFailure(f"{call} returned {type(n).__name__}, expected an int")
        nnz = np.count_nonzero(w)
        if n == nnz * vb:
            raise CheckFailure(f"{call}: only the values are counted",
                               hint="A sparse matrix also stores where each value is: indices and pointers.")
        if n == nnz * (vb + ib):
            raise CheckFailure(f"{call}: the row pointers are missing", hint="CSR keeps rows + 1 pointers.")
        if n != nnz * (vb + ib) + (rows + 1) * ib:
            raise CheckFailure(f"{call}: wrong byte count",
                               hint="Every value that is not exactly 0 is stored, however small: "
                               "nnz values, nnz column indices, rows + 1 row pointers.")


def check_remove_neurons(fn) -> None:
    gen = np.random.default_rng(72)
    w1, b1, w2 = gen.normal(size=(6, 4)), gen.normal(size=6), gen.normal(size=(3, 6))
    w1[2] *= 0.01
    w1[4] *= 0.1
    # L1 and L2 disagree: row 0 has L1 2.0 (L2 1.0), row 1 has L1 1.9 (L2 1.9)
    l1 = np.array([[0.5, 0.5, 0.5, 0.5], [1.9, 0.0, 0.0, 0.0], [3.0, 1.0, 0.0, 0.0],
                   [0.0, 0.0, 0.0, 1.95], [2.0, 2.0, 1.0, 0.0]])
    # equal L1 norms: the earlier neuron goes first
    tied = np.array([[1.0, -1.0, 0.0], [0.5, 0.5, 0.5], [-2.0, 0.0, 0.0], [0.0, 0.0, 3.0], [1.0, 0.0, 0.0]])
    cases = [(w1, b1, w2, n) for n in (0, 2, 5)] + [
        (l1, gen.normal(size=5), gen.normal(size=(2, 5)), 2),
        (tied, gen.normal(size=5), gen.normal(size=(3, 5)), 1),
        (tied, gen.normal(size=5), gen.normal(size=(3, 5)), 3)]
    for w1, b1, w2, n in cases:
        hidden, inputs = w1.shape
        call = f"remove_neurons(w1 {w1.shape}, b1 {b1.shape}, w2 {w2.shape}, n_remove={n})"
        out = fn(w1.copy(), b1.copy(), w2.copy(), n)
        if not (isinstance(out, tuple | list) and len(out) == 3):
            raise CheckFailure(f"{call} must return a tuple (w1, b1, w2)")
        nw1, nb1, nw2 = (np.asarray(a) for a in out)
        if nw1.shape != (hidden - n, inputs) or nb1.shape != (hidden - n,) or \
                nw2.shape != (w2.shape[0], hidden - n):
            raise CheckFailure(
                f"{call}: got shapes w1 {nw1.shape}, b1 {nb1.shape}, w2 {nw2.shape}; removing a neuron "
                "removes a row of w1, an entry of b1 and a column of w2",
                hint="The next layer's inputs must follow the removed outputs.")
        norms = np.abs(w1).sum(axis=1)
        keep = np.sort(np.argsort(norms, kind="stable")[n:])
        x = gen.normal(size=(inputs, 20))
        # the pruned network must compute what the original computes with those neurons silenced
        h = np.maximum(w1 @ x + b1[:, None], 0)
        silenced = h.copy()
        silenced[[i for i in range(hidden) if i not in keep]] = 0
        want = w2 @ silenced
        got = nw2 @ np.maximum(nw1 @ x + nb1[:, None], 0)
        if not np.allclose(got, want, atol=1e-9):
            if sorted(map(tuple, nw1.tolist())) == sorted(map(tuple, w1[keep].tolist())):
                raise CheckFailure(f"{call}: the right neurons are kept but w1, b1 and w2 are not sliced "
                                   "the same way", hint="Use one list of kept indices for all three.")
            if np.ptp(norms) > 0 and len(set(norms.tolist())) < hidden and \
                    sorted(np.abs(nw1).sum(axis=1).tolist()) == sorted(norms[keep].tolist()):
                raise CheckFailure(f"{call}: among neurons with equal L1 norms the wrong ones are removed",
                                   hint="Ties: the EARLIER index is removed first (a stable sort).")
            raise CheckFailure(f"{call}: the smaller network does not match the original with the "
                               "weakest neurons switched off",
                               hint="Remove the neurons with the SMALLEST L1 norm (sum of |w|, not the "
                               "Euclidean norm) of their incoming weights, and slice b1 and w2 the "
                               "same way.")
        if not (np.array_equal(nw1, w1[keep]) and np.array_equal(nb1, b1[keep])
                and np.array_equal(nw2, w2[:, keep])):
            raise CheckFailure(f"{call}: the kept neurons are not in their original order",
                               hint="Keep the remaining neurons in the order they had (sort the kept "
                               "indices).")
    expect_error(fn, (w1, b1, w2, w1.shape[0]), (ValueError,), "remove_neurons(..., n_remove=hidden) "
                 "(all neurons)")


def check_nm_mask(fn) -> None:
    gen = np.random.default_rng(73)
    tied = np.array([[0.5, -0.5, 0.5, 0.1, 1.0, 1.0, -1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 2.0, 0.3, -0.3, 0.3]])
    for shape, n, m in [((4, 8), 2, 4), ((2, 12), 1, 4), ((3, 16), 2, 8), ((2, 4), 4, 4), ((2, 8), 2, 4),
                        ((2, 8), 1, 4)]:
        w = tied.copy() if shape == (2, 8) else gen.normal(size=shape)
        call = f"nm_mask(w of shape {shape}, n={n}, m={m})"
        keep = as_array(fn(w.copy(), n, m), call, shape=shape)
        if keep.dtype != bool:
            raise CheckFailure(f"{call}: the mask has dtype {keep.dtype}, expected bool")
        groups_w = np.abs(w).reshape(-1, m)
        groups_k = keep.reshape(-1, m)
        if np.any(groups_k.sum(axis=1) != n):
            raise CheckFailure(f"{call}: some group of {m} consecutive weights along the last axis does "
                               f"not keep exactly {n}", hint="Groups run along the LAST axis.")
        for gw, gk in zip(groups_w, groups_k):
            if n < m and gw[~gk].max() > gw[gk].min():
                raise CheckFailure(f"{call}: a group keeps a smaller |w| than one it drops",
                                   hint="Keep the n LARGEST magnitudes in each group.")
        order = np.argsort(-groups_w, axis=1, kind="stable")
        want = np.zeros(groups_w.shape, dtype=bool)
        np.put_along_axis(want, order[:, :n], True, axis=1)
        if not np.array_equal(groups_k, want):
            raise CheckFailure(f"{call}: among weights of equal magnitude in a group the wrong ones are kept",
                               hint="Ties: the EARLIER position is kept (a stable sort by -|w|).")
    expect_error(fn, (np.ones((2, 6)), 2, 4), (ValueError,), "nm_mask(w with last axis 6, m=4)")
    expect_error(fn, (np.ones((2, 4)), 5, 4), (ValueError,), "nm_mask(w, n=5, m=4)")
    expect_error(fn, (np.ones((2, 4)), 0, 4), (ValueError,), "nm_mask(w, n=0, m=4)")


EXERCISE = Exercise(
    name="07_pruning_sparsity",
    title="Pruning and sparsity: masks, honest sparse bytes, and neurons really removed",
    tasks=(
        Task("magnitude_mask", "magnitude_mask", check_magnitude_mask, notebook="07_pruning_sparsity",
             hint="Rank by |w|; prune floor(sparsity * size) of the smallest; keep the sign and the rest."),
        Task("global_masks", "global_masks", check_global_masks, notebook="07_pruning_sparsity",
             hint="Concatenate all layers, build one magnitude mask, cut it back into layers."),
        Task("csr_nbytes", "csr_nbytes", check_csr_nbytes, notebook="07_pruning_sparsity",
             hint="Values + one column index per value + rows + 1 row pointers."),
        Task("remove_neurons", "remove_neurons", check_remove_neurons, notebook="07_pruning_sparsity",
             hint="Rank neurons by the L1 norm of their row in w1; slice w1 rows, b1, and w2 columns."),
        Task("nm_mask", "nm_mask", check_nm_mask, notebook="07_pruning_sparsity",
             hint="Reshape to groups of m along the last axis; keep the n largest |w| in each."),
    ),
)
