# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 05_dp_sgd
# (generated from solutions/05_dp_sgd.py by `python3 course.py exercises`)
"""Exercise 05 — DP-SGD: the pieces of one private training step, and what it costs.

Notebook 05 explains the algorithm (Abadi et al. 2016). Arrays are NumPy arrays; randomness comes from
the Generator ``rng`` you are given. Check your work with

    python3 course.py check 05_dp_sgd [task]
"""

from __future__ import annotations

import numpy as np

from course_lib.dp.accounting import RDPAccountant


def per_example_gradients(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Per-example gradients of the cross-entropy loss of multinomial logistic regression.

    The model's logits are ``z_i = W @ x_i + b`` (``W``: (k, d), ``b``: (k,), ``X``: (n, d), integer
    labels ``y``: (n,)); with ``p_i = softmax(z_i)`` and ``e_i`` the one-hot label, the gradient of
    example i's loss is ``(p_i - e_i) x_iᵀ`` for ``W`` and ``p_i - e_i`` for ``b``. Return
    ``(gW, gb)`` of shapes (n, k, d) and (n, k): one gradient *per example*, not their average.
    Logits may be large (thousands): compute the softmax so that it stays finite.
    """
    raise NotImplementedError("write per_example_gradients() here")


def clip_gradients(grads: np.ndarray, max_norm: float) -> np.ndarray:
    """Clip each row (one example's flattened gradient) to L2 norm at most ``max_norm``.

    ``g_i ← g_i · min(1, C / ||g_i||)``: rows already inside the ball are unchanged, longer rows keep
    their direction. ``max_norm`` must be > 0.
    """
    raise NotImplementedError("write clip_gradients() here")


def private_gradient(grads: np.ndarray, max_norm: float, noise_multiplier: float,
                     expected_batch_size: float, rng: np.random.Generator) -> np.ndarray:
    """The noisy average gradient of DP-SGD from per-example gradients ``grads`` (one row each).

    Clip every row to ``max_norm`` (C), sum, add Gaussian noise with standard deviation
    ``noise_multiplier · C`` to every coordinate, and divide by the *expected* batch size (q·N) — not
    by ``len(grads)``, which under Poisson sampling is itself private. ``noise_multiplier`` ≥ 0.
    """
    raise NotImplementedError("write private_gradient() here")


def poisson_sample(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of a Poisson-sampled batch: each of the ``n`` examples is included independently with
    probability ``sample_rate``, so the batch size varies (and may be 0). Return them sorted.
    ``sample_rate`` must be in (0, 1].
    """
    raise NotImplementedError("write poisson_sample() here")


def epsilon_after_training(noise_multiplier: float, n: int, batch_size: int, epochs: int,
                           delta: float) -> float:
    """ε spent by Poisson-sampled DP-SGD with expected batch size ``batch_size`` on ``n`` examples.

    The sample rate is ``q = batch_size / n``; an epoch is ``round(1 / q)`` steps. Account with
    ``RDPAccountant`` (``step(noise_multiplier, sample_rate, steps)`` then ``get_epsilon(delta)``).
    """
    raise NotImplementedError("write epsilon_after_training() here")
