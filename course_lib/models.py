"""Small models and a plain training loop, shared by the notebooks that train something.

Kept deliberately short: an MLP builder, a full-batch-friendly mini-batch trainer with a seed, and
accuracy. Anything a lesson is *about* (DP-SGD, pruning masks, quantization) lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn


def mlp(n_in: int = 64, hidden: Sequence[int] = (256, 128), n_out: int = 10) -> nn.Sequential:
    """Linear -> ReLU blocks ending in a Linear layer producing ``n_out`` logits."""
    for name, value in (("n_in", n_in), ("n_out", n_out), *[("hidden", h) for h in hidden]):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def _tensors(X, y):
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    if X.ndim < 2 or len(X) != len(y):
        raise ValueError(f"X must be 2-D with one row per label; got X {tuple(X.shape)}, y {tuple(y.shape)}")
    return X, y


def train(
    model: nn.Module,
    X,
    y,
    *,
    epochs: int = 30,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    weight_decay: float = 0.0,
    after_step: Callable[[], None] | None = None,
) -> list[float]:
    """Train with Adam and cross-entropy on shuffled mini-batches; return the mean loss per epoch.

    ``after_step`` runs after every optimizer step (pruning uses it to keep pruned weights at zero).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    X, y = _tensors(X, y)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr,
                           weight_decay=weight_decay)
    losses = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen)
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            if after_step is not None:
                after_step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    model.eval()
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X, y) -> float:
    """Fraction of examples whose arg-max logit is the label."""
    X, y = _tensors(X, y)
    model.eval()
    return float((model(X).argmax(dim=1) == y).float().mean())
