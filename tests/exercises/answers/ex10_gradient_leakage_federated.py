"""Independent answers to exercise 10, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np

# ----------------------------------------------------------------------------- invert_first_layer


def _inv_ok(gW, gb):
    if np.ndim(gW) != 2 or np.shape(gb) != (np.shape(gW)[0],):
        raise ValueError("grad_b1 needs one entry per row of grad_W1")
    if not np.any(np.asarray(gb) != 0):
        raise ValueError("all-zero bias gradient")


def inv_loop(grad_W1, grad_b1):
    _inv_ok(grad_W1, grad_b1)
    best, row = -1.0, 0
    for i, g in enumerate(grad_b1):
        if abs(g) > best:
            best, row = abs(g), i
    return np.array([w / grad_b1[row] for w in grad_W1[row]])


def inv_take(grad_W1, grad_b1):
    _inv_ok(grad_W1, grad_b1)
    i = np.abs(grad_b1).argmax()
    return np.take(grad_W1, i, axis=0) * (1.0 / grad_b1[i])


def inv_float32(grad_W1, grad_b1):
    _inv_ok(grad_W1, grad_b1)
    i = int(np.argmax(np.abs(grad_b1)))
    return (grad_W1[i] / grad_b1[i]).astype(np.float32)


def inv_median_of_rows(grad_W1, grad_b1):
    _inv_ok(grad_W1, grad_b1)
    live = grad_b1 != 0
    return np.median(grad_W1[live] / grad_b1[live, None], axis=0)


def inv_last_row(grad_W1, grad_b1):
    _inv_ok(grad_W1, grad_b1)
    with np.errstate(all="ignore"):
        return grad_W1[-1] / grad_b1[-1]


def inv_smallest_nonzero(grad_W1, grad_b1):
    """Divides by the smallest non-zero |∂L/∂b₁[i]|."""
    _inv_ok(grad_W1, grad_b1)
    a = np.where(grad_b1 != 0, np.abs(grad_b1), np.inf)
    i = int(np.argmin(a))
    return grad_W1[i] / grad_b1[i]


def inv_column(grad_W1, grad_b1):
    _inv_ok(grad_W1, grad_b1)
    i = int(np.argmax(np.abs(grad_b1)))
    return grad_W1[:, min(i, grad_W1.shape[1] - 1)] / grad_b1[i]


def inv_no_checks(grad_W1, grad_b1):
    i = int(np.argmax(np.abs(grad_b1)))
    with np.errstate(all="ignore"):
        return grad_W1[i] / grad_b1[i]


# ----------------------------------------------------------------------------- idlg_label


def _idlg_ok(g):
    if np.shape(g)[0] < 2 or not np.any(g):
        raise ValueError("need at least two classes and a non-zero gradient")


def idlg_min_entry(grad_last_W):
    """The row holding the most negative entry (only the true row has negatives)."""
    _idlg_ok(grad_last_W)
    return int(np.unravel_index(np.argmin(grad_last_W), grad_last_W.shape)[0])


def idlg_sorted(grad_last_W):
    _idlg_ok(grad_last_W)
    sums = [float(sum(row)) for row in grad_last_W]
    return sorted(range(len(sums)), key=sums.__getitem__)[0]


def idlg_largest_sum(grad_last_W):
    _idlg_ok(grad_last_W)
    return int(np.argmax(np.sum(grad_last_W, axis=1)))


def idlg_largest_abs_entry(grad_last_W):
    """The row with the largest |entry|: usually the predicted class, not the label."""
    _idlg_ok(grad_last_W)
    return int(np.unravel_index(np.argmax(grad_last_W), grad_last_W.shape)[0])


def idlg_column_sum(grad_last_W):
    _idlg_ok(grad_last_W)
    return int(np.argmin(grad_last_W.sum(axis=0))) % grad_last_W.shape[0]


def idlg_no_zero_check(grad_last_W):
    if grad_last_W.shape[0] < 2:
        raise ValueError("one class")
    return int(np.argmin(grad_last_W.sum(axis=1)))


# ----------------------------------------------------------------------------- fedavg_aggregate


def _fed_ok(params, sizes):
    if len(params) == 0 or len(params) != len(sizes):
        raise ValueError("one size per client, at least one client")
    if any(s < 0 for s in sizes) or sum(sizes) == 0:
        raise ValueError("sizes must be >= 0 and not all zero")


def fed_loop(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    total = sum(client_sizes)
    out = [np.zeros_like(np.asarray(p, dtype=float)) for p in client_params[0]]
    for params, n in zip(client_params, client_sizes):
        for j, p in enumerate(params):
            out[j] = out[j] + p * (n / total)
    return out


def fed_average(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    return [np.average(np.stack(layer), axis=0, weights=np.asarray(client_sizes, dtype=float))
            for layer in zip(*client_params)]


def fed_einsum(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    w = np.asarray(client_sizes, dtype=float)
    w /= w.sum()
    return [np.einsum("k,k...->...", w, np.stack(layer)) for layer in zip(*client_params)]


def fed_mean(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    return [np.mean(np.stack(layer), axis=0) for layer in zip(*client_params)]


def fed_weighted_sum(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    return [sum(n * p for n, p in zip(client_sizes, layer)) for layer in zip(*client_params)]


def fed_divide_by_clients(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    w = np.asarray(client_sizes, dtype=float)
    return [sum(wk * p for wk, p in zip(w, layer)) / (w.sum() * len(w)) for layer in zip(*client_params)]


def fed_in_place(client_params, client_sizes):
    _fed_ok(client_params, client_sizes)
    total = float(sum(client_sizes))
    out = client_params[0]
    for j in range(len(out)):
        out[j] *= client_sizes[0] / total
        for params, n in zip(client_params[1:], client_sizes[1:]):
            out[j] += params[j] * (n / total)
    return out


def fed_no_negative_check(client_params, client_sizes):
    if len(client_params) == 0 or len(client_params) != len(client_sizes) or sum(client_sizes) == 0:
        raise ValueError("bad arguments")
    w = np.asarray(client_sizes, dtype=float) / sum(client_sizes)
    return [sum(wk * p for wk, p in zip(w, layer)) for layer in zip(*client_params)]


# ----------------------------------------------------------------------------- dirichlet_split


def _split_ok(n_clients, alpha):
    if n_clients < 1:
        raise ValueError("n_clients must be >= 1")
    if alpha <= 0:
        raise ValueError("alpha must be > 0")


def split_multinomial_loop(labels, n_clients, alpha, rng):
    _split_ok(n_clients, alpha)
    owners = [[] for _ in range(n_clients)]
    for c in sorted(set(labels.tolist())):
        idx = [i for i, v in enumerate(labels) if v == c]
        rng.shuffle(idx)
        counts = rng.multinomial(len(idx), rng.dirichlet([alpha] * n_clients))
        start = 0
        for k, m in enumerate(counts):
            owners[k].extend(idx[start:start + m])
            start += m
    return [np.array(sorted(o), dtype=np.int64) for o in owners]


def split_gamma(labels, n_clients, alpha, rng):
    """Dirichlet shares from normalised Gamma draws; each example then picks its client."""
    _split_ok(n_clients, alpha)
    owner = np.zeros(len(labels), dtype=int)
    for c in np.unique(labels):
        g = rng.gamma(alpha, size=n_clients)
        p = g / g.sum()
        idx = np.flatnonzero(labels == c)
        owner[idx] = np.searchsorted(np.cumsum(p), rng.random(len(idx)), side="right").clip(0, n_clients - 1)
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


def split_round_cumsum(labels, n_clients, alpha, rng):
    """The usual snippet: cut at (cumsum(p) · n_c).astype(int)."""
    _split_ok(n_clients, alpha)
    parts = [[] for _ in range(n_clients)]
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        p = rng.dirichlet(alpha * np.ones(n_clients))
        for k, chunk in enumerate(np.split(idx, (np.cumsum(p) * len(idx)).astype(int)[:-1])):
            parts[k].extend(chunk.tolist())
    return [np.array(sorted(p), dtype=np.int64) for p in parts]


def split_one_dirichlet(labels, n_clients, alpha, rng):
    _split_ok(n_clients, alpha)
    p = rng.dirichlet(alpha * np.ones(n_clients))
    owner = rng.choice(n_clients, size=len(labels), p=p)
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


def split_redraw_until_nonempty(labels, n_clients, alpha, rng):
    """Redraws until no client is empty, which the docstring does not ask for."""
    _split_ok(n_clients, alpha)
    while True:
        parts = split_multinomial_loop(labels, n_clients, alpha, rng)
        if all(len(p) for p in parts):
            return parts


def split_shuffle_only(labels, n_clients, alpha, rng):
    _split_ok(n_clients, alpha)
    order = rng.permutation(len(labels))
    return [np.sort(order[k::n_clients]) for k in range(n_clients)]


def split_np_random(labels, n_clients, alpha, rng):
    _split_ok(n_clients, alpha)
    owner = np.zeros(len(labels), dtype=int)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        p = np.random.dirichlet([alpha] * n_clients)  # noqa: NPY002
        owner[idx] = np.random.choice(n_clients, size=len(idx), p=p)  # noqa: NPY002
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


def split_no_alpha_check(labels, n_clients, alpha, rng):
    if n_clients < 1:
        raise ValueError("n_clients")
    owner = np.zeros(len(labels), dtype=int)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        owner[idx] = rng.choice(n_clients, size=len(idx), p=rng.dirichlet([max(alpha, 1e-3)] * n_clients))
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


# ----------------------------------------------------------------------------- clip_and_noise_updates


def _dp_ok(clip, noise_multiplier, expected_clients):
    for name, v in (("clip", clip), ("noise_multiplier", noise_multiplier),
                    ("expected_clients", expected_clients)):
        if not v > 0:
            raise ValueError(f"{name} must be > 0")


def dp_loop(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    total = np.zeros(updates.shape[1])
    for u in updates:
        n = math.sqrt(float(u @ u))
        total += u * (clip / n if n > clip else 1.0)
    return (total + rng.normal(size=updates.shape[1]) * noise_multiplier * clip) / expected_clients


def dp_vectorised(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    norms = np.maximum(np.linalg.norm(updates, axis=1), clip)
    total = (updates * (clip / norms)[:, None]).sum(axis=0)
    noise = rng.normal(scale=noise_multiplier * clip, size=total.shape)
    return total / expected_clients + noise / expected_clients


def dp_by_realised(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    norms = np.maximum(np.linalg.norm(updates, axis=1), clip)
    total = (updates * (clip / norms)[:, None]).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / max(len(updates), 1)


def dp_no_clip(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    return (updates.sum(axis=0) + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / expected_clients


def dp_noise_sigma_only(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    norms = np.maximum(np.linalg.norm(updates, axis=1), clip)
    total = (updates * (clip / norms)[:, None]).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier, updates.shape[1])) / expected_clients


def dp_variance_as_std(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    norms = np.maximum(np.linalg.norm(updates, axis=1), clip)
    total = (updates * (clip / norms)[:, None]).sum(axis=0)
    return (total + rng.normal(0, (noise_multiplier * clip) ** 2, updates.shape[1])) / expected_clients


def dp_clamp_coordinates(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    total = np.clip(updates, -clip, clip).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / expected_clients


def dp_own_generator(updates, clip, noise_multiplier, expected_clients, rng):
    _dp_ok(clip, noise_multiplier, expected_clients)
    norms = np.maximum(np.linalg.norm(updates, axis=1), clip)
    total = (updates * (clip / norms)[:, None]).sum(axis=0)
    return (total + np.random.default_rng(42).normal(0, noise_multiplier * clip, updates.shape[1])) \
        / expected_clients


def dp_noise_per_client(updates, clip, noise_multiplier, expected_clients, rng):
    """Noise added to every client's update instead of once to the sum (none in an empty round)."""
    _dp_ok(clip, noise_multiplier, expected_clients)
    norms = np.maximum(np.linalg.norm(updates, axis=1), clip)
    noisy = updates * (clip / norms)[:, None] + rng.normal(0, noise_multiplier * clip, updates.shape)
    return noisy.sum(axis=0) / expected_clients


