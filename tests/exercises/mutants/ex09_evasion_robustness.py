"""Plausible wrong answers to exercise 09; each must be rejected by its task's checker."""

from __future__ import annotations

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("09_evasion_robustness")


def _p(W, b, X):
    z = X @ W.T + b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- input_gradient
def grad_sign_flipped(W, b, X, y):
    return -_sol().input_gradient(W, b, X, y)


def grad_no_label(W, b, X, y):
    return _p(W, b, X) @ W


def grad_unstable(W, b, X, y):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(X @ W.T + b)
        p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p @ W


def grad_averaged(W, b, X, y):
    g = _sol().input_gradient(W, b, X, y)
    return np.broadcast_to(g.mean(axis=0), g.shape).copy()


def grad_no_bias(W, b, X, y):
    return _sol().input_gradient(W, np.zeros_like(b), X, y)


# --- fgsm
def _eps_ok(eps):
    if eps < 0:
        raise ValueError("eps")


def fgsm_gradient_not_sign(W, b, X, y, eps):
    _eps_ok(eps)
    return np.clip(X + eps * _sol().input_gradient(W, b, X, y), 0, 1)


def fgsm_no_clip(W, b, X, y, eps):
    _eps_ok(eps)
    return X + eps * np.sign(_sol().input_gradient(W, b, X, y))


def fgsm_descent(W, b, X, y, eps):
    _eps_ok(eps)
    return np.clip(X - eps * np.sign(_sol().input_gradient(W, b, X, y)), 0, 1)


def fgsm_no_validation(W, b, X, y, eps):
    return np.clip(X + eps * np.sign(_sol().input_gradient(W, b, X, y)), 0, 1)


def fgsm_sign_of_zero_is_one(W, b, X, y, eps):
    """(g >= 0) * 2 - 1: a pixel with zero gradient still moves."""
    _eps_ok(eps)
    g = _sol().input_gradient(W, b, X, y)
    return np.clip(X + eps * np.where(g >= 0, 1.0, -1.0), 0, 1)


# --- project_linf
def linf_no_box(X_adv, X, eps):
    _eps_ok(eps)
    return np.clip(X_adv, X - eps, X + eps)


def linf_box_only(X_adv, X, eps):
    _eps_ok(eps)
    return np.clip(X_adv, 0, 1)


def linf_absolute(X_adv, X, eps):
    """Clips the adversarial values themselves to [−eps, eps]."""
    _eps_ok(eps)
    return np.clip(np.clip(X_adv, -eps, eps), 0, 1)


def linf_no_validation(X_adv, X, eps):
    return np.clip(np.clip(X_adv, X - abs(eps), X + abs(eps)), 0, 1)


# --- project_l2
def l2_whole_batch(X_adv, X, eps):
    """One norm for the whole batch."""
    _eps_ok(eps)
    d = X_adv - X
    n = np.linalg.norm(d)
    return np.clip(X + d * min(1.0, eps / n if n > 0 else 1.0), 0, 1)


def l2_scales_every_row(X_adv, X, eps):
    """Every row put on the sphere, short ones scaled up."""
    _eps_ok(eps)
    d = X_adv - X
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return np.clip(X + d * eps / np.maximum(n, 1e-12), 0, 1)


def l2_no_box(X_adv, X, eps):
    _eps_ok(eps)
    d = X_adv - X
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return X + d * np.minimum(1.0, eps / np.maximum(n, 1e-12))


