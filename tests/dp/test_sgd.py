"""Tests for course_lib.dp.sgd: per-example gradients, clipping, noise, sampling, accounting, training.

Tensors live on ``course_lib.config.device()`` (CUDA when present, so the same file checks a GPU).
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from course_lib.config import device
from course_lib.dp.accounting import BudgetExceededError, PrivacyBudget, RDPAccountant
from course_lib.dp.sgd import (
    AccountingWarning,
    DPTrainingResult,
    check_model,
    clip_per_sample,
    clipped_grad_sum,
    naive_per_sample_grads,
    noise_multiplier_for,
    noisy_aggregate,
    per_sample_grads,
    poisson_batches,
    shuffled_batches,
    train_dp,
)
from course_lib.models import accuracy, mlp

DEV = device()
CE = nn.functional.cross_entropy


def _batch(n: int = 16, d: int = 8, classes: int = 3, dtype=torch.float32, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    y = torch.randint(0, classes, (n,), generator=gen)
    return x.to(DEV), y.to(DEV)


def _models(dtype=torch.float32) -> dict[str, nn.Module]:
    torch.manual_seed(0)
    return {
        "mlp": mlp(8, (32, 16), 3).to(DEV, dtype),
        "logreg": nn.Linear(8, 3).to(DEV, dtype),
    }


def _blobs(n: int = 400, seed: int = 0):
    """Two well-separated Gaussian blobs in 2-D: a linearly separable toy problem."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) * 0.5 + np.where(y[:, None] == 1, 2.0, -2.0)
    return X.astype(np.float32), y.astype(np.int64)


def _weights(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().cpu().clone() for p in model.parameters()]


# --------------------------------------------------------------------------- per-example gradients


@pytest.mark.parametrize("name", ["mlp", "logreg"])
def test_per_sample_grads_match_naive_loop(name):
    model = _models(torch.float64)[name]
    x, y = _batch(dtype=torch.float64)
    fast = per_sample_grads(model, CE, x, y)
    slow = naive_per_sample_grads(model, CE, x, y)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert list(fast) == list(slow) == trainable
    for key, g in fast.items():
        assert g.shape == (len(x), *dict(model.named_parameters())[key].shape)
        assert torch.allclose(g, slow[key], rtol=0, atol=1e-6), key
    # float32 as well, relative to the gradients' scale
    model32 = _models()[name]
    x32, y32 = _batch()
    fast32 = per_sample_grads(model32, CE, x32, y32)
    slow32 = naive_per_sample_grads(model32, CE, x32, y32)
    for key in fast32:
        assert torch.allclose(fast32[key], slow32[key], rtol=1e-4, atol=1e-6), key


def test_per_sample_grads_leave_model_untouched_and_skip_frozen():
    model = _models(torch.float64)["mlp"]
    model[0].weight.requires_grad_(False)
    before = _weights(model)
    x, y = _batch(dtype=torch.float64)
    grads = per_sample_grads(model, CE, x, y)
    assert "0.weight" not in grads and "0.bias" in grads
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, _weights(model)))
    slow = naive_per_sample_grads(model, CE, x, y)
    for key in grads:
        assert torch.allclose(grads[key], slow[key], rtol=0, atol=1e-6)


def test_mean_of_per_sample_grads_is_the_batch_gradient():
    model = _models(torch.float64)["mlp"]
    x, y = _batch(dtype=torch.float64)
    grads = per_sample_grads(model, CE, x, y)
    CE(model(x), y).backward()
    for name, p in model.named_parameters():
        assert torch.allclose(grads[name].mean(0), p.grad, atol=1e-10)


@pytest.mark.parametrize("name", ["mlp", "logreg"])
def test_per_sample_grads_match_opacus(name):
    opacus = pytest.importorskip("opacus")
    model = _models()[name]
    x, y = _batch(n=32)
    ours = per_sample_grads(model, CE, x, y)
    wrapped = opacus.GradSampleModule(copy.deepcopy(model), loss_reduction="sum")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "full backward hook is firing ..."
        CE(wrapped(x), y, reduction="sum").backward()
    theirs = [p.grad_sample for p in wrapped.parameters() if p.requires_grad]
    assert len(theirs) == len(ours)
    for (key, g), ref in zip(ours.items(), theirs):
        assert torch.allclose(g, ref, rtol=0, atol=1e-5), key


