"""Membership inference: was this example in the training set?

The game (Yeom et al. 2018; Carlini et al. 2022, sec. III): a challenger trains a model on a data set
in which each candidate example is IN or OUT by a fair coin; the attacker sees the model and one
candidate and outputs a *score*, higher meaning "IN". Thresholding the score gives one attack per
threshold, so an attack is a whole ROC curve. What matters for privacy is the **true-positive rate at
a low false-positive rate** — an attacker who is sure about a few people — not the AUC, which averages
over thresholds nobody would use (Carlini et al. 2022, sec. III-B): plot ROC curves on log-log axes.

The score is computed from the logits, never from a float32 loss: on an overfit model the
cross-entropy of a training example underflows to exactly 0, every such example ties, and the ROC
curve collapses at the low-FPR end. ``log p_y - log(1 - p_y) = z_y - logsumexp(z_{j != y})`` is
exact in float64 at any confidence (Carlini et al. 2022, sec. IV-B, "logit scaling").

References:
    S. Yeom, I. Giacomelli, M. Fredrikson, S. Jha. Privacy risk in machine learning: analyzing the
    connection to overfitting. CSF 2018.
    N. Carlini, S. Chien, M. Nasr, S. Song, A. Terzis, F. Tramèr. Membership inference attacks from
    first principles. IEEE S&P 2022.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..dp.audit import clopper_pearson

# --------------------------------------------------------------------------- inputs


def _as_float64(x, name: str) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).detach()
    if t.ndim < 1 or len(t) == 0:
        raise ValueError(f"{name} must hold at least one example, got shape {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.double()
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return t


def _labels(y, n: int, n_classes: int) -> torch.Tensor:
    y = torch.as_tensor(np.asarray(y) if not isinstance(y, torch.Tensor) else y).detach()
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y must be a 1-D array with one label per example ({n}), "
                         f"got shape {tuple(y.shape)}")
    if y.is_floating_point() or y.dtype == torch.bool:
        if y.dtype == torch.bool or not bool((y == y.round()).all()):
            raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    y = y.long()
    if n and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ValueError(f"y must hold labels in [0, {n_classes - 1}] (the model has {n_classes} outputs), "
                         f"got labels from {int(y.min())} to {int(y.max())}")
    return y


def check_eval(model: nn.Module) -> None:
    """Refuse a model in training mode: dropout and batch statistics would make the attack measure a
    model nobody deploys (and, with batch norm, scores that depend on the other examples)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if any(m.training for m in model.modules()):
        raise ValueError("model is in training mode: call model.eval() first — an attack measures the "
                         "deployed model")


# --------------------------------------------------------------------------- scores


def scores_from_logits(logits, y) -> np.ndarray:
    """Membership score ``log p_y - log(1 - p_y) = z_y - logsumexp_{j != y} z_j`` per example.

    ``logits`` has shape ``(..., n, k)`` (a leading axis may stack several models); ``y`` has the ``n``
    labels. Computed in float64 from the logits, so it stays finite and keeps its order at any
    confidence (a float32 loss would round to 0 and tie).
    """
    z = _as_float64(logits, "logits").double()
    if z.ndim < 2 or z.shape[-1] < 2:
        raise ValueError(f"logits must have shape (..., n, k) with k >= 2 classes, got {tuple(z.shape)}")
    y = _labels(y, z.shape[-2], z.shape[-1])
    index = y.expand(*z.shape[:-1]).unsqueeze(-1)
    z_y = z.gather(-1, index).squeeze(-1)
    others = z.scatter(-1, index, -math.inf)
    return (z_y - torch.logsumexp(others, dim=-1)).numpy()


@torch.no_grad()
def model_logits(model: nn.Module, X, *, batch_size: int = 4096) -> torch.Tensor:
    """The model's logits on ``X`` in evaluation mode, computed in batches, as float64."""
    check_eval(model)
    X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X)
    if X.ndim < 2 or len(X) == 0:
        raise ValueError(f"X must hold at least one example (shape (n, ...)), got shape {tuple(X.shape)}")
    if X.is_floating_point() and not bool(torch.isfinite(X).all()):
        raise ValueError("X must be finite (no NaN or inf)")
    if X.is_floating_point():
        dtype = next((p.dtype for p in model.parameters()), torch.float32)
        X = X.to(dtype)
    return torch.cat([model(X[i:i + batch_size]).double() for i in range(0, len(X), batch_size)])


def logit_scores(model: nn.Module, X, y) -> np.ndarray:
    """Membership score of each ``(X[i], y[i])`` under ``model``: ``log p_y - log(1 - p_y)``, higher
    meaning "more likely a training example" (see :func:`scores_from_logits`)."""
    return scores_from_logits(model_logits(model, X), y)


def loss_scores(model: nn.Module, X, y) -> np.ndarray:
    """The loss attack's score (Yeom et al. 2018): minus the cross-entropy, in float64 from the logits.
    Monotone in :func:`logit_scores` for each example, so the two rank examples identically; the
    difference is only numerical (a float32 loss would tie at 0)."""
    z = model_logits(model, X)
    y = _labels(y, len(z), z.shape[1])
    return -torch.nn.functional.cross_entropy(z, y, reduction="none").numpy()


# --------------------------------------------------------------------------- the membership game


