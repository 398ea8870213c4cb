from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_lib.compression import latency
from course_lib.compression.latency import Timing, compare, int8_linear, measure
from course_lib.compression.storage import (
    CSR,
    Bitmask,
    bitmask_bytes,
    break_even_sparsity,
    csr_bytes,
    dense_bytes,
    format_table,
    from_bitmask,
    from_csr,
    to_bitmask,
    to_csr,
)

SETTINGS = settings(max_examples=40, deadline=None)
INDEX = {16: torch.int16, 32: torch.int32, 64: torch.int64}


def sparse_tensor(shape: tuple[int, ...], density: float, seed: int, dtype=torch.float32) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    values = torch.randn(shape, generator=gen) * 10
    keep = torch.rand(shape, generator=gen) < density
    return (values * keep).to(dtype)


# ------------------------------------------------------------------------------------ formulas
def test_dense_bytes_rounds_up_to_whole_bytes():
    assert dense_bytes(10) == 40
    assert dense_bytes(10, 4) == 5
    assert dense_bytes(3, 4) == 2
    assert dense_bytes(0) == 0
    with pytest.raises(ValueError, match="numel"):
        dense_bytes(-1)
    with pytest.raises(ValueError, match="bits"):
        dense_bytes(4, 0)


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 300), st.floats(0, 1), st.sampled_from([4, 8, 16, 32]),
       st.sampled_from([16, 32, 64]))
