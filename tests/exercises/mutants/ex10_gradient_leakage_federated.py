"""Plausible wrong answers to exercise 10; each must be rejected by its task's checker."""

from __future__ import annotations

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("10_gradient_leakage_federated")


# --- invert_first_layer
def _check_inv(grad_W1, grad_b1):
    if grad_b1.shape != (grad_W1.shape[0],) or not np.any(grad_b1):
        raise ValueError("bad gradients")


def invert_first_row(grad_W1, grad_b1):
    """Row 0, whatever it holds: a dead unit gives 0 / 0."""
    _check_inv(grad_W1, grad_b1)
    with np.errstate(all="ignore"):
        return grad_W1[0] / grad_b1[0]


def invert_wrong_row(grad_W1, grad_b1):
    """Divides the largest row by the bias gradient of the next one."""
    _check_inv(grad_W1, grad_b1)
    i = int(np.argmax(np.abs(grad_b1)))
    j = (i + 1) % len(grad_b1)
    with np.errstate(all="ignore"):
        return grad_W1[i] / grad_b1[j]


def invert_transposed(grad_W1, grad_b1):
    _check_inv(grad_W1, grad_b1)
    i = int(np.argmax(np.abs(grad_b1)))
    return grad_W1[:, i] / grad_b1[i] if i < grad_W1.shape[1] else grad_W1[:, 0] / grad_b1[i]


def invert_average_rows(grad_W1, grad_b1):
    _check_inv(grad_W1, grad_b1)
    live = grad_b1 != 0
    return (grad_W1[live] / grad_b1[live][:, None]).mean(axis=0)


def invert_no_zero_check(grad_W1, grad_b1):
    i = int(np.argmax(np.abs(grad_b1))) if len(grad_b1) == grad_W1.shape[0] else 0
    with np.errstate(all="ignore"):
        return grad_W1[i] / grad_b1[i]


def invert_signed_max(grad_W1, grad_b1):
    _check_inv(grad_W1, grad_b1)
    i = int(np.argmax(grad_b1))
    return grad_W1[i] / grad_b1[i]


# --- idlg_label
def _check_idlg(g):
    if g.shape[0] < 2 or not np.any(g):
        raise ValueError("bad gradient")


def idlg_argmax(grad_last_W):
    _check_idlg(grad_last_W)
    return int(np.argmax(grad_last_W.sum(axis=1)))


def idlg_wrong_axis(grad_last_W):
    _check_idlg(grad_last_W)
    return int(np.argmin(grad_last_W.sum(axis=0)))


def idlg_no_check(grad_last_W):
    return int(np.argmin(grad_last_W.sum(axis=1)))


def idlg_first_negative_entry_row_float(grad_last_W):
    """Right row, returned as a float."""
    _check_idlg(grad_last_W)
    return float(np.argmin(grad_last_W.sum(axis=1)))


# --- fedavg_aggregate
def _check_fed(client_params, client_sizes):
    n = np.asarray(client_sizes, dtype=float)
    if not len(client_params) or len(client_params) != len(n) or np.any(n < 0) or n.sum() <= 0:
        raise ValueError("bad arguments")


def fedavg_unweighted(client_params, client_sizes):
    _check_fed(client_params, client_sizes)
    return [np.mean([c[j] for c in client_params], axis=0) for j in range(len(client_params[0]))]


def fedavg_not_normalised(client_params, client_sizes):
    _check_fed(client_params, client_sizes)
    return [sum(n * c[j] for n, c in zip(client_sizes, client_params)) for j in range(len(client_params[0]))]


def fedavg_sum(client_params, client_sizes):
    _check_fed(client_params, client_sizes)
    return [np.sum([c[j] for c in client_params], axis=0) for j in range(len(client_params[0]))]


def fedavg_in_place(client_params, client_sizes):
    """Accumulates into client 0's arrays."""
    _check_fed(client_params, client_sizes)
    w = np.asarray(client_sizes, dtype=float) / sum(client_sizes)
    out = client_params[0]
    for j in range(len(out)):
        out[j] *= w[0]
        for wk, c in zip(w[1:], client_params[1:]):
            out[j] += wk * c[j]
    return out


def fedavg_no_validation(client_params, client_sizes):
    w = np.asarray(client_sizes, dtype=float)
    with np.errstate(all="ignore"):
        w = w / w.sum() if len(w) else w
    return [sum(wk * c[j] for wk, c in zip(w, client_params)) for j in range(len(client_params[0]))] \
        if client_params else []


# --- dirichlet_split
def _check_split(n_clients, alpha):
    if n_clients < 1 or not alpha > 0:
        raise ValueError("bad arguments")


