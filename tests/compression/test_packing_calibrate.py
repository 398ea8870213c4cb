"""Tests for dense bit packing, activation calibration, gradual pruning, CPU capabilities and the
warning-free torch CSR conversion (course_lib.compression.packing, .calibrate, prune.gradual_prune,
latency.cpu_capabilities, storage.to_torch_csr)."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from course_lib.compression import latency
from course_lib.compression.calibrate import (
    calibrate_range,
    fake_quantize_range,
    layer_inputs,
    quantize_activations,
)
from course_lib.compression.kmeans import kmeans_quantize
from course_lib.compression.packing import (
    codes_nbytes,
    pack_bits,
    packed_nbytes,
    quantize_model_packed,
    unpack_bits,
)
from course_lib.compression.prune import gradual_prune, gradual_schedule, sparsity_of
from course_lib.compression.quantize import fake_quant_model, quantize, quantize_model
from course_lib.compression.storage import to_torch_csr

SETTINGS = settings(max_examples=60, deadline=None)


def _mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3))


# ------------------------------------------------------------------------------------ packing
@SETTINGS
@given(bits=st.integers(1, 8), signed=st.booleans(), n=st.integers(0, 70), seed=st.integers(0, 2**16))
def test_pack_bits_round_trips_in_ceil_n_bits_over_8_bytes(bits, signed, n, seed):
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    codes = torch.randint(lo, hi + 1, (n,), generator=torch.Generator().manual_seed(seed))
    packed = pack_bits(codes, bits, signed=signed)
    assert packed.dtype == torch.uint8 and packed.numel() == -(-n * bits // 8) == codes_nbytes(n, bits)
    assert torch.equal(unpack_bits(packed, bits, n, signed=signed), codes.to(torch.int16))


def test_pack_bits_layout_is_a_little_endian_stream():
    # 2-bit codes 1, -1, 0, -2 -> 01, 11, 00, 10 from the least significant bit up: 0b10_00_11_01
    assert pack_bits(torch.tensor([1, -1, 0, -2]), 2).tolist() == [0b10001101]
    # 3-bit unsigned 5, 6, 7: 101, 110, 111 -> bits 0-8 of the stream; 9 bits take 2 bytes
    packed = pack_bits(torch.tensor([5, 6, 7]), 3, signed=False)
    assert packed.tolist() == [(5 | 6 << 3 | (7 & 0b11) << 6), 7 >> 2]


def test_pack_bits_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match=r"\[-2, 1\]"):
        pack_bits(torch.tensor([2]), 2)
    with pytest.raises(ValueError, match=r"\[0, 3\]"):
        pack_bits(torch.tensor([-1]), 2, signed=False)
    with pytest.raises(TypeError):
        pack_bits(torch.tensor([0.5]), 2)
    with pytest.raises(ValueError):
        pack_bits(torch.tensor([0]), 9)
    with pytest.raises(ValueError, match="take 1 bytes"):
        unpack_bits(torch.zeros(2, dtype=torch.uint8), 2, 4)
    with pytest.raises(TypeError):
        unpack_bits(torch.zeros(1, dtype=torch.int8), 2, 4)


def test_packed_nbytes_counts_codes_at_their_width_and_every_parameter():
    w = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    for bits in (2, 3, 4, 8):
        q = quantize(w, bits=bits, granularity="channel")
        assert packed_nbytes(q) == -(-60 * bits // 8) + 4 * 6
        qa = quantize(w, bits=bits, scheme="affine")
        assert packed_nbytes(qa) == -(-60 * bits // 8) + 4 + 4  # one scale, one zero point
        k = kmeans_quantize(w, bits=bits, pack=True)
        assert packed_nbytes(k) == -(-60 * bits // 8) + 4 * 2**bits
    with pytest.raises(TypeError):
        packed_nbytes(w)


def test_quantize_model_packed_is_quantize_model_with_denser_bytes():
    model = _mlp()
    n = 12 * 8 + 8 * 3
    for kwargs in (dict(granularity="channel"), dict(granularity="tensor"), dict(method="kmeans")):
        qmodel, report = quantize_model_packed(model, bits=2, **kwargs)
        ref_model, ref = quantize_model(model, bits=2, **kwargs)
        for a, b in zip(qmodel.parameters(), ref_model.parameters()):
            assert torch.equal(a, b)
        params = {"channel": 4 * 11, "tensor": 4 * 2}.get(kwargs.get("granularity"), 4 * 4 * 2)
        assert report.quantized_bytes == (-(-96 * 2 // 8)) + (-(-24 * 2 // 8)) + params
        assert report.quantized_bytes < ref.quantized_bytes and report.fp32_bytes == 4 * n
        assert report.bias_bytes == ref.bias_bytes == 4 * 11
    qat = fake_quant_model(model, bits=2)  # a parametrized model is counted at its quantized weights
    assert quantize_model_packed(qat, bits=2)[1].quantized_bytes == 24 + 6 + 44


# -------------------------------------------------------------------------------- calibration
def test_fake_quantize_range_rounds_inside_and_clamps_outside():
    x = torch.linspace(-3, 5, 801)
    lo, hi, bits = -1.0, 2.0, 4
    y = fake_quantize_range(x, lo, hi, bits)
    step = (hi - lo) / 15
    inside = (x >= lo) & (x <= hi)
    assert float((y - x)[inside].abs().max()) <= step / 2 + 1e-6
    assert float(y.max()) <= hi + step / 2 and float(y.min()) >= lo - step / 2
    assert len(torch.unique(y)) <= 16 and bool((y[x == 0] == 0).all())
    with pytest.raises(ValueError, match="contain 0"):
        fake_quantize_range(x, 0.5, 2.0)
    with pytest.raises(ValueError):
        fake_quantize_range(torch.tensor([float("nan")]), -1.0, 1.0)


def test_calibrate_range_rules():
    gen = torch.Generator().manual_seed(0)
    x = torch.relu(torch.randn(20_000, generator=gen))
    x[0] = 40.0  # one outlier
    lo_m, hi_m = calibrate_range(x, "minmax")
    assert (lo_m, hi_m) == (0.0, 40.0)
    lo_p, hi_p = calibrate_range(x, "percentile", percentile=99.9)
    assert lo_p == 0.0 and hi_p == pytest.approx(float(np.percentile(x.double().numpy(), 99.9)))
    lo_e, hi_e = calibrate_range(x, "mse", bits=4)
    assert lo_e == 0.0 and hi_p < hi_e < hi_m  # the outlier: worth a little range, not all of it

    def err(h):
        return float(((fake_quantize_range(x, 0.0, h, 4) - x) ** 2).mean())

    assert err(hi_e) <= min(err(40.0 * k / 100) for k in range(1, 101)) + 1e-12
    assert err(hi_e) < 0.5 * err(hi_m)
    # two-sided data keeps 0 inside and scales both ends together
    lo2, hi2 = calibrate_range(torch.randn(5_000, generator=gen) - 0.5, "mse", bits=3)
    assert lo2 < 0 < hi2
    # a constant positive tensor still gets a range that contains 0
    assert calibrate_range(torch.full((10,), 3.0), "percentile") == (0.0, 3.0)
    with pytest.raises(ValueError, match="method"):
        calibrate_range(x, "kl")
    with pytest.raises(ValueError, match="percentile"):
        calibrate_range(x, "percentile", percentile=40)


def test_quantize_activations_hooks_a_copy_and_reports_ranges():
    model = _mlp()
    X = torch.randn(64, 12, generator=torch.Generator().manual_seed(1))
    inputs = layer_inputs(model, X)
    assert set(inputs) == {"0", "2"} and torch.equal(inputs["0"], X)
    assert torch.allclose(inputs["2"], torch.relu(model[0](X)).detach())
    before = copy.deepcopy(model.state_dict())
    qmodel, ranges = quantize_activations(model, X, bits=3, method="minmax")
    assert ranges["0"] == (float(X.min()), float(X.max())) and ranges["2"][0] == 0.0
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    assert not model[0]._forward_pre_hooks  # the original is untouched
    with torch.no_grad():
        expected = model[2](fake_quantize_range(torch.relu(model[0](fake_quantize_range(X, *ranges["0"], 3))),
                                                *ranges["2"], 3))
        assert torch.allclose(qmodel(X), expected, atol=1e-6)
        assert not torch.allclose(qmodel(X), model(X), atol=1e-3)
    with pytest.raises(ValueError):
        quantize_activations(nn.ReLU(), X)


# ---------------------------------------------------------------------------- gradual pruning
def test_gradual_prune_follows_the_schedule_and_ends_at_the_final_sparsity():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(96, 12, generator=gen)
    y = torch.randint(0, 3, (96,), generator=gen)
    model = _mlp()
    calls = []
    handle, history = gradual_prune(model, X, y, 0.8, updates=4, epochs_per_update=2, extra_epochs=3,
                                    batch_size=32, evaluate=lambda m: calls.append(1) or 0.5)
    schedule = gradual_schedule(0.8, 4)
    assert [h["epoch"] for h in history] == [2, 4, 6, 11]
    assert [h["sparsity"] for h in history] == pytest.approx(schedule, abs=0.01)
    assert sparsity_of(model) == pytest.approx(0.8, abs=0.005) and len(calls) == 4
    assert handle.active and all(h["score"] == 0.5 for h in history)
    assert not model.training  # left in eval mode, as train() leaves it
    for name, p in model.named_parameters():
        if name in handle.masks:
            assert bool((p[~handle.masks[name]] == 0).all())


def test_gradual_prune_with_one_update_is_one_shot():
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(64, 12, generator=gen)
    y = torch.randint(0, 3, (64,), generator=gen)
    a, b = _mlp(), _mlp()
    _, history = gradual_prune(a, X, y, 0.5, updates=1, extra_epochs=2, batch_size=16)
    from course_lib.compression.prune import apply_masks, global_masks
    from course_lib.models import train

    handle = apply_masks(b, global_masks(b, 0.5))
    train(b, X, y, epochs=3, lr=3e-3, batch_size=16, after_step=handle.enforce)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.allclose(p, q)
    assert len(history) == 1 and history[0]["score"] is None
    with pytest.raises(ValueError):
        gradual_prune(a, X, y, 1.0)
    with pytest.raises(TypeError):
        gradual_prune(a, X, y, 0.5, evaluate="accuracy")


# ------------------------------------------------------------------------------ the CPU's abilities
def test_cpu_capabilities_read_the_flags(monkeypatch):
    monkeypatch.setattr(latency, "_cpuinfo", lambda: ("Test CPU", {"sse2", "avx", "avx2", "avx512f",
                                                                  "avx512_vnni"}))
    caps = latency.cpu_capabilities()
    assert caps["cpu"] == "Test CPU" and caps["vector"] == ["AVX2", "AVX-512"]
    assert caps["int8_dot"] == ["AVX-512 VNNI"] and caps["torch_kernels"]
    monkeypatch.setattr(latency, "_cpuinfo", lambda: ("", {"fp", "asimd", "asimddp", "i8mm"}))
    caps = latency.cpu_capabilities()
    assert caps["vector"] == ["NEON"] and caps["int8_dot"] == ["dot product (SDOT)",
                                                              "int8 matrix multiply (I8MM)"]
    monkeypatch.setattr(latency, "_cpuinfo", lambda: ("Old CPU", {"sse2"}))
    line = latency.describe_cpu()
    assert line.startswith("Old CPU;") and "int8 dot product: none found" in line and "thread" in line


def test_cpu_capabilities_on_this_machine_is_well_formed():
    caps = latency.cpu_capabilities()
    assert set(caps) == {"cpu", "vector", "int8_dot", "torch_kernels"}
    assert isinstance(caps["vector"], list) and isinstance(caps["int8_dot"], list)


def test_to_torch_csr_is_quiet_and_exact():
    w = torch.randn(8, 6) * (torch.rand(8, 6) > 0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        csr = to_torch_csr(w)
    assert csr.layout == torch.sparse_csr and torch.equal(csr.to_dense(), w)
    with pytest.raises(ValueError):
        to_torch_csr(torch.zeros(3))
