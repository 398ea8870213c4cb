"""Model compression with plain tensors, counted honestly.

- ``quantize``  affine/symmetric quantization per tensor, channel or group; packed int4; fake-quant
                with a straight-through estimator; model-level helpers that report real bytes
- ``kmeans``    weight sharing: a k-means codebook per tensor, the codebook counted in the bytes
- ``prune``     magnitude masks (layer-wise, global), masks that stay through fine-tuning, schedules,
                sensitivity scans, structured channel removal, N:M masks, MAC counts
- ``storage``   bytes of dense, CSR, bitmask and quantized formats, every index and scale included;
                break-even sparsity
- ``latency``   a timing harness (warm-up, fixed threads, repeats, medians) and an int8 matmul path

A model is only smaller if its bytes say so, and only faster if a measurement says so.
"""

from .kmeans import KMeansTensor, kmeans_dequantize, kmeans_quantize
from .latency import Int8DynamicLinear, Timing, compare, int8_linear, measure
from .prune import (
    apply_masks,
    count_macs,
    global_masks,
    gradual_schedule,
    layerwise_masks,
    magnitude_mask,
    nm_mask,
    prunable,
    prune_channels,
    sensitivity_scan,
    sparsity_of,
)
from .quantize import (
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
from .storage import bitmask_bytes, break_even_sparsity, csr_bytes, dense_bytes, to_bitmask, to_csr

__all__ = [
    "Int8DynamicLinear", "KMeansTensor", "QTensor", "QuantReport", "Timing", "apply_masks", "bitmask_bytes",
    "break_even_sparsity", "compare", "count_macs", "csr_bytes", "dense_bytes", "dequantize",
    "fake_quant_model", "fake_quantize", "global_masks", "gradual_schedule", "int8_linear",
    "kmeans_dequantize", "kmeans_quantize", "layerwise_masks", "magnitude_mask", "measure", "nm_mask",
    "pack_int4", "prunable", "prune_channels", "qrange", "quantize", "quantize_model",
    "sensitivity_scan", "sparsity_of", "sqnr_db", "to_bitmask", "to_csr", "unpack_int4",
]