# ----------------------------------------------------------------------------- mask_update

MOD = 1 << 32


def _mask_ok(i, seeds):
    if i < 0 or i >= seeds.shape[0]:
        raise ValueError("i out of range")


def _m(seed, d):
    return np.random.default_rng(seed).integers(0, 2**32, size=d, dtype=np.uint64)


def mask_int64(i, update, seeds):
    _mask_ok(i, seeds)
    y = update.astype(np.int64)
    for j in range(seeds.shape[0]):
        if j > i:
            y = (y + _m(seeds[i, j], len(y)).astype(np.int64)) % MOD
        elif j < i:
            y = (y - _m(seeds[i, j], len(y)).astype(np.int64)) % MOD
    return y.astype(np.uint64)


def mask_sum_then_reduce(i, update, seeds):
    _mask_ok(i, seeds)
    plus = sum((_m(seeds[i, j], len(update)).astype(object) for j in range(i + 1, len(seeds))),
               np.zeros(len(update), dtype=object))
    minus = sum((_m(seeds[i, j], len(update)).astype(object) for j in range(i)),
                np.zeros(len(update), dtype=object))
    return np.array([(int(u) + p - q) % MOD for u, p, q in zip(update, plus, minus)], dtype=np.uint64)


def mask_all_plus(i, update, seeds):
    _mask_ok(i, seeds)
    y = update.astype(np.int64)
    for j in range(seeds.shape[0]):
        if j != i:
            y = (y + _m(seeds[i, j], len(y)).astype(np.int64)) % MOD
    return y.astype(np.uint64)