# --------------------------------------------------------------------------- check_model


@pytest.mark.parametrize("norm", [nn.BatchNorm1d(16), nn.SyncBatchNorm(16)])
def test_check_model_rejects_batch_norm(norm):
    model = nn.Sequential(nn.Linear(8, 16), norm, nn.ReLU(), nn.Linear(16, 3))
    with pytest.raises(ValueError, match="(?s)batch-normalisation.*mixes the examples.*GroupNorm"):
        check_model(model)
    x, y = _batch()
    with pytest.raises(ValueError, match="batch-normalisation"):
        per_sample_grads(model.to(DEV), CE, x, y)
    with pytest.raises(ValueError, match="batch-normalisation"):
        train_dp(model, *_blobs(), epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=32,
                 noise_multiplier=1.0)


def test_check_model_accepts_group_and_layer_norm_and_rejects_frozen_or_non_models():
    check_model(nn.Sequential(nn.Linear(8, 16), nn.GroupNorm(4, 16), nn.LayerNorm(16), nn.Linear(16, 3)))
    frozen = nn.Linear(8, 3).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        check_model(frozen)
    with pytest.raises(ValueError, match="no trainable parameters"):
        check_model(nn.ReLU())
    with pytest.raises(TypeError, match="model"):
        check_model(lambda x: x)


def test_per_sample_grads_rejects_bad_batches():
    model = _models()["logreg"]
    x, y = _batch()
    with pytest.raises(ValueError, match="x and y"):
        per_sample_grads(model, CE, x, y[:-1])
    with pytest.raises(ValueError, match="at least one"):
        per_sample_grads(model, CE, x[:0], y[:0])
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        per_sample_grads(model, CE, x.cpu().numpy(), y)
    with pytest.raises(TypeError, match="loss_fn"):
        per_sample_grads(model, "cross_entropy", x, y)


# --------------------------------------------------------------------------- clipping


def test_clipping_bounds_every_example_and_keeps_small_gradients():
    gen = torch.Generator().manual_seed(1)
    scales = torch.tensor([1e-3, 0.1, 0.5, 0.99, 1.5, 10.0, 1e4, 0.0])
    grads = {"w": torch.randn(8, 5, 4, generator=gen), "b": torch.randn(8, 4, generator=gen)}
    raw = torch.sqrt(sum(g.reshape(8, -1).pow(2).sum(1) for g in grads.values()))
    grads = {k: (g * (scales / raw.clamp(min=1e-12)).view(-1, *[1] * (g.dim() - 1))).to(DEV)
             for k, g in grads.items()}
    C = 1.0
    clipped, norms = clip_per_sample(grads, C)
    assert norms.shape == (8,)
    assert torch.allclose(norms.cpu(), scales, rtol=1e-5)
    after = torch.sqrt(sum(g.reshape(8, -1).pow(2).sum(1) for g in clipped.values()))
    assert (after <= C + 1e-6).all()
    big = scales > C
    assert torch.allclose(after[big.to(DEV)].cpu(), torch.full((int(big.sum()),), C), rtol=1e-5)
    for k in grads:  # below C: untouched up to the 1e-6 in the denominator
        small = (~big).to(DEV)
        assert torch.allclose(clipped[k][small], grads[k][small], rtol=1e-5, atol=0)
        # direction is kept for the large ones
        assert torch.allclose(clipped[k][big.to(DEV)],
                              grads[k][big.to(DEV)] * (C / (norms[big.to(DEV)] + 1e-6)).view(
                                  -1, *[1] * (grads[k].dim() - 1)), rtol=1e-5)


def test_clipping_is_joint_over_parameters():
    grads = {"a": torch.tensor([[3.0]]), "b": torch.tensor([[4.0]])}  # joint norm 5
    clipped, norms = clip_per_sample(grads, 1.0)
    assert norms.item() == pytest.approx(5.0)
    assert clipped["a"].item() == pytest.approx(0.6, rel=1e-5)
    assert clipped["b"].item() == pytest.approx(0.8, rel=1e-5)


