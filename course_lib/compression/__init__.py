"""Model compression with plain tensors, counted honestly.

- ``quantize``  affine/symmetric quantization per tensor, channel or group; packed int4; fake-quant
                with a straight-through estimator; model-level helpers that report real bytes
- ``kmeans``    weight sharing: a k-means codebook per tensor, the codebook counted in the bytes
- ``prune``     magnitude masks (layer-wise, global), masks that stay through fine-tuning, schedules,
                sensitivity scans, structured channel removal, N:M masks, MAC counts
- ``storage``   bytes of dense, CSR, bitmask and quantized formats, every index and scale included;
                break-even sparsity
- ``packing``   codes packed at their own bit width (four 2-bit codes per byte) and the bytes of a
                model stored that way
- ``calibrate`` static activation quantization: ranges from calibration data by min/max,
                percentile or least squared error
- ``latency``   a timing harness (warm-up, fixed threads, repeats, medians with IQR), an int8
                matmul path, and what the CPU offers (vector and int8 dot-product instructions)

A model is only smaller if its bytes say so, and only faster if a measurement says so.
"""

from .calibrate import (
    CALIBRATION_METHODS,
    calibrate_range,
    fake_quantize_range,
    layer_inputs,
    quantize_activations,
)
from .kmeans import KMeansTensor, kmeans_dequantize, kmeans_quantize
from .latency import (
    Int8DynamicLinear,
    Timing,
    compare,
    cpu_capabilities,
    describe_cpu,
    int8_linear,
    measure,
)
from .packing import codes_nbytes, pack_bits, packed_nbytes, quantize_model_packed, unpack_bits
from .prune import (
    apply_masks,
    count_macs,
    global_masks,
    gradual_prune,
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
from .storage import (
    bitmask_bytes,
    break_even_sparsity,
    csr_bytes,
    dense_bytes,
    to_bitmask,
    to_csr,
    to_torch_csr,
)

__all__ = [
    "CALIBRATION_METHODS", "Int8DynamicLinear", "KMeansTensor", "QTensor", "QuantReport", "Timing",
    "apply_masks", "bitmask_bytes", "break_even_sparsity", "calibrate_range", "codes_nbytes", "compare",
    "count_macs", "cpu_capabilities", "csr_bytes", "dense_bytes", "dequantize", "describe_cpu",
    "fake_quant_model", "fake_quantize", "fake_quantize_range", "global_masks", "gradual_prune",
    "gradual_schedule", "int8_linear", "kmeans_dequantize", "kmeans_quantize", "layer_inputs",
    "layerwise_masks", "magnitude_mask", "measure", "nm_mask", "pack_bits", "pack_int4",
    "packed_nbytes", "prunable", "prune_channels", "qrange", "quantize", "quantize_activations",
    "quantize_model", "quantize_model_packed", "sensitivity_scan", "sparsity_of", "sqnr_db",
    "to_bitmask", "to_csr", "to_torch_csr", "unpack_bits", "unpack_int4",
]
