from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from torch import nn

from course_lib.compression.prune import (
    apply_masks,
    count_macs,
    global_masks,
    gradual_schedule,
    layerwise_masks,
    magnitude_mask,
    nm_mask,
    prunable,
    prune_channels,
    sensitivity_scan,
    sparsity_of,
)

SETTINGS = settings(max_examples=40, deadline=None)
# small integers make ties frequent, so tie-breaking is exercised too
weights = arrays(np.float32, array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7),
                 elements=st.integers(-4, 4).map(float))
fractions = st.floats(0, 1, exclude_max=True)


def mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))


def convnet(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 5, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(5 * 3 * 3, 4),
    )


def assert_magnitude_order(w: torch.Tensor, keep: torch.Tensor) -> None:
    """No pruned |w| exceeds a kept one; among equal magnitudes pruned ones come first."""
    mags, flat = w.abs().flatten(), keep.flatten()
    if flat.all() or not flat.any():
        return
    assert mags[~flat].max() <= mags[flat].min()
    tie = mags[~flat].max()
    if (mags[flat] == tie).any():
        last_pruned = torch.nonzero(~flat & (mags == tie)).max()
        first_kept = torch.nonzero(flat & (mags == tie)).min()
        assert last_pruned < first_kept


# ------------------------------------------------------------------------- unstructured masks
@SETTINGS
@given(weights, fractions)
def test_magnitude_mask_prunes_exactly_the_smallest(array, sparsity):
    w = torch.from_numpy(array)
    keep = magnitude_mask(w, sparsity)
    assert keep.dtype == torch.bool and keep.shape == w.shape
    assert int((~keep).sum()) == math.floor(sparsity * w.numel())
    assert_magnitude_order(w, keep)


def test_magnitude_mask_breaks_ties_by_position():
    keep = magnitude_mask(torch.ones(2, 3), 0.5)
    assert keep.tolist() == [[False, False, False], [True, True, True]]
    assert magnitude_mask(torch.tensor([3.0, -1.0, 2.0, 0.5]), 0.5).tolist() == [True, False, True, False]


@pytest.mark.parametrize(("sparsity", "error"), [
    (1.0, ValueError), (-0.1, ValueError), (float("nan"), ValueError), ("0.5", TypeError), (True, TypeError),
])
def test_magnitude_mask_rejects_bad_sparsity(sparsity, error):
    with pytest.raises(error, match="sparsity"):
        magnitude_mask(torch.ones(4), sparsity)


def test_magnitude_mask_rejects_bad_tensors():
    with pytest.raises(TypeError, match="w must be a torch.Tensor"):
        magnitude_mask([1.0, 2.0], 0.5)
    with pytest.raises(TypeError, match="w must be a floating-point"):
        magnitude_mask(torch.arange(4), 0.5)
    with pytest.raises(ValueError, match="NaN"):
        magnitude_mask(torch.tensor([1.0, float("nan")]), 0.5)


def test_prunable_finds_linear_and_conv_weights_by_name():
    model = nn.Sequential(nn.Conv1d(1, 2, 3), nn.ReLU(), nn.Sequential(nn.Conv3d(2, 2, 1), nn.Linear(4, 2)),
                          nn.BatchNorm1d(2), nn.Conv2d(2, 2, 1))
    assert list(prunable(model)) == ["0.weight", "2.0.weight", "2.1.weight", "4.weight"]
    assert prunable(model)["2.1.weight"] is model[2][1].weight
    assert list(prunable(nn.Linear(3, 2))) == ["weight"]


def test_prunable_rejects_models_without_prunable_layers():
    with pytest.raises(ValueError, match="no prunable layer"):
        prunable(nn.Sequential(nn.ReLU(), nn.BatchNorm1d(3)))
    with pytest.raises(ValueError, match="no prunable layer"):
        layerwise_masks(nn.Sequential(), 0.5)
    with pytest.raises(TypeError, match="model"):
        prunable(torch.ones(3))


@SETTINGS
@given(fractions, st.integers(0, 3))
def test_layerwise_masks_give_every_layer_the_same_sparsity(sparsity, seed):
    model = mlp(seed)
    masks = layerwise_masks(model, sparsity)
    assert list(masks) == list(prunable(model))
    for name, p in prunable(model).items():
        assert int((~masks[name]).sum()) == math.floor(sparsity * p.numel())
        assert_magnitude_order(p.detach(), masks[name])


