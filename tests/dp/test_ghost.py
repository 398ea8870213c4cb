"""Tests for course_lib.dp.ghost: clipped sums from one backward pass equal the vmap path's.

Tensors live on ``course_lib.config.device()`` (CUDA when present, so the same file checks a GPU).
"""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from course_lib.config import device
from course_lib.dp.accounting import PrivacyBudget
from course_lib.dp.ghost import SUPPORTED_LAYERS, GhostClipper, GhostClippingError, unsupported_layers
from course_lib.dp.sgd import clip_per_sample, clipped_grad_sum, per_sample_grads, train_dp
from course_lib.models import mlp

DEV = device()
CE = nn.functional.cross_entropy


def _cnn() -> nn.Module:
    """Convolutions with padding, stride, dilation, 'same' and a non-zero padding mode, GroupNorm."""
    return nn.Sequential(
        nn.Unflatten(1, (2, 6, 6)),
        nn.Conv2d(2, 6, 3, padding=1), nn.GroupNorm(3, 6), nn.ReLU(),
        nn.Conv2d(6, 5, 2, stride=2, bias=False), nn.Tanh(),
        nn.Conv2d(5, 4, 3, padding="same", dilation=2, padding_mode="reflect"),
        nn.Flatten(), nn.Linear(4 * 3 * 3, 3),
    )


