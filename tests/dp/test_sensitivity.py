"""The per-example bound, tested as DP-SGD's privacy proof uses it: for every clipping path and every
model, removing one example moves the clipped sum by at most C, and replacing one by at most 2C.

Models come in three families: ordinary ones (what the notebooks train), random ``nn.Sequential``
stacks, and adversarial forwards that mix the examples of a batch (batch means, detached batch
statistics, attention over the batch, a time-major layout, hooks, a replaced ``forward``). On the
last family the ghost path's per-example norms would be wrong: ``clipping="ghost"`` must refuse it,
and ``"auto"`` must give the sum that the vmap path gives. Everything in float64 with a clipping norm
far below the gradients' norms, so that every example is clipped and any mixing shows.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_lib.dp.accounting import BudgetExceededError, PrivacyBudget
from course_lib.dp.ghost import ROW_WISE_MODULES, GhostClippingError
from course_lib.dp.sgd import clipped_grad_sum, naive_per_sample_grads, train_dp

CE = nn.functional.cross_entropy
C = 0.05
D = 12  # input features
K = 3  # classes


# --------------------------------------------------------------------------- adversarial forwards


class Lambda(nn.Module):
    """A parameter-free module running ``fn``: the ghost path cannot see what it does."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, h):
        return self.fn(h)


def _center(h):
    return h - h.mean(0)


def _detached_stats(h):  # batch statistics used as constants, as batch normalisation does
    return (h - h.mean(0).detach()) / ((h - h.mean(0)).abs().mean(0).detach() + 1.0)


def _gradient_only_mix(h):  # the same values as h, but every row's gradient flows to every other row
    m = h.mean(0)
    return h + (m - m.detach())


def _attention_over_batch(h):
    weights = torch.softmax(h @ h.T / h.shape[1] ** 0.5, dim=1)
    return h + weights @ h


def _max_over_batch(h):
    return h + h.max(0).values