def mask_uint64_wrap(i, update, seeds):
    _mask_ok(i, seeds)
    y = update.astype(np.uint64)
    for j in range(seeds.shape[0]):
        if j > i:
            y = y + _m(seeds[i, j], len(y))
        elif j < i:
            y = y - _m(seeds[i, j], len(y))
    return y


def mask_reversed_signs(i, update, seeds):
    _mask_ok(i, seeds)
    y = update.astype(np.int64)
    for j in range(seeds.shape[0]):
        if j < i:
            y = (y + _m(seeds[i, j], len(y)).astype(np.int64)) % MOD
        elif j > i:
            y = (y - _m(seeds[i, j], len(y)).astype(np.int64)) % MOD
    return y.astype(np.uint64)


def mask_one_stream(i, update, seeds):
    """One generator per client, seeded with seeds[i, i + 1]: the masks of a pair differ."""
    _mask_ok(i, seeds)
    n = seeds.shape[0]
    rng = np.random.default_rng(int(seeds[i, (i + 1) % n]))
    y = update.astype(np.int64)
    for j in range(n):
        if j != i:
            m = rng.integers(0, 2**32, size=len(y), dtype=np.uint64).astype(np.int64)
            y = (y + m) % MOD if j > i else (y - m) % MOD
    return y.astype(np.uint64)