def l2_zero_row_nan(X_adv, X, eps):
    _eps_ok(eps)
    d = X_adv - X
    n = np.linalg.norm(d, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(X + d * np.minimum(1.0, eps / n) * (n / n), 0, 1)


def l2_is_linf(X_adv, X, eps):
    return _sol().project_linf(X_adv, X, eps)


# --- pgd_linf
def _args_ok(eps, step_size, steps):
    if eps < 0 or step_size <= 0 or steps < 0:
        raise ValueError("bad arguments")


def _loop(W, b, X, y, start, eps, step_size, steps, step):
    cur = start
    for _ in range(steps):
        cur = _sol().project_linf(cur + step(cur), X, eps)
    return cur


def _start(X, eps, rng, random_start):
    return np.clip(X + rng.uniform(-eps, eps, size=X.shape), 0, 1) if random_start else X.copy()


def pgd_gradient_not_sign(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _args_ok(eps, step_size, steps)
    return _loop(W, b, X, y, _start(X, eps, rng, random_start), eps, step_size, steps,
                 lambda c: step_size * _sol().input_gradient(W, b, c, y))


def pgd_descent(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _args_ok(eps, step_size, steps)
    return _loop(W, b, X, y, _start(X, eps, rng, random_start), eps, step_size, steps,
                 lambda c: -step_size * np.sign(_sol().input_gradient(W, b, c, y)))


def pgd_no_random_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    return _sol().pgd_linf(W, b, X, y, eps, step_size, steps, rng, False)


def pgd_global_random(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """NumPy's global generator for the start instead of rng."""
    _args_ok(eps, step_size, steps)
    start = np.clip(X + np.random.uniform(-eps, eps, size=X.shape), 0, 1) if random_start else X.copy()  # noqa: NPY002
    return _loop(W, b, X, y, start, eps, step_size, steps,
                 lambda c: step_size * np.sign(_sol().input_gradient(W, b, c, y)))


def pgd_no_projection(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """Clips to [0, 1] but never back into the ball."""
    _args_ok(eps, step_size, steps)
    cur = _start(X, eps, rng, random_start)
    for _ in range(steps):
        cur = np.clip(cur + step_size * np.sign(_sol().input_gradient(W, b, cur, y)), 0, 1)
    return cur


def pgd_gradient_at_x(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _args_ok(eps, step_size, steps)
    g = np.sign(_sol().input_gradient(W, b, X, y))
    return _loop(W, b, X, y, _start(X, eps, rng, random_start), eps, step_size, steps,
                 lambda c: step_size * g)


def pgd_gaussian_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """A Gaussian start of scale eps, then projected: not uniform in the ball."""
    _args_ok(eps, step_size, steps)
    start = _sol().project_linf(X + rng.normal(0, eps, size=X.shape), X, eps) if random_start else X.copy()
    return _loop(W, b, X, y, start, eps, step_size, steps,
                 lambda c: step_size * np.sign(_sol().input_gradient(W, b, c, y)))


def pgd_start_not_clipped(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _args_ok(eps, step_size, steps)
    start = X + rng.uniform(-eps, eps, size=X.shape) if random_start else X.copy()
    return _loop(W, b, X, y, start, eps, step_size, steps,
                 lambda c: step_size * np.sign(_sol().input_gradient(W, b, c, y)))


MUTANTS = {
    "input_gradient": [grad_sign_flipped, grad_no_label, grad_unstable, grad_averaged, grad_no_bias],
    "fgsm": [fgsm_gradient_not_sign, fgsm_no_clip, fgsm_descent, fgsm_no_validation,
             fgsm_sign_of_zero_is_one],
    "project_linf": [linf_no_box, linf_box_only, linf_absolute, linf_no_validation],
    "project_l2": [l2_whole_batch, l2_scales_every_row, l2_no_box, l2_zero_row_nan, l2_is_linf],
    "pgd_linf": [pgd_gradient_not_sign, pgd_descent, pgd_no_random_start, pgd_global_random,
                 pgd_no_projection, pgd_gradient_at_x, pgd_gaussian_start, pgd_start_not_clipped],
}


# --- correct answers written otherwise: each must be accepted
def pgd_random_via_random(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """Correct: the uniform start drawn as eps · (2 U − 1) with U = rng.random."""
    _args_ok(eps, step_size, steps)
    start = np.clip(X + eps * (2 * rng.random(X.shape) - 1), 0, 1) if random_start else X.copy()
    return _loop(W, b, X, y, start, eps, step_size, steps,
                 lambda c: step_size * np.sign(_sol().input_gradient(W, b, c, y)))


def l2_float32(X_adv, X, eps):
    """Correct: computed in float32."""
    _eps_ok(eps)
    d = np.asarray(X_adv - X, dtype=np.float32)
    n = np.linalg.norm(d, axis=1, keepdims=True)
    scale = np.where(n > eps, np.float32(eps) / np.where(n > 0, n, 1), np.float32(1))
    return np.clip(X.astype(np.float32) + d * scale, 0, 1)


EQUIVALENTS = {
    "pgd_linf": [pgd_random_via_random],
    "project_l2": [l2_float32],
}


# --- certified_accuracy (a sixth task)
def _margins(W, b, X, y, lo, hi):
    diff = W[y][:, None, :] - W[None, :, :]
    worst = np.minimum(diff * lo[:, None, :], diff * hi[:, None, :]).sum(axis=2)
    m = np.einsum("nkd,nd->nk", diff, X) + (b[y][:, None] - b[None, :]) + worst
    m[np.arange(len(y)), y] = np.inf
    return m


def cert_no_box(W, b, X, y, eps):
    """The attacker may leave [0, 1]: −eps·||w||₁ for every pair."""
    _eps_ok(eps)
    return float(np.mean(np.all(_margins(W, b, X, y, np.full_like(X, -eps), np.full_like(X, eps)) > 0, 1)))


def cert_runner_up_only(W, b, X, y, eps):
    _eps_ok(eps)
    m = _margins(W, b, X, y, np.maximum(-eps, -X), np.minimum(eps, 1 - X))
    z = X @ W.T + b
    z[np.arange(len(y)), y] = -np.inf
    return float(np.mean(m[np.arange(len(y)), z.argmax(axis=1)] > 0))


def cert_ties_count(W, b, X, y, eps):
    _eps_ok(eps)
    return float(np.mean(np.all(_margins(W, b, X, y, np.maximum(-eps, -X), np.minimum(eps, 1 - X)) >= 0, 1)))


def cert_fgsm_accuracy(W, b, X, y, eps):
    """Accuracy under FGSM: an attack's success rate, not a certificate."""
    return float(np.mean(np.argmax(_sol().fgsm(W, b, X, y, eps) @ W.T + b, axis=1) == y))


MUTANTS["certified_accuracy"] = [cert_no_box, cert_runner_up_only, cert_ties_count, cert_fgsm_accuracy]
