"""Time per optimizer step of course_lib's DP-SGD, Opacus's PrivacyEngine and plain SGD, in one run.

    .venv/bin/python benchmarks/dp_sgd.py [--model mlp|cnn] [--batch 256] [--repeats 30] [--threads 1]
                                         [--device auto|cpu|cuda]

Same model architecture and initial weights (the digits MLP 64-256-10, or a small CNN on the 8x8
images), same batch of digits, same device, same σ and C. Each variant does one full optimizer step:

* ``course_lib``: the step ``train_dp`` takes (without sampling or accounting): per-example
  gradients by vmap (``per_sample_grads``), clipping factors as in ``clip_per_sample`` fused with the
  sum (no clipped copy is made), noise as in ``noisy_aggregate``, SGD step;
* ``opacus``: ``PrivacyEngine.make_private(...)`` (hooks mode) forward, backward and DP optimizer step;
* ``non-private``: forward, backward, SGD step;
* ``naive loop``: ``naive_per_sample_grads`` (a Python loop of B backward passes), then the public
  ``clip_per_sample`` and ``noisy_aggregate``, and the step: what vectorising buys.

Timing fairness: every variant sees the *same fixed batch* of ``--batch`` examples. Opacus is built
with ``poisson_sampling=False`` so that its step has that fixed size too (real DP training samples
Poisson batches whose size varies around q·N; that changes the sizes, not the per-example cost).
Times are medians of interleaved repeats (course_lib.compression.compare) and are reported as ratios
next to the hardware string, so seconds from different machines are not compared.
"""

from __future__ import annotations

import argparse
import warnings

import torch
from torch import nn

from course_lib.compression import compare
from course_lib.config import device as pick_device
from course_lib.data import load_digits_split
from course_lib.dp.sgd import _dp_gradient, clip_per_sample, naive_per_sample_grads, noisy_aggregate
from course_lib.models import mlp
from course_lib.nbrun import hardware

SIGMA, C, LR = 1.0, 1.0, 0.1
CE = nn.functional.cross_entropy


def small_cnn() -> nn.Sequential:
    """Two 3x3 convolutions with GroupNorm (no BatchNorm: DP-SGD cannot use it) on 1x8x8 digits."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 16, 3, padding=1), nn.GroupNorm(4, 16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
    )


def build(kind: str) -> nn.Module:
    torch.manual_seed(0)
    return mlp(64, (256,), 10) if kind == "mlp" else small_cnn()


def dp_step_fn(model: nn.Module, xb, yb, gen, naive: bool = False):
    """train_dp's step (its internal ``_dp_gradient``: vmap grads, clip and sum fused, noise), or with
    ``naive`` the public pieces with the Python-loop gradients."""
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]

    def step():
        if naive:
            clipped, _ = clip_per_sample(naive_per_sample_grads(model, CE, xb, yb), C)
            noisy = noisy_aggregate(clipped, SIGMA, C, float(len(xb)), gen)
        else:
            noisy, _ = _dp_gradient(model, CE, xb, yb, C, SIGMA, float(len(xb)), gen)
        for n, p in named:
            p.grad = noisy[n]
        opt.step()
        opt.zero_grad(set_to_none=True)

    return step


def plain_step_fn(model: nn.Module, xb, yb):
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad(set_to_none=True)
        CE(model(xb), yb).backward()
        opt.step()

    return step


def opacus_step_fn(model: nn.Module, xb, yb, X, y):
    from opacus import PrivacyEngine

    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=len(xb))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "secure RNG turned off", optimizer-state notes
        engine = PrivacyEngine()
        model, opt, _ = engine.make_private(module=model, optimizer=opt, data_loader=loader,
                                            noise_multiplier=SIGMA, max_grad_norm=C,
                                            poisson_sampling=False)

    def step():
        opt.zero_grad(set_to_none=True)
        CE(model(xb), yb).backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--no-naive", action="store_true", help="skip the Python-loop reference")
    args = parser.parse_args()
    if args.batch < 1:
        parser.error("--batch must be >= 1")
    warnings.filterwarnings("ignore", message=".*[Ff]ull backward hook.*")

    dev = pick_device(args.device)
    split = load_digits_split()
    X = torch.as_tensor(split.X_train).to(dev)
    y = torch.as_tensor(split.y_train).to(dev)
    n = len(X)
    gen = torch.Generator().manual_seed(0)
    idx = (torch.randperm(n, generator=gen)[:args.batch] if args.batch <= n
           else torch.randint(0, n, (args.batch,), generator=gen))
    xb, yb = X[idx.to(dev)], y[idx.to(dev)]
    noise_gen = torch.Generator(device=dev).manual_seed(1)

    fns = {
        "course_lib DP-SGD": dp_step_fn(build(args.model).to(dev), xb, yb, noise_gen),
        "non-private SGD": plain_step_fn(build(args.model).to(dev), xb, yb),
    }
    try:
        fns["opacus DP-SGD"] = opacus_step_fn(build(args.model).to(dev), xb, yb, X, y)
    except ImportError:
        print("opacus is not installed: skipping its row")
    if not args.no_naive:
        fns["naive loop DP-SGD"] = dp_step_fn(build(args.model).to(dev), xb, yb, noise_gen, naive=True)

    results = compare(fns, reference="non-private SGD", warmup=args.warmup, repeats=args.repeats,
                      threads=args.threads)
    print(f"DP-SGD step, {args.model} on digits, batch {args.batch} (fixed, of q·N with N={n}, "
          f"q={args.batch / n:.3f}), sigma={SIGMA}, C={C}, device {dev}")
    print(f"hardware: {hardware()}; {args.threads} thread(s) during timing")
    width = max(map(len, results))
    for name, r in results.items():
        throughput = args.batch / r["median_s"]
        print(f"  {name:<{width}}  {r['timing']}  x{r['ratio']:.2f} of non-private, "
              f"{throughput:,.0f} examples/s")
    ours = results["course_lib DP-SGD"]["median_s"]
    plain = results["non-private SGD"]["median_s"]
    print(f"private/non-private overhead: course_lib x{ours / plain:.2f}", end="")
    if "opacus DP-SGD" in results:
        theirs = results["opacus DP-SGD"]["median_s"]
        print(f", opacus x{theirs / plain:.2f}")
        print(f"throughput course_lib / opacus: {theirs / ours:.2f} (>1: course_lib is faster)")
    else:
        print()
    if "naive loop DP-SGD" in results:
        print(f"vmap speed-up over the Python loop: x{results['naive loop DP-SGD']['median_s'] / ours:.1f}")


if __name__ == "__main__":
    main()
