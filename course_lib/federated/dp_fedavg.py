"""DP-FedAvg: federated averaging with user-level differential privacy (McMahan et al. 2018).

The unit of privacy is a **client** (all of its data), not one example: the guarantee covers adding
or removing a whole user. Each round:

1. **Poisson sampling**: every client takes part independently with probability ``q``;
2. each sampled client trains locally from the global model ``w`` and computes its update
   ``Δ_k = w_k − w``;
3. **clip** each update to L2 norm at most ``S``: ``Δ̄_k = Δ_k · min(1, S / ‖Δ_k‖₂)`` — so one
   client moves the sum by at most ``S`` however its data looks (the sensitivity);
4. **sum, add noise, divide by the expected number of clients**:
   ``Δ = (Σ_k Δ̄_k + N(0, σ²S²·I)) / (q·N)``. The noise is added every round, even when no client
   was sampled, and the divisor is the *expected* count ``q·N`` (dividing by the realised count
   would reveal it; McMahan et al.'s fixed-denominator estimator);
5. ``w ← w + η·Δ`` (``server_lr`` η, 1 by default).

Every round is a Poisson-subsampled Gaussian mechanism with noise multiplier σ and sampling rate
``q``, so ``RDPAccountant().step(σ, q, rounds)`` gives ε at the stated δ. Privacy never degrades
silently: σ must be > 0 (use ``fedavg`` for a run without privacy, and say so), ``q`` in (0, 1].

Reference:
    H. B. McMahan, D. Ramage, K. Talwar, L. Zhang. Learning differentially private recurrent
    language models. ICLR 2018.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from .._validate import check_positive, check_real
from ..config import _check_seed
from ..dp._validate import check_delta, check_sample_rate
from ..dp.accounting import RDPAccountant
from ..models import accuracy
from .fedavg import (
    ClientData,
    FedAvgResult,
    check_clients,
    check_test,
    check_training,
    initial_model,
    local_sgd,
    torch_generator,
)

__all__ = ["DPFedAvgResult", "clip_update", "client_update", "clipped_sum", "dp_aggregate", "dp_fedavg"]


@dataclass
class DPFedAvgResult(FedAvgResult):
    """A DP-FedAvg run: the model, per-round history (with ``n_sampled``), and the guarantee."""

    epsilon: float = math.inf
    delta: float = 0.0
    noise_multiplier: float = 0.0
    sample_rate: float = 0.0
    clip: float = 0.0
    accountant: RDPAccountant | None = None


def _check_updates(updates) -> list[torch.Tensor]:
    if not isinstance(updates, (list, tuple)):
        raise TypeError(f"updates must be a list of 1-D tensors, got {type(updates).__name__}")
    out = []
    for k, u in enumerate(updates):
        if not isinstance(u, torch.Tensor) or u.ndim != 1 or not u.is_floating_point():
            raise TypeError(f"updates[{k}] must be a 1-D floating-point tensor, got {u!r:.60}")
        if not bool(torch.isfinite(u).all()):
            raise ValueError(f"updates[{k}] must be finite")
        out.append(u)
    if len({u.shape for u in out}) > 1:
        raise ValueError("every update must have the same length")
    return out


def clip_update(update: torch.Tensor, clip: float) -> torch.Tensor:
    """``update · min(1, clip / ‖update‖₂)``: the update scaled to L2 norm at most ``clip``."""
    (update,) = _check_updates([update])
    clip = check_positive(clip, "clip")
    norm = float(update.double().norm())
    return update * min(1.0, clip / norm) if norm > 0 else update.clone()


def clipped_sum(updates: Sequence[torch.Tensor], clip: float, length: int | None = None) -> torch.Tensor:
    """``Σ_k clip_update(updates_k, clip)`` (computed in float64). Adding or removing one update
    moves it by at most ``clip``; ``length`` gives the zero vector's size when ``updates`` is empty."""
    updates = _check_updates(list(updates))
    clip = check_positive(clip, "clip")
    if not updates:
        if length is None:
            raise ValueError("length must be given when updates is empty")
        return torch.zeros(length, dtype=torch.float64)
    return sum(clip_update(u, clip).double() for u in updates)


