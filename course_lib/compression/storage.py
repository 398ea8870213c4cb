"""What a sparse matrix really costs to store: every value, index, pointer, bitmask bit and scale.

Zeros only save memory once the bookkeeping that says *where* the non-zeros are costs less than the
zeros themselves. For a ``rows x cols`` matrix with ``nnz`` non-zeros (all counts in bytes):

* dense:   ``ceil(numel * bits / 8)``
* CSR:     values ``ceil(nnz * value_bits / 8)`` + column indices ``nnz * index_bits / 8``
           + row pointers ``(rows + 1) * index_bits / 8``
* bitmask: one bit per entry ``ceil(numel / 8)`` + values ``ceil(nnz * value_bits / 8)`` + scales

With fp32 values and int32 indices CSR needs 8 bytes per non-zero against 4 per dense entry, so it
only wins beyond about 50 % sparsity; a bitmask costs 1/32 of the dense fp32 size plus the values, so
it wins from about 3 % sparsity (:func:`break_even_sparsity`). ``to_csr`` and ``to_bitmask`` build the
formats from real tensors whose ``nbytes`` equal these formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._validate import check_int

INDEX_DTYPES = {16: torch.int16, 32: torch.int32, 64: torch.int64}
FORMATS = ("csr", "bitmask")


# ----------------------------------------------------------------------------------- checks
def _check_index_bits(index_bits: int) -> int:
    if isinstance(index_bits, bool) or index_bits not in INDEX_DTYPES:
        raise ValueError(f"index_bits must be one of 16, 32, 64, got {index_bits!r}")
    return int(index_bits)


def _check_fits(index_bits: int, cols: int, nnz: int) -> None:
    """Indices are signed integers (torch.int16/int32/int64): the largest column index ``cols - 1``
    and the last row pointer ``nnz`` must be at most ``2**(index_bits - 1) - 1``."""
    largest = 2 ** (index_bits - 1) - 1
    if cols - 1 > largest:
        raise ValueError(f"index_bits={index_bits} cannot index cols={cols} columns "
                         f"(signed indices hold at most {largest}); use a wider index_bits")
    if nnz > largest:
        raise ValueError(f"index_bits={index_bits} cannot hold row pointers up to nnz={nnz} "
                         f"(signed indices hold at most {largest}); use a wider index_bits")


def _bytes(n_items: int, bits: int) -> int:
    return -(-n_items * bits // 8)  # ceil without floating point


# ------------------------------------------------------------------------------------ formulas
def dense_bytes(numel: int, bits: int = 32) -> int:
    """Bytes of ``numel`` values of ``bits`` bits each, packed: ``ceil(numel * bits / 8)``."""
    numel = check_int(numel, "numel", 0)
    bits = check_int(bits, "bits", 1)
    return _bytes(numel, bits)


def _csr(rows: int, nnz: int, value_bits: int, index_bits: int) -> int:
    return _bytes(nnz, value_bits) + _bytes(nnz, index_bits) + _bytes(rows + 1, index_bits)


def _bitmask(numel: int, nnz: int, value_bits: int, scale_bytes: int = 0) -> int:
    return _bytes(numel, 1) + _bytes(nnz, value_bits) + scale_bytes


def csr_bytes(rows: int, cols: int, nnz: int, value_bits: int = 32, index_bits: int = 32) -> int:
    """Compressed sparse row storage: ``ceil(nnz * value_bits / 8)`` for the values
    + ``nnz * index_bits / 8`` for the column indices + ``(rows + 1) * index_bits / 8`` for the row
    pointers. ``index_bits`` is 16, 32 or 64 (signed, as torch stores them) and must be wide enough
    for the column indices and for ``nnz``.
    """
    rows = check_int(rows, "rows", 0)
    cols = check_int(cols, "cols", 0)
    nnz = check_int(nnz, "nnz", 0)
    value_bits = check_int(value_bits, "value_bits", 1)
    index_bits = _check_index_bits(index_bits)
    if nnz > rows * cols:
        raise ValueError(f"nnz must be in [0, rows * cols = {rows * cols}], got {nnz}")
    _check_fits(index_bits, cols, nnz)
    return _csr(rows, nnz, value_bits, index_bits)


def bitmask_bytes(numel: int, nnz: int, value_bits: int = 32, scale_bytes: int = 0) -> int:
    """One bit per entry plus the non-zero values plus any scales:
    ``ceil(numel / 8) + ceil(nnz * value_bits / 8) + scale_bytes``."""
    numel = check_int(numel, "numel", 0)
    nnz = check_int(nnz, "nnz", 0)
    value_bits = check_int(value_bits, "value_bits", 1)
    scale_bytes = check_int(scale_bytes, "scale_bytes", 0)
    if nnz > numel:
        raise ValueError(f"nnz must be in [0, numel = {numel}], got {nnz}")
    return _bitmask(numel, nnz, value_bits, scale_bytes)


def break_even_sparsity(fmt: str, rows: int, cols: int, value_bits: int = 32, index_bits: int = 32,
                        dense_bits: int = 32) -> float:
    """The smallest sparsity at which ``fmt`` ("csr" or "bitmask") takes no more bytes than dense
    storage with ``dense_bits`` per value: ``1 - nnz* / (rows * cols)`` where ``nnz*`` is the largest
    non-zero count with ``bytes(nnz*) <= dense_bytes(rows * cols, dense_bits)``.

    Ignoring rounding, CSR breaks even at ``1 - (dense_bits - (rows + 1) * index_bits / numel)
    / (value_bits + index_bits)`` (0.5 for fp32 values, int32 indices and a large matrix) and a
    bitmask at ``1 - (dense_bits - 1) / value_bits`` (1/32 for fp32). Returns 1.0 when the format is
    never smaller (even with no non-zero at all) and 0.0 when it always is.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    rows = check_int(rows, "rows", 1)
    cols = check_int(cols, "cols", 1)
    value_bits = check_int(value_bits, "value_bits", 1)
    dense_bits = check_int(dense_bits, "dense_bits", 1)
    index_bits = _check_index_bits(index_bits)
    numel = rows * cols
    if fmt == "csr":
        _check_fits(index_bits, cols, 0)  # row pointers are not checked: this is about the formula

        def cost(nnz: int) -> int:
            return _csr(rows, nnz, value_bits, index_bits)
    else:
        def cost(nnz: int) -> int:
            return _bitmask(numel, nnz, value_bits)

    budget = _bytes(numel, dense_bits)
    if cost(0) > budget:
        return 1.0
    low, high = 0, numel  # invariant: cost(low) <= budget; binary search for the largest such nnz
    while low < high:
        mid = (low + high + 1) // 2
        if cost(mid) <= budget:
            low = mid
        else:
            high = mid - 1
    return 1.0 - low / numel


