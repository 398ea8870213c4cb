"""Bytes and latency of compressed variants of a linear layer, as ratios against fp32, in one run.

    .venv/bin/python benchmarks/compression.py [--size 4096] [--batch 64] [--repeats 30] [--threads 1]

Every variant computes the same layer; bytes count every code, scale, index and bitmask; times are
medians of interleaved repeats (course_lib.compression.compare). Ratios below 1 are smaller/faster.
"""

from __future__ import annotations

import argparse
import warnings

import torch

from course_lib.compression import (
    Int8DynamicLinear,
    bitmask_bytes,
    compare,
    global_masks,
    int8_linear,
    quantize,
    to_csr,
)
from course_lib.nbrun import hardware


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(0)
    n = args.size
    weight = torch.randn(n, n, generator=gen) * 0.02
    x = torch.randn(args.batch, n, generator=gen)
    q8 = quantize(weight, bits=8, granularity="channel")
    q4 = quantize(weight, bits=4, granularity="channel", pack=True)
    codes, scale = q8.int_codes(), q8.scale
    dynamic = Int8DynamicLinear(weight)
    layer = torch.nn.Linear(n, n, bias=False)
    with torch.no_grad():
        layer.weight.copy_(weight)
    mask = global_masks(torch.nn.Sequential(layer), 0.9)["0.weight"]
    w90 = weight * mask
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        w90_csr = w90.to_sparse_csr()

    fp32 = n * n * 4
    sizes = {
        "fp32 dense": fp32,
        "int8 per-channel": q8.nbytes,
        "int4 per-channel, packed": q4.nbytes,
        "90% pruned, CSR int32": to_csr(w90, index_dtype=torch.int32).nbytes,
        "90% pruned, bitmask + int8": bitmask_bytes(n * n, int(mask.sum()), 8, scale_bytes=4 * n),
    }
    timings = compare({
        "fp32 dense": lambda: x @ weight.T,
        "int8 weight-only": lambda: int8_linear(x, codes, scale),
        "int8 x int8 (dynamic)": lambda: dynamic(x),
        "90% pruned, dense storage": lambda: x @ w90.T,
        "90% pruned, CSR": lambda: (w90_csr @ x.T).T,
    }, reference="fp32 dense", repeats=args.repeats, threads=args.threads)

    print(f"layer {n}x{n}, batch {args.batch}; {hardware()}; torch threads {args.threads}")
    print("\nbytes (every code, scale, index and bitmask counted)")
    for name, size in sizes.items():
        print(f"  {name:<28} {size:>12,} B   {size / fp32:6.3f} x fp32   ({fp32 / size:5.2f}x smaller)")
    print("\nlatency (median of interleaved repeats)")
    for name, r in timings.items():
        print(f"  {name:<28} {r['timing']}   {r['ratio']:6.2f} x fp32")


if __name__ == "__main__":
    main()
