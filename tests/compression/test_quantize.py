"""Unit and property tests for course_lib.compression.quantize and course_lib.compression.kmeans."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from torch import nn

from course_lib.compression.kmeans import KMeansTensor, kmeans_dequantize, kmeans_quantize
from course_lib.compression.quantize import (
    GRANULARITIES,
    SCHEMES,
    QTensor,
    QuantReport,
    dequantize,
    fake_quant_model,
    fake_quantize,
    pack_int4,
    qrange,
    quantize,
    quantize_model,
    sqnr_db,
    unpack_int4,
)

PROPERTY = settings(max_examples=150, deadline=None)


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a.double() - b.double()) ** 2).mean())


# --------------------------------------------------------------------------- qrange


@pytest.mark.parametrize("bits", range(2, 9))
def test_qrange(bits):
    qmax = 2 ** (bits - 1) - 1
    assert qrange(bits, "symmetric") == (-qmax, qmax)
    assert qrange(bits, "affine") == (-qmax - 1, qmax)
    assert qrange(8, "symmetric") == (-127, 127) and qrange(4, "affine") == (-8, 7)


# --------------------------------------------------------------------------- properties of quantize


@st.composite
def quant_cases(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    x = draw(arrays(np.float32, shape, elements=st.floats(-1e4, 1e4, width=32)))
    zero_at = draw(st.integers(0, x.size - 1))
    x.flat[zero_at] = 0.0
    bits = draw(st.integers(2, 8))
    scheme = draw(st.sampled_from(SCHEMES))
    granularity = draw(st.sampled_from(GRANULARITIES))
    axis, group_size = 0, None
    if granularity == "channel":
        axis = draw(st.integers(-len(shape), len(shape) - 1))
    if granularity == "group":
        cols = x.size // shape[0]
        group_size = draw(st.sampled_from([d for d in range(1, cols + 1) if cols % d == 0]))
    pack = bits <= 4 and draw(st.booleans())
    kwargs = dict(bits=bits, scheme=scheme, granularity=granularity, axis=axis, group_size=group_size,
                  pack=pack)
    return torch.from_numpy(x), zero_at, kwargs


def _scale_per_element(q: QTensor) -> torch.Tensor:
    """The scale of each element, computed independently of the library's broadcasting helper."""
    shape = q.shape
    if q.granularity == "tensor":
        return q.scale.expand(shape)
    if q.granularity == "channel":
        view = [1] * len(shape)
        view[q.axis] = -1
        return q.scale.reshape(view).expand(shape)
    rows = shape[0]
    return q.scale.reshape(rows, -1, 1).expand(rows, q.scale.shape[1], q.group_size).reshape(shape)


@PROPERTY
@given(quant_cases())
def test_quantize_properties(case):
    x, zero_at, kwargs = case
    q = quantize(x, **kwargs)
    qmin, qmax = qrange(kwargs["bits"], kwargs["scheme"])
    codes = q.int_codes()
    assert codes.dtype == torch.int8 and tuple(codes.shape) == tuple(x.shape) == q.shape
    assert int(codes.min()) >= qmin and int(codes.max()) <= qmax
    assert q.scale.dtype == torch.float32 and bool((q.scale > 0).all())
    assert q.zero_point.dtype == torch.int32 and q.zero_point.shape == q.scale.shape
    if kwargs["scheme"] == "symmetric":
        assert bool((q.zero_point == 0).all())
    x_hat = dequantize(q)
    assert x_hat.dtype == torch.float32 and x_hat.shape == x.shape
    # min/max scales: every value lies inside the clipping range, so the error is at most half a step
    s = _scale_per_element(q)
    assert bool(((x_hat - x).abs() <= s / 2 + 1e-6 * (x.abs() + s)).all())
    assert x_hat.reshape(-1)[zero_at] == 0.0  # zero is exactly representable


@PROPERTY
@given(st.lists(st.integers(-8, 7), min_size=0, max_size=41))
def test_pack_unpack_round_trip(values):
    codes = torch.tensor(values, dtype=torch.int8)
    packed = pack_int4(codes)
    assert packed.dtype == torch.uint8 and packed.numel() == math.ceil(len(values) / 2)
    assert torch.equal(unpack_int4(packed, len(values)), codes)


