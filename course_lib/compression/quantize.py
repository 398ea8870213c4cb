"""Uniform quantization of tensors and models with plain torch tensors.

A float tensor ``x`` is stored as small integers ``q`` plus a float ``scale`` (and, for the affine
scheme, an integer ``zero_point``)::

    q     = clamp(round(x / scale) + zero_point, qmin, qmax)      # divide first, then round
    x_hat = (q - zero_point) * scale                              # dequantize

* **symmetric**: ``scale = max|x| / qmax``, ``zero_point = 0``, range ``[-(2**(b-1) - 1), 2**(b-1) - 1]``
  (restricted: zero is exact and the range is symmetric);
* **affine**: ``scale = (max - min) / (qmax - qmin)`` with ``min <= 0 <= max``,
  ``zero_point = round(qmin - min / scale)``, range ``[-2**(b-1), 2**(b-1) - 1]``.

One scale for the whole tensor (``granularity="tensor"``), one per output channel (``"channel"``)
or one per group of ``group_size`` consecutive weights of a row (``"group"``). Inside the clipping
range every value is reconstructed to within half a step: ``|x_hat - x| <= scale / 2``.

Edges: range statistics are taken in float64 (``max - min`` of float32 values cannot overflow), a
slice of zeros gets scale 1.0, a slice so small that its scale would underflow float32 gets the
smallest float32 (``2**-149``, subnormal) so its values still round to the nearest step (a subnormal
scale is rounded up, so the extreme value of a slice never lands past the last code), and scales,
codebooks and dequantized values are float32, so a float64 tensor with values beyond float32's
``+-3.4e38`` is refused with a ``ValueError`` (it could only come back as ``inf``).

Codes of 4 bits or fewer can be packed two per byte (``pack_int4``); ``QTensor.nbytes`` counts the
bytes actually stored, scales and zero points included. ``quantize_model`` simulates quantization
of a whole model (weights replaced by their dequantized values) and reports real byte counts;
``fake_quant_model`` prepares a model for quantization-aware training (straight-through estimator).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.utils import parametrize

from .._validate import check_bool, check_int

SCHEMES = ("symmetric", "affine")
GRANULARITIES = ("tensor", "channel", "group")
METHODS = ("uniform", "kmeans")
QUANTIZABLE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)

# --------------------------------------------------------------------------- validation helpers


def _check_bits(bits, lo: int = 2, hi: int = 8) -> int:
    return check_int(bits, "bits", lo, hi)


def _check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _check_float_tensor(x, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite; it contains NaN or infinite values")
    return x


F32_MAX = torch.finfo(torch.float32).max
F32_TINY = torch.finfo(torch.float32).tiny  # smallest normal float32
F32_SUBNORMAL = 2.0**-149  # smallest positive float32


def _check_float32_range(x: torch.Tensor, name: str = "x") -> torch.Tensor:
    """Refuse values that float32 cannot hold: quantized tensors keep float32 scales (and codebooks)
    and dequantize to float32, so a float64 value beyond +-3.4e38 could only come back as inf."""
    if x.dtype == torch.float64 and bool((x.detach().abs() > F32_MAX).any()):
        raise ValueError(
            f"{name} has values of magnitude up to {float(x.detach().abs().max()):.3g}, beyond the float32 "
            f"range (+-{F32_MAX:.4g}); quantized tensors store float32 scales and dequantize to float32, "
            f"so rescale {name} (and undo the rescaling after dequantizing)"
        )
    return x


# --------------------------------------------------------------------------- ranges and packing


def qrange(bits: int, scheme: str) -> tuple[int, int]:
    """The integer range ``(qmin, qmax)`` of ``bits``-bit codes.

    symmetric: ``(-(2**(bits-1) - 1), 2**(bits-1) - 1)``, e.g. (-127, 127) for 8 bits;
    affine:    ``(-2**(bits-1), 2**(bits-1) - 1)``,       e.g. (-128, 127) for 8 bits.
    """
    bits = _check_bits(bits)
    scheme = _check_choice(scheme, "scheme", SCHEMES)
    qmax = 2 ** (bits - 1) - 1
    return (-qmax, qmax) if scheme == "symmetric" else (-qmax - 1, qmax)


def _pack_nibbles(nibbles: torch.Tensor) -> torch.Tensor:
    """Pack values 0..15 two per byte: ``byte = v[2i] | v[2i+1] << 4`` (low nibble = even index)."""
    flat = nibbles.reshape(-1).to(torch.int32) & 0xF
    if flat.numel() % 2:
        flat = torch.cat([flat, flat.new_zeros(1)])
    return (flat[0::2] | (flat[1::2] << 4)).to(torch.uint8)


def _unpack_nibbles(packed: torch.Tensor, numel: int) -> torch.Tensor:
    """Inverse of ``_pack_nibbles``: the first ``numel`` nibbles as int32 values 0..15."""
    p = packed.reshape(-1).to(torch.int32)
    return torch.stack([p & 0xF, (p >> 4) & 0xF], dim=1).reshape(-1)[:numel]


def _check_packed(packed, numel) -> tuple[torch.Tensor, int]:
    if not isinstance(packed, torch.Tensor) or packed.dtype != torch.uint8:
        raise TypeError(f"packed must be a torch.uint8 tensor, got {getattr(packed, 'dtype', type(packed))}")
    numel = check_int(numel, "numel", 0)
    if packed.numel() != (numel + 1) // 2:
        raise ValueError(
            f"numel must satisfy ceil(numel / 2) == packed.numel() = {packed.numel()}, got {numel}"
        )
    return packed, numel


def pack_int4(codes: torch.Tensor) -> torch.Tensor:
    """Pack signed 4-bit codes (values in [-8, 7]) two per byte into a flat uint8 tensor.

    Byte ``i`` holds ``codes[2i] & 0xF`` in its low nibble and ``codes[2i+1] & 0xF`` in its high
    nibble (codes flattened in row-major order; an odd count is padded with a zero nibble), so
    ``n`` codes take ``ceil(n / 2)`` bytes.
    """
    if not isinstance(codes, torch.Tensor):
        raise TypeError(f"codes must be a torch.Tensor, got {type(codes).__name__}")
    if codes.is_floating_point() or codes.is_complex() or codes.dtype == torch.bool:
        raise TypeError(f"codes must be an integer tensor, got dtype {codes.dtype}")
    if codes.numel() and (int(codes.min()) < -8 or int(codes.max()) > 7):
        raise ValueError(
            f"codes must be in [-8, 7] to fit 4 bits, got values in [{int(codes.min())}, {int(codes.max())}]"
        )
    return _pack_nibbles(codes)


def unpack_int4(packed: torch.Tensor, numel: int) -> torch.Tensor:
    """Unpack ``numel`` signed 4-bit codes from ``pack_int4`` output: a flat int8 tensor in [-8, 7].

    Each nibble ``v`` in 0..15 is sign-extended: ``v - 16 if v >= 8 else v``.
    """
    packed, numel = _check_packed(packed, numel)
    v = _unpack_nibbles(packed, numel)
    return torch.where(v >= 8, v - 16, v).to(torch.int8)


# --------------------------------------------------------------------------- QTensor


@dataclass(frozen=True, eq=False, repr=False)
class QTensor:
    """A quantized tensor: integer codes plus the parameters needed to dequantize them.

    ``codes`` is int8 with the original shape, or (``packed=True``) a flat uint8 tensor of
    ``ceil(numel / 2)`` bytes holding two 4-bit codes each. ``scale`` (float32) and ``zero_point``
    (int32) have shape ``()`` per tensor, ``(C,)`` per channel along ``axis``, ``(C, n_groups)`` per
    group.
    """

    codes: torch.Tensor
    scale: torch.Tensor
    zero_point: torch.Tensor
    bits: int
    scheme: str
    granularity: str
    axis: int
    group_size: int | None
    shape: tuple[int, ...]
    packed: bool

    @property
    def nbytes(self) -> int:
        """Bytes stored: codes + 4 per scale + 4 per zero point (affine only; symmetric ones are 0)."""
        n = self.codes.numel() * self.codes.element_size() + 4 * self.scale.numel()
        if self.scheme == "affine":
            n += 4 * self.zero_point.numel()
        return n

    def int_codes(self) -> torch.Tensor:
        """The integer codes as an int8 tensor of the original shape (unpacked if needed)."""
        if self.packed:
            return unpack_int4(self.codes, math.prod(self.shape)).reshape(self.shape)
        return self.codes

    def __repr__(self) -> str:
        extra = f", group_size={self.group_size}" if self.granularity == "group" else ""
        extra += f", axis={self.axis}" if self.granularity == "channel" else ""
        return (
            f"QTensor(shape={self.shape}, bits={self.bits}, scheme={self.scheme!r}, "
            f"granularity={self.granularity!r}{extra}, packed={self.packed}, nbytes={self.nbytes})"
        )


def _blocks(x: torch.Tensor, granularity: str, axis: int, group_size: int | None) -> torch.Tensor:
    """A view of ``x`` whose last dimension holds the values that share one scale."""
    if granularity == "tensor":
        return x.reshape(-1)
    if granularity == "channel":
        return x.movedim(axis, 0).reshape(x.shape[axis], -1)
    return x.reshape(x.shape[0], -1, group_size)


def _expand(param: torch.Tensor, shape: tuple[int, ...], granularity: str, axis: int,
            group_size: int | None) -> torch.Tensor:
    """Broadcast a per-tensor / per-channel / per-group parameter to the elements of ``shape``."""
    if granularity == "tensor":
        return param
    if granularity == "channel":
        view = [1] * len(shape)
        view[axis] = -1
        return param.reshape(view)
    return param.repeat_interleave(group_size, dim=1).reshape(shape)


def _check_layout(x: torch.Tensor, granularity: str, axis, group_size) -> tuple[int, int | None]:
    """Validate ``axis`` and ``group_size`` for ``granularity``; return the normalised pair."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    if granularity != "group" and group_size is not None:
        raise ValueError(f"group_size is only used with granularity='group', got {group_size!r}")
    if granularity == "tensor":
        return 0, None
    if x.ndim == 0:
        raise ValueError(f"granularity={granularity!r} needs x with at least 1 dimension, got a 0-d tensor")
    if granularity == "channel":
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"axis must be in [{-x.ndim}, {x.ndim - 1}] for x of {x.ndim} dims, got {axis}")
        return axis % x.ndim, None
    if group_size is None:
        raise ValueError("group_size must be given (an int >= 1) when granularity='group'")
    group_size = check_int(group_size, "group_size", 1)
    cols = x.numel() // x.shape[0]
    if cols % group_size:
        raise ValueError(
            f"group_size must divide the row length {cols} (x viewed as ({x.shape[0]}, {cols})), "
            f"got {group_size}"
        )
    return 0, group_size