def _sequence(width: int) -> nn.Module:
    """A linear layer and LayerNorm applied at every one of T = 72 / width positions (B, T, width)."""
    return nn.Sequential(
        nn.Unflatten(1, (72 // width, width)),
        nn.Linear(width, 16), nn.GELU(), nn.LayerNorm(16),
        nn.Flatten(), nn.Linear(72 // width * 16, 3),
    )


MODELS = {
    "logreg": lambda: nn.Linear(72, 3),
    "mlp": lambda: mlp(72, (32, 16), 3),
    "norms": lambda: nn.Sequential(nn.Linear(72, 16), nn.LayerNorm(16, eps=0.1), nn.Tanh(), nn.Linear(16, 12),
                                   nn.GroupNorm(4, 12, eps=0.1), nn.Linear(12, 3)),
    "sequence-ghost-norm": lambda: _sequence(24),  # T = 3: T(d + p) < p·d, the ghost norm is used
    "sequence-built": lambda: _sequence(2),  # T = 36: building each B_iᵀ A_i is cheaper
    "cnn": _cnn,
}


def _model(name: str, dtype=torch.float64, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return MODELS[name]().to(DEV, dtype)


def _batch(n: int, dtype=torch.float64, seed: int = 0, d: int = 72, classes: int = 3):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype) * 2
    y = torch.randint(0, classes, (n,), generator=gen)
    return x.to(DEV), y.to(DEV)


def _reference(model, loss_fn, x, y, C):
    """The definition: per-example gradients (vmap), clipped one by one, summed."""
    clipped, norms = clip_per_sample(per_sample_grads(model, loss_fn, x, y), C)
    return {k: g.sum(0) for k, g in clipped.items()}, norms


# --------------------------------------------------------------------------- equal to the vmap path


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("n", [1, 7, 33])
def test_ghost_clipped_sum_equals_vmap_float64(name, n):
    model = _model(name)
    x, y = _batch(n, seed=n)
    _, raw_norms = clip_per_sample(per_sample_grads(model, CE, x, y), 1.0)
    C = float(raw_norms.median()) if n > 1 else 0.5 * float(raw_norms[0])
    ref_sums, ref_norms = _reference(model, CE, x, y, C)
    assert (ref_norms > C).any() and (n == 1 or (ref_norms < C).any())  # some clipped, some not
    sums, norms, losses = clipped_grad_sum(model, CE, x, y, C, clipping="ghost")
    assert list(sums) == list(ref_sums)  # every trainable parameter, in named_parameters() order
    for key, s in sums.items():
        assert s.shape == ref_sums[key].shape
        assert torch.allclose(s, ref_sums[key], rtol=1e-10, atol=1e-12), key
    assert torch.allclose(norms, ref_norms, rtol=1e-10)
    expected_losses = torch.stack([CE(model(x[i:i + 1]), y[i:i + 1]) for i in range(n)]).detach()
    assert torch.allclose(losses, expected_losses, rtol=1e-12)


@pytest.mark.parametrize("name", list(MODELS))
def test_ghost_clipped_sum_equals_vmap_float32(name):
    model = _model(name, torch.float32)
    x, y = _batch(64, torch.float32, seed=1)
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):  # full float32 convolutions on GPUs
        ref_sums, _ = _reference(model, CE, x, y, 1.0)
        sums, _, _ = clipped_grad_sum(model, CE, x, y, 1.0, clipping="ghost")
    for key, s in sums.items():
        scale = ref_sums[key].abs().max().item()
        assert (s - ref_sums[key]).abs().max().item() <= 1e-5 * max(scale, 1.0), key


def test_empty_batch_gives_zero_sums_and_auto_matches_explicit_paths():
    model = _model("mlp")
    x, y = _batch(0)
    for clipping in ("auto", "ghost", "vmap"):
        sums, norms, losses = clipped_grad_sum(model, CE, x, y, 1.0, clipping=clipping)
        assert norms.shape == (0,) and losses.shape == (0,)
        assert all(torch.equal(s, torch.zeros_like(p)) for s, p in zip(sums.values(), model.parameters()))
    x, y = _batch(9)
    ghost, _, _ = clipped_grad_sum(model, CE, x, y, 1.0, clipping="ghost")
    auto, _, _ = clipped_grad_sum(model, CE, x, y, 1.0)
    vmap, _, _ = clipped_grad_sum(model, CE, x, y, 1.0, clipping="vmap")
    for key in ghost:
        assert torch.equal(auto[key], ghost[key])
        assert torch.allclose(vmap[key], ghost[key], rtol=1e-10, atol=1e-12)


def test_clipping_bounds_each_example_exactly_like_clip_per_sample():
    """Scale one example's input up: its factor shrinks, the others' do not change."""
    model = _model("logreg")
    x, y = _batch(5)
    x[2] *= 1e3
    sums, norms, _ = clipped_grad_sum(model, CE, x, y, 0.1, clipping="ghost")
    ref, ref_norms = _reference(model, CE, x, y, 0.1)
    assert norms[2] > 100 * norms[[0, 1, 3, 4]].max()
    for key in sums:
        assert torch.allclose(sums[key], ref[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss_fn, target", [
    (nn.functional.mse_loss, "float"),
    (nn.functional.nll_loss, "log-probs"),
    (lambda out, t: (out.logsumexp(1) - out.gather(1, t[:, None]).squeeze(1)).mean() ** 2, "custom"),
])
def test_other_losses_equal_vmap(loss_fn, target):
    model = _model("mlp")
    x, y = _batch(11)
    if target == "float":
        y = torch.randn(11, 3, dtype=torch.float64, device=DEV)
    if target == "log-probs":
        model = nn.Sequential(model, nn.LogSoftmax(dim=1))
    ref, _ = _reference(model, loss_fn, x, y, 0.3)
    sums, _, _ = clipped_grad_sum(model, loss_fn, x, y, 0.3, clipping="ghost")
    for key in sums:
        assert torch.allclose(sums[key], ref[key], rtol=1e-10, atol=1e-12), key


def test_frozen_parameters_are_skipped():
    model = _model("norms")
    model[0].weight.requires_grad_(False)
    model[1].requires_grad_(False)
    x, y = _batch(8)
    ref, _ = _reference(model, CE, x, y, 0.5)
    sums, _, _ = clipped_grad_sum(model, CE, x, y, 0.5, clipping="ghost")
    assert "0.weight" not in sums and "1.weight" not in sums and "0.bias" in sums
    assert list(sums) == list(ref)
    for key in sums:
        assert torch.allclose(sums[key], ref[key], rtol=1e-10, atol=1e-12), key


def test_model_grads_and_hooks_are_left_untouched():
    model = _model("cnn")
    before = [p.detach().clone() for p in model.parameters()]
    x, y = _batch(6)
    clipped_grad_sum(model, CE, x, y, 1.0, clipping="ghost")
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(not m._forward_hooks for m in model.modules())
    with GhostClipper(model) as clipper:
        model(x)  # an ordinary forward pass while hooks are in place records nothing
        assert clipper._records == {}
    assert all(not m._forward_hooks for m in model.modules())
    with pytest.raises(RuntimeError, match="removed"):
        clipper.clipped_sum(CE, x, y, 1.0)


# --------------------------------------------------------------------------- what the ghost path refuses


class _Twice(nn.Module):
    """One linear layer applied twice: its per-example gradient is a sum of two outer products."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(72, 72)
        self.head = nn.Linear(72, 3)

    def forward(self, x):
        return self.head(torch.tanh(self.lin(torch.tanh(self.lin(x)))))


class _Skips(nn.Module):
    """A linear layer whose forward never runs (its weights could be used elsewhere, unseen by hooks)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(72, 3)
        self.unused = nn.Linear(72, 3)

    def forward(self, x):
        return self.lin(x)


class _Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(72))

    def forward(self, x):
        return x * self.scale


def _tied() -> nn.Module:
    model = nn.Sequential(nn.Linear(72, 72), nn.Tanh(), nn.Linear(72, 72), nn.Tanh(), nn.Linear(72, 3))
    model[2].weight = model[0].weight
    return model


def _reused(lin: nn.Linear) -> nn.Module:
    return nn.Sequential(lin, nn.Tanh(), lin, nn.Tanh(), nn.Linear(72, 3))


def test_unsupported_layers_names_every_reason():
    assert all(unsupported_layers(MODELS[name]()) == [] for name in MODELS)
    assert set(SUPPORTED_LAYERS) == {nn.Linear, nn.Conv2d, nn.LayerNorm, nn.GroupNorm}
    custom = unsupported_layers(nn.Sequential(_Scale(), nn.Linear(72, 3)))
    assert custom == ["0: _Scale has no ghost-clipping rule"]
    grouped = unsupported_layers(nn.Sequential(nn.Unflatten(1, (2, 6, 6)), nn.Conv2d(2, 4, 3, groups=2)))
    assert grouped == ["1: Conv2d with groups=2 (only groups=1 is supported)"]
    assert any("tied weights" in p for p in unsupported_layers(_tied()))
    embedding = nn.Sequential(nn.Embedding(10, 4))
    assert unsupported_layers(embedding) == ["0: Embedding has no ghost-clipping rule"]
    frozen = nn.Sequential(nn.Linear(72, 8).requires_grad_(False), nn.Linear(8, 3))
    assert unsupported_layers(frozen) == []  # a frozen layer with a rule is still row-wise
    frozen_custom = nn.Sequential(_Scale().requires_grad_(False), nn.Linear(72, 3))
    assert unsupported_layers(frozen_custom) == [  # frozen, but its forward could still mix examples
        "0: _Scale is not a module whose forward the ghost path can see (it may mix the examples of a batch)"]
    assert unsupported_layers(_Twice()) == [
        "the model: _Twice is not a module whose forward the ghost path can see (it may mix the examples "
        "of a batch)"]
    with pytest.raises(TypeError, match="model"):
        unsupported_layers("mlp")


@pytest.mark.parametrize("build, match", [
    (lambda: nn.Sequential(_Scale(), nn.Linear(72, 3)), "_Scale has no ghost-clipping rule"),
    (_tied, "tied weights"),
    (_Twice, "_Twice is not a module whose forward the ghost path can see"),
    (_Skips, "_Skips is not a module whose forward"),
    (lambda: _reused(nn.Linear(72, 72)), "the same parameter as 0.weight"),  # one layer run twice
    (lambda: nn.Sequential(nn.Linear(72, 16), nn.ReLU(inplace=True), nn.Linear(16, 3)), "in place"),
])
def test_ghost_refuses_what_it_cannot_compute_and_auto_falls_back_to_vmap(build, match):
    torch.manual_seed(0)
    model = build().to(DEV, torch.float64)
    x, y = _batch(10)
    with pytest.raises(GhostClippingError, match=match):
        clipped_grad_sum(model, CE, x, y, 0.5, clipping="ghost")
    assert issubclass(GhostClippingError, ValueError)
    assert all(not m._forward_hooks for m in model.modules())  # removed even after an error
    auto, _, _ = clipped_grad_sum(model, CE, x, y, 0.5)
    reference = copy.deepcopy(model)
    ref, _ = _reference(reference, CE, x, y, 0.5)
    for key in ref:
        assert torch.allclose(auto[key], ref[key], rtol=1e-10, atol=1e-12), key


def test_batch_norm_is_still_rejected():
    model = nn.Sequential(nn.Linear(72, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)).to(DEV)
    x, y = _batch(4, torch.float32)
    for clipping in ("auto", "ghost", "vmap"):
        with pytest.raises(ValueError, match="batch-normalisation"):
            clipped_grad_sum(model, CE, x, y, 1.0, clipping=clipping)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"clipping": "fast"}, ValueError, "clipping must be one of 'auto', 'ghost', 'vmap'"),
    ({"clipping": None}, TypeError, "clipping must be one of"),
    ({"max_grad_norm": 0.0}, ValueError, "max_grad_norm must be a finite number > 0"),
    ({"max_grad_norm": float("nan")}, ValueError, "max_grad_norm"),
    ({"y": "labels"}, TypeError, "y must be a torch.Tensor"),
    ({"loss_fn": "cross_entropy"}, TypeError, "loss_fn must be callable"),
])
def test_clipped_grad_sum_rejects_bad_input(kwargs, error, match):
    model = _model("logreg")
    x, y = _batch(4)
    args = {"model": model, "loss_fn": CE, "x": x, "y": y, "max_grad_norm": 1.0, **kwargs}
    with pytest.raises(error, match=match):
        clipped_grad_sum(**args)
    with pytest.raises(ValueError, match="x and y"):
        clipped_grad_sum(model, CE, x, y[:-1], 1.0)