def test_pack_layout_low_nibble_is_even_index():
    packed = pack_int4(torch.tensor([1, 2, -1, 3, 5]))
    assert packed.tolist() == [0x21, 0x3F, 0x05]
    assert unpack_int4(packed, 5).tolist() == [1, 2, -1, 3, 5]


def test_packed_quantize_matches_unpacked():
    x = torch.randn(7, 9, generator=_gen())
    for bits in (2, 3, 4):
        plain = quantize(x, bits, granularity="channel")
        packed = quantize(x, bits, granularity="channel", pack=True)
        assert packed.packed and packed.codes.dtype == torch.uint8 and packed.codes.numel() == 32
        assert torch.equal(packed.int_codes(), plain.codes)
        assert torch.equal(dequantize(packed), dequantize(plain))


def test_divide_before_rounding_and_zero_slices():
    q = quantize(torch.tensor([0.001, -0.002, 0.0031]), bits=8)
    assert q.codes.tolist() == [41, -82, 127]  # rounding before dividing would give all zeros
    x = torch.zeros(3, 4)
    x[1] = torch.tensor([1.0, -2.0, 0.5, 0.0])
    for scheme in SCHEMES:
        q = quantize(x, 4, scheme, "channel")
        assert q.scale[0] == 1.0 and q.scale[2] == 1.0
        assert torch.equal(dequantize(q)[0], torch.zeros(4))


def test_per_channel_beats_per_tensor_on_uneven_channels():
    ranges = 10.0 ** torch.linspace(-3, 1, 16)
    w = torch.randn(16, 64, generator=_gen(1)) * ranges[:, None]
    for bits in (4, 8):
        w_tensor = dequantize(quantize(w, bits, granularity="tensor"))
        w_channel = dequantize(quantize(w, bits, granularity="channel"))
        w_group = dequantize(quantize(w, bits, granularity="group", group_size=16))
        assert _mse(w_group, w) <= _mse(w_channel, w) <= _mse(w_tensor, w)
        # error relative to each channel's own power: one shared scale wipes out the small channels
        rel_tensor = ((w_tensor - w) ** 2).mean(dim=1) / (w**2).mean(dim=1)
        rel_channel = ((w_channel - w) ** 2).mean(dim=1) / (w**2).mean(dim=1)
        assert bool((rel_channel <= rel_tensor).all()) and float(rel_channel.max()) < 0.05
        assert bool((w_tensor[0] == 0).all()) and float(rel_tensor[0]) == 1.0


def test_channel_axis_other_than_zero():
    x = torch.randn(3, 5, 4, generator=_gen(2)) * torch.tensor([1e-2, 1.0, 1e2, 3.0])
    q = quantize(x, 8, granularity="channel", axis=-1)
    assert q.axis == 2 and q.scale.shape == (4,)
    assert torch.allclose(q.scale, x.abs().amax(dim=(0, 1)) / 127)


def test_affine_beats_symmetric_on_one_sided_data():
    x = torch.rand(4096, generator=_gen(3))  # e.g. ReLU activations: nothing below zero
    sym, aff = quantize(x, 4, "symmetric"), quantize(x, 4, "affine")
    assert aff.zero_point == -8 and float(aff.scale) == pytest.approx(float(x.max()) / 15)
    assert _mse(dequantize(aff), x) < 0.3 * _mse(dequantize(sym), x)


def test_sqnr_gains_about_six_db_per_bit():
    x = torch.rand(100_000, generator=_gen(4)) * 2 - 1
    sqnr = {b: sqnr_db(x, dequantize(quantize(x, b))) for b in (4, 8)}
    assert 5.0 <= (sqnr[8] - sqnr[4]) / 4 <= 7.0
    assert sqnr_db(x, x) == math.inf
    assert sqnr_db(x, torch.zeros_like(x)) == pytest.approx(0.0)


# --------------------------------------------------------------------------- bytes


