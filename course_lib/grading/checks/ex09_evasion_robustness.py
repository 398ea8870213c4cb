"""Checkers for exercise 09 (evasion and robustness). The attacks are recomputed here from the
definitions and compared coordinate by coordinate; the random start of PGD is judged by its
distribution and by its use of ``rng``. Messages name the input and the property, never the expected
numbers."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_drawn_from_rng, expect_error


def _tol(arr, float64: float = 1e-9) -> float:
    """Tolerance for an answer in its own float type (a few dozen ulps for float32)."""
    dtype = np.asarray(arr).dtype
    if not np.issubdtype(dtype, np.floating) or np.finfo(dtype).eps <= 1e-15:
        return float64
    return 64 * float(np.finfo(dtype).eps)


def _model(gen, k=10, d=64, scale=0.3):
    W = gen.normal(size=(k, d)) * scale
    b = gen.normal(size=k) * 0.1
    return W, b


def _images(gen, n, d=64):
    """Pixels in [0, 1], many of them exactly 0 or 1 (the edges of the box), like the digits."""
    kind = gen.choice(3, size=(n, d), p=[0.3, 0.2, 0.5])
    return np.where(kind == 0, 0.0, np.where(kind == 1, 1.0, gen.uniform(size=(n, d))))


def _grad(W, b, X, y):
    """Wᵀ(p − e_y) per example, with SciPy's softmax and an einsum."""
    r = special.softmax(X @ W.T + b, axis=1) - np.eye(W.shape[0])[y]
    return np.einsum("nk,kd->nd", r, W)


def _array(fn, args, call, shape):
    with np.errstate(all="ignore"):
        out = fn(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
    out = as_array(out, call, shape=shape)
    if out.dtype.kind != "f":
        raise CheckFailure(f"{call} returned dtype {out.dtype}, expected floats")
    return out


def _close(a, b, tol):
    with np.errstate(all="ignore"):
        return a.shape == b.shape and np.allclose(a, b, rtol=tol, atol=tol)


def _box(out, call, hint="Clip to [0, 1] last: pixels live in the box."):
    if np.nanmin(out) < 0 or np.nanmax(out) > 1:
        raise CheckFailure(f"{call}: some pixels are outside [0, 1]", hint=hint)


# ----------------------------------------------------------------------------- input_gradient


def check_input_gradient(fn) -> None:
    gen = np.random.default_rng(901)
    for n in (20, 1, 7):
        W, b = _model(gen)
        X, y = _images(gen, n), gen.integers(0, 10, size=n)
        call = f"input_gradient(W {W.shape}, b {b.shape}, X {X.shape}, y {y.shape})"
        out = _array(fn, (W, b, X, y), call, (n, 64))
        want = _grad(W, b, X, y)
        tol = _tol(out, 1e-8)
        if _close(out, want, tol):
            continue
        p = special.softmax(X @ W.T + b, axis=1)
        for other, mistake, hint in [
                (-want, "the gradient points the wrong way (sign)", "∇ₓ = Wᵀ(p − e_y): probabilities minus "
                 "the one-hot label."),
                (p @ W, "the one-hot label is not subtracted", "∇ₓ = Wᵀ(p − e_y)."),
                (_grad(W, np.zeros_like(b), X, y), "the bias b is left out of the logits", "z = W x + b."),
                (np.broadcast_to(want.mean(axis=0), want.shape), "every example got the batch's average "
                 "gradient", "One gradient PER EXAMPLE, not their average."),
                (want / n, "the gradients are divided by the batch size", "Each example's own gradient.")]:
            if n > 1 or mistake.startswith(("the gradient", "the one", "the bias")):
                if _close(out, other, tol):
                    raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong gradients",
                           hint="p = softmax(W x + b) per example; the input gradient is Wᵀ(p − e_y), "
                           "(n, d).")
    W, b = _model(gen, scale=300.0)
    X, y = _images(gen, 5), gen.integers(0, 10, size=5)
    call = "input_gradient(W with entries of size 300 — logits in the thousands, ...)"
    out = _array(fn, (W, b, X, y), call, (5, 64))
    if not np.all(np.isfinite(out)):
        raise CheckFailure(f"{call}: the gradient has inf or NaN",
                           hint="Subtract each row's largest logit before exponentiating.")
    if not _close(out, _grad(W, b, X, y), _tol(out, 1e-8) * 300):
        raise CheckFailure(f"{call}: wrong gradients for large logits",
                           hint="A stable softmax, then Wᵀ(p − e_y).")


