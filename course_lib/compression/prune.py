"""Pruning with plain tensors: magnitude masks, schedules, structured and N:M sparsity.

Unstructured pruning sets the weights of smallest magnitude to zero. A *mask* is a bool tensor of the
weight's shape, ``True`` = keep. With sparsity ``s`` a mask prunes exactly ``floor(s * numel)``
entries, those with the smallest ``|w|``; ties are broken by position (a stable sort), so the result
is deterministic and no pruned weight is ever larger in magnitude than a kept one.

* ``layerwise_masks`` gives every layer the same sparsity; ``global_masks`` uses one threshold for all
  layers together, so layers with many small weights lose more of them.
* ``apply_masks`` zeroes masked weights in place and keeps them zero while fine-tuning (a gradient
  hook plus ``handle.enforce()`` after each optimizer step).
* ``gradual_schedule`` is Zhu & Gupta's (2017) cubic schedule; ``sensitivity_scan`` prunes one layer
  at a time to see which layers tolerate it.
* ``prune_channels`` removes whole output channels (structured pruning): the matrices really shrink,
  and so does the work (``count_macs``). ``nm_mask`` gives the N:M pattern (2:4) that sparse tensor
  cores accelerate.

Nothing here uses ``torch.nn.utils.prune``: the point is to see every step.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .._validate import check_int

PRUNABLE_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)

# Parameter-free modules that act on each channel separately and map 0 to 0, so that a removed
# channel and a zeroed one give the next layer the same input.
_CHANNELWISE = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Tanh, nn.ELU, nn.Hardtanh,
    nn.Hardswish, nn.Mish, nn.Softsign, nn.Tanhshrink, nn.Identity,
    nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d,
)


# --------------------------------------------------------------------------------------- checks
def _check_fraction(name: str, value: float) -> float:
    """``value`` must be a real number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return float(value)


def _check_weight(name: str, w: torch.Tensor) -> torch.Tensor:
    if not isinstance(w, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(w).__name__}")
    if not w.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {w.dtype}")
    if torch.isnan(w).any():
        raise ValueError(f"{name} contains NaN; magnitudes of NaN cannot be ranked")
    return w.detach()


def _check_module(model: nn.Module) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


# ------------------------------------------------------------------------- unstructured masks
def _smallest_first(magnitudes: torch.Tensor) -> torch.Tensor:
    """Flat indices sorted by magnitude, ties in position order (stable sort)."""
    return torch.sort(magnitudes, stable=True).indices


