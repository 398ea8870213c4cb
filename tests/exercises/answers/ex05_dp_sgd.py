"""Independent answers to exercise 05, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import numpy as np
from scipy import special

from course_lib.dp.accounting import RDPAccountant

# ----------------------------------------------------------------------------- per_example_gradients


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def peg_loop(W, b, X, y):
    n, k = len(X), W.shape[0]
    gW, gb = np.zeros((n, k, X.shape[1])), np.zeros((n, k))
    for i in range(n):
        z = W @ X[i] + b
        p = np.exp(z - z.max())
        p /= p.sum()
        p[y[i]] -= 1
        gW[i], gb[i] = np.outer(p, X[i]), p
    return gW, gb


def peg_einsum_scipy(W, b, X, y):
    p = special.softmax(X @ W.T + b, axis=1)
    d = p - np.eye(W.shape[0])[y]
    return np.einsum("nk,nd->nkd", d, X), d


def peg_float32(W, b, X, y):
    W, b, X = (np.asarray(a, dtype=np.float32) for a in (W, b, X))
    d = _softmax(X @ W.T + b)
    d[np.arange(len(y)), y] -= 1
    return d[:, :, None] * X[:, None, :], d


def peg_average(W, b, X, y):
    d = _softmax(X @ W.T + b)
    d[np.arange(len(y)), y] -= 1
    g = d[:, :, None] * X[:, None, :]
    return np.broadcast_to(g.mean(axis=0), g.shape).copy(), np.broadcast_to(d.mean(axis=0), d.shape).copy()


def peg_no_label(W, b, X, y):
    d = _softmax(X @ W.T + b)
    return d[:, :, None] * X[:, None, :], d


def peg_sign(W, b, X, y):
    d = np.eye(W.shape[0])[y] - _softmax(X @ W.T + b)
    return d[:, :, None] * X[:, None, :], d


def peg_sigmoid(W, b, X, y):
    d = special.expit(X @ W.T + b) - np.eye(W.shape[0])[y]
    return d[:, :, None] * X[:, None, :], d


def peg_softmax_axis0(W, b, X, y):
    z = X @ W.T + b
    p = np.exp(z - z.max(axis=0, keepdims=True))
    p /= p.sum(axis=0, keepdims=True)
    d = p - np.eye(W.shape[0])[y]
    return d[:, :, None] * X[:, None, :], d


def peg_no_bias(W, b, X, y):
    d = _softmax(X @ W.T) - np.eye(W.shape[0])[y]
    return d[:, :, None] * X[:, None, :], d


def peg_divided_by_n(W, b, X, y):
    d = (_softmax(X @ W.T + b) - np.eye(W.shape[0])[y]) / len(X)
    return d[:, :, None] * X[:, None, :], d


def peg_transposed(W, b, X, y):
    d = _softmax(X @ W.T + b) - np.eye(W.shape[0])[y]
    return X[:, :, None] * d[:, None, :], d


def peg_fancy_index_bug(W, b, X, y):
    p = _softmax(X @ W.T + b)
    p[:, y] -= 1  # subtracts at every row's columns y
    return p[:, :, None] * X[:, None, :], p


# ----------------------------------------------------------------------------- clip_gradients


def _need(ok, msg):
    if not ok:
        raise ValueError(msg)


def clip_loop(grads, max_norm):
    _need(max_norm > 0, "max_norm must be > 0")
    out = np.array(grads, dtype=float, copy=True)
    for i, row in enumerate(out):
        norm = np.sqrt((row**2).sum())
        if norm > max_norm:
            out[i] = row * (max_norm / norm)
    return out


def clip_where(grads, max_norm):
    _need(max_norm > 0, "max_norm must be > 0")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > max_norm, grads * max_norm / norms, grads)


def clip_in_place(grads, max_norm):
    _need(max_norm > 0, "max_norm must be > 0")
    norms = np.linalg.norm(grads, axis=1)
    big = norms > max_norm
    grads[big] *= (max_norm / norms[big])[:, None]
    return grads


def clip_float32(grads, max_norm):
    _need(max_norm > 0, "max_norm must be > 0")
    g = np.asarray(grads, dtype=np.float32)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g * np.minimum(np.float32(1), np.float32(max_norm) / np.maximum(norms, np.float32(1e-30)))


def clip_l1(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norms = np.abs(grads).sum(axis=1, keepdims=True)
    return grads * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))


def clip_linf(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norms = np.abs(grads).max(axis=1, keepdims=True)
    return grads * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))


def clip_normalize_all(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    return grads * (max_norm / np.maximum(norms, 1e-12))


def clip_global(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norm = np.linalg.norm(grads)
    return grads * min(1.0, max_norm / max(norm, 1e-12))


def clip_zero_rows_nan(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return grads * np.minimum(1.0, max_norm / norms) * (norms / norms)


def clip_coordinates(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    return np.clip(grads, -max_norm, max_norm)


def clip_no_check(grads, max_norm):
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    return grads * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))


def clip_columns(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norms = np.linalg.norm(grads, axis=0, keepdims=True)
    return grads * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))


def clip_inverted(grads, max_norm):
    _need(max_norm > 0, "max_norm")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    return grads * np.minimum(1.0, np.maximum(norms, 1e-12) / max_norm)


# ----------------------------------------------------------------------------- private_gradient


def _clip(grads, c):
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    return grads * np.minimum(1.0, c / np.maximum(norms, 1e-12))


def pg_standard_normal(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    _need(noise_multiplier >= 0, "noise_multiplier must be >= 0")
    total = _clip(grads, max_norm).sum(axis=0)
    return (total + noise_multiplier * max_norm * rng.standard_normal(total.shape)) / expected_batch_size


def pg_noise_after_dividing(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    _need(noise_multiplier >= 0, "noise_multiplier must be >= 0")
    mean = _clip(grads, max_norm).sum(axis=0) / expected_batch_size
    return mean + rng.normal(0, noise_multiplier * max_norm / expected_batch_size, size=mean.shape)


def pg_noise_first(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    _need(noise_multiplier >= 0, "noise_multiplier must be >= 0")
    noise = rng.normal(scale=noise_multiplier * max_norm, size=grads.shape[1])
    return (noise + _clip(grads, max_norm).sum(axis=0)) / expected_batch_size


def pg_shared_noise(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * max_norm)) / expected_batch_size


def pg_len_grads(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * max_norm, total.shape)) / len(grads)


def pg_no_c(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier, total.shape)) / expected_batch_size


def pg_no_clip(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = grads.sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * max_norm, total.shape)) / expected_batch_size


def pg_global_rng(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    noise = np.random.normal(0, noise_multiplier * max_norm, total.shape)  # noqa: NPY002
    return (total + noise) / expected_batch_size


def pg_fixed_seed(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    noise = np.random.default_rng(0).normal(0, noise_multiplier * max_norm, total.shape)
    return (total + noise) / expected_batch_size


def pg_variance_not_std(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    noise = rng.normal(0, np.sqrt(noise_multiplier * max_norm), total.shape)
    return (total + noise) / expected_batch_size


def pg_laplace(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    return (total + rng.laplace(0, noise_multiplier * max_norm, total.shape)) / expected_batch_size


def pg_no_negative_check(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    total = _clip(grads, max_norm).sum(axis=0)
    noise = rng.normal(0, abs(noise_multiplier) * max_norm, total.shape)
    return (total + noise) / expected_batch_size


def pg_mean_then_noise(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    _need(noise_multiplier >= 0, "noise_multiplier")
    mean = _clip(grads, max_norm).sum(axis=0) / expected_batch_size
    return mean + rng.normal(0, noise_multiplier * max_norm, mean.shape)


def pg_l1_clip(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    _need(noise_multiplier >= 0, "noise_multiplier")
    norms = np.abs(grads).sum(axis=1, keepdims=True)
    total = (grads * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * max_norm, total.shape)) / expected_batch_size


def pg_noise_per_example(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    _need(noise_multiplier >= 0, "noise_multiplier")
    clipped = _clip(grads, max_norm)
    noisy = clipped + rng.normal(0, noise_multiplier * max_norm, clipped.shape)
    return noisy.sum(axis=0) / expected_batch_size


# ----------------------------------------------------------------------------- poisson_sample


def ps_where(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate must be in (0, 1]")
    return np.where(rng.random(n) < sample_rate)[0]


def ps_binomial(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate must be in (0, 1]")
    return np.flatnonzero(rng.binomial(1, sample_rate, size=n))


def ps_size_then_subset(n, sample_rate, rng):
    """A Binomial(n, q) batch size, then a uniform subset of that size: the same distribution."""
    _need(0 < sample_rate <= 1, "sample_rate must be in (0, 1]")
    size = rng.binomial(n, sample_rate)
    return np.sort(rng.choice(n, size=size, replace=False))


def ps_loop(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate must be in (0, 1]")
    return np.array([i for i in range(n) if rng.uniform() < sample_rate], dtype=np.int64)


def ps_fixed_size(n, sample_rate, rng):
    return np.sort(rng.choice(n, size=round(n * sample_rate), replace=False))


def ps_global_rng(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return np.flatnonzero(np.random.random(n) < sample_rate)  # noqa: NPY002


def ps_unsorted(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    idx = np.flatnonzero(rng.random(n) < sample_rate)
    return rng.permutation(idx)


def ps_complement(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return np.flatnonzero(rng.random(n) > sample_rate)


def ps_no_check(n, sample_rate, rng):
    return np.flatnonzero(rng.random(n) < sample_rate)


def ps_mask(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return rng.random(n) < sample_rate


def ps_with_replacement(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return np.sort(rng.choice(n, size=rng.binomial(n, sample_rate), replace=True))


def ps_fixed_seed(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return np.flatnonzero(np.random.default_rng(0).random(n) < sample_rate)


def ps_one_based(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return np.flatnonzero(rng.random(n) < sample_rate) + 1


def ps_never_empty(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    idx = np.flatnonzero(rng.random(n) < sample_rate)
    return idx if idx.size else np.array([int(rng.integers(n))])


def ps_rate_squared(n, sample_rate, rng):
    _need(0 < sample_rate <= 1, "sample_rate")
    return np.flatnonzero(rng.random(n) < sample_rate**2)


# ----------------------------------------------------------------------------- epsilon_after_training


def eat_n_over_b(noise_multiplier, n, batch_size, epochs, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier, batch_size / n, epochs * round(n / batch_size))
    return acc.get_epsilon(delta)


def eat_per_epoch(noise_multiplier, n, batch_size, epochs, delta):
    q = batch_size / n
    acc = RDPAccountant()
    for _ in range(epochs):
        acc.step(noise_multiplier, q, round(1 / q))
    return acc.get_epsilon(delta)


def eat_q_inverted(noise_multiplier, n, batch_size, epochs, delta):
    q = batch_size / n
    acc = RDPAccountant()
    acc.step(noise_multiplier, min(1.0, n / batch_size), epochs * round(1 / q))
    return acc.get_epsilon(delta)


def eat_steps_epochs(noise_multiplier, n, batch_size, epochs, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier, batch_size / n, epochs)
    return acc.get_epsilon(delta)


def eat_int_steps(noise_multiplier, n, batch_size, epochs, delta):
    q = batch_size / n
    acc = RDPAccountant()
    acc.step(noise_multiplier, q, epochs * int(1 / q))
    return acc.get_epsilon(delta)


def eat_ceil_steps(noise_multiplier, n, batch_size, epochs, delta):
    q = batch_size / n
    acc = RDPAccountant()
    acc.step(noise_multiplier, q, epochs * int(np.ceil(1 / q)))
    return acc.get_epsilon(delta)


def eat_no_subsampling(noise_multiplier, n, batch_size, epochs, delta):
    q = batch_size / n
    acc = RDPAccountant()
    acc.step(noise_multiplier, 1.0, epochs * round(1 / q))
    return acc.get_epsilon(delta)


def eat_steps_n(noise_multiplier, n, batch_size, epochs, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier, batch_size / n, epochs * n)
    return acc.get_epsilon(delta)


def eat_delta_one_over_n(noise_multiplier, n, batch_size, epochs, delta):
    q = batch_size / n
    acc = RDPAccountant()
    acc.step(noise_multiplier, q, epochs * round(1 / q))
    return acc.get_epsilon(1 / n)


CORRECT = {
    "per_example_gradients": [peg_loop, peg_einsum_scipy, peg_float32],
    "clip_gradients": [clip_loop, clip_where, clip_in_place, clip_float32],
    "private_gradient": [pg_standard_normal, pg_noise_after_dividing, pg_noise_first],
    "poisson_sample": [ps_where, ps_binomial, ps_size_then_subset, ps_loop],
    "epsilon_after_training": [eat_n_over_b, eat_per_epoch],
}

WRONG = {
    "per_example_gradients": [
        peg_average,
        peg_no_label,
        peg_sign,
        peg_sigmoid,
        peg_softmax_axis0,
        peg_no_bias,
        peg_divided_by_n,
        peg_transposed,
        peg_fancy_index_bug,
    ],
    "clip_gradients": [
        clip_l1,
        clip_linf,
        clip_normalize_all,
        clip_global,
        clip_zero_rows_nan,
        clip_coordinates,
        clip_no_check,
        clip_columns,
        clip_inverted,
    ],
    "private_gradient": [
        pg_shared_noise,
        pg_len_grads,
        pg_no_c,
        pg_no_clip,
        pg_global_rng,
        pg_fixed_seed,
        pg_variance_not_std,
        pg_laplace,
        pg_no_negative_check,
        pg_mean_then_noise,
        pg_l1_clip,
        pg_noise_per_example,
    ],
    "poisson_sample": [
        ps_fixed_size,
        ps_global_rng,
        ps_unsorted,
        ps_complement,
        ps_no_check,
        ps_mask,
        ps_with_replacement,
        ps_fixed_seed,
        ps_one_based,
        ps_never_empty,
        ps_rate_squared,
    ],
    "epsilon_after_training": [
        eat_q_inverted,
        eat_steps_epochs,
        eat_int_steps,
        eat_ceil_steps,
        eat_no_subsampling,
        eat_steps_n,
        eat_delta_one_over_n,
    ],
}


# ----------------------------------------------------------------------------- a second batch
# written after the checkers were revised: more answers of both kinds, to widen the measurement


def peg_logsumexp(W, b, X, y):
    z = X @ W.T + b
    p = np.exp(z - special.logsumexp(z, axis=1, keepdims=True))
    p[np.arange(len(y)), y] -= 1
    return np.einsum("nk,nd->nkd", p, X), p


def clip_divide_max(grads, max_norm):
    if not max_norm > 0:
        raise ValueError("max_norm")
    norms = np.sqrt(np.einsum("ij,ij->i", grads, grads))[:, None]
    return grads / np.maximum(1.0, norms / max_norm)


def pg_size_d(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    if noise_multiplier < 0:
        raise ValueError("nm")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    total = (grads / np.maximum(1.0, norms / max_norm)).sum(axis=0)
    return (total + rng.normal(size=grads.shape[1]) * noise_multiplier * max_norm) / expected_batch_size


def ps_arange_mask(n, sample_rate, rng):
    if not 0 < sample_rate <= 1:
        raise ValueError("q")
    return np.arange(n)[rng.uniform(0, 1, n) < sample_rate]


def eat_floor(noise_multiplier, n, batch_size, epochs, delta):
    from course_lib.dp.accounting import RDPAccountant

    a = RDPAccountant()
    a.step(noise_multiplier, batch_size / n, epochs * (n // batch_size))
    return a.get_epsilon(delta)


def pg_noise_std_sqrt_batch(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    if noise_multiplier < 0:
        raise ValueError("nm")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    total = (grads / np.maximum(1.0, norms / max_norm)).sum(axis=0)
    return (
        total + rng.normal(0, noise_multiplier * max_norm * np.sqrt(expected_batch_size) / 3, total.shape)
    ) / expected_batch_size


def ps_first_k_binomial(n, sample_rate, rng):
    if not 0 < sample_rate <= 1:
        raise ValueError("q")
    return np.arange(rng.binomial(n, sample_rate))


def clip_ge(grads, max_norm):
    if not max_norm > 0:
        raise ValueError("m")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    return np.where(norms >= max_norm * 0.9, grads * max_norm / np.maximum(norms, 1e-12), grads)


CORRECT["per_example_gradients"] += [peg_logsumexp]
CORRECT["clip_gradients"] += [clip_divide_max]
CORRECT["private_gradient"] += [pg_size_d]
CORRECT["poisson_sample"] += [ps_arange_mask]
WRONG["epsilon_after_training"] += [eat_floor]
WRONG["private_gradient"] += [pg_noise_std_sqrt_batch]
WRONG["poisson_sample"] += [ps_first_k_binomial]
WRONG["clip_gradients"] += [clip_ge]