# --------------------------------------------------------------------------- training


def _digits_like(n: int = 120):
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(n, 72, generator=gen, dtype=torch.float64)
    y = (X[:, :3].argmax(1)).long()
    return X, y


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_train_dp_ghost_and_vmap_take_the_same_steps(name):
    """Same seed, same noise draws, same clipped sums: the two paths train the same weights."""
    X, y = _digits_like()
    runs = {}
    for clipping in ("ghost", "vmap"):
        model = _model(name)
        res = train_dp(model, X, y, epochs=2, max_grad_norm=0.5, delta=1e-5, lr=0.5, batch_size=30,
                       noise_multiplier=1.0, seed=4, clipping=clipping, device=DEV)
        assert res.clipping == clipping
        runs[clipping] = (res, [p.detach().clone() for p in model.parameters()])
    (ghost, w_ghost), (vmap, w_vmap) = runs["ghost"], runs["vmap"]
    assert ghost.epsilon == vmap.epsilon and ghost.steps == vmap.steps
    assert ghost.accountant.history == vmap.accountant.history
    for a, b in zip(w_ghost, w_vmap):
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-11)
    assert [h["loss"] for h in ghost.history] == pytest.approx([h["loss"] for h in vmap.history], rel=1e-9)


def test_train_dp_auto_picks_ghost_when_it_can_and_vmap_when_it_cannot():
    X, y = _digits_like()
    common = dict(epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=30, noise_multiplier=1.0,
                  device=DEV)
    assert train_dp(_model("norms"), X, y, **common).clipping == "ghost"
    torch.manual_seed(0)
    custom = nn.Sequential(_Scale(), nn.Linear(72, 3)).double()
    assert train_dp(custom, X, y, **common).clipping == "vmap"
    torch.manual_seed(0)
    twice = _Twice().double()  # found out at the first step
    res = train_dp(twice, X, y, **common)
    assert res.clipping == "vmap" and res.steps == 4
    assert all(not m._forward_hooks for m in twice.modules())