def mask_unreduced_int64(i, update, seeds):
    """Signed sums never reduced: negative or too large values."""
    _mask_ok(i, seeds)
    y = update.astype(np.int64)
    for j in range(seeds.shape[0]):
        if j > i:
            y = y + _m(seeds[i, j], len(y)).astype(np.int64)
        elif j < i:
            y = y - _m(seeds[i, j], len(y)).astype(np.int64)
    return y


def mask_no_range_check(i, update, seeds):
    y = update.astype(np.int64)
    for j in range(seeds.shape[0]):
        if j > i:
            y = (y + _m(seeds[i % len(seeds), j], len(y)).astype(np.int64)) % MOD
        elif j < i and j != i % len(seeds):
            y = (y - _m(seeds[i % len(seeds), j], len(y)).astype(np.int64)) % MOD
    return y.astype(np.uint64)


# ----------------------------------------------------------------------------- recover_sum


def _rec_ok(masked, survivors, dropped):
    if set(survivors).intersection(dropped):
        raise ValueError("survivor and dropped at once")
    if len(masked) != len(survivors):
        raise ValueError("one masked row per survivor")


def rec_python(masked, survivors, dropped, seeds):
    _rec_ok(masked, survivors, dropped)
    d = masked.shape[1]
    total = [sum(int(v) for v in col) for col in masked.T]
    for i in survivors:
        for j in dropped:
            m = _m(seeds[i, j], d)
            total = [t - int(x) if j > i else t + int(x) for t, x in zip(total, m)]
    return np.array([t % MOD for t in total], dtype=np.uint64)


