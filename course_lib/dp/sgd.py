"""DP-SGD from its parts: per-example gradients, clipping, noise, Poisson sampling and accounting.

One step of DP-SGD (Abadi et al. 2016, Algorithm 1) on a batch B drawn by Poisson sampling (every
one of the N examples joins independently with probability q)::

    g_i   = ∇_θ loss(f_θ(x_i), y_i)                            per-example gradient  (per_sample_grads)
    ḡ_i   = g_i · min(1, C / ||g_i||)                          clip to L2 norm <= C  (clip_per_sample)
    Σ ḡ_i                                                     both at once          (clipped_grad_sum)
    g̃     = (Σ_{i in B} ḡ_i + N(0, σ² C² I)) / (q N)           noise, then average   (noisy_aggregate)
    θ    <- optimizer step with g̃

Clipping bounds how much one example can move the sum (sensitivity C), the Gaussian noise of standard
deviation σC hides it, and Poisson sampling amplifies the privacy of every step. The steps form the
subsampled Gaussian mechanism, whose Rényi DP ``RDPAccountant`` adds up (Mironov, Talwar & Zhang
2019) — *one accountant step per optimizer step actually taken*, and only when the batches really
were Poisson samples: ``train_dp`` refuses to report an ε for shuffled fixed-size batches.

Per-example gradients are vectorised with ``torch.func``: ``vmap(grad(loss of one example))`` over
the batch, with the parameters passed in by ``functional_call`` (the approach Opacus's "functorch"
mode also takes); ``naive_per_sample_grads`` is the slow reference loop. Batch normalisation mixes
the examples of a batch, so neither the per-example gradients nor the privacy analysis hold for it:
``check_model`` rejects it.

DP-SGD itself only needs the clipped *sum*. For models built from linear, convolution, LayerNorm
and GroupNorm layers, ``ghost.GhostClipper`` computes it from one ordinary backward pass without
forming any per-example gradient (ghost norms and book-keeping: Goodfellow 2015, Li et al. 2022,
Bu et al. 2023). ``clipped_grad_sum`` and ``train_dp`` take ``clipping="auto"|"ghost"|"vmap"``;
"auto" picks the ghost path whenever the model allows it (``ghost.unsupported_layers`` is empty)
and vmap otherwise. Both paths give the same numbers; the noise and the accounting do not change.

References:
    M. Abadi, A. Chu, I. Goodfellow, H. B. McMahan, I. Mironov, K. Talwar, L. Zhang. Deep learning
    with differential privacy. CCS 2016 (arXiv:1607.00133).
    I. Mironov, K. Talwar, L. Zhang. Rényi differential privacy of the sampled Gaussian mechanism.
    arXiv:1908.10530, 2019.
    Z. Bu, Y.-X. Wang, S. Zha, G. Karypis. Differentially private optimization on large model at
    small cost. ICML 2023 (arXiv:2210.00038).
    A. Yousefpour et al. Opacus: user-friendly differential privacy library in PyTorch.
    arXiv:2109.12298, 2021.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad_and_value, vmap

from ._validate import (
    check_delta,
    check_int,
    check_noise_multiplier,
    check_positive,
    check_real,
    check_sample_rate,
)
from .accounting import BudgetExceededError, PrivacyBudget, RDPAccountant
from .ghost import CLIP_EPS, GhostClipper, GhostClippingError, label_error, unsupported_layers
from .queries import PrivacyWarning

__all__ = [
    "AccountingWarning",
    "DPTrainingResult",
    "CLIPPING_MODES",
    "check_model",
    "clip_per_sample",
    "clipped_grad_sum",
    "naive_per_sample_grads",
    "noise_multiplier_for",
    "noisy_aggregate",
    "per_sample_grads",
    "poisson_batches",
    "shuffled_batches",
    "train_dp",
]

#: How ``clipped_grad_sum`` and ``train_dp`` compute the clipped sum (see the module docstring).
CLIPPING_MODES = ("auto", "ghost", "vmap")
# Bracket searched by noise_multiplier_for.
_SIGMA_MAX = 1e4
_SIGMA_MIN = 2.0**-10

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class AccountingWarning(PrivacyWarning):
    """No privacy guarantee can be reported for this run (e.g. batches were not Poisson samples)."""


# --------------------------------------------------------------------------- checks


def check_model(model: nn.Module) -> None:
    """Raise unless ``model`` is an ``nn.Module`` that DP-SGD can train example by example.

    Rejected: any batch-normalisation layer (its output for one example depends on the others in
    the batch, so "the gradient of example i" is not defined by example i alone and the privacy
    analysis, which bounds one example's influence by clipping, does not hold) and models without
    trainable parameters.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            raise ValueError(
                f"model contains a batch-normalisation layer ({name or 'the model'}: "
                f"{type(module).__name__}). Batch normalisation mixes the examples of a batch (each "
                "output depends on the batch mean and variance), so per-example gradients, and the "
                "DP-SGD privacy analysis built on them, are wrong. Use nn.GroupNorm or nn.LayerNorm "
                "instead."
            )
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model has no trainable parameters (none with requires_grad=True)")


def _check_callable(fn, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be callable, got {type(fn).__name__}")


def _check_batch(x, y) -> None:
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dim() < 1 or y.dim() < 1 or len(x) != len(y):
        raise ValueError(f"x and y must have the same length >= 1 along dim 0, got x {tuple(x.shape)}, "
                         f"y {tuple(y.shape)}")
    if len(x) == 0:
        raise ValueError("x must hold at least one example (an empty batch has no gradients)")


def _is_class_index_loss(loss_fn) -> bool:
    """Losses that read ``y`` as class indices (and would silently skip ``ignore_index`` = -100)."""
    return (loss_fn in (nn.functional.cross_entropy, nn.functional.nll_loss)
            or isinstance(loss_fn, (nn.CrossEntropyLoss, nn.NLLLoss)))


def _has_embedding(model: nn.Module) -> bool:
    return any(isinstance(m, (nn.Embedding, nn.EmbeddingBag)) for m in model.modules())


def _check_finite(t: torch.Tensor, name: str) -> None:
    """Refuse NaN and inf: one such value makes every weight NaN while an ε is still reported, and a
    NaN model then tells whether that record was sampled. (This check looks at data values, so the
    error itself says something about the data: it happens once, before anything is trained.)"""
    if (t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} holds non-finite values (NaN or inf); DP-SGD refuses them before "
                         "training: clean or impute the data first")


def _check_data(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor,
                x_name: str = "x") -> None:
    """Dtypes (public), then values: finite data, class labels in range. The same on every path.

    ``x``: floating point in the dtype of the model's parameters, or integers when the model has an
    embedding layer. ``y`` with ``cross_entropy``/``nll_loss`` and one label per example: integers in
    [0, classes) — torch would skip a label of -100 (``ignore_index``) silently, giving that example
    no gradient at all; float targets of other losses: the model's dtype.
    """
    dtype = next(p for p in model.parameters() if p.requires_grad).dtype
    if x.is_floating_point():
        if x.dtype != dtype:
            raise TypeError(f"{x_name} has dtype {x.dtype} but the model's parameters are {dtype}; convert "
                            f"one of them (e.g. {x_name}.to(model_dtype))")
    elif not _has_embedding(model):
        raise TypeError(f"{x_name} has dtype {x.dtype}; integer inputs need an embedding layer in the "
                        f"model, otherwise convert {x_name} to the model's dtype {dtype}")
    if y.is_floating_point() and y.dtype != dtype:
        raise TypeError(f"y has dtype {y.dtype} but the model's parameters are {dtype}; convert y")
    _check_finite(x, x_name)
    _check_finite(y, "y")
    if _is_class_index_loss(loss_fn) and y.dim() == 1:
        if y.is_floating_point() or y.dtype == torch.bool:
            raise TypeError(f"y must hold integer class labels for {_loss_name(loss_fn)}, got dtype "
                            f"{y.dtype} (convert with y.long())")
        if len(y) and int(y.min()) < 0:  # the upper end needs the model's output: checked on each path
            raise ValueError(f"y: class labels must be in [0, classes), got values in "
                             f"[{int(y.min())}, {int(y.max())}]")


def _loss_name(loss_fn) -> str:
    return getattr(loss_fn, "__name__", type(loss_fn).__name__)


def _check_grads(grads, name: str) -> int:
    """A non-empty dict of tensors sharing the batch size in dim 0; returns that batch size."""
    if not isinstance(grads, dict) or not grads:
        raise TypeError(f"{name} must be a non-empty dict of name -> tensor of shape (B, *param.shape)")
    sizes = set()
    for key, g in grads.items():
        if not isinstance(g, torch.Tensor) or g.dim() < 1:
            raise TypeError(f"{name}[{key!r}] must be a tensor of shape (B, *param.shape)")
        sizes.add(g.shape[0])
    if len(sizes) != 1:
        raise ValueError(f"every tensor in {name} must have the same batch size in dim 0, "
                         f"got {sorted(sizes)}")
    return sizes.pop()


def _check_torch_generator(generator, device: torch.device | None = None) -> torch.Generator | None:
    if generator is None:
        return None
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be None or a torch.Generator, got {type(generator).__name__}")
    if device is not None and generator.device.type != device.type:
        raise ValueError(f"generator must live on the tensors' device ({device.type}), "
                         f"got a generator on {generator.device.type}")
    return generator


# --------------------------------------------------------------------------- per-example gradients


def _split_params(model: nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """(trainable parameters, everything else the forward pass needs: frozen parameters and buffers)."""
    params = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
    fixed = {n: p.detach() for n, p in model.named_parameters() if not p.requires_grad}
    fixed.update({n: b.detach() for n, b in model.named_buffers()})
    return params, fixed


@contextmanager
def _parameters_kept(model: nn.Module) -> Iterator[None]:
    """Put every module's own parameters and buffers back afterwards, whatever happened.

    ``functional_call`` swaps tensors into the modules and back; for a module that appears twice in
    a model (``nn.Sequential(lin, act, lin)``) torch 2.13 leaves the swapped-in plain tensors behind,
    and the model silently loses its parameters. Restoring the objects themselves avoids that.
    """
    saved = [(m, dict(m._parameters), dict(m._buffers)) for m in model.modules()]
    try:
        yield
    finally:
        for m, params, buffers in saved:
            m._parameters.update(params)
            m._buffers.update(buffers)


def _per_sample_grads_and_losses(model: nn.Module, loss_fn: LossFn, x: torch.Tensor,
                                 y: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """``vmap(grad_and_value(loss of one example))``: per-example gradients and losses (B,)."""
    with _parameters_kept(model):
        try:
            return _vmapped(model, loss_fn, x, y)
        except (RuntimeError, IndexError) as error:  # a label past the model's outputs fails in there
            if _is_class_index_loss(loss_fn) and y.dim() == 1 and not y.is_floating_point():
                with torch.no_grad():
                    classes = model(x[:1]).shape[-1]
                wrong_labels = label_error(y, classes)
                if wrong_labels is not None:
                    raise wrong_labels from error
            raise


def _vmapped(model: nn.Module, loss_fn: LossFn, x: torch.Tensor,
             y: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    params, fixed = _split_params(model)

    def one_loss(p: dict[str, torch.Tensor], xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, (p, fixed), (xi.unsqueeze(0),))
        return loss_fn(out, yi.unsqueeze(0))

    # randomness="different": a dropout layer draws a fresh mask for every example, as in a batch
    grads, losses = vmap(grad_and_value(one_loss), in_dims=(None, 0, 0), randomness="different")(
        params, x, y)
    return grads, losses.detach()


def per_sample_grads(model: nn.Module, loss_fn: LossFn, x: torch.Tensor,
                     y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Gradient of ``loss_fn(model(x_i[None]), y_i[None])`` for each example i, vectorised.

    Returns ``{name: tensor of shape (B, *param.shape)}`` for every trainable parameter (in the
    order of ``model.named_parameters()``). Computed as ``vmap(grad(one_example_loss))`` with the
    parameters passed in by ``torch.func.functional_call``: one batched backward pass instead of B.
    ``loss_fn`` takes (output of a batch of one, target of a batch of one), e.g.
    ``torch.nn.functional.cross_entropy``; ``x``, ``y`` are tensors with the same length >= 1 on the
    model's device. The model's parameters and ``.grad`` are left untouched.
    """
    check_model(model)
    _check_callable(loss_fn, "loss_fn")
    _check_batch(x, y)
    _check_data(model, loss_fn, x, y)
    grads, _ = _per_sample_grads_and_losses(model, loss_fn, x, y)
    _check_finite_grads(grads)
    return grads


def naive_per_sample_grads(model: nn.Module, loss_fn: LossFn, x: torch.Tensor,
                           y: torch.Tensor) -> dict[str, torch.Tensor]:
    """The reference for ``per_sample_grads``: a Python loop of B forward/backward passes.

    Same inputs and output; slow (B separate autograd calls) but obviously right.
    """
    check_model(model)
    _check_callable(loss_fn, "loss_fn")
    _check_batch(x, y)
    _check_data(model, loss_fn, x, y)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    rows: dict[str, list[torch.Tensor]] = {n: [] for n, _ in named}
    for i in range(len(x)):
        loss = loss_fn(model(x[i:i + 1]), y[i:i + 1])
        grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
        for (n, p), g in zip(named, grads):
            rows[n].append(torch.zeros_like(p) if g is None else g.detach())
    return {n: torch.stack(rows[n]) for n, _ in named}


# --------------------------------------------------------------------------- clip, noise, average


def clip_per_sample(grads: dict[str, torch.Tensor],
                    max_grad_norm: float) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Clip each example's gradient, all parameters jointly ("flat" clipping), to L2 norm <= C.

    ``norm_i = sqrt(Σ_params ||g_i||²)`` and ``factor_i = min(1, C / (norm_i + 1e-6))`` (Abadi et al.
    2016; the 1e-6 as in Opacus), so every clipped gradient has norm < C and gradients already
    shorter than C are (up to that 1e-6) untouched. ``grads``: ``{name: (B, *shape)}`` as from
    ``per_sample_grads``; ``max_grad_norm`` C: finite > 0. Returns ``(clipped grads, norms before
    clipping of shape (B,))``.
    """
    _check_grads(grads, "grads")
    C = check_positive(max_grad_norm, "max_grad_norm")
    _check_finite_grads(grads, "gradient in grads")
    factors, norms = _clip_factors(grads, C)
    clipped = {n: g * factors.view(-1, *([1] * (g.dim() - 1))).to(g.dtype) for n, g in grads.items()}
    return clipped, norms


def _check_finite_grads(grads: dict[str, torch.Tensor], name: str = "per-example gradient") -> None:
    for key, g in grads.items():
        if not bool(torch.isfinite(g).all()):
            raise ValueError(f"a {name} ({key!r}) is not finite (NaN or inf): clipping cannot bound it, "
                             "and a NaN update would tell whether that example was in the batch")


def _check_finite_norms(norms: torch.Tensor) -> None:
    if not bool(torch.isfinite(norms).all()):
        raise ValueError("a per-example gradient is not finite (NaN or inf), e.g. from an overflow in "
                         "the model or the loss: clipping cannot bound it, and a NaN update would tell "
                         "whether that example was in the batch; nothing was released")


def _check_noise_std(sigma: float, C: float) -> float:
    """σ·C, refused when it underflows to 0 (no noise at all) or overflows to inf."""
    std = sigma * C
    if sigma > 0 and not (std > 0 and math.isfinite(std)):
        raise ValueError(f"noise_multiplier * max_grad_norm = {sigma:g} * {C:g} is not a usable noise "
                         f"standard deviation (it {'underflows to 0' if std == 0 else 'overflows'}); "
                         "rescale the clipping norm or the noise multiplier")
    return std


def _clip_factors(grads: dict[str, torch.Tensor], C: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``(min(1, C / (norm_i + 1e-6)), norm_i)`` with the joint L2 norm over all parameters."""
    batch = next(iter(grads.values())).shape[0]
    per_param = torch.stack([torch.linalg.vector_norm(g.reshape(batch, -1), dim=1) for g in grads.values()])
    norms = torch.linalg.vector_norm(per_param, dim=0)
    return (C / (norms + CLIP_EPS)).clamp(max=1.0), norms


def noisy_aggregate(clipped: dict[str, torch.Tensor], noise_multiplier: float, max_grad_norm: float,
                    expected_batch_size: float,
                    generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The Gaussian mechanism on the clipped sum: ``(Σ_i ḡ_i + N(0, (σC)² I)) / expected_batch_size``.

    ``clipped``: ``{name: (B, *shape)}`` (B may be 0: an empty Poisson batch still gets its noise);
    ``noise_multiplier`` σ: finite >= 0 (0: no noise, no privacy); ``max_grad_norm`` C: finite > 0,
    the sensitivity of the sum; ``expected_batch_size``: finite > 0, q·N for Poisson sampling.

    Divide by the *expected* batch size q·N, never by the realised |B|: the analysis treats the
    output as a function of the noisy sum alone, and |B| itself depends on whether a given person is
    in the batch, so dividing by it would release (a noisy view of) |B| un-noised and leak whether
    someone took part (Abadi et al. 2016 use the expected "lot size" L = qN for this reason).

    The noise is drawn on the tensors' device, from ``generator`` (a ``torch.Generator`` on that
    device) or the global generator when None. A seeded pseudo-random generator is fine for
    teaching; real deployments need a cryptographically secure source (Opacus's ``secure_mode``).
    """
    _check_grads(clipped, "clipped")
    sigma = check_noise_multiplier(noise_multiplier)
    C = check_positive(max_grad_norm, "max_grad_norm")
    denom = check_positive(expected_batch_size, "expected_batch_size")
    _check_finite_grads(clipped, "clipped gradient")
    first = next(iter(clipped.values()))
    generator = _check_torch_generator(generator, first.device)
    return _add_noise(clipped_sum={n: g.sum(dim=0) for n, g in clipped.items()},
                      std=_check_noise_std(sigma, C), denom=denom, generator=generator)


def _add_noise(clipped_sum: dict[str, torch.Tensor], std: float, denom: float,
               generator: torch.Generator | None) -> dict[str, torch.Tensor]:
    """``(sum + N(0, std² I)) / denom`` for each parameter, in the dict's order."""
    out = {}
    for name, total in clipped_sum.items():
        if std > 0:
            total = total + std * torch.randn(total.shape, generator=generator, device=total.device,
                                              dtype=total.dtype)
        out[name] = total / denom
    return out


def _check_clipping(clipping) -> str:
    options = ", ".join(map(repr, CLIPPING_MODES))
    if not isinstance(clipping, str):
        raise TypeError(f"clipping must be one of {options}, got {type(clipping).__name__}")
    if clipping not in CLIPPING_MODES:
        raise ValueError(f"clipping must be one of {options}, got {clipping!r}")
    return clipping


def _clipper_for(model: nn.Module, clipping: str) -> GhostClipper | None:
    """A ``GhostClipper`` for "ghost" (raising ``GhostClippingError`` if the model has no ghost path),
    for "auto" when the model has one; None means the vmap path."""
    if clipping == "vmap" or (clipping == "auto" and unsupported_layers(model)):
        return None
    return GhostClipper(model)


def _vmap_clipped_sum(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor,
                      C: float) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """Per-example gradients by vmap, clipping factors as in ``clip_per_sample`` fused with the sum
    (``factors @ grads``: no clipped copy of the per-example gradients is made)."""
    grads, losses = _per_sample_grads_and_losses(model, loss_fn, x, y)
    factors, norms = _clip_factors(grads, C)
    sums = {n: (factors.to(g.dtype) @ g.reshape(len(x), -1)).view(g.shape[1:]) for n, g in grads.items()}
    return sums, norms, losses


def _clipped_sum(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor, C: float,
                 clipper: GhostClipper | None) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    if len(x) == 0:  # nothing to clip: the sum is 0 (an empty Poisson batch still gets its noise)
        sums = {n: p.detach().new_zeros(p.shape) for n, p in model.named_parameters() if p.requires_grad}
        return sums, x.new_zeros(0), x.new_zeros(0)
    if clipper is not None:
        sums, norms, losses = clipper.clipped_sum(loss_fn, x, y, C)
    else:
        sums, norms, losses = _vmap_clipped_sum(model, loss_fn, x, y, C)
    _check_finite_norms(norms)
    return sums, norms, losses


def clipped_grad_sum(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor,
                     max_grad_norm: float,
                     clipping: str = "auto") -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """``Σ_i ḡ_i``: the sum over the batch of the clipped per-example gradients, and what it cost.

    The same numbers as ``clip_per_sample(per_sample_grads(...))`` summed over the batch, computed by
    ``clipping``: ``"vmap"`` (per-example gradients by ``torch.func``, then one weighted sum),
    ``"ghost"`` (ghost norms and book-keeping from one backward pass, ``ghost.GhostClipper``; a
    ``GhostClippingError`` for a model it cannot handle) or ``"auto"`` (ghost only where that is
    provably the per-example sum — a forward the ghost path sees completely, see
    ``ghost.unsupported_layers`` — else vmap, which evaluates every example on its own). Returns
    ``(sums, norms, losses)``: ``{name: tensor of param.shape}`` for every trainable parameter in
    ``model.named_parameters()`` order, the per-example norms before clipping (B,) and the per-example
    losses (B,). ``x``, ``y``: tensors of the same length B >= 0 (B = 0 gives zero sums), ``x`` in the
    model's dtype (integers for a model with an embedding layer), class labels for ``cross_entropy``
    integers in [0, classes); ``max_grad_norm`` C: finite > 0. Non-finite data, and a non-finite
    per-example gradient, are ``ValueError`` s: clipping cannot bound them (such an error looks at
    the data's values, so it is itself a release about this batch — the reason ``train_dp`` checks
    the whole data set once, up front).
    """
    check_model(model)
    _check_callable(loss_fn, "loss_fn")
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dim() < 1 or y.dim() < 1 or len(x) != len(y):
        raise ValueError(f"x and y must have the same length along dim 0, got x {tuple(x.shape)}, "
                         f"y {tuple(y.shape)}")
    C = check_positive(max_grad_norm, "max_grad_norm")
    clipper = _clipper_for(model, _check_clipping(clipping))  # "ghost" refuses a model here
    try:
        if len(x):
            _check_data(model, loss_fn, x, y)
        sums, norms, losses = _clipped_sum(model, loss_fn, x, y, C, clipper)
    except GhostClippingError:
        if clipping == "ghost":
            raise
        sums, norms, losses = _clipped_sum(model, loss_fn, x, y, C, None)  # "auto": found out at run time
    finally:
        if clipper is not None:
            clipper.remove()
    return sums, norms, losses


def _dp_gradient(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor, C: float,
                 sigma: float, expected_batch_size: float, generator: torch.Generator | None,
                 clipper: GhostClipper | None = None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """One DP-SGD gradient, ``noisy_aggregate(clip_per_sample(per_sample_grads(...)))`` with clipping
    and summing fused (by the ghost path when a ``clipper`` is given, else by vmap). Returns (noisy
    gradient per parameter, per-example losses); an empty batch gives the noise alone."""
    sums, _, losses = _clipped_sum(model, loss_fn, x, y, C, clipper)
    return _add_noise(sums, sigma * C, expected_batch_size, generator), losses


# --------------------------------------------------------------------------- batch samplers


def poisson_batches(n: int, sample_rate: float, steps: int,
                    generator: torch.Generator | None = None) -> Iterator[torch.Tensor]:
    """Yield ``steps`` batches of indices in ``range(n)``, each example in each independently w.p. q.

    Poisson sampling, the sampling that the subsampled-Gaussian RDP analysis assumes (Mironov, Talwar
    & Zhang 2019; Abadi et al. 2016 §3.1). Batch sizes vary (Binomial(n, q): mean qn, variance
    q(1 − q)n) and a batch may be empty. ``n``: int >= 1; ``sample_rate`` q in (0, 1]; ``steps``: int
    >= 1; ``generator``: a CPU ``torch.Generator`` or None. Indices are sorted, int64, on the CPU.
    """
    n = check_int(n, "n", 1)
    q = check_sample_rate(sample_rate)
    steps = check_int(steps, "steps", 1)
    generator = _check_torch_generator(generator, torch.device("cpu"))
    for _ in range(steps):
        yield torch.nonzero(torch.rand(n, generator=generator) < q).flatten()


def shuffled_batches(n: int, batch_size: int,
                     generator: torch.Generator | None = None) -> Iterator[torch.Tensor]:
    """Yield one epoch: a random permutation of ``range(n)`` cut into chunks of ``batch_size``.

    The usual (non-private) loader; the last chunk is shorter when ``batch_size`` does not divide
    ``n``. Every example is used exactly once per epoch, which is *not* Poisson sampling, so the RDP
    accountant's amplification-by-sampling bound does not apply to it. ``n``: int >= 1;
    ``batch_size``: int in [1, n]; ``generator``: a CPU ``torch.Generator`` or None.
    """
    n = check_int(n, "n", 1)
    batch_size = check_int(batch_size, "batch_size", 1, n)
    generator = _check_torch_generator(generator, torch.device("cpu"))
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


# --------------------------------------------------------------------------- calibration


def _epsilon(sigma: float, q: float, steps: int, delta: float) -> float:
    accountant = RDPAccountant()
    accountant.step(sigma, q, steps)
    return accountant.get_epsilon(delta)


def noise_multiplier_for(target_epsilon: float, delta: float, sample_rate: float, steps: int,
                         tol: float = 1e-3) -> float:
    """The smallest noise multiplier σ whose ``steps`` Poisson-sampled steps at rate q cost <= target ε.

    ε(σ) from ``RDPAccountant`` decreases with σ. The search brackets σ by doubling/halving from
    σ = 1, then shrinks the bracket [lo, hi], always keeping ε(lo) > target >= ε(hi), until it is
    narrower than ``tol``: each round interpolates ln ε against ln σ between the ends (on which
    ε(σ) is nearly a straight line) and tests σ just below and just above that estimate, which
    usually closes the bracket in a round or two; a round that cannot shrink it so halves it
    instead. Each ε costs a whole RDP curve, so this takes about half the evaluations of plain
    bisection. Returns the upper end, so ε(σ) <= ``target_epsilon`` always and σ exceeds the exact
    smallest value by at most ``tol`` (absolute). ``target_epsilon``: finite > 0; ``delta`` in
    (0, 1); ``sample_rate`` in (0, 1]; ``steps``: int >= 1; ``tol``: finite > 0. A target below what
    any σ <= 1e4 reaches (at fixed δ, the α grid puts a floor under ε) is a ``ValueError``.
    """
    target = check_positive(target_epsilon, "target_epsilon")
    delta = check_delta(delta)
    q = check_sample_rate(sample_rate)
    steps = check_int(steps, "steps", 1)
    tol = check_positive(tol, "tol")
    hi = 1.0
    while _epsilon(hi, q, steps, delta) > target:
        hi *= 2
        if hi > _SIGMA_MAX:
            floor = _epsilon(_SIGMA_MAX, q, steps, delta)
            raise ValueError(f"target_epsilon={target:g} is out of reach: even noise_multiplier="
                             f"{_SIGMA_MAX:g} costs epsilon={floor:.4g} at delta={delta:g}")
    lo = hi / 2
    while _epsilon(lo, q, steps, delta) <= target:
        hi, lo = lo, lo / 2
        if lo < _SIGMA_MIN:
            return hi
    halve = False
    while hi - lo > tol:
        width = hi - lo
        probes = [(lo + hi) / 2] if halve else _probes(lo, hi, _epsilon(lo, q, steps, delta),
                                                         _epsilon(hi, q, steps, delta), target, tol)
        for sigma in probes:
            if _epsilon(sigma, q, steps, delta) <= target:
                hi = min(hi, sigma)
            else:
                lo = max(lo, sigma)
        halve = hi - lo > width / 2  # the interpolation did not pay: bisect once
    return hi


def _probes(lo: float, hi: float, eps_lo: float, eps_hi: float, target: float, tol: float) -> list[float]:
    """Where to evaluate ε next inside the bracket (lo, hi) (ε(lo) > target >= ε(hi), hi − lo > tol).

    The root of the straight line through (ln lo, ln ε(lo)) and (ln hi, ln ε(hi)) at ln target,
    then the two points tol/2 either side of it (kept inside the bracket), so that a good estimate
    closes the bracket to width tol at once; the midpoint when the line is useless (ε(hi) = 0).
    """
    mid = (lo + hi) / 2
    if not eps_hi > 0.0:
        return [mid]
    slope = (math.log(eps_hi) - math.log(eps_lo)) / (math.log(hi) - math.log(lo))
    if not slope < 0.0:
        return [mid]
    guess = math.exp(math.log(hi) + (math.log(target) - math.log(eps_hi)) / slope)
    inside = [min(max(x, lo + tol / 4), hi - tol / 4) for x in (guess - tol / 2, guess + tol / 2)]
    probes = sorted({x for x in inside if lo < x < hi})
    return probes or [mid]


# --------------------------------------------------------------------------- training


@dataclass
class DPTrainingResult:
    """What ``train_dp`` did and what it cost.

    ``epsilon`` is the ε spent at ``delta`` by the ``steps`` optimizer steps actually taken, from
    ``accountant``; both are None when the batches were not Poisson samples (``sampler="shuffle"``),
    because then no honest ε can be reported. ``history`` has one dict per epoch: ``epoch`` (from 1),
    ``loss`` (mean per-example training loss of the examples seen, *not* privatised: a diagnostic
    only), ``epsilon`` (spent so far, or None) and ``steps`` (so far). ``clipping`` says how the
    clipped sums were computed ("ghost" or "vmap"; the numbers are the same either way).
    """

    epsilon: float | None
    delta: float
    noise_multiplier: float
    sample_rate: float
    steps: int
    history: list[dict] = field(default_factory=list)
    accountant: RDPAccountant | None = None
    sampler: str = "poisson"
    clipping: str = "vmap"


def _as_data(X, y, dtype: torch.dtype, integer_inputs: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """X (and floating-point y) in the model's ``dtype``, integer X kept as int64 when
    ``integer_inputs`` (a model with an embedding layer); integer y (class labels) as int64."""
    X = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X))
    y = y if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y))
    keep_integers = (integer_inputs and not X.is_floating_point() and not X.is_complex()
                     and X.dtype != torch.bool)
    X = X.long() if keep_integers else X.to(dtype)
    y = y.to(dtype) if y.is_floating_point() else y.long()
    if X.dim() < 1 or y.dim() < 1 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X and y must hold the same number >= 1 of examples, got X {tuple(X.shape)}, "
                         f"y {tuple(y.shape)}")
    return X, y


def _preflight(model: nn.Module, loss_fn: LossFn, X: torch.Tensor, y: torch.Tensor, C: float,
               clipping: str) -> GhostClipper | None:
    """The clipper for the run, tried on a batch of zeros shaped like the data (public information
    only): "ghost" refuses here, before any budget is charged, a forward whose layers do not hold the
    batch in dim 0; "auto" then takes the vmap path for the whole run."""
    clipper = _clipper_for(model, clipping)
    if clipper is None:
        return None
    dev = next(model.parameters()).device
    probe = min(2, len(X))
    x0, y0 = torch.zeros_like(X[:probe], device=dev), torch.zeros_like(y[:probe], device=dev)
    try:
        clipper.clipped_sum(loss_fn, x0, y0, C)
    except Exception as error:  # noqa: BLE001 - any failure means the path is not proven for this model
        clipper.remove()
        if clipping != "ghost":
            return None
        if isinstance(error, GhostClippingError):
            raise
        raise GhostClippingError(f"the ghost path could not be checked on a batch of {probe} zero examples "
                                 f"shaped like X ({type(error).__name__}: {error}); a forward that only runs "
                                 "on some batch sizes cannot be shown to treat examples one by one; use "
                                 "clipping='vmap'") from error
    return clipper


def _check_choice(value, name: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def train_dp(
    model: nn.Module,
    X,
    y,
    *,
    epochs: int,
    max_grad_norm: float,
    delta: float,
    lr: float,
    sample_rate: float | None = None,
    batch_size: int | None = None,
    noise_multiplier: float | None = None,
    target_epsilon: float | None = None,
    optimizer: str = "sgd",
    momentum: float = 0.0,
    sampler: str = "poisson",
    clipping: str = "auto",
    budget: PrivacyBudget | None = None,
    seed: int = 0,
    device=None,
    loss_fn: LossFn = nn.functional.cross_entropy,
    on_epoch: Callable[[dict], None] | None = None,
) -> DPTrainingResult:
    """Train ``model`` in place with DP-SGD (Abadi et al. 2016) and account for every step taken.

    Each epoch takes ``round(1/q)`` steps; each step draws a Poisson batch (``poisson_batches``),
    computes per-example gradients, clips them to ``max_grad_norm`` C, adds N(0, (σC)²) noise to
    their sum, divides by the expected batch size qN and hands that gradient to the optimizer
    (``"sgd"`` with ``momentum``, or ``"adam"``: post-processing of the noisy gradient, so free of
    privacy cost). The ``RDPAccountant`` records one (σ, q) step per optimizer step actually taken,
    empty batches included (the noise is still added and released: they are part of the mechanism).

    Arguments:
        X, y: training data (tensors or arrays; X, and y if floating-point, take the dtype of the
            model's parameters — integer X stays int64 for a model with an embedding layer — and
            integer y becomes int64). N = len(X). Checked once, up front: no NaN or inf (one would
            make every weight NaN and reveal whether its record was sampled), class labels of
            ``cross_entropy``/``nll_loss`` integers in [0, classes). These checks read the data, so
            a refusal is itself a (one-time) release about it; clean the data before a private run.
        sample_rate / batch_size: exactly one; ``batch_size`` (int in [1, N]) means q = batch_size / N,
            with N the size of the data this loop actually uses. q in (0, 1].
        noise_multiplier / target_epsilon: exactly one; a target (finite > 0) is turned into the
            smallest σ that meets it over the planned ``epochs · round(1/q)`` steps
            (``noise_multiplier_for``). σ finite >= 0 (0: no noise, ε = inf).
        delta: in (0, 1), the δ at which ε is reported (pick δ << 1/N).
        epochs: int >= 1; lr: finite > 0; momentum: in [0, 1) (``"sgd"`` only).
        sampler: ``"poisson"`` (the analysed mechanism) or ``"shuffle"`` (fixed-size batches of one
            random permutation per epoch, ``ceil(N / round(qN))`` steps). The RDP analysis assumes
            Poisson sampling, so with ``"shuffle"`` the model is trained but no ε is reported
            (``epsilon``/``accountant`` None, an ``AccountingWarning``), and combining it with a
            ``budget`` is a ``ValueError``: the budget could not be charged honestly.
        clipping: how the clipped sum is computed, ``"auto"`` (default), ``"ghost"`` or ``"vmap"``
            (see ``clipped_grad_sum``); the result, the noise and the accounting do not depend on it.
            "auto" uses the ghost path only for a forward it provably computes example by example
            (checked on the model's structure and on a batch of zeros shaped like X, before the
            budget is charged), else vmap; "ghost" refuses such a model at the same point.
        budget: a ``PrivacyBudget``; the planned ε (all epochs) is charged up front under the label
            "DP-SGD training", and ``BudgetExceededError`` is raised before any training if it does
            not fit.
        seed: seeds batch sampling and noise (reproducible; not cryptographically secure).
        device: where to train (default ``course_lib.config.device()``); model and data move there.
        loss_fn: loss of a batch of one, ``loss_fn(model(x_i[None]), y_i[None])``.
        on_epoch: called with each epoch's history dict after the epoch.

    Returns a ``DPTrainingResult``; the model is left in eval mode on ``device``.
    """
    from course_lib.config import _check_seed
    from course_lib.config import device as default_device

    check_model(model)
    X, y = _as_data(X, y, next(p for p in model.parameters() if p.requires_grad).dtype, _has_embedding(model))
    n = len(X)
    epochs = check_int(epochs, "epochs", 1)
    C = check_positive(max_grad_norm, "max_grad_norm")
    delta = check_delta(delta)
    lr = check_positive(lr, "lr")
    momentum = check_real(momentum, "momentum")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    optimizer = _check_choice(optimizer, "optimizer", ("sgd", "adam"))
    sampler = _check_choice(sampler, "sampler", ("poisson", "shuffle"))
    clipping = _check_clipping(clipping)
    if clipping == "ghost" and unsupported_layers(model):  # refuse before the budget is charged
        raise GhostClippingError("clipping='ghost' cannot handle this model: "
                                 + "; ".join(unsupported_layers(model)) + "; use clipping='auto' or 'vmap'")
    _check_callable(loss_fn, "loss_fn")
    _check_data(model, loss_fn, X, y, "X")
    if optimizer == "adam" and momentum != 0.0:
        raise ValueError("momentum applies to optimizer='sgd' only; leave it at 0 with 'adam'")
    if budget is not None and not isinstance(budget, PrivacyBudget):
        raise TypeError(f"budget must be None or a PrivacyBudget, got {type(budget).__name__}")
    seed = _check_seed(seed)
    if on_epoch is not None:
        _check_callable(on_epoch, "on_epoch")

    if (sample_rate is None) == (batch_size is None):
        raise ValueError("give exactly one of sample_rate (in (0, 1]) and batch_size (an int in [1, N]), "
                         f"got sample_rate={sample_rate!r}, batch_size={batch_size!r}")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", 1, n)
        q = batch_size / n
    else:
        q = check_sample_rate(sample_rate)
    if sampler == "poisson":
        steps_per_epoch = max(1, round(1 / q))
    else:
        fixed_size = max(1, round(q * n))
        steps_per_epoch = math.ceil(n / fixed_size)
    planned_steps = epochs * steps_per_epoch

    if (noise_multiplier is None) == (target_epsilon is None):
        raise ValueError("give exactly one of noise_multiplier (>= 0) and target_epsilon (> 0), "
                         f"got noise_multiplier={noise_multiplier!r}, target_epsilon={target_epsilon!r}")
    if noise_multiplier is not None:
        sigma = check_noise_multiplier(noise_multiplier)
    else:
        sigma = noise_multiplier_for(target_epsilon, delta, q, planned_steps)
    _check_noise_std(sigma, C)
    clipper = _preflight(model, loss_fn, X, y, C, clipping)  # before the budget: refusals cost nothing
    try:
        if _is_class_index_loss(loss_fn) and y.dim() == 1:  # the outputs' shape, from a zero input
            with torch.no_grad():
                probe = torch.zeros_like(X[:1], device=next(model.parameters()).device)
                wrong_labels = label_error(y, model(probe).shape[-1])
            if wrong_labels is not None:
                raise wrong_labels
        if sampler == "shuffle":
            if budget is not None:
                raise ValueError("sampler='shuffle' cannot be combined with a budget: the RDP analysis "
                                 "assumes Poisson sampling, so the epsilon of shuffled fixed-size batches is "
                                 "unknown and the budget cannot be charged honestly; use sampler='poisson'")
            warnings.warn("sampler='shuffle': the RDP accounting assumes Poisson sampling, so no epsilon is "
                          "reported for this run (epsilon=None); use sampler='poisson' for a guarantee",
                          AccountingWarning, stacklevel=2)
        elif budget is not None:
            planned_eps = _epsilon(sigma, q, planned_steps, delta) if sigma > 0 else math.inf
            if not math.isfinite(planned_eps) or not budget.can_spend(planned_eps, delta):
                eps_left, delta_left = budget.remaining
                raise BudgetExceededError(
                    f"DP-SGD training would spend epsilon={planned_eps:g}, delta={delta:g} "
                    f"({planned_steps} steps, noise_multiplier={sigma:g}, sample_rate={q:g}), but only "
                    f"epsilon={eps_left:g}, delta={delta_left:g} remain; nothing was trained"
                )
            budget.spend(planned_eps, delta, "DP-SGD training")
    except BaseException:
        if clipper is not None:
            clipper.remove()
        raise

    dev = default_device() if device is None else torch.device(device)
    model.to(dev)
    X, y = X.to(dev), y.to(dev)
    sample_gen = torch.Generator().manual_seed(seed)
    noise_gen = torch.Generator(device=dev).manual_seed(seed + 1 if seed < 2**32 - 1 else 0)
    params = [p for p in model.parameters() if p.requires_grad]
    names = [name for name, p in model.named_parameters() if p.requires_grad]
    if optimizer == "sgd":
        opt: torch.optim.Optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum)
    else:
        opt = torch.optim.Adam(params, lr=lr)
    accountant = RDPAccountant() if sampler == "poisson" else None
    expected = q * n
    history: list[dict] = []
    steps = 0

    model.train()
    try:
        for epoch in range(1, epochs + 1):
            if sampler == "poisson":
                batches = poisson_batches(n, q, steps_per_epoch, sample_gen)
            else:
                batches = shuffled_batches(n, fixed_size, sample_gen)
            loss_sum, seen = torch.zeros((), device=dev), 0  # summed on the device: no sync per step
            for idx in batches:
                idx = idx.to(dev)
                xb, yb = X[idx], y[idx]
                try:
                    noisy, losses = _dp_gradient(model, loss_fn, xb, yb, C, sigma, expected, noise_gen,
                                                 clipper)
                except GhostClippingError:
                    if clipping == "ghost":
                        raise
                    clipper.remove()  # "auto": this forward pass is outside the ghost path; vmap from now on
                    clipper = None
                    noisy, losses = _dp_gradient(model, loss_fn, xb, yb, C, sigma, expected, noise_gen)
                loss_sum += losses.sum()
                seen += len(idx)
                for nm, p in zip(names, params):
                    p.grad = noisy[nm]
                opt.step()
                opt.zero_grad(set_to_none=True)
                steps += 1
                if accountant is not None:
                    accountant.step(sigma, q)
            record = {
                "epoch": epoch,
                "loss": float(loss_sum) / seen if seen else math.nan,
                "epsilon": accountant.get_epsilon(delta) if accountant is not None else None,
                "steps": steps,
            }
            history.append(record)
            if on_epoch is not None:
                on_epoch(dict(record))
    finally:
        if clipper is not None:
            clipper.remove()
    model.eval()
    return DPTrainingResult(
        epsilon=accountant.get_epsilon(delta) if accountant is not None else None,
        delta=delta,
        noise_multiplier=sigma,
        sample_rate=q,
        steps=steps,
        history=history,
        accountant=accountant,
        sampler=sampler,
        clipping="vmap" if clipper is None else "ghost",
    )