def test_csr_and_bitmask_bytes_follow_their_formulas(rows, cols, density, value_bits, index_bits):
    nnz = round(density * rows * cols)
    assume(index_bits > 16 or nnz < 2**15)
    values = math.ceil(nnz * value_bits / 8)
    assert csr_bytes(rows, cols, nnz, value_bits, index_bits) == (
        values + nnz * index_bits // 8 + (rows + 1) * index_bits // 8)
    assert bitmask_bytes(rows * cols, nnz, value_bits, 12) == math.ceil(rows * cols / 8) + values + 12


def test_csr_bytes_example_and_range_checks():
    # 4 x 5 with 6 non-zeros: 24 bytes of values, 24 of column indices, 20 of row pointers
    assert csr_bytes(4, 5, 6) == 68
    assert csr_bytes(4, 5, 6, value_bits=8, index_bits=16) == 6 + 12 + 10
    with pytest.raises(ValueError, match="index_bits must be one of 16, 32, 64"):
        csr_bytes(4, 5, 6, index_bits=8)
    with pytest.raises(ValueError, match="index_bits must be one of"):
        csr_bytes(4, 5, 6, index_bits=True)
    with pytest.raises(ValueError, match="index_bits=16 cannot index cols=40000"):
        csr_bytes(1, 40000, 10, index_bits=16)
    with pytest.raises(ValueError, match="index_bits=16 cannot hold row pointers up to nnz=40000"):
        csr_bytes(100, 1000, 40000, index_bits=16)
    assert csr_bytes(1, 32768, 10, index_bits=16) == 40 + 20 + 4  # column index 32767 still fits
    with pytest.raises(ValueError, match="nnz"):
        csr_bytes(2, 2, 5)
    with pytest.raises(TypeError, match="rows"):
        csr_bytes(2.0, 2, 1)
    with pytest.raises(ValueError, match="nnz"):
        bitmask_bytes(4, 5)
    with pytest.raises(ValueError, match="scale_bytes"):
        bitmask_bytes(4, 2, scale_bytes=-1)


# ------------------------------------------------------------------------------ real tensors
@SETTINGS
@given(st.integers(1, 20), st.integers(1, 20), st.floats(0, 1), st.integers(0, 2**16),
       st.sampled_from([torch.float32, torch.float16, torch.int8]), st.sampled_from([16, 32, 64]))
def test_to_csr_bytes_match_the_formula_and_round_trip(rows, cols, density, seed, dtype, index_bits):
    w = sparse_tensor((rows, cols), density, seed, dtype)
    csr = to_csr(w, INDEX[index_bits])
    nnz = int((w != 0).sum())
    assert isinstance(csr, CSR) and csr.nnz == nnz
    assert csr.col_indices.dtype == csr.row_ptr.dtype == INDEX[index_bits]
    assert csr.nbytes == csr_bytes(rows, cols, nnz, 8 * w.element_size(), index_bits)
    assert csr.nbytes == csr.values.nbytes + csr.col_indices.nbytes + csr.row_ptr.nbytes
    assert torch.equal(from_csr(csr), w)


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_to_csr_agrees_with_torch():
    w = sparse_tensor((6, 9), 0.3, 0)
    ours, theirs = to_csr(w, torch.int64), w.to_sparse_csr()
    assert torch.equal(ours.row_ptr, theirs.crow_indices())
    assert torch.equal(ours.col_indices, theirs.col_indices())
    assert torch.equal(ours.values, theirs.values())


def test_to_csr_rejects_bad_input():
    with pytest.raises(ValueError, match="w must be 2-D"):
        to_csr(torch.ones(3))
    with pytest.raises(ValueError, match="index_dtype"):
        to_csr(torch.ones(2, 2), torch.uint8)
    with pytest.raises(ValueError, match="index_bits=16 cannot index"):
        to_csr(torch.ones(1, 40000), torch.int16)
    with pytest.raises(TypeError, match="csr"):
        from_csr(torch.ones(2, 2))


@SETTINGS
@given(st.lists(st.integers(1, 7), min_size=1, max_size=3), st.floats(0, 1), st.integers(0, 2**16),
       st.sampled_from([torch.float32, torch.float16, torch.int8]))
def test_to_bitmask_bytes_match_the_formula_and_round_trip(shape, density, seed, dtype):
    w = sparse_tensor(tuple(shape), density, seed, dtype)
    packed = to_bitmask(w)
    nnz = int((w != 0).sum())
    assert isinstance(packed, Bitmask) and packed.bits.dtype == torch.uint8
    assert packed.nbytes == bitmask_bytes(w.numel(), nnz, 8 * w.element_size())
    assert packed.bits.numpy().tolist() == np.packbits((w != 0).flatten().numpy()).tolist()
    assert torch.equal(from_bitmask(packed), w)


# ----------------------------------------------------------------------------- break-even
def test_break_even_csr_is_about_one_half_and_bitmask_about_one_32nd():
    csr = break_even_sparsity("csr", 4096, 4096)
    assert csr == pytest.approx(0.5, abs=1e-3)
    assert csr >= 0.5  # the row pointers cost a little extra
    assert break_even_sparsity("bitmask", 4096, 4096) == pytest.approx(1 / 32, abs=1e-6)
    # fp16 values with int16 indices against fp32 dense: 4 bytes per non-zero vs 4 per entry
    assert break_even_sparsity("csr", 1024, 1024, 16, 16, 32) == pytest.approx(0.0, abs=1e-3)
    # int8 values against int8 dense: the bitmask needs 1 - 7/8 sparsity
    assert break_even_sparsity("bitmask", 1024, 1024, 8, dense_bits=8) == pytest.approx(1 / 8, abs=1e-6)


@SETTINGS
@given(st.sampled_from(["csr", "bitmask"]), st.integers(1, 200), st.integers(1, 200),
       st.sampled_from([8, 16, 32]), st.sampled_from([16, 32, 64]), st.sampled_from([8, 16, 32]))
def test_break_even_agrees_with_direct_byte_counts_on_both_sides(fmt, rows, cols, value_bits, index_bits,
                                                                  dense_bits):
    numel = rows * cols
    s = break_even_sparsity(fmt, rows, cols, value_bits, index_bits, dense_bits)
    assert 0.0 <= s <= 1.0
    dense = dense_bytes(numel, dense_bits)

    def size(nnz: int) -> int:  # the formulas, written out independently of the library
        values = math.ceil(nnz * value_bits / 8)
        if fmt == "csr":
            return values + (nnz + rows + 1) * index_bits // 8
        return math.ceil(numel / 8) + values

    nnz = round((1 - s) * numel)
    if s == 1.0 and size(0) > dense:
        return  # never smaller
    assert size(nnz) <= dense  # at the break-even point the format fits ...
    if nnz < numel:
        assert size(nnz + 1) > dense  # ... and one more non-zero (a smaller sparsity) does not


def test_break_even_returns_one_when_never_smaller_and_rejects_bad_input():
    assert break_even_sparsity("csr", 4, 1, 32, 64, 8) == 1.0
    with pytest.raises(ValueError, match="fmt"):
        break_even_sparsity("coo", 10, 10)
    with pytest.raises(ValueError, match="index_bits"):
        break_even_sparsity("csr", 10, 10, index_bits=24)
    with pytest.raises(ValueError, match="rows"):
        break_even_sparsity("csr", 0, 10)


def test_format_table_rows():
    table = format_table((100, 100), 0.9, value_bits=8)
    assert [row["format"] for row in table] == ["dense fp32", "dense 8-bit", "CSR (int32 indices)", "bitmask"]
    by_name = {row["format"]: row for row in table}
    assert by_name["dense fp32"]["bytes"] == 40000 and by_name["dense fp32"]["ratio"] == 1.0
    assert by_name["CSR (int32 indices)"]["bytes"] == csr_bytes(100, 100, 1000, 8, 32)
    assert by_name["bitmask"]["ratio"] == bitmask_bytes(10000, 1000, 8) / 40000
    with pytest.raises(ValueError, match="sparsity"):
        format_table((10, 10), 1.5)
    with pytest.raises(ValueError, match="shape"):
        format_table((10,), 0.5)


# --------------------------------------------------------------------------------- latency
def test_measure_returns_positive_medians_and_restores_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []
    try:
        timing = measure(lambda: seen.append(torch.get_num_threads()), warmup=2, repeats=7, threads=1)
        assert torch.get_num_threads() == 2
        assert set(seen) == {1} and len(seen) == 9
        assert isinstance(timing, Timing)
        assert 0 < timing.p25_s <= timing.median_s <= timing.p75_s
        assert timing.repeats == len(timing.samples) == 7 and timing.threads == 1
        assert timing.median_s == float(np.median(timing.samples))
        assert "1 threads" in timing.hardware and "Python" in timing.hardware

        def boom():
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            measure(boom, threads=1)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(repeats=0), "repeats"), (dict(warmup=-1), "warmup"), (dict(threads=0), "threads"),
])
def test_measure_rejects_bad_settings(kwargs, name):
    with pytest.raises(ValueError, match=name):
        measure(lambda: None, **kwargs)


