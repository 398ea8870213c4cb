"""Federated averaging (FedAvg; McMahan et al. 2017): train where the data lives, average the models.

Every round the server sends the global model to a random fraction ``C`` of the ``K`` clients
(``m = max(1, round(C·K))`` of them, without replacement). Each trains a copy on its own data for
``E`` local epochs of plain mini-batch SGD and sends its model back; the server's new model is the
average weighted by the clients' sample counts ``n_k``:

    w ← Σ_k n_k w_k / Σ_k n_k        (over the clients of the round)

With one client, one local epoch and full-batch gradients this is exactly centralised gradient
descent (the tests check it); with many clients on non-IID data the local models drift apart and
the average is worse than centralised training (notebook 10 measures by how much).

Runs are deterministic for a ``seed``: the initial model is built under ``torch.manual_seed(seed)``
(inside ``torch.random.fork_rng``, so the caller's global generator is left as it was), and client
sampling and every client's batch order come from generators seeded by it.

Reference:
    H. B. McMahan, E. Moore, D. Ramage, S. Hampson, B. Agüera y Arcas. Communication-efficient
    learning of deep networks from decentralized data. AISTATS 2017.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .._validate import check_int, check_positive, check_real
from ..config import _check_seed
from ..models import accuracy

__all__ = ["FedAvgResult", "fedavg", "local_sgd", "weighted_average"]

#: One client's data: (features, labels).
ClientData = tuple[np.ndarray, np.ndarray]


@dataclass
class FedAvgResult:
    """The final global model and one record per round.

    Each record of ``history`` holds ``round`` (1-based), ``clients`` (the indices that took part)
    and ``accuracy`` (on the test set passed to the trainer, or None).
    """

    model: nn.Module
    history: list[dict] = field(default_factory=list)

    @property
    def accuracies(self) -> list[float]:
        """Test accuracy after every round (empty when no test set was passed)."""
        return [h["accuracy"] for h in self.history if h["accuracy"] is not None]


# --------------------------------------------------------------------------- argument checks


def _as_tensors(X, y, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or len(y) == 0:
        raise ValueError(f"{name} must be (X, y) with X of shape (n, features), y of shape (n,), n >= 1; "
                         f"got X {X.shape}, y {y.shape}")
    if X.dtype.kind not in "iuf" or y.dtype == np.bool_ or y.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold real features and integer labels, got {X.dtype} and {y.dtype}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: X must be finite")
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)


def check_clients(client_data) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``client_data`` (a non-empty sequence of ``(X, y)`` pairs) as tensors, every pair checked."""
    if isinstance(client_data, (str, bytes, Mapping)) or not isinstance(client_data, Sequence):
        raise TypeError(f"client_data must be a list of (X, y) pairs, got {type(client_data).__name__}")
    if len(client_data) == 0:
        raise ValueError("client_data must hold at least one client, got none")
    out = []
    for k, pair in enumerate(client_data):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"client_data[{k}] must be an (X, y) pair, got {type(pair).__name__}")
        out.append(_as_tensors(pair[0], pair[1], f"client_data[{k}]"))
    widths = {X.shape[1] for X, _ in out}
    if len(widths) != 1:
        raise ValueError(f"every client's X must have the same number of features, got {sorted(widths)}")
    return out


def check_training(rounds, local_epochs, lr, batch_size) -> tuple[int, int, float, int | None]:
    rounds = check_int(rounds, "rounds", 1)
    local_epochs = check_int(local_epochs, "local_epochs", 1)
    lr = check_positive(lr, "lr")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", 1)
    return rounds, local_epochs, lr, batch_size


def check_test(test):
    if test is None:
        return None
    if not isinstance(test, (tuple, list)) or len(test) != 2:
        raise TypeError(f"test must be None or an (X, y) pair, got {type(test).__name__}")
    return _as_tensors(test[0], test[1], "test")