@SETTINGS
@given(fractions, st.integers(0, 3))
def test_global_masks_use_one_threshold_for_all_layers(sparsity, seed):
    model = convnet(seed)
    with torch.no_grad():
        model[0].weight.mul_(10)  # different scales per layer: the global cut hits them unevenly
    masks = global_masks(model, sparsity)
    params = prunable(model)
    total = sum(p.numel() for p in params.values())
    assert sum(int((~m).sum()) for m in masks.values()) == math.floor(sparsity * total)
    all_w = torch.cat([p.detach().flatten() for p in params.values()])
    all_keep = torch.cat([m.flatten() for m in masks.values()])
    assert_magnitude_order(all_w, all_keep)


def test_global_masks_prune_small_layers_more():
    model = mlp()
    with torch.no_grad():
        model[0].weight.add_(10)  # every |w| of layer 0 is now larger than any other layer's
    masks = global_masks(model, 0.4)  # 137 of 344 weights: fewer than the 152 outside layer 0
    assert masks["0.weight"].all()  # the scaled-up layer keeps everything
    assert not masks["4.weight"].all()


# ---------------------------------------------------------------------------- applying masks
def _train(model: nn.Module, optimizer, steps: int, handle=None, enforce: bool = True) -> None:
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(16, 12, generator=gen)
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if handle is not None and enforce:
            handle.enforce()


def _pruned_values(model: nn.Module, masks: dict[str, torch.Tensor]) -> torch.Tensor:
    params = dict(model.named_parameters())
    return torch.cat([params[name].detach()[~mask] for name, mask in masks.items()])


@pytest.mark.parametrize("enforce", [True, False])
def test_pruned_weights_stay_zero_with_momentum_and_weight_decay_only_with_enforce(enforce):
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    _train(model, optimizer, 5)  # momentum buffers fill up before pruning, as in gradual pruning
    masks = layerwise_masks(model, 0.6)
    handle = apply_masks(model, masks)
    assert (_pruned_values(model, masks) == 0).all()
    _train(model, optimizer, 20, handle, enforce=enforce)
    zero = bool((_pruned_values(model, masks) == 0).all())
    assert zero is enforce  # without enforce() the old momentum moves them: the test can fail
    pruned = sum(math.floor(0.6 * p.numel()) for p in prunable(model).values())
    total = sum(p.numel() for p in prunable(model).values())
    assert (sparsity_of(model) >= pruned / total) is enforce


def test_gradient_hook_zeroes_masked_gradients_and_remove_detaches_it():
    model = mlp()
    masks = layerwise_masks(model, 0.5)
    handle = apply_masks(model, masks)
    model(torch.randn(4, 12)).sum().backward()
    for name, p in prunable(model).items():
        assert (p.grad[~masks[name]] == 0).all()
        assert (p.grad[masks[name]] != 0).any()
    handle.remove()
    assert not handle.active
    model.zero_grad()
    model(torch.randn(4, 12)).sum().backward()
    assert (model[0].weight.grad[~masks["0.weight"]] != 0).any()


def test_apply_masks_rejects_bad_masks():
    model = mlp()
    with pytest.raises(ValueError, match="not a parameter"):
        apply_masks(model, {"9.weight": torch.ones(3, dtype=torch.bool)})
    with pytest.raises(ValueError, match="shape"):
        apply_masks(model, {"0.weight": torch.ones(3, dtype=torch.bool)})
    with pytest.raises(TypeError, match="bool tensor"):
        apply_masks(model, {"0.weight": torch.ones(16, 12)})
    with pytest.raises(ValueError, match="masks must not be empty"):
        apply_masks(model, {})


def test_sparsity_of_counts_exact_zeros():
    assert sparsity_of(torch.tensor([0.0, 1.0, -0.0, 2.0])) == 0.5
    model = mlp()
    apply_masks(model, global_masks(model, 0.3))
    total = sum(p.numel() for p in prunable(model).values())
    assert sparsity_of(model) == math.floor(0.3 * total) / total
    with pytest.raises(TypeError, match="model_or_tensor"):
        sparsity_of([0.0, 1.0])
    with pytest.raises(ValueError, match="empty"):
        sparsity_of(torch.ones(0))