# ----------------------------------------------------------------------------- fgsm


def check_fgsm(fn) -> None:
    gen = np.random.default_rng(902)
    W, b = _model(gen)
    W[:, 5] = 0.0  # pixel 5 does not matter to the model: its gradient is exactly 0
    X, y = _images(gen, 30), gen.integers(0, 10, size=30)
    g = _grad(W, b, X, y)
    for eps in (0.1, 0.03, 0.5):
        call = f"fgsm(W, b, X (30, 64) with pixels at 0 and 1, y, eps={eps})"
        out = _array(fn, (W, b, X, y, eps), call, X.shape)
        want = np.clip(X + eps * np.sign(g), 0, 1)
        tol = _tol(out)
        if _close(out, want, tol):
            continue
        for other, mistake, hint in [
                (np.clip(X - eps * np.sign(g), 0, 1), "the step DEcreases the loss (descent)",
                 "An attack climbs the loss: X + eps · sign(gradient)."),
                (X + eps * np.sign(g), "the result is not clipped to [0, 1]",
                 "Clip to the pixel range [0, 1]."),
                (np.clip(X + eps * g, 0, 1), "the step uses the gradient itself, not its sign",
                 "FGSM moves EVERY pixel by exactly eps: eps · sign(gradient)."),
                (np.clip(X + eps * g / np.linalg.norm(g, axis=1, keepdims=True), 0, 1),
                 "the step is an L2-normalised gradient, not its sign",
                 "The L∞ attack moves every pixel by ±eps: sign(gradient)."),
                (np.clip(X + eps * np.where(g >= 0, 1.0, -1.0), 0, 1),
                 "pixels with a zero gradient moved", "sign(0) = 0 (as np.sign): those pixels stay.")]:
            if _close(out, other, tol):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if np.nanmin(out) < 0 or np.nanmax(out) > 1:
            raise CheckFailure(f"{call}: some pixels are outside [0, 1]", hint="Clip to [0, 1] last.")
        if np.nanmax(np.abs(out - X)) > eps * (1 + tol):
            raise CheckFailure(f"{call}: some pixels moved by more than eps",
                               hint="X + eps · sign(gradient): every pixel moves by at most eps.")
        raise CheckFailure(f"{call}: wrong adversarial examples",
                           hint="clip(X + eps · sign(Wᵀ(p − e_y)), 0, 1), one gradient per example.")
    out = _array(fn, (W, b, X, y, 0.0), "fgsm(..., eps=0)", X.shape)
    if not np.allclose(out, X, rtol=0, atol=_tol(out)):
        raise CheckFailure("fgsm(..., eps=0): the inputs changed", hint="eps = 0 moves nothing.")
    expect_error(fn, (W, b, X, y, -0.1), (ValueError,), "fgsm(..., eps=-0.1)")


# ----------------------------------------------------------------------------- project_linf


