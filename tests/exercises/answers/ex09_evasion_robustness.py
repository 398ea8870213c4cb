"""Independent answers to exercise 09, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

# ----------------------------------------------------------------------------- input_gradient


def ig_loop(W, b, X, y):
    out = np.zeros(X.shape)
    for i in range(len(X)):
        z = W @ X[i] + b
        p = np.exp(z - z.max())
        p /= p.sum()
        p[y[i]] -= 1.0
        out[i] = W.T @ p
    return out


def ig_scipy_einsum(W, b, X, y):
    d = special.softmax(np.einsum("kd,nd->nk", W, X) + b, axis=1) - np.eye(len(b))[y]
    return np.einsum("nk,kd->nd", d, W)


def ig_float32_logsumexp(W, b, X, y):
    W32, X32 = W.astype(np.float32), X.astype(np.float32)
    z = X32 @ W32.T + b.astype(np.float32)
    p = np.exp(z - special.logsumexp(z, axis=1, keepdims=True))
    p[np.arange(len(y)), y] -= 1
    return p @ W32


def ig_logits_minus_label(W, b, X, y):
    z = X @ W.T + b
    return (z - np.eye(len(b))[y]) @ W


def ig_sigmoid(W, b, X, y):
    return (special.expit(X @ W.T + b) - np.eye(len(b))[y]) @ W


def ig_softmax_over_batch(W, b, X, y):
    return (special.softmax(X @ W.T + b, axis=0) - np.eye(len(b))[y]) @ W


def ig_label_minus_p(W, b, X, y):
    return (np.eye(len(b))[y] - special.softmax(X @ W.T + b, axis=1)) @ W


def ig_summed(W, b, X, y):
    g = (special.softmax(X @ W.T + b, axis=1) - np.eye(len(b))[y]) @ W
    return np.tile(g.sum(axis=0), (len(X), 1))


def ig_no_max(W, b, X, y):
    with np.errstate(all="ignore"):
        e = np.exp(X @ W.T + b)
        return (e / e.sum(axis=1, keepdims=True) - np.eye(len(b))[y]) @ W


# ----------------------------------------------------------------------------- fgsm


def _g(W, b, X, y):
    d = special.softmax(X @ W.T + b, axis=1)
    d[np.arange(len(y)), y] -= 1
    return d @ W


def fgsm_loop(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    out = X.astype(float)
    g = _g(W, b, X, y)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            s = 1.0 if g[i, j] > 0 else (-1.0 if g[i, j] < 0 else 0.0)
            out[i, j] = min(1.0, max(0.0, X[i, j] + eps * s))
    return out


def fgsm_minmax(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    return np.minimum(1.0, np.maximum(0.0, X + eps * np.sign(_g(W, b, X, y))))


def fgsm_float32(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    g = _g(W.astype(np.float32), b.astype(np.float32), X.astype(np.float32), y)
    return np.clip(X.astype(np.float32) + np.float32(eps) * np.sign(g), 0, 1)


def fgsm_clip_first(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X, 0, 1) + eps * np.sign(_g(W, b, X, y))


def fgsm_max_normalised(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps")
    g = _g(W, b, X, y)
    return np.clip(X + eps * g / np.abs(g).max(axis=1, keepdims=True), 0, 1)


def fgsm_minus(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X - eps * np.sign(_g(W, b, X, y)), 0, 1)


def fgsm_universal(W, b, X, y, eps):
    """One sign pattern for the whole batch (the sign of the summed gradient)."""
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X + eps * np.sign(_g(W, b, X, y).sum(axis=0)), 0, 1)


def fgsm_refuses_zero(W, b, X, y, eps):
    if eps <= 0:
        raise ValueError("eps must be > 0")
    return np.clip(X + eps * np.sign(_g(W, b, X, y)), 0, 1)


def fgsm_copysign(W, b, X, y, eps):
    """np.copysign(1, g): +1 for a zero gradient."""
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X + eps * np.copysign(1.0, _g(W, b, X, y)), 0, 1)


# ----------------------------------------------------------------------------- project_linf


def linf_minmax(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    lo, hi = np.maximum(X - eps, 0.0), np.minimum(X + eps, 1.0)
    return np.minimum(np.maximum(X_adv, lo), hi)


def linf_delta(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    return np.clip(X + np.clip(X_adv - X, -eps, eps), 0, 1)


def linf_where(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    out = np.where(X_adv > X + eps, X + eps, np.where(X_adv < X - eps, X - eps, X_adv))
    return np.where(out > 1, 1.0, np.where(out < 0, 0.0, out))


def linf_returns_delta(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X_adv - X, -eps, eps)


def linf_ball_only(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X_adv, X - eps, X + eps)


def linf_refuses_zero(X_adv, X, eps):
    if eps <= 0:
        raise ValueError("eps must be > 0")
    return np.clip(np.clip(X_adv, X - eps, X + eps), 0, 1)


def linf_eps_box(X_adv, X, eps):
    """Clips to [eps, 1 − eps] as if that were the ball."""
    if eps < 0:
        raise ValueError("eps")
    return np.clip(X_adv, eps, 1 - eps) if eps < 0.5 else np.clip(X_adv, 0, 1)


# ----------------------------------------------------------------------------- project_l2


def l2_loop(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    out = np.array(X_adv, dtype=float)
    for i in range(len(X)):
        d = X_adv[i] - X[i]
        n = math.sqrt(float(np.sum(d * d)))
        if n > eps:
            out[i] = X[i] + d * (eps / n)
    return np.clip(out, 0, 1)


def l2_vectorised(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    d = X_adv - X
    n = np.sqrt(np.einsum("ij,ij->i", d, d))[:, None]
    return np.clip(X + d / np.maximum(1.0, n / eps) if eps > 0 else X, 0, 1)


def l2_batch_norm(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = X_adv - X
    n = np.linalg.norm(d)
    return np.clip(X + (d * eps / n if n > eps else d), 0, 1)


def l2_always_scale(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = X_adv - X
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return np.clip(X + eps * d / np.where(n == 0, 1, n), 0, 1)


def l2_squared_norm(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = X_adv - X
    n2 = np.sum(d * d, axis=1, keepdims=True)
    return np.clip(X + d * np.minimum(1, eps / np.maximum(n2, 1e-12)), 0, 1)


def l2_box_first(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = np.clip(X_adv, 0, 1) - X
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return X + d * np.minimum(1, eps / np.maximum(n, 1e-12))


def l2_column_norms(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = X_adv - X
    n = np.linalg.norm(d, axis=0, keepdims=True)
    return np.clip(X + d * np.minimum(1, eps / np.maximum(n, 1e-12)), 0, 1)


def l2_unclipped(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = X_adv - X
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return X + d * np.minimum(1, eps / np.maximum(n, 1e-12))


# ----------------------------------------------------------------------------- pgd_linf


def _pgd_args(eps, step_size, steps):
    if eps < 0 or step_size <= 0 or steps < 0:
        raise ValueError("need eps >= 0, step_size > 0, steps >= 0")


def pgd_loop(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = X.copy()
    if random_start:
        x = np.clip(x + rng.uniform(-eps, eps, X.shape), 0, 1)
    for _ in range(steps):
        x = x + step_size * np.sign(_g(W, b, x, y))
        x = np.clip(np.clip(x, X - eps, X + eps), 0, 1)
    return x


def pgd_bounds(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    lo, hi = np.maximum(X - eps, 0), np.minimum(X + eps, 1)
    x = np.clip(X + eps * (2 * rng.random(X.shape) - 1), lo, hi) if random_start else X.copy()
    for _ in range(steps):
        x = np.clip(x + step_size * np.sign(_g(W, b, x, y)), lo, hi)
    return x


def pgd_delta(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    delta = rng.uniform(-eps, eps, size=X.shape) if random_start else np.zeros_like(X)
    delta = np.clip(X + delta, 0, 1) - X
    for _ in range(steps):
        delta = delta + step_size * np.sign(_g(W, b, X + delta, y))
        delta = np.clip(np.clip(delta, -eps, eps), -X, 1 - X)
    return X + delta


def pgd_one_fgsm_step(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = np.clip(X + rng.uniform(-eps, eps, X.shape), 0, 1) if random_start else X.copy()
    if steps == 0:
        return x
    return np.clip(np.clip(x + eps * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)


def pgd_project_at_end(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = np.clip(X + rng.uniform(-eps, eps, X.shape), 0, 1) if random_start else X.copy()
    for _ in range(steps):
        x = x + step_size * np.sign(_g(W, b, x, y))
    return np.clip(np.clip(x, X - eps, X + eps), 0, 1)


def pgd_positive_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = np.clip(X + rng.uniform(0, eps, X.shape), 0, 1) if random_start else X.copy()
    for _ in range(steps):
        x = np.clip(np.clip(x + step_size * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)
    return x


def pgd_always_random(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = np.clip(X + rng.uniform(-eps, eps, X.shape), 0, 1)
    for _ in range(steps):
        x = np.clip(np.clip(x + step_size * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)
    return x


def pgd_normal_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = X.copy()
    if random_start:
        x = np.clip(np.clip(X + rng.normal(0, eps / 2, X.shape), X - eps, X + eps), 0, 1)
    for _ in range(steps):
        x = np.clip(np.clip(x + step_size * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)
    return x


def pgd_steps_of_eps(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = np.clip(X + rng.uniform(-eps, eps, X.shape), 0, 1) if random_start else X.copy()
    for _ in range(steps):
        x = np.clip(np.clip(x + eps * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)
    return x


def pgd_seeded(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """A generator of its own, seeded once: the same start whatever rng is passed."""
    return pgd_loop(W, b, X, y, eps, step_size, steps, np.random.default_rng(1234), random_start)


def pgd_ball_around_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """Projects around the random start instead of around X."""
    _pgd_args(eps, step_size, steps)
    x0 = np.clip(X + rng.uniform(-eps, eps, X.shape), 0, 1) if random_start else X.copy()
    x = x0
    for _ in range(steps):
        x = np.clip(np.clip(x + step_size * np.sign(_g(W, b, x, y)), x0 - eps, x0 + eps), 0, 1)
    return x


CORRECT = {
    "input_gradient": [ig_loop, ig_scipy_einsum, ig_float32_logsumexp],
    "fgsm": [fgsm_loop, fgsm_minmax, fgsm_float32],
    "project_linf": [linf_minmax, linf_delta, linf_where],
    "project_l2": [l2_loop, l2_vectorised],
    "pgd_linf": [pgd_loop, pgd_bounds, pgd_delta],
}

WRONG = {
    "input_gradient": [ig_logits_minus_label, ig_sigmoid, ig_softmax_over_batch, ig_label_minus_p, ig_summed,
                       ig_no_max],
    "fgsm": [fgsm_clip_first, fgsm_max_normalised, fgsm_minus, fgsm_universal, fgsm_refuses_zero,
             fgsm_copysign],
    "project_linf": [linf_returns_delta, linf_ball_only, linf_refuses_zero, linf_eps_box],
    "project_l2": [l2_batch_norm, l2_always_scale, l2_squared_norm, l2_box_first, l2_column_norms,
                   l2_unclipped],
    "pgd_linf": [pgd_one_fgsm_step, pgd_project_at_end, pgd_positive_start, pgd_always_random,
                 pgd_normal_start, pgd_steps_of_eps, pgd_seeded, pgd_ball_around_start],
}


# ----------------------------------------------------------------------------- a second batch
# more answers of both kinds, to widen the measurement


def pgd_float32(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    W32, b32, X32 = W.astype(np.float32), b.astype(np.float32), X.astype(np.float32)
    e32, a32 = np.float32(eps), np.float32(step_size)
    x = X32 + rng.uniform(-eps, eps, X.shape).astype(np.float32) if random_start else X32.copy()
    x = np.clip(x, 0, 1)
    for _ in range(steps):
        x = np.clip(np.clip(x + a32 * np.sign(_g(W32, b32, x, y)), X32 - e32, X32 + e32), 0, 1)
    return x


def l2_float32_where(X_adv, X, eps):
    if eps < 0:
        raise ValueError("eps")
    d = (X_adv - X).astype(np.float32)
    n = np.linalg.norm(d, axis=1)
    big = n > eps
    d[big] *= (np.float32(eps) / n[big])[:, None]
    return np.clip(X.astype(np.float32) + d, 0, 1)


def ig_wrt_weights(W, b, X, y):
    """The gradient with respect to the weights' rows, summed over classes (not the input)."""
    d = special.softmax(X @ W.T + b, axis=1) - np.eye(len(b))[y]
    return d.sum(axis=1, keepdims=True) * X