# ----------------------------------------------------------------------- schedules and scans
@SETTINGS
@given(fractions, fractions, st.integers(1, 60), st.integers(1, 5))
def test_gradual_schedule_is_monotone_and_ends_at_final(a, b, steps, power):
    initial, final = min(a, b), max(a, b)
    schedule = gradual_schedule(final, steps, initial, power)
    assert len(schedule) == steps
    assert schedule[-1] == final
    assert all(x <= y for x, y in zip(schedule, schedule[1:]))
    assert all(initial <= s <= final for s in schedule)
    if steps > 1:
        assert schedule[0] == initial


def test_gradual_schedule_follows_the_cubic_formula():
    s = gradual_schedule(0.8, 5)
    assert s == pytest.approx([0.8 * (1 - (1 - t / 4) ** 3) for t in range(5)])
    assert s[1] - s[0] > s[4] - s[3]  # fast early, slow late


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(final_sparsity=1.0, steps=3), "final_sparsity"),
    (dict(final_sparsity=0.5, steps=0), "steps"),
    (dict(final_sparsity=0.5, steps=3, initial_sparsity=0.6), "initial_sparsity"),
    (dict(final_sparsity=0.5, steps=3, power=0), "power"),
])
def test_gradual_schedule_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        gradual_schedule(**kwargs)


def test_sensitivity_scan_prunes_each_layer_alone_on_copies():
    model = mlp()
    before = copy.deepcopy(model.state_dict())
    scan = sensitivity_scan(model, sparsity_of, [0.0, 0.5, 0.9])
    assert list(scan) == list(prunable(model))
    total = sum(p.numel() for p in prunable(model).values())
    for name, p in prunable(model).items():
        expected = [math.floor(s * p.numel()) / total for s in (0.0, 0.5, 0.9)]
        assert scan[name] == pytest.approx(expected)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])


def test_sensitivity_scan_rejects_bad_arguments():
    with pytest.raises(TypeError, match="evaluate"):
        sensitivity_scan(mlp(), "accuracy", [0.5])
    with pytest.raises(ValueError, match=r"sparsities\[1\]"):
        sensitivity_scan(mlp(), sparsity_of, [0.5, 1.5])
    with pytest.raises(TypeError, match="sparsities"):
        sensitivity_scan(mlp(), sparsity_of, [])
    with pytest.raises(TypeError, match="evaluate must return a number"):
        sensitivity_scan(mlp(), lambda m: "good", [0.5])


# ------------------------------------------------------------------------ structured pruning
def _zeroed(model: nn.Sequential, layer: int, amount: float) -> tuple[nn.Sequential, torch.Tensor]:
    """The original network with the lowest-L1 output channels of ``model[layer]`` zeroed."""
    zeroed = copy.deepcopy(model)
    w = zeroed[layer].weight
    norms = w.detach().abs().flatten(1).sum(1).tolist()
    k = math.floor(amount * w.shape[0])
    removed = sorted(range(len(norms)), key=lambda c: (norms[c], c))[:k]
    with torch.no_grad():
        w[removed] = 0
        zeroed[layer].bias[removed] = 0
    return zeroed, torch.tensor(removed, dtype=torch.long)


@SETTINGS
@given(st.sampled_from([0, 2]), fractions, st.integers(0, 3))
def test_prune_channels_mlp_equals_the_zeroed_network(layer, amount, seed):
    model = mlp(seed)
    pruned = prune_channels(model, layer, amount)
    zeroed, removed = _zeroed(model, layer, amount)
    out = model[layer].out_features
    assert pruned[layer].out_features == out - len(removed)
    assert pruned[layer + 2].in_features == out - len(removed)
    x = torch.randn(5, 12)
    assert pruned(x).shape == model(x).shape
    torch.testing.assert_close(pruned(x), zeroed(x), rtol=1e-5, atol=1e-6)
    macs_removed = len(removed) * (model[layer].in_features + model[layer + 2].out_features)
    assert count_macs(pruned, (12,)) == count_macs(model, (12,)) - macs_removed


@SETTINGS
@given(st.sampled_from([0, 2]), fractions, st.integers(0, 3))
def test_prune_channels_convnet_equals_the_zeroed_network(layer, amount, seed):
    model = convnet(seed)
    pruned = prune_channels(model, layer, amount)
    zeroed, removed = _zeroed(model, layer, amount)
    assert pruned[layer].out_channels == model[layer].out_channels - len(removed)
    if layer == 0:
        assert pruned[2].in_channels == pruned[0].out_channels
    else:
        assert pruned[6].in_features == pruned[2].out_channels * 9
    x = torch.randn(3, 2, 8, 8)
    assert pruned(x).shape == model(x).shape
    torch.testing.assert_close(pruned(x), zeroed(x), rtol=1e-5, atol=1e-5)
    if len(removed):
        assert count_macs(pruned, (2, 8, 8)) < count_macs(model, (2, 8, 8))
    for p_new, p_old in zip(pruned.parameters(), model.parameters()):
        assert p_new.requires_grad == p_old.requires_grad


