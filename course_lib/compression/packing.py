"""Codes packed at their own bit width: four 2-bit codes per byte, eight 3-bit codes in three bytes.

``quantize(..., pack=True)`` and ``kmeans_quantize`` pack codes two per byte (nibbles) whatever their
width, so a 2-bit tensor stored that way takes as many bytes as a 4-bit one. ``pack_bits`` stores
``n`` codes of ``bits`` bits in ``ceil(n * bits / 8)`` bytes as one little-endian bit stream: code
``i`` holds bits ``i * bits .. (i + 1) * bits - 1`` of the stream, and stream bit ``j`` is bit
``j % 8`` (least significant first) of byte ``j // 8``. Signed codes are stored as their low
``bits`` bits (two's complement) and sign-extended when unpacked.

``packed_nbytes`` counts a quantized tensor with its codes packed this way, scales, zero points and
codebooks included; ``quantize_model_packed`` is ``quantize_model`` with that count in its report.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_bool, check_int
from .kmeans import KMeansTensor, kmeans_quantize
from .quantize import QTensor, QuantReport, _layers, quantize, quantize_model

__all__ = ["codes_nbytes", "pack_bits", "packed_nbytes", "quantize_model_packed", "unpack_bits"]


def _code_range(bits: int, signed: bool) -> tuple[int, int]:
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def pack_bits(codes: torch.Tensor, bits: int, signed: bool = True) -> torch.Tensor:
    """Pack integer ``codes`` (any shape, flattened row-major) at ``bits`` bits each (1..8) into a
    flat uint8 tensor of ``ceil(codes.numel() * bits / 8)`` bytes.

    Signed codes must lie in ``[-2**(bits-1), 2**(bits-1) - 1]``, unsigned ones in
    ``[0, 2**bits - 1]``; anything else is refused rather than silently wrapped.
    """
    if not isinstance(codes, torch.Tensor):
        raise TypeError(f"codes must be a torch.Tensor, got {type(codes).__name__}")
    if codes.is_floating_point() or codes.is_complex() or codes.dtype == torch.bool:
        raise TypeError(f"codes must be an integer tensor, got dtype {codes.dtype}")
    bits = check_int(bits, "bits", 1, 8)
    signed = check_bool(signed, "signed")
    lo, hi = _code_range(bits, signed)
    if codes.numel() and (int(codes.min()) < lo or int(codes.max()) > hi):
        kind = "signed" if signed else "unsigned"
        raise ValueError(f"{kind} {bits}-bit codes must be in [{lo}, {hi}], "
                         f"got values in [{int(codes.min())}, {int(codes.max())}]")
    flat = codes.detach().reshape(-1).to(torch.int32) & (2**bits - 1)
    positions = torch.arange(bits, dtype=torch.int32, device=flat.device)
    stream = ((flat[:, None] >> positions) & 1).reshape(-1)  # n * bits bits, code by code
    pad = (-stream.numel()) % 8
    if pad:
        stream = torch.cat([stream, stream.new_zeros(pad)])
    weights = 2 ** torch.arange(8, dtype=torch.int32, device=flat.device)
    return (stream.reshape(-1, 8) * weights).sum(dim=1).to(torch.uint8)


def unpack_bits(packed: torch.Tensor, bits: int, numel: int, signed: bool = True) -> torch.Tensor:
    """The first ``numel`` codes of ``pack_bits`` output, as a flat int16 tensor (sign-extended when
    ``signed``). ``packed`` must hold exactly ``ceil(numel * bits / 8)`` bytes."""
    if not isinstance(packed, torch.Tensor) or packed.dtype != torch.uint8:
        raise TypeError(f"packed must be a torch.uint8 tensor, got {getattr(packed, 'dtype', type(packed))}")
    bits = check_int(bits, "bits", 1, 8)
    numel = check_int(numel, "numel", 0)
    signed = check_bool(signed, "signed")
    if packed.numel() != -(-numel * bits // 8):
        raise ValueError(f"{numel} codes of {bits} bits take {-(-numel * bits // 8)} bytes, "
                         f"packed holds {packed.numel()}")
    bytes_ = packed.reshape(-1).to(torch.int32)
    stream = ((bytes_[:, None] >> torch.arange(8, dtype=torch.int32, device=bytes_.device)) & 1).reshape(-1)
    stream = stream[: numel * bits].reshape(numel, bits)
    values = (stream << torch.arange(bits, dtype=torch.int32, device=bytes_.device)).sum(dim=1)
    if signed:
        values = torch.where(values >= 2 ** (bits - 1), values - 2**bits, values)
    return values.to(torch.int16)


def _codes_and_params(t: QTensor | KMeansTensor) -> tuple[torch.Tensor, bool, int]:
    """(integer codes, signed?, bytes of the parameters stored beside them)."""
    if isinstance(t, QTensor):
        params = 4 * t.scale.numel() + (4 * t.zero_point.numel() if t.scheme == "affine" else 0)
        return t.int_codes(), True, params
    if isinstance(t, KMeansTensor):
        return t.indices(), False, 4 * t.codebook.numel()
    raise TypeError(f"t must be a QTensor (from quantize) or a KMeansTensor (from kmeans_quantize), "
                    f"got {type(t).__name__}")


def packed_nbytes(t: QTensor | KMeansTensor) -> int:
    """Bytes of ``t`` with its codes packed at ``t.bits`` bits each (``pack_bits``), plus its float32
    scales (and affine zero points) or its float32 codebook. The codes are really packed, and
    unpacking them is checked to give them back."""
    codes, signed, params = _codes_and_params(t)
    packed = pack_bits(codes, t.bits, signed=signed)
    if not torch.equal(unpack_bits(packed, t.bits, codes.numel(), signed), codes.reshape(-1).to(torch.int16)):
        raise AssertionError("pack_bits/unpack_bits did not round-trip")  # pragma: no cover
    return packed.numel() + params


def quantize_model_packed(
    model: nn.Module,
    bits: int = 8,
    scheme: str = "symmetric",
    granularity: str = "channel",
    group_size: int | None = None,
    method: str = "uniform",
) -> tuple[nn.Module, QuantReport]:
    """``quantize_model`` (same arguments, same quantized copy), with a report whose bytes count the
    codes packed at ``bits`` bits each: a 2-bit layer of ``n`` weights takes ``ceil(n / 4)`` bytes
    of codes instead of ``ceil(n / 2)``. Scales, zero points and codebooks are counted as before;
    biases stay fp32 and are reported apart (``bias_bytes``)."""
    qmodel, nibble_report = quantize_model(model, bits, scheme, granularity, group_size, method)
    report = QuantReport(fp32_bytes=nibble_report.fp32_bytes, bias_bytes=nibble_report.bias_bytes)
    for name, layer in _layers(model):
        w = layer.weight.detach()  # the parametrized value under fake_quant_model, as quantize_model sees it
        t = (quantize(w, bits, scheme, granularity, axis=0, group_size=group_size) if method == "uniform"
             else kmeans_quantize(w, bits, pack=False))
        report.layers[name] = packed_nbytes(t)
        report.quantized_bytes += report.layers[name]
    if report.quantized_bytes > nibble_report.quantized_bytes:  # dense packing never takes more
        raise AssertionError("packed bytes exceed the nibble-packed count")  # pragma: no cover
    return qmodel, report


def codes_nbytes(numel: int, bits: int) -> int:
    """``ceil(numel * bits / 8)``: bytes of ``numel`` codes packed at ``bits`` bits each."""
    return -(-check_int(numel, "numel", 0) * check_int(bits, "bits", 1, 8) // 8)