def dp_aggregate(
    updates: Sequence[torch.Tensor],
    *,
    clip: float,
    noise_multiplier: float,
    expected_clients: float,
    generator: torch.Generator,
    length: int | None = None,
) -> torch.Tensor:
    """The server's private average: ``(Σ_k clip(Δ_k) + N(0, (σ·clip)²·I)) / expected_clients``.

    ``noise_multiplier`` σ must be > 0; ``expected_clients`` is ``q·N``, not the realised count.
    """
    clip = check_positive(clip, "clip")
    sigma = check_positive(noise_multiplier, "noise_multiplier")
    expected = check_positive(expected_clients, "expected_clients")
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    total = clipped_sum(updates, clip, length)
    noise = torch.randn(total.shape, generator=generator, dtype=torch.float64) * (sigma * clip)
    return (total + noise) / expected


def client_update(
    global_model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    local_epochs: int,
    lr: float,
    batch_size: int | None,
    generator: torch.Generator,
) -> torch.Tensor:
    """One client's model update ``w_k − w``, as one flat vector, after local SGD from ``global_model``
    (which is not modified)."""
    start = parameters_to_vector(global_model.parameters()).detach()
    local = local_sgd(copy.deepcopy(global_model), X, y, epochs=local_epochs, lr=lr,
                      batch_size=batch_size, generator=generator)
    return parameters_to_vector(local.parameters()).detach() - start


def dp_fedavg(
    model_fn: Callable[[], nn.Module],
    client_data: Sequence[ClientData],
    *,
    rounds: int,
    sample_rate: float,
    noise_multiplier: float,
    clip: float,
    delta: float,
    local_epochs: int = 1,
    lr: float = 0.1,
    batch_size: int | None = None,
    server_lr: float = 1.0,
    seed: int = 0,
    test: ClientData | None = None,
) -> DPFedAvgResult:
    """User-level DP-FedAvg (McMahan et al. 2018), accounted with RDP at ``delta``.

    Args:
        model_fn, client_data, rounds, local_epochs, lr, batch_size, seed, test: as in ``fedavg``.
        sample_rate: the Poisson sampling rate ``q`` of clients, in (0, 1].
        noise_multiplier: σ > 0; the noise standard deviation is ``σ · clip``.
        clip: the L2 bound ``S`` on every client's update, > 0.
        delta: the δ at which ε is reported, in (0, 1) (choose it below 1/N for N clients).
        server_lr: the server's step size η on the noisy average update, > 0.

    Returns:
        A ``DPFedAvgResult`` whose ``epsilon`` is RDPAccountant's ε after ``rounds`` rounds.
    """
    clients = check_clients(client_data)
    rounds, local_epochs, lr, batch_size = check_training(rounds, local_epochs, lr, batch_size)
    q = check_sample_rate(sample_rate, "sample_rate")
    sigma = check_real(noise_multiplier, "noise_multiplier")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"noise_multiplier must be a finite number > 0, got {noise_multiplier!r}; "
                         f"sigma = 0 gives no privacy (epsilon = inf): for a non-private run use fedavg")
    clip = check_positive(clip, "clip")
    delta = check_delta(delta)
    server_lr = check_positive(server_lr, "server_lr")
    seed = _check_seed(seed)
    test_data = check_test(test)
    accountant = RDPAccountant()
    accountant.step(sigma, q, rounds)  # fails early on an unaccountable sigma
    rng = np.random.default_rng(seed)
    noise_gen = torch.Generator().manual_seed(int(rng.integers(2**63)))
    model = initial_model(model_fn, seed)
    expected = q * len(clients)
    result = DPFedAvgResult(model, epsilon=accountant.get_epsilon(delta), delta=delta,
                            noise_multiplier=sigma, sample_rate=q, clip=clip, accountant=accountant)
    for r in range(1, rounds + 1):
        chosen = np.flatnonzero(rng.random(len(clients)) < q)
        updates = [client_update(model, *clients[k], local_epochs=local_epochs, lr=lr,
                                 batch_size=batch_size, generator=torch_generator(rng)) for k in chosen]
        length = sum(p.numel() for p in model.parameters())
        step = dp_aggregate(updates, clip=clip, noise_multiplier=sigma, expected_clients=expected,
                            generator=noise_gen, length=length)
        with torch.no_grad():
            current = parameters_to_vector(model.parameters())
            dtype, current = current.dtype, current.double()
            vector_to_parameters((current + server_lr * step).to(dtype), model.parameters())
        acc = accuracy(model, *test_data) if test_data is not None else None
        result.history.append({"round": r, "clients": [int(k) for k in chosen], "n_sampled": len(chosen),
                               "accuracy": acc})
    return result
