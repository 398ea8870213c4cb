"""Shadow models trained all at once (stacked weights, batched products) against a loop over the same
models, in one run.

    .venv/bin/python benchmarks/shadow_training.py [--models 64] [--epochs 3] [--repeats 3] [--threads 1]

Both trainers produce the same models (tests/attacks/test_shadow.py checks it): same initial weights,
same batches, Adam. Each configuration (hidden width, batch size) is timed alternately, after a
warm-up, and the median of the repeats is reported with the ratio loop / stacked (above 1: stacking
is faster). Digits: 1,797 images, every model on its own random half.

Where the ratio comes from: a loop step costs a fixed overhead (Python, autograd, one Adam update
per model) plus the arithmetic; stacking pays the overhead once for all models. Small models and
small batches are overhead-bound, so stacking wins by a large factor there; for wide layers and
large batches both are bound by the same arithmetic on the same cores, and the ratio tends to 1.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from course_lib.attacks.membership import sample_in_out
from course_lib.attacks.shadow import train_shadow_models, train_shadow_models_loop
from course_lib.data import load_digits_split
from course_lib.nbrun import hardware

CONFIGS = [((32,), 32), ((64,), 32), ((64,), 64), ((128,), 64), ((256, 128), 128)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    digits = load_digits_split(seed=0, scale="none")
    X = np.concatenate([digits.X_train, digits.X_test]) / 16
    y = np.concatenate([digits.y_train, digits.y_test])
    keep = sample_in_out(args.models, len(X), np.random.default_rng(0))
    print(f"{hardware()}; torch threads {args.threads}; {args.models} MLPs on digits, {args.epochs} epochs, "
          f"median of {args.repeats}")
    print(f"{'hidden':>12} {'batch':>6} {'stacked s':>10} {'loop s':>8} {'loop/stacked':>13}")
    ratios = []
    for hidden, batch in CONFIGS:
        kw = dict(hidden=hidden, epochs=args.epochs, batch_size=batch, lr=3e-3, seed=0)
        train_shadow_models(X, y, keep[:2], **{**kw, "epochs": 1})  # warm-up
        train_shadow_models_loop(X, y, keep[:2], **{**kw, "epochs": 1})
        times: dict[str, list[float]] = {"stacked": [], "loop": []}
        for _ in range(args.repeats):
            for name, fn in (("stacked", train_shadow_models), ("loop", train_shadow_models_loop)):
                started = time.perf_counter()
                fn(X, y, keep, **kw)
                times[name].append(time.perf_counter() - started)
        stacked, loop = statistics.median(times["stacked"]), statistics.median(times["loop"])
        ratios.append(loop / stacked)
        print(f"{str(hidden):>12} {batch:>6} {stacked:>10.2f} {loop:>8.2f} {loop / stacked:>12.1f}x")
    print(f"median ratio over the configurations: {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
