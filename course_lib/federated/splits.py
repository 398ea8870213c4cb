"""Splitting one labelled data set among federated clients: IID and two kinds of non-IID.

Every function returns a list of ``n_clients`` index arrays that **partition** ``range(len(y))``:
each example goes to exactly one client, and no client is empty.

* ``iid_split`` — shuffle, then cut into near-equal parts (sizes differ by at most one);
* ``dirichlet_split`` — label skew (Hsu, Qi & Brown 2019): for every class ``c`` draw client
  proportions ``p_c ~ Dirichlet(α, …, α)`` and deal the class's examples out by a multinomial draw
  with those proportions. Small ``α`` (0.1) gives each client a few dominant labels, large ``α``
  (100) is nearly IID. A draw that leaves some client empty is redrawn (up to ``max_tries``
  times, then a ``ValueError``): the split is a Dirichlet split *conditioned on no empty client*;
* ``shard_split`` — pathological non-IID (McMahan et al. 2017): cut the data, ordered by label, into
  ``n_clients · shards_per_client`` shards and give each client ``shards_per_client`` of them at
  random. Here every shard holds **one** label (each class is cut into its own shards, their number
  proportional to the class's size), so a client sees at most ``shards_per_client`` labels; McMahan
  et al. cut the sorted data regardless of class boundaries, where a shard can straddle two labels.

References:
    H. B. McMahan, E. Moore, D. Ramage, S. Hampson, B. Agüera y Arcas. Communication-efficient
    learning of deep networks from decentralized data. AISTATS 2017.
    T.-M. H. Hsu, H. Qi, M. Brown. Measuring the effects of non-identical data distribution for
    federated visual classification. arXiv:1909.06335, 2019.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int, check_positive

__all__ = ["dirichlet_split", "iid_split", "shard_split"]


def _labels(y) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels, got shape {arr.shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {arr.dtype}")
    return arr


def _generator(generator) -> np.random.Generator:
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(generator).__name__}")
    return generator


def _clients(n_clients, n: int) -> int:
    return check_int(n_clients, "n_clients", 1, n)


def iid_split(y, n_clients: int, generator: np.random.Generator) -> list[np.ndarray]:
    """Shuffle the examples and cut them into ``n_clients`` parts whose sizes differ by at most one.

    ``n_clients`` must be in ``[1, len(y)]``, so no part is empty.
    """
    y = _labels(y)
    n_clients = _clients(n_clients, len(y))
    order = _generator(generator).permutation(len(y))
    return [np.sort(part) for part in np.array_split(order, n_clients)]


def dirichlet_split(
    y, n_clients: int, alpha: float, generator: np.random.Generator, *, max_tries: int = 100
) -> list[np.ndarray]:
    """Label-skewed split (Hsu et al. 2019): class ``c``'s examples go to clients in proportions
    ``p_c ~ Dirichlet(α·1)``.

    For each class the counts are one multinomial draw ``Multinomial(n_c, p_c)``, and the class's
    examples, shuffled, are dealt out in those counts: the parts partition the data exactly. A draw
    that leaves a client with no example is redrawn; after ``max_tries`` failures a ``ValueError``
    says to raise ``alpha`` or lower ``n_clients``.
    """
    y = _labels(y)
    n_clients = _clients(n_clients, len(y))
    alpha = check_positive(alpha, "alpha")
    max_tries = check_int(max_tries, "max_tries", 1)
    rng = _generator(generator)
    classes = np.unique(y)
    for _ in range(max_tries):
        parts: list[list[np.ndarray]] = [[] for _ in range(n_clients)]
        for c in classes:
            members = rng.permutation(np.flatnonzero(y == c))
            counts = rng.multinomial(len(members), rng.dirichlet(np.full(n_clients, alpha)))
            for k, chunk in enumerate(np.split(members, np.cumsum(counts)[:-1])):
                parts[k].append(chunk)
        out = [np.sort(np.concatenate(p)) for p in parts]
        if all(len(p) > 0 for p in out):
            return out
    raise ValueError(f"dirichlet_split left some client empty in all {max_tries} draws "
                     f"(alpha={alpha}, n_clients={n_clients}, {len(y)} examples); raise alpha or "
                     f"lower n_clients")


def _apportion(sizes: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` shards among classes in proportion to ``sizes``: at least one per class, at
    most one per example (largest remainders)."""
    quota = total * sizes / sizes.sum()
    shards = np.clip(np.floor(quota).astype(int), 1, sizes)
    while shards.sum() < total:  # give the next shard to the class furthest below its quota
        room = shards < sizes
        gap = np.where(room, quota - shards, -np.inf)
        shards[int(np.argmax(gap))] += 1
    while shards.sum() > total:  # (only when the minimum of one shard per class overshoots)
        spare = shards > 1
        excess = np.where(spare, shards - quota, -np.inf)
        shards[int(np.argmax(excess))] -= 1
    return shards


def shard_split(
    y, n_clients: int, shards_per_client: int, generator: np.random.Generator
) -> list[np.ndarray]:
    """Pathological non-IID split (McMahan et al. 2017): each client gets ``shards_per_client``
    single-label shards, so it sees at most ``shards_per_client`` different labels.

    The ``n_clients · shards_per_client`` shards are apportioned to classes in proportion to their
    sizes (at least one shard per class), each class's shuffled examples are cut into near-equal
    shards, and the shards are dealt to clients in a random order. Needs at least as many shards
    as classes and no more shards than examples.
    """
    y = _labels(y)
    n_clients = _clients(n_clients, len(y))
    shards_per_client = check_int(shards_per_client, "shards_per_client", 1)
    rng = _generator(generator)
    classes, sizes = np.unique(y, return_counts=True)
    total = n_clients * shards_per_client
    if not len(classes) <= total <= len(y):
        raise ValueError(f"n_clients * shards_per_client must be between the number of classes "
                         f"({len(classes)}) and the number of examples ({len(y)}), got {total}")
    per_class = _apportion(sizes, total)
    shards: list[np.ndarray] = []
    for c, k in zip(classes, per_class):
        shards.extend(np.array_split(rng.permutation(np.flatnonzero(y == c)), k))
    order = rng.permutation(total)
    return [np.sort(np.concatenate([shards[s] for s in order[i::n_clients]])) for i in range(n_clients)]
