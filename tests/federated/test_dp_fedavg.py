"""Tests for course_lib.federated.dp_fedavg: the sensitivity bound, the noise, the accounting, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils import parameters_to_vector

from course_lib.data import load_digits_split
from course_lib.dp.accounting import RDPAccountant
from course_lib.federated import client_update, clip_update, clipped_sum, dp_aggregate, dp_fedavg, iid_split
from course_lib.models import mlp

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    d = load_digits_split(seed=0, scale="none")
    return d.X_train / 16, d.y_train, (d.X_test / 16, d.y_test)


def small_mlp() -> nn.Module:
    return mlp(64, (32,), 10)


def _updates(model, clients, lr=0.3):
    return [client_update(model, torch.tensor(X, dtype=torch.float32), torch.tensor(y), local_epochs=2, lr=lr,
                          batch_size=None, generator=torch.Generator().manual_seed(k))
            for k, (X, y) in enumerate(clients)]


def test_one_client_moves_the_clipped_sum_by_at_most_clip_even_when_adversarial(digits):
    X, y, _ = digits
    torch.manual_seed(0)
    model = small_mlp()
    honest = [(X[i:i + 20], y[i:i + 20]) for i in range(0, 200, 20)]
    # adversarial clients: huge inputs and a wild learning rate, i.e. an update of enormous norm
    wild = [(X[:20] * 1e4, (y[:20] + 1) % 10), (X[20:40] * -1e3, np.zeros(20, dtype=np.int64))]
    base = _updates(model, honest)
    attacks = [client_update(model, torch.tensor(a, dtype=torch.float32), torch.tensor(b), local_epochs=3,
                             lr=50.0, batch_size=None, generator=torch.Generator().manual_seed(9))
               for a, b in wild]
    assert min(float(u.norm()) for u in attacks) > 100  # far beyond the clip
    clip = 0.5
    without = clipped_sum(base, clip)
    for attack in attacks + base[:1]:
        added = clipped_sum(base + [attack], clip)
        assert float((added - without).norm()) <= clip * (1 + 1e-9)  # add/remove one client: <= clip
        replaced = clipped_sum([attack] + base[1:], clip)
        assert float((replaced - without).norm()) <= 2 * clip * (1 + 1e-9)  # replace one: <= 2 clip
    unclipped = sum(base + attacks[:1]) - sum(base)
    assert float(unclipped.norm()) > 100 * clip  # without clipping, the same client moves it a lot


def test_clip_update_bounds_the_norm_and_keeps_small_updates():
    u = torch.tensor([3.0, 4.0])
    assert torch.allclose(clip_update(u, 1.0), torch.tensor([0.6, 0.8]))
    assert torch.equal(clip_update(u, 10.0), u)
    assert torch.equal(clip_update(torch.zeros(3), 1.0), torch.zeros(3))
    with pytest.raises(ValueError, match="clip must be a finite number > 0"):
        clip_update(u, 0.0)
    with pytest.raises(ValueError, match="finite"):
        clip_update(torch.tensor([math.inf, 0.0]), 1.0)


def test_dp_aggregate_adds_noise_of_sigma_clip_and_divides_by_the_expected_count():
    gen = torch.Generator().manual_seed(0)
    noise_only = dp_aggregate([], clip=2.0, noise_multiplier=1.5, expected_clients=4.0, generator=gen,
                              length=200_000)
    assert abs(float(noise_only.std()) - 1.5 * 2.0 / 4.0) < 0.01
    assert abs(float(noise_only.mean())) < 0.01
    updates = [torch.full((200_000,), 10.0)] * 3  # each clipped to norm 2
    avg = dp_aggregate(updates, clip=2.0, noise_multiplier=1e-9, expected_clients=4.0, generator=gen)
    assert torch.allclose(avg, torch.full_like(avg, 3 * 2.0 / math.sqrt(200_000) / 4.0), rtol=1e-6)


def test_epsilon_is_the_accountants_and_noise_is_added_even_in_an_empty_round(digits):
    X, y, _ = digits
    clients = [(X[i:i + 10], y[i:i + 10]) for i in range(0, 100, 10)]
    result = dp_fedavg(small_mlp, clients, rounds=4, sample_rate=0.3, noise_multiplier=1.1, clip=0.5,
                       delta=1e-3, seed=0)
    acc = RDPAccountant()
    acc.step(1.1, 0.3, 4)
    assert result.epsilon == acc.get_epsilon(1e-3)
    assert result.accountant.total_steps == 4 and result.delta == 1e-3
    assert [h["n_sampled"] for h in result.history] == [len(h["clients"]) for h in result.history]
    # a round in which (almost surely) nobody takes part still moves the model: the noise is always there
    lonely = dp_fedavg(small_mlp, clients[:2], rounds=1, sample_rate=1e-6, noise_multiplier=1.0, clip=0.1,
                       delta=1e-3, seed=0)
    assert lonely.history[0]["n_sampled"] == 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        start = parameters_to_vector(small_mlp().parameters())
    moved = (parameters_to_vector(lonely.model.parameters()) - start).detach()
    assert float(moved.std()) > 1e3  # noise sigma * clip / (q N) = 0.1 / 2e-6 = 5e4


def test_dp_fedavg_learns_and_more_noise_costs_accuracy(digits):
    X, y, test = digits
    parts = iid_split(y, 50, np.random.default_rng(0))
    clients = [(X[p], y[p]) for p in parts]
    accs = {}
    for sigma in (0.3, 5.0):
        result = dp_fedavg(small_mlp, clients, rounds=20, sample_rate=0.3, noise_multiplier=sigma, clip=0.5,
                           delta=1e-3, local_epochs=2, lr=0.3, seed=0, test=test)
        accs[sigma] = (result.accuracies[-1], result.epsilon)
    assert accs[0.3][0] > 0.75
    assert accs[5.0][0] < accs[0.3][0] - 0.2
    assert accs[5.0][1] < accs[0.3][1]


def test_dp_fedavg_is_deterministic_for_a_seed(digits):
    X, y, _ = digits
    clients = [(X[i:i + 10], y[i:i + 10]) for i in range(0, 50, 10)]
    runs = [dp_fedavg(small_mlp, clients, rounds=2, sample_rate=0.5, noise_multiplier=1.0, clip=0.5,
                      delta=1e-3, seed=s) for s in (7, 7, 8)]
    vec = [parameters_to_vector(r.model.parameters()) for r in runs]
    assert torch.equal(vec[0], vec[1]) and not torch.equal(vec[0], vec[2])


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"noise_multiplier": 0.0}, ValueError, "sigma = 0 gives no privacy"),
    ({"noise_multiplier": -1.0}, ValueError, "noise_multiplier must be a finite number > 0"),
    ({"noise_multiplier": math.nan}, ValueError, "noise_multiplier"),
    ({"noise_multiplier": 1e-200}, ValueError, "2\\*\\*-500"),
    ({"sample_rate": 0.0}, ValueError, r"sample_rate must be in \(0, 1\]"),
    ({"sample_rate": 1.5}, ValueError, r"sample_rate must be in \(0, 1\]"),
    ({"sample_rate": "0.5"}, TypeError, "sample_rate must be a real number"),
    ({"clip": 0.0}, ValueError, "clip must be a finite number > 0"),
    ({"clip": math.inf}, ValueError, "clip"),
    ({"delta": 0.0}, ValueError, r"delta must be in the open interval \(0, 1\)"),
    ({"delta": 1.0}, ValueError, "delta"),
    ({"rounds": 0}, ValueError, "rounds must be an int >= 1"),
    ({"server_lr": 0.0}, ValueError, "server_lr must be a finite number > 0"),
])
def test_dp_fedavg_refuses_bad_input(kwargs, error, message):
    args = {"rounds": 1, "sample_rate": 0.5, "noise_multiplier": 1.0, "clip": 1.0, "delta": 1e-3}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        dp_fedavg(small_mlp, [(np.ones((3, 64)), np.zeros(3, dtype=int))], **args)


def test_dp_aggregate_refuses_bad_input():
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="noise_multiplier must be a finite number > 0"):
        dp_aggregate([torch.ones(3)], clip=1.0, noise_multiplier=0.0, expected_clients=1.0, generator=gen)
    with pytest.raises(ValueError, match="expected_clients"):
        dp_aggregate([torch.ones(3)], clip=1.0, noise_multiplier=1.0, expected_clients=0.0, generator=gen)
    with pytest.raises(TypeError, match="generator"):
        dp_aggregate([torch.ones(3)], clip=1.0, noise_multiplier=1.0, expected_clients=1.0, generator=0)
    with pytest.raises(ValueError, match="same length"):
        clipped_sum([torch.ones(3), torch.ones(4)], 1.0)
    with pytest.raises(ValueError, match="length must be given"):
        clipped_sum([], 1.0)
    with pytest.raises(TypeError, match=r"updates\[0\] must be a 1-D"):
        clipped_sum([torch.ones(2, 2)], 1.0)