# --------------------------------------------------------------------------- quantize / dequantize


def quantize(
    x: torch.Tensor,
    bits: int = 8,
    scheme: str = "symmetric",
    granularity: str = "tensor",
    axis: int = 0,
    group_size: int | None = None,
    pack: bool = False,
) -> QTensor:
    """Quantize ``x`` to ``bits``-bit integer codes; see the module docstring for the formulas.

    ``granularity``: ``"tensor"`` (one scale), ``"channel"`` (one scale per slice along ``axis``) or
    ``"group"`` (x viewed as ``(x.shape[0], -1)``, one scale per ``group_size`` consecutive values of a
    row). A slice of zeros gets scale 1.0. ``pack=True`` (bits <= 4) stores two codes per byte.
    """
    x = _check_float_tensor(x)
    bits = _check_bits(bits)
    qmin, qmax = qrange(bits, scheme)
    granularity = _check_choice(granularity, "granularity", GRANULARITIES)
    axis, group_size = _check_layout(x, granularity, axis, group_size)
    if check_bool(pack, "pack") and bits > 4:
        raise ValueError(f"pack=True needs bits <= 4 (two codes per byte), got bits={bits}")

    _check_float32_range(x)
    work = x.detach().to(torch.promote_types(x.dtype, torch.float32))  # float64 stays float64
    blocks = _blocks(work, granularity, axis, group_size)
    if scheme == "symmetric":  # the range statistics in float64, so that max - min cannot overflow
        scale = blocks.abs().amax(dim=-1).double() / qmax
    else:
        lo = blocks.amin(dim=-1).clamp(max=0).double()
        hi = blocks.amax(dim=-1).clamp(min=0).double()
        scale = (hi - lo) / (qmax - qmin)  # <= 2 * 3.4e38 / 3: finite in float64 and in float32
    # a slice of zeros gets scale 1; a tinier scale than float32 can hold gets its smallest subnormal.
    # Rounding to float32 is to nearest, except that a subnormal scale (few significant bits, so up
    # to 50% off) rounds up: rounded down, the slice's extreme values would land far past the last code
    scale = torch.where(scale > 0, scale.clamp(min=F32_SUBNORMAL), torch.ones_like(scale))
    scale32 = scale.float()
    up = (scale32.double() < scale) & (scale32 < F32_TINY)
    scale = torch.where(up, torch.nextafter(scale32, torch.full_like(scale32, math.inf)), scale32)
    if scheme == "symmetric":
        zero_point = torch.zeros(scale.shape, dtype=torch.int32, device=scale.device)
    else:
        zero_point = torch.round(qmin - lo / scale.double()).clamp(qmin, qmax).to(torch.int32)

    shape = tuple(x.shape)
    s = _expand(scale, shape, granularity, axis, group_size)
    z = _expand(zero_point, shape, granularity, axis, group_size).to(work.dtype)
    codes = torch.clamp(torch.round(work / s.to(work.dtype)) + z, qmin, qmax).to(torch.int8)
    if pack:
        codes = pack_int4(codes)
    return QTensor(codes=codes, scale=scale, zero_point=zero_point, bits=bits, scheme=scheme,
                   granularity=granularity, axis=axis, group_size=group_size, shape=shape, packed=pack)