def sample_in_out(n_models: int, n_examples: int, generator: np.random.Generator) -> np.ndarray:
    """IN/OUT assignments for ``n_models`` models: a boolean ``(n_models, n_examples)`` array in which
    each model trains on its own uniformly random half of the examples (``n_examples // 2`` of them), so
    every example is IN for about half of the models (Carlini et al. 2022, sec. IV-C)."""
    for name, v, low in (("n_models", n_models, 1), ("n_examples", n_examples, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{name} must be an int >= {low}, got {v!r}")
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator, got {type(generator).__name__}")
    keep = np.zeros((n_models, n_examples), dtype=bool)
    for m in range(n_models):
        keep[m, generator.permutation(n_examples)[: n_examples // 2]] = True
    return keep


# --------------------------------------------------------------------------- ROC and rates


def _two_score_sets(members, nonmembers) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, s in (("member_scores", members), ("nonmember_scores", nonmembers)):
        s = np.asarray(s, dtype=np.float64).ravel()
        if s.size == 0:
            raise ValueError(f"{name} must not be empty")
        if np.isnan(s).any():
            raise ValueError(f"{name} must not contain NaN (an inf score is allowed: it is an extreme)")
        out.append(s)
    return out[0], out[1]


def roc_curve(member_scores, nonmember_scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)`` of the rules "score >= t means member", one per distinct score
    (descending), starting at (0, 0) with ``t = inf``. Tied scores move together: a rule cannot separate
    examples with the same score, so a tie gives one diagonal step, never a staircase."""
    s_in, s_out = _two_score_sets(member_scores, nonmember_scores)
    thresholds = np.unique(np.concatenate([s_in, s_out]))[::-1]
    s_in_sorted, s_out_sorted = np.sort(s_in), np.sort(s_out)
    tp = len(s_in) - np.searchsorted(s_in_sorted, thresholds, side="left")
    fp = len(s_out) - np.searchsorted(s_out_sorted, thresholds, side="left")
    fpr = np.concatenate([[0.0], fp / len(s_out)])
    tpr = np.concatenate([[0.0], tp / len(s_in)])
    return fpr, tpr, np.concatenate([[np.inf], thresholds])


def roc_auc(member_scores, nonmember_scores) -> float:
    """Area under the ROC curve: the probability that a random member outscores a random non-member,
    ties counting one half (the Mann-Whitney statistic)."""
    s_in, s_out = _two_score_sets(member_scores, nonmember_scores)
    pooled = np.concatenate([s_in, s_out])
    order = pooled.argsort(kind="mergesort")
    ranks = np.empty(len(pooled))
    sorted_scores = pooled[order]
    # average ranks over ties (1-based)
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[: len(s_in)].sum() - len(s_in) * (len(s_in) + 1) / 2.0
    return float(u / (len(s_in) * len(s_out)))


@dataclass(frozen=True)
class RateAtFPR:
    """The best TPR of a threshold rule whose FPR is at most ``target_fpr``, with a Clopper-Pearson
    interval for the TPR (members are a sample too)."""

    tpr: float
    low: float
    high: float
    fpr: float  # the FPR the chosen threshold reaches on these non-members (<= target_fpr)
    target_fpr: float
    threshold: float
    n_members: int
    n_nonmembers: int

    def __str__(self) -> str:
        return (f"TPR {self.tpr:.2%} [{self.low:.2%}, {self.high:.2%}] at FPR <= {self.target_fpr:g} "
                f"({self.n_members} members, {self.n_nonmembers} non-members)")


def tpr_at_fpr(member_scores, nonmember_scores, fpr: float = 0.01, confidence: float = 0.95) -> RateAtFPR:
    """The largest TPR of a rule "score >= t" whose FPR on the non-members is at most ``fpr``.

    The threshold is read off these same non-members, so the FPR is exact for them and the TPR has a
    Clopper-Pearson interval at ``confidence``. Measuring a rate of ``fpr`` needs at least ``1 / fpr``
    non-members (otherwise the only admissible rule is FPR = 0 and the number says nothing about
    ``fpr``): fewer is refused.
    """
    if isinstance(fpr, bool) or not isinstance(fpr, (int, float, np.floating)) or not 0.0 < fpr < 1.0:
        raise ValueError(f"fpr must be a number in the open interval (0, 1), got {fpr!r}")
    s_in, s_out = _two_score_sets(member_scores, nonmember_scores)
    if len(s_out) * fpr < 1.0 - 1e-9:
        raise ValueError(f"fpr={fpr:g} needs at least {math.ceil(1 / fpr - 1e-9)} non-member scores to be "
                         f"measured, got {len(s_out)}")
    f, t, thresholds = roc_curve(s_in, s_out)
    best = int(np.flatnonzero(f <= fpr + 1e-12)[-1])  # the ROC is monotone: the last admissible point
    k = int(round(t[best] * len(s_in)))
    low, high = clopper_pearson(k, len(s_in), confidence)
    return RateAtFPR(tpr=float(t[best]), low=low, high=high, fpr=float(f[best]), target_fpr=float(fpr),
                     threshold=float(thresholds[best]), n_members=len(s_in), n_nonmembers=len(s_out))


def split_scores(scores, in_mask, *, drop_undefined: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(member_scores, nonmember_scores)`` from per-example scores and a boolean IN mask (any shape,
    e.g. one row per model: the game's pooled scores).

    A NaN score means the attack had no answer for that example (LiRA with no IN or no OUT shadow
    model for it): refused, unless ``drop_undefined`` leaves those examples out of the game — say how
    many when you report the result."""
    scores = np.asarray(scores, dtype=np.float64)
    in_mask = np.asarray(in_mask)
    if in_mask.dtype != bool:
        raise TypeError(f"in_mask must be a boolean array, got dtype {in_mask.dtype}")
    if scores.shape != in_mask.shape:
        raise ValueError(f"scores {scores.shape} and in_mask {in_mask.shape} must have the same shape")
    defined = ~np.isnan(scores)
    if not drop_undefined and not defined.all():
        raise ValueError(f"{int((~defined).sum())} scores are NaN (the attack had no answer for them): pass "
                         "drop_undefined=True to leave those examples out, and report how many")
    return scores[in_mask & defined], scores[~in_mask & defined]
