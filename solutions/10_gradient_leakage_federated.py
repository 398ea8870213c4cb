"""Exercise 10 — gradient leakage and federated learning: the pieces of notebook 10 in NumPy.

Invert a first-layer gradient in closed form, read the label off the last layer's gradient (iDLG),
average client models as the FedAvg server does, split a data set among clients with label skew,
aggregate client updates with DP-FedAvg's rule, mask an update for secure aggregation, and recover
the sum after clients drop out. Arrays are NumPy arrays; NumPy is all you need. Check your work with

    python3 course.py check 10_gradient_leakage_federated [task]
"""

from __future__ import annotations

import numpy as np


def invert_first_layer(grad_W1: np.ndarray, grad_b1: np.ndarray) -> np.ndarray:
    """The input x of a first layer ``z = W₁x + b₁``, from ONE example's gradients of W₁ and b₁.

    By the chain rule ``∂L/∂W₁[i, :] = ∂L/∂z_i · xᵀ`` and ``∂L/∂b₁[i] = ∂L/∂z_i``, so every row i
    with ``∂L/∂b₁[i] ≠ 0`` gives ``x = ∂L/∂W₁[i, :] / ∂L/∂b₁[i]``. Use the row with the largest
    ``|∂L/∂b₁[i]|`` (``np.argmax`` of the absolute values: the first such row if several tie):
    dividing by the largest number loses the least to round-off and noise. Rows of dead ReLU units
    have ``∂L/∂b₁[i] = 0`` and must not be used.

    ``grad_W1`` has shape (hidden, n_in), ``grad_b1`` shape (hidden,); return the (n_in,) float array.
    Raise ValueError when ``grad_b1`` has not one entry per row of ``grad_W1``, or when it is all
    zeros (then no row can be used).
    """
    # BEGIN SOLUTION
    grad_W1, grad_b1 = np.asarray(grad_W1, dtype=float), np.asarray(grad_b1, dtype=float)
    if grad_W1.ndim != 2 or grad_b1.shape != (grad_W1.shape[0],):
        raise ValueError(f"grad_b1 must have one entry per row of grad_W1 {grad_W1.shape}, "
                         f"got shape {grad_b1.shape}")
    row = int(np.argmax(np.abs(grad_b1)))
    if grad_b1[row] == 0:
        raise ValueError("grad_b1 is all zeros: the input cannot be recovered")
    return grad_W1[row] / grad_b1[row]
    # END SOLUTION


def idlg_label(grad_last_W: np.ndarray) -> int:
    """The true label of ONE example from the weight gradient of the last (logit) layer (iDLG).

    With cross-entropy on logits ``z = W h + b`` and softmax ``p``, row c of the gradient is
    ``(p_c − 1[c = y]) · hᵀ``. When ``h ≥ 0`` (it comes out of a ReLU) the true label's row is the
    only one with a negative sum: return the index of the row with the smallest sum, as a Python
    int. ``grad_last_W`` has shape (n_classes, hidden). Raise ValueError when it has fewer than two
    rows or is all zeros (then it says nothing about the label).
    """
    # BEGIN SOLUTION
    g = np.asarray(grad_last_W, dtype=float)
    if g.ndim != 2 or g.shape[0] < 2:
        raise ValueError(f"grad_last_W must have one row per class (at least 2), got shape {g.shape}")
    if not np.any(g):
        raise ValueError("grad_last_W is all zeros: it says nothing about the label")
    return int(np.argmin(g.sum(axis=1)))
    # END SOLUTION