def test_nbytes_formula_and_ratios():
    w = torch.randn(1024, 1024, generator=_gen(5))
    fp32 = 4 * w.numel()
    q8 = quantize(w, 8, granularity="channel")
    assert q8.nbytes == 1_048_576 + 1024 * 4 and fp32 / q8.nbytes >= 3.9
    q8a = quantize(w, 8, "affine", "channel")
    assert q8a.nbytes == 1_048_576 + 1024 * 4 + 1024 * 4  # affine zero points are stored too
    q4 = quantize(w, 4, granularity="channel", pack=True)
    assert q4.nbytes == 524_288 + 1024 * 4 and fp32 / q4.nbytes >= 7.5
    qg = quantize(w, 4, "affine", "group", group_size=128, pack=True)
    assert qg.scale.shape == (1024, 8) and qg.nbytes == 524_288 + 2 * 4 * 1024 * 8
    assert quantize(w, 8).nbytes == 1_048_576 + 4
    assert quantize(torch.ones(5), 4, pack=True).nbytes == 3 + 4  # odd count: ceil(5 / 2) bytes


# --------------------------------------------------------------------------- k-means


def test_kmeans_two_bits_has_four_values_and_counts_the_codebook():
    x = torch.randn(1001, generator=_gen(6))
    k = kmeans_quantize(x, bits=2)
    assert isinstance(k, KMeansTensor) and k.packed and k.codebook.numel() == 4
    assert k.codebook.dtype == torch.float32 and bool((k.codebook.diff() >= 0).all())
    x_hat = kmeans_dequantize(k)
    assert x_hat.shape == x.shape and x_hat.unique().numel() <= 4
    assert k.nbytes == math.ceil(1001 / 2) + 4 * 4
    assert kmeans_quantize(x, bits=2, pack=False).nbytes == 1001 + 4 * 4
    assert kmeans_quantize(x, bits=6).nbytes == 1001 + 4 * 64  # pack is ignored above 4 bits
    idx = k.indices()
    assert idx.dtype == torch.int64 and int(idx.min()) >= 0 and int(idx.max()) <= 3
    assert torch.equal(idx, kmeans_quantize(x, bits=2, pack=False).indices())
    # every value goes to its nearest codebook entry
    assert torch.equal(x_hat, k.codebook[(x[:, None] - k.codebook[None]).abs().argmin(dim=1)])


