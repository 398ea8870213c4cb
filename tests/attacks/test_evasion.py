"""Evasion attacks: constraints hold for every example, the attacks are as strong as theory says, the
model is left untouched, adversarial training buys robustness at a clean-accuracy cost, and bad input
is refused with a message naming the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from course_lib.attacks.evasion import (
    adversarial_training,
    fgsm,
    pgd,
    random_noise,
    robust_accuracy,
)
from course_lib.config import set_threads
from course_lib.data import load_digits_split
from course_lib.models import accuracy, mlp, train

EPS = 0.1  # L-infinity budget on pixels in [0, 1]
ROUND = 1e-6  # float32 round-off allowed on a constraint


@pytest.fixture(scope="module")
def digits():
    set_threads(1)
    d = load_digits_split(seed=0, scale="none")
    X = torch.tensor(d.X_train / 16, dtype=torch.float32)
    Xt = torch.tensor(d.X_test / 16, dtype=torch.float32)
    return X, torch.tensor(d.y_train), Xt, torch.tensor(d.y_test)


@pytest.fixture(scope="module")
def trained(digits):
    """A standard and an adversarially trained digits MLP (same architecture, data and seed)."""
    X, y, _, _ = digits
    torch.manual_seed(0)
    standard = mlp(hidden=(64,))
    train(standard, X, y, epochs=20, lr=2e-3, seed=0)
    torch.manual_seed(0)
    robust = mlp(hidden=(64,))
    losses = adversarial_training(robust, X, y, EPS, attack="pgd", steps=5, epochs=20, lr=2e-3, seed=0)
    return standard.eval(), robust.eval(), losses


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _linf(a, b):
    return (a - b).flatten(1).abs().max(dim=1).values


def _l2(a, b):
    return (a - b).flatten(1).norm(dim=1)


# ------------------------------------------------------------------ constraints, for every example


@pytest.mark.parametrize("eps", [0.03, 0.1, 0.3])
def test_linf_attacks_stay_in_the_ball_and_the_pixel_range(trained, digits, eps):
    model = trained[0]
    _, _, Xt, yt = digits
    outs = {
        "fgsm": fgsm(model, Xt, yt, eps),
        "pgd": pgd(model, Xt, yt, eps, generator=_gen()),
        "pgd, last iterate": pgd(model, Xt, yt, eps, generator=_gen(), keep_best=False),
        "noise": random_noise(Xt, eps, generator=_gen()),
    }
    for name, adv in outs.items():
        assert adv.shape == Xt.shape and adv.dtype == Xt.dtype, name
        assert float(_linf(adv, Xt).max()) <= eps + ROUND, name
        assert float(adv.min()) >= 0.0 and float(adv.max()) <= 1.0, name
    # clipping was active: many pixels are 0 and FGSM pushed some of them down, to exactly 0
    pushed_down = (Xt == 0) & (outs["fgsm"] == 0)
    assert int(pushed_down.sum()) > 100
    # the attacks use their budget: most examples move by the full eps somewhere
    assert float((_linf(outs["fgsm"], Xt) > eps - ROUND).float().mean()) > 0.99
    assert float((_linf(outs["pgd"], Xt) > eps - ROUND).float().mean()) > 0.9


@pytest.mark.parametrize("eps", [0.5, 1.5])
def test_l2_attacks_stay_in_the_ball_and_the_pixel_range(trained, digits, eps):
    model = trained[0]
    _, _, Xt, yt = digits
    for adv in (pgd(model, Xt, yt, eps, norm="l2", generator=_gen()),
                pgd(model, Xt, yt, eps, norm="l2", generator=_gen(), keep_best=False),
                random_noise(Xt, eps, norm="l2", generator=_gen())):
        assert float(_l2(adv, Xt).max()) <= eps * (1 + ROUND)
        assert float(adv.min()) >= 0.0 and float(adv.max()) <= 1.0
    # without clipping, L2 noise lies exactly on the sphere of radius eps
    free = random_noise(Xt, eps, norm="l2", clip=None, generator=_gen())
    assert torch.allclose(_l2(free, Xt), torch.full((len(Xt),), eps), rtol=1e-5)


def test_linf_noise_is_plus_or_minus_eps_on_every_pixel_without_clipping(digits):
    _, _, Xt, _ = digits
    delta = random_noise(Xt, 0.05, clip=None, generator=_gen()) - Xt
    assert torch.allclose(delta.abs(), torch.full_like(delta, 0.05), atol=1e-7)
    share_up = float((delta > 0).float().mean())
    assert 0.48 < share_up < 0.52  # 23,040 fair signs: std 0.0033


# ------------------------------------------------------------------ strength


def test_pgd_is_at_least_as_strong_as_fgsm_and_noise_much_weaker(trained, digits):
    model = trained[0]
    _, _, Xt, yt = digits
    eps_values = [0.0, 0.05, 0.1, 0.2]
    acc_f = robust_accuracy(model, Xt, yt, "fgsm", eps_values)
    acc_p = robust_accuracy(model, Xt, yt, "pgd", eps_values, generator=_gen())
    acc_n = robust_accuracy(model, Xt, yt, "noise", eps_values, generator=_gen())
    clean = accuracy(model, Xt, yt)
    assert acc_f[0] == acc_p[0] == acc_n[0] == pytest.approx(clean, abs=1e-6)  # float32 mean
    assert clean > 0.93
    assert np.all(acc_p <= acc_f + 0.01), (acc_p, acc_f)
    assert acc_p[1:].sum() < acc_f[1:].sum() - 0.03, "PGD finds more than FGSM's single step"
    assert np.all(np.diff(acc_p) <= 0.01), "a larger budget cannot help the model much"
    at = eps_values.index(0.1)
    assert acc_f[at] < clean - 0.3, "FGSM at eps = 0.1 breaks the standard model"
    assert acc_n[at] > clean - 0.05, "random noise of the same size barely hurts"
    assert acc_p[-1] < 0.05


def test_eps_zero_changes_nothing(trained, digits):
    model = trained[0]
    _, _, Xt, yt = digits
    for adv in (fgsm(model, Xt, yt, 0.0), pgd(model, Xt, yt, 0.0, generator=_gen()),
                pgd(model, Xt, yt, 0, norm="l2", generator=_gen()),
                random_noise(Xt, 0.0, generator=_gen()), random_noise(Xt, 0.0, norm="l2")):
        assert torch.equal(adv, Xt)


def test_a_seeded_generator_makes_pgd_and_noise_reproducible(trained, digits):
    model = trained[0]
    _, _, Xt, yt = digits
    for norm, eps in (("linf", 0.1), ("l2", 1.0)):
        a = pgd(model, Xt, yt, eps, norm=norm, generator=_gen(3))
        b = pgd(model, Xt, yt, eps, norm=norm, generator=_gen(3))
        c = pgd(model, Xt, yt, eps, norm=norm, generator=_gen(4))
        assert torch.equal(a, b) and not torch.equal(a, c)
        assert torch.equal(random_noise(Xt, eps, norm=norm, generator=_gen(3)),
                           random_noise(Xt, eps, norm=norm, generator=_gen(3)))
    # without a random start PGD is deterministic even without a generator
    fixed = [pgd(model, Xt, yt, 0.1, random_start=False) for _ in range(2)]
    assert torch.equal(*fixed)


def test_keep_best_returns_the_best_iterate_of_the_run(trained, digits):
    """Iterate t of a run is what the same run (same start, same step size) returns after t steps without
    keep_best; the kept point must misclassify whenever some iterate does, and otherwise have the largest
    loss. Large steps make the iterates oscillate, so the last one is often not the best."""
    model = trained[0]
    _, _, Xt, yt = digits
    eps, alpha, steps = 0.05, 0.1, 5
    best = pgd(model, Xt, yt, eps, step_size=alpha, steps=steps, generator=_gen(1))
    with torch.no_grad():
        wrong_t, loss_t = [], []
        for t in range(1, steps + 1):
            x_t = pgd(model, Xt, yt, eps, step_size=alpha, steps=t, generator=_gen(1), keep_best=False)
            logits = model(x_t)
            wrong_t.append(logits.argmax(1) != yt)
            loss_t.append(F.cross_entropy(logits, yt, reduction="none"))
        wrong_t, loss_t = torch.stack(wrong_t), torch.stack(loss_t)
        logits = model(best)
        wrong_best, loss_best = logits.argmax(1) != yt, F.cross_entropy(logits, yt, reduction="none")
    assert bool((wrong_best >= wrong_t.any(0)).all()), "a misclassifying iterate is never dropped"
    none_wrong = ~wrong_t.any(0) & ~wrong_best
    assert bool((loss_best[none_wrong] >= loss_t.max(0).values[none_wrong] - 1e-6).all())
    last_not_best = (wrong_t.any(0) & ~wrong_t[-1]) | (loss_t[-1] < loss_t.max(0).values - 1e-3)
    assert int(last_not_best.sum()) >= 3, "the test needs runs whose last iterate is not their best"


# ------------------------------------------------------------------ a linear model: the exact worst case


@pytest.fixture
def logistic():
    """Binary logistic regression (two logits) in float64 with random weights, and inputs in [0, 1]."""
    gen = torch.Generator().manual_seed(0)
    model = nn.Linear(20, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(2, 20, generator=gen, dtype=torch.float64))
        model.bias.copy_(torch.randn(2, generator=gen, dtype=torch.float64))
    X = torch.rand(200, 20, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 2, (200,), generator=gen)
    return model.eval(), X, y


def _losses(model, X, y):
    with torch.no_grad():
        return F.cross_entropy(model(X), y, reduction="none")


@pytest.mark.parametrize("clip", [None, (0.0, 1.0)])
def test_fgsm_is_the_exact_worst_case_for_logistic_regression_and_pgd_cannot_beat_it(logistic, clip):
    """The loss of label y is a decreasing function of the margin m(x) = (w_y - w_o)·x + b_y - b_o, linear
    in x; over the box {|δ_i| <= eps} ∩ [0, 1]^d it is minimised coordinate by coordinate: every pixel
    moves by eps towards sign(w_o - w_y), as far as the pixel range allows."""
    model, X, y = logistic
    eps = 0.2
    w = model.weight.detach()
    direction = (w[1 - y] - w[y]).sign()
    exact = X + eps * direction
    if clip is not None:
        exact = exact.clamp(*clip)
    assert torch.equal(fgsm(model, X, y, eps, clip=clip), exact)
    best = _losses(model, exact, y)
    for steps, step_size in ((10, None), (40, 0.01), (5, 0.5)):
        adv = pgd(model, X, y, eps, steps=steps, step_size=step_size, clip=clip, generator=_gen(steps))
        assert bool((_losses(model, adv, y) <= best + 1e-9).all()), "nothing beats the exact worst case"
    adv = pgd(model, X, y, eps, steps=20, clip=clip, generator=_gen())
    assert torch.allclose(_losses(model, adv, y), best, rtol=1e-6), "and PGD finds it"


def test_l2_pgd_reaches_the_exact_worst_case_for_logistic_regression(logistic):
    """Without clipping, the worst L2 perturbation of a linear margin is eps · v/‖v‖, v = w_o − w_y."""
    model, X, y = logistic
    eps = 0.5
    w = model.weight.detach()
    v = w[1 - y] - w[y]
    best = _losses(model, X + eps * v / v.norm(dim=1, keepdim=True), y)
    adv = pgd(model, X, y, eps, norm="l2", steps=40, step_size=eps, clip=None, generator=_gen())
    got = _losses(model, adv, y)
    assert bool((got <= best + 1e-9).all())
    assert torch.allclose(got, best, rtol=1e-6)


# ------------------------------------------------------------------ the model is left untouched


def test_attacks_leave_parameters_flags_and_gradients_alone(trained, digits):
    model = trained[0]
    _, _, Xt, yt = digits
    model.zero_grad(set_to_none=True)  # training left its last gradients; start from none
    model[0].bias.requires_grad_(False)  # a frozen parameter must stay frozen
    model[2].weight.grad = torch.full_like(model[2].weight, 0.5)  # a stale gradient must stay as it was
    before = {k: v.clone() for k, v in model.state_dict().items()}
    flags = [p.requires_grad for p in model.parameters()]
    X_in = Xt[:50].clone().requires_grad_(True)
    try:
        outs = [fgsm(model, X_in, yt[:50], 0.1), pgd(model, X_in, yt[:50], 0.1, generator=_gen()),
                pgd(model, X_in, yt[:50], 1.0, norm="l2", generator=_gen())]
        robust_accuracy(model, Xt, yt, "pgd", [0.1], steps=3)
        for k, v in model.state_dict().items():
            assert torch.equal(v, before[k]), k
        assert [p.requires_grad for p in model.parameters()] == flags
        assert torch.equal(model[2].weight.grad, torch.full_like(model[2].weight, 0.5))
        assert all(p.grad is None for n, p in model.named_parameters() if n != "2.weight")
        assert not model.training
        for adv in outs:
            assert not adv.requires_grad and adv.grad_fn is None
        assert X_in.grad is None
    finally:
        model[0].bias.requires_grad_(True)
        model[2].weight.grad = None


def test_outputs_keep_the_inputs_dtype_and_device(logistic):
    model, X, y = logistic
    for adv in (fgsm(model, X, y, 0.1), pgd(model, X, y, 0.1, steps=2), random_noise(X, 0.1)):
        assert adv.dtype == torch.float64 and adv.device == X.device


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_attacks_run_on_the_device_of_the_inputs(logistic):
    from course_lib.config import device

    model, X, y = logistic
    dev = device()
    model, X, y = model.to(dev), X.to(dev), y.to(dev)
    gen = torch.Generator(device=dev).manual_seed(0)
    for adv in (fgsm(model, X, y, 0.1), pgd(model, X, y, 0.1, generator=gen),
                random_noise(X, 0.1, generator=gen)):
        assert adv.device.type == dev.type


def test_numpy_inputs_are_accepted(trained, digits):
    model = trained[0]
    _, _, Xt, yt = digits
    adv = fgsm(model, Xt.numpy(), yt.numpy(), 0.1)
    assert torch.equal(adv, fgsm(model, Xt, yt, 0.1))


# ------------------------------------------------------------------ adversarial training


def test_adversarial_training_buys_robustness_and_costs_clean_accuracy(trained, digits):
    standard, robust, losses = trained
    _, _, Xt, yt = digits
    assert len(losses) == 20 and all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    assert not robust.training, "left in eval mode"
    clean_std, clean_rob = accuracy(standard, Xt, yt), accuracy(robust, Xt, yt)
    pgd_std = robust_accuracy(standard, Xt, yt, "pgd", [EPS], generator=_gen())[0]
    pgd_rob = robust_accuracy(robust, Xt, yt, "pgd", [EPS], generator=_gen())[0]
    assert pgd_rob > pgd_std + 0.15, (pgd_rob, pgd_std)
    assert clean_std - 0.08 < clean_rob < clean_std, (clean_rob, clean_std)


def test_adversarial_training_is_reproducible_and_supports_fgsm_and_mixing(digits):
    X, y, _, _ = digits
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        m = nn.Sequential(nn.Linear(64, 10))
        runs.append((adversarial_training(m, X[:300], y[:300], 0.1, attack="fgsm", clean_weight=0.5,
                                          epochs=2, seed=5), m[0].weight.detach().clone()))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
    torch.manual_seed(1)
    m = nn.Sequential(nn.Linear(64, 10))
    l2 = adversarial_training(m, X[:300], y[:300], 0.5, norm="l2", steps=2, epochs=2, seed=5)
    assert len(l2) == 2 and l2 != runs[0][0]


# ------------------------------------------------------------------ bad input


@pytest.fixture
def small():
    torch.manual_seed(0)
    model = nn.Linear(4, 3).eval()
    X = torch.rand(5, 4)
    y = torch.tensor([0, 1, 2, 0, 1])
    return model, X, y


ATTACK_CALLS = {
    "fgsm": lambda m, X, y, **kw: fgsm(m, X, y, kw.pop("eps", 0.1), **kw),
    "pgd": lambda m, X, y, **kw: pgd(m, X, y, kw.pop("eps", 0.1), **kw),
    "robust_accuracy": lambda m, X, y, **kw: robust_accuracy(m, X, y, "pgd", [kw.pop("eps", 0.1)], **kw),
}


@pytest.mark.parametrize("call", list(ATTACK_CALLS))
@pytest.mark.parametrize(("change", "error", "match"), [
    (dict(eps=-0.1), ValueError, r"eps must be a finite number >= 0"),
    (dict(eps=math.nan), ValueError, r"eps must be a finite number >= 0"),
    (dict(eps=math.inf), ValueError, r"eps must be a finite number >= 0"),
    (dict(eps="0.1"), TypeError, r"eps must be a real number"),
    (dict(y=torch.tensor([0, 1, 3, 0, 1])), ValueError, r"y must hold labels in \[0, 2\].*3 outputs"),
    (dict(y=torch.tensor([0, -1, 2, 0, 1])), ValueError, r"y must hold labels in \[0, 2\]"),
    (dict(y=torch.tensor([0.0, 1, 2, 0, 1])), TypeError, r"y must hold integer class labels"),
    (dict(y=torch.tensor([0, 1, 2])), ValueError, r"X and y must have the same length.*5 examples and 3"),
    (dict(X=torch.rand(0, 4), y=torch.zeros(0, dtype=torch.long)), ValueError, r"X is empty"),
    (dict(X=torch.full((5, 4), 2.0)), ValueError, r"X must lie inside clip=\(0.0, 1.0\)"),
    (dict(X=torch.full((5, 4), math.nan)), ValueError, r"X contains NaN"),
    (dict(X=torch.ones(5, 4, dtype=torch.long)), TypeError, r"X must hold floating-point values"),
    (dict(X=[[0.5] * 4] * 5), TypeError, r"X must be a torch.Tensor or NumPy array"),
    (dict(train=True), ValueError, r"model is in training mode.*model.eval\(\).*deployed model"),
    (dict(model="net"), TypeError, r"model must be a torch.nn.Module"),
    (dict(clip=(1.0, 0.0)), ValueError, r"clip must satisfy low < high"),
])
def test_attacks_reject_bad_input(small, call, change, error, match):
    model, X, y = small
    change = dict(change)
    if change.pop("train", False):
        model.train()
    model = change.pop("model", model)
    X, y = change.pop("X", X), change.pop("y", y)
    with pytest.raises(error, match=match):
        ATTACK_CALLS[call](model, X, y, **change)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(norm="l1"), ValueError, r"norm must be one of \('linf', 'l2'\)"),
    (dict(steps=0), ValueError, r"steps must be an int >= 1"),
    (dict(steps=2.5), TypeError, r"steps must be an int >= 1"),
    (dict(step_size=0.0), ValueError, r"step_size must be a finite number > 0"),
    (dict(step_size=-1.0), ValueError, r"step_size must be a finite number > 0"),
    (dict(generator=0), TypeError, r"generator must be a torch.Generator"),
    (dict(random_start=1), TypeError, r"random_start must be True or False"),
])
def test_pgd_rejects_bad_settings(small, kwargs, error, match):
    model, X, y = small
    with pytest.raises(error, match=match):
        pgd(model, X, y, 0.1, **kwargs)


def test_a_submodule_in_training_mode_is_refused(small):
    model, X, y = small
    wrapped = nn.Sequential(model, nn.Dropout(0.5)).eval()
    wrapped[1].train()
    with pytest.raises(ValueError, match="training mode"):
        fgsm(wrapped, X, y, 0.1)


def test_random_noise_and_robust_accuracy_reject_bad_input(small):
    model, X, y = small
    with pytest.raises(ValueError, match="norm must be one of"):
        random_noise(X, 0.1, norm="l3")
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        random_noise(X, -1.0)
    with pytest.raises(ValueError, match="X is empty"):
        random_noise(torch.rand(0, 4), 0.1)
    with pytest.raises(ValueError, match="X must lie inside clip"):
        random_noise(X - 1, 0.1)
    with pytest.raises(ValueError, match="attack must be one of"):
        robust_accuracy(model, X, y, "deepfool", [0.1])
    with pytest.raises(ValueError, match="eps_values must hold at least one"):
        robust_accuracy(model, X, y, "fgsm", [])
    with pytest.raises(TypeError, match="eps_values must be a sequence"):
        robust_accuracy(model, X, y, "fgsm", 0.1)
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        robust_accuracy(model, X, y, "fgsm", [0.1, -0.1])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(eps=-0.1), ValueError, r"eps must be a finite number >= 0"),
    (dict(attack="cw"), ValueError, r"attack must be 'pgd' or 'fgsm'"),
    (dict(attack="fgsm", norm="l2"), ValueError, r"attack='fgsm' is an L-infinity attack"),
    (dict(norm="l1"), ValueError, r"norm must be one of"),
    (dict(epochs=-1), ValueError, r"epochs must be an int >= 0"),
    (dict(lr=0.0), ValueError, r"lr must be a finite number > 0"),
    (dict(batch_size=0), ValueError, r"batch_size must be an int >= 1"),
    (dict(steps=0), ValueError, r"steps must be an int >= 1"),
    (dict(clean_weight=1.5), ValueError, r"clean_weight must be a number in \[0, 1\]"),
    (dict(seed=-1), ValueError, r"seed must be an int >= 0"),
    (dict(y=torch.tensor([0, 1, 5, 0, 1])), ValueError, r"y must hold labels in \[0, 2\]"),
    (dict(y=torch.tensor([0, 1])), ValueError, r"X and y must have the same length"),
])
def test_adversarial_training_rejects_bad_input(small, kwargs, error, match):
    model, X, y = small
    kwargs = dict(kwargs)
    eps = kwargs.pop("eps", 0.1)
    y = kwargs.pop("y", y)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(error, match=match):
        adversarial_training(model, X, y, eps, epochs=kwargs.pop("epochs", 1), **kwargs)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items()), "rejected before training"


# ------------------------------------------------------------------ a production library agrees


def test_fgsm_and_pgd_agree_with_torchattacks(trained, digits):
    """torchattacks (Kim 2020) works on image batches (n, channels, height, width): the digits go in as
    8x8 images, through a model that flattens them (our attacks take any shape)."""
    torchattacks = pytest.importorskip("torchattacks")
    model = nn.Sequential(nn.Flatten(), trained[0]).eval()
    _, _, Xt, yt = digits
    images = Xt.reshape(-1, 1, 8, 8)
    theirs = torchattacks.FGSM(model, eps=EPS)(images, yt)
    ours = fgsm(model, images, yt, EPS)
    assert ours.shape == images.shape
    assert float((theirs - ours).abs().max()) < 1e-6
    results = {}
    for name, attack, eps, norm in (("PGD", torchattacks.PGD, EPS, "linf"),
                                    ("PGDL2", torchattacks.PGDL2, 1.0, "l2")):
        torch.manual_seed(0)
        adv = attack(model, eps=eps, alpha=2.5 * eps / 10, steps=10, random_start=True)(images, yt)
        their_acc = float((model(adv).argmax(1) == yt).float().mean())
        our_acc = robust_accuracy(model, images, yt, "pgd", [eps], norm=norm, generator=_gen())[0]
        results[name] = (their_acc, our_acc)
    print("torchattacks vs course_lib accuracy:", results)
    assert all(abs(theirs - ours) < 0.03 for theirs, ours in results.values()), results
