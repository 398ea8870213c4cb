"""Every quantizer entry point on extreme but finite input: values near and beyond float32's range,
subnormals, constants, mixed signs and magnitudes, half precision. Never NaN or inf from finite input:
either a reconstruction within half a step, or a clear ValueError."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from course_lib.compression.kmeans import kmeans_dequantize, kmeans_quantize
from course_lib.compression.quantize import (
    GRANULARITIES,
    SCHEMES,
    dequantize,
    fake_quant_model,
    fake_quantize,
    quantize,
    quantize_model,
    sqnr_db,
)

F32_MAX = torch.finfo(torch.float32).max
SUB = 2.0**-149  # the smallest float32

CASES = {
    "float32 max, both signs": torch.tensor([[F32_MAX, -F32_MAX], [F32_MAX, 1.0]]),
    "range overflows float32": torch.tensor([[3e38, -3e38], [1.0, -2.0]]),
    "float64 inside float32 range": torch.tensor([[3e38, -3e38], [1e-30, 0.0]], dtype=torch.float64),
    "subnormal": torch.tensor([[3 * SUB, -SUB], [0.0, 2 * SUB]]),
    "constant": torch.full((2, 2), 7.0),
    "negative constant": torch.full((2, 2), -3e38),
    "mixed magnitudes": torch.tensor([[1e30, -1e-30], [1e-30, -1e30]]),
    "float16 max": torch.tensor([[65504.0, -65504.0], [1e-7, 0.0]], dtype=torch.float16),
    "bfloat16 near max": torch.tensor([[3e38, -3e38], [1e-38, 0.0]], dtype=torch.bfloat16),
}


def _step(q, shape):
    if q.granularity == "tensor":
        return q.scale.double().expand(shape)
    if q.granularity == "channel":
        return q.scale.double().reshape(-1, 1).expand(shape)
    return q.scale.double().reshape(shape)  # group_size 1 on a 2x2 tensor


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize(("scheme", "granularity"), list(itertools.product(SCHEMES, GRANULARITIES)))
@pytest.mark.parametrize("bits", [2, 4, 8])
def test_uniform_quantizers_stay_finite_and_within_half_a_step(name, scheme, granularity, bits):
    x = CASES[name]
    before = x.clone()
    group_size = 1 if granularity == "group" else None
    q = quantize(x, bits, scheme, granularity, group_size=group_size)
    x_hat = dequantize(q)
    assert bool(torch.isfinite(q.scale).all()) and bool((q.scale > 0).all())
    assert bool(torch.isfinite(x_hat).all()), x_hat
    err = (x_hat.double() - x.double()).abs()
    step = _step(q, x.shape)
    assert bool((err <= step / 2 + 1e-6 * (x.double().abs() + step)).all()), (err, step)
    fq = fake_quantize(x, bits, scheme, granularity, group_size=group_size)
    assert fq.dtype == x.dtype and bool(torch.isfinite(fq).all()), fq
    assert torch.equal(x, before)  # input untouched


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("bits", [1, 2, 4])
def test_kmeans_stays_finite(name, bits):
    x = CASES[name]
    x_hat = kmeans_dequantize(kmeans_quantize(x, bits))
    assert bool(torch.isfinite(x_hat).all()), x_hat
    assert float((x_hat.double() - x.double()).abs().max()) <= float(x.double().abs().max()) * 2


def test_subnormal_and_constant_inputs_are_reconstructed_exactly():
    x = CASES["subnormal"]
    assert torch.equal(dequantize(quantize(x, 8)), x)  # the scale no longer collapses to 1.0
    assert torch.equal(dequantize(quantize(x, 8, "affine")), x)
    assert torch.equal(dequantize(quantize(CASES["constant"], 8)), CASES["constant"])
    assert sqnr_db(x, dequantize(quantize(x, 8))) == math.inf


@pytest.mark.parametrize("x", [
    torch.tensor([1e308, -1e308], dtype=torch.float64),  # max - min overflows even float64
    torch.tensor([[1e308, 1.0], [0.0, -2.0]], dtype=torch.float64),
    torch.tensor([3.5e38, 0.0], dtype=torch.float64),  # just past float32's largest value
])
def test_float64_beyond_float32_range_is_a_clear_error_not_nan(x):
    calls = [lambda: quantize(x), lambda: quantize(x, scheme="affine"), lambda: fake_quantize(x),
             lambda: kmeans_quantize(x)]
    if x.ndim == 2:
        calls += [lambda: quantize(x, 4, granularity="channel"),
                  lambda: quantize(x, 4, "affine", granularity="group", group_size=1)]
    for call in calls:
        with pytest.raises(ValueError, match="beyond the float32 range"):
            call()


def test_models_with_huge_float64_weights_are_refused():
    model = nn.Linear(2, 2).double()
    with torch.no_grad():
        model.weight[0, 0] = 1e308
    for method in ("uniform", "kmeans"):
        with pytest.raises(ValueError, match="beyond the float32 range"):
            quantize_model(model, 4, method=method)
    with pytest.raises(ValueError, match="beyond the float32 range"):
        fake_quant_model(model)(torch.ones(1, 2, dtype=torch.float64))
    with torch.no_grad():
        model.weight[0, 0] = 3e38  # inside the range: fine
    qmodel, _ = quantize_model(model, 4)
    assert bool(torch.isfinite(qmodel.weight).all())


def test_sqnr_does_not_overflow_or_underflow():
    for scale in (1e200, 1e-200, 1.0):
        x = torch.tensor([1.0, 1.0], dtype=torch.float64) * scale
        x_hat = torch.tensor([1.0, 0.9], dtype=torch.float64) * scale
        assert sqnr_db(x, x_hat) == pytest.approx(10 * math.log10(2 / 0.01))
    assert sqnr_db(torch.zeros(3), torch.ones(3)) == -math.inf
