# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 10_gradient_leakage_federated
# (generated from solutions/10_gradient_leakage_federated.py by `python3 course.py exercises`)
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
    raise NotImplementedError("write invert_first_layer() here")


def idlg_label(grad_last_W: np.ndarray) -> int:
    """The true label of ONE example from the weight gradient of the last (logit) layer (iDLG).

    With cross-entropy on logits ``z = W h + b`` and softmax ``p``, row c of the gradient is
    ``(p_c − 1[c = y]) · hᵀ``. When ``h ≥ 0`` (it comes out of a ReLU) the true label's row is the
    only one with a negative sum: return the index of the row with the smallest sum, as a Python
    int. ``grad_last_W`` has shape (n_classes, hidden). Raise ValueError when it has fewer than two
    rows or is all zeros (then it says nothing about the label).
    """
    raise NotImplementedError("write idlg_label() here")


def fedavg_aggregate(client_params: list[list[np.ndarray]], client_sizes: list[int]) -> list[np.ndarray]:
    """The FedAvg server's new model: the clients' parameters averaged, weighted by their sample counts.

    ``client_params[k]`` is client k's list of parameter arrays (the same shapes, in the same order,
    for every client) and ``client_sizes[k]`` its number of training examples n_k. Return a new list
    with one float array per parameter, ``Σ_k n_k · w_k / Σ_k n_k``, without changing the inputs.
    Raise ValueError when there are no clients, when the two lists differ in length, or when a size
    is negative or all sizes are zero (a client with n_k = 0 is allowed and gets no weight).
    """
    raise NotImplementedError("write fedavg_aggregate() here")


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
    raise NotImplementedError("write dirichlet_split() here")


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
    raise NotImplementedError("write clip_and_noise_updates() here")


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
    raise NotImplementedError("write mask_update() here")


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
    raise NotImplementedError("write recover_sum() here")
