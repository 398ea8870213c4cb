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


MUTANTS = {
    "per_example_gradients": [grads_averaged, grads_sign_flipped, grads_no_softmax, grads_unstable],
    "clip_gradients": [clip_coordinates, clip_scales_up, clip_whole_batch],
    "private_gradient": [private_clip_after_sum, private_noise_not_scaled_by_c, private_realised_batch,
                         private_noise_after_average, private_global_rng],
    "poisson_sample": [sample_fixed_size, sample_with_replacement, sample_first_examples],
    "epsilon_after_training": [eps_q_is_one_over_batch, eps_steps_are_epochs, eps_full_batch],
}
