"""Checkers for exercise 05 (DP-SGD). Deterministic pieces are compared with an independent
computation; noisy pieces are judged statistically over many seeded calls (tolerances many standard
errors wide). Messages describe the property, never the expected numbers."""

from __future__ import annotations

import math

import numpy as np

from ...dp.accounting import RDPAccountant
from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_drawn_from_rng, expect_error, repeat_calls


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _tol(arr, float64: float = 1e-9) -> float:
    """Tolerance for an answer in its own float type: ``float64`` for float64 (and non-float) answers,
    a few dozen units in the last place for lower precisions such as float32."""
    dtype = np.asarray(arr).dtype
    if not np.issubdtype(dtype, np.floating) or np.finfo(dtype).eps <= 1e-15:
        return float64
    return 64 * float(np.finfo(dtype).eps)


def check_per_example_gradients(fn) -> None:
    gen = np.random.default_rng(501)
    for n, k, d in [(6, 3, 4), (1, 10, 64), (20, 10, 64)]:
        W, b = gen.normal(size=(k, d)) * 0.3, gen.normal(size=k) * 0.1
        X, y = gen.normal(size=(n, d)), gen.integers(0, k, size=n)
        call = f"per_example_gradients(W {W.shape}, b {b.shape}, X {X.shape}, y {y.shape})"
        out = fn(W.copy(), b.copy(), X.copy(), y.copy())
        if not (isinstance(out, tuple) and len(out) == 2):
            raise CheckFailure(f"{call} must return a tuple (gW, gb)")
        gW = as_array(np.asarray(out[0]), call + "[0]", shape=(n, k, d))
        gb = as_array(np.asarray(out[1]), call + "[1]", shape=(n, k))
        r = _softmax(X @ W.T + b)
        r[np.arange(n), y] -= 1
        tb, tw = _tol(gb, 1e-8), _tol(gW, 1e-8)
        onehot = np.eye(k)[y]

        def close(a, want, tb=tb):
            return np.allclose(a, want, rtol=tb, atol=tb)

        if not close(gb, r):
            if n > 1 and close(gb, np.broadcast_to(r.mean(axis=0), r.shape)):
                raise CheckFailure(f"{call}: every example got the batch's average gradient",
                                   hint="One gradient PER EXAMPLE: do not average over the batch.")
            if close(gb, r + onehot):
                raise CheckFailure(f"{call}: the one-hot label is not subtracted from the probabilities",
                                   hint="The gradient is p_i - e_i, with e_i the one-hot label of example i.")
            if n > 1 and close(gb * n, r):
                raise CheckFailure(f"{call}: the per-example gradients are divided by the batch size",
                                   hint="Each example's own gradient, not its share of the average.")
            if close(gb, _softmax(X @ W.T) - onehot):
                raise CheckFailure(f"{call}: the bias b is left out of the logits",
                                   hint="z_i = W x_i + b.")
            if close(gb, -r):
                raise CheckFailure(f"{call}: the gradients point the wrong way (sign)")
            raise CheckFailure(f"{call}: the bias gradients are wrong",
                               hint="p_i = softmax(W x_i + b); the gradient is p_i minus the one-hot label.")
        if not np.allclose(gW, r[:, :, None] * X[:, None, :], rtol=tw, atol=tw):
            raise CheckFailure(f"{call}: the weight gradients are wrong",
                               hint="Per example: the outer product (p_i - e_i) x_iᵀ — not an average.")
    with np.errstate(over="ignore", invalid="ignore"):
        gW, _ = fn(np.array([[1000.0], [-1000.0]]), np.zeros(2), np.ones((1, 1)) * 5, np.array([0]))
    if not np.all(np.isfinite(np.asarray(gW))):
        raise CheckFailure("per_example_gradients with logits of size 5000: non-finite gradients",
                           hint="Subtract each row's largest logit before exponentiating.")


