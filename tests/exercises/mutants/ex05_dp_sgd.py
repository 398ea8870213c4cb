"""Plausible wrong answers to exercise 05; each must be rejected by its task's checker."""

from __future__ import annotations

import numpy as np

from course_lib.dp.accounting import RDPAccountant


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("05_dp_sgd")


# --- per_example_gradients
def grads_averaged(W, b, X, y):
    """The batch-average gradient repeated for every example (what autograd gives by default)."""
    gW, gb = _sol().per_example_gradients(W, b, X, y)
    return np.broadcast_to(gW.mean(0), gW.shape).copy(), np.broadcast_to(gb.mean(0), gb.shape).copy()


def grads_sign_flipped(W, b, X, y):
    gW, gb = _sol().per_example_gradients(W, b, X, y)
    return -gW, -gb


def grads_no_softmax(W, b, X, y):
    """Uses the logits where the probabilities belong."""
    z = X @ W.T + b
    z[np.arange(len(y)), y] -= 1
    return z[:, :, None] * X[:, None, :], z


def grads_unstable(W, b, X, y):
    """softmax without subtracting the max: overflows for large logits."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(X @ W.T + b)
        p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p[:, :, None] * X[:, None, :], p


# --- clip_gradients
def clip_coordinates(grads, max_norm):
    """Clamps each coordinate to [-C, C] instead of the vector's norm."""
    if not max_norm > 0:
        raise ValueError("max_norm")
    return np.clip(grads, -max_norm, max_norm)


def clip_scales_up(grads, max_norm):
    """Normalises every gradient to norm C, short ones included."""
    if not max_norm > 0:
        raise ValueError("max_norm")
    return grads * (max_norm / np.linalg.norm(grads, axis=1, keepdims=True))


def clip_whole_batch(grads, max_norm):
    """Clips the batch as one big vector."""
    if not max_norm > 0:
        raise ValueError("max_norm")
    return grads * min(1.0, max_norm / np.linalg.norm(grads))


# --- private_gradient
def private_clip_after_sum(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier")
    total = grads.sum(axis=0)
    total = total * min(1.0, max_norm / np.linalg.norm(total))
    return (total + rng.normal(0, noise_multiplier * max_norm, size=total.shape)) / expected_batch_size


def private_noise_not_scaled_by_c(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier")
    total = _sol().clip_gradients(grads, max_norm).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier, size=total.shape)) / expected_batch_size


def private_realised_batch(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    return _sol().private_gradient(grads, max_norm, noise_multiplier, len(grads), rng)


def private_noise_after_average(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    """Adds σC noise to the AVERAGE: expected_batch_size times too much noise."""
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier")
    avg = _sol().clip_gradients(grads, max_norm).sum(axis=0) / expected_batch_size
    return avg + rng.normal(0, noise_multiplier * max_norm, size=avg.shape)


def private_global_rng(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    return _sol().private_gradient(grads, max_norm, noise_multiplier, expected_batch_size,
                                   np.random.default_rng())


# --- poisson_sample
def sample_fixed_size(n, sample_rate, rng):
    """Shuffling: always round(q·n) examples."""
    if not 0 < sample_rate <= 1:
        raise ValueError("sample_rate")
    return np.sort(rng.permutation(n)[: round(sample_rate * n)])


def sample_with_replacement(n, sample_rate, rng):
    if not 0 < sample_rate <= 1:
        raise ValueError("sample_rate")
    return np.sort(rng.integers(0, n, size=rng.binomial(n, sample_rate)))


def sample_first_examples(n, sample_rate, rng):
    """Poisson-distributed size, but always the first k examples."""
    if not 0 < sample_rate <= 1:
        raise ValueError("sample_rate")
    return np.arange(rng.binomial(n, sample_rate))


# --- epsilon_after_training
def eps_q_is_one_over_batch(noise_multiplier, n, batch_size, epochs, delta):
    q = 1 / batch_size
    a = RDPAccountant()
    a.step(noise_multiplier, q, epochs * round(n / batch_size))
    return a.get_epsilon(delta)


def eps_steps_are_epochs(noise_multiplier, n, batch_size, epochs, delta):
    a = RDPAccountant()
    a.step(noise_multiplier, batch_size / n, epochs)
    return a.get_epsilon(delta)


def eps_full_batch(noise_multiplier, n, batch_size, epochs, delta):
    """Ignores sampling (q = 1): no amplification, far too pessimistic."""
    a = RDPAccountant()
    a.step(noise_multiplier, 1.0, epochs * round(n / batch_size))
    return a.get_epsilon(delta)


def clip_zero_row_nan(grads, max_norm):
    """Divides by the norm with no guard: an all-zero row becomes NaN."""
    if not max_norm > 0:
        raise ValueError("max_norm")
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return grads * np.minimum(1.0, max_norm / norms) * (norms / norms)


def clip_l1(grads, max_norm):
    """Clips by the L1 norm (sum of |g|) instead of the L2 norm."""
    if not max_norm > 0:
        raise ValueError("max_norm")
    norms = np.abs(grads).sum(axis=1, keepdims=True)
    return grads * np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))


def private_shared_noise(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    """One Gaussian value added to every coordinate: right spread per coordinate, no privacy."""
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier")
    total = _sol().clip_gradients(grads, max_norm).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * max_norm)) / expected_batch_size