def check_project_linf(fn) -> None:
    gen = np.random.default_rng(903)
    X = _images(gen, 25)
    for eps in (0.1, 0.3, 0.0):
        X_adv = X + gen.normal(size=X.shape) * max(eps, 0.05) * 1.5
        call = f"project_linf(X_adv (25, 64) partly outside the ball and the box, X, eps={eps})"
        out = _array(fn, (X_adv, X, eps), call, X.shape)
        want = np.minimum(np.maximum(X_adv, np.maximum(X - eps, 0)), np.minimum(X + eps, 1))
        tol = _tol(out)
        if _close(out, want, tol):
            continue
        for other, mistake, hint in [
                (np.clip(X_adv, X - eps, X + eps), "the result is not clipped to [0, 1]",
                 "After the ball, clip to the pixel range [0, 1]."),
                (np.clip(X_adv, 0, 1), "the result is not brought back into the ball around X",
                 "Clip every coordinate to [X − eps, X + eps] first."),
                (np.clip(np.clip(X_adv, -eps, eps), 0, 1), "the ADVERSARIAL values are clipped to "
                 "[−eps, eps] instead of the perturbation", "The ball is around X: [X − eps, X + eps]."),
                (np.clip(X + np.clip(X_adv, -eps, eps), 0, 1), "the perturbation is taken to be X_adv "
                 "itself", "The perturbation is X_adv − X.")]:
            if _close(out, other, tol):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if np.nanmax(np.abs(out - X)) > eps * (1 + tol) + tol:
            raise CheckFailure(f"{call}: some coordinates are still more than eps away from X",
                               hint="Clip to [X − eps, X + eps], coordinate by coordinate.")
        _box(out, call)
        raise CheckFailure(f"{call}: coordinates inside the ball and the box were moved, or moved to the "
                           "wrong place", hint="Projection onto a box: each coordinate to the nearest "
                           "allowed value (np.clip), nothing else changes.")
    expect_error(fn, (X, X, -0.1), (ValueError,), "project_linf(..., eps=-0.1)")


# ----------------------------------------------------------------------------- project_l2


def _l2_reference(X_adv, X, eps):
    out = np.empty_like(X)
    for i, (a, x) in enumerate(zip(X_adv, X)):
        d = a - x
        norm = math.sqrt(float(d @ d))
        out[i] = x + (d * (eps / norm) if norm > eps else d)
    return np.clip(out, 0, 1)


def check_project_l2(fn) -> None:
    gen = np.random.default_rng(904)
    for where, eps in [("inside the box, far from its edges", 0.5), ("with pixels at 0 and 1", 1.0),
                       ("with pixels at 0 and 1", 0.2)]:
        X = gen.uniform(0.3, 0.7, size=(30, 64)) if where.startswith("inside") else _images(gen, 30)
        scale = 0.03 if where.startswith("inside") else 0.3
        delta = gen.normal(size=X.shape) * scale * gen.uniform(0.05, 2, size=(30, 1))
        delta[3] = 0.0  # one example that was not moved at all
        X_adv = X + delta
        call = (f"project_l2(X_adv (30, 64), X {where}, eps={eps}; some rows inside the ball, some "
                "outside, one row equal to X)")
        out = _array(fn, (X_adv, X, eps), call, X.shape)
        tol = _tol(out)
        if not np.all(np.isfinite(out)):
            raise CheckFailure(f"{call}: the result has NaN or inf (the row with no perturbation?)",
                               hint="A perturbation of norm 0 is inside the ball: leave it as it is "
                               "instead of dividing by its norm.")
        want = _l2_reference(X_adv, X, eps)
        if _close(out, want, tol):
            continue
        norms = np.linalg.norm(delta, axis=1, keepdims=True)
        safe = np.where(norms > 0, norms, 1.0)
        for other, mistake, hint in [
                (X + delta * np.minimum(1, eps / safe), "the result is not clipped to [0, 1]",
                 "After the ball, clip to the pixel range [0, 1]."),
                (np.clip(X + delta * min(1.0, eps / np.linalg.norm(delta)), 0, 1),
                 "the whole batch is projected as one vector, not each example",
                 "One norm PER ROW: ||X_adv[i] − X[i]||₂."),
                (np.clip(X + delta * (eps / safe), 0, 1), "rows inside the ball were scaled up to the "
                 "sphere", "min(1, eps / ||δ||): a perturbation inside the ball is left alone."),
                (np.clip(X + np.clip(delta, -eps, eps), 0, 1), "that is the L∞ projection",
                 "L2: scale the whole row δ_i by min(1, eps / ||δ_i||₂)."),
                (_l2_reference(np.clip(X_adv, 0, 1), X, eps), "the box is applied before the ball",
                 "First the ball (scale δ_i), then clip to [0, 1], as the docstring says.")]:
            if _close(out, other, tol):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        _box(out, call)
        if np.any(np.linalg.norm(out - X, axis=1) > eps * (1 + 10 * tol)):
            raise CheckFailure(f"{call}: some examples are still farther than eps from X (L2)",
                               hint="Per row: δ · min(1, eps / ||δ||₂).")
        raise CheckFailure(f"{call}: wrong projection",
                           hint="Per row: δ_i · min(1, eps / ||δ_i||₂), added to X[i], then clipped to "
                           "[0, 1].")
    X = _images(gen, 4)
    out = _array(fn, (X + 0.2, X, 0.0), "project_l2(X + 0.2, X, eps=0)", X.shape)
    if not np.allclose(out, X, rtol=0, atol=_tol(out)):
        raise CheckFailure("project_l2(X + 0.2, X, eps=0): the result must be X",
                           hint="A ball of radius 0 holds X only.")
    expect_error(fn, (X, X, -0.5), (ValueError,), "project_l2(..., eps=-0.5)")


