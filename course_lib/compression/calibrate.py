"""Static activation quantization: a fixed range per layer input, chosen from calibration data.

Weights are known before deployment, activations are not. A statically quantized model fixes the
range ``[lo, hi]`` of every layer's input once, from a few calibration batches, and from then on
quantizes each input with it (affine, ``2**bits`` codes, values outside the range clamped)::

    scale = (hi - lo) / (2**bits - 1),   zero_point = round(qmin - lo / scale),   qmin = -2**(bits-1)

Choosing the range is *calibration*, a trade between clipping error (values beyond the range) and
rounding error (a wide range means a coarse step). ``calibrate_range`` offers three rules:

* ``"minmax"``: the smallest and largest values seen; nothing is clipped, and one outlier stretches
  the step of every other value;
* ``"percentile"``: the ``percentile``-th and ``(100 - percentile)``-th percentiles; the rarest
  values are clipped;
* ``"mse"``: among ``grid`` ranges ``alpha * [min, max]`` (``alpha`` in ``1/grid, 2/grid, ..., 1``),
  the one whose quantize-dequantize error on the calibration data has the smallest mean square
  (the idea behind PyTorch's ``HistogramObserver`` and TensorRT's calibrators).

Every range includes 0, so that 0 (ReLU's most common output) is stored exactly.
``quantize_activations`` inserts the fake quantizers into a copy of a model (forward pre-hooks on
every Linear/Conv layer: the layer's *input* is quantized) and returns the ranges it chose.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .._validate import check_int, check_real

__all__ = ["CALIBRATION_METHODS", "calibrate_range", "fake_quantize_range", "layer_inputs",
           "quantize_activations"]

CALIBRATION_METHODS = ("minmax", "percentile", "mse")
_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def _check_values(x, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite; it contains NaN or infinite values")
    return x


def _check_range(lo, hi) -> tuple[float, float]:
    lo, hi = check_real(lo, "lo"), check_real(hi, "hi")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= 0 <= hi):
        raise ValueError(f"the range must be finite and contain 0 (lo <= 0 <= hi), got [{lo}, {hi}]")
    return lo, hi


def _affine(lo: float, hi: float, bits: int) -> tuple[float, int, int, int]:
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    scale = (hi - lo) / (qmax - qmin)
    if scale <= 0:  # a range of one point, 0: everything becomes 0
        scale = 1.0
    zero_point = int(np.clip(round(qmin - lo / scale), qmin, qmax))
    return scale, zero_point, qmin, qmax


def fake_quantize_range(x: torch.Tensor, lo: float, hi: float, bits: int = 8) -> torch.Tensor:
    """Quantize ``x`` with the fixed affine range ``[lo, hi]`` (``lo <= 0 <= hi``) to ``bits`` bits
    (2..16) and dequantize: values beyond the range come back clamped to its ends (up to rounding),
    values inside it to within half a step."""
    x = _check_values(x)
    lo, hi = _check_range(lo, hi)
    bits = check_int(bits, "bits", 2, 16)
    scale, zero_point, qmin, qmax = _affine(lo, hi, bits)
    xd = x.detach().double()
    q = torch.clamp(torch.round(xd / scale) + zero_point, qmin, qmax)
    return ((q - zero_point) * scale).to(x.dtype)


def _mse(values: torch.Tensor, lo: float, hi: float, bits: int) -> float:
    return float(((fake_quantize_range(values, lo, hi, bits) - values) ** 2).mean())


def calibrate_range(x: torch.Tensor, method: str = "minmax", bits: int = 8, percentile: float = 99.9,
                    grid: int = 100) -> tuple[float, float]:
    """The range ``(lo, hi)`` (with ``lo <= 0 <= hi``) that ``method`` picks for the values of ``x``;
    see the module docstring. ``percentile`` (in (50, 100]) is used by ``"percentile"``, ``bits``
    (2..16) and ``grid`` (>= 1 candidates) by ``"mse"``."""
    values = _check_values(x).detach().double().reshape(-1)
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, CALIBRATION_METHODS))}, got {method!r}")
    bits = check_int(bits, "bits", 2, 16)
    percentile = check_real(percentile, "percentile")
    if not 50 < percentile <= 100:
        raise ValueError(f"percentile must be in (50, 100], got {percentile}")
    grid = check_int(grid, "grid", 1)
    lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    if method == "percentile":
        arr = values.cpu().numpy()
        lo = min(float(np.percentile(arr, 100 - percentile)), 0.0)
        hi = max(float(np.percentile(arr, percentile)), 0.0)
    elif method == "mse" and hi > lo:
        alphas = np.arange(1, grid + 1) / grid
        errors = [_mse(values, a * lo, a * hi, bits) for a in alphas]
        best = alphas[int(np.argmin(errors))]  # the first (narrowest) of equal errors
        lo, hi = best * lo, best * hi
    return float(lo), float(hi)


def _layers(model: nn.Module) -> dict[str, nn.Module]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    found = {name or "<root>": m for name, m in model.named_modules() if isinstance(m, _LAYERS)}
    if not found:
        raise ValueError("model must contain at least one nn.Linear or nn.Conv1d/2d/3d layer, found none")
    return found


def _as_input(X, model: nn.Module) -> torch.Tensor:
    first = next(model.parameters(), None)
    X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X)
    if first is not None:
        X = X.to(dtype=first.dtype, device=first.device)
    return _check_values(X, "X")


@torch.no_grad()
def layer_inputs(model: nn.Module, X) -> dict[str, torch.Tensor]:
    """The input of every Linear/Conv layer of ``model`` when it runs on ``X`` (in eval mode),
    keyed by module name as in ``model.named_modules()``; ``model`` is left as it was."""
    layers = _layers(model)
    X = _as_input(X, model)
    seen: dict[str, torch.Tensor] = {}
    hooks = [m.register_forward_pre_hook(lambda _m, args, name=name: seen.__setitem__(name, args[0].detach()))
             for name, m in layers.items()]
    was_training = model.training
    try:
        model.eval()
        model(X)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return seen


def _quantizing_hook(lo: float, hi: float, bits: int) -> Callable:
    def hook(_module, args):
        return (fake_quantize_range(args[0], lo, hi, bits), *args[1:])
    return hook


def quantize_activations(model: nn.Module, X_calib, bits: int = 8, method: str = "minmax",
                         percentile: float = 99.9, grid: int = 100
                         ) -> tuple[nn.Module, dict[str, tuple[float, float]]]:
    """A deep copy of ``model`` whose every Linear/Conv layer quantizes its *input* to ``bits`` bits
    with a fixed range calibrated on ``X_calib`` by ``method`` (``calibrate_range``), and those
    ranges ``{layer name: (lo, hi)}``. Weights are left as they are (quantize them with
    ``quantize_model`` first, or after). The ranges are calibrated layer by layer on the fp32
    model's inputs, as observers collect them; ``model`` is not modified."""
    inputs = layer_inputs(model, X_calib)
    ranges = {name: calibrate_range(x, method, bits, percentile, grid) for name, x in inputs.items()}
    qmodel = copy.deepcopy(model)
    for name, layer in _layers(qmodel).items():
        layer.register_forward_pre_hook(_quantizing_hook(*ranges[name], bits))
    return qmodel, ranges
