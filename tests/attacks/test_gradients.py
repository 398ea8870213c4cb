"""Tests for course_lib.attacks.gradients: gradient inversion, the defences, and their measurement.

The victim throughout is a digits MLP (64 -> 32 -> 10, ReLU) at initialisation, as in federated SGD's
first round, and the inputs are scikit-learn's 8x8 digits scaled to [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from course_lib.attacks.gradients import (
    add_noise,
    clip_and_noise,
    closed_form_inversion,
    dlg,
    gradient_of,
    idlg_label,
    recognition_rate,
    reconstruction_mse,
    topk_sparsify,
)
from course_lib.data import load_digits_split
from course_lib.models import mlp

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    d = load_digits_split(seed=0, scale="none")
    X = torch.tensor(d.X_train / 16, dtype=torch.float32)
    y = torch.tensor(d.y_train)
    # the judge of "still recognisable": trained on digits that are never reconstructed
    judge = LogisticRegression(max_iter=2000).fit(d.X_test / 16, d.y_test)
    return X, y, judge


def _victim(seed: int, dtype=torch.float32) -> nn.Module:
    torch.manual_seed(seed)
    return mlp(64, (32,), 10).to(dtype)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------- closed form and iDLG


def test_closed_form_recovers_one_input_exactly(digits):
    X, y, _ = digits
    for k in range(20):
        g = gradient_of(_victim(k), X[k:k + 1], y[k:k + 1])
        x = closed_form_inversion(g["0.weight"], g["0.bias"])
        assert x.shape == (64,)
        assert float((x - X[k]).abs().max()) < 1e-6, k
    g64 = gradient_of(_victim(0, torch.float64), X[:1].double(), y[:1])
    assert float((closed_form_inversion(g64["0.weight"], g64["0.bias"]) - X[0].double()).abs().max()) < 1e-12


def test_closed_form_on_a_batch_returns_the_predicted_blend(digits):
    X, y, _ = digits
    model = _victim(1, torch.float64)
    xb, yb = X[:8].double(), y[:8]
    g = gradient_of(model, xb, yb)
    blend = closed_form_inversion(g["0.weight"], g["0.bias"])
    # per-example bias gradients of row i weigh the inputs: x = sum_k g_ki x_k / sum_k g_ki
    row = int(g["0.bias"].abs().argmax())
    weights = torch.stack([gradient_of(model, xb[k:k + 1], yb[k:k + 1])["0.bias"][row] for k in range(8)])
    assert torch.allclose(blend, (weights[:, None] * xb).sum(0) / weights.sum(), atol=1e-10)
    # ... and it is none of the inputs
    assert min(reconstruction_mse(blend, xb[k]) for k in range(8)) > 1e-3


def test_closed_form_refuses_bad_input():
    with pytest.raises(ValueError, match="grad_b1 is all zeros"):
        closed_form_inversion(torch.ones(3, 4), torch.zeros(3))
    with pytest.raises(ValueError, match="grad_b1 must have one entry per row"):
        closed_form_inversion(torch.ones(3, 4), torch.ones(2))
    with pytest.raises(ValueError, match="grad_W1 must be 2-D"):
        closed_form_inversion(torch.ones(4), torch.ones(4))
    with pytest.raises(TypeError, match="grad_W1 must be a torch.Tensor"):
        closed_form_inversion(np.ones((3, 4)), torch.ones(3))
    with pytest.raises(ValueError, match="finite"):
        closed_form_inversion(torch.full((3, 4), math.nan), torch.ones(3))
    with pytest.raises(ValueError, match="given together"):
        closed_form_inversion(torch.ones(3, 4), torch.ones(3), mask_W1=torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask_b1 must be a boolean tensor"):
        closed_form_inversion(torch.ones(3, 4), torch.ones(3), torch.ones(3, 4) > 0, torch.ones(3))


def test_idlg_label_is_right_for_every_example_under_its_assumption(digits):
    X, y, _ = digits
    hits = [idlg_label(gradient_of(_victim(k), X[k:k + 1], y[k:k + 1])["2.weight"]) == int(y[k])
            for k in range(100)]
    assert all(hits)


def test_idlg_label_needs_a_non_negative_penultimate_layer(digits):
    X, y, _ = digits
    hits = []
    for k in range(100):
        torch.manual_seed(k)
        model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))  # h of either sign
        hits.append(idlg_label(gradient_of(model, X[k:k + 1], y[k:k + 1])["2.weight"]) == int(y[k]))
    assert 0.2 < np.mean(hits) < 0.85  # right only when sum(h) > 0: about half the time
    with pytest.raises(ValueError, match="grad_last_W must be 2-D"):
        idlg_label(torch.ones(10))
    with pytest.raises(ValueError, match="at least 2"):
        idlg_label(torch.ones(1, 5))


# --------------------------------------------------------------------------- DLG


def test_dlg_with_a_soft_label_reconstructs_a_digit(digits):
    X, y, _ = digits
    model = _victim(0)
    g = gradient_of(model, X[:1], y[:1])
    x = dlg(model, g, (1, 64), steps=100, generator=_gen(0))
    assert x.shape == (1, 64)
    assert reconstruction_mse(x, X[:1]) < 1e-6
    assert all(p.grad is None for p in model.parameters())


def test_idlg_with_the_recovered_label_reconstructs_digits_and_a_list_of_gradients_works(digits):
    X, y, _ = digits
    for k in range(3):
        model = _victim(k)
        g = gradient_of(model, X[k:k + 1], y[k:k + 1])
        label = idlg_label(g["2.weight"])
        x = dlg(model, list(g.values()), (1, 64), label=label, steps=50, generator=_gen(k))
        assert reconstruction_mse(x, X[k:k + 1]) < 1e-8, k


def test_dlg_starting_point_alone_is_far_from_the_digit(digits):
    """The control: one L-BFGS iteration does not reconstruct anything (the match is the optimisation)."""
    X, y, _ = digits
    model = _victim(0)
    g = gradient_of(model, X[:1], y[:1])
    x = dlg(model, g, (1, 64), label=int(y[0]), steps=1, generator=_gen(0))
    assert reconstruction_mse(x, X[:1]) > 0.05


def test_dlg_refuses_bad_input(digits):
    X, y, _ = digits
    model = _victim(0)
    g = gradient_of(model, X[:1], y[:1])
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        dlg(model, g, (1, 64), steps=0, generator=_gen(0))
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        dlg(model, g, (1, 64), steps=1, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="lacks entries"):
        dlg(model, {"0.weight": g["0.weight"]}, (1, 64), steps=1, generator=_gen(0))
    with pytest.raises(ValueError, match="must be a tensor of shape"):
        dlg(model, {**g, "0.bias": torch.zeros(5)}, (1, 64), steps=1, generator=_gen(0))
    with pytest.raises(ValueError, match="one tensor per trainable parameter"):
        dlg(model, list(g.values())[:2], (1, 64), steps=1, generator=_gen(0))
    with pytest.raises(ValueError, match="label must be an int or a long tensor"):
        dlg(model, g, (1, 64), label=torch.tensor([1, 2]), steps=1, generator=_gen(0))
    with pytest.raises(ValueError, match="label must be an int or a long tensor"):
        dlg(model, g, (1, 64), label=True, steps=1, generator=_gen(0))
    with pytest.raises(ValueError, match="y must be a 1-D long tensor"):
        gradient_of(model, X[:2], y[:1])
    x_np_label = dlg(model, g, (1, 64), label=np.int64(y[0]), steps=50, generator=_gen(0))  # NumPy ints too
    assert reconstruction_mse(x_np_label, X[:1]) < 1e-8
    with pytest.raises(TypeError, match="mask must hold boolean tensors"):
        dlg(model, g, (1, 64), steps=1, generator=_gen(0), mask={k: v.ne(0).float() for k, v in g.items()})
    with pytest.raises(TypeError, match="x_shape"):
        dlg(model, g, 64, steps=1, generator=_gen(0))
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        dlg(model, g, (1, 64), steps=1, lr=0.0, generator=_gen(0))


# --------------------------------------------------------------------------- defences


def _attack_all(X, y, n, defend, seed0=1000):
    """Closed form and iDLG+DLG on n single-example gradients after ``defend``; reconstructions."""
    closed, optimised = [], []
    for k in range(n):
        model = _victim(k)
        g = gradient_of(model, X[k:k + 1], y[k:k + 1])
        g, mask = defend(g, _gen(seed0 + k))
        masks = (mask["0.weight"], mask["0.bias"]) if mask is not None else ()
        closed.append(closed_form_inversion(g["0.weight"], g["0.bias"], *masks))
        optimised.append(dlg(model, g, (1, 64), label=idlg_label(g["2.weight"]), steps=50,
                             generator=_gen(seed0 + k), mask=mask)[0])
    return torch.stack(closed), torch.stack(optimised)


def _median_mse(R, X):
    return float(np.median([reconstruction_mse(r, x) for r, x in zip(R, X)]))


def test_noise_degrades_reconstruction_and_clipping_plus_noise_more(digits):
    X, y, judge = digits
    n = 30
    defences = {
        "none": lambda g, gen: (g, None),
        "noise 0.01": lambda g, gen: (add_noise(g, 0.01, gen), None),
        "noise 0.1": lambda g, gen: (add_noise(g, 0.1, gen), None),
        "clip 1 + noise 1": lambda g, gen: (clip_and_noise(g, 1.0, 1.0, gen), None),
    }
    mse, rec = {}, {}
    for name, defend in defences.items():
        closed, optimised = _attack_all(X, y, n, defend)
        mse[name] = _median_mse(optimised, X[:n])
        rec[name] = max(recognition_rate(judge, closed, y[:n]), recognition_rate(judge, optimised, y[:n]))
    assert mse["none"] < 1e-8 and rec["none"] >= 0.8
    assert mse["none"] < mse["noise 0.01"] < 0.01 and rec["noise 0.01"] >= 0.8  # small noise: no defence
    assert 0.01 < mse["noise 0.1"] < mse["clip 1 + noise 1"]
    assert rec["clip 1 + noise 1"] < rec["noise 0.1"] < rec["none"]
    assert rec["clip 1 + noise 1"] <= 0.3  # about chance (0.1)


def test_topk_with_its_mask_still_inverts(digits):
    X, y, judge = digits
    n = 20
    closed, optimised = _attack_all(X, y, n, lambda g, gen: topk_sparsify(g, 0.1))
    assert _median_mse(closed, X[:n]) < 0.01
    assert _median_mse(optimised, X[:n]) < 0.1
    assert recognition_rate(judge, closed, y[:n]) >= 0.8


def test_defences_keep_structure_and_do_what_they_say():
    g = {"w": torch.tensor([[3.0, -4.0], [0.0, 0.0]]), "b": torch.tensor([12.0])}  # norm 13
    clipped = clip_and_noise(g, 1.3, 1e-12, _gen(0))
    assert isinstance(clipped, dict) and list(clipped) == ["w", "b"]
    assert torch.allclose(clipped["w"], g["w"] / 10, atol=1e-9) and torch.allclose(clipped["b"], g["b"] / 10)
    small = clip_and_noise(g, 100.0, 1e-12, _gen(0))  # already within the bound: unchanged
    assert torch.allclose(small["w"], g["w"], atol=1e-9)
    noisy = add_noise([torch.zeros(100_000)], 0.1, _gen(0))
    assert isinstance(noisy, list) and abs(float(noisy[0].std()) - 0.1) < 0.002
    big = clip_and_noise([torch.zeros(100_000)], 2.0, 0.5, _gen(0))
    assert abs(float(big[0].std()) - 1.0) < 0.02  # noise std = noise_multiplier * clip
    sparse, mask = topk_sparsify({"w": torch.arange(-10.0, 10.0)}, 0.25)
    assert int(mask["w"].sum()) == 5 and set(sparse["w"][mask["w"]].tolist()) == {-10.0, -9.0, 9.0, -8.0, 8.0}
    assert float(sparse["w"][~mask["w"]].abs().sum()) == 0
    _, tiny = topk_sparsify([torch.ones(3)], 0.01)
    assert int(tiny[0].sum()) == 1  # at least one entry


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda g: add_noise(g, 0.0, _gen(0)), ValueError, "std must be a finite number > 0"),
    (lambda g: add_noise(g, -1.0, _gen(0)), ValueError, "std must be a finite number > 0"),
    (lambda g: add_noise(g, 0.1, 0), TypeError, "generator must be a torch.Generator"),
    (lambda g: add_noise({}, 0.1, _gen(0)), ValueError, "at least one tensor"),
    (lambda g: add_noise(g["w"], 0.1, _gen(0)), TypeError, "grads must be a dict"),
    (lambda g: clip_and_noise(g, 0.0, 1.0, _gen(0)), ValueError, "clip must be a finite number > 0"),
    (lambda g: clip_and_noise(g, 1.0, 0.0, _gen(0)), ValueError, "noise_multiplier must be a finite number"),
    (lambda g: clip_and_noise(g, 1.0, math.inf, _gen(0)), ValueError, "noise_multiplier"),
    (lambda g: topk_sparsify(g, 0.0), ValueError, r"fraction must be in \(0, 1\]"),
    (lambda g: topk_sparsify(g, 1.5), ValueError, r"fraction must be in \(0, 1\]"),
    (lambda g: topk_sparsify(g, True), TypeError, "fraction must be a real number"),
    (lambda g: topk_sparsify({"w": torch.tensor([1.0, math.nan])}, 0.5), ValueError, "finite"),
    (lambda g: topk_sparsify({"w": torch.tensor([1, 2])}, 0.5), TypeError, "floating-point"),
])
def test_defences_refuse_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call({"w": torch.ones(4)})


# --------------------------------------------------------------------------- measurement


def test_measurement_helpers(digits):
    X, y, judge = digits
    assert reconstruction_mse(torch.zeros(4), torch.ones(4)) == 1.0
    assert reconstruction_mse(np.zeros(3), np.full(3, 2.0)) == 4.0
    with pytest.raises(ValueError, match="same shape"):
        reconstruction_mse(torch.zeros(4), torch.zeros(5))
    clean = recognition_rate(judge, X[:200], y[:200])
    assert 0.9 < clean <= 1.0
    assert recognition_rate(judge, X[:200], (y[:200] + 1) % 10) < 0.1
    torch.manual_seed(0)
    net = nn.Linear(64, 10)
    assert recognition_rate(net, X[:50], y[:50]) == pytest.approx(
        float((net(X[:50]).argmax(1) == y[:50]).float().mean()))
    with pytest.raises(TypeError, match="predict"):
        recognition_rate(object(), X[:5], y[:5])
    with pytest.raises(ValueError, match="labels"):
        recognition_rate(judge, X[:5], y[:4])