# --------------------------------------------------------------------------- noise


def test_noise_has_std_sigma_c_over_expected_batch_size():
    d, batch, expected = 200_000, 3, 4.0
    clipped = {"w": torch.zeros(batch, d, device=DEV), "b": torch.zeros(batch, 10, device=DEV)}
    gen = torch.Generator(device=DEV).manual_seed(0)
    out = noisy_aggregate(clipped, noise_multiplier=1.0, max_grad_norm=2.0, expected_batch_size=expected,
                          generator=gen)
    noise = out["w"]
    assert noise.shape == (d,) and out["b"].shape == (10,)
    # sample std of 200k normals: relative standard error 1/sqrt(2d) ~ 0.16%; allow 2%
    assert noise.std().item() == pytest.approx(2.0 / expected, rel=0.02)
    assert abs(noise.mean().item()) < 5 * (2.0 / expected) / math.sqrt(d)


def test_noise_free_aggregate_is_sum_over_expected_batch_size_and_empty_batches_get_noise():
    gen = torch.Generator().manual_seed(0)
    clipped = {"w": torch.randn(5, 3, 2, generator=gen).to(DEV)}
    out = noisy_aggregate(clipped, 0.0, 1.0, expected_batch_size=8.0)
    assert torch.allclose(out["w"], clipped["w"].sum(0) / 8.0)
    empty = {"w": torch.zeros(0, 1000, device=DEV)}
    assert torch.equal(noisy_aggregate(empty, 0.0, 1.0, 8.0)["w"], torch.zeros(1000, device=DEV))
    noisy = noisy_aggregate(empty, 1.0, 1.0, 8.0)["w"]
    assert noisy.std().item() == pytest.approx(1 / 8, rel=0.15)


def test_noise_is_reproducible_with_a_generator():
    clipped = {"w": torch.zeros(2, 50, device=DEV)}
    a = noisy_aggregate(clipped, 1.0, 1.0, 2.0, torch.Generator(device=DEV).manual_seed(3))
    b = noisy_aggregate(clipped, 1.0, 1.0, 2.0, torch.Generator(device=DEV).manual_seed(3))
    assert torch.equal(a["w"], b["w"])


def test_noisy_aggregate_rejects_bad_input():
    clipped = {"w": torch.zeros(2, 3)}
    with pytest.raises(ValueError, match="noise_multiplier"):
        noisy_aggregate(clipped, -1.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="max_grad_norm"):
        noisy_aggregate(clipped, 1.0, 0.0, 2.0)
    with pytest.raises(ValueError, match="expected_batch_size"):
        noisy_aggregate(clipped, 1.0, 1.0, 0.0)
    with pytest.raises(TypeError, match="clipped"):
        noisy_aggregate({}, 1.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="same batch size"):
        noisy_aggregate({"w": torch.zeros(2, 3), "b": torch.zeros(3)}, 1.0, 1.0, 2.0)
    with pytest.raises(TypeError, match="generator"):
        noisy_aggregate(clipped, 1.0, 1.0, 2.0, generator=np.random.default_rng(0))


# --------------------------------------------------------------------------- sampling


def test_poisson_batch_sizes_are_binomial():
    n, q, steps = 1000, 0.1, 2000
    gen = torch.Generator().manual_seed(0)
    batches = list(poisson_batches(n, q, steps, gen))
    assert len(batches) == steps
    sizes = np.array([len(b) for b in batches], dtype=float)
    mean, var = q * n, q * (1 - q) * n
    assert abs(sizes.mean() - mean) < 4 * math.sqrt(var / steps)  # ± 0.85
    assert sizes.var(ddof=1) == pytest.approx(var, rel=0.12)  # standard error ~ 3.2%
    first = batches[0]
    assert first.dtype == torch.int64 and torch.equal(first, first.unique())  # sorted, no repeats
    assert int(first.min()) >= 0 and int(first.max()) < n
    # every example is equally likely: inclusion frequencies ~ q
    counts = torch.bincount(torch.cat(batches), minlength=n).double() / steps
    assert abs(counts.mean().item() - q) < 1e-3


