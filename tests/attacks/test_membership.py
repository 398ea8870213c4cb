"""Membership inference: scores that survive confident models, ROC/AUC/TPR agreeing with scikit-learn
and with a brute-force count, intervals, the game, and bad input refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics
from torch import nn

from course_lib.attacks.membership import (
    logit_scores,
    loss_scores,
    roc_auc,
    roc_curve,
    sample_in_out,
    scores_from_logits,
    split_scores,
    tpr_at_fpr,
)


def test_logit_score_is_log_odds_of_the_label_and_stays_ordered_when_float32_loss_underflows():
    z = torch.tensor([[3.0, 1.0, -2.0], [0.0, 0.0, 0.0]])
    p = torch.softmax(z.double(), 1)
    want = torch.log(p[[0, 1], [0, 2]]) - torch.log1p(-p[[0, 1], [0, 2]])
    assert np.allclose(scores_from_logits(z, [0, 2]), want.numpy(), rtol=1e-12)
    # confident models: the float32 loss of all of these is exactly 0, the scores still differ
    big = torch.tensor([[40.0, 0.0], [60.0, 0.0], [80.0, 0.0], [1000.0, 0.0]])
    assert (nn.functional.cross_entropy(big, torch.zeros(4, dtype=torch.long), reduction="none") == 0).all()
    s = scores_from_logits(big, [0, 0, 0, 0])
    assert np.all(np.isfinite(s)) and np.all(np.diff(s) > 0)
    assert s[-1] == pytest.approx(1000.0)
    # a stacked leading axis (models) broadcasts the labels
    stacked = scores_from_logits(torch.stack([z, 2 * z]), [0, 2])
    assert stacked.shape == (2, 2) and np.allclose(stacked[0], want.numpy())


def test_logit_and_loss_scores_rank_examples_alike_and_refuse_training_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    X, y = torch.randn(40, 5), torch.randint(0, 3, (40,))
    with pytest.raises(ValueError, match="training mode"):
        logit_scores(model, X, y)
    model.eval()
    a, b = logit_scores(model, X, y), loss_scores(model, X, y)
    assert (np.argsort(a) == np.argsort(b)).all()
    with pytest.raises(ValueError, match=r"labels in \[0, 2\]"):
        logit_scores(model, X, torch.full((40,), 3))
    with pytest.raises(ValueError, match="one label per example"):
        logit_scores(model, X, y[:5])
    with pytest.raises(ValueError, match="at least one example"):
        logit_scores(model, X[:0], y[:0])
    with pytest.raises(ValueError, match="finite"):
        logit_scores(model, X * float("nan"), y)
    with pytest.raises(TypeError, match="integer class labels"):
        logit_scores(model, X, y + 0.5)


scores = st.lists(st.integers(-5, 5).map(float), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(scores, scores)
def test_roc_and_auc_agree_with_scikit_learn_and_ties_move_together(s_in, s_out):
    fpr, tpr, thr = roc_curve(s_in, s_out)
    labels = np.r_[np.ones(len(s_in)), np.zeros(len(s_out))]
    f2, t2, _ = metrics.roc_curve(labels, np.r_[s_in, s_out], drop_intermediate=False)
    assert np.allclose(fpr, f2) and np.allclose(tpr, t2)
    if 0 < len(s_in) and 0 < len(s_out):
        assert roc_auc(s_in, s_out) == pytest.approx(metrics.roc_auc_score(labels, np.r_[s_in, s_out]))
    # every point is a real threshold rule, counted by brute force
    for f, t, th in zip(fpr, tpr, thr):
        assert t == np.mean(np.array(s_in) >= th) and f == np.mean(np.array(s_out) >= th)


@settings(max_examples=150, deadline=None)
@given(scores, st.lists(st.integers(-5, 5).map(float), min_size=10, max_size=60),
       st.sampled_from([0.1, 0.2, 0.25, 0.5]))
def test_tpr_at_fpr_is_the_best_admissible_threshold_rule(s_in, s_out, target):
    r = tpr_at_fpr(s_in, s_out, target)
    s_in, s_out = np.array(s_in), np.array(s_out)
    best = max(np.mean(s_in >= t) for t in [*np.unique(np.r_[s_in, s_out]), np.inf]
               if np.mean(s_out >= t) <= target)
    assert r.tpr == best and r.fpr <= target
    assert r.tpr == np.mean(s_in >= r.threshold) and r.fpr == np.mean(s_out >= r.threshold)
    assert r.low <= r.tpr <= r.high


def test_tpr_at_fpr_with_ties_cannot_split_a_tied_group():
    # all non-members tie with half of the members: no rule passes some of the tie
    r = tpr_at_fpr([1.0] * 50 + [0.0] * 50, [0.0] * 100, 0.05)
    assert r.tpr == 0.5 and r.fpr == 0.0
    r = tpr_at_fpr([0.0] * 100, [0.0] * 100, 0.5)
    assert r.tpr == 0.0  # the whole tie would give FPR 1


def test_tpr_interval_is_clopper_pearson_and_covers_the_truth():
    gen = np.random.default_rng(3)
    hits, trials = 0, 200
    for _ in range(trials):
        s_in, s_out = gen.normal(1.5, 1, 300), gen.normal(0, 1, 2000)
        r = tpr_at_fpr(s_in, s_out, 0.05)
        true = 1 - __import__("scipy").stats.norm.cdf(r.threshold - 1.5)
        hits += r.low <= true <= r.high
    assert hits / trials >= 0.9  # the interval is for the TPR at the chosen threshold


def test_tpr_at_fpr_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"fpr must be a number in the open interval \(0, 1\)"):
        tpr_at_fpr([1.0], [0.0] * 10, 0.0)
    for bad in (1.0, -0.1, float("nan"), True):
        with pytest.raises(ValueError, match="fpr"):
            tpr_at_fpr([1.0], [0.0] * 10, bad)
    with pytest.raises(ValueError, match="needs at least 1000 non-member scores"):
        tpr_at_fpr([1.0] * 5, [0.0] * 999, 0.001)
    with pytest.raises(ValueError, match="member_scores must not be empty"):
        tpr_at_fpr([], [0.0] * 100, 0.1)
    with pytest.raises(ValueError, match="NaN"):
        roc_auc([1.0, float("nan")], [0.0])


def test_sample_in_out_gives_each_model_a_random_half():
    keep = sample_in_out(64, 101, np.random.default_rng(0))
    assert keep.shape == (64, 101) and (keep.sum(1) == 50).all()
    share = keep.mean(0)
    assert 0.25 < share.min() and share.max() < 0.75  # every example IN for about half of the models
    assert not (keep[0] == keep[1]).all()
    again = [sample_in_out(3, 10, np.random.default_rng(1)) for _ in range(2)]
    assert (again[0] == again[1]).all()
    with pytest.raises(ValueError, match="n_examples must be an int >= 2"):
        sample_in_out(3, 1, np.random.default_rng(0))
    with pytest.raises(TypeError, match="generator"):
        sample_in_out(3, 10, 0)


def test_split_scores_checks_the_mask():
    s_in, s_out = split_scores(np.arange(6.0).reshape(2, 3), np.array([[1, 0, 1], [0, 0, 1]], dtype=bool))
    assert s_in.tolist() == [0.0, 2.0, 5.0] and s_out.tolist() == [1.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="boolean"):
        split_scores([1.0, 2.0], [1, 0])
    with pytest.raises(ValueError, match="same shape"):
        split_scores([1.0, 2.0], np.array([True]))
    assert math.isclose(roc_auc([2.0], [1.0]), 1.0)
    with pytest.raises(ValueError, match="1 scores are NaN"):
        split_scores([1.0, np.nan], np.array([True, False]))
    s_in, s_out = split_scores([1.0, np.nan, 2.0], np.array([True, False, False]), drop_undefined=True)
    assert s_in.tolist() == [1.0] and s_out.tolist() == [2.0]
