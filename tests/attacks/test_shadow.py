"""Shadow models trained at once equal the same models trained one by one; LiRA is the Gaussian
likelihood ratio it says it is, beats the loss attack on an overfit model, and refuses bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from course_lib.attacks.membership import sample_in_out, scores_from_logits, split_scores, tpr_at_fpr
from course_lib.attacks.shadow import (
    StackedMLP,
    leave_one_out_lira,
    lira_scores,
    shadow_classifier_scores,
    train_shadow_models,
    train_shadow_models_loop,
)
from course_lib.data import load_digits_split


@pytest.fixture(scope="module")
def digits():
    d = load_digits_split(seed=0, scale="none")
    return np.concatenate([d.X_train, d.X_test]) / 16, np.concatenate([d.y_train, d.y_test])


def test_stacked_training_equals_the_loop_of_ordinary_models(digits):
    X, y = digits
    keep = sample_in_out(5, 300, np.random.default_rng(0))
    kw = dict(hidden=(16, 8), epochs=3, batch_size=32, lr=3e-3, weight_decay=1e-4, seed=7)
    a = train_shadow_models(X[:300], y[:300], keep, **kw)
    b = train_shadow_models_loop(X[:300], y[:300], keep, **kw)
    for u, v in zip(a.weights + a.biases, b.weights + b.biases):
        assert torch.allclose(u, v, atol=1e-5)
    assert not torch.allclose(a.weights[0][0], a.weights[0][1])  # different models, different weights
    # model m as an nn.Sequential gives the stacked model's logits
    Xt = torch.tensor(X[:50], dtype=torch.float32)
    assert torch.allclose(a.model(3)(Xt), a.logits(X[:50])[3], atol=1e-5)
    # on_epoch sees the models after every epoch; the last snapshot is the result
    snaps = []
    final = train_shadow_models(X[:300], y[:300], keep, **kw,
                                on_epoch=lambda e, m: snaps.append((e, m.copy())))
    assert [e for e, _ in snaps] == [1, 2, 3]
    assert all(torch.equal(u, v) for u, v in zip(snaps[-1][1].weights, final.weights))
    assert not torch.equal(snaps[0][1].weights[0], final.weights[0])
    # a model trained on other examples is another model: the IN sets matter
    other = train_shadow_models(X[:300], y[:300], keep[::-1].copy(), **kw)
    assert not torch.allclose(other.weights[0][0], a.weights[0][0])


def test_stacked_training_refuses_bad_input(digits):
    X, y = digits
    keep = sample_in_out(2, 20, np.random.default_rng(0))
    with pytest.raises(ValueError, match="same positive number of examples"):
        train_shadow_models(X[:20], y[:20], np.vstack([keep[0], ~np.zeros(20, bool)]))
    with pytest.raises(ValueError, match="boolean"):
        train_shadow_models(X[:20], y[:20], keep.astype(int))
    with pytest.raises(ValueError, match="finite"):
        train_shadow_models(X[:20] * np.nan, y[:20], keep)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        train_shadow_models(X[:20], y[:20], keep, epochs=0)
    with pytest.raises(ValueError, match="lr"):
        train_shadow_models(X[:20], y[:20], keep, lr=-1.0)


def test_lira_is_the_gaussian_log_likelihood_ratio():
    gen = np.random.default_rng(1)
    shadow = gen.normal(size=(12, 4))
    keep = np.zeros((12, 4), bool)
    keep[:6] = True
    shadow[:6] += 2.0
    target = np.array([0.5, 1.0, 2.5, -1.0])
    got = lira_scores(target, shadow, keep, fix_variance=False)
    for i in range(4):
        i_in, i_out = shadow[:6, i], shadow[6:, i]
        want = (stats.norm.logpdf(target[i], i_in.mean(), i_in.std(ddof=1))
                - stats.norm.logpdf(target[i], i_out.mean(), i_out.std(ddof=1)))
        assert got[i] == pytest.approx(want)
    off = lira_scores(target, shadow, keep, online=False, fix_variance=False)
    assert off[1] == pytest.approx(-stats.norm.logsf(1.0, shadow[6:, 1].mean(), shadow[6:, 1].std(ddof=1)))
    # pooled variance: one sd for every example
    pooled = lira_scores(target, shadow, keep, fix_variance=True)
    assert np.isfinite(pooled).all() and not np.allclose(pooled, got)
    # an example no shadow held IN has no online score under per-example variance
    keep2 = keep.copy()
    keep2[:, 0] = False
    assert np.isnan(lira_scores(target, shadow, keep2, fix_variance=False)[0])


def test_lira_refuses_bad_input():
    with pytest.raises(ValueError, match="shadow_scores must be"):
        lira_scores(np.zeros(3), np.zeros((4, 2)), np.zeros((4, 2), bool))
    with pytest.raises(ValueError, match="boolean"):
        lira_scores(np.zeros(3), np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite"):
        lira_scores(np.array([0, np.inf, 0]), np.zeros((4, 3)), np.zeros((4, 3), bool))
    with pytest.raises(ValueError, match="n_models >= 3"):
        leave_one_out_lira(np.zeros((2, 3)), np.zeros((2, 3), bool))


def test_lira_finds_leakage_the_loss_attack_misses_on_an_overfit_model(digits):
    """Carlini et al.'s central result at small scale: the global loss threshold is near chance at
    1 % FPR, the per-example calibrated test is several times better (9 models, 1,000 digits)."""
    X, y = digits
    X, y = X[:1000], y[:1000]
    keep = sample_in_out(9, len(X), np.random.default_rng(2))
    models = train_shadow_models(X, y, keep, hidden=(128,), epochs=40, batch_size=64, lr=3e-3, seed=2)
    logits = models.logits(X)
    acc = (logits.argmax(-1).numpy() == y)
    assert acc[keep].mean() > 0.99 and acc[~keep].mean() < 0.99  # overfit
    scores = scores_from_logits(logits, y)
    loss = tpr_at_fpr(*split_scores(scores, keep), 0.01)
    statistic = leave_one_out_lira(scores, keep)
    undefined = np.isnan(statistic)
    assert undefined.mean() < 0.01  # 8 shadows: an example is IN for none of them with probability 1/256
    lira = tpr_at_fpr(*split_scores(statistic, keep, drop_undefined=True), 0.01)
    assert lira.low > loss.high, (lira, loss)
    # Shokri's classifier learns the same signal from the outputs alone, less sharply than LiRA
    shokri = shadow_classifier_scores(logits[1:].numpy(), keep[1:], y, logits[0].numpy())
    assert tpr_at_fpr(shokri[keep[0]], shokri[~keep[0]], 0.01).tpr < lira.high


def test_stacked_mlp_round_trip():
    torch.manual_seed(0)
    models = [torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
              for _ in range(3)]
    stacked = StackedMLP.from_models(models)
    X = torch.randn(7, 4)
    for m, model in enumerate(models):
        assert torch.allclose(stacked.logits(X)[m], model(X), atol=1e-6)
    with pytest.raises(ValueError, match="boolean"):
        shadow_classifier_scores(np.zeros((2, 3, 2)), np.zeros((2, 3)), [0, 1, 0], np.zeros((3, 2)))
