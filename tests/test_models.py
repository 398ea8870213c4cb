from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.models import accuracy, mlp, train


def test_mlp_shape():
    m = mlp(64, (32, 16), 10)
    assert [tuple(p.shape) for p in m.parameters()][::2] == [(32, 64), (16, 32), (10, 16)]
    assert m(torch.zeros(5, 64)).shape == (5, 10)


def test_train_learns_a_separable_problem_and_is_seeded():
    gen = np.random.default_rng(0)
    X = gen.normal(size=(200, 2)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)

    def run():
        torch.manual_seed(0)
        m = mlp(2, (8,), 2)
        losses = train(m, X, y, epochs=20, lr=1e-2, seed=3)
        return m, losses

    (m1, l1), (_, l2) = run(), run()
    assert l1 == l2 and l1[-1] < l1[0] / 3
    assert 0.95 <= accuracy(m1, X, y) <= 1.0


def test_after_step_runs_after_every_step():
    calls = []
    X, y = np.zeros((10, 3), np.float32), np.zeros(10, np.int64)
    train(mlp(3, (4,), 2), X, y, epochs=2, batch_size=4, after_step=lambda: calls.append(1))
    assert len(calls) == 2 * 3  # ceil(10 / 4) steps per epoch


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"epochs": -1}, "epochs"), ({"lr": 0}, "lr"), ({"batch_size": 0}, "batch_size"),
])
def test_train_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(mlp(3, (4,), 2), np.zeros((4, 3)), np.zeros(4), **kwargs)


def test_bad_shapes_and_sizes_are_named():
    with pytest.raises(ValueError, match="hidden"):
        mlp(3, (0,), 2)
    with pytest.raises(ValueError, match="X must be 2-D"):
        accuracy(mlp(3, (4,), 2), np.zeros(3), np.zeros(3))
