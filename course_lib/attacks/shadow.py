"""Shadow models, trained many at once, and the attacks built on them: LiRA and Shokri's classifier.

A strong membership attack compares the target model's score on an example with the scores of
*shadow* models trained like it, some with the example (IN) and some without (OUT). That needs tens
of models. Small models of the same shape train together: stack their weights along a new first axis
(``W`` of shape ``(M, out, in)``) and replace each matrix product by a batched one
(``torch.baddbmm``). The loss is the sum of the models' own losses, so each model's gradient is its own;
Adam's update is element-wise, so one Adam over the stacked tensors is exactly M independent Adams.
:func:`train_shadow_models` does that; :func:`train_shadow_models_loop` trains the same models one by
one on the same batches, for the equivalence test and the benchmark.

LiRA (Carlini et al. 2022): for each example fit a Gaussian to the shadow scores of the models that
held it (IN) and of those that did not (OUT); the attack's statistic is the log-likelihood ratio of
the target's score, ``log N(s; mu_in, sd_in) - log N(s; mu_out, sd_out)`` ("online"), or, with OUT
models only, how far ``s`` lies in the upper tail of ``N(mu_out, sd_out)`` ("offline"). With few shadow
models a variance shared by all examples is more stable than a per-example one (their sec. VI-A).

References:
    N. Carlini, S. Chien, M. Nasr, S. Song, A. Terzis, F. Tramèr. Membership inference attacks from
    first principles. IEEE S&P 2022.
    R. Shokri, M. Stronati, C. Song, V. Shmatikov. Membership inference attacks against machine
    learning models. IEEE S&P 2017.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from torch import nn

from ..models import mlp
from .membership import scores_from_logits

# --------------------------------------------------------------------------- stacked MLPs


@dataclass
class StackedMLP:
    """M MLPs of one shape, their weights stacked: ``weights[l]`` is ``(M, out, in)``, ``biases[l]``
    is ``(M, out)``; ReLU between layers, logits at the end (like :func:`course_lib.models.mlp`)."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]

    def copy(self) -> StackedMLP:
        return StackedMLP([w.detach().clone() for w in self.weights],
                          [b.detach().clone() for b in self.biases])

    @property
    def n_models(self) -> int:
        return self.weights[0].shape[0]

    @classmethod
    def from_models(cls, models: Sequence[nn.Sequential]) -> StackedMLP:
        linears = [[m for m in model if isinstance(m, nn.Linear)] for model in models]
        return cls([torch.stack([ls[i].weight.detach() for ls in linears]).clone()
                    for i in range(len(linears[0]))],
                   [torch.stack([ls[i].bias.detach() for ls in linears]).clone()
                    for i in range(len(linears[0]))])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits ``(M, n, k)``: ``X`` is ``(n, d)`` (every model sees it) or ``(M, n, d)``."""
        h = X.expand(self.n_models, *X.shape) if X.ndim == 2 else X
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b.unsqueeze(1), h, W.transpose(1, 2))
            if i < len(self.weights) - 1:
                h = torch.relu(h)
        return h

    @torch.no_grad()
    def logits(self, X, batch_size: int = 4096) -> torch.Tensor:
        X = torch.as_tensor(np.asarray(X), dtype=self.weights[0].dtype)
        return torch.cat([self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)], dim=1)

    def model(self, m: int) -> nn.Sequential:
        """Model ``m`` as an ordinary ``nn.Sequential`` (in evaluation mode)."""
        layers: list[nn.Module] = []
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            lin = nn.Linear(W.shape[2], W.shape[1])
            with torch.no_grad():
                lin.weight.copy_(W[m])
                lin.bias.copy_(b[m])
            layers.append(lin)
            if i < len(self.weights) - 1:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers).eval()


def _check_training_inputs(X, y, in_mask, batch_size, epochs, lr):
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y))
    in_mask = np.asarray(in_mask)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty 2-D array (n, d), got shape {tuple(X.shape)}")
    if not bool(torch.isfinite(X).all()):
        raise ValueError("X must be finite (no NaN or inf)")
    if y.ndim != 1 or len(y) != len(X) or y.is_floating_point():
        raise ValueError(f"y must be 1-D integer labels, one per row of X ({len(X)}), got {tuple(y.shape)} "
                         f"{y.dtype}")
    if int(y.min()) < 0:
        raise ValueError(f"y must hold labels >= 0, got {int(y.min())}")
    if in_mask.dtype != bool or in_mask.ndim != 2 or in_mask.shape[1] != len(X):
        raise ValueError(f"in_mask must be a boolean (n_models, {len(X)}) array, got {in_mask.dtype} "
                         f"{in_mask.shape}")
    counts = in_mask.sum(axis=1)
    if counts.min() != counts.max() or counts[0] == 0:
        raise ValueError("every model must train on the same positive number of examples (rows of in_mask "
                         f"hold {counts.min()}..{counts.max()}); use membership.sample_in_out")
    for name, v in (("batch_size", batch_size), ("epochs", epochs)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return X, y.long(), in_mask


def _initial_models(n_models, n_in, hidden, n_out, seed) -> list[nn.Sequential]:
    models = []
    for m in range(n_models):
        torch.manual_seed(seed * 100_003 + m)  # model m's initialisation, the same in both trainers
        models.append(mlp(n_in, hidden, n_out))
    return models


def _batches(in_mask: np.ndarray, batch_size: int, epochs: int, seed: int):
    """For each step, an ``(M, b)`` index array: model m's batch from its own shuffled IN examples."""
    members = np.stack([np.flatnonzero(row) for row in in_mask])  # (M, n_in), equal counts
    gen = np.random.default_rng(seed)
    for _ in range(epochs):
        order = np.argsort(gen.random(members.shape), axis=1)  # one permutation per model
        shuffled = np.take_along_axis(members, order, axis=1)
        for start in range(0, members.shape[1], batch_size):
            yield torch.as_tensor(shuffled[:, start:start + batch_size])