def _deal(labels, n_clients, shares_for_class, rng, cut=False):
    parts = [[] for _ in range(n_clients)]
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        p = shares_for_class(c)
        if cut:
            bounds = (np.cumsum(p) * len(members)).astype(int)[:-1]
        else:
            bounds = np.cumsum(rng.multinomial(len(members), p))[:-1]
        for k, chunk in enumerate(np.split(members, bounds)):
            parts[k].append(chunk)
    return [np.sort(np.concatenate(p)).astype(np.int64) for p in parts]


def split_shared_dirichlet(labels, n_clients, alpha, rng):
    """One Dirichlet draw for every class: quantity skew, no label skew."""
    _check_split(n_clients, alpha)
    p = rng.dirichlet(np.full(n_clients, float(alpha)))
    return _deal(labels, n_clients, lambda c: p, rng)


def split_cumsum_cut(labels, n_clients, alpha, rng):
    """The shares cut at the rounded cumulative proportions (no multinomial draw)."""
    _check_split(n_clients, alpha)
    return _deal(labels, n_clients, lambda c: rng.dirichlet(np.full(n_clients, float(alpha))), rng, cut=True)


def split_iid(labels, n_clients, alpha, rng):
    _check_split(n_clients, alpha)
    return [np.sort(p) for p in np.array_split(rng.permutation(len(labels)), n_clients)]


def split_alpha_over_k(labels, n_clients, alpha, rng):
    """Concentration alpha / n_clients per client (alpha taken as the total)."""
    _check_split(n_clients, alpha)
    return _deal(labels, n_clients, lambda c: rng.dirichlet(np.full(n_clients, alpha / n_clients)), rng)


def split_floor_drops_leftovers(labels, n_clients, alpha, rng):
    """floor(p · n_c) examples each: the leftovers are lost."""
    _check_split(n_clients, alpha)
    parts = [[] for _ in range(n_clients)]
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        counts = np.floor(rng.dirichlet(np.full(n_clients, float(alpha))) * len(members)).astype(int)
        start = 0
        for k in range(n_clients):
            parts[k].append(members[start:start + counts[k]])
            start += counts[k]
    return [np.sort(np.concatenate(p)).astype(np.int64) for p in parts]


def split_global_random(labels, n_clients, alpha, rng):
    """Draws from np.random instead of rng."""
    return _sol().dirichlet_split(labels, n_clients, alpha, np.random.default_rng())


def split_unsorted(labels, n_clients, alpha, rng):
    parts = _sol().dirichlet_split(labels, n_clients, alpha, rng)
    return [p[::-1] for p in parts]


def split_leftover_to_last(labels, n_clients, alpha, rng):
    """floor(p · n_c) each, the remainder to the last client."""
    _check_split(n_clients, alpha)
    parts = [[] for _ in range(n_clients)]
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        counts = np.floor(rng.dirichlet(np.full(n_clients, float(alpha))) * len(members)).astype(int)
        counts[-1] += len(members) - counts.sum()
        for k, chunk in enumerate(np.split(members, np.cumsum(counts)[:-1])):
            parts[k].append(chunk)
    return [np.sort(np.concatenate(p)).astype(np.int64) for p in parts]


# --- clip_and_noise_updates
def _check_dp(clip, noise_multiplier, expected_clients):
    if not (clip > 0 and noise_multiplier > 0 and expected_clients > 0):
        raise ValueError("bad arguments")


def _clip_rows(u, clip):
    norms = np.linalg.norm(u, axis=1, keepdims=True)
    return u * np.minimum(1.0, clip / np.where(norms > 0, norms, 1.0))


def dp_realised_count(updates, clip, noise_multiplier, expected_clients, rng):
    _check_dp(clip, noise_multiplier, expected_clients)
    total = _clip_rows(updates, clip).sum(axis=0)
    with np.errstate(all="ignore"):
        return (total + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / len(updates)


def dp_clip_sum(updates, clip, noise_multiplier, expected_clients, rng):
    _check_dp(clip, noise_multiplier, expected_clients)
    total = updates.sum(axis=0)
    norm = np.linalg.norm(total)
    total = total * min(1.0, clip / norm) if norm > 0 else total
    return (total + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / expected_clients


def dp_std_without_clip(updates, clip, noise_multiplier, expected_clients, rng):
    _check_dp(clip, noise_multiplier, expected_clients)
    total = _clip_rows(updates, clip).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier, updates.shape[1])) / expected_clients


def dp_noise_after_division(updates, clip, noise_multiplier, expected_clients, rng):
    _check_dp(clip, noise_multiplier, expected_clients)
    total = _clip_rows(updates, clip).sum(axis=0)
    return total / expected_clients + rng.normal(0, noise_multiplier * clip, updates.shape[1])


