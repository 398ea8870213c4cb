"""Clipped gradient sums without per-example gradients: ghost norms and book-keeping.

DP-SGD needs ``Σ_i c_i g_i`` with ``c_i = min(1, C / ||g_i||)``, where g_i is example i's gradient.
The vmap path (``sgd.per_sample_grads``) builds every g_i: B copies of the model's gradient. For the
layers below, one ordinary backward pass of the *summed* loss gives all that is needed instead.

**Linear layer** ``z = W a + b`` (Goodfellow 2015). With a_i the layer's input for example i and
b_i = ∂(Σ_j loss_j)/∂z_i the gradient at its output (only example i's loss depends on z_i), example
i's gradient is an outer product, and so is its norm::

    ∂loss_i/∂W = b_i a_iᵀ        ||b_i a_iᵀ||²_F = ||a_i||² · ||b_i||²        ∂loss_i/∂b = b_i

For an input with T positions per example (a sequence (B, T, d), or the patches of a convolution)
``∂loss_i/∂W = Σ_t b_it a_itᵀ = B_iᵀ A_i``, and its squared norm is either the "ghost norm"
``Σ_{s,t} (A_i A_iᵀ)_{st} (B_i B_iᵀ)_{st}`` (cost T²(d + p) per example; Li et al. 2022) or the
norm of B_iᵀ A_i built for that one purpose (cost T·p·d): the cheaper of the two is used.

**Book-keeping** (Bu et al. 2023): once every example's total norm ``||g_i||² = Σ_layers ...`` and
factor c_i are known, the clipped sum of a layer is one matrix product of the stored activations,
``Σ_i c_i B_iᵀ A_i = (c ⊙ B)ᵀ A``: the same work as the weight gradient of a non-private step.

**Conv2d** (groups = 1) is a linear layer on the patches of its (padded) input; **LayerNorm**
and **GroupNorm** have one scale and one shift per channel, so their per-example gradients
(``Σ_positions x̂ ⊙ b`` and ``Σ_positions b``, x̂ the normalised input) are small enough to build.

**When the path is exact.** All of the above assumes that row i of every layer's input depends on
example i alone, and that only example i's loss depends on row i of every layer's output. A forward
that mixes the examples of a batch (subtracting the batch mean, batch statistics, attention or pooling
over the batch, a time-major ``(T, B, d)`` layout) breaks that silently: the "per-example" norms are
wrong, and removing one example can move the clipped sum by far more than C. Hooks cannot see such a
forward, so the ghost path is taken only for forwards it can see *completely*: a model built from
``nn.Sequential`` containers (exact type, no ``forward`` replaced on the instance) whose leaves are
``SUPPORTED_LAYERS`` or ``ROW_WISE_MODULES`` (parameter-free modules that act on each example
separately, with their dimension arguments away from dim 0), and no user hooks on any module or
globally. Each layer's input and output must then hold the batch in dim 0, checked at every call.
That makes the clipped sum provably the per-example one; anything else (a custom ``forward``
included) goes to the vmap path under ``clipping="auto"``, which evaluates every example on its own
and so needs no such proof, and is refused under ``clipping="ghost"``.

The clipper records each layer's input and output with forward hooks, and asks autograd for the
gradient at the outputs only. It refuses (``GhostClippingError``) what it cannot do exactly: a
forward it cannot see, a layer type without a rule, a parameter shared by two layers, a layer called
twice in one forward pass or not at all, an activation changed in place after the layer, a layer
input whose dim 0 is not the batch. ``unsupported_layers`` lists the structural reasons in advance;
``train_dp(clipping="auto")`` then uses the vmap path.

References:
    I. Goodfellow. Efficient per-example gradient computations. arXiv:1510.01799, 2015.
    X. Li, F. Tramèr, P. Liang, T. Hashimoto. Large language models can be strong differentially
    private learners. ICLR 2022 (arXiv:2110.05679), ghost clipping.
    Z. Bu, Y.-X. Wang, S. Zha, G. Karypis. Differentially private optimization on large model at
    small cost. ICML 2023 (arXiv:2210.00038), book-keeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import vmap
from torch.nn import functional as F

__all__ = ["ROW_WISE_MODULES", "SUPPORTED_LAYERS", "GhostClipper", "GhostClippingError", "unsupported_layers"]

#: Added to the norm before dividing (as Opacus does), so that a zero gradient does not divide by 0;
#: ``sgd.clip_per_sample`` uses the same constant.
CLIP_EPS = 1e-6

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class GhostClippingError(ValueError):
    """The model (or this forward pass) is outside what the ghost/book-keeping path computes exactly."""


# --------------------------------------------------------------------------- per-example gradients, factored


@dataclass
class _Outer:
    """Per-example gradients ``G_i = Σ_t b_it a_itᵀ`` of one weight, kept as the factors at (B, d, T)
    and bt (B, p, T): the layer's inputs and output gradients, positions last (as convolutions have them).

    ``sq_norms`` picks the cheapest exact way to ||G_i||²; when that is to build every G_i (B, p, d),
    they are kept, and the clipped sum reuses them instead of a second product of the factors.
    """

    at: torch.Tensor
    bt: torch.Tensor
    shape: torch.Size
    built: torch.Tensor | None = None

    def sq_norms(self) -> torch.Tensor:
        at, bt = self.at, self.bt
        d, p, T = at.shape[1], bt.shape[1], at.shape[2]
        if T == 1:  # ||b aᵀ||² = ||a||² ||b||²
            return (torch.linalg.vector_norm(at.view(-1, d), dim=1)
                    * torch.linalg.vector_norm(bt.view(-1, p), dim=1)).square()
        if T * (d + p) <= p * d:  # ghost norm <A Aᵀ, B Bᵀ>: never forms the p x d gradient
            return (torch.bmm(at.transpose(1, 2), at) * torch.bmm(bt.transpose(1, 2), bt)).sum((1, 2))
        self.built = torch.bmm(bt, at.transpose(1, 2))  # G_i = B_iᵀ A_i, cheaper here than the ghost norm
        return self.built.pow(2).sum((1, 2))

    def clipped_sum(self, factors: torch.Tensor) -> torch.Tensor:
        """``Σ_i c_i G_i = (c ⊙ B)ᵀ A``: one matrix product over all B·T rows (book-keeping)."""
        (B, d, T), p = self.at.shape, self.bt.shape[1]
        if self.built is not None:
            return (factors @ self.built.view(B, -1)).view(self.shape)
        if T == 1:  # scale whichever factor is smaller: (c ⊙ B)ᵀA = Bᵀ(c ⊙ A)
            a, b = self.at.view(B, d), self.bt.view(B, p)
            if d < p:
                return (b.T @ (a * factors[:, None])).view(self.shape)
            return ((b * factors[:, None]).T @ a).view(self.shape)
        scaled = self.bt * factors.view(-1, 1, 1)
        rows_b = scaled.transpose(0, 1).reshape(p, B * T)
        rows_a = self.at.transpose(0, 1).reshape(d, B * T)
        return (rows_b @ rows_a.T).view(self.shape)


@dataclass
class _Dense:
    """Per-example gradients of one small parameter, built: (B, *param.shape)."""

    g: torch.Tensor

    def sq_norms(self) -> torch.Tensor:
        return self.g.reshape(len(self.g), -1).pow(2).sum(1)

    def clipped_sum(self, factors: torch.Tensor) -> torch.Tensor:
        return (factors @ self.g.reshape(len(self.g), -1)).view(self.g.shape[1:])


# --------------------------------------------------------------------------- one rule per layer type
# Each rule takes (layer, its input a, the gradient b at its output) and returns
# {parameter name: _Outer or _Dense} for the layer's trainable parameters.


def _trainable(layer: nn.Module, name: str) -> bool:
    p = getattr(layer, name, None)
    return isinstance(p, nn.Parameter) and p.requires_grad


def _linear(layer: nn.Linear, a: torch.Tensor, b: torch.Tensor) -> dict:
    B = len(a)
    a3, b3 = a.reshape(B, -1, a.shape[-1]), b.reshape(B, -1, b.shape[-1])  # (B, T, d), (B, T, p)
    out = {}
    if _trainable(layer, "weight"):
        out["weight"] = _Outer(a3.transpose(1, 2), b3.transpose(1, 2), layer.weight.shape)
    if _trainable(layer, "bias"):
        out["bias"] = _Dense(b3.sum(1))
    return out


def _patches(x: torch.Tensor, layer: nn.Conv2d) -> torch.Tensor:
    """The (B, C_in·kh·kw, L) patches the convolution multiplies by its weight, L = output positions.

    Padded as Conv2d pads (its own padding mode, 'same' included), then cut out with strided views
    (``Tensor.unfold``) and copied once; ordered (channel, row, column) as ``weight.view(C_out, -1)``.
    """
    mode = "constant" if layer.padding_mode == "zeros" else layer.padding_mode
    x = F.pad(x, layer._reversed_padding_repeated_twice, mode=mode)
    (kh, kw), (sh, sw), (dh, dw) = layer.kernel_size, layer.stride, layer.dilation
    windows = x.unfold(2, (kh - 1) * dh + 1, sh).unfold(3, (kw - 1) * dw + 1, sw)  # (B, C, H', W', ., .)
    windows = windows[..., ::dh, ::dw]  # dilation: every dh-th row, dw-th column of each window
    B, C, H, W = windows.shape[:4]
    return windows.permute(0, 1, 4, 5, 2, 3).reshape(B, C * kh * kw, H * W)


def _conv2d(layer: nn.Conv2d, a: torch.Tensor, b: torch.Tensor) -> dict:
    """A convolution is a linear layer applied to every patch: a_it = patch t of image i."""
    bt = b.reshape(len(b), b.shape[1], -1)  # (B, C_out, L)
    out = {}
    if _trainable(layer, "weight"):
        out["weight"] = _Outer(_patches(a, layer), bt, layer.weight.shape)
    if _trainable(layer, "bias"):
        out["bias"] = _Dense(bt.sum(2))
    return out


def _scale_shift(layer: nn.Module, x_hat: torch.Tensor, b: torch.Tensor, positions: tuple) -> dict:
    """Per-example gradients of a per-channel scale and shift: Σ_positions x̂ ⊙ b and Σ_positions b."""
    out = {}
    if _trainable(layer, "weight"):
        out["weight"] = _Dense((x_hat * b).sum(positions) if positions else x_hat * b)
    if _trainable(layer, "bias"):
        out["bias"] = _Dense(b.sum(positions) if positions else b)
    return out


def _layer_norm(layer: nn.LayerNorm, a: torch.Tensor, b: torch.Tensor) -> dict:
    x_hat = F.layer_norm(a, layer.normalized_shape, eps=layer.eps)
    positions = tuple(range(1, a.dim() - len(layer.normalized_shape)))  # dims between batch and features
    return _scale_shift(layer, x_hat, b, positions)


def _group_norm(layer: nn.GroupNorm, a: torch.Tensor, b: torch.Tensor) -> dict:
    x_hat = F.group_norm(a, layer.num_groups, eps=layer.eps)
    return _scale_shift(layer, x_hat, b, tuple(range(2, a.dim())))  # (B, C, *positions)


_RULES: dict[type, Callable[[nn.Module, torch.Tensor, torch.Tensor], dict]] = {
    nn.Linear: _linear,
    nn.Conv2d: _conv2d,
    nn.LayerNorm: _layer_norm,
    nn.GroupNorm: _group_norm,
}
#: The layer types with a rule (exact types: a subclass may change what ``forward`` computes).
SUPPORTED_LAYERS: tuple[type, ...] = tuple(_RULES)


#: Parameter-free modules that act on every example separately (exact types). Their dimension
#: arguments are checked too: ``Flatten``/``Unflatten``/``Softmax`` must leave dim 0 alone.
ROW_WISE_MODULES: tuple[type, ...] = (
    nn.Identity, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
    nn.Tanh, nn.Sigmoid, nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.Hardtanh, nn.Hardswish,
    nn.Hardsigmoid, nn.Dropout, nn.Flatten, nn.Unflatten, nn.Softmax, nn.LogSoftmax,
    nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d,
)
_DIM_ARGS = {nn.Flatten: ("start_dim", "end_dim"), nn.Unflatten: ("dim",), nn.Softmax: ("dim",),
             nn.LogSoftmax: ("dim",)}
_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def _global_hooks() -> list[str]:
    """Names of torch's global module hooks that are set (they can change any module's output)."""
    from torch.nn.modules import module as torch_module

    names = ("_global_forward_hooks", "_global_forward_pre_hooks", "_global_backward_hooks",
             "_global_backward_pre_hooks")
    return [name for name in names if getattr(torch_module, name, None)]


def _why_unsupported(module: nn.Module) -> str | None:
    """Why this one module is outside what the ghost path can see and compute (None: it is inside)."""
    kind = type(module)
    if "forward" in vars(module) or "__call__" in vars(module):
        return f"{kind.__name__} has its forward replaced on the instance"
    if kind is nn.Sequential:
        return None
    if kind in ROW_WISE_MODULES:
        for arg in _DIM_ARGS.get(kind, ()):
            dim = getattr(module, arg)
            if arg == "end_dim" and dim == -1:
                continue
            if not isinstance(dim, int) or dim < 1:
                return (f"{kind.__name__}({arg}={dim!r}) may act across the batch (dim 0); give a "
                        f"positive {arg}")
        return None
    if kind not in _RULES:
        if any(p.requires_grad for p in module.parameters(recurse=False)):
            return f"{kind.__name__} has no ghost-clipping rule"
        return (f"{kind.__name__} is not a module whose forward the ghost path can see (it may mix the "
                "examples of a batch)")
    if isinstance(module, nn.Conv2d) and module.groups != 1:
        return f"Conv2d with groups={module.groups} (only groups=1 is supported)"
    return None


def unsupported_layers(model: nn.Module, _own_hooks: frozenset[int] = frozenset()) -> list[str]:
    """Why ``model`` cannot use the ghost path, one line per offending part ([] when it can).

    The forward must be one the path sees completely: ``nn.Sequential`` containers (exact type)
    whose leaves are ``SUPPORTED_LAYERS`` (Conv2d with ``groups=1``) or ``ROW_WISE_MODULES``, with no
    ``forward`` replaced on an instance and no hooks, so that no example can influence another's
    gradient unseen. No trainable parameter may be shared by two modules (tied weights).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    problems = [f"a global module hook is set (torch.nn.modules.module.{name})" for name in _global_hooks()]
    owners: dict[int, str] = {}
    for name, module in model.named_modules(remove_duplicate=False):
        label = name or "the model"
        reason = _why_unsupported(module)
        if reason:
            problems.append(f"{label}: {reason}")
        hooked = [h for h in _HOOK_DICTS if set(getattr(module, h, None) or ()) - _own_hooks]
        if hooked:
            problems.append(f"{label}: has hooks ({', '.join(hooked)}) that may change what it computes")
        own = [(n, p) for n, p in module.named_parameters(recurse=False, remove_duplicate=False)
               if p.requires_grad]
        for pname, p in own:
            full = f"{name}.{pname}" if name else pname
            if id(p) in owners and owners[id(p)] != full:
                problems.append(f"{full}: the same parameter as {owners[id(p)]} (tied weights)")
            owners.setdefault(id(p), full)
    return problems


