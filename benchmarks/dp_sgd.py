"""Time per optimizer step of course_lib's DP-SGD (ghost and vmap paths), Opacus and plain SGD, in one run.

    .venv/bin/python benchmarks/dp_sgd.py [--model mlp logreg cnn] [--batch 256] [--repeats 30]
                                         [--threads 1] [--device auto|cpu|cuda] [--naive]

For each model (the digits MLP 64-256-10, multinomial logistic regression 64-10, a small CNN with
GroupNorm on the 8x8 images), the same initial weights, the same batch of digits, the same device,
the same σ and C. Each variant does one full optimizer step:

* ``course_lib ghost``: the step ``train_dp`` takes with ``clipping="ghost"`` (the "auto" default for
  these models), without sampling or accounting: one forward and one backward pass to the layer
  outputs, per-example norms from activations and output gradients, the clipped sum as one matrix
  product per layer (book-keeping), noise as in ``noisy_aggregate``, SGD step;
* ``course_lib vmap``: the same with ``clipping="vmap"``: per-example gradients by ``torch.func``,
  clipping factors fused with the sum;
* ``opacus``: ``PrivacyEngine.make_private(...)`` (hooks mode, its default) forward, backward and DP
  optimizer step; ``opacus ghost``: the same with ``grad_sample_mode="ghost"`` (Opacus's fast
  gradient clipping: two backward passes);
* ``non-private``: forward, backward, SGD step;
* ``naive loop`` (with ``--naive``): ``naive_per_sample_grads`` (a Python loop of B backward passes),
  then the public ``clip_per_sample`` and ``noisy_aggregate``, and the step: what vectorising buys.

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
from course_lib.dp.ghost import GhostClipper
from course_lib.dp.sgd import _dp_gradient, clip_per_sample, naive_per_sample_grads, noisy_aggregate
from course_lib.models import mlp
from course_lib.nbrun import hardware

SIGMA, C, LR = 1.0, 1.0, 0.1
CE = nn.functional.cross_entropy
MODELS = ("mlp", "logreg", "cnn")


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
    if kind == "mlp":
        return mlp(64, (256,), 10)
    if kind == "logreg":
        return nn.Linear(64, 10)
    return small_cnn()


def dp_step_fn(model: nn.Module, xb, yb, gen, path: str):
    """train_dp's step (its internal ``_dp_gradient``) by the ghost or vmap path, or with ``"naive"``
    the public pieces with the Python-loop gradients."""
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    clipper = GhostClipper(model) if path == "ghost" else None  # train_dp keeps one for the whole run

    def step():
        if path == "naive":
            clipped, _ = clip_per_sample(naive_per_sample_grads(model, CE, xb, yb), C)
            noisy = noisy_aggregate(clipped, SIGMA, C, float(len(xb)), gen)
        else:
            noisy, _ = _dp_gradient(model, CE, xb, yb, C, SIGMA, float(len(xb)), gen, clipper)
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


def opacus_step_fn(model: nn.Module, xb, yb, X, y, mode: str):
    from opacus import PrivacyEngine

    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=len(xb))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "secure RNG turned off", optimizer-state notes
        engine = PrivacyEngine()
        if mode == "ghost":
            model, opt, criterion, _ = engine.make_private(
                module=model, optimizer=opt, data_loader=loader, criterion=nn.CrossEntropyLoss(),
                noise_multiplier=SIGMA, max_grad_norm=C, poisson_sampling=False, grad_sample_mode="ghost")
        else:
            model, opt, _ = engine.make_private(module=model, optimizer=opt, data_loader=loader,
                                                noise_multiplier=SIGMA, max_grad_norm=C,
                                                poisson_sampling=False)
            criterion = CE

    def step():
        opt.zero_grad(set_to_none=True)
        criterion(model(xb), yb).backward()
        opt.step()

    return step


def run_model(kind: str, X, y, xb, yb, dev, args) -> dict[str, dict]:
    noise_gen = torch.Generator(device=dev).manual_seed(1)
    fns = {
        "course_lib ghost": dp_step_fn(build(kind).to(dev), xb, yb, noise_gen, "ghost"),
        "course_lib vmap": dp_step_fn(build(kind).to(dev), xb, yb, noise_gen, "vmap"),
        "non-private SGD": plain_step_fn(build(kind).to(dev), xb, yb),
    }
    try:
        fns["opacus"] = opacus_step_fn(build(kind).to(dev), xb, yb, X, y, "hooks")
        fns["opacus ghost"] = opacus_step_fn(build(kind).to(dev), xb, yb, X, y, "ghost")
    except ImportError:
        print("opacus is not installed: skipping its rows")
    if args.naive:
        fns["naive loop"] = dp_step_fn(build(kind).to(dev), xb, yb, noise_gen, "naive")
    results = compare(fns, reference="non-private SGD", warmup=args.warmup, repeats=args.repeats,
                      threads=args.threads)
    print(f"\n{kind}: {sum(p.numel() for p in build(kind).parameters()):,} parameters")
    width = max(map(len, results))
    for name, r in results.items():
        print(f"  {name:<{width}}  {r['timing']}  x{r['ratio']:.2f} of non-private, "
              f"{args.batch / r['median_s']:,.0f} examples/s")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=MODELS, nargs="+", default=list(MODELS))
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--naive", action="store_true", help="add the Python-loop reference (slow)")
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
    print(f"DP-SGD step on digits, batch {args.batch} (fixed, of q·N with N={n}, q={args.batch / n:.3f}), "
          f"sigma={SIGMA}, C={C}, device {dev}")
    print(f"hardware: {hardware()}; {args.threads} thread(s) during timing")

    summary = {kind: run_model(kind, X, y, xb, yb, dev, args) for kind in args.model}

    print("\nmedian time per step relative to non-private SGD (lower is better), and course_lib's speed-up")
    print(f"  {'model':<7} {'ghost':>7} {'vmap':>7} {'opacus':>7} {'op.ghost':>8}   "
          "ghost vs opacus  ghost vs vmap")
    for kind, res in summary.items():
        ratio = {name: f"x{r['ratio']:.2f}" for name, r in res.items()}
        ghost = res["course_lib ghost"]["median_s"]
        best_opacus = min((res[k]["median_s"] for k in ("opacus", "opacus ghost") if k in res), default=None)
        vs_opacus = f"x{best_opacus / ghost:.2f} faster" if best_opacus else "n/a"
        print(f"  {kind:<7} {ratio['course_lib ghost']:>7} {ratio['course_lib vmap']:>7} "
              f"{ratio.get('opacus', 'n/a'):>7} {ratio.get('opacus ghost', 'n/a'):>8}   "
              f"{vs_opacus:>15}  x{res['course_lib vmap']['median_s'] / ghost:.2f} faster")
    print("(ghost vs opacus: against the faster of Opacus's two modes)")


if __name__ == "__main__":
    main()