def rec_unmask_each_row(masked, survivors, dropped, seeds):
    """Takes the dropped clients' masks out of each survivor's row first, then sums."""
    _rec_ok(masked, survivors, dropped)
    rows = masked.astype(np.int64)
    for r, i in enumerate(survivors):
        for j in dropped:
            m = _m(seeds[i, j], masked.shape[1]).astype(np.int64)
            rows[r] = (rows[r] - m) % MOD if j > i else (rows[r] + m) % MOD
    return (rows.sum(axis=0) % MOD).astype(np.uint64)


def rec_plain_sum(masked, survivors, dropped, seeds):
    _rec_ok(masked, survivors, dropped)
    return (masked.astype(np.int64).sum(axis=0) % MOD).astype(np.uint64)


def rec_flipped(masked, survivors, dropped, seeds):
    _rec_ok(masked, survivors, dropped)
    total = masked.astype(np.int64).sum(axis=0)
    for i in survivors:
        for j in dropped:
            m = _m(seeds[i, j], masked.shape[1]).astype(np.int64)
            total = total + m if j > i else total - m
    return (total % MOD).astype(np.uint64)


def rec_first_survivor_only(masked, survivors, dropped, seeds):
    """Removes the dropped clients' masks with the first survivor only."""
    _rec_ok(masked, survivors, dropped)
    total = masked.astype(np.int64).sum(axis=0)
    i = survivors[0]
    for j in dropped:
        m = _m(seeds[i, j], masked.shape[1]).astype(np.int64)
        total = total - m if j > i else total + m
    return (total % MOD).astype(np.uint64)


def rec_dropped_own_masks(masked, survivors, dropped, seeds):
    """Loops over the dropped clients and undoes, from j's side, what each survivor i put in."""
    _rec_ok(masked, survivors, dropped)
    total = masked.astype(np.int64).sum(axis=0)
    for j in dropped:
        for i in survivors:
            m = _m(seeds[j, i], masked.shape[1]).astype(np.int64)
            total = total + m if i > j else total - m
    return (total % MOD).astype(np.uint64)


def rec_unreduced(masked, survivors, dropped, seeds):
    _rec_ok(masked, survivors, dropped)
    total = masked.astype(np.int64).sum(axis=0)
    for i in survivors:
        for j in dropped:
            m = _m(seeds[i, j], masked.shape[1]).astype(np.int64)
            total = total - m if j > i else total + m
    return total


def rec_no_checks(masked, survivors, dropped, seeds):
    total = masked.astype(np.int64).sum(axis=0)
    for i in survivors:
        for j in dropped:
            if i == j:
                continue
            m = _m(seeds[i, j], masked.shape[1]).astype(np.int64)
            total = total - m if j > i else total + m
    return (total % MOD).astype(np.uint64)


CORRECT = {
    "invert_first_layer": [inv_loop, inv_take, inv_float32],
    "idlg_label": [idlg_min_entry, idlg_sorted],
    "fedavg_aggregate": [fed_loop, fed_average, fed_einsum],
    "dirichlet_split": [split_multinomial_loop, split_gamma],
    "clip_and_noise_updates": [dp_loop, dp_vectorised],
    "mask_update": [mask_int64, mask_sum_then_reduce],
    "recover_sum": [rec_python, rec_unmask_each_row, rec_dropped_own_masks],
}

WRONG = {
    "invert_first_layer": [inv_median_of_rows, inv_last_row, inv_smallest_nonzero, inv_column,
                           inv_no_checks],
    "idlg_label": [idlg_largest_sum, idlg_largest_abs_entry, idlg_column_sum, idlg_no_zero_check],
    "fedavg_aggregate": [fed_mean, fed_weighted_sum, fed_divide_by_clients, fed_in_place,
                         fed_no_negative_check],
    "dirichlet_split": [split_round_cumsum, split_one_dirichlet, split_redraw_until_nonempty,
                        split_shuffle_only, split_np_random, split_no_alpha_check],
    "clip_and_noise_updates": [dp_by_realised, dp_no_clip, dp_noise_sigma_only, dp_variance_as_std,
                               dp_clamp_coordinates, dp_own_generator, dp_noise_per_client],
    "mask_update": [mask_all_plus, mask_uint64_wrap, mask_reversed_signs, mask_one_stream,
                    mask_unreduced_int64, mask_no_range_check],
    "recover_sum": [rec_plain_sum, rec_flipped, rec_first_survivor_only, rec_unreduced, rec_no_checks],
}