def private_fixed_seed(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    """Its own generator seeded with 0: the same noise every call, whatever rng is passed."""
    return _sol().private_gradient(grads, max_norm, noise_multiplier, expected_batch_size,
                                   np.random.default_rng(0))


def private_seeded_from_rng_once(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    """Noise from rng but antithetic across calls (each call's noise is minus the last one's)."""
    global _LAST_NOISE
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier")
    total = _sol().clip_gradients(grads, max_norm).sum(axis=0)
    if _LAST_NOISE is not None and _LAST_NOISE.shape == total.shape:
        noise, _LAST_NOISE = -_LAST_NOISE, None
    else:
        noise = _LAST_NOISE = rng.normal(0, noise_multiplier * max_norm, size=total.shape)
    return (total + noise) / expected_batch_size


_LAST_NOISE = None


def sample_global_rng(n, sample_rate, rng):
    """NumPy's global generator instead of the rng argument."""
    if not 0 < sample_rate <= 1:
        raise ValueError("sample_rate")
    return np.flatnonzero(np.random.random(n) < sample_rate)  # noqa: NPY002


def sample_fixed_seed(n, sample_rate, rng):
    """Its own generator seeded with 0: the same batch at every step."""
    return _sol().poisson_sample(n, sample_rate, np.random.default_rng(0))


def sample_never_empty(n, sample_rate, rng):
    """Redraws one example when the batch comes out empty: the size is no longer Binomial."""
    idx = _sol().poisson_sample(n, sample_rate, rng)
    return idx if idx.size else np.array([int(rng.integers(n))])


def private_refuses_zero_noise(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    """Refuses noise_multiplier = 0, which the docstring allows (>= 0)."""
    if noise_multiplier <= 0:
        raise ValueError("noise_multiplier must be > 0")
    return _sol().private_gradient(grads, max_norm, noise_multiplier, expected_batch_size, rng)


MUTANTS = {
    "per_example_gradients": [grads_averaged, grads_sign_flipped, grads_no_softmax, grads_unstable],
    "clip_gradients": [clip_coordinates, clip_scales_up, clip_whole_batch, clip_zero_row_nan, clip_l1],
    "private_gradient": [private_clip_after_sum, private_noise_not_scaled_by_c, private_realised_batch,
                         private_noise_after_average, private_global_rng, private_shared_noise,
                         private_fixed_seed, private_seeded_from_rng_once, private_refuses_zero_noise],
    "poisson_sample": [sample_fixed_size, sample_with_replacement, sample_first_examples,
                       sample_global_rng, sample_fixed_seed, sample_never_empty],
    "epsilon_after_training": [eps_q_is_one_over_batch, eps_steps_are_epochs, eps_full_batch],
}


def clip_float32(grads, max_norm):
    """Correct: clipping computed and returned in float32."""
    if not max_norm > 0:
        raise ValueError("max_norm")
    g = np.asarray(grads, dtype=np.float32)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g * np.minimum(np.float32(1), np.float32(max_norm) / np.maximum(norms, np.float32(1e-30)))


def private_noise_after_dividing(grads, max_norm, noise_multiplier, expected_batch_size, rng):
    """Correct: N(0, (σC/B)²) added to the average is N(0, (σC)²) added to the sum, divided by B."""
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier")
    avg = _sol().clip_gradients(grads, max_norm).sum(axis=0) / expected_batch_size
    return avg + rng.normal(0, noise_multiplier * max_norm / expected_batch_size, size=avg.shape)


def sample_size_then_subset(n, sample_rate, rng):
    """Correct: a Binomial(n, q) size, then a uniform subset of that size (the same distribution)."""
    if not 0 < sample_rate <= 1:
        raise ValueError("sample_rate")
    return np.sort(rng.choice(n, size=rng.binomial(n, sample_rate), replace=False))


# correct answers written otherwise: each must be accepted
EQUIVALENTS = {
    "clip_gradients": [clip_float32],
    "private_gradient": [private_noise_after_dividing],
    "poisson_sample": [sample_size_then_subset],
}