def test_measure_rejects_non_callables():
    with pytest.raises(TypeError, match="fn"):
        measure(42)


def test_timing_str():
    timing = Timing(1.23e-3, 1.2e-3, 1.3e-3, 20, 1, "x", [])
    assert str(timing) == "1.23 ms (IQR 1.20–1.30 ms, 20 runs, 1 thread)"
    assert str(Timing(2.5e-5, 2e-5, 3e-5, 1, 4, "x")) == "25.0 µs (IQR 20.0–30.0 µs, 1 run, 4 threads)"
    assert str(Timing(1.5, 1.25, 2.0, 5, 1, "x")).startswith("1.50 s (IQR 1.25–2.00 s")


def test_compare_interleaves_and_gives_the_reference_ratio_one():
    calls = []
    fns = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b"), "c": lambda: calls.append("c")}
    result = compare(fns, "b", warmup=1, repeats=3)
    assert calls == list("abc" "abc" "bca" "cab")  # warm-up, then a rotating round-robin
    assert result["b"]["ratio"] == 1.0
    for name in fns:
        assert result[name]["median_s"] > 0
        assert result[name]["ratio"] == pytest.approx(result[name]["median_s"] / result["b"]["median_s"])
        assert result[name]["timing"].repeats == 3


def test_compare_rejects_bad_arguments():
    with pytest.raises(ValueError, match="reference"):
        compare({"a": lambda: None}, "z")
    with pytest.raises(TypeError, match="fns"):
        compare({}, "a")
    with pytest.raises(TypeError, match="unexpected keyword"):
        compare({"a": lambda: None}, "a", repeat=3)
    with pytest.raises(ValueError, match="repeats"):
        compare({"a": lambda: None}, "a", repeats=0)


