"""Tests for course_lib.federated.fedavg: FedAvg against centralised GD, the weighted average, seeds."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from course_lib.data import load_digits_split
from course_lib.federated import fedavg, iid_split, local_sgd, shard_split, weighted_average
from course_lib.models import mlp

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    d = load_digits_split(seed=0, scale="none")
    return d.X_train / 16, d.y_train, (d.X_test / 16, d.y_test)


def small_mlp() -> nn.Module:
    return mlp(64, (32,), 10)


def test_one_client_full_batch_one_epoch_is_centralised_gradient_descent(digits):
    X, y, _ = digits
    X, y = X[:300], y[:300]
    result = fedavg(small_mlp, [(X, y)], rounds=5, local_epochs=1, lr=0.5, batch_size=None, seed=3)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        central = small_mlp()
    start = copy.deepcopy(central)
    opt = torch.optim.SGD(central.parameters(), lr=0.5)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(central(Xt), yt).backward()
        opt.step()
    for (name, a), b in zip(result.model.named_parameters(), central.parameters()):
        assert torch.allclose(a, b, rtol=0, atol=1e-6), name
    assert not torch.allclose(start[0].weight, central[0].weight, atol=1e-3)  # GD did move the weights


def test_weighted_average_is_exact():
    f64 = torch.float64
    states = [{"w": torch.tensor([1.0, 2.0], dtype=f64), "b": torch.tensor([3], dtype=f64)},
              {"w": torch.tensor([5.0, -6.0], dtype=f64), "b": torch.tensor([7], dtype=f64)},
              {"w": torch.tensor([0.0, 8.0], dtype=f64), "b": torch.tensor([-1], dtype=f64)}]
    avg = weighted_average(states, [1, 2, 5])  # (1*s1 + 2*s2 + 5*s3) / 8
    assert avg["w"].tolist() == [(1 + 10 + 0) / 8, (2 - 12 + 40) / 8]
    assert avg["b"].tolist() == [(3 + 14 - 5) / 8]
    assert avg["w"].dtype == torch.float64
    assert weighted_average(states, [0, 1, 0])["w"].tolist() == [5.0, -6.0]  # weight 0: left out


def test_fedavg_round_is_the_sample_weighted_average_of_local_models(digits):
    X, y, _ = digits
    clients = [(X[:10], y[:10]), (X[10:40], y[10:40]), (X[40:100], y[40:100])]
    result = fedavg(small_mlp, clients, rounds=1, local_epochs=2, lr=0.1, batch_size=8, seed=5)
    # replay the round by hand with the same generators
    rng = np.random.default_rng(5)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        start = small_mlp()
    chosen = np.sort(rng.choice(3, size=3, replace=False))
    locals_ = []
    for k in chosen:
        gen = torch.Generator().manual_seed(int(rng.integers(2**63)))
        Xk, yk = (torch.as_tensor(a) for a in clients[k])
        locals_.append(local_sgd(copy.deepcopy(start), Xk.float(), yk.long(), epochs=2, lr=0.1, batch_size=8,
                                 generator=gen))
    for name, p in result.model.named_parameters():
        local_params = [dict(m.named_parameters())[name].double() for m in locals_]
        expected = sum(n * p_k for n, p_k in zip([10, 30, 60], local_params)) / 100
        assert torch.allclose(p.double(), expected, atol=1e-6), name
    unweighted = sum(dict(m.named_parameters())["0.weight"] for m in locals_) / 3
    assert not torch.allclose(result.model[0].weight, unweighted, atol=1e-4)


def test_fedavg_is_deterministic_for_a_seed_and_leaves_global_rng_alone(digits):
    X, y, test = digits
    parts = iid_split(y, 5, np.random.default_rng(0))
    clients = [(X[p], y[p]) for p in parts]
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = fedavg(small_mlp, clients, rounds=3, lr=0.1, client_fraction=0.6, seed=1, test=test)
    assert torch.equal(torch.rand(1), before)
    b = fedavg(small_mlp, clients, rounds=3, lr=0.1, client_fraction=0.6, seed=1, test=test)
    c = fedavg(small_mlp, clients, rounds=3, lr=0.1, client_fraction=0.6, seed=2, test=test)
    assert a.accuracies == b.accuracies and len(a.accuracies) == 3
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.model.parameters(), c.model.parameters()))
    assert all(len(h["clients"]) == 3 for h in a.history)  # round(0.6 * 5)


def test_fedavg_learns_digits_and_non_iid_shards_hurt(digits):
    X, y, test = digits
    accs = {}
    for name, parts in (("iid", iid_split(y, 10, np.random.default_rng(0))),
                        ("shards", shard_split(y, 10, 1, np.random.default_rng(0)))):
        result = fedavg(small_mlp, [(X[p], y[p]) for p in parts], rounds=15, lr=0.1, batch_size=16, seed=0,
                        test=test)
        accs[name] = result.accuracies[-1]
    assert accs["iid"] > 0.85
    assert accs["shards"] < accs["iid"] - 0.1  # one label per client: the local models pull apart


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"rounds": 0}, ValueError, "rounds must be an int >= 1"),
    ({"local_epochs": 0}, ValueError, "local_epochs must be an int >= 1"),
    ({"lr": 0.0}, ValueError, "lr must be a finite number > 0"),
    ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1"),
    ({"client_fraction": 0.0}, ValueError, r"client_fraction must be in \(0, 1\]"),
    ({"client_fraction": 1.5}, ValueError, r"client_fraction must be in \(0, 1\]"),
    ({"seed": -1}, ValueError, "seed must be in"),
    ({"client_data": []}, ValueError, "at least one client"),
    ({"client_data": [(np.ones((3, 64)), np.zeros(2, dtype=int))]}, ValueError, r"client_data\[0\]"),
    ({"client_data": [(np.ones((3, 64)), np.zeros(3))]}, TypeError, "integer labels"),
    ({"client_data": [(np.full((3, 64), np.nan), np.zeros(3, dtype=int))]}, ValueError, "finite"),
    ({"client_data": [(np.ones((3, 64)), np.zeros(3, dtype=int)), (np.ones((3, 5)), np.zeros(3, dtype=int))]},
     ValueError, "same number of features"),
    ({"model_fn": lambda: "not a model"}, TypeError, "model_fn must return a torch.nn.Module"),
    ({"test": np.ones(3)}, TypeError, "test must be None or an"),
])
def test_fedavg_refuses_bad_input(kwargs, error, message):
    args = {"model_fn": small_mlp, "client_data": [(np.ones((3, 64)), np.zeros(3, dtype=int))], "rounds": 1}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        fedavg(args.pop("model_fn"), args.pop("client_data"), **args)


def test_weighted_average_refuses_bad_weights():
    s = [{"w": torch.ones(2)}]
    with pytest.raises(ValueError, match="not all 0"):
        weighted_average(s, [0])
    with pytest.raises(ValueError, match="equal length"):
        weighted_average(s, [1, 2])
    with pytest.raises(ValueError, match=">= 0"):
        weighted_average(s + s, [1, -1])
    with pytest.raises(ValueError, match="same keys"):
        weighted_average([{"w": torch.ones(2)}, {"v": torch.ones(2)}], [1, 1])