# --------------------------------------------------------------------------- per-example losses

# The loss of example i alone is loss_fn(out[i:i+1], y[i:i+1]). For these torch losses (with their
# default arguments) reduction="none" gives the same numbers in one call; other losses go through vmap.
_CLASS_INDEX_LOSSES = (F.cross_entropy, F.nll_loss)  # (B, classes) scores, (B,) labels: one value each
_ELEMENTWISE_LOSSES = (F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits)  # mean of one row


def label_error(y: torch.Tensor, classes: int) -> ValueError | None:
    """The error for class labels outside [0, classes), the same on every clipping path: torch's
    ``ignore_index`` (-100) would otherwise give that example no loss and no gradient, silently."""
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= classes):
        return ValueError(f"y: class labels must be in [0, {classes}), got values in "
                          f"[{int(y.min())}, {int(y.max())}]")
    return None


def _per_example_losses(loss_fn: LossFn, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if loss_fn in _CLASS_INDEX_LOSSES and out.dim() == 2 and y.dim() == 1 and not y.is_floating_point():
        error = label_error(y, out.shape[1])
        if error is not None:
            raise error
        return loss_fn(out, y, reduction="none")
    if loss_fn in _ELEMENTWISE_LOSSES and out.shape == y.shape:
        return loss_fn(out, y, reduction="none").reshape(len(out), -1).mean(1)
    return vmap(lambda o, t: loss_fn(o.unsqueeze(0), t.unsqueeze(0)))(out, y)


# --------------------------------------------------------------------------- the clipper


def _check_batch_dims(module: nn.Module, label: str, shape_in: torch.Size, shape_out: torch.Size,
                      batch: int) -> None:
    batched = _batched_dims(module)
    if len(shape_in) < batched or shape_in[0] != batch or len(shape_out) < 1 or shape_out[0] != batch:
        raise GhostClippingError(
            f"layer {label or 'the model'} got an input of shape {tuple(shape_in)} (output "
            f"{tuple(shape_out)}); the ghost path needs the batch of {batch} examples in dim 0 of a tensor "
            f"with at least {batched} dimensions, or rows would mix examples (use clipping='vmap')")


def _batched_dims(module: nn.Module) -> int:
    """How many dimensions an input needs for this layer to treat its dim 0 as the batch: fewer, and
    torch reads it as one unbatched example (a Linear on a (B,) vector, a Conv2d on (C, H, W))."""
    if isinstance(module, nn.Conv2d):
        return 4
    if isinstance(module, nn.LayerNorm):
        return len(module.normalized_shape) + 1
    return 2


class GhostClipper:
    """Forward hooks on a model's trainable layers that turn one backward pass into a clipped sum.

    ``clipped_sum(loss_fn, x, y, max_grad_norm)`` returns ``(sums, norms, losses)``: ``sums`` maps
    every trainable parameter name (in ``model.named_parameters()`` order) to ``Σ_i c_i g_i``, with
    the same c_i and 1e-6 as ``sgd.clip_per_sample``; ``norms`` are the ||g_i|| before clipping (B,);
    ``losses`` the per-example losses ``loss_fn(model(x)[i:i+1], y[i:i+1])`` (B,). The model's
    parameters and ``.grad`` are left untouched. The hooks record only inside ``clipped_sum``; call
    ``remove()`` (or use ``with GhostClipper(model) as clipper:``) when done. Raises
    ``GhostClippingError`` for a model outside the supported set (see ``unsupported_layers``).
    """

    def __init__(self, model: nn.Module):
        problems = unsupported_layers(model)
        if problems:
            raise GhostClippingError("the ghost clipping path cannot handle this model: "
                                     + "; ".join(problems) + "; use clipping='vmap' (or 'auto')")
        self.model = model
        self._layers: dict[nn.Module, str] = {}
        for name, module in model.named_modules():
            if any(p.requires_grad for p in module.parameters(recurse=False)):
                self._layers[module] = name
        # Layers with a rule but nothing to train (frozen, or LayerNorm without affine) still must keep
        # the batch in dim 0: a LayerNorm over (B, d) or a Linear on a (B,) vector mixes examples.
        self._frozen: dict[nn.Module, str] = {m: n for n, m in model.named_modules()
                                              if type(m) in _RULES and m not in self._layers}
        self._records: dict[nn.Module, list] = {}
        self._shapes: list[tuple[nn.Module, torch.Size, torch.Size]] = []
        self._recording = False
        self._handles = [m.register_forward_hook(self._hook) for m in self._layers]
        self._handles += [m.register_forward_hook(self._shape_hook) for m in self._frozen]

    def _shape_hook(self, module: nn.Module, args: tuple, output) -> None:
        if self._recording:
            shape_in = args[0].shape if args and isinstance(args[0], torch.Tensor) else torch.Size()
            shape_out = output.shape if isinstance(output, torch.Tensor) else torch.Size()
            self._shapes.append((module, shape_in, shape_out))

    def _hook(self, module: nn.Module, args: tuple, output) -> None:
        if not self._recording:
            return
        if not args or not isinstance(args[0], torch.Tensor) or not isinstance(output, torch.Tensor):
            raise GhostClippingError(f"layer {self._layers[module] or 'model'} must be called with its "
                                     "input tensor as the first positional argument")
        a = args[0].detach()  # shares the version counter with the input: in-place changes show
        self._records.setdefault(module, []).append((a, output, a._version, output._version))

    def remove(self) -> None:
        """Remove the hooks; the clipper cannot be used afterwards."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> GhostClipper:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def _forward(self, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-example losses of one batched forward pass, with every layer's input and output recorded."""
        self._records, self._shapes = {}, []
        self._recording = True
        try:
            with torch.enable_grad():
                out = self.model(x)
                if not isinstance(out, torch.Tensor) or out.dim() < 1 or len(out) != len(x):
                    raise GhostClippingError("the model must return one tensor with the batch in dim 0")
                return _per_example_losses(loss_fn, out, y)
        finally:
            self._recording = False

    def _check_structure(self) -> None:
        """The model may have changed since the clipper was made: check it again, our hooks aside."""
        problems = unsupported_layers(self.model, frozenset(h.id for h in self._handles))
        if problems:
            raise GhostClippingError("the ghost clipping path cannot handle this model: "
                                     + "; ".join(problems) + "; use clipping='vmap' (or 'auto')")

    def _checked_records(self, batch: int) -> list[tuple[nn.Module, torch.Tensor, torch.Tensor]]:
        records = []
        for module, name in self._layers.items():
            calls = self._records.get(module, [])
            label = name or "the model"
            if len(calls) != 1:
                raise GhostClippingError(
                    f"layer {label} ran {len(calls)} times in one forward pass; the ghost path needs "
                    "every trainable layer to run exactly once (use clipping='vmap')")
            a, out, a_version, out_version = calls[0]
            if a._version != a_version or out._version != out_version:
                raise GhostClippingError(
                    f"the input or output of layer {label} was changed in place after the layer ran "
                    "(e.g. ReLU(inplace=True)); the ghost path needs them intact (use clipping='vmap')")
            _check_batch_dims(module, label, a.shape, out.shape, batch)
            records.append((module, a, out))
        for module, shape_in, shape_out in self._shapes:
            _check_batch_dims(module, self._frozen[module], shape_in, shape_out, batch)
        return records

    def clipped_sum(self, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor,
                    max_grad_norm: float) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """``(Σ_i c_i g_i per parameter, ||g_i|| (B,), per-example losses (B,))`` for a batch of B >= 1."""
        if not self._handles:
            raise RuntimeError("this GhostClipper was removed; create a new one")
        self._check_structure()
        losses = self._forward(loss_fn, x, y)
        records = self._checked_records(len(x))
        self._records, self._shapes = {}, []
        outputs = [out for _, _, out in records]
        grads_out = torch.autograd.grad(losses.sum(), outputs, allow_unused=True)
        factored: dict[str, _Outer | _Dense] = {}
        for (module, a, out), b in zip(records, grads_out):
            b = torch.zeros_like(out) if b is None else b  # a layer the loss does not depend on
            prefix = f"{self._layers[module]}." if self._layers[module] else ""
            for pname, piece in _RULES[type(module)](module, a, b).items():
                factored[prefix + pname] = piece
        norms = torch.sqrt(sum(piece.sq_norms() for piece in factored.values()))
        factors = (max_grad_norm / (norms + CLIP_EPS)).clamp(max=1.0)
        sums = {name: factored[name].clipped_sum(factors.to(p.dtype))
                for name, p in self.model.named_parameters() if p.requires_grad}
        return sums, norms.detach(), losses.detach()
