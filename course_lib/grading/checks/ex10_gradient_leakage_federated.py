"""Checkers for exercise 10 (gradient leakage and federated learning). Deterministic pieces are compared
with an independent computation here; the random split and the noisy DP-FedAvg step are judged
statistically over many seeded calls (tolerances many standard errors wide). Messages name the input
and the property, never the expected numbers."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_drawn_from_rng, expect_error, repeat_calls


def _tol(arr, float64: float = 1e-9) -> float:
    """Tolerance for an answer in its own float type (a few dozen ulps for float32)."""
    dtype = np.asarray(arr).dtype
    if not np.issubdtype(dtype, np.floating) or np.finfo(dtype).eps <= 1e-15:
        return float64
    return 64 * float(np.finfo(dtype).eps)


def _floats(out, call: str, shape) -> np.ndarray:
    out = as_array(out, call, shape=shape)
    if out.dtype.kind not in "fiu" or out.dtype == np.bool_:
        raise CheckFailure(f"{call} returned dtype {out.dtype}, expected floats")
    return out


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


# ----------------------------------------------------------------------------- invert_first_layer


def _one_example_gradient(gen, n_in, hidden, k, dead_first=True):
    """An MLP x → ReLU(W₁x + b₁) → W₂h + b₂ and the cross-entropy gradients of one example."""
    x = gen.uniform(0, 1, n_in)
    W1, b1 = gen.normal(size=(hidden, n_in)) / math.sqrt(n_in), gen.normal(size=hidden) * 0.1
    if dead_first:
        b1[: hidden // 3] = -50.0  # dead units (the first rows among them): ∂L/∂b₁ = 0 there
    W2, b2 = gen.normal(size=(k, hidden)) / math.sqrt(hidden), np.zeros(k)
    z1 = W1 @ x + b1
    h = np.maximum(z1, 0)
    p = _softmax(W2 @ h + b2)
    y = int(gen.integers(0, k))
    dz2 = p.copy()
    dz2[y] -= 1
    dz1 = (W2.T @ dz2) * (z1 > 0)
    return x, np.outer(dz1, x), dz1


def check_invert_first_layer(fn) -> None:
    gen = np.random.default_rng(1001)
    for n_in, hidden in [(20, 16), (64, 32), (5, 40)]:
        x, gW, gb = _one_example_gradient(gen, n_in, hidden, 6)
        call = f"invert_first_layer(one example's gradients, grad_W1 {gW.shape}, grad_b1 {gb.shape})"
        with np.errstate(all="ignore"):
            out = fn(gW.copy(), gb.copy())
        if isinstance(out, np.ndarray) and out.shape == (hidden,) and hidden != n_in:
            raise CheckFailure(f"{call} returned shape {out.shape}, one value per hidden unit",
                               hint="Row i of grad_W1 is ∂L/∂z_i · xᵀ: divide a ROW (length n_in), "
                               "not a column.")
        out = _floats(out, call, (n_in,))
        if not np.all(np.isfinite(out)):
            raise CheckFailure(f"{call}: the reconstruction has inf or NaN (divided by a zero bias "
                               "gradient of a dead ReLU unit?)",
                               hint="Use the row with the largest |∂L/∂b₁[i]|; dead units have 0 there.")
        if not np.allclose(out, x, rtol=1e-6, atol=1e-6 * np.abs(x).max()):
            raise CheckFailure(f"{call}: the result is not the example's input",
                               hint="x = ∂L/∂W₁[i, :] / ∂L/∂b₁[i] for a row i whose ∂L/∂b₁[i] ≠ 0.")
    # gradients with noise on them (no exact x): the docstring's row must be the one used
    for hidden, n_in in [(8, 12), (30, 7)]:
        gW, gb = gen.normal(size=(hidden, n_in)), gen.normal(size=hidden)
        gb[0] = 0.0
        gb[hidden // 2] = -(np.abs(gb).max() + 0.5)  # the largest |∂L/∂b₁[i]| is a negative one
        call = f"invert_first_layer(noisy gradients, grad_W1 {gW.shape}, grad_b1 {gb.shape})"
        with np.errstate(all="ignore"):
            out = _floats(fn(gW.copy(), gb.copy()), call, (n_in,))
        row = int(np.argmax(np.abs(gb)))
        want = gW[row] / gb[row]
        if np.allclose(out, want, rtol=_tol(out), atol=_tol(out)):
            continue
        live = gb != 0
        per_row = gW[live] / gb[live][:, None]
        for other, mistake, hint in [
                (per_row.mean(axis=0), "the rows' quotients are averaged",
                 "Use one row, the one with the largest |∂L/∂b₁[i]|: noise in small rows is amplified."),
                (gW.sum(axis=0) / gb.sum(), "the summed rows are divided by the summed bias gradient",
                 "Use one row, the one with the largest |∂L/∂b₁[i]|."),
                (gW[np.argmax(gb)] / gb[np.argmax(gb)], "the row with the largest SIGNED ∂L/∂b₁[i] is used",
                 "Largest in absolute value: a large negative ∂L/∂b₁[i] is just as good."),
                (per_row[0], "the first usable row is used, not the one with the largest |∂L/∂b₁[i]|",
                 "Dividing by the largest |∂L/∂b₁[i]| loses the least to noise: np.argmax(np.abs(...)).")]:
            if np.allclose(out, other, rtol=1e-9, atol=1e-9):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: not the quotient of the row the docstring names",
                           hint="i = np.argmax(|grad_b1|); x = grad_W1[i] / grad_b1[i].")
    expect_error(fn, (np.ones((4, 3)), np.zeros(4)), (ValueError,),
                 "invert_first_layer(grad_W1, grad_b1 all zeros)")
    expect_error(fn, (np.ones((4, 3)), np.ones(3)), (ValueError,),
                 "invert_first_layer(grad_W1 of shape (4, 3), grad_b1 of shape (3,))")


# ----------------------------------------------------------------------------- idlg_label


def _int_answer(out, call):
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, np.integer)):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected an int")
    return int(out)


def check_idlg_label(fn) -> None:
    gen = np.random.default_rng(1002)
    cases = []
    for k, hidden in [(10, 32), (3, 8), (10, 4), (2, 16)]:
        for _ in range(4):
            h = np.maximum(gen.normal(size=hidden), 0)
            h[0] = abs(h[0]) + 0.1
            z = gen.normal(size=k) * 2
            y = int(gen.integers(0, k))
            cases.append((f"{k} classes, hidden {hidden}", h, z, y))
    h = np.maximum(gen.normal(size=16), 0) + 0.01
    z = np.zeros(10)
    z[4] = 20.0  # very confident and right: p_y − 1 is about −2e-8
    cases.append(("a very confident right prediction", h, z, 4))
    z = np.zeros(10)
    z[7] = 6.0  # confident and wrong
    cases.append(("a confident wrong prediction", h, z, 2))
    for what, h, z, y in cases:
        p = _softmax(z)
        d = p.copy()
        d[y] -= 1
        g = np.outer(d, h)
        call = f"idlg_label(gradient of the last layer, {what})"
        got = _int_answer(fn(g.copy()), call)
        if got == y:
            continue
        if got == int(np.argmax(g.sum(axis=1))):
            raise CheckFailure(f"{call}: the row with the LARGEST sum was chosen",
                               hint="p_y − 1 < 0: the true label's row is the negative one.")
        if got == int(np.argmin(g.sum(axis=0))):
            raise CheckFailure(f"{call}: summed over the wrong axis (columns, not rows)",
                               hint="One row per class: sum each row (axis=1).")
        raise CheckFailure(f"{call}: wrong label",
                           hint="Row c is (p_c − 1[c = y]) hᵀ with h ≥ 0: the row with the smallest sum.")
    expect_error(fn, (np.zeros((5, 8)),), (ValueError,), "idlg_label(an all-zero gradient)")
    expect_error(fn, (np.ones((1, 8)),), (ValueError,), "idlg_label(a gradient with one row)")


# ----------------------------------------------------------------------------- fedavg_aggregate


def _fedavg_cases(gen):
    shapes = [(4, 3), (3,), (2, 2, 2)]
    model = lambda: [gen.normal(size=s) for s in shapes]  # noqa: E731
    yield "3 clients of sizes 10, 30, 60", [model() for _ in range(3)], [10, 30, 60]
    yield "4 clients of sizes 5, 0, 5, 90", [model() for _ in range(4)], [5, 0, 5, 90]
    yield "one client of size 7", [[gen.normal(size=s) for s in shapes]], [7]
    yield "2 clients of sizes 1, 3 with one parameter", [[gen.normal(size=(5,))] for _ in range(2)], [1, 3]


def check_fedavg_aggregate(fn) -> None:
    gen = np.random.default_rng(1003)
    for what, params, sizes in _fedavg_cases(gen):
        call = f"fedavg_aggregate({what})"
        before = [[a.copy() for a in client] for client in params]
        out = fn(params, list(sizes))
        if not isinstance(out, (list, tuple)) or len(out) != len(params[0]):
            raise CheckFailure(f"{call} must return a list with one array per parameter "
                               f"({len(params[0])})")
        if any(not np.array_equal(a, b) for c0, c1 in zip(params, before) for a, b in zip(c0, c1)):
            raise CheckFailure(f"{call}: the clients' parameters were changed",
                               hint="Build new arrays; accumulating into a client's own array changes "
                               "that client's model.")
        n = np.asarray(sizes, dtype=float)
        for j, got in enumerate(out):
            got = _floats(got, f"{call}[{j}]", params[0][j].shape)
            stack = np.stack([client[j] for client in params])
            want = np.tensordot(n / n.sum(), stack, axes=1)
            if np.allclose(got, want, rtol=1e-9, atol=1e-12):
                continue
            for other, mistake, hint in [
                    (stack.mean(axis=0), "the clients are averaged without weights",
                     "Weight each client by its number of examples n_k."),
                    (np.tensordot(n, stack, axes=1), "the weighted sum is not divided by Σ n_k",
                     "Divide by the total number of examples: the weights must sum to 1."),
                    (stack.sum(axis=0), "the parameters are summed, not averaged",
                     "Σ_k n_k w_k / Σ_k n_k."),
                    (np.tensordot(n / n.sum(), stack, axes=1) / len(params),
                     "the weighted average is divided by the number of clients once more",
                     "The normalised weights n_k / Σ n_k already sum to 1.")]:
                if np.allclose(got, other, rtol=1e-9, atol=1e-12):
                    raise CheckFailure(f"{call}: {mistake}", hint=hint)
            raise CheckFailure(f"{call}: parameter {j} is not the weighted average",
                               hint="For each parameter: Σ_k n_k · w_k / Σ_k n_k.")
    one = [[np.ones(3)], [np.zeros(3)]]
    for args, what in [(([], []), "no clients"), ((one, [1]), "2 clients and 1 size"),
                       ((one, [3, -1]), "a negative size"), ((one, [0, 0]), "all sizes zero")]:
        expect_error(fn, args, (ValueError,), f"fedavg_aggregate({what})")


# ----------------------------------------------------------------------------- dirichlet_split


def _split_labels(gen):
    sizes = [60, 40, 30, 20]
    labels = np.repeat(np.arange(len(sizes)), sizes)
    return gen.permutation(labels), np.array(sizes)


def _parts(out, call, n, k) -> list[np.ndarray]:
    if not isinstance(out, (list, tuple)) or len(out) != k:
        raise CheckFailure(f"{call} must return a list of n_clients={k} index arrays")
    parts = []
    for c, part in enumerate(out):
        part = np.asarray(part)
        if part.ndim != 1 or (part.size and (part.dtype.kind not in "iu")):
            raise CheckFailure(f"{call}: client {c}'s part is not a 1-D array of integer indices")
        if np.any(np.diff(part) < 0):
            raise CheckFailure(f"{call}: client {c}'s indices are not sorted")
        parts.append(part.astype(np.int64))
    every = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if len(every) != n or not np.array_equal(np.sort(every), np.arange(n)):
        missing = n - len(np.unique(every[(every >= 0) & (every < n)]))
        what = ("some examples are given to no client" if missing and len(every) <= n else
                "some examples are given to two clients (or indices are out of range)")
        raise CheckFailure(f"{call}: the parts are not a partition: {what}",
                           hint="Every index 0 … n−1 exactly once: deal out ALL of each class's examples.")
    return parts


def _counts(parts, labels, n_classes):
    out = np.zeros((n_classes, len(parts)))
    for k, part in enumerate(parts):
        out[:, k] = np.bincount(labels[part], minlength=n_classes)
    return out


def check_dirichlet_split(fn) -> None:
    gen = np.random.default_rng(1004)
    labels, sizes = _split_labels(gen)
    n, k = len(labels), 5
    call = f"dirichlet_split(labels of 4 classes (sizes 60, 40, 30, 20), n_clients={k}, alpha=0.5, rng)"
    _parts(fn(labels.copy(), k, 0.5, np.random.default_rng(0)), call, n, k)
    expect_drawn_from_rng([_parts(fn(labels.copy(), k, 0.5, np.random.default_rng(s)), call, n, k)
                           for s in (5, 5, 6)], call, "splits", "split", "everything",
                          same=lambda u, v: all(np.array_equal(a, b) for a, b in zip(u, v)))
    draws = 1000
    for alpha in (0.1, 100.0):
        call = (f"dirichlet_split(labels of 4 classes (sizes 60, 40, 30, 20), n_clients={k}, "
                f"alpha={alpha}, rng)")
        rng = np.random.default_rng(1005 if alpha < 1 else 1006)
        f = np.array([_counts(_parts(out, call, n, k), labels, len(sizes)) / sizes[:, None]
                      for out in repeat_calls(fn, (labels, k, alpha, rng), draws, copy=(0,))])
        mean = 1 / k
        v_p = mean * (1 - mean) / (k * alpha + 1)  # the variance of one Dirichlet share
        var = v_p + (mean - v_p - mean**2) / sizes[:, None]  # … plus the multinomial's, given the share
        dev = f - mean
        cell_se = np.sqrt(var / draws)
        if np.any(np.abs(dev.mean(axis=0)) > 6 * cell_se):
            raise CheckFailure(f"{call}: some client gets more than its fair share of some class on "
                               "average", hint="The Dirichlet is symmetric: every client's expected share "
                               "is 1 / n_clients. Leftovers must not all go to one client.")
        ratio = (dev**2 / var).mean(axis=(1, 2))  # 1 on average when the spread is right
        se = ratio.std() / math.sqrt(draws)
        if abs(ratio.mean() - 1) > 6 * se + 0.02:
            too = "little" if ratio.mean() < 1 else "much"
            hint = ("Each class gets its own p_c ~ Dirichlet(alpha·1) over the clients; the counts are a "
                    "multinomial draw with those shares (not a cut at the rounded cumulative shares).")
            if alpha < 1 and ratio.mean() < 0.5:
                hint = "Small alpha must give strong label skew: shares p_c ~ Dirichlet(alpha, …, alpha)."
            raise CheckFailure(f"{call}: the clients' shares of each class vary too {too} from draw to "
                               "draw", hint=hint)
        # P[client k gets nothing of class c] = E[(1 − p)^n_c] for p ~ Beta(α, (K − 1)α); classes independent
        log_none = special.betaln(alpha, (k - 1) * alpha + sizes) - special.betaln(alpha, (k - 1) * alpha)
        p_empty = float(np.exp(log_none.sum()))
        empty = float(np.mean(np.all(f == 0, axis=1)))
        if abs(empty - p_empty) > 6 * math.sqrt(p_empty * (1 - p_empty) / draws) + 1e-3:
            raise CheckFailure(f"{call}: clients end up with no example " + (
                "too rarely (are empty splits redrawn?)" if empty < p_empty else "too often"),
                hint="A client may receive nothing: do not redraw or patch empty clients; one Dirichlet "
                "draw and one multinomial draw per class.")
        z = dev / np.sqrt(var)
        pairs = [(a, b) for a in range(len(sizes)) for b in range(a + 1, len(sizes))]
        corr = np.mean([np.mean(z[:, a, :] * z[:, b, :]) for a, b in pairs])
        if abs(corr) > 0.15:
            raise CheckFailure(f"{call}: the shares of different classes are correlated (one Dirichlet "
                               "draw shared by all classes?)", hint="A fresh p_c ~ Dirichlet for EVERY "
                               "class: that is what gives clients different labels.")
    for n_clients, alpha in [(k, 0.0), (k, -1.0), (0, 1.0)]:
        expect_error(fn, (labels, n_clients, alpha, np.random.default_rng(0)), (ValueError,),
                     f"dirichlet_split(..., n_clients={n_clients}, alpha={alpha}, rng)")


# ----------------------------------------------------------------------------- clip_and_noise_updates


def check_clip_and_noise_updates(fn) -> None:
    gen = np.random.default_rng(1007)
    d = 12
    updates = gen.normal(size=(7, d)) * np.array([[0.1], [0.5], [1.0], [2.0], [3.0], [0.0], [5.0]])
    C, sigma, E = 1.5, 0.8, 10.0
    call = (f"clip_and_noise_updates(7 updates of dimension {d}, one all zeros, clip={C}, "
            f"noise_multiplier={sigma}, expected_clients={E}, rng)")
    norms = np.linalg.norm(updates, axis=1, keepdims=True)
    clipped_sum = (updates * np.minimum(1, C / np.where(norms > 0, norms, 1))).sum(axis=0)
    tiny = 1e-9  # noise_multiplier must be > 0; this one leaves the deterministic part visible
    with np.errstate(all="ignore"):
        exact = _floats(fn(updates.copy(), C, tiny, E, np.random.default_rng(0)),
                        call.replace(f"noise_multiplier={sigma}", f"noise_multiplier={tiny}"), (d,))
    tolerance = 1e-7 * np.abs(clipped_sum / E).max()
    if not np.allclose(exact, clipped_sum / E, rtol=0, atol=tolerance):
        what = call.replace(f"noise_multiplier={sigma}", f"noise_multiplier={tiny}")
        if not np.all(np.isfinite(exact)):
            raise CheckFailure(f"{what}: the result has NaN or inf (the all-zero update?)",
                               hint="A zero update has norm 0 and is inside the ball: leave it at 0.")
        total = updates.sum(axis=0)
        for other, mistake, hint in [
                (total / E, "the updates are not clipped", "Clip each row to L2 norm ≤ clip first."),
                (total * min(1, C / np.linalg.norm(total)) / E, "the SUM is clipped, not each update",
                 "Clip each client's row: one client must move the sum by at most clip."),
                (clipped_sum / len(updates), "divided by the realised number of clients",
                 "Divide by expected_clients: the realised count is private."),
                (clipped_sum, "not divided by expected_clients", "The average: divide by q·N."),
                (updates.copy().clip(-C, C).sum(axis=0) / E, "each coordinate is clamped instead of "
                 "scaling the row", "Scale the whole row by min(1, clip / ‖row‖₂).")]:
            if np.allclose(exact, other, rtol=0, atol=tolerance * 10):
                raise CheckFailure(f"{what}: {mistake}", hint=hint)
        raise CheckFailure(f"{what}: with almost no noise the result is not the clipped sum divided "
                           "by expected_clients", hint="Row-wise Δ · min(1, clip / ‖Δ‖₂), then sum.")
    draws = 3000
    rng = np.random.default_rng(1008)
    out = np.array([np.asarray(o, dtype=float)
                    for o in repeat_calls(fn, (updates, C, sigma, E, rng), draws, copy=(0,))])
    if out.shape != (draws, d):
        raise CheckFailure(f"{call} must return one vector of dimension {d}")
    std = float(np.std(out, axis=0).mean())
    if std < 1e-12:
        raise CheckFailure(f"{call}: every call adds the same noise (a generator seeded inside the "
                           "function?)", hint="Draw the noise from the rng argument, afresh each call.")
    want_std = sigma * C / E
    centre = out.mean(axis=0)
    if abs(std - sigma * C / len(updates)) < 0.03 * want_std * E / len(updates):
        raise CheckFailure(f"{call}: the noise is divided by the realised number of clients",
                           hint="Divide by expected_clients: the realised count is private.")
    if not 0.97 * want_std <= std <= 1.03 * want_std:  # about 8 standard errors of 36000 draws
        if math.isclose(std, sigma / E, rel_tol=0.03):
            raise CheckFailure(f"{call}: the noise's standard deviation leaves out clip",
                               hint="Noise std = noise_multiplier × clip (the sensitivity), before the "
                               "division.")
        raise CheckFailure(f"{call}: the noise has the wrong standard deviation",
                           hint="Add N(0, (noise_multiplier · clip)²) to the SUM, then divide by "
                           "expected_clients.")
    if np.max(np.abs(centre - clipped_sum / E)) > 6 * want_std / math.sqrt(draws):
        raise CheckFailure(f"{call}: the average is not the clipped sum over expected_clients",
                           hint="Clip each row, sum, add the noise, divide by expected_clients.")
    noise = out - centre
    corr = np.corrcoef(noise, rowvar=False)
    if np.max(np.abs(corr - np.eye(d))) > 0.15:
        raise CheckFailure(f"{call}: the noise of different coordinates is correlated (one value shared?)",
                           hint="An independent Gaussian for EVERY coordinate: size=d.")
    lag = np.mean(np.sum(noise[1:] * noise[:-1], axis=0) / np.sum(noise**2, axis=0))
    if abs(lag) > 0.15:
        raise CheckFailure(f"{call}: the noise of one call is correlated with the next call's",
                           hint="Every call draws fresh noise from rng.")
    expect_drawn_from_rng([np.asarray(fn(updates.copy(), C, sigma, E, np.random.default_rng(s)))
                           for s in (7, 7, 8)], call, "results", "result", "the noise")
    empty = np.zeros((0, d))
    call = f"clip_and_noise_updates(no updates (shape (0, {d})), clip={C}, noise_multiplier={sigma}, " \
           f"expected_clients={E}, rng)"
    with np.errstate(all="ignore"):
        outs = [np.asarray(o, dtype=float) for o in
                repeat_calls(fn, (empty, C, sigma, E, np.random.default_rng(1009)), 400, copy=(0,))]
    outs = np.array(outs)
    if outs.shape != (400, d) or not np.all(np.isfinite(outs)):
        raise CheckFailure(f"{call}: a round with no client must still return d finite values",
                           hint="Divide by expected_clients, never by the (here zero) realised count.")
    if not 0.85 * want_std <= float(outs.std(axis=0).mean()) <= 1.15 * want_std:
        raise CheckFailure(f"{call}: a round with no client must still add the full noise",
                           hint="The noise is added every round: leaving it out reveals that nobody "
                           "took part.")
    for args, what in [((updates, C, 0.0, E), "noise_multiplier=0"), ((updates, 0.0, sigma, E), "clip=0"),
                       ((updates, C, sigma, 0.0), "expected_clients=0"),
                       ((updates, C, -1.0, E), "noise_multiplier=-1")]:
        expect_error(fn, (*args, np.random.default_rng(0)), (ValueError,),
                     f"clip_and_noise_updates(..., {what})")


# ----------------------------------------------------------------------------- mask_update

M32 = 2**32


def _mask(seed, d):
    return np.random.default_rng(int(seed)).integers(0, M32, size=d, dtype=np.uint64).astype(object)


def _masked(i, update, seeds, sign_above=1, sign_below=-1):
    y = update.astype(object)
    for j in range(len(seeds)):
        if j != i:
            y = y + (sign_above if j > i else sign_below) * _mask(seeds[i, j], len(update))
    return np.array([v % M32 for v in y], dtype=object)


def _seeds(gen, n):
    s = gen.integers(0, 2**31, size=(n, n))
    s = np.triu(s, 1)
    return s + s.T


def check_mask_update(fn) -> None:
    gen = np.random.default_rng(1010)
    for n, d in [(5, 40), (2, 16), (4, 1)]:
        seeds = _seeds(gen, n)
        updates = gen.integers(0, M32, size=(n, d), dtype=np.uint64)
        updates[0, 0] = M32 - 1  # values near the top wrap around
        outs = []
        for i in range(n):
            call = f"mask_update(i={i}, update of {d} values, seeds of {n} clients)"
            out = as_array(fn(i, updates[i].copy(), seeds.copy()), call, shape=(d,))
            if out.dtype.kind not in "iu":
                raise CheckFailure(f"{call} returned dtype {out.dtype}, expected integers (uint64)")
            vals = out.astype(object)
            if any(v < 0 or v >= M32 for v in vals):
                raise CheckFailure(f"{call}: values outside [0, 2³²) (no reduction modulo 2³²?)",
                                   hint="uint64 arithmetic wraps modulo 2⁶⁴: reduce with % 2**32 after "
                                   "every addition and subtraction.")
            outs.append(vals)
        total = sum(outs) % M32
        want_total = updates.astype(object).sum(axis=0) % M32
        for i in range(n):
            call = f"mask_update(i={i}, update of {d} values, seeds of {n} clients)"
            if np.array_equal(outs[i], _masked(i, updates[i], seeds)):
                continue
            if np.array_equal(outs[i], _masked(i, updates[i], seeds, -1, 1)):
                raise CheckFailure(f"{call}: the masks cancel, but the signs are the wrong way round",
                                   hint="Client i ADDS the masks shared with clients j > i and SUBTRACTS "
                                   "those with j < i: every client must use the same convention.")
            if np.array_equal(outs[i], _masked(i, updates[i], seeds, 1, 1)):
                raise CheckFailure(f"{call}: every mask is added, so the masks do not cancel in the sum",
                                   hint="+m_ij for j > i, −m_ij for j < i.")
            if np.array_equal(outs[i], updates[i].astype(object)):
                raise CheckFailure(f"{call}: the update is sent without masks",
                                   hint="Add the pairwise masks m_ij, generated from seeds[i, j].")
            raise CheckFailure(f"{call}: wrong masked update"
                               + ("" if np.array_equal(total, want_total) else
                                  " (and the masked updates of all clients do not sum to the updates' sum)"),
                               hint="m_ij = np.random.default_rng(seeds[i, j]).integers(0, 2**32, size=d, "
                               "dtype=np.uint64): one fresh generator per pair, from their shared seed.")
    update = gen.integers(0, M32, size=8, dtype=np.uint64)
    out = as_array(fn(0, update.copy(), np.zeros((1, 1), dtype=np.int64)),
                   "mask_update(i=0, ..., one client)", shape=(8,))
    if not np.array_equal(out.astype(object), update.astype(object)):
        raise CheckFailure("mask_update(i=0, update, seeds of one client): a client with no peers must "
                           "send its update unchanged")
    seeds = _seeds(gen, 3)
    for bad in (3, -1):
        expect_error(fn, (bad, update, seeds), (ValueError,),
                     f"mask_update(i={bad}, ..., seeds of 3 clients)")


def check_recover_sum(fn) -> None:
    gen = np.random.default_rng(1011)
    for n, d, dropped in [(6, 30, [2, 5]), (5, 12, [0]), (4, 8, []), (3, 10, [0, 2]), (7, 5, [1, 3, 4])]:
        seeds = _seeds(gen, n)
        updates = gen.integers(0, M32, size=(n, d), dtype=np.uint64)
        survivors = [i for i in range(n) if i not in dropped]
        masked = np.array([_masked(i, updates[i], seeds) for i in survivors], dtype=np.uint64)
        call = (f"recover_sum(masked updates of survivors {survivors}, dropped={dropped}, "
                f"seeds of {n} clients)")
        out = as_array(fn(masked.copy(), list(survivors), list(dropped), seeds.copy()), call, shape=(d,))
        if out.dtype.kind not in "iu":
            raise CheckFailure(f"{call} returned dtype {out.dtype}, expected integers (uint64)")
        got = out.astype(object)
        if any(v < 0 or v >= M32 for v in got):
            raise CheckFailure(f"{call}: values outside [0, 2³²) (no reduction modulo 2³²?)",
                               hint="Reduce the sum and every mask removal modulo 2**32.")
        want = updates[survivors].astype(object).sum(axis=0) % M32
        if np.array_equal(got, want):
            continue
        plain = masked.astype(object).sum(axis=0) % M32
        if dropped and np.array_equal(got, plain):
            raise CheckFailure(f"{call}: the dropped clients' masks are still in the sum",
                               hint="For every survivor i and dropped j, regenerate m_ij from seeds[i, j] "
                               "and take out what i put in.")

        doubled = plain.copy()
        for i in survivors:
            for j in dropped:
                doubled = doubled + (1 if j > i else -1) * _mask(seeds[i, j], d)
        doubled = np.array([v % M32 for v in doubled], dtype=object)
        if dropped and np.array_equal(got, doubled):
            raise CheckFailure(f"{call}: the masks with dropped clients are removed with the wrong sign "
                               "(doubled instead of cancelled)",
                               hint="Survivor i ADDED m_ij for j > i: subtract it; it SUBTRACTED m_ij for "
                               "j < i: add it back.")
        raise CheckFailure(f"{call}: not the survivors' sum",
                           hint="Sum the masked rows, then remove each survivor's mask with each dropped "
                           "client (masks between survivors cancel by themselves).")
    seeds = _seeds(gen, 3)
    rows = gen.integers(0, M32, size=(2, 4), dtype=np.uint64)
    expect_error(fn, (rows, [0, 1], [1, 2], seeds), (ValueError,),
                 "recover_sum(..., survivors=[0, 1], dropped=[1, 2], ...)")
    expect_error(fn, (rows, [0, 1, 2], [], seeds), (ValueError,),
                 "recover_sum(2 masked rows, survivors=[0, 1, 2], dropped=[], ...)")


EXERCISE = Exercise(
    name="10_gradient_leakage_federated",
    title="Gradient leakage and federated learning: inversion, iDLG, FedAvg, label skew, DP-FedAvg, "
          "secure sums",
    tasks=(
        Task("invert_first_layer", "invert_first_layer", check_invert_first_layer,
             notebook="10_gradient_leakage_federated",
             hint="x = ∂L/∂W₁[i, :] / ∂L/∂b₁[i] with i = argmax |∂L/∂b₁|."),
        Task("idlg_label", "idlg_label", check_idlg_label, notebook="10_gradient_leakage_federated",
             hint="With h ≥ 0 only the true label's row (p_y − 1 < 0) sums to a negative number."),
        Task("fedavg_aggregate", "fedavg_aggregate", check_fedavg_aggregate,
             notebook="10_gradient_leakage_federated",
             hint="Per parameter: Σ_k n_k w_k / Σ_k n_k, in new arrays."),
        Task("dirichlet_split", "dirichlet_split", check_dirichlet_split,
             notebook="10_gradient_leakage_federated",
             hint="Per class: p ~ Dirichlet(alpha·1), counts ~ Multinomial(n_c, p), deal out shuffled "
             "examples; every index exactly once."),
        Task("clip_and_noise_updates", "clip_and_noise_updates", check_clip_and_noise_updates,
             notebook="10_gradient_leakage_federated",
             hint="Clip each row, sum, add N(0, (σ·clip)²) per coordinate, divide by expected_clients."),
        Task("mask_update", "mask_update", check_mask_update, notebook="10_gradient_leakage_federated",
             hint="y_i = update + Σ_{j>i} m_ij − Σ_{j<i} m_ij, reduced modulo 2³²."),
        Task("recover_sum", "recover_sum", check_recover_sum, notebook="10_gradient_leakage_federated",
             hint="Σ masked rows, then for survivor i and dropped j: −m_ij if j > i, +m_ij if j < i "
             "(mod 2³²)."),
    ),
)