# --------------------------------------------------------------------------------- int8 matmul
def _int8_case(batch: int, n_in: int, n_out: int, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, n_in, generator=gen)
    codes = torch.randint(-127, 128, (n_out, n_in), dtype=torch.int8, generator=gen)
    scale = torch.rand(n_out, generator=gen) * 0.01 + 1e-3
    return x, codes, scale


@pytest.mark.parametrize(("batch", "n_in", "n_out"), [(1, 64, 32), (8, 37, 13), (16, 256, 128)])
@pytest.mark.parametrize("kernel", [True, False])
def test_int8_linear_equals_the_dequantized_matmul(batch, n_in, n_out, kernel, monkeypatch):
    if not kernel:
        monkeypatch.setattr(latency, "has_int8_kernel", lambda: False)
    x, codes, scale = _int8_case(batch, n_in, n_out)
    bias = torch.randn(n_out)
    reference = x.double() @ (codes.double() * scale.double()[:, None]).T + bias.double()
    y = int8_linear(x, codes, scale, bias)
    assert y.dtype == torch.float32 and y.shape == (batch, n_out)
    torch.testing.assert_close(y.double(), reference, rtol=1e-3, atol=1e-3 * reference.abs().max().item())
    assert ((y.double() - reference).norm() / reference.norm()).item() < 1e-3


def test_int8_linear_keeps_leading_dimensions():
    x, codes, scale = _int8_case(6, 32, 8)
    y = int8_linear(x.reshape(2, 3, 32), codes, scale)
    assert y.shape == (2, 3, 8)
    torch.testing.assert_close(y.reshape(6, 8), int8_linear(x, codes, scale))


def test_int8_linear_rejects_bad_input():
    x, codes, scale = _int8_case(2, 16, 4)
    with pytest.raises(TypeError, match="codes"):
        int8_linear(x, codes.float(), scale)
    with pytest.raises(ValueError, match="scale"):
        int8_linear(x, codes, scale[:3])
    with pytest.raises(ValueError, match="x must have shape"):
        int8_linear(x[:, :8], codes, scale)
    with pytest.raises(TypeError, match="x must be a floating-point"):
        int8_linear(x.long(), codes, scale)
    with pytest.raises(ValueError, match="bias"):
        int8_linear(x, codes, scale, torch.ones(5))


def test_int8_dynamic_linear_matches_fp32_within_quantization_error():
    from course_lib.compression.latency import Int8DynamicLinear

    gen = torch.Generator().manual_seed(0)
    w, b = torch.randn(96, 64, generator=gen) * 0.05, torch.randn(96, generator=gen)
    x = torch.randn(32, 64, generator=gen)
    layer = Int8DynamicLinear(w, b)
    y, ref = layer(x), x @ w.T + b
    rel = float((y - ref).abs().max() / ref.abs().max())
    assert 0 < rel < 0.02  # two int8 roundings: close, but not exact
    assert layer.nbytes == 96 * 64 + 96 * 4 + 96 * 4
    with pytest.raises(ValueError, match="x must have shape"):
        layer(torch.randn(3, 5))
    with pytest.raises(TypeError, match="weight"):
        Int8DynamicLinear(torch.ones(3, dtype=torch.int64))