def dequantize(q: QTensor) -> torch.Tensor:
    """``(codes - zero_point) * scale`` as a float32 tensor of the original shape.

    A step that lands just past float32's largest value (the scale of a slice reaching +-3.4e38 is
    rounded to float32) is clamped to it rather than ``inf``.
    """
    if not isinstance(q, QTensor):
        raise TypeError(f"q must be a QTensor (from quantize), got {type(q).__name__}")
    s = _expand(q.scale, q.shape, q.granularity, q.axis, q.group_size)
    z = _expand(q.zero_point, q.shape, q.granularity, q.axis, q.group_size).float()
    x_hat = (q.int_codes().float() - z) * s  # exact product rounded once: (codes - z) has <= 9 bits
    return x_hat.clamp(-F32_MAX, F32_MAX).reshape(q.shape)


def sqnr_db(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """Signal-to-quantization-noise ratio in dB: ``10 * log10(sum x**2 / sum (x - x_hat)**2)``.

    ``inf`` when ``x_hat == x``. Uniform quantization gains about 6.02 dB per extra bit.
    """
    x = _check_float_tensor(x, "x")
    x_hat = _check_float_tensor(x_hat, "x_hat")
    if x.shape != x_hat.shape:
        raise ValueError(f"x_hat must have the shape of x {tuple(x.shape)}, got {tuple(x_hat.shape)}")
    xd = x.detach().double()
    err = xd - x_hat.detach().double().to(xd.device)
    if not bool(err.any()):
        return math.inf
    if not bool(xd.any()):
        return -math.inf
    # both sums divided by the largest magnitude first: squares of huge (1e200) or tiny (1e-200)
    # values would overflow to inf or underflow to 0, the ratio does neither
    m = max(float(xd.abs().max()), float(err.abs().max()))
    signal = float(((xd / m) ** 2).sum())
    noise = float(((err / m) ** 2).sum())
    if noise == 0.0:  # err underflowed after the division: far below the signal
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 10.0 * (math.log10(signal) - math.log10(noise))


def fake_quantize(
    x: torch.Tensor,
    bits: int = 8,
    scheme: str = "symmetric",
    granularity: str = "tensor",
    axis: int = 0,
    group_size: int | None = None,
) -> torch.Tensor:
    """Quantize-dequantize in the forward pass, identity in the backward pass (straight-through).

    Returns ``x + (dequantize(quantize(x)) - x).detach()``: its value is the dequantized tensor, its
    gradient with respect to ``x`` is the identity. Quantization parameters come from ``x.detach()``.
    """
    x = _check_float_tensor(x)
    dq = dequantize(quantize(x.detach(), bits, scheme, granularity, axis, group_size))
    info = torch.finfo(x.dtype)
    if info.max < F32_MAX:  # a step past float16's 65504 would be inf: the last finite one is nearer
        dq = dq.clamp(info.min, info.max)
    dq = dq.to(x.dtype)
    return x + (dq - x).detach()


# --------------------------------------------------------------------------- whole models


@dataclass
class QuantReport:
    """Bytes of a quantized model's weights, layer by layer.

    ``layers``: stored bytes per layer (codes + scales + zero points + codebooks);
    ``fp32_bytes``: 4 x number of weight elements of those layers; ``quantized_bytes``: the sum of
    ``layers``; ``bias_bytes``: biases, kept in fp32, reported separately. ``ratio = fp32 / quantized``.
    """

    layers: dict[str, int] = field(default_factory=dict)
    fp32_bytes: int = 0
    quantized_bytes: int = 0
    bias_bytes: int = 0

    @property
    def ratio(self) -> float:
        """Compression ratio of the weights: ``fp32_bytes / quantized_bytes``."""
        return self.fp32_bytes / self.quantized_bytes if self.quantized_bytes else math.nan


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    found = [(name or "<root>", m) for name, m in model.named_modules() if isinstance(m, QUANTIZABLE)]
    if not found:
        raise ValueError("model must contain at least one nn.Linear or nn.Conv1d/2d/3d layer, found none")
    return found


def _bake_parametrization(layer: nn.Module) -> None:
    """Replace a parametrized ``weight`` by its current parametrized value, in place.

    A deep copy of a parametrized module shares its (generated) class with the original, and
    ``remove_parametrizations`` deletes the ``weight`` property from that class, which would break
    the original too; so the copy first gets a class of its own.
    """
    cls = type(layer)
    own = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    layer.__class__ = type(cls.__name__, cls.__bases__, own)
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)


