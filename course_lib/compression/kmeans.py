"""Non-uniform (k-means) weight quantization: a small codebook plus an index per weight.

The ``2**bits`` codebook values are found by 1-D k-means (Lloyd's algorithm) on the weights, so
that they sit where the weights are dense; each weight then stores the index of its nearest
codebook value::

    index_i  = argmin_k |x_i - c_k|                     (assignment step)
    c_k      = mean{x_i : index_i = k}                  (update step)
    x_hat_i  = c[index_i]                               (dequantize)

Lloyd's algorithm never increases the squared error ``sum_i (x_i - x_hat_i)**2``. The centroids
start at ``2**bits`` values linearly spaced between min(x) and max(x) (deterministic); a cluster
that loses all its points is re-seeded at a data value drawn with probability proportional to its
squared error (seeded by ``seed``). Indices of 4 bits or fewer are packed two per byte. The codebook
is float32, so a float64 tensor with values beyond float32's ``+-3.4e38`` is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .._validate import check_bool, check_int
from .quantize import (
    _check_bits,
    _check_float32_range,
    _check_float_tensor,
    _pack_nibbles,
    _unpack_nibbles,
)

MAX_SEED = 2**32 - 1


@dataclass(frozen=True, eq=False, repr=False)
class KMeansTensor:
    """A k-means quantized tensor: ``codebook[indices]`` reconstructs it.

    ``codes`` holds uint8 indices with the original shape, or (``packed=True``, bits <= 4) a flat
    uint8 tensor of ``ceil(numel / 2)`` bytes with two indices each (low nibble = even index).
    ``codebook`` is float32 with ``2**bits`` entries, sorted.
    """

    codes: torch.Tensor
    codebook: torch.Tensor
    bits: int
    shape: tuple[int, ...]
    packed: bool

    @property
    def nbytes(self) -> int:
        """Bytes stored: ``codes.numel() * codes.element_size() + 4 * codebook.numel()``."""
        return self.codes.numel() * self.codes.element_size() + 4 * self.codebook.numel()

    def indices(self) -> torch.Tensor:
        """The codebook index of every element, int64, original shape."""
        if self.packed:
            return _unpack_nibbles(self.codes, math.prod(self.shape)).to(torch.int64).reshape(self.shape)
        return self.codes.to(torch.int64)

    def __repr__(self) -> str:
        return (f"KMeansTensor(shape={self.shape}, bits={self.bits}, packed={self.packed}, "
                f"nbytes={self.nbytes})")


def _assign(x: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """Index of the nearest centroid (centroids sorted): compare with the midpoints between them."""
    return torch.bucketize(x, (centroids[1:] + centroids[:-1]) / 2)


def kmeans_quantize(
    x: torch.Tensor, bits: int = 2, iters: int = 25, seed: int = 0, pack: bool = True
) -> KMeansTensor:
    """1-D k-means quantization of the values of ``x`` with ``2**bits`` clusters (bits in 1..8).

    Runs at most ``iters`` Lloyd iterations (0 keeps the linearly spaced initial codebook, i.e. a
    uniform quantizer between min and max) and stops early when the codebook no longer changes.
    ``pack=True`` stores two indices per byte when bits <= 4 (it is ignored for more bits).
    """
    x = _check_float32_range(_check_float_tensor(x))
    bits = _check_bits(bits, 1, 8)
    iters = check_int(iters, "iters", 0)
    seed = check_int(seed, "seed", 0, MAX_SEED)
    pack = check_bool(pack, "pack") and bits <= 4

    values = x.detach().reshape(-1).to(torch.float64)
    k = 2**bits
    generator = torch.Generator().manual_seed(seed)
    centroids = torch.linspace(float(values.min()), float(values.max()), k,
                               dtype=torch.float64, device=values.device)
    for _ in range(iters):
        idx = _assign(values, centroids)
        counts = torch.bincount(idx, minlength=k)
        sums = torch.bincount(idx, weights=values, minlength=k)
        updated = torch.where(counts > 0, sums / counts.clamp(min=1), centroids)
        empty = torch.nonzero(counts == 0).flatten().tolist()
        if empty:
            err = (values - updated[idx]).abs().cpu()
            err = (err / err.max().clamp(min=torch.finfo(err.dtype).tiny)) ** 2  # no overflow/underflow
            n_positive = int((err > 0).sum())
            if n_positive:  # else: fewer distinct values than clusters; leave the spares alone
                picks = torch.multinomial(err, min(len(empty), n_positive), generator=generator)
                updated[empty[: len(picks)]] = values[picks.to(values.device)]
        updated = torch.sort(updated).values
        if torch.equal(updated, centroids):
            break
        centroids = updated
    idx = _assign(values, centroids)
    codes = idx.to(torch.uint8)
    codes = _pack_nibbles(codes) if pack else codes.reshape(x.shape)
    return KMeansTensor(codes=codes, codebook=centroids.to(torch.float32), bits=bits,
                        shape=tuple(x.shape), packed=pack)


def kmeans_dequantize(k: KMeansTensor) -> torch.Tensor:
    """``codebook[indices]``: a float32 tensor of the original shape."""
    if not isinstance(k, KMeansTensor):
        raise TypeError(f"k must be a KMeansTensor (from kmeans_quantize), got {type(k).__name__}")
    return k.codebook[k.indices()]