def check_clip_gradients(fn) -> None:
    gen = np.random.default_rng(502)
    g = gen.normal(size=(50, 30)) * gen.uniform(0.01, 3, size=(50, 1))
    g[7] = 0.0  # an example whose gradient is exactly zero
    for C in (0.5, 1.0, 4.0):
        call = f"clip_gradients(50 gradients of dimension 30, one of them all zeros, max_norm={C})"
        out = as_array(np.asarray(fn(g.copy(), C)), call, shape=g.shape)
        tol = _tol(out)
        if not np.all(np.isfinite(out)):
            raise CheckFailure(f"{call}: the result has NaN or inf (the all-zero row?)",
                               hint="A zero gradient has norm 0 and is inside the ball: leave it as it is "
                               "instead of dividing by its norm.")
        norms = np.linalg.norm(g, axis=1)
        new = np.linalg.norm(out, axis=1)
        safe = np.where(norms > 0, norms, 1.0)[:, None]
        for other, mistake in [
                (np.abs(g).sum(axis=1, keepdims=True), "clips by the L1 norm (sum of |g|), not the L2 norm"),
                (np.abs(g).max(axis=1, keepdims=True), "clips by the largest |coordinate|, not the L2 norm"),
                (np.full((len(g), 1), np.linalg.norm(g)), "clips the whole batch as one vector, not by row")]:
            wrong = g * np.minimum(1, C / np.where(other > 0, other, 1.0))
            if np.allclose(out, wrong, rtol=tol, atol=tol * C):
                raise CheckFailure(f"{call}: {mistake}",
                                   hint="Each row by its own Euclidean norm: g · min(1, C / ||g||₂).")
        if np.allclose(out, g * (C / safe), rtol=tol, atol=tol * C):
            raise CheckFailure(f"{call}: short gradients were scaled UP to norm max_norm",
                               hint="min(1, C / ||g||): rows inside the ball stay as they are.")
        if np.any(new > C * (1 + tol)):
            raise CheckFailure(f"{call}: some example's gradient is still longer than max_norm",
                               hint="Clip each ROW (one example) as a whole vector, by its L2 norm.")
        inside = norms <= C
        if not np.allclose(out[inside], g[inside], rtol=tol, atol=tol * C):
            raise CheckFailure(f"{call}: a gradient already inside the ball was changed",
                               hint="min(1, C / ||g||): short gradients are left alone.")
        live = norms > 0
        cos = np.sum(out[live] * g[live], axis=1) / (new[live] * norms[live])
        if np.any(cos < 1 - 100 * tol):
            raise CheckFailure(f"{call}: a clipped gradient changed direction",
                               hint="Scale the whole vector; do not clamp coordinates one by one.")
        if not np.allclose(new[~inside], C, rtol=100 * tol):
            raise CheckFailure(f"{call}: long gradients should end exactly on the ball of radius max_norm",
                               hint="The norm is the L2 (Euclidean) norm of the row, not L1 or max |g|.")
    expect_error(fn, (g, 0.0), (ValueError,), "clip_gradients(..., max_norm=0)")
    expect_error(fn, (g, -1.0), (ValueError,), "clip_gradients(..., max_norm=-1)")