def train_shadow_models(X, y, in_mask, *, hidden: Sequence[int] = (64,), n_classes: int | None = None,
                        epochs: int = 30, batch_size: int = 64, lr: float = 1e-3,
                        weight_decay: float = 0.0, seed: int = 0,
                        on_epoch: Callable[[int, StackedMLP], None] | None = None) -> StackedMLP:
    """Train one MLP per row of ``in_mask`` on the examples that row marks IN, all at once.

    Each model: Adam (``lr``, ``weight_decay``), cross-entropy, ``epochs`` passes over its own IN
    examples in shuffled mini-batches of ``batch_size`` — exactly what :func:`train_shadow_models_loop`
    does one model at a time (same initial weights, same batches). ``on_epoch(epoch, models)`` runs
    after each epoch (1-based) with the models as they are then (copy what you keep: training goes on).
    """
    X, y, in_mask = _check_training_inputs(X, y, in_mask, batch_size, epochs, lr)
    k = int(n_classes or int(y.max()) + 1)
    stacked = StackedMLP.from_models(_initial_models(len(in_mask), X.shape[1], hidden, k, seed))
    params = [*stacked.weights, *stacked.biases]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(int(in_mask[0].sum()) / batch_size)
    for step, idx in enumerate(_batches(in_mask, batch_size, epochs, seed), start=1):
        logits = stacked.forward(X[idx])  # (M, b, k)
        # each model's mean loss over its own batch, summed over models: gradients stay per model
        loss = nn.functional.cross_entropy(logits.reshape(-1, k), y[idx].reshape(-1),
                                           reduction="sum") / idx.shape[1]
        opt.zero_grad()
        loss.backward()
        opt.step()
        if on_epoch is not None and step % steps_per_epoch == 0:
            with torch.no_grad():
                on_epoch(step // steps_per_epoch, stacked)
    for p in params:
        p.requires_grad_(False)
    return stacked


def train_shadow_models_loop(X, y, in_mask, *, hidden: Sequence[int] = (64,), n_classes: int | None = None,
                             epochs: int = 30, batch_size: int = 64, lr: float = 1e-3,
                             weight_decay: float = 0.0, seed: int = 0) -> StackedMLP:
    """The reference: the same models trained one after the other with ordinary ``nn.Sequential``."""
    X, y, in_mask = _check_training_inputs(X, y, in_mask, batch_size, epochs, lr)
    k = int(n_classes or int(y.max()) + 1)
    models = _initial_models(len(in_mask), X.shape[1], hidden, k, seed)
    opts = [torch.optim.Adam(m.parameters(), lr=lr, weight_decay=weight_decay) for m in models]
    for idx in _batches(in_mask, batch_size, epochs, seed):
        for m, (model, opt) in enumerate(zip(models, opts)):
            loss = nn.functional.cross_entropy(model(X[idx[m]]), y[idx[m]])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return StackedMLP.from_models(models)


# --------------------------------------------------------------------------- LiRA


def _check_lira(target_scores, shadow_scores, shadow_in):
    s = np.asarray(target_scores, dtype=np.float64)
    sh = np.asarray(shadow_scores, dtype=np.float64)
    keep = np.asarray(shadow_in)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"target_scores must be a non-empty 1-D array, got shape {s.shape}")
    if sh.ndim != 2 or sh.shape[1] != s.size:
        raise ValueError(f"shadow_scores must be (n_shadow, {s.size}), got {sh.shape}")
    if keep.dtype != bool or keep.shape != sh.shape:
        raise ValueError(f"shadow_in must be a boolean array of shape {sh.shape}, "
                         f"got {keep.dtype} {keep.shape}")
    if not (np.isfinite(s).all() and np.isfinite(sh).all()):
        raise ValueError("target_scores and shadow_scores must be finite (compute them from logits)")
    return s, sh, keep