def test_prune_channels_leaves_the_original_untouched():
    model = mlp()
    before = copy.deepcopy(model.state_dict())
    prune_channels(model, 0, 0.5)
    assert model[0].out_features == 16
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_prune_channels_rejects_bad_arguments():
    model = mlp()
    with pytest.raises(ValueError, match="amount"):
        prune_channels(model, 0, 1.0)
    with pytest.raises(ValueError, match="amount"):
        prune_channels(model, 0, -0.2)
    with pytest.raises(ValueError, match="layer 1 must be an nn.Linear or nn.Conv2d"):
        prune_channels(model, 1, 0.5)
    with pytest.raises(ValueError, match="layer must be an int index"):
        prune_channels(model, 5, 0.5)
    with pytest.raises(ValueError, match="last Linear/Conv2d"):
        prune_channels(model, 4, 0.5)
    with pytest.raises(TypeError, match="nn.Sequential"):
        prune_channels(nn.ModuleList([nn.Linear(2, 2)]), 0, 0.5)
    with_bn = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    with pytest.raises(NotImplementedError, match="BatchNorm1d"):
        prune_channels(with_bn, 0, 0.5)
    with_gn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.GroupNorm(2, 4), nn.Conv2d(4, 2, 3))
    with pytest.raises(NotImplementedError, match="GroupNorm"):
        prune_channels(with_gn, 0, 0.5)
    with pytest.raises(NotImplementedError, match="Sigmoid"):
        prune_channels(nn.Sequential(nn.Linear(4, 6), nn.Sigmoid(), nn.Linear(6, 2)), 0, 0.5)


# ------------------------------------------------------------------------------- N:M sparsity
@SETTINGS
@given(st.integers(1, 4).flatmap(lambda m: st.tuples(st.integers(1, m), st.just(m))),
       st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**16))
def test_nm_mask_keeps_exactly_n_largest_per_group(nm, groups, rows, seed):
    n, m = nm
    gen = torch.Generator().manual_seed(seed)
    w = torch.randint(-3, 4, (rows, groups * m), generator=gen).float()  # ties are common
    keep = nm_mask(w, n, m)
    assert keep.shape == w.shape
    grouped_keep, grouped_w = keep.reshape(-1, m), w.abs().reshape(-1, m)
    assert (grouped_keep.sum(1) == n).all()
    for k, g in zip(grouped_keep, grouped_w):
        assert_magnitude_order(g, k)


def test_nm_mask_two_four():
    w = torch.tensor([[0.1, -0.9, 0.5, 0.2, 1.0, 1.0, 1.0, 1.0]])
    assert nm_mask(w).tolist() == [[False, True, True, False, False, False, True, True]]


@pytest.mark.parametrize(("args", "error", "name"), [
    ((torch.ones(2, 8), 5, 4), ValueError, "n must be"),
    ((torch.ones(2, 6), 2, 4), ValueError, "divisible by m=4"),
    ((torch.ones(2, 8), 0, 4), ValueError, "n must be"),
    ((torch.ones(2, 8), 2, 0), ValueError, "m must be"),
    ((torch.ones(2, 8), 2.0, 4), TypeError, "n must be"),
])
def test_nm_mask_rejects_bad_arguments(args, error, name):
    with pytest.raises(error, match=name):
        nm_mask(*args)


# ------------------------------------------------------------------------------------- cost
def test_count_macs_counts_linear_and_conv_work():
    assert count_macs(mlp(), (12,)) == 12 * 16 + 16 * 8 + 8 * 3
    model = convnet()
    conv1 = 6 * 8 * 8 * 2 * 9
    conv2 = 5 * 6 * 6 * 6 * 9
    assert count_macs(model, (2, 8, 8)) == conv1 + conv2 + 45 * 4
    model.train()
    count_macs(model, (2, 8, 8))
    assert model.training and model[0].training
    with pytest.raises(ValueError, match="input_shape"):
        count_macs(model, (2, 0, 8))