def test_poisson_batches_can_be_empty_and_q_one_takes_everyone():
    gen = torch.Generator().manual_seed(0)
    sizes = [len(b) for b in poisson_batches(10, 0.01, 200, gen)]
    assert sizes.count(0) > 150  # P(empty) = 0.99**10 ~ 0.90
    assert all(torch.equal(b, torch.arange(7)) for b in poisson_batches(7, 1.0, 3))


def test_shuffled_batches_cover_the_epoch_once():
    gen = torch.Generator().manual_seed(0)
    batches = list(shuffled_batches(10, 4, gen))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert torch.equal(torch.cat(batches).sort().values, torch.arange(10))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: list(poisson_batches(0, 0.5, 1)), "n must be"),
    (lambda: list(poisson_batches(10, 0.0, 1)), r"sample_rate must be in \(0, 1\]"),
    (lambda: list(poisson_batches(10, 1.5, 1)), r"sample_rate must be in \(0, 1\]"),
    (lambda: list(poisson_batches(10, 0.5, 0)), "steps must be"),
    (lambda: list(shuffled_batches(10, 11)), r"batch_size must be an int in \[1, 10\]"),
])
def test_samplers_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- accounting


def _opacus_epsilon(sigma: float, q: float, steps: int, delta: float) -> float:
    pytest.importorskip("opacus")
    from opacus.accountants import RDPAccountant as OpacusRDPAccountant

    acc = OpacusRDPAccountant()
    acc.history = [(sigma, q, steps)]
    return acc.get_epsilon(delta)


def test_train_dp_accounts_every_step_like_rdp_accountant_and_opacus():
    X, y = _blobs(60)
    model = nn.Linear(2, 2)
    res = train_dp(model, X, y, epochs=3, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=12,
                   noise_multiplier=1.1, device=DEV)
    assert isinstance(res, DPTrainingResult)
    q = 12 / 60
    assert res.sample_rate == pytest.approx(q)
    assert res.steps == 3 * round(1 / q) == 15
    assert res.accountant.history == [(1.1, q, 15)]
    reference = RDPAccountant()
    reference.step(1.1, q, 15)
    assert res.epsilon == pytest.approx(reference.get_epsilon(1e-5), rel=1e-12)
    assert res.epsilon == pytest.approx(_opacus_epsilon(1.1, q, 15, 1e-5), rel=1e-3)
    eps_per_epoch = [h["epsilon"] for h in res.history]
    assert [h["epoch"] for h in res.history] == [1, 2, 3]
    assert eps_per_epoch == sorted(eps_per_epoch) and eps_per_epoch[-1] == res.epsilon
    assert res.sampler == "poisson" and res.delta == 1e-5 and res.noise_multiplier == 1.1


def test_empty_batches_still_count_and_still_add_noise():
    X, y = _blobs(20)
    model = nn.Linear(2, 2)
    before = _weights(model)
    res = train_dp(model, X, y, epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, sample_rate=0.01,
                   noise_multiplier=1.0, device=DEV)
    assert res.steps == 100  # round(1 / 0.01), most batches empty (P = 0.99**20 ~ 0.82)
    assert res.accountant.history == [(1.0, 0.01, 100)]
    assert not all(torch.equal(a, b) for a, b in zip(before, _weights(model)))


def test_noise_multiplier_for_hits_the_target():
    for target, delta, q, steps in [(1.0, 1e-5, 0.01, 1000), (8.0, 1e-5, 256 / 1437, 60),
                                    (3.0, 1e-6, 0.5, 10)]:
        sigma = noise_multiplier_for(target, delta, q, steps)
        acc = RDPAccountant()
        acc.step(sigma, q, steps)
        eps = acc.get_epsilon(delta)
        assert 0.97 * target <= eps <= target, (target, sigma, eps)
        acc = RDPAccountant()
        acc.step(sigma - 2e-3, q, steps)
        assert acc.get_epsilon(delta) > target  # smallest up to tol
    with pytest.raises(ValueError, match="target_epsilon"):
        noise_multiplier_for(0.01, 1e-5, 0.01, 100)  # below the alpha grid's floor
    with pytest.raises(ValueError, match="target_epsilon"):
        noise_multiplier_for(-1.0, 1e-5, 0.01, 100)


