"""The source article's code misbehaves exactly as the course says it does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import article


def test_masking_leaks_digits():
    assert article.data_masking("1234567890") == "********90"
    assert article.data_masking("078-05-1120") == "078-05-****"


def test_laplace_adds_noise_of_scale_one_to_every_record():
    gen = np.random.default_rng(0)
    out = article.laplace_mechanism(np.zeros(200_000), 1, 1, rng=gen)
    assert out.shape == (200_000,)
    assert abs(np.mean(np.abs(out)) - 1.0) < 0.02  # E|Laplace(b)| = b = sensitivity/epsilon


def test_compression_modules_fail_as_described():
    quantization, pruning, sparse = article.article_modules()
    w = torch.randn(1000, generator=torch.Generator().manual_seed(0)) * 0.05
    assert torch.count_nonzero(quantization(1000, 4)(w)) == 0
    assert quantization(1, 4)(torch.tensor(100.0)).item() == 12.5  # no clamp
    assert bool((pruning(1000, 0.05)(w) >= 0).all())
    kept = sparse(1000, 0.5)(w) != 0
    assert w.abs()[kept].max() <= w.abs()[~kept].min()
    with pytest.raises(TypeError):
        article.compose_article_model()