def initial_model(model_fn: Callable[[], nn.Module], seed: int) -> nn.Module:
    """``model_fn()`` built under ``torch.manual_seed(seed)``, leaving the global generator as it was."""
    if not callable(model_fn):
        raise TypeError(f"model_fn must be a callable returning a torch.nn.Module, "
                        f"got {type(model_fn).__name__}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_fn()
    if not isinstance(model, nn.Module):
        raise TypeError(f"model_fn must return a torch.nn.Module, got {type(model).__name__}")
    return model


def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from a NumPy one (one per client and round)."""
    return torch.Generator().manual_seed(int(rng.integers(2**63)))


# --------------------------------------------------------------------------- the pieces


def local_sgd(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None,
    generator: torch.Generator,
) -> nn.Module:
    """Train ``model`` in place with plain SGD on cross-entropy: ``epochs`` passes over shuffled
    mini-batches of ``batch_size`` (None: the full batch, i.e. gradient descent). Returns the model."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    size = len(X) if batch_size is None else batch_size
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator) if size < len(X) else torch.arange(len(X))
        for start in range(0, len(X), size):
            idx = order[start:start + size]
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    return model


def weighted_average(states: Sequence[Mapping[str, torch.Tensor]], weights: Sequence[float]) -> dict:
    """``Σ_k weights_k · states_k / Σ_k weights_k``, tensor by tensor (computed in float64, returned in
    each tensor's dtype). FedAvg passes the clients' ``state_dict()``s and sample counts."""
    if len(states) == 0 or len(states) != len(weights):
        raise ValueError(f"states and weights must be non-empty and of equal length, got {len(states)} "
                         f"and {len(weights)}")
    w = np.array([check_real(v, "weights") for v in weights], dtype=np.float64)
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        raise ValueError(f"weights must be finite, >= 0 and not all 0, got {list(weights)}")
    keys = list(states[0])
    if any(list(s) != keys for s in states):
        raise ValueError("every state must have the same keys in the same order")
    out = {}
    for key in keys:
        total = sum(float(wk) * s[key].double() for wk, s in zip(w, states))
        out[key] = (total / w.sum()).to(states[0][key].dtype)
    return out


def fedavg(
    model_fn: Callable[[], nn.Module],
    client_data: Sequence[ClientData],
    *,
    rounds: int,
    local_epochs: int = 1,
    lr: float = 0.1,
    batch_size: int | None = 32,
    client_fraction: float = 1.0,
    seed: int = 0,
    test: ClientData | None = None,
) -> FedAvgResult:
    """Federated averaging (McMahan et al. 2017).

    Args:
        model_fn: builds the initial global model (e.g. ``lambda: mlp(64, (32,), 10)``).
        client_data: one ``(X, y)`` pair per client (NumPy arrays or anything ``np.asarray`` takes).
        rounds: communication rounds, >= 1.
        local_epochs: epochs of local SGD per round (``E``), >= 1.
        lr: the clients' SGD learning rate.
        batch_size: local mini-batch size (``B``); None for the full local batch.
        client_fraction: the fraction ``C`` of clients sampled each round, in (0, 1].
        seed: the run's seed (model initialisation, client sampling, batch orders).
        test: optional ``(X, y)`` to measure the global model's accuracy after every round.
    """
    clients = check_clients(client_data)
    rounds, local_epochs, lr, batch_size = check_training(rounds, local_epochs, lr, batch_size)
    fraction = check_real(client_fraction, "client_fraction")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"client_fraction must be in (0, 1], got {client_fraction!r}")
    seed = _check_seed(seed)
    test_data = check_test(test)
    rng = np.random.default_rng(seed)
    model = initial_model(model_fn, seed)
    per_round = max(1, round(fraction * len(clients)))
    result = FedAvgResult(model)
    for r in range(1, rounds + 1):
        chosen = np.sort(rng.choice(len(clients), size=per_round, replace=False))
        states, counts = [], []
        for k in chosen:
            X, y = clients[k]
            local = local_sgd(copy.deepcopy(model), X, y, epochs=local_epochs, lr=lr,
                              batch_size=batch_size, generator=torch_generator(rng))
            states.append(local.state_dict())
            counts.append(len(y))
        model.load_state_dict(weighted_average(states, counts))
        acc = accuracy(model, *test_data) if test_data is not None else None
        result.history.append({"round": r, "clients": [int(k) for k in chosen], "accuracy": acc})
    return result