def test_noise_multiplier_for_keeps_its_contract_with_fewer_rdp_curves(monkeypatch):
    """The interpolating search returns the smallest σ up to tol (ε(σ) <= target < ε(σ − tol)) from
    tiny to huge targets and tolerances, and evaluates far fewer σ than bisection (about 17 at tol 1e-3)."""
    from course_lib.dp import sgd

    real, seen = sgd._epsilon, set()

    def counted(sigma, q, steps, delta):
        seen.add(sigma)
        return real(sigma, q, steps, delta)

    monkeypatch.setattr(sgd, "_epsilon", counted)
    for target, q, steps, tol in [(0.3, 0.01, 1000, 1e-3), (2.0, 1 / 3, 30, 1e-3), (50.0, 0.5, 10, 1e-3),
                                  (8.0, 1.0, 5, 1e-2), (1.0, 0.05, 200, 1e-5)]:
        seen.clear()
        sigma = noise_multiplier_for(target, 1e-5, q, steps, tol=tol)
        assert real(sigma, q, steps, 1e-5) <= target < real(sigma - tol, q, steps, 1e-5), (target, q, sigma)
        assert len(seen) <= (16 if tol < 1e-4 else 13), (target, q, steps, len(seen))


def test_train_dp_with_target_epsilon_meets_it():
    X, y = _blobs(100)
    res = train_dp(nn.Linear(2, 2), X, y, epochs=2, max_grad_norm=1.0, delta=1e-5, lr=0.1,
                   sample_rate=0.1, target_epsilon=2.0, device=DEV)
    assert res.steps == 20
    assert 0.97 * 2.0 <= res.epsilon <= 2.0
    assert res.noise_multiplier == pytest.approx(noise_multiplier_for(2.0, 1e-5, 0.1, 20))


def test_shuffle_reports_no_epsilon_and_warns():
    X, y = _blobs(50)
    with pytest.warns(AccountingWarning, match="Poisson"):
        res = train_dp(nn.Linear(2, 2), X, y, epochs=2, max_grad_norm=1.0, delta=1e-5, lr=0.1,
                       batch_size=16, noise_multiplier=1.0, sampler="shuffle", device=DEV)
    assert issubclass(AccountingWarning, UserWarning)
    assert res.epsilon is None and res.accountant is None and res.sampler == "shuffle"
    assert res.steps == 2 * 4  # ceil(50 / 16) per epoch
    assert all(h["epsilon"] is None for h in res.history)


def test_shuffle_with_a_budget_is_an_error():
    X, y = _blobs(50)
    budget = PrivacyBudget(10.0, 1e-4)
    with pytest.raises(ValueError, match="(?s)shuffle.*budget"):
        train_dp(nn.Linear(2, 2), X, y, epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=16,
                 noise_multiplier=1.0, sampler="shuffle", budget=budget, device=DEV)
    assert budget.ledger == []


def test_budget_too_small_refuses_before_training():
    X, y = _blobs(50)
    model = nn.Linear(2, 2)
    before = _weights(model)
    budget = PrivacyBudget(0.5, 1e-4)
    with pytest.raises(BudgetExceededError, match="nothing was trained"):
        train_dp(model, X, y, epochs=2, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=10,
                 noise_multiplier=0.8, budget=budget, device=DEV)
    assert all(torch.equal(a, b) for a, b in zip(before, _weights(model)))
    assert budget.ledger == []
    with pytest.raises(BudgetExceededError):  # no noise: epsilon is infinite
        train_dp(model, X, y, epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=10,
                 noise_multiplier=0.0, budget=budget, device=DEV)