def dp_seeded_inside(updates, clip, noise_multiplier, expected_clients, rng):
    return _sol().clip_and_noise_updates(updates, clip, noise_multiplier, expected_clients,
                                         np.random.default_rng(0))


def dp_one_noise_value(updates, clip, noise_multiplier, expected_clients, rng):
    _check_dp(clip, noise_multiplier, expected_clients)
    total = _clip_rows(updates, clip).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * clip)) / expected_clients


def dp_zero_row_nan(updates, clip, noise_multiplier, expected_clients, rng):
    _check_dp(clip, noise_multiplier, expected_clients)
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(updates, axis=1, keepdims=True)
        total = (updates / norms * np.minimum(norms, clip)).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / expected_clients


def dp_skips_empty_round(updates, clip, noise_multiplier, expected_clients, rng):
    if len(updates) == 0:
        return np.zeros(updates.shape[1])
    return _sol().clip_and_noise_updates(updates, clip, noise_multiplier, expected_clients, rng)


def dp_allows_zero_noise(updates, clip, noise_multiplier, expected_clients, rng):
    if not (clip > 0 and noise_multiplier >= 0 and expected_clients > 0):
        raise ValueError("bad arguments")
    total = _clip_rows(updates, clip).sum(axis=0)
    return (total + rng.normal(0, noise_multiplier * clip, updates.shape[1])) / expected_clients


# --- mask_update
M = 2**32


def _prg(seed, d):
    return np.random.default_rng(int(seed)).integers(0, M, size=d, dtype=np.uint64)


def _check_i(i, seeds):
    if not 0 <= i < len(seeds):
        raise ValueError("i")


def mask_same_sign(i, update, seeds):
    _check_i(i, seeds)
    y = update.astype(np.uint64)
    for j in range(len(seeds)):
        if j != i:
            y = (y + _prg(seeds[i, j], len(y))) % M
    return y


def mask_no_modulus(i, update, seeds):
    """uint64 arithmetic: wraps modulo 2⁶⁴, never reduced to [0, 2³²)."""
    _check_i(i, seeds)
    y = update.astype(np.uint64)
    for j in range(len(seeds)):
        if j != i:
            y = y + _prg(seeds[i, j], len(y)) if j > i else y - _prg(seeds[i, j], len(y))
    return y


def mask_global_generator(i, update, seeds):
    """All of client i's masks from one generator seeded by its own row: nothing cancels."""
    _check_i(i, seeds)
    rng = np.random.default_rng(int(seeds[i].sum()))
    y = update.astype(np.uint64)
    for j in range(len(seeds)):
        if j != i:
            m = rng.integers(0, M, size=len(y), dtype=np.uint64)
            y = (y + m) % M if j > i else (y + M - m) % M
    return y


def mask_signs_swapped(i, update, seeds):
    _check_i(i, seeds)
    y = update.astype(np.uint64)
    for j in range(len(seeds)):
        if j != i:
            m = _prg(seeds[i, j], len(y))
            y = (y + M - m) % M if j > i else (y + m) % M
    return y


def mask_float32_arithmetic(i, update, seeds):
    """float32 sums: values above 2²⁴ lose their low bits."""
    _check_i(i, seeds)
    y = update.astype(np.float32)
    for j in range(len(seeds)):
        if j != i:
            m = _prg(seeds[i, j], len(y)).astype(np.float32)
            y = np.mod(y + m if j > i else y - m, np.float32(M))
    return y.astype(np.uint64) % M


def mask_legacy_prg(i, update, seeds):
    """The legacy RandomState stream instead of the docstring's PRG (the sum still cancels)."""
    _check_i(i, seeds)
    y = update.astype(np.uint64)
    for j in range(len(seeds)):
        if j != i:
            m = np.random.RandomState(int(seeds[i, j])).randint(0, M, size=len(y), dtype=np.uint64)
            y = (y + m) % M if j > i else (y + M - m) % M
    return y


def mask_no_i_check(i, update, seeds):
    y = update.astype(np.uint64)
    n = len(seeds)
    for j in range(n):
        if j != i % n:
            m = _prg(seeds[i % n, j], len(y))
            y = (y + m) % M if j > i % n else (y + M - m) % M
    return y


# --- recover_sum
def _check_recover(masked, survivors, dropped):
    if set(survivors) & set(dropped) or masked.shape[0] != len(survivors):
        raise ValueError("bad arguments")


def recover_ignores_dropouts(masked, survivors, dropped, seeds):
    _check_recover(masked, survivors, dropped)
    return masked.sum(axis=0, dtype=np.uint64) % M