class TimeMajor(nn.Module):
    """Reads each example as T positions of width D/T, then runs a Linear on a (T, B, w) layout."""

    def __init__(self, T: int):
        super().__init__()
        self.T = T
        self.lin = nn.Linear(D // T, 4)
        self.head = nn.Linear(4 * T, K).requires_grad_(False)  # a fixed read-out: only lin learns

    def forward(self, x):
        B = len(x)
        h = x.view(B, self.T, -1).transpose(0, 1)  # (T, B, w): dim 0 is no longer the example
        h = torch.tanh(self.lin(h)).transpose(0, 1).reshape(B, -1)
        return self.head(h)


class SubclassedLinear(nn.Linear):
    def forward(self, h):
        out = super().forward(h)
        return out - out.mean(0)


def _hooked():
    model = nn.Sequential(nn.Linear(D, 8), nn.Tanh(), nn.Linear(8, K))
    model[0].register_forward_hook(lambda module, args, out: out - out.mean(0))
    return model


def _pre_hooked():
    model = nn.Sequential(nn.Linear(D, 8), nn.Tanh(), nn.Linear(8, K))
    model[2].register_forward_pre_hook(lambda module, args: (args[0] - args[0].mean(0),))
    return model


def _replaced_forward():
    model = nn.Sequential(nn.Linear(D, 8), nn.Tanh(), nn.Linear(8, K))
    plain = model.forward
    model.forward = lambda x: plain(x - x.mean(0))
    return model


def _mixing(fn):
    return lambda: nn.Sequential(nn.Linear(D, 8), nn.Tanh(), Lambda(fn), nn.Linear(8, K))


ADVERSARIAL = {
    "batch-mean": _mixing(_center),
    "detached-batch-stats": _mixing(_detached_stats),
    "gradient-only-mixing": _mixing(_gradient_only_mix),
    "attention-over-batch": _mixing(_attention_over_batch),
    "max-over-batch": _mixing(_max_over_batch),
    "time-major-T-equals-B": lambda: TimeMajor(T=6),  # batch of 6: the shapes happen to fit
    "time-major-T-not-B": lambda: TimeMajor(T=4),
    "softmax-over-dim-0": lambda: nn.Sequential(nn.Linear(D, 8), nn.Softmax(dim=0), nn.Linear(8, K)),
    "flatten-from-dim-0": lambda: nn.Sequential(nn.Flatten(0), nn.Linear(6 * D, 6 * K),
                                                nn.Unflatten(0, (6, K))),
    "layernorm-over-batch": lambda: nn.Sequential(nn.Linear(D, 8), nn.LayerNorm((6, 8)), nn.Linear(8, K)),
    "affine-free-layernorm-over-batch": lambda: nn.Sequential(
        nn.Linear(D, 8), nn.LayerNorm((6, 8), elementwise_affine=False), nn.Linear(8, K)),
    "frozen-layernorm-over-batch": lambda: nn.Sequential(
        nn.Linear(D, 8), nn.LayerNorm((6, 8)).requires_grad_(False), nn.Linear(8, K)),
    "subclassed-linear": lambda: nn.Sequential(SubclassedLinear(D, 8), nn.Tanh(), nn.Linear(8, K)),
    "forward-hook": _hooked,
    "forward-pre-hook": _pre_hooked,
    "replaced-forward": _replaced_forward,
}


# --------------------------------------------------------------------------- ordinary and random models


class CustomForwardCNN(nn.Module):
    """An ordinary model written the usual way (its own forward): vmap under "auto"."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 2)
        self.head = nn.Linear(3 * 2 * 3, K)

    def forward(self, x):
        h = torch.relu(self.conv(x.view(len(x), 1, 3, 4)))
        return self.head(h.flatten(1))


ORDINARY = {
    "logreg": lambda: nn.Linear(D, K),
    "mlp": lambda: nn.Sequential(nn.Linear(D, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, K)),
    "norms": lambda: nn.Sequential(nn.Linear(D, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 8),
                                   nn.GroupNorm(2, 8), nn.Linear(8, K)),
    "sequence": lambda: nn.Sequential(nn.Unflatten(1, (4, 3)), nn.Linear(3, 5), nn.SiLU(), nn.LayerNorm(5),
                                      nn.Flatten(), nn.Linear(20, K)),
    "cnn": lambda: nn.Sequential(nn.Unflatten(1, (1, 3, 4)), nn.Conv2d(1, 4, 2, padding=1),
                                 nn.GroupNorm(2, 4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(4 * 2 * 2, K)),
    "custom-forward-cnn": CustomForwardCNN,
    "partly-frozen": lambda: nn.Sequential(nn.Linear(D, 8).requires_grad_(False), nn.Tanh(), nn.Linear(8, K)),
}

_ACTIVATIONS = [m for m in ROW_WISE_MODULES if m not in (nn.Flatten, nn.Unflatten, nn.Softmax, nn.LogSoftmax,
                                                         nn.Dropout, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d,
                                                         nn.AvgPool2d, nn.AdaptiveAvgPool1d,
                                                         nn.AdaptiveAvgPool2d)]


def _random_sequential(seed: int) -> nn.Module:
    """A random stack of Linear/LayerNorm/GroupNorm layers and row-wise activations, some frozen."""
    gen = torch.Generator().manual_seed(seed)

    def pick(n):
        return int(torch.randint(0, n, (1,), generator=gen))

    layers, width = [], D
    for _ in range(1 + pick(4)):
        out = 4 * (1 + pick(4))
        layers.append(nn.Linear(width, out, bias=bool(pick(2))))
        if pick(3) == 0:
            layers.append(nn.LayerNorm(out) if pick(2) else nn.GroupNorm(2, out))
        layers.append(_ACTIVATIONS[pick(len(_ACTIVATIONS))]())
        if pick(4) == 0:
            layers[0].requires_grad_(False)
        width = out
    layers.append(nn.Linear(width, K))
    return nn.Sequential(*layers)


RANDOM = {f"random-{seed}": (lambda seed=seed: _random_sequential(seed)) for seed in range(8)}


# --------------------------------------------------------------------------- the bound


def _build(factory, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return factory().double()


def _data(n: int = 6, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n + 1, D, generator=gen, dtype=torch.float64) * 3
    y = torch.randint(0, K, (n + 1,), generator=gen)
    return x[:n], y[:n], x[n:], y[n:]  # a batch, and one outsider to swap in


def _flat(sums: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.cat([s.reshape(-1) for s in sums.values()])


def _moves(model, clipping: str, x, y, x_new, y_new) -> tuple[float, float]:
    """The largest change of the clipped sum when one example is removed, or replaced."""
    def total(xb, yb):
        return _flat(clipped_grad_sum(model, CE, xb, yb, C, clipping=clipping)[0])

    full = total(x, y)
    removed, replaced = 0.0, 0.0
    for j in range(len(x)):
        keep = [i for i in range(len(x)) if i != j]
        # removing keeps the batch's order; a replacement takes the same place, so a forward that
        # depends on the batch size still sees six examples
        removed = max(removed, float(torch.linalg.vector_norm(full - total(x[keep], y[keep]))))
        xs, ys = x.clone(), y.clone()
        xs[j], ys[j] = x_new[0], y_new[0]
        replaced = max(replaced, float(torch.linalg.vector_norm(full - total(xs, ys))))
    return removed, replaced


def _assert_bounded(model, clipping, name):
    x, y, x_new, y_new = _data()
    removed, replaced = _moves(model, clipping, x, y, x_new, y_new)
    where = f"{name}, {clipping}"
    assert removed <= C * (1 + 1e-9), f"{where}: removing one example moved the sum by {removed:.4g} > C"
    assert replaced <= 2 * C * (1 + 1e-9), f"{where}: replacing one moved it by {replaced:.4g} > 2C"
    return removed, replaced


def _needs_batch_of_six(name: str) -> bool:
    return name in ("flatten-from-dim-0", "layernorm-over-batch", "affine-free-layernorm-over-batch",
                    "frozen-layernorm-over-batch")


@pytest.mark.parametrize("clipping", ["auto", "ghost", "vmap"])
@pytest.mark.parametrize("name", list(ORDINARY) + list(RANDOM))
def test_every_path_bounds_one_example_on_ordinary_and_random_models(name, clipping):
    factory = {**ORDINARY, **RANDOM}[name]
    model = _build(factory)
    if clipping == "ghost" and name == "custom-forward-cnn":
        with pytest.raises(GhostClippingError, match="not a module whose forward the ghost path can see"):
            clipped_grad_sum(model, CE, *_data()[:2], C, clipping="ghost")
        return
    removed, replaced = _assert_bounded(model, clipping, name)
    assert removed > C / 10  # the test is not vacuous: one example does move the sum


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_ghost_refuses_forwards_that_mix_examples_and_auto_stays_bounded(name):
    model = _build(ADVERSARIAL[name])
    x, y, _, _ = _data()
    with pytest.raises(GhostClippingError) as info:
        clipped_grad_sum(model, CE, x, y, C, clipping="ghost")
    assert "use clipping='vmap'" in str(info.value) or "use clipping='auto'" in str(info.value)
    if _needs_batch_of_six(name):
        return  # these forwards only run on a batch of exactly six: vmap (one example) cannot run them
    for clipping in ("auto", "vmap"):
        _assert_bounded(model, clipping, name)
    auto = clipped_grad_sum(model, CE, x, y, C, clipping="auto")[0]
    vmap = clipped_grad_sum(model, CE, x, y, C, clipping="vmap")[0]
    for key in vmap:
        assert torch.equal(auto[key], vmap[key]), key


def _trusting_ghost_sum(model, x, y):
    """What the ghost path computed before it checked the forward: per-example norms and the clipped
    sum from one backward pass of the batch, trusting every layer's rows to be examples."""
    from course_lib.dp import ghost

    clipper = ghost.GhostClipper.__new__(ghost.GhostClipper)
    clipper.model = model
    clipper._layers = {m: n for n, m in model.named_modules()
                       if any(p.requires_grad for p in m.parameters(recurse=False))
                       and type(m) in ghost.SUPPORTED_LAYERS}
    clipper._records, clipper._recording = {}, False
    clipper._handles = [m.register_forward_hook(clipper._hook) for m in clipper._layers]
    clipper._check_structure = lambda: None
    clipper._checked_records = lambda batch: [(m, *clipper._records[m][0][:2]) for m in clipper._layers]
    try:
        return _flat(clipper.clipped_sum(CE, x, y, C)[0])
    finally:
        clipper.remove()


def _unchecked_excess(name: str) -> float:
    """How far past its bound (1.0 = exactly at it) the unchecked path moves the clipped sum when one
    example is replaced (bound 2C) or, where the forward allows another batch size, removed (bound C)."""
    model = _build(ADVERSARIAL[name])
    x, y, x_new, y_new = _data()
    full = _trusting_ghost_sum(model, x, y)
    excess = 0.0
    for j in range(len(x)):
        xs, ys = x.clone(), y.clone()
        xs[j], ys[j] = 100 * x_new[0], y_new[0]  # an outlier: it dominates whatever it is mixed into
        moved = torch.linalg.vector_norm(full - _trusting_ghost_sum(model, xs, ys))
        excess = max(excess, float(moved) / (2 * C))
        if name != "time-major-T-equals-B" and not _needs_batch_of_six(name):  # removal changes B
            keep = [i for i in range(len(x)) if i != j]
            moved = torch.linalg.vector_norm(full - _trusting_ghost_sum(model, x[keep], y[keep]))
            excess = max(excess, float(moved) / C)
    return excess


@pytest.mark.parametrize("name", ["batch-mean", "gradient-only-mixing", "attention-over-batch",
                                  "time-major-T-equals-B", "forward-hook",
                                  "affine-free-layernorm-over-batch"])
def test_the_adversarial_models_really_break_an_unchecked_ghost_path(name):
    """The refusals above matter: without them these forwards move the clipped sum past its bound."""
    excess = _unchecked_excess(name)
    assert excess > 1.01, f"{name}: the unchecked path stayed within {excess:.3f} of its bound"


def test_ghost_is_refused_before_the_budget_is_charged():
    x, y, _, _ = _data(n=24)
    for name in ("time-major-T-not-B", "batch-mean", "layernorm-over-batch", "forward-hook"):
        budget = PrivacyBudget(epsilon=10.0, delta=1e-3)
        with pytest.raises(GhostClippingError):
            train_dp(_build(ADVERSARIAL[name]), x, y, epochs=1, max_grad_norm=C, delta=1e-5, lr=0.1,
                     sample_rate=0.25, noise_multiplier=1.0, clipping="ghost", budget=budget, device="cpu")
        assert budget.spent == (0.0, 0.0), name
    # Conv2d on (B, H, W) reads the batch as channels; with 2 channels it runs on the batch of 2 zeros
    conv_3d = nn.Sequential(nn.Unflatten(1, (3, 4)), nn.Conv2d(2, 2, 2), nn.Flatten(), nn.Linear(2 * 3, K))
    budget = PrivacyBudget(epsilon=10.0, delta=1e-3)
    with pytest.raises(GhostClippingError, match="batch of 2 examples in dim 0"):
        train_dp(_build(lambda: conv_3d), x, y, epochs=1, max_grad_norm=C, delta=1e-5, lr=0.1,
                 sample_rate=0.5, noise_multiplier=1.0, clipping="ghost", budget=budget, device="cpu")
    assert budget.spent == (0.0, 0.0)
    model = _build(ORDINARY["mlp"])  # a refusal for another reason leaves no hook behind
    with pytest.raises(BudgetExceededError):
        train_dp(model, x, y, epochs=1, max_grad_norm=C, delta=1e-5, lr=0.1, sample_rate=0.5,
                 noise_multiplier=0.1, clipping="ghost", budget=PrivacyBudget(epsilon=0.01, delta=1e-3))
    assert all(not m._forward_hooks for m in model.modules())


def test_auto_trains_adversarial_models_on_the_vmap_path():
    x, y, _, _ = _data(n=24)
    for name in ("time-major-T-not-B", "batch-mean", "forward-hook", "replaced-forward"):
        run = train_dp(_build(ADVERSARIAL[name]), x, y, epochs=1, max_grad_norm=C, delta=1e-5, lr=0.1,
                       sample_rate=0.25, noise_multiplier=1.0, device="cpu")
        assert run.clipping == "vmap", name
    assert train_dp(_build(ORDINARY["mlp"]), x, y, epochs=1, max_grad_norm=C, delta=1e-5, lr=0.1,
                    sample_rate=0.25, noise_multiplier=1.0, device="cpu").clipping == "ghost"


def test_a_global_module_hook_turns_the_ghost_path_off():
    handle = torch.nn.modules.module.register_module_forward_hook(lambda module, args, out: out)
    try:
        model = _build(ORDINARY["mlp"])
        with pytest.raises(GhostClippingError, match="global module hook"):
            clipped_grad_sum(model, CE, *_data()[:2], C, clipping="ghost")
    finally:
        handle.remove()
    clipped_grad_sum(model, CE, *_data()[:2], C, clipping="ghost")


def test_a_model_changed_after_the_clipper_was_made_is_checked_again():
    from course_lib.dp.ghost import GhostClipper

    model = _build(ORDINARY["mlp"])
    x, y, _, _ = _data()
    with GhostClipper(model) as clipper:
        clipper.clipped_sum(CE, x, y, C)
        model.insert(2, Lambda(_center))
        with pytest.raises(GhostClippingError, match="Lambda is not a module whose forward"):
            clipper.clipped_sum(CE, x, y, C)


def test_a_module_used_twice_keeps_its_parameters_on_the_vmap_path():
    lin = nn.Linear(D, D)
    model = _build(lambda: nn.Sequential(lin, nn.Tanh(), lin, nn.Tanh(), nn.Linear(D, K)))
    before = [(n, p) for n, p in model.named_parameters()]
    x, y, x_new, y_new = _data()
    sums = clipped_grad_sum(model, CE, x, y, 10.0, clipping="auto")[0]
    assert [(n, p) for n, p in model.named_parameters()] == before
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())
    naive = naive_per_sample_grads(model, CE, x, y)  # both uses of lin add up in its gradient
    for key in sums:
        assert torch.allclose(sums[key], naive[key].sum(0), atol=1e-12), key
    _assert_bounded(model, "auto", "reused module")
    assert math.isfinite(float(_flat(sums).norm()))