def fedavg_aggregate(client_params: list[list[np.ndarray]], client_sizes: list[int]) -> list[np.ndarray]:
    """The FedAvg server's new model: the clients' parameters averaged, weighted by their sample counts.

    ``client_params[k]`` is client k's list of parameter arrays (the same shapes, in the same order,
    for every client) and ``client_sizes[k]`` its number of training examples n_k. Return a new list
    with one float array per parameter, ``Σ_k n_k · w_k / Σ_k n_k``, without changing the inputs.
    Raise ValueError when there are no clients, when the two lists differ in length, or when a size
    is negative or all sizes are zero (a client with n_k = 0 is allowed and gets no weight).
    """
    # BEGIN SOLUTION
    if len(client_params) == 0 or len(client_params) != len(client_sizes):
        raise ValueError("client_params and client_sizes must be non-empty and of equal length")
    n = np.asarray(client_sizes, dtype=float)
    if np.any(n < 0) or n.sum() <= 0:
        raise ValueError(f"client_sizes must be >= 0 and not all 0, got {list(client_sizes)}")
    weights = n / n.sum()
    return [sum(w * np.asarray(params[j], dtype=float) for w, params in zip(weights, client_params))
            for j in range(len(client_params[0]))]
    # END SOLUTION


def dirichlet_split(labels: np.ndarray, n_clients: int, alpha: float,
                    rng: np.random.Generator) -> list[np.ndarray]:
    """Split a labelled data set among ``n_clients`` clients with label skew (Hsu et al. 2019).

    For every class c (each value in ``labels``), draw the clients' shares
    ``p_c ~ Dirichlet(alpha, …, alpha)`` (``n_clients`` entries, a fresh draw per class) and deal the
    class's examples out so that client k receives each of them with probability ``p_c[k]``: a
    multinomial draw of the counts, ``Multinomial(n_c, p_c)``, then a random choice of which examples
    (independent categorical draws per example are the same thing). Small ``alpha`` (0.1) gives each
    client a few dominant labels, large ``alpha`` (100) a near-IID split.

    Draw everything from ``rng``. Return a list of ``n_clients`` sorted integer index arrays that
    partition ``range(len(labels))``: every index exactly once. A client may receive no example
    (then an empty integer array). Raise ValueError when ``n_clients`` < 1 or ``alpha`` ≤ 0.
    """
    # BEGIN SOLUTION
    if n_clients < 1:
        raise ValueError(f"n_clients must be >= 1, got {n_clients}")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    labels = np.asarray(labels)
    parts: list[list[np.ndarray]] = [[] for _ in range(n_clients)]
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        counts = rng.multinomial(len(members), rng.dirichlet(np.full(n_clients, float(alpha))))
        for k, chunk in enumerate(np.split(members, np.cumsum(counts)[:-1])):
            parts[k].append(chunk)
    return [np.sort(np.concatenate(p)).astype(np.int64) if p else np.zeros(0, dtype=np.int64)
            for p in parts]
    # END SOLUTION


def clip_and_noise_updates(updates: np.ndarray, clip: float, noise_multiplier: float,
                           expected_clients: float, rng: np.random.Generator) -> np.ndarray:
    """The DP-FedAvg server step (McMahan et al. 2018): the private average of the clients' updates.

    ``updates`` is a (k, d) array, one row per sampled client (k may be 0 in a round where nobody
    was sampled). Clip each row to L2 norm at most ``clip`` (``Δ · min(1, clip / ‖Δ‖₂)``; a zero
    row stays zero), sum the rows, add independent Gaussian noise with standard deviation
    ``noise_multiplier · clip`` to each of the d coordinates (drawn from ``rng``, every call fresh),
    and divide by ``expected_clients`` (q·N) — never by k, which is private. Return the (d,) array.
    The noise is added in every round, even an empty one. Raise ValueError unless ``clip`` > 0,
    ``noise_multiplier`` > 0 (no noise, no privacy) and ``expected_clients`` > 0.
    """
    # BEGIN SOLUTION
    if not clip > 0 or not noise_multiplier > 0 or not expected_clients > 0:
        raise ValueError("clip, noise_multiplier and expected_clients must be > 0, got "
                         f"{clip}, {noise_multiplier}, {expected_clients}")
    u = np.asarray(updates, dtype=float)
    norms = np.linalg.norm(u, axis=1, keepdims=True)
    scale = np.minimum(1.0, clip / np.where(norms > 0, norms, 1.0))
    total = (u * scale).sum(axis=0)
    return (total + rng.normal(0.0, noise_multiplier * clip, size=u.shape[1])) / expected_clients
    # END SOLUTION