def check_private_gradient(fn) -> None:
    gen = np.random.default_rng(503)
    grads = gen.normal(size=(7, 12)) * np.array([[0.1], [0.5], [1.0], [2.0], [3.0], [0.2], [5.0]])
    C, sigma, E = 1.5, 0.8, 10.0
    call = (f"private_gradient(7 gradients of dimension 12, max_norm={C}, noise_multiplier={sigma}, "
            f"expected_batch_size={E}, rng)")
    draws = 3000
    rng = np.random.default_rng(504)
    out = np.array([np.asarray(o, dtype=float)
                    for o in repeat_calls(fn, (grads, C, sigma, E, rng), draws, copy=(0,))])
    if out.shape != (draws, 12):
        raise CheckFailure(f"{call} must return one vector of dimension 12")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    clipped_sum = (grads * np.minimum(1, C / norms)).sum(axis=0)
    std = float(np.std(out, axis=0).mean())
    if std < 1e-12:
        if np.max(np.abs(out[0] - clipped_sum / E)) > 1e-9 * (1 + np.max(np.abs(clipped_sum / E))):
            # the same noisy answer on every call: noise drawn from a generator of its own, seeded
            raise CheckFailure(f"{call}: every call adds the same noise (a generator seeded inside the "
                               "function?)", hint="Draw the noise from the rng argument: noise that repeats "
                               "cancels when an attacker compares two answers.")
        raise CheckFailure(f"{call}: no noise is added",
                           hint="Without noise, clipping alone protects nothing.")
    want_std = sigma * C / E
    centre = out.mean(axis=0)
    realised = clipped_sum / len(grads)
    if np.max(np.abs(centre - realised)) <= 6 * (sigma * C / len(grads)) / math.sqrt(draws) \
            and np.max(np.abs(centre - clipped_sum / E)) > 6 * want_std / math.sqrt(draws):
        raise CheckFailure(f"{call}: divided by the realised batch size",
                           hint="Divide by expected_batch_size: the realised size of a Poisson batch is "
                           "not private.")
    if not 0.97 * want_std <= std <= 1.03 * want_std:  # about 8 standard errors of 36000 draws
        raise CheckFailure(f"{call}: the noise has the wrong standard deviation",
                           hint="Noise std = noise_multiplier × max_norm, added to the SUM, then divided by "
                           "the expected batch size.")
    tol = 6 * want_std / math.sqrt(draws)
    if np.max(np.abs(centre - clipped_sum / E)) > tol:
        raise CheckFailure(f"{call}: the average is not the mean of the CLIPPED gradients",
                           hint="Clip each example first, then sum; clipping the sum bounds nothing per "
                           "person.")
    noise = out - centre
    corr = np.corrcoef(noise, rowvar=False)
    if np.max(np.abs(corr - np.eye(12))) > 0.15:  # about 8 standard errors for 3000 draws
        raise CheckFailure(f"{call}: the noise of different coordinates is correlated (one value shared?)",
                           hint="Draw an independent Gaussian for EVERY coordinate: size=the gradient's "
                           "shape.")
    lag = np.mean(np.sum(noise[1:] * noise[:-1], axis=0) / np.sum(noise**2, axis=0))
    if abs(lag) > 0.15:
        raise CheckFailure(f"{call}: the noise of one call is correlated with the next call's",
                           hint="Every call draws fresh noise from rng.")
    expect_drawn_from_rng([np.asarray(fn(grads.copy(), C, sigma, E, np.random.default_rng(seed)))
                           for seed in (7, 7, 8)], call, "results", "result", "the noise")
    exact = np.asarray(fn(grads.copy(), C, 0.0, E, np.random.default_rng(0)), dtype=float)
    if exact.shape != (12,) or not np.allclose(exact, clipped_sum / E, rtol=_tol(exact), atol=0):
        raise CheckFailure(f"{call.replace(f'noise_multiplier={sigma}', 'noise_multiplier=0')}: without "
                           "noise the result must be exactly the clipped sum over expected_batch_size",
                           hint="noise_multiplier = 0 is allowed (>= 0): the noise is then zero.")
    expect_error(fn, (grads, C, -1.0, E, np.random.default_rng(0)), (ValueError,),
                 "private_gradient(..., noise_multiplier=-1)")


