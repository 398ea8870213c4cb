"""Exercise 09 — evasion and robustness: the attacks of notebook 09 on a model given as arrays.

The model is multinomial logistic regression: logits ``z_i = W @ x_i + b`` with ``W`` (k, d),
``b`` (k,), inputs ``X`` (n, d) with pixels in [0, 1] and integer labels ``y`` (n,). Everything is
NumPy; randomness comes from the Generator ``rng`` you are given. Check your work with

    python3 course.py check 09_evasion_robustness [task]
"""

from __future__ import annotations

import numpy as np


def input_gradient(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of each example's cross-entropy loss with respect to its INPUT x_i.

    With ``p_i = softmax(W @ x_i + b)`` and ``e_i`` the one-hot label, ``∇ₓ loss_i = Wᵀ (p_i − e_i)``.
    Return an (n, d) array: one gradient per example (not their average). Logits may be large
    (thousands): compute the softmax so that it stays finite.
    """
    # BEGIN SOLUTION
    z = X @ W.T + b
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p @ W
    # END SOLUTION


def fgsm(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """The fast gradient sign method (Goodfellow et al. 2015): one step that INCREASES the loss.

    ``X_adv = clip(X + eps · sign(∇ₓ loss), 0, 1)``, per example, with ``sign`` as ``np.sign`` (a
    pixel whose gradient is exactly 0 does not move). Return the (n, d) array ``X_adv``; ``eps = 0``
    returns ``X`` unchanged. Raise ValueError when eps < 0.
    """
    # BEGIN SOLUTION
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    return np.clip(X + eps * np.sign(input_gradient(W, b, X, y)), 0.0, 1.0)
    # END SOLUTION


def project_linf(X_adv: np.ndarray, X: np.ndarray, eps: float) -> np.ndarray:
    """Bring each ``X_adv[i]`` back into the L∞ ball of radius eps around ``X[i]``, then into [0, 1].

    Every coordinate is clipped to ``[X − eps, X + eps]`` and then to ``[0, 1]``. Return the new
    (n, d) array. Raise ValueError when eps < 0.
    """
    # BEGIN SOLUTION
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    return np.clip(np.clip(X_adv, X - eps, X + eps), 0.0, 1.0)
    # END SOLUTION


def project_l2(X_adv: np.ndarray, X: np.ndarray, eps: float) -> np.ndarray:
    """Bring each ``X_adv[i]`` back into the L2 ball of radius eps around ``X[i]``, then into [0, 1].

    Per example (row): ``δ_i = X_adv[i] − X[i]`` becomes ``δ_i · min(1, eps / ||δ_i||₂)`` — a row
    already inside the ball (δ_i = 0 included) is unchanged, a longer one keeps its direction and
    ends on the sphere — and ``X[i] + δ_i`` is then clipped to [0, 1] (in that order). Return the new
    (n, d) array. Raise ValueError when eps < 0.
    """
    # BEGIN SOLUTION
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    delta = X_adv - X
    norms = np.linalg.norm(delta, axis=1, keepdims=True)
    scale = np.minimum(1.0, eps / np.maximum(norms, 1e-300))
    return np.clip(X + delta * scale, 0.0, 1.0)
    # END SOLUTION


def pgd_linf(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, eps: float, step_size: float,
             steps: int, rng: np.random.Generator, random_start: bool = True) -> np.ndarray:
    """Projected gradient descent on the loss, in the L∞ ball (Madry et al. 2018) — really ascent.

    Start at ``X`` or, when ``random_start``, at ``X`` plus independent uniform noise in
    ``[−eps, eps]`` on every coordinate, drawn from ``rng`` and clipped to [0, 1]. Then ``steps``
    times: move every coordinate by ``step_size · sign(∇ₓ loss)`` (``np.sign``, the gradient taken at
    the CURRENT point) and project back with ``project_linf`` (ball around X, then [0, 1]). Return the
    (n, d) result; ``steps = 0`` returns the start. Raise ValueError when eps < 0, step_size ≤ 0 or
    steps < 0.
    """
    # BEGIN SOLUTION
    if eps < 0 or step_size <= 0 or steps < 0:
        raise ValueError(f"need eps >= 0, step_size > 0 and steps >= 0, got {eps}, {step_size}, {steps}")
    X_adv = X.copy()
    if random_start:
        X_adv = np.clip(X + rng.uniform(-eps, eps, size=X.shape), 0.0, 1.0)
    for _ in range(steps):
        X_adv = project_linf(X_adv + step_size * np.sign(input_gradient(W, b, X_adv, y)), X, eps)
    return X_adv
    # END SOLUTION


def certified_accuracy(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, eps: float) -> float:
    """The EXACT robust accuracy of the linear model: no attack can do better than this.

    An example counts when every input ``x + δ`` with ``|δ_j| ≤ eps`` and ``x + δ`` in [0, 1] is still
    classified as ``y``: for every other class c the margin ``(W[y] − W[c]) · (x + δ) + b[y] − b[c]``
    stays > 0 (a tie is not a correct answer). The margin is linear in δ, so its minimum is reached
    coordinate by coordinate at one end of ``[max(−eps, −x_j), min(eps, 1 − x_j)]``. Every class c
    must be checked, not only the runner-up. Return the fraction of examples that count (with eps = 0:
    the fraction whose true class has strictly the largest logit). Raise ValueError when eps < 0.
    """
    # BEGIN SOLUTION
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    lo = np.maximum(-eps, -X)[:, None, :]
    hi = np.minimum(eps, 1.0 - X)[:, None, :]
    diff = W[y][:, None, :] - W[None, :, :]  # (n, k, d): W[y_i] - W[c]
    worst = np.minimum(diff * lo, diff * hi).sum(axis=2)
    margin = np.einsum("nkd,nd->nk", diff, X) + (b[y][:, None] - b[None, :]) + worst
    margin[np.arange(len(y)), y] = np.inf
    return float(np.mean(np.all(margin > 0, axis=1)))
    # END SOLUTION