# ----------------------------------------------------------------------------- pgd_linf


def _pgd(W, b, X, y, eps, alpha, steps, start=None, *, sign=1.0, use_sign=True, at_x=False, project=True,
         box=True):
    """Reference PGD from ``start`` (X when None); the keywords build the typical mistakes."""
    cur = X.copy() if start is None else start.copy()
    for _ in range(steps):
        g = _grad(W, b, X if at_x else cur, y)
        cur = cur + sign * alpha * (np.sign(g) if use_sign else g)
        if project:
            cur = np.clip(cur, X - eps, X + eps)
        if box:
            cur = np.clip(cur, 0, 1)
    return cur


def check_pgd_linf(fn) -> None:
    gen = np.random.default_rng(905)
    W, b = _model(gen, scale=1.0)
    X, y = _images(gen, 20), gen.integers(0, 10, size=20)
    for eps, alpha, steps in [(0.1, 0.025, 10), (0.3, 0.05, 12), (0.05, 0.1, 3)]:
        call = (f"pgd_linf(W, b, X (20, 64) with pixels at 0 and 1, y, eps={eps}, step_size={alpha}, "
                f"steps={steps}, rng, random_start=False)")
        out = _array(fn, (W, b, X, y, eps, alpha, steps, np.random.default_rng(0), False), call, X.shape)
        want = _pgd(W, b, X, y, eps, alpha, steps)
        tol = _tol(out, 1e-9) * 16
        if _close(out, want, tol):
            continue
        for keys, mistake, hint in [
                ({"sign": -1.0}, "the steps DEcrease the loss (descent)",
                 "An attack climbs the loss: + step_size · sign(gradient)."),
                ({"use_sign": False}, "the steps use the gradient itself, not its sign",
                 "L∞ PGD moves every coordinate by step_size · sign(gradient)."),
                ({"at_x": True}, "every step uses the gradient at X instead of at the current point",
                 "Recompute the gradient at the current adversarial point each step."),
                ({"project": False}, "the steps are not projected back into the eps-ball around X",
                 "After every step: clip to [X − eps, X + eps], then [0, 1]."),
                ({"box": False}, "the result is not clipped to [0, 1]",
                 "After every step, clip to [0, 1] too.")]:
            if _close(out, _pgd(W, b, X, y, eps, alpha, steps, **keys), tol):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        at_end = _pgd(W, b, X, y, eps, alpha, steps, project=False, box=False)
        if _close(out, np.clip(np.clip(at_end, X - eps, X + eps), 0, 1), tol):
            raise CheckFailure(f"{call}: the projection is applied once at the end, not after every step",
                               hint="Project after EVERY step, so that each gradient is taken inside the "
                               "ball.")
        if np.nanmax(np.abs(out - X)) > eps * (1 + tol) + tol:
            raise CheckFailure(f"{call}: the result leaves the eps-ball around X",
                               hint="Project after EVERY step: clip to [X − eps, X + eps], then [0, 1].")
        _box(out, call, hint="After every step, clip to [0, 1] too.")
        if np.allclose(out, X):
            raise CheckFailure(f"{call}: nothing moved",
                               hint="steps times: a sign step, then the projection.")
        once = _pgd(W, b, X, y, eps, alpha, 1)
        if steps > 1 and _close(out, once, tol):
            raise CheckFailure(f"{call}: only one step was taken", hint="Repeat the step `steps` times.")
        raise CheckFailure(f"{call}: wrong adversarial examples",
                           hint="From X: steps × (x + step_size · sign(∇ₓ loss at x), then clip to the ball "
                           "and the box).")
    out = _array(fn, (W, b, X, y, 0.1, 0.02, 0, np.random.default_rng(0), False),
                 "pgd_linf(..., steps=0, random_start=False)", X.shape)
    if not np.allclose(out, X, rtol=0, atol=_tol(out)):
        raise CheckFailure("pgd_linf(..., steps=0, random_start=False): the result must be X",
                           hint="No random start and no step: nothing moves.")
    _check_random_start(fn, W, b, y)
    for args, what in [((-0.1, 0.01, 5), "eps=-0.1"), ((0.1, 0.0, 5), "step_size=0"),
                       ((0.1, 0.01, -1), "steps=-1")]:
        expect_error(fn, (W, b, X, y, *args, np.random.default_rng(0), True), (ValueError,),
                     f"pgd_linf(..., {what})")