def test_kmeans_error_decreases_with_bits_and_beats_uniform():
    x = torch.randn(64, 64, generator=_gen(7))
    errors = [_mse(kmeans_dequantize(kmeans_quantize(x, bits=b)), x) for b in range(1, 9)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    for bits in (2, 3, 4):  # codebook values sit where the weights are dense
        assert errors[bits - 1] < _mse(dequantize(quantize(x, bits, "affine")), x)


def test_kmeans_is_deterministic_and_handles_empty_clusters():
    x = torch.randn(500, generator=_gen(8))
    a, b = kmeans_quantize(x, 3, seed=1), kmeans_quantize(x, 3, seed=1)
    assert torch.equal(a.codebook, b.codebook) and torch.equal(a.codes, b.codes)
    init = kmeans_quantize(x, 2, iters=0).codebook
    assert torch.allclose(init, torch.linspace(float(x.min()), float(x.max()), 4))
    # three distinct values, eight clusters: reconstruction is exact, no NaN centroid
    few = torch.tensor([0.0, 0.0, 1.0, 5.0, 5.0, 5.0, 1.0] * 10).reshape(7, 10)
    k = kmeans_quantize(few, 3)
    assert torch.isfinite(k.codebook).all() and torch.equal(kmeans_dequantize(k), few)
    # an outlier leaves the middle clusters empty at the start; they are re-seeded
    skewed = torch.cat([torch.randn(400, generator=_gen(9)) * 0.01, torch.tensor([100.0])])
    k = kmeans_quantize(skewed, 2)
    assert kmeans_dequantize(k).unique().numel() == 4
    assert _mse(kmeans_dequantize(k), skewed) < 1e-4
    constant = torch.full((3, 3), 2.5)
    assert torch.equal(kmeans_dequantize(kmeans_quantize(constant, 2)), constant)


# --------------------------------------------------------------------------- straight-through estimator


def test_fake_quantize_straight_through_gradient():
    x = torch.randn(6, 10, generator=_gen(10), requires_grad=True)
    y = fake_quantize(x, bits=4, granularity="channel")
    assert torch.equal(y.detach(), dequantize(quantize(x.detach(), 4, granularity="channel")))
    upstream = torch.randn(6, 10, generator=_gen(11))
    y.backward(upstream)
    assert torch.equal(x.grad, upstream)


# --------------------------------------------------------------------------- whole models


def _mlp(seed: int = 0, sizes=(64, 256, 256, 10)) -> nn.Sequential:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def test_quantize_model_keeps_outputs_and_reports_bytes():
    model = _mlp()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(32, 64, generator=_gen(12))
    qmodel, report = quantize_model(model, bits=8)
    assert isinstance(report, QuantReport) and qmodel is not model
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # original untouched
    with torch.no_grad():
        ref, out = model(x), qmodel(x)
    assert float((out - ref).abs().max()) < 0.02 * float(ref.abs().max())
    assert list(report.layers) == ["0", "2", "4"]
    n_weights = 64 * 256 + 256 * 256 + 256 * 10
    assert report.fp32_bytes == 4 * n_weights and report.bias_bytes == 4 * (256 + 256 + 10)
    assert report.quantized_bytes == sum(report.layers.values()) == n_weights + 4 * (256 + 256 + 10)
    assert report.ratio == pytest.approx(4.0, rel=0.05)
    for name in ("0", "2", "4"):
        assert torch.equal(qmodel.get_submodule(name).bias, model.get_submodule(name).bias)
    q4, r4 = quantize_model(model, bits=4)  # packed by default at 4 bits
    assert r4.layers["0"] == 64 * 256 // 2 + 4 * 256 and r4.ratio > 7.5
    assert max(row.unique().numel() for row in q4[0].weight) <= 15


def test_quantize_model_kmeans_group_and_conv():
    torch.manual_seed(13)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 5))
    x = torch.randn(4, 3, 8, 8, generator=_gen(14))
    with torch.no_grad():
        ref = model(x)
        q8, _ = quantize_model(model, bits=8)
        assert float((q8(x) - ref).abs().max()) < 0.02 * float(ref.abs().max())
    km, report = quantize_model(model, bits=2, method="kmeans")
    assert km[0].weight.unique().numel() <= 4 and km[3].weight.unique().numel() <= 4
    assert report.layers["0"] == math.ceil(8 * 3 * 9 / 2) + 4 * 4
    _, grouped = quantize_model(model, bits=4, scheme="affine", granularity="group", group_size=9)
    assert grouped.layers["0"] == 8 * 27 // 2 + 2 * 4 * 8 * 3


def test_fake_quant_model_trains_and_exports():
    torch.manual_seed(15)
    x = torch.randn(256, 8)
    y = x @ torch.randn(8, 1) + 0.1 * torch.randn(256, 1)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    qat = fake_quant_model(model, bits=4)
    weights = [qat[0].parametrizations.weight.original, qat[2].parametrizations.weight.original]
    assert all(w.requires_grad for w in weights)
    optimizer = torch.optim.Adam(qat.parameters(), lr=1e-2)
    losses = []
    for _ in range(40):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(qat(x), y)
        loss.backward()
        losses.append(loss.item())
        optimizer.step()
    assert losses[-1] < 0.5 * losses[0]
    assert all(w.grad is not None and float(w.grad.abs().sum()) > 0 for w in weights)
    assert all(torch.equal(start[k], v) for k, v in model.state_dict().items())  # original untouched
    # the forward pass sees 4-bit weights: at most 15 levels per output channel
    assert max(row.unique().numel() for row in qat[0].weight.detach()) <= 15
    # exporting with the same settings reproduces the QAT model, which keeps working
    exported, report = quantize_model(qat, bits=4)
    with torch.no_grad():
        assert torch.allclose(exported(x), qat(x), atol=1e-5)
    assert isinstance(exported[0], nn.Linear) and "0.weight" in dict(exported.named_parameters())
    assert report.ratio > 4  # small layers: the per-channel scales weigh more


# --------------------------------------------------------------------------- bad inputs