def _check_model(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _layers(model)
    return model


def quantize_model(
    model: nn.Module,
    bits: int = 8,
    scheme: str = "symmetric",
    granularity: str = "channel",
    group_size: int | None = None,
    method: str = "uniform",
    pack: bool | None = None,
) -> tuple[nn.Module, QuantReport]:
    """Simulated quantization: a deep copy of ``model`` whose Linear/Conv weights are dequantized.

    Every nn.Linear and nn.Conv1d/2d/3d weight is quantized (per-channel axis 0 = output channels;
    ``method="kmeans"`` uses one k-means codebook per layer and ignores scheme/granularity/group_size)
    and replaced by its dequantized value, so the copy still runs in float. Biases stay fp32. ``pack``
    defaults to ``bits <= 4``. A weight under a parametrization (e.g. from ``fake_quant_model``) is
    first fixed to its parametrized value. ``model`` itself is not modified.
    """
    from .kmeans import kmeans_dequantize, kmeans_quantize

    _check_model(model)
    method = _check_choice(method, "method", METHODS)
    if method == "uniform":
        _check_bits(bits)
        qrange(bits, scheme)
        _check_choice(granularity, "granularity", GRANULARITIES)
    else:
        _check_bits(bits, 1, 8)
    pack = bits <= 4 if pack is None else check_bool(pack, "pack")

    qmodel = copy.deepcopy(model)
    report = QuantReport()
    for name, layer in _layers(qmodel):
        if parametrize.is_parametrized(layer, "weight"):
            _bake_parametrization(layer)
        w = layer.weight.detach()
        if method == "uniform":
            q = quantize(w, bits, scheme, granularity, axis=0, group_size=group_size, pack=pack)
            w_hat, nbytes = dequantize(q), q.nbytes
        else:
            k = kmeans_quantize(w, bits, pack=pack)
            w_hat, nbytes = kmeans_dequantize(k), k.nbytes
        with torch.no_grad():
            layer.weight.copy_(w_hat.to(dtype=w.dtype, device=w.device))
        report.layers[name] = nbytes
        report.fp32_bytes += 4 * w.numel()
        report.quantized_bytes += nbytes
        if layer.bias is not None:
            report.bias_bytes += 4 * layer.bias.numel()
    return qmodel, report


class FakeQuantize(nn.Module):
    """A parametrization: ``weight -> fake_quantize(weight, ...)`` (per-channel axis 0)."""

    def __init__(self, bits: int = 4, scheme: str = "symmetric", granularity: str = "channel"):
        super().__init__()
        qrange(bits, scheme)
        self.bits, self.scheme = bits, scheme
        self.granularity = _check_choice(granularity, "granularity", ("tensor", "channel"))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return fake_quantize(weight, self.bits, self.scheme, self.granularity, axis=0)

    def extra_repr(self) -> str:
        return f"bits={self.bits}, scheme={self.scheme!r}, granularity={self.granularity!r}"


def fake_quant_model(
    model: nn.Module, bits: int = 4, scheme: str = "symmetric", granularity: str = "channel"
) -> nn.Module:
    """A deep copy of ``model`` ready for quantization-aware training (QAT).

    Each nn.Linear / nn.Conv1d/2d/3d weight gets a ``FakeQuantize`` parametrization: the forward pass
    uses the quantized-dequantized weight, and the straight-through estimator passes gradients to the
    underlying fp32 weight (``layer.parametrizations.weight.original``). ``granularity`` is
    ``"tensor"`` or ``"channel"``. Export with ``quantize_model`` using the same settings.
    """
    _check_model(model)
    FakeQuantize(bits, scheme, granularity)  # validate before copying
    qat = copy.deepcopy(model)
    for _, layer in _layers(qat):
        parametrize.register_parametrization(layer, "weight", FakeQuantize(bits, scheme, granularity))
    return qat