def _check_random_start(fn, W, b, y) -> None:
    gen = np.random.default_rng(906)
    eps = 0.1
    X = gen.uniform(0.2, 0.8, size=(20, 64))  # far from the box's edges: the start is not clipped
    call = f"pgd_linf(W, b, X (20, 64), y, eps={eps}, step_size=0.02, steps=0, rng, random_start=True)"
    rng = np.random.default_rng(907)
    out = _array(fn, (W, b, X, y, eps, 0.02, 0, rng, True), call, X.shape)
    delta = out - X
    if np.allclose(delta, 0):
        raise CheckFailure(f"{call}: the start is X itself (no random start)",
                           hint="random_start: add uniform noise in [−eps, eps] to every coordinate.")
    if np.max(np.abs(delta)) > eps * (1 + 1e-6):
        raise CheckFailure(f"{call}: the random start lies outside the eps-ball around X",
                           hint="Uniform noise in [−eps, eps], not a Gaussian.")
    rows, cols = np.corrcoef(delta[:8]), np.corrcoef(delta[:, :8], rowvar=False)
    if max(np.max(np.abs(rows - np.eye(8))), np.max(np.abs(cols - np.eye(8)))) > 0.8:
        raise CheckFailure(f"{call}: the random start repeats one value across pixels or examples",
                           hint="Draw one value per coordinate of every example: size=X.shape.")
    count = delta.size  # 1280 coordinates: the mean is within 6 standard errors of 0
    if abs(delta.mean()) > 6 * eps / math.sqrt(3 * count):
        raise CheckFailure(f"{call}: the random start is not centred on X",
                           hint="Uniform in [−eps, eps] (both signs), independently per coordinate.")
    second = float(np.mean(delta**2)) / eps**2  # 1/3 for a uniform start, ± about 0.05 at 6 s.e.
    if abs(second - 1 / 3) > 6 * math.sqrt(4 / 45 / count):
        raise CheckFailure(f"{call}: the random start does not spread like uniform noise in [−eps, eps]",
                           hint="rng.uniform(-eps, eps, size=X.shape): each coordinate independently.")
    starts = [_array(fn, (W, b, X, y, eps, 0.02, 0, np.random.default_rng(s), True), call, X.shape)
              for s in (5, 5, 6)]
    expect_drawn_from_rng(starts, call, "starts", "start", "the start")
    Xb = _images(gen, 20)
    call = ("pgd_linf(W, b, X with pixels at 0 and 1, y, eps=0.3, step_size=0.05, steps=0, rng, "
            "random_start=True)")
    out = _array(fn, (W, b, Xb, y, 0.3, 0.05, 0, np.random.default_rng(908), True), call, Xb.shape)
    _box(out, call, hint="Clip the random start to [0, 1] too.")
    if np.max(np.abs(out - Xb)) > 0.3 * (1 + 1e-6):
        raise CheckFailure(f"{call}: the random start lies outside the eps-ball around X")
    call = ("pgd_linf(W, b, X with pixels at 0 and 1, y, eps=0.1, step_size=0.02, steps=8, rng, "
            "random_start=True)")
    out = _array(fn, (W, b, Xb, y, 0.1, 0.02, 8, np.random.default_rng(909), True), call, Xb.shape)
    if np.max(np.abs(out - Xb)) > 0.1 * (1 + 1e-6):
        raise CheckFailure(f"{call}: the result leaves the eps-ball around X",
                           hint="Project after every step, the random start included.")
    _box(out, call, hint="After every step, clip to [0, 1] too.")

    def loss(Z):
        z = Z @ W.T + b
        return float(np.mean(special.logsumexp(z, axis=1) - z[np.arange(len(y)), y]))

    if not loss(out) > loss(Xb):
        raise CheckFailure(f"{call}: the attack did not increase the loss",
                           hint="Ascent: + step_size · sign(gradient) at the current point.")