def linf_ball_after_box(X_adv, X, eps):
    """Correct too: with X in [0, 1] the box and the ball can be applied in either order."""
    if eps < 0:
        raise ValueError("eps")
    return np.clip(np.clip(X_adv, 0, 1), X - eps, X + eps)


def pgd_no_box_on_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    _pgd_args(eps, step_size, steps)
    x = X + rng.uniform(-eps, eps, X.shape) if random_start else X.copy()
    for _ in range(steps):
        x = np.clip(x + step_size * np.sign(_g(W, b, x, y)), X - eps, X + eps)
    return x


CORRECT["pgd_linf"] += [pgd_float32]
CORRECT["project_l2"] += [l2_float32_where]
CORRECT["project_linf"] += [linf_ball_after_box]
WRONG["input_gradient"] += [ig_wrt_weights]
WRONG["pgd_linf"] += [pgd_no_box_on_start]


# ----------------------------------------------------------------------------- certified_accuracy


def cert_loop(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps must be >= 0")
    good = 0
    for x, t in zip(X, y):
        z = W @ x + b
        robust = True
        for c in range(W.shape[0]):
            if c == t:
                continue
            w = W[t] - W[c]
            worst = 0.0
            for j in range(len(x)):
                lo, hi = max(-eps, -x[j]), min(eps, 1 - x[j])
                worst += min(w[j] * lo, w[j] * hi)
            if z[t] - z[c] + worst <= 0:
                robust = False
                break
        good += robust
    return good / len(X)


def cert_worst_point(W, b, X, y, eps):
    """Builds the worst input for each class explicitly, then compares logits."""
    if eps < 0:
        raise ValueError("eps must be >= 0")
    ok = np.ones(len(X), dtype=bool)
    for c in range(W.shape[0]):
        w = W[y] - W[c]  # (n, d)
        x_bad = np.where(w > 0, np.maximum(X - eps, 0), np.minimum(X + eps, 1))
        margin = np.sum(w * x_bad, axis=1) + b[y] - b[c]
        ok &= (margin > 0) | (y == c)
    return float(ok.mean())


def cert_l1_only(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps")
    z = X @ W.T + b
    ok = np.ones(len(X), dtype=bool)
    for c in range(W.shape[0]):
        w = W[y] - W[c]
        ok &= (z[np.arange(len(y)), y] - z[:, c] - eps * np.abs(w).sum(axis=1) > 0) | (y == c)
    return float(ok.mean())


def cert_clean_only(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps")
    return float(np.mean(np.argmax(X @ W.T + b, axis=1) == y))


def cert_pgd(W, b, X, y, eps):
    """Accuracy under a PGD attack: an upper bound on the robust accuracy, not the exact value."""
    if eps < 0:
        raise ValueError("eps")
    x = X.copy()
    for _ in range(20):
        x = np.clip(np.clip(x + eps / 4 * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)
    return float(np.mean(np.argmax(x @ W.T + b, axis=1) == y))


def cert_count(W, b, X, y, eps):
    return cert_loop(W, b, X, y, eps) * len(X)


def cert_ge(W, b, X, y, eps):
    if eps < 0:
        raise ValueError("eps")
    ok = np.ones(len(X), dtype=bool)
    for c in range(W.shape[0]):
        w = W[y] - W[c]
        x_bad = np.where(w > 0, np.maximum(X - eps, 0), np.minimum(X + eps, 1))
        ok &= (np.sum(w * x_bad, axis=1) + b[y] - b[c] >= 0) | (y == c)
    return float(ok.mean())


CORRECT["certified_accuracy"] = [cert_loop, cert_worst_point]
WRONG["certified_accuracy"] = [cert_l1_only, cert_clean_only, cert_pgd, cert_count, cert_ge]


def cert_without_bias(W, b, X, y, eps):
    """Forgets the bias in the margins."""
    return cert_loop(W, np.zeros_like(b), X, y, eps)


def pgd_half_width_start(W, b, X, y, eps, step_size, steps, rng, random_start=True):
    """The random start drawn in [−eps/2, eps/2]."""
    _pgd_args(eps, step_size, steps)
    x = np.clip(X + rng.uniform(-eps / 2, eps / 2, X.shape), 0, 1) if random_start else X.copy()
    for _ in range(steps):
        x = np.clip(np.clip(x + step_size * np.sign(_g(W, b, x, y)), X - eps, X + eps), 0, 1)
    return x


WRONG["certified_accuracy"] += [cert_without_bias]
WRONG["pgd_linf"] += [pgd_half_width_start]