def test_train_dp_explicit_ghost_refuses_before_charging_the_budget():
    X, y = _digits_like()
    budget = PrivacyBudget(10.0, 1e-4)
    model = nn.Sequential(_Scale(), nn.Linear(72, 3)).double()
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(GhostClippingError, match="_Scale"):
        train_dp(model, X, y, epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=30,
                 noise_multiplier=1.0, clipping="ghost", budget=budget, device=DEV)
    assert budget.ledger == []
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    with pytest.raises(ValueError, match="clipping must be one of"):
        train_dp(_model("mlp"), X, y, epochs=1, max_grad_norm=1.0, delta=1e-5, lr=0.1, batch_size=30,
                 noise_multiplier=1.0, clipping="book-keeping", device=DEV)


def test_negative_labels_are_refused_instead_of_ignored():
    """cross_entropy's ignore_index (-100) would give that example a zero loss on the fast path."""
    from course_lib.dp.ghost import _per_example_losses

    out = torch.zeros(3, 4)
    with pytest.raises(ValueError, match="y: class labels must be in"):
        _per_example_losses(torch.nn.functional.cross_entropy, out, torch.tensor([0, -100, 2]))
    with pytest.raises(ValueError, match="y: class labels"):
        _per_example_losses(torch.nn.functional.cross_entropy, out, torch.tensor([0, 4, 2]))
    ok = _per_example_losses(torch.nn.functional.cross_entropy, out, torch.tensor([0, 3, 2]))
    assert torch.allclose(ok, torch.full((3,), math.log(4)))