def format_table(shape: tuple[int, int], sparsity: float, value_bits: int = 32, index_bits: int = 32,
                 scale_bytes: int = 0) -> list[dict]:
    """Rows ``{"format", "bytes", "ratio"}`` for a ``rows x cols`` matrix pruned to ``sparsity``
    (``floor(sparsity * numel)`` zeros, as in ``magnitude_mask``): dense fp32, dense at
    ``value_bits`` (if not 32), CSR and bitmask. ``ratio`` is bytes / dense fp32 bytes (0.25 = four
    times smaller). Handy for a notebook table: ``pandas.DataFrame(format_table((512, 512), 0.9))``.
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"shape must be (rows, cols), got {shape!r}")
    rows = check_int(shape[0], "shape[0]", 1)
    cols = check_int(shape[1], "shape[1]", 1)
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float, np.integer, np.floating)):
        raise TypeError(f"sparsity must be a number in [0, 1], got {sparsity!r}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    numel = rows * cols
    nnz = numel - math.floor(sparsity * numel)
    reference = dense_bytes(numel, 32)
    table = [("dense fp32", reference)]
    if value_bits != 32:
        table.append((f"dense {value_bits}-bit", dense_bytes(numel, value_bits)))
    table.append((f"CSR (int{index_bits} indices)", csr_bytes(rows, cols, nnz, value_bits, index_bits)))
    table.append(("bitmask", bitmask_bytes(numel, nnz, value_bits, scale_bytes)))
    return [{"format": name, "bytes": size, "ratio": size / reference} for name, size in table]


# --------------------------------------------------------------------------- real tensors
@dataclass
class CSR:
    """A 2-D tensor in compressed sparse row form: row ``r``'s non-zeros are
    ``values[row_ptr[r]:row_ptr[r + 1]]`` in the columns ``col_indices[row_ptr[r]:row_ptr[r + 1]]``."""

    values: torch.Tensor
    col_indices: torch.Tensor
    row_ptr: torch.Tensor
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        return int(self.values.numel())

    @property
    def nbytes(self) -> int:
        """Bytes actually held: values + column indices + row pointers."""
        return int(self.values.nbytes + self.col_indices.nbytes + self.row_ptr.nbytes)


@dataclass
class Bitmask:
    """A tensor as a packed bit per entry (``1`` = non-zero, most significant bit first, as
    ``numpy.packbits``) plus its non-zero values in row-major order."""

    bits: torch.Tensor
    values: torch.Tensor
    shape: tuple[int, ...]

    @property
    def nnz(self) -> int:
        return int(self.values.numel())

    @property
    def nbytes(self) -> int:
        """Bytes actually held: packed bits + values."""
        return int(self.bits.nbytes + self.values.nbytes)


def _check_tensor(name: str, w: torch.Tensor) -> torch.Tensor:
    if not isinstance(w, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(w).__name__}")
    return w.detach()


def to_csr(w: torch.Tensor, index_dtype: torch.dtype = torch.int32) -> CSR:
    """The non-zeros of the 2-D tensor ``w`` in CSR form; ``nbytes`` equals
    ``csr_bytes(rows, cols, nnz, value_bits=8 * w.element_size(), index_bits=...)``."""
    w = _check_tensor("w", w)
    if w.dim() != 2:
        raise ValueError(f"w must be 2-D (rows, cols), got shape {tuple(w.shape)}")
    bits = {dtype: b for b, dtype in INDEX_DTYPES.items()}.get(index_dtype)
    if bits is None:
        raise ValueError(f"index_dtype must be torch.int16, torch.int32 or torch.int64, got {index_dtype!r}")
    rows, cols = w.shape
    nonzero = w != 0
    _check_fits(bits, cols, int(nonzero.sum()))
    positions = nonzero.nonzero()
    row_ptr = torch.zeros(rows + 1, dtype=torch.int64, device=w.device)
    row_ptr[1:] = torch.cumsum(nonzero.sum(dim=1), dim=0)
    return CSR(values=w[nonzero].clone(), col_indices=positions[:, 1].to(index_dtype),
               row_ptr=row_ptr.to(index_dtype), shape=(rows, cols))


def from_csr(csr: CSR) -> torch.Tensor:
    """The dense tensor that ``csr`` stores (inverse of :func:`to_csr`)."""
    if not isinstance(csr, CSR):
        raise TypeError(f"csr must be a CSR (from to_csr), got {type(csr).__name__}")
    rows, _ = csr.shape
    dense = torch.zeros(csr.shape, dtype=csr.values.dtype, device=csr.values.device)
    counts = torch.diff(csr.row_ptr.long())
    row_of = torch.repeat_interleave(torch.arange(rows, device=csr.values.device), counts)
    dense[row_of, csr.col_indices.long()] = csr.values
    return dense


_WEIGHTS = 2 ** torch.arange(7, -1, -1, dtype=torch.int32)  # 128, 64, ..., 1: MSB first


def to_bitmask(w: torch.Tensor) -> Bitmask:
    """A packed bitmask of ``w != 0`` (``ceil(numel / 8)`` uint8 bytes) and the non-zero values;
    ``nbytes`` equals ``bitmask_bytes(numel, nnz, value_bits=8 * w.element_size())``."""
    w = _check_tensor("w", w)
    flat = (w != 0).flatten()
    padded = torch.zeros(_bytes(flat.numel(), 1) * 8, dtype=torch.int32, device=w.device)
    padded[:flat.numel()] = flat
    bits = (padded.reshape(-1, 8) * _WEIGHTS.to(w.device)).sum(dim=1).to(torch.uint8)
    return Bitmask(bits=bits, values=w.flatten()[flat].clone(), shape=tuple(w.shape))


def from_bitmask(mask: Bitmask) -> torch.Tensor:
    """The dense tensor that ``mask`` stores (inverse of :func:`to_bitmask`)."""
    if not isinstance(mask, Bitmask):
        raise TypeError(f"mask must be a Bitmask (from to_bitmask), got {type(mask).__name__}")
    numel = math.prod(mask.shape)
    unpacked = (mask.bits.to(torch.int32)[:, None] & _WEIGHTS.to(mask.bits.device)) != 0
    nonzero = unpacked.flatten()[:numel]
    dense = torch.zeros(numel, dtype=mask.values.dtype, device=mask.values.device)
    dense[nonzero] = mask.values
    return dense.reshape(mask.shape)


def to_torch_csr(w: torch.Tensor) -> torch.Tensor:
    """``w.to_sparse_csr()`` — PyTorch's own CSR tensor, which its sparse matrix products take —
    without the "Sparse CSR tensor support is in beta state" warning that PyTorch prints the first
    time (the format is used here only to time a product, which it supports)."""
    import warnings

    w = _check_tensor("w", w)
    if w.dim() != 2:
        raise ValueError(f"w must be 2-D (rows, cols), got shape {tuple(w.shape)}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")
        return w.to_sparse_csr()
