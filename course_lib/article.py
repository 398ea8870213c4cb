"""The source article's code, reproduced faithfully so the course can show what is wrong with it.

**Do not use any of this.** Each function or class below is the article's snippet, unchanged in
behaviour, kept in one place so that notebooks and tests can demonstrate its failure and point to
the correct version:

=====================  ===========================================  =====================
article's code         what goes wrong                              fixed in
=====================  ===========================================  =====================
``data_masking``       masks 4-digit groups only, leaks the rest    notebook 01
``laplace_mechanism``  noise per record with sensitivity 1 on       notebook 03
                       values 1..5: the real privacy loss is 4x
``Quantization``       rounds *before* scaling (small weights       notebook 06
                       all become 0), never clamps, stays float32
``Pruning``            ``abs()`` throws away every weight's sign    notebook 07
``Sparse``             keeps the *small* values, depends on the     notebook 07
                       batch mean
``compose_article_model``  ``Module * Module`` raises TypeError     notebook 07
=====================  ===========================================  =====================
"""

from __future__ import annotations

import re

import numpy as np


def data_masking(data: str) -> str:
    """The article's masking: replace every run of four digits with ``****``.

    ``data_masking('1234567890') == '********90'``: the trailing digits leak, a 3-digit group
    is never masked, and the digits a reader would want to keep (the last four) are hidden.
    """
    return re.sub(r"\d{4}", "****", data)


def laplace_mechanism(data: np.ndarray, sensitivity: float, epsilon: float, rng=None) -> np.ndarray:
    """The article's "Laplace mechanism": independent Laplace(sensitivity/epsilon) noise per record.

    With records in 1..5 and ``sensitivity=1`` the privacy loss of one record is not ``epsilon``
    but ``4 * epsilon`` (a record can change by 4), and releasing every noisy record is local
    noise, not a private statistic. ``rng`` replaces scipy's global state so runs are repeatable.
    """
    rng = np.random.default_rng() if rng is None else rng
    noise = rng.laplace(loc=0.0, scale=sensitivity / epsilon, size=len(data))
    return data + noise


def _torch_modules():
    import torch
    from torch import nn

    class Quantization(nn.Module):
        """The article's quantizer: ``x.float().round() / 2 ** (num_bits - 1)``."""

        def __init__(self, num_weights, num_bits):
            super().__init__()
            self.num_weights = num_weights
            self.num_bits = num_bits

        def forward(self, x):
            x = x.float()
            x = x.round()
            x = x / (2 ** (self.num_bits - 1))
            return x

    class Pruning(nn.Module):
        """The article's pruning: ``x = x.abs(); x * (x > threshold)``."""

        def __init__(self, num_weights, threshold):
            super().__init__()
            self.num_weights = num_weights
            self.threshold = threshold

        def forward(self, x):
            x = x.abs()
            mask = (x > self.threshold).float()
            return x * mask

    class Sparse(nn.Module):
        """The article's sparsification: ``x = x.abs(); x * (x < x.mean() * sparsity)``."""

        def __init__(self, num_weights, sparsity):
            super().__init__()
            self.num_weights = num_weights
            self.sparsity = sparsity

        def forward(self, x):
            x = x.abs()
            mask = (x < x.mean() * self.sparsity).float()
            return x * mask

    return torch, Quantization, Pruning, Sparse


def article_modules():
    """Return the article's ``(Quantization, Pruning, Sparse)`` classes (defined lazily: torch)."""
    _, quantization, pruning, sparse = _torch_modules()
    return quantization, pruning, sparse


def compose_article_model():
    """The article's last line, ``Quantization(100, 4) * Pruning(100, 0.5) * Sparse(100, 0.5)``.

    ``nn.Module`` defines no ``*``: this raises ``TypeError``. Modules are composed with
    ``nn.Sequential`` — and even then these three would not make a compressed model.
    """
    quantization, pruning, sparse = article_modules()
    return quantization(100, 4) * pruning(100, 0.5) * sparse(100, 0.5)