# ----------------------------------------------------------------------------- certified_accuracy


def _certified(W, b, X, y, eps, *, box=True, norm=None, classes="all", strict=True):
    """Example by example, class by class: the smallest margin over the allowed perturbations.
    The keywords build the typical mistakes."""
    robust = 0
    for x, label in zip(X, y):
        lo = np.maximum(-eps, -x) if box else np.full_like(x, -eps)
        hi = np.minimum(eps, 1 - x) if box else np.full_like(x, eps)
        z = W @ x + b
        others = [c for c in range(len(b)) if c != label]
        if classes == "runner-up":
            others = [max(others, key=lambda c: z[c])]
        ok = True
        for c in others:
            w = W[label] - W[c]
            if norm is None:
                low = z[label] - z[c] + float(np.sum(np.minimum(w * lo, w * hi)))
            else:
                low = z[label] - z[c] - eps * float(np.linalg.norm(w, ord=norm))
            if low < 0 or (strict and low == 0):
                ok = False
                break
        robust += ok
    return robust / len(X)


def check_certified_accuracy(fn) -> None:
    gen = np.random.default_rng(910)
    W, b = _model(gen, scale=0.5)
    W *= np.array([0.2, 0.2, 0.5, 0.5, 1, 1, 2, 2, 3, 3])[:, None]  # a far class can overtake the runner-up
    W[np.arange(10), np.arange(10)] += 3.0  # pixel c speaks for class c: some examples are robust
    X = _images(gen, 200)
    y = np.argmax(X @ W.T + b + gen.normal(size=(200, 10)) * 0.8, axis=1)  # mostly, not always, right
    for eps in (0.0, 0.02, 0.05, 0.1, 0.3):
        call = f"certified_accuracy(W (10, 64), b, X (200, 64) with pixels at 0 and 1, y, eps={eps})"
        got = _number(fn(W.copy(), b.copy(), X.copy(), y.copy(), eps), call)
        want = _certified(W, b, X, y, eps)
        if math.isclose(got, want, abs_tol=1e-12):
            continue
        if got > 1 and math.isclose(got, want * len(X), abs_tol=1e-9):
            raise CheckFailure(f"{call}: that is a count, not a fraction", hint="Divide by the number of "
                               "examples.")
        for keys, mistake, hint in [
                ({"box": False}, "the pixel range [0, 1] is ignored: the attacker is allowed pixels "
                 "outside it", "δ_j lies in [max(−eps, −x_j), min(eps, 1 − x_j)], not just [−eps, eps]."),
                ({"classes": "runner-up"}, "only the runner-up class at x is checked",
                 "Under attack ANY other class may win: check the margin against every class."),
                ({"box": False, "classes": "runner-up"}, "only the runner-up class is checked, and the "
                 "pixel range is ignored", "Every other class, and δ within the box [0, 1]."),
                ({"norm": 2, "box": False}, "the worst case uses the L2 norm of the weights",
                 "For an L∞ attacker the worst case of w·δ is −eps·||w||₁ (without the box)."),
                ({"strict": False}, "a margin of exactly 0 is counted as robust",
                 "A tie is not a correct answer: the margin must stay > 0.")]:
            if math.isclose(got, _certified(W, b, X, y, eps, **keys), abs_tol=1e-12) and eps > 0:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if eps > 0 and math.isclose(got, _certified(W, b, X, y, 0.0), abs_tol=1e-12):
            raise CheckFailure(f"{call}: that is the clean accuracy", hint="Count only the examples that "
                               "no perturbation of size eps can misclassify.")
        if eps == 0:
            raise CheckFailure(f"{call}: with eps = 0 the result must be the clean accuracy (ties count "
                               "as errors)",
                               hint="eps = 0: the fraction of examples whose true class has strictly the "
                               "largest logit z = W x + b (the bias included).")
        if got > want:
            raise CheckFailure(f"{call}: too high: some examples counted as robust are misclassified by a "
                               "perturbation inside the ball and the box (an attack's accuracy is only an "
                               "upper bound)", hint="Per example and per other class: the margin plus the "
                               "sum over pixels of min(w_j·lo_j, w_j·hi_j); robust if all are > 0.")
        raise CheckFailure(f"{call}: too low: some examples that no allowed perturbation can misclassify are "
                           "not counted", hint="Per example and per other class: the margin plus the sum "
                           "over pixels of min(w_j·lo_j, w_j·hi_j); robust if all are > 0.")
    # exact arithmetic (multiples of 1/4): some worst-case margins are exactly 0
    W = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.5, 0.5, 0.5]])
    b = np.zeros(3)
    X = np.array([[1.0, 0.5, 0.0], [0.75, 0.25, 0.5], [0.0, 1.0, 0.25], [0.5, 0.5, 0.5], [1.0, 0.0, 1.0]])
    y = np.array([0, 0, 1, 2, 0])
    for eps in (0.0, 0.25, 0.5):
        call = f"certified_accuracy(3 classes, 5 inputs in quarters, eps={eps}; some margins are exactly 0)"
        got = _number(fn(W.copy(), b.copy(), X.copy(), y.copy(), eps), call)
        if not math.isclose(got, _certified(W, b, X, y, eps), abs_tol=1e-12):
            if math.isclose(got, _certified(W, b, X, y, eps, strict=False), abs_tol=1e-12):
                raise CheckFailure(f"{call}: a margin of exactly 0 is counted as robust",
                                   hint="A tie is not a correct answer: the margin must stay > 0.")
            raise CheckFailure(f"{call}: wrong fraction",
                               hint="Per other class: the margin at the worst δ inside the box; > 0 for all.")
    expect_error(fn, (W, b, X, y, -0.1), (ValueError,), "certified_accuracy(..., eps=-0.1)")