def _gaussian_fit(sh, mask, fix_variance: bool):
    """Per-example mean and standard deviation of the scores where ``mask`` holds; with
    ``fix_variance`` one standard deviation pooled over all examples (Carlini et al. 2022, sec. VI-A)."""
    count = mask.sum(axis=0)
    mean = np.where(count > 0, (sh * mask).sum(axis=0) / np.maximum(count, 1), np.nan)
    resid = np.where(mask, sh - mean, 0.0)
    dof = count - 1
    if fix_variance:
        pooled = math.sqrt((resid**2).sum() / max(dof[dof > 0].sum(), 1))
        sd = np.full(sh.shape[1], pooled)
    else:
        sd = np.sqrt((resid**2).sum(axis=0) / np.maximum(dof, 1))
        sd = np.where(dof > 0, sd, np.nan)
    return mean, np.maximum(sd, 1e-6), count


def lira_scores(target_scores, shadow_scores, shadow_in, *, online: bool = True,
                fix_variance: bool = True) -> np.ndarray:
    """LiRA's statistic per example (higher: more likely a member of the target's training set).

    ``target_scores``: the target model's logit scores ``(n,)``; ``shadow_scores``: the shadow models'
    scores on the same examples ``(n_shadow, n)``; ``shadow_in``: which shadow trained on which example.
    Online: ``log N(s; mu_in, sd_in) - log N(s; mu_out, sd_out)``. Offline (OUT models only):
    ``-log P[Z >= s]`` for ``Z ~ N(mu_out, sd_out)``. An example without two IN (online) or two OUT
    models gets NaN under a per-example variance; with ``fix_variance`` one IN or OUT model suffices.
    """
    s, sh, keep = _check_lira(target_scores, shadow_scores, shadow_in)
    mu_out, sd_out, n_out = _gaussian_fit(sh, ~keep, fix_variance)
    if not online:
        return np.where(n_out > 0, -stats.norm.logsf(s, mu_out, sd_out), np.nan)
    mu_in, sd_in, n_in = _gaussian_fit(sh, keep, fix_variance)
    ratio = stats.norm.logpdf(s, mu_in, sd_in) - stats.norm.logpdf(s, mu_out, sd_out)
    return np.where((n_in > 0) & (n_out > 0), ratio, np.nan)


def leave_one_out_lira(scores, in_mask, *, online: bool = True, fix_variance: bool = True) -> np.ndarray:
    """Every model in turn as the target, the others as its shadows: LiRA statistics ``(M, n)`` to pool
    over targets with :func:`course_lib.attacks.membership.split_scores` and ``in_mask``."""
    scores = np.asarray(scores, dtype=np.float64)
    in_mask = np.asarray(in_mask)
    if scores.ndim != 2 or scores.shape[0] < 3:
        raise ValueError(f"scores must be (n_models >= 3, n), got {scores.shape}")
    others = ~np.eye(len(scores), dtype=bool)
    return np.stack([lira_scores(scores[m], scores[others[m]], in_mask[others[m]], online=online,
                                 fix_variance=fix_variance) for m in range(len(scores))])


# --------------------------------------------------------------------------- Shokri's classifier


def _attack_features(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Features of Shokri et al.'s attack model: the sorted probability vector (class-agnostic) and
    the label's logit score."""
    z = torch.as_tensor(logits, dtype=torch.float64)
    p = torch.softmax(z, dim=-1).numpy()
    return np.column_stack([np.sort(p, axis=-1)[:, ::-1][:, :3], scores_from_logits(z, y)])


def shadow_classifier_scores(shadow_logits, shadow_in, y, target_logits) -> np.ndarray:
    """Shokri et al. (2017): learn "IN or OUT?" from the shadow models' outputs, apply it to the target.

    ``shadow_logits`` ``(n_shadow, n, k)`` with ``shadow_in`` ``(n_shadow, n)``; ``target_logits``
    ``(n, k)``. The attack model is a logistic regression on the sorted top-3 probabilities and the label's
    logit score (one model for all classes: the original trains one per class). Returns its
    probability of IN for each target example.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sl = np.asarray(shadow_logits, dtype=np.float64)
    keep = np.asarray(shadow_in)
    y = np.asarray(y)
    tl = np.asarray(target_logits, dtype=np.float64)
    if sl.ndim != 3 or keep.shape != sl.shape[:2] or keep.dtype != bool:
        raise ValueError("shadow_logits must be (n_shadow, n, k) with a boolean shadow_in (n_shadow, n); "
                         "got "
                         f"{sl.shape} and {keep.dtype} {keep.shape}")
    if tl.shape != sl.shape[1:]:
        raise ValueError(f"target_logits must be {sl.shape[1:]}, got {tl.shape}")
    if keep.all() or not keep.any():
        raise ValueError("shadow_in must hold both IN and OUT examples to learn from")
    feats = np.concatenate([_attack_features(sl[m], y) for m in range(len(sl))])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(feats, keep.ravel())
    return clf.predict_proba(_attack_features(tl, y))[:, 1]