MODULUS = 2**32


def mask_update(i: int, update: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Client i's masked update for secure aggregation with pairwise masks (Bonawitz et al. 2017).

    ``update`` holds d fixed-point values in ``[0, 2³²)``; ``seeds`` is the symmetric (n, n) integer
    array of the seeds each pair of the n clients agreed on (``seeds[i, j] == seeds[j, i]``; the
    diagonal is unused). The mask of the pair i, j is the PRG output

        m_ij = np.random.default_rng(seeds[i, j]).integers(0, 2**32, size=d, dtype=np.uint64)

    and client i sends ``y_i = update + Σ_{j > i} m_ij − Σ_{j < i} m_ij  (mod 2³²)``: in the sum
    over all clients every mask appears once with + and once with −, so ``Σ_i y_i = Σ_i update_i
    (mod 2³²)`` while each y_i alone looks uniformly random. Return y_i as a uint64 array of values
    in ``[0, 2³²)`` (mind that uint64 arithmetic wraps modulo 2⁶⁴, not 2³²). A client with no peers
    (n = 1) sends its update unchanged. Raise ValueError unless 0 ≤ i < n.
    """
    # BEGIN SOLUTION
    seeds = np.asarray(seeds)
    n = seeds.shape[0]
    if not 0 <= i < n:
        raise ValueError(f"i must be in [0, {n}), got {i}")
    y = np.asarray(update).astype(np.uint64) % MODULUS
    for j in range(n):
        if j == i:
            continue
        m = np.random.default_rng(int(seeds[i, j])).integers(0, MODULUS, size=y.size, dtype=np.uint64)
        y = (y + m) % MODULUS if j > i else (y + MODULUS - m) % MODULUS
    return y
    # END SOLUTION


def recover_sum(masked: np.ndarray, survivors: list[int], dropped: list[int],
                seeds: np.ndarray) -> np.ndarray:
    """The server's sum of the survivors' updates (mod 2³²) after some clients dropped out.

    Clients in ``dropped`` agreed on seeds but never sent their masked update; row r of ``masked``
    (shape (len(survivors), d)) is the masked update ``y_i`` (as ``mask_update`` computes it) of
    client ``i = survivors[r]``. In the survivors' sum the masks between two survivors cancel, but
    each survivor's mask with a dropped client j stays in it (+m_ij if j > i, −m_ij if j < i). The
    survivors reveal those seeds ``seeds[i, j]``; regenerate each such mask with the PRG of
    ``mask_update`` and take it out again. Return ``Σ_{i ∈ survivors} update_i mod 2³²`` as a uint64
    array of values in ``[0, 2³²)``. Raise ValueError when a client is listed both as a survivor and
    as dropped, or when ``masked`` has not one row per survivor.
    """
    # BEGIN SOLUTION
    masked = np.asarray(masked, dtype=np.uint64)
    if set(survivors) & set(dropped):
        raise ValueError("a client cannot both survive and drop out")
    if masked.ndim != 2 or masked.shape[0] != len(survivors):
        raise ValueError(f"masked must have one row per survivor ({len(survivors)}), "
                         f"got shape {masked.shape}")
    d = masked.shape[1]
    total = masked.sum(axis=0, dtype=np.uint64) % MODULUS
    for i in survivors:
        for j in dropped:
            m = np.random.default_rng(int(seeds[i, j])).integers(0, MODULUS, size=d, dtype=np.uint64)
            total = (total + MODULUS - m) % MODULUS if j > i else (total + m) % MODULUS
    return total
    # END SOLUTION