def _number(out, call: str) -> float:
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer, np.floating)):
        if not (isinstance(out, np.ndarray) and out.ndim == 0 and out.dtype.kind in "iuf"):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a float")
    return float(out)


EXERCISE = Exercise(
    name="09_evasion_robustness",
    title="Evasion: input gradients, FGSM, L∞/L2 projections, PGD with a random start, certified accuracy",
    tasks=(
        Task("input_gradient", "input_gradient", check_input_gradient, notebook="09_evasion_robustness",
             hint="Per example: Wᵀ(softmax(W x + b) − onehot(y))."),
        Task("fgsm", "fgsm", check_fgsm, notebook="09_evasion_robustness",
             hint="clip(X + eps · sign(input gradient), 0, 1)."),
        Task("project_linf", "project_linf", check_project_linf, notebook="09_evasion_robustness",
             hint="clip to [X − eps, X + eps], then to [0, 1]."),
        Task("project_l2", "project_l2", check_project_l2, notebook="09_evasion_robustness",
             hint="Per row: δ · min(1, eps / ||δ||₂), then clip to [0, 1]."),
        Task("pgd_linf", "pgd_linf", check_pgd_linf, notebook="09_evasion_robustness",
             hint="Optional uniform start from rng; then steps × (sign step, project_linf)."),
        Task("certified_accuracy", "certified_accuracy", check_certified_accuracy,
             notebook="09_evasion_robustness",
             hint="Every other class: margin + Σ_j min(w_j·lo_j, w_j·hi_j) > 0, δ in the ball and the box."),
    ),
)