def check_poisson_sample(fn) -> None:
    n, q, draws = 200, 0.1, 2000
    rng = np.random.default_rng(505)
    call = f"poisson_sample(n={n}, sample_rate={q}, rng)"
    sizes, hits = [], np.zeros(n)
    for out in repeat_calls(fn, (n, q, rng), draws):
        idx = np.asarray(out)
        if idx.ndim != 1 or (idx.size and (idx.min() < 0 or idx.max() >= n)):
            raise CheckFailure(f"{call} must return a 1-D array of indices in [0, {n})")
        if len(np.unique(idx)) != len(idx):
            raise CheckFailure(f"{call}: an example appears twice in one batch",
                               hint="Each example is in or out, once: a coin flip per example.")
        if np.any(np.diff(idx) < 0):
            raise CheckFailure(f"{call}: the indices are not sorted")
        sizes.append(len(idx))
        hits[idx.astype(int)] += 1
    sizes = np.array(sizes)
    mean, var = sizes.mean(), sizes.var()
    if abs(mean - n * q) > 6 * math.sqrt(n * q * (1 - q) / draws):
        raise CheckFailure(f"{call}: the average batch size is not sample_rate × n")
    if not 0.8 * n * q * (1 - q) <= var <= 1.2 * n * q * (1 - q):
        raise CheckFailure(f"{call}: the batch size does not vary like a Poisson sample's",
                           hint="A fixed-size batch is shuffling, not Poisson sampling — and the RDP "
                           "accountant's bound assumes Poisson sampling.")
    per_example = hits / draws
    if np.max(np.abs(per_example - q)) > 6 * math.sqrt(q * (1 - q) / draws):
        raise CheckFailure(f"{call}: some examples are chosen far more or less often than sample_rate")
    expect_drawn_from_rng([np.asarray(fn(n, q, np.random.default_rng(seed))) for seed in (11, 11, 12)],
                          call, "batches", "batch", "the coin flips")
    small, p_empty, draws = 10, 0.95**10, 400
    call = f"poisson_sample(n={small}, sample_rate=0.05, rng)"
    empty = np.mean([np.asarray(out).size == 0
                     for out in repeat_calls(fn, (small, 0.05, np.random.default_rng(506)), draws)])
    if abs(empty - p_empty) > 6 * math.sqrt(p_empty * (1 - p_empty) / draws):
        raise CheckFailure(f"{call}: empty batches do not come as often as they should",
                           hint="A batch may be empty: each example is a coin flip, nothing more.")
    full = np.asarray(fn(5, 1.0, np.random.default_rng(0)))
    if full.tolist() != list(range(5)):
        raise CheckFailure("poisson_sample(n=5, sample_rate=1.0, rng): every example must be in the batch",
                           hint="sample_rate = 1 is allowed and includes everyone.")
    for bad in (0.0, 1.5, -0.1):
        expect_error(fn, (n, bad, rng), (ValueError,), f"poisson_sample(..., sample_rate={bad})")


def check_epsilon_after_training(fn) -> None:
    for sigma, n, bs, epochs, delta in [(1.1, 60000, 256, 10, 1e-5), (1.0, 1437, 512, 10, 1e-5),
                                        (2.0, 1000, 100, 5, 1e-6)]:
        call = (f"epsilon_after_training(noise_multiplier={sigma}, n={n}, batch_size={bs}, "
                f"epochs={epochs}, delta={delta})")
        e = fn(sigma, n, bs, epochs, delta)
        if isinstance(e, bool) or not isinstance(e, (int, float, np.floating)):
            raise CheckFailure(f"{call} returned {type(e).__name__}, expected a float")
        q = bs / n

        def eps(rate, steps, sigma=sigma, delta=delta):
            acct = RDPAccountant()
            acct.step(sigma, rate, steps)
            return acct.get_epsilon(delta)

        if not math.isclose(float(e), eps(q, epochs * round(1 / q)), rel_tol=1e-6):
            for rate, steps, mistake in [(q, epochs, "one step per epoch: an epoch is round(1 / q) steps"),
                                         (1.0, epochs * round(1 / q), "no subsampling (q = 1)"),
                                         (q, epochs * int(1 / q), "int() truncates; the docstring rounds")]:
                if math.isclose(float(e), eps(rate, steps), rel_tol=1e-6):
                    raise CheckFailure(f"{call}: {mistake}",
                                       hint="q = batch_size / n; steps = epochs × round(1 / q).")
            raise CheckFailure(f"{call}: wrong epsilon",
                               hint="q = batch_size / n; steps = epochs × round(1 / q); one accountant "
                               "step call with all of them.")


EXERCISE = Exercise(
    name="05_dp_sgd",
    title="DP-SGD: per-example gradients, clipping, noise, sampling and accounting",
    tasks=(
        Task("per_example_gradients", "per_example_gradients", check_per_example_gradients,
             notebook="05_dp_sgd", hint="(softmax(W x_i + b) - onehot(y_i)) outer x_i, one per example."),
        Task("clip_gradients", "clip_gradients", check_clip_gradients, notebook="05_dp_sgd",
             hint="Row-wise: g · min(1, C / ||g||)."),
        Task("private_gradient", "private_gradient", check_private_gradient, notebook="05_dp_sgd",
             hint="Clip each row, sum, add N(0, (σC)²), divide by the expected batch size."),
        Task("poisson_sample", "poisson_sample", check_poisson_sample, notebook="05_dp_sgd",
             hint="One independent coin flip with probability q per example."),
        Task("epsilon_after_training", "epsilon_after_training", check_epsilon_after_training,
             notebook="05_dp_sgd", hint="Sample rate and number of steps from the loop, then RDPAccountant."),
    ),
)