def recover_wrong_sign(masked, survivors, dropped, seeds):
    _check_recover(masked, survivors, dropped)
    total = masked.sum(axis=0, dtype=np.uint64) % M
    for i in survivors:
        for j in dropped:
            m = _prg(seeds[i, j], masked.shape[1])
            total = (total + m) % M if j > i else (total + M - m) % M
    return total


def recover_no_modulus(masked, survivors, dropped, seeds):
    _check_recover(masked, survivors, dropped)
    total = masked.sum(axis=0, dtype=np.uint64)
    for i in survivors:
        for j in dropped:
            m = _prg(seeds[i, j], masked.shape[1])
            total = total - m if j > i else total + m
    return total


def recover_only_higher_dropped(masked, survivors, dropped, seeds):
    """Removes only the masks that survivors added (dropped j > i), forgetting those they subtracted."""
    _check_recover(masked, survivors, dropped)
    total = masked.sum(axis=0, dtype=np.uint64) % M
    for i in survivors:
        for j in dropped:
            if j > i:
                total = (total + M - _prg(seeds[i, j], masked.shape[1])) % M
    return total


def recover_removes_all_masks(masked, survivors, dropped, seeds):
    """Correct: removes every mask of every survivor; those between two survivors cancel anyway."""
    _check_recover(masked, survivors, dropped)
    total = masked.sum(axis=0, dtype=np.uint64) % M
    for i in survivors:
        for j in range(len(seeds)):
            if j != i:
                m = _prg(seeds[i, j], masked.shape[1])
                total = (total + M - m) % M if j > i else (total + m) % M
    return total


def recover_no_validation(masked, survivors, dropped, seeds):
    return _sol().recover_sum(masked, list(survivors)[: len(masked)],
                              [j for j in dropped if j not in survivors], seeds)


MUTANTS = {
    "invert_first_layer": [invert_first_row, invert_wrong_row, invert_transposed, invert_average_rows,
                           invert_no_zero_check, invert_signed_max],
    "idlg_label": [idlg_argmax, idlg_wrong_axis, idlg_no_check, idlg_first_negative_entry_row_float],
    "fedavg_aggregate": [fedavg_unweighted, fedavg_not_normalised, fedavg_sum, fedavg_in_place,
                         fedavg_no_validation],
    "dirichlet_split": [split_shared_dirichlet, split_cumsum_cut, split_iid, split_alpha_over_k,
                        split_floor_drops_leftovers, split_global_random, split_unsorted,
                        split_leftover_to_last],
    "clip_and_noise_updates": [dp_realised_count, dp_clip_sum, dp_std_without_clip, dp_noise_after_division,
                               dp_seeded_inside, dp_one_noise_value, dp_zero_row_nan, dp_skips_empty_round,
                               dp_allows_zero_noise],
    "mask_update": [mask_same_sign, mask_no_modulus, mask_global_generator, mask_signs_swapped,
                    mask_float32_arithmetic, mask_legacy_prg, mask_no_i_check],
    "recover_sum": [recover_ignores_dropouts, recover_wrong_sign, recover_no_modulus,
                    recover_only_higher_dropped, recover_no_validation],
}


# --- correct answers written otherwise: each must be accepted
def split_categorical_per_example(labels, n_clients, alpha, rng):
    """Correct: every example of class c picks its client from p_c on its own."""
    _check_split(n_clients, alpha)
    owner = np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        p = rng.dirichlet(np.full(n_clients, float(alpha)))
        owner[idx] = rng.choice(n_clients, size=len(idx), p=p)
    return [np.flatnonzero(owner == k) for k in range(n_clients)]


def dp_standard_normal_scaled(updates, clip, noise_multiplier, expected_clients, rng):
    """Correct: standard normals scaled by σ·clip, clipping written with a loop."""
    _check_dp(clip, noise_multiplier, expected_clients)
    total = np.zeros(updates.shape[1])
    for row in updates:
        norm = np.sqrt(np.sum(row**2))
        total += row if norm <= clip else row * (clip / norm)
    return (total + noise_multiplier * clip * rng.standard_normal(updates.shape[1])) / expected_clients


def mask_python_ints(i, update, seeds):
    """Correct: Python integers, reduced once at the end."""
    _check_i(i, seeds)
    y = [int(v) for v in update]
    for j in range(len(seeds)):
        if j != i:
            m = _prg(seeds[i, j], len(y))
            y = [a + int(b) if j > i else a - int(b) for a, b in zip(y, m)]
    return np.array([a % M for a in y], dtype=np.uint64)


EQUIVALENTS = {
    "dirichlet_split": [split_categorical_per_example],
    "clip_and_noise_updates": [dp_standard_normal_scaled],
    "mask_update": [mask_python_ints],
    "recover_sum": [recover_removes_all_masks],
}