def magnitude_mask(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Bool mask (``True`` = keep) that prunes the ``k = floor(sparsity * w.numel())`` entries of
    smallest ``|w|``; among equal magnitudes the earlier position (row-major) is pruned first.

    ``sparsity`` must be in [0, 1). Note that ``floor`` acts on the floating-point product:
    ``floor(0.29 * 100) = 28``.
    """
    w = _check_weight("w", w)
    sparsity = _check_fraction("sparsity", sparsity)
    k = math.floor(sparsity * w.numel())
    keep = torch.ones(w.numel(), dtype=torch.bool, device=w.device)
    keep[_smallest_first(w.abs().flatten())[:k]] = False
    return keep.reshape(w.shape)


def prunable(model: nn.Module) -> dict[str, nn.Parameter]:
    """The ``weight`` of every ``nn.Linear`` and ``nn.Conv1d/2d/3d`` in ``model``, keyed by
    ``"<module name>.weight"`` (``"weight"`` when ``model`` itself is such a layer), in module order.
    """
    _check_module(model)
    found = {}
    for name, module in model.named_modules():
        if isinstance(module, PRUNABLE_TYPES):
            found[f"{name}.weight" if name else "weight"] = module.weight
    if not found:
        raise ValueError(
            f"model ({type(model).__name__}) has no prunable layer (nn.Linear or nn.Conv1d/2d/3d)"
        )
    return found


def layerwise_masks(model: nn.Module, sparsity: float) -> dict[str, torch.Tensor]:
    """One ``magnitude_mask`` per prunable weight, each layer pruned to the same ``sparsity``."""
    weights = prunable(model)
    sparsity = _check_fraction("sparsity", sparsity)
    return {name: magnitude_mask(p, sparsity) for name, p in weights.items()}


def global_masks(model: nn.Module, sparsity: float) -> dict[str, torch.Tensor]:
    """Masks from one threshold over all prunable weights together.

    All magnitudes are concatenated (in ``prunable`` order) and the ``floor(sparsity * total)``
    smallest are pruned, ties by position: exactly that many weights go overall, but each layer loses
    a different fraction.
    """
    weights = prunable(model)
    sparsity = _check_fraction("sparsity", sparsity)
    flat = [_check_weight(name, p).abs().flatten() for name, p in weights.items()]
    target = flat[0].device
    magnitudes = torch.cat([f.to(target) for f in flat])
    k = math.floor(sparsity * magnitudes.numel())
    keep = torch.ones(magnitudes.numel(), dtype=torch.bool, device=target)
    keep[_smallest_first(magnitudes)[:k]] = False
    masks, start = {}, 0
    for name, p in weights.items():
        masks[name] = keep[start:start + p.numel()].reshape(p.shape).to(p.device)
        start += p.numel()
    return masks


# ------------------------------------------------------------------------------ applying masks
class PruningHandle:
    """Keeps masked weights of a model at zero; returned by :func:`apply_masks`.

    A gradient hook zeroes the masked entries of every gradient, so plain SGD never moves them. An
    optimizer can still move them through *state*: momentum buffers filled before the masks were
    applied (gradual pruning keeps one optimizer across pruning steps), Adam's moments, or anything
    else added to the update. Call :meth:`enforce` after each ``optimizer.step()`` to re-zero them.
    :meth:`remove` detaches the hooks (the weights stay as they are). For gradual pruning, ``remove()``
    the old handle and ``apply_masks`` the next, sparser masks.
    """

    def __init__(self, params: dict[str, nn.Parameter], masks: dict[str, torch.Tensor]):
        self.masks = masks
        self._params = params
        self._hooks = []
        for name, p in params.items():
            self._hooks.append(p.register_hook(self._grad_hook(masks[name])))
        self.enforce()
        for name, p in params.items():  # a gradient already computed must not move them either
            if p.grad is not None:
                p.grad.masked_fill_(~masks[name], 0)

    @staticmethod
    def _grad_hook(mask: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        return lambda grad: grad.masked_fill(~mask, 0)

    @torch.no_grad()
    def enforce(self) -> None:
        """Set every masked weight back to exactly zero (call after each optimizer step)."""
        for name, p in self._params.items():
            p.masked_fill_(~self.masks[name], 0)

    def remove(self) -> None:
        """Detach the gradient hooks; masked weights may move again in later training."""
        for hook in self._hooks:
            hook.remove()
        self._hooks = []

    @property
    def active(self) -> bool:
        """Whether the gradient hooks are still attached."""
        return bool(self._hooks)

    def __repr__(self) -> str:
        return f"PruningHandle({len(self.masks)} tensors, active={self.active})"


def apply_masks(model: nn.Module, masks: dict[str, torch.Tensor]) -> PruningHandle:
    """Zero the masked weights of ``model`` in place and keep them zero during fine-tuning.

    ``masks`` maps parameter names (as in ``model.named_parameters()``, e.g. from
    :func:`layerwise_masks`) to bool tensors of the parameter's shape, ``True`` = keep. Masked
    gradients are zeroed by a hook; with momentum, weight decay or Adam call ``handle.enforce()``
    after every ``optimizer.step()``.
    """
    _check_module(model)
    if not isinstance(masks, dict):
        raise TypeError(f"masks must be a dict of parameter name -> bool tensor, got {type(masks).__name__}")
    if not masks:
        raise ValueError("masks must not be empty")
    named = dict(model.named_parameters())
    params, checked = {}, {}
    for name, mask in masks.items():
        if name not in named:
            raise ValueError(f"masks: {name!r} is not a parameter of model; valid: {sorted(named)}")
        p = named[name]
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError(f"masks[{name!r}] must be a bool tensor, got {getattr(mask, 'dtype', mask)!r}")
        if mask.shape != p.shape:
            raise ValueError(f"masks[{name!r}] has shape {tuple(mask.shape)}, parameter has {tuple(p.shape)}")
        params[name], checked[name] = p, mask.to(p.device)
    return PruningHandle(params, checked)


def sparsity_of(model_or_tensor: nn.Module | torch.Tensor) -> float:
    """Fraction of entries that are exactly zero: ``#(w == 0) / numel`` for a tensor, or over all
    prunable weights of a model together (biases and norms are not counted)."""
    if isinstance(model_or_tensor, torch.Tensor):
        tensors = [model_or_tensor.detach()]
    elif isinstance(model_or_tensor, nn.Module):
        tensors = [p.detach() for p in prunable(model_or_tensor).values()]
    else:
        raise TypeError(f"model_or_tensor must be an nn.Module or a torch.Tensor, "
                        f"got {type(model_or_tensor).__name__}")
    total = sum(t.numel() for t in tensors)
    if total == 0:
        raise ValueError("model_or_tensor has no entries; sparsity of an empty tensor is undefined")
    return sum(int((t == 0).sum()) for t in tensors) / total


# ------------------------------------------------------------------------ schedules and scans
def gradual_schedule(final_sparsity: float, steps: int, initial_sparsity: float = 0.0,
                     power: int = 3) -> list[float]:
    """Zhu & Gupta's (2017) schedule ``s_t = s_f + (s_i - s_f) * (1 - t / (steps - 1)) ** power``
    for ``t = 0 .. steps-1``: prune fast early, slowly near the end; ends exactly at ``s_f``.

    Needs ``0 <= initial_sparsity <= final_sparsity < 1``, ``steps >= 1`` (one step is just
    ``[final_sparsity]``) and an int ``power >= 1``.
    """
    final = _check_fraction("final_sparsity", final_sparsity)
    initial = _check_fraction("initial_sparsity", initial_sparsity)
    steps = check_int(steps, "steps", 1)
    power = check_int(power, "power", 1)
    if initial > final:
        raise ValueError(f"initial_sparsity ({initial}) must be <= final_sparsity ({final})")
    if steps == 1:
        return [final]
    schedule = [final + (initial - final) * (1 - t / (steps - 1)) ** power for t in range(steps)]
    schedule[0] = initial  # exact, where rounding could land a hair below it
    for t in range(1, steps):  # guard against a rounding step backwards
        schedule[t] = max(schedule[t], schedule[t - 1])
    return schedule


def sensitivity_scan(model: nn.Module, evaluate: Callable[[nn.Module], float],
                     sparsities: Sequence[float]) -> dict[str, list[float]]:
    """For each prunable layer *alone*, prune a deep copy of ``model`` to each sparsity and record
    ``evaluate(copy)``: ``{layer weight name: [score at each sparsity]}``. ``model`` is untouched.

    ``evaluate`` should put the model in the mode it needs (``model.eval()``) and return a number.
    """
    names = list(prunable(model))
    if not callable(evaluate):
        raise TypeError(f"evaluate must be a callable model -> float, got {type(evaluate).__name__}")
    if isinstance(sparsities, (str, bytes)) or not isinstance(sparsities, Sequence) or not sparsities:
        raise TypeError(f"sparsities must be a non-empty sequence of numbers in [0, 1), got {sparsities!r}")
    levels = [_check_fraction(f"sparsities[{i}]", s) for i, s in enumerate(sparsities)]
    scores: dict[str, list[float]] = {}
    for name in names:
        scores[name] = []
        for s in levels:
            pruned = copy.deepcopy(model)
            weight = pruned.get_parameter(name)
            with torch.no_grad():
                weight.masked_fill_(~magnitude_mask(weight, s), 0)
            score = evaluate(pruned)
            try:
                scores[name].append(float(score))
            except (TypeError, ValueError):
                raise TypeError(f"evaluate must return a number, got {score!r}") from None
    return scores


# ---------------------------------------------------------------------------- structured pruning
def _find_next(model: nn.Sequential, layer: int) -> tuple[int, bool]:
    """Index of the next Linear/Conv2d after ``layer`` and whether an ``nn.Flatten`` lies between."""
    flattened = False
    for j in range(layer + 1, len(model)):
        module = model[j]
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            return j, flattened
        if "Norm" in type(module).__name__:  # BatchNorm, GroupNorm, LayerNorm, InstanceNorm, ...
            raise NotImplementedError(
                f"prune_channels: model[{j}] is {type(module).__name__}; normalisation layers between "
                "the pruned layer and the next one are not supported (fold them in first)"
            )
        if isinstance(module, nn.Flatten):
            if module.start_dim != 1 or module.end_dim != -1:
                raise NotImplementedError(f"prune_channels: model[{j}] must be Flatten(1, -1), got {module}")
            flattened = True
        elif not isinstance(module, _CHANNELWISE) or any(True for _ in module.parameters()):
            raise NotImplementedError(
                f"prune_channels: model[{j}] ({type(module).__name__}) is not a known channel-wise, "
                "zero-preserving module (activation with f(0) = 0, dropout, pooling, Flatten)"
            )
    raise ValueError(
        f"layer {layer} is the last Linear/Conv2d of model; removing its outputs would change the "
        "model's output shape"
    )


def _new_like(module: nn.Module, weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Module:
    """A Linear/Conv2d like ``module`` carrying ``weight`` and ``bias``."""
    kw = dict(bias=bias is not None, device=weight.device, dtype=weight.dtype)
    if isinstance(module, nn.Linear):
        new = nn.Linear(weight.shape[1], weight.shape[0], **kw)
    else:
        new = nn.Conv2d(weight.shape[1], weight.shape[0], module.kernel_size, stride=module.stride,
                        padding=module.padding, dilation=module.dilation, groups=1,
                        padding_mode=module.padding_mode, **kw)
    with torch.no_grad():
        new.weight.copy_(weight)
        if bias is not None:
            new.bias.copy_(bias)
    new.weight.requires_grad_(module.weight.requires_grad)
    new.train(module.training)
    return new


def prune_channels(model: nn.Sequential, layer: int, amount: float) -> nn.Sequential:
    """Structured pruning: physically remove ``floor(amount * out)`` output channels (Conv2d) or
    neurons (Linear) of ``model[layer]``, those with the smallest L1 norm ``sum |W[c]|`` (ties by
    position), and the matching inputs of the next Linear/Conv2d.

    Parameter-free channel-wise modules in between (ReLU, dropout, pooling) are skipped; for
    ``Conv2d -> Flatten -> Linear`` the block of ``in_features / out_channels`` input features of each
    removed channel goes (channel-major flatten order). The result is a new ``nn.Sequential`` that
    computes exactly what ``model`` computes with those channels' outputs set to zero; ``model`` is
    untouched. Normalisation layers in between raise ``NotImplementedError``.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < len(model):
        raise ValueError(f"layer must be an int index in [0, {len(model) - 1}], got {layer!r}")
    layer = int(layer)
    current = model[layer]
    if not isinstance(current, (nn.Linear, nn.Conv2d)):
        raise ValueError(f"layer {layer} must be an nn.Linear or nn.Conv2d, got {type(current).__name__}")
    amount = _check_fraction("amount", amount)
    nxt_index, flattened = _find_next(model, layer)
    nxt = model[nxt_index]
    for index, module in ((layer, current), (nxt_index, nxt)):
        if isinstance(module, nn.Conv2d) and module.groups != 1:
            raise NotImplementedError(f"prune_channels: model[{index}] is a grouped convolution")

    out = current.weight.shape[0]
    if isinstance(current, nn.Linear) and isinstance(nxt, nn.Linear):
        block = 1
    elif isinstance(current, nn.Conv2d) and isinstance(nxt, nn.Conv2d) and not flattened:
        block = 1
    elif isinstance(current, nn.Conv2d) and isinstance(nxt, nn.Linear) and flattened:
        block = nxt.in_features // out
    else:
        raise NotImplementedError(
            f"prune_channels: {type(current).__name__} followed by "
            f"{'Flatten and ' if flattened else ''}{type(nxt).__name__} is not supported"
        )
    if nxt.weight.shape[1] != out * block:
        raise ValueError(f"model[{nxt_index}] expects {nxt.weight.shape[1]} inputs, which is not "
                         f"{out} channels of model[{layer}] times a whole number of features")

    w = current.weight.detach()
    k = math.floor(amount * out)
    norms = w.abs().flatten(1).sum(dim=1)
    keep = torch.sort(_smallest_first(norms)[k:]).values  # surviving channels, in order
    bias = None if current.bias is None else current.bias.detach()[keep]
    columns = (keep[:, None] * block + torch.arange(block, device=keep.device)).flatten()
    nw = nxt.weight.detach()
    next_bias = None if nxt.bias is None else nxt.bias.detach().clone()

    pruned = copy.deepcopy(model)
    pruned[layer] = _new_like(current, w[keep].clone(), bias)
    pruned[nxt_index] = _new_like(nxt, nw[:, columns].clone(), next_bias)
    return pruned


# ------------------------------------------------------------------------------- N:M sparsity
def nm_mask(w: torch.Tensor, n: int = 2, m: int = 4) -> torch.Tensor:
    """Bool mask keeping the ``n`` largest ``|w|`` in every group of ``m`` consecutive weights along
    the last dimension (2:4 sparsity = 50 %, accelerated by sparse tensor cores). As in
    :func:`magnitude_mask`, among equal magnitudes the earlier position is pruned first. Needs
    ``1 <= n <= m`` and ``w.shape[-1]`` divisible by ``m``.
    """
    w = _check_weight("w", w)
    m = check_int(m, "m", 1)
    n = check_int(n, "n", 1)
    if n > m:
        raise ValueError(f"n must be in [1, m={m}], got n={n}")
    if w.dim() == 0 or w.shape[-1] % m != 0:
        raise ValueError(f"w's last dimension must be divisible by m={m}, got shape {tuple(w.shape)}")
    groups = w.abs().reshape(-1, m)
    order = torch.sort(groups, dim=1, stable=True).indices  # smallest first, ties by position
    keep = torch.zeros_like(groups, dtype=torch.bool)
    keep.scatter_(1, order[:, m - n:], True)
    return keep.reshape(w.shape)


# ------------------------------------------------------------------------------------- cost
def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of the Linear and Conv layers of ``model`` for one example.

    ``input_shape`` is one example *without* the batch dimension, e.g. ``(64,)`` or ``(1, 8, 8)``.
    A Linear costs ``out.numel() * in_features``, a convolution
    ``out.numel() * in_channels / groups * prod(kernel_size)``; measured with forward hooks on a
    zero input of batch size 1 (in eval mode, without gradients). Biases are not counted.
    """
    _check_module(model)
    if not isinstance(input_shape, (tuple, list)) or not input_shape or any(
        isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in input_shape
    ):
        raise ValueError(f"input_shape must be a non-empty tuple of positive ints, got {input_shape!r}")
    first = next(model.parameters(), None)
    kw = {} if first is None else dict(device=first.device, dtype=first.dtype)
    macs = [0]

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        if isinstance(module, nn.Linear):
            macs[0] += output.numel() * module.in_features
        else:
            macs[0] += (output.numel() * (module.in_channels // module.groups)
                        * math.prod(module.kernel_size))

    hooks = [mod.register_forward_hook(hook) for mod in model.modules() if isinstance(mod, PRUNABLE_TYPES)]
    modes = {mod: mod.training for mod in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), **kw))
    finally:
        for mod, training in modes.items():
            mod.training = training
        for h in hooks:
            h.remove()
    return int(macs[0])


# ------------------------------------------------------------------------ pruning while training
def gradual_prune(model: nn.Module, X, y, final_sparsity: float, *, updates: int = 10,
                  epochs_per_update: int = 1, extra_epochs: int = 10, initial_sparsity: float = 0.0,
                  make_masks: Callable[[nn.Module, float], dict[str, torch.Tensor]] | None = None,
                  lr: float = 3e-3, batch_size: int = 64, seed: int = 0,
                  evaluate: Callable[[nn.Module], float] | None = None) -> tuple[PruningHandle, list[dict]]:
    """Prune ``model`` in place *while* fine-tuning it, along ``gradual_schedule``: the sparsity
    rises to ``final_sparsity`` in ``updates`` steps, one every ``epochs_per_update`` epochs, and then
    ``extra_epochs`` more epochs run at the final sparsity.

    One Adam optimizer (``course_lib.models.train``) runs through all
    ``updates * epochs_per_update + extra_epochs`` epochs, so a one-shot prune fine-tuned for that
    many epochs is the fair comparison. At each update the masks are recomputed by ``make_masks``
    (default :func:`global_masks`) from the current weights; weights pruned earlier are zero, so they
    stay pruned. Returns the final :class:`PruningHandle` and a history, one entry per phase:
    ``{"epoch": epochs done, "sparsity": ..., "score": evaluate(model) or None}``.
    """
    from ..models import train

    final = _check_fraction("final_sparsity", final_sparsity)
    initial = _check_fraction("initial_sparsity", initial_sparsity)
    updates = check_int(updates, "updates", 1)
    epochs_per_update = check_int(epochs_per_update, "epochs_per_update", 1)
    extra_epochs = check_int(extra_epochs, "extra_epochs", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    make_masks = global_masks if make_masks is None else make_masks
    if not callable(make_masks) or (evaluate is not None and not callable(evaluate)):
        raise TypeError("make_masks and evaluate must be callables (model, ...) -> masks / number")
    schedule = gradual_schedule(final, updates, initial)
    n = len(y)
    steps_per_update = -(-n // batch_size) * epochs_per_update
    history: list[dict] = []
    state = {"step": 0, "phase": 0, "handle": apply_masks(model, make_masks(model, schedule[0]))}

    def log(epoch: int) -> None:
        score = None
        if evaluate is not None:
            mode = model.training
            score = float(evaluate(model))
            model.train(mode)  # evaluate may switch to eval mode; training goes on as it was
        history.append({"epoch": epoch, "sparsity": sparsity_of(model), "score": score})

    def after_step() -> None:
        state["handle"].enforce()
        state["step"] += 1
        if state["phase"] + 1 < updates and state["step"] % steps_per_update == 0:
            log((state["phase"] + 1) * epochs_per_update)
            state["phase"] += 1
            state["handle"].remove()
            state["handle"] = apply_masks(model, make_masks(model, schedule[state["phase"]]))

    total = updates * epochs_per_update + extra_epochs
    train(model, X, y, epochs=total, lr=lr, batch_size=batch_size, seed=seed, after_step=after_step)
    log(total)
    return state["handle"], history