def test_budget_is_charged_up_front_with_the_planned_epsilon():
    X, y = _blobs(50)
    budget = PrivacyBudget(50.0, 1e-4)
    res = train_dp(nn.Linear(2, 2), X, y, epochs=2, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=10,
                   noise_multiplier=1.0, budget=budget, device=DEV)
    ((label, eps, delta),) = budget.ledger
    assert label == "DP-SGD training" and delta == 1e-5
    assert eps == pytest.approx(res.epsilon, rel=1e-12)


# --------------------------------------------------------------------------- input checks


_GOOD = dict(epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=10, noise_multiplier=1.0)


@pytest.mark.parametrize(("changes", "error", "match"), [
    ({"max_grad_norm": 0.0}, ValueError, "max_grad_norm must be a finite number > 0"),
    ({"max_grad_norm": -1.0}, ValueError, "max_grad_norm"),
    ({"noise_multiplier": -0.5}, ValueError, "noise_multiplier must be a finite number >= 0"),
    ({"batch_size": None, "sample_rate": 0.0}, ValueError, r"sample_rate must be in \(0, 1\]"),
    ({"batch_size": None, "sample_rate": 1.2}, ValueError, r"sample_rate must be in \(0, 1\]"),
    ({"batch_size": 51}, ValueError, r"batch_size must be an int in \[1, 50\]"),
    ({"delta": 0.0}, ValueError, r"delta must be in the open interval \(0, 1\)"),
    ({"delta": 1.0}, ValueError, "delta"),
    ({"epochs": 0}, ValueError, "epochs must be an int >= 1"),
    ({"lr": 0.0}, ValueError, "lr must be"),
    ({"sample_rate": 0.2}, ValueError, "exactly one of sample_rate"),
    ({"batch_size": None}, ValueError, "exactly one of sample_rate"),
    ({"target_epsilon": 1.0}, ValueError, "exactly one of noise_multiplier"),
    ({"noise_multiplier": None}, ValueError, "exactly one of noise_multiplier"),
    ({"target_epsilon": 0.0, "noise_multiplier": None}, ValueError, "target_epsilon"),
    ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
    ({"sampler": "uniform"}, ValueError, "sampler must be one of"),
    ({"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\)"),
    ({"budget": (1.0, 1e-5)}, TypeError, "budget"),
    ({"epochs": 1.5}, TypeError, "epochs"),
])
def test_train_dp_rejects_bad_input(changes, error, match):
    X, y = _blobs(50)
    model = nn.Linear(2, 2)
    before = _weights(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccountingWarning)
        with pytest.raises(error, match=match):
            train_dp(model, X, y, **{**_GOOD, **changes}, device=DEV)
    assert all(torch.equal(a, b) for a, b in zip(before, _weights(model)))


def test_train_dp_rejects_mismatched_data():
    X, y = _blobs(50)
    with pytest.raises(ValueError, match="X and y"):
        train_dp(nn.Linear(2, 2), X, y[:-1], **_GOOD, device=DEV)


# --------------------------------------------------------------------------- it learns


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_dp_training_learns_a_separable_problem(optimizer):
    X, y = _blobs(400)
    X_test, y_test = _blobs(400, seed=1)
    torch.manual_seed(0)
    model = mlp(2, (16,), 2)
    seen = []
    lr = 0.5 if optimizer == "sgd" else 0.05
    res = train_dp(model, X, y, epochs=4, max_grad_norm=1.0, delta=1e-5, lr=lr, batch_size=40,
                   noise_multiplier=1.0, optimizer=optimizer, momentum=0.5 if optimizer == "sgd" else 0.0,
                   device=DEV, on_epoch=seen.append)
    assert [h["epoch"] for h in seen] == [1, 2, 3, 4]
    assert seen == res.history
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    assert math.isfinite(res.epsilon) and res.epsilon > 0
    assert accuracy(model.cpu(), X_test, y_test) > 0.9  # chance is 0.5
    assert not model.training


def test_train_dp_is_reproducible_with_a_seed():
    X, y = _blobs(100)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = nn.Linear(2, 2)
        train_dp(model, X, y, epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=10,
                 noise_multiplier=1.0, seed=7, device=DEV)
        runs.append(_weights(model))
    assert all(torch.equal(a, b) for a, b in zip(*runs))


def test_a_train_dp_step_is_clip_then_noisy_aggregate_of_per_sample_grads():
    """q = 1, σ = 0, plain SGD with lr = 1: one step moves the weights by exactly the documented
    gradient, noisy_aggregate(clip_per_sample(per_sample_grads(...))) (train_dp fuses clip and sum)."""
    X, y = _blobs(30)
    torch.manual_seed(0)
    model = mlp(2, (8,), 2).to(DEV, torch.float64)
    reference = copy.deepcopy(model)
    Xt, yt = torch.as_tensor(X, dtype=torch.float64, device=DEV), torch.as_tensor(y, device=DEV)
    clipped, norms = clip_per_sample(per_sample_grads(reference, CE, Xt, yt), 0.05)
    assert (norms > 0.05).any()  # clipping is active
    expected = noisy_aggregate(clipped, 0.0, 0.05, 30.0)
    res = train_dp(model, Xt, yt, epochs=1, max_grad_norm=0.05, delta=1e-5, lr=1.0, sample_rate=1.0,
                   noise_multiplier=0.0, device=DEV)
    assert res.steps == 1 and math.isinf(res.epsilon)
    for (name, p), p0 in zip(model.named_parameters(), reference.parameters()):
        assert torch.allclose(p0 - p, expected[name], rtol=1e-10, atol=1e-12), name


# --------------------------------------------------------------------------- what clipping cannot bound


def _data_with(value, where=(3, 2), n=40, d=8):
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(n, d, generator=gen)
    y = torch.randint(0, 3, (n,), generator=gen)
    X[where] = value
    return X, y


TRAIN = {"epochs": 1, "max_grad_norm": 1.0, "delta": 1e-5, "lr": 0.1, "sample_rate": 0.25,
         "noise_multiplier": 1.0, "device": DEV}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_data_is_refused_before_anything_is_trained_or_charged(value):
    X, y = _data_with(value)
    model = mlp(8, (8,), 3).to(DEV)
    before = copy.deepcopy(model.state_dict())
    budget = PrivacyBudget(epsilon=10.0, delta=1e-3)
    with pytest.raises(ValueError, match="X holds non-finite values"):
        train_dp(model, X, y, budget=budget, **TRAIN)
    assert budget.spent == (0.0, 0.0)
    assert all(torch.equal(before[k], model.state_dict()[k]) for k in before)
    x, yb = X[:8].to(DEV), y[:8].to(DEV)
    for clipping in ("auto", "ghost", "vmap"):
        with pytest.raises(ValueError, match="x holds non-finite values"):
            clipped_grad_sum(model, CE, x, yb, 1.0, clipping=clipping)
    with pytest.raises(ValueError, match="x holds non-finite values"):
        per_sample_grads(model, CE, x, yb)
    yf = torch.randn(40, 3)  # a regression target with a NaN
    yf[5, 1] = value
    with pytest.raises(ValueError, match="y holds non-finite values"):
        train_dp(mlp(8, (8,), 3).to(DEV), X.nan_to_num(0.0, 0.0, 0.0), yf, loss_fn=nn.functional.mse_loss,
                 **TRAIN)


@pytest.mark.parametrize("clipping", ["auto", "ghost", "vmap"])
def test_a_non_finite_per_example_gradient_is_refused_on_every_path(clipping):
    model = nn.Sequential(nn.Linear(8, 3)).to(DEV, torch.float64)
    with torch.no_grad():
        model[0].weight.fill_(1e308)  # finite weights, finite data; the logits overflow to inf
    x, y = _batch(6, dtype=torch.float64)
    with pytest.raises(ValueError, match="per-example gradient is not finite"):
        clipped_grad_sum(model, CE, x, y, 1.0, clipping=clipping)


def test_clip_and_noisy_aggregate_refuse_non_finite_gradients():
    grads = {"w": torch.randn(4, 3)}
    grads["w"][2, 1] = math.nan
    with pytest.raises(ValueError, match="not finite"):
        clip_per_sample(grads, 1.0)
    with pytest.raises(ValueError, match="not finite"):
        noisy_aggregate(grads, 1.0, 1.0, 4.0)


@pytest.mark.parametrize("clipping", ["auto", "ghost", "vmap"])
def test_class_labels_are_checked_alike_on_every_path(clipping):
    model = mlp(8, (8,), 3).to(DEV)
    x, y = _batch(6)
    for bad, low, high in ((-100, -100, 2), (-1, -1, 2), (3, 0, 3)):
        yb = y.clone()
        yb[0], yb[1] = 0, 2
        yb[4] = bad
        with pytest.raises(ValueError, match=rf"class labels must be in \[0, (3|classes)\), got values in "
                                             rf"\[{low}, {high}\]"):
            clipped_grad_sum(model, CE, x, yb, 1.0, clipping=clipping)
    with pytest.raises(TypeError, match="y must hold integer class labels for cross_entropy"):
        clipped_grad_sum(model, CE, x, y.float(), 1.0, clipping=clipping)


def test_train_dp_checks_labels_against_the_models_outputs_before_charging():
    X, y = _data_with(0.0)
    for bad, error in ((-100, ValueError), (3, ValueError)):
        yb = y.clone()
        yb[7] = bad
        budget = PrivacyBudget(epsilon=10.0, delta=1e-3)
        with pytest.raises(error, match=r"class labels must be in \[0, (3|classes)\)"):
            train_dp(mlp(8, (8,), 3).to(DEV), X, yb, budget=budget, **TRAIN)
        assert budget.spent == (0.0, 0.0)
    with pytest.raises(TypeError, match="integer class labels"):
        train_dp(mlp(8, (8,), 3).to(DEV), X, y.double() + 0.5, **TRAIN)


def test_mismatched_dtypes_get_a_message_on_every_path():
    model = mlp(8, (8,), 3).to(DEV)  # float32
    x, y = _batch(6, dtype=torch.float64)
    for clipping in ("auto", "ghost", "vmap"):
        with pytest.raises(TypeError, match="x has dtype torch.float64 but the model's parameters are "
                                            "torch.float32"):
            clipped_grad_sum(model, CE, x, y, 1.0, clipping=clipping)
    with pytest.raises(TypeError, match="integer inputs need an embedding layer"):
        clipped_grad_sum(model, CE, x.long(), y, 1.0)


class _Bag(nn.Module):
    """Token ids -> mean embedding -> classes: the inputs are integers."""

    def __init__(self, vocab=20, dim=4, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids):
        return self.head(self.emb(ids).mean(1))


def test_models_with_embeddings_train_on_integer_inputs():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 20, (64, 5), generator=gen)
    y = (ids[:, 0] % 3).long()
    model = _Bag().to(DEV)
    before = model.emb.weight.detach().clone()
    run = train_dp(model, ids.numpy(), y.numpy(), **{**TRAIN, "epochs": 2})
    assert run.clipping == "vmap" and run.steps == 8
    assert not torch.equal(before, model.emb.weight.detach().cpu())  # the embedding was trained
    naive = naive_per_sample_grads(model, CE, ids[:4].to(DEV), y[:4].to(DEV))
    fast = per_sample_grads(model, CE, ids[:4].to(DEV), y[:4].to(DEV))
    assert all(torch.allclose(naive[k], fast[k], atol=1e-6) for k in naive)


def test_noise_that_underflows_or_overflows_is_refused():
    X, y = _data_with(0.0)
    with pytest.raises(ValueError, match="underflows to 0"):
        train_dp(mlp(8, (8,), 3).to(DEV), X, y, **{**TRAIN, "noise_multiplier": 1e-200,
                                                     "max_grad_norm": 1e-200})
    with pytest.raises(ValueError, match="overflows"):
        train_dp(mlp(8, (8,), 3).to(DEV), X, y, **{**TRAIN, "noise_multiplier": 1e200,
                                                     "max_grad_norm": 1e200})
    with pytest.raises(ValueError, match="underflows to 0"):
        noisy_aggregate({"w": torch.zeros(2, 3)}, 1e-200, 1e-200, 2.0)
    noisy_aggregate({"w": torch.zeros(2, 3)}, 0.0, 1e-200, 2.0)  # no noise asked: no noise, no error