_X = torch.randn(4, 6)
_BAD = [
    (lambda: quantize(np.ones(3)), "x"),
    (lambda: quantize(torch.ones(3, dtype=torch.int32)), "x"),
    (lambda: quantize(torch.tensor([1.0, float("nan")])), "x"),
    (lambda: quantize(torch.tensor([1.0, float("inf")])), "x"),
    (lambda: quantize(torch.empty(0)), "x"),
    (lambda: quantize(_X, bits=1), "bits"),
    (lambda: quantize(_X, bits=9), "bits"),
    (lambda: quantize(_X, bits=4.0), "bits"),
    (lambda: quantize(_X, bits=True), "bits"),
    (lambda: quantize(_X, scheme="asymmetric"), "scheme"),
    (lambda: quantize(_X, granularity="row"), "granularity"),
    (lambda: quantize(_X, granularity="channel", axis=2), "axis"),
    (lambda: quantize(_X, granularity="channel", axis=-3), "axis"),
    (lambda: quantize(_X, granularity="channel", axis=0.0), "axis"),
    (lambda: quantize(_X, granularity="group"), "group_size"),
    (lambda: quantize(_X, granularity="group", group_size=4), "group_size"),
    (lambda: quantize(_X, granularity="group", group_size=0), "group_size"),
    (lambda: quantize(_X, granularity="channel", group_size=2), "group_size"),
    (lambda: quantize(_X, bits=8, pack=True), "pack"),
    (lambda: quantize(_X, bits=4, pack=1), "pack"),
    (lambda: qrange(1, "symmetric"), "bits"),
    (lambda: qrange(8, "sym"), "scheme"),
    (lambda: pack_int4([1, 2]), "codes"),
    (lambda: pack_int4(torch.tensor([0.5])), "codes"),
    (lambda: pack_int4(torch.tensor([8])), "codes"),
    (lambda: pack_int4(torch.tensor([-9])), "codes"),
    (lambda: unpack_int4(torch.tensor([1], dtype=torch.int8), 2), "packed"),
    (lambda: unpack_int4(torch.tensor([1, 2], dtype=torch.uint8), 5), "numel"),
    (lambda: unpack_int4(torch.tensor([1], dtype=torch.uint8), -1), "numel"),
    (lambda: dequantize(_X), "q"),
    (lambda: sqnr_db(_X, _X[:2]), "x_hat"),
    (lambda: sqnr_db(_X, _X.int()), "x_hat"),
    (lambda: fake_quantize(torch.ones(3, dtype=torch.long)), "x"),
    (lambda: fake_quantize(_X, bits=10), "bits"),
    (lambda: quantize_model("model"), "model"),
    (lambda: quantize_model(nn.Sequential(nn.ReLU())), "model"),
    (lambda: quantize_model(_mlp(sizes=(4, 4)), method="pca"), "method"),
    (lambda: quantize_model(_mlp(sizes=(4, 4)), bits=9), "bits"),
    (lambda: quantize_model(_mlp(sizes=(4, 4)), pack="yes"), "pack"),
    (lambda: quantize_model(_mlp(sizes=(4, 4)), bits=8, pack=True), "pack"),
    (lambda: quantize_model(_mlp(sizes=(4, 4)), granularity="group"), "group_size"),
    (lambda: fake_quant_model(nn.Sequential(nn.ReLU())), "model"),
    (lambda: fake_quant_model(_mlp(sizes=(4, 4)), granularity="group"), "granularity"),
    (lambda: fake_quant_model(_mlp(sizes=(4, 4)), bits=1), "bits"),
    (lambda: fake_quant_model(_mlp(sizes=(4, 4)), scheme="none"), "scheme"),
    (lambda: kmeans_quantize(torch.arange(4)), "x"),
    (lambda: kmeans_quantize(torch.tensor([float("nan")])), "x"),
    (lambda: kmeans_quantize(_X, bits=0), "bits"),
    (lambda: kmeans_quantize(_X, bits=9), "bits"),
    (lambda: kmeans_quantize(_X, iters=-1), "iters"),
    (lambda: kmeans_quantize(_X, seed=-1), "seed"),
    (lambda: kmeans_quantize(_X, pack=None), "pack"),
    (lambda: kmeans_dequantize(None), "k"),
]


@pytest.mark.parametrize(("call", "name"), _BAD, ids=[f"{i}-{name}" for i, (_, name) in enumerate(_BAD)])
def test_bad_input_is_rejected_with_the_argument_named(call, name):
    with pytest.raises((ValueError, TypeError), match=rf"\b{name}\b"):
        call()
