"""Plausible wrong answers to exercise 11; each must be rejected by its task's checker."""

from __future__ import annotations

import numpy as np

RING = 2**64


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("11_encrypted_computation")


# --- share
def _check_n(n_parties):
    if n_parties < 2:
        raise ValueError("n_parties")


def share_half_ring(x, n_parties, rng):
    """Shares from [0, 2⁶³) (int64 draws): the top bit is always 0."""
    _check_n(n_parties)
    out = np.empty((n_parties, *x.shape), dtype=np.uint64)
    out[:-1] = rng.integers(0, 2**63, size=(n_parties - 1, *x.shape), dtype=np.int64).astype(np.uint64)
    out[-1] = x - out[:-1].sum(axis=0, dtype=np.uint64)
    return out


def share_from_float(x, n_parties, rng):
    """A float in [0, 1) times 2⁶⁴: the low bits are all zero."""
    _check_n(n_parties)
    out = np.empty((n_parties, *x.shape), dtype=np.uint64)
    out[:-1] = (rng.random((n_parties - 1, *x.shape)) * 2.0**64).astype(np.uint64)
    out[-1] = x - out[:-1].sum(axis=0, dtype=np.uint64)
    return out


def share_split_evenly(x, n_parties, rng):
    """x // n per party (the remainder to the last): not random at all."""
    _check_n(n_parties)
    part = x // np.uint64(n_parties)
    out = np.tile(part, (n_parties, *([1] * x.ndim)))
    out[-1] = x - part * np.uint64(n_parties - 1)
    return out


def share_one_mask_reused(x, n_parties, rng):
    """One random mask r given to the first n − 1 parties."""
    _check_n(n_parties)
    r = rng.integers(0, 2**64, size=x.shape, dtype=np.uint64)
    out = np.tile(r, (n_parties, *([1] * x.ndim)))
    out[-1] = x - r * np.uint64(n_parties - 1)
    return out


def share_not_summing(x, n_parties, rng):
    """The last share is x itself."""
    _check_n(n_parties)
    out = rng.integers(0, 2**64, size=(n_parties, *x.shape), dtype=np.uint64)
    out[-1] = x
    return out


def share_own_generator(x, n_parties, rng):
    return _sol().share(x, n_parties, np.random.default_rng(1))


def share_no_check(x, n_parties, rng):
    out = rng.integers(0, 2**64, size=(max(n_parties, 1), *x.shape), dtype=np.uint64)
    out[-1] = x - out[:-1].sum(axis=0, dtype=np.uint64)
    return out


# --- fixed_point_encode
def _check_encode(x, frac_bits):
    if not 0 <= frac_bits <= 30:
        raise ValueError("frac_bits")
    s = np.asarray(x, dtype=float) * 2.0**frac_bits
    if not np.all(np.isfinite(s)) or np.any(np.abs(s) >= 2.0**62):
        raise ValueError("x")
    return s


def encode_truncating(x, frac_bits):
    return _check_encode(x, frac_bits).astype(np.int64).view(np.uint64)


def encode_half_up(x, frac_bits):
    return np.floor(_check_encode(x, frac_bits) + 0.5).astype(np.int64).view(np.uint64)


def encode_abs(x, frac_bits):
    return np.rint(np.abs(_check_encode(x, frac_bits))).astype(np.uint64)


def encode_scale_by_bits(x, frac_bits):
    _check_encode(x, frac_bits)
    return np.rint(np.asarray(x, dtype=float) * frac_bits).astype(np.int64).view(np.uint64)


def encode_no_limit(x, frac_bits):
    s = np.asarray(x, dtype=float) * 2.0**frac_bits
    if not 0 <= frac_bits <= 30 or not np.all(np.isfinite(s)):
        raise ValueError("bad input")
    with np.errstate(invalid="ignore"):
        return np.rint(s).astype(np.int64).view(np.uint64)


def encode_signed_dtype(x, frac_bits):
    """Right numbers, returned as int64 instead of uint64 ring elements."""
    return np.rint(_check_encode(x, frac_bits)).astype(np.int64)


# --- truncate
def _check_f(frac_bits):
    if not 0 <= frac_bits <= 62:
        raise ValueError("frac_bits")


def truncate_logical(v, frac_bits):
    _check_f(frac_bits)
    return v >> np.uint64(frac_bits)


def truncate_toward_zero(v, frac_bits):
    _check_f(frac_bits)
    s = v.view(np.int64)
    q = np.abs(s) >> np.int64(frac_bits)
    return np.where(s < 0, -q, q).astype(np.int64).view(np.uint64)


def truncate_float(v, frac_bits):
    _check_f(frac_bits)
    return np.floor(v.view(np.int64) / 2.0**frac_bits).astype(np.int64).view(np.uint64)


def truncate_no_check(v, frac_bits):
    return (v.view(np.int64) >> np.int64(frac_bits % 64)).view(np.uint64)


# --- beaver_multiply
def _parts(x_shares, y_shares, triple):
    a, b, c = triple
    if not x_shares.shape == y_shares.shape == a.shape == b.shape == c.shape or x_shares.shape[0] < 2:
        raise ValueError("shapes")
    d = (x_shares - a).sum(axis=0, dtype=np.uint64)
    e = (y_shares - b).sum(axis=0, dtype=np.uint64)
    return a, b, c, d, e


def beaver_de_everyone(x_shares, y_shares, triple):
    a, b, c, d, e = _parts(x_shares, y_shares, triple)
    return c + d * b + e * a + d * e


def beaver_de_nobody(x_shares, y_shares, triple):
    a, b, c, d, e = _parts(x_shares, y_shares, triple)
    return c + d * b + e * a


def beaver_de_last_party(x_shares, y_shares, triple):
    a, b, c, d, e = _parts(x_shares, y_shares, triple)
    z = c + d * b + e * a
    z[-1] += d * e
    return z


def beaver_wrong_sign(x_shares, y_shares, triple):
    a, b, c, d, e = _parts(x_shares, y_shares, triple)
    z = c - d * b - e * a
    z[0] += d * e
    return z


def beaver_open_x(x_shares, y_shares, triple):
    """Opens x and y themselves: the masks a and b are wasted and x, y leak."""
    a, b, c, _, _ = _parts(x_shares, y_shares, triple)
    x = x_shares.sum(axis=0, dtype=np.uint64)
    y = y_shares.sum(axis=0, dtype=np.uint64)
    z = c + x * b + y * a
    z[0] += x * y
    return z


def beaver_local_product(x_shares, y_shares, triple):
    _parts(x_shares, y_shares, triple)
    return x_shares * y_shares


def beaver_modifies_input(x_shares, y_shares, triple):
    a, b, c, d, e = _parts(x_shares, y_shares, triple)
    c += d * b + e * a
    c[0] += d * e
    return c


def beaver_no_shape_check(x_shares, y_shares, triple):
    a, b, c = triple
    k = min(x_shares.shape[1], y_shares.shape[1])
    x_shares, y_shares, a, b, c = (t[:, :k] for t in (x_shares, y_shares, a, b, c))
    return _sol().beaver_multiply(x_shares, y_shares, (a, b, c)) if x_shares.shape[0] >= 2 else c


# --- pack_values
def _check_pack(values, slot_bits, n_summands):
    if slot_bits < 1 or n_summands < 1:
        raise ValueError("arguments")
    limit = (2**slot_bits - 1) // n_summands
    if any(not 0 <= int(v) <= limit for v in values):
        raise ValueError("value")


def pack_big_endian(values, slot_bits, n_summands):
    _check_pack(values, slot_bits, n_summands)
    out = 0
    for v in values:
        out = (out << slot_bits) + int(v)
    return out


def pack_float(values, slot_bits, n_summands):
    _check_pack(values, slot_bits, n_summands)
    return int(sum(float(v) * 2.0 ** (k * slot_bits) for k, v in enumerate(values)))


def pack_no_headroom(values, slot_bits, n_summands):
    if slot_bits < 1 or n_summands < 1 or any(not 0 <= v < 2**slot_bits for v in values):
        raise ValueError("value")
    return sum(int(v) << (k * slot_bits) for k, v in enumerate(values))


def pack_headroom_bits(values, slot_bits, n_summands):
    """Headroom of floor(log2 n) bits: the bound is too generous when n is not a power of two."""
    if slot_bits < 1 or n_summands < 1:
        raise ValueError("arguments")
    limit = 2 ** (slot_bits - int(np.floor(np.log2(n_summands)))) - 1
    if any(not 0 <= v <= limit for v in values):
        raise ValueError("value")
    return sum(int(v) << (k * slot_bits) for k, v in enumerate(values))


def pack_int64(values, slot_bits, n_summands):
    """NumPy int64 arithmetic: bits above 63 are lost."""
    _check_pack(values, slot_bits, n_summands)
    out = np.int64(0)
    with np.errstate(over="ignore"):
        for k, v in enumerate(values):
            out = out + (np.int64(v) << np.int64(min(k * slot_bits, 63)))
    return int(out)


# --- unpack_sum
def _check_unpack(packed_sum, n_values, slot_bits):
    if packed_sum < 0 or packed_sum >= 1 << (n_values * slot_bits):
        raise ValueError("packed_sum")


def unpack_big_endian(packed_sum, n_values, slot_bits):
    _check_unpack(packed_sum, n_values, slot_bits)
    return [(packed_sum >> (k * slot_bits)) & ((1 << slot_bits) - 1) for k in reversed(range(n_values))]


def unpack_no_mask(packed_sum, n_values, slot_bits):
    _check_unpack(packed_sum, n_values, slot_bits)
    return [packed_sum >> (k * slot_bits) for k in range(n_values)]


def unpack_narrow_mask(packed_sum, n_values, slot_bits):
    _check_unpack(packed_sum, n_values, slot_bits)
    return [(packed_sum >> (k * slot_bits)) & ((1 << (slot_bits - 1)) - 1) for k in range(n_values)]


def unpack_stops_at_zero(packed_sum, n_values, slot_bits):
    """Stops when nothing is left: trailing zero slots are missing."""
    _check_unpack(packed_sum, n_values, slot_bits)
    out = []
    while packed_sum:
        out.append(packed_sum & ((1 << slot_bits) - 1))
        packed_sum >>= slot_bits
    return out


def unpack_no_check(packed_sum, n_values, slot_bits):
    return [(int(packed_sum) >> (k * slot_bits)) & ((1 << slot_bits) - 1) for k in range(n_values)]


# --- truncate_shares
def _check_ts(z_shares, frac_bits):
    if z_shares.ndim != 2 or z_shares.shape[0] != 2 or not 0 <= frac_bits <= 62:
        raise ValueError("bad arguments")


def ts_both_floor(z_shares, frac_bits):
    """Both parties shift their own share down: biased by one unit half of the time."""
    _check_ts(z_shares, frac_bits)
    return (z_shares.view(np.int64) >> np.int64(frac_bits)).view(np.uint64)


def ts_negate_after_only(z_shares, frac_bits):
    _check_ts(z_shares, frac_bits)
    p1 = (-(z_shares[1].view(np.int64) >> np.int64(frac_bits))).view(np.uint64)
    return np.stack([(z_shares[0].view(np.int64) >> np.int64(frac_bits)).view(np.uint64), p1])


def ts_logical(z_shares, frac_bits):
    _check_ts(z_shares, frac_bits)
    p1 = np.uint64(0) - ((np.uint64(0) - z_shares[1]) >> np.uint64(frac_bits))
    return np.stack([z_shares[0] >> np.uint64(frac_bits), p1])


def ts_open_then_reshare(z_shares, frac_bits):
    """Opens z, truncates it in the clear and deals it out again: right value, z revealed."""
    _check_ts(z_shares, frac_bits)
    z = z_shares.sum(axis=0, dtype=np.uint64)
    t = (z.view(np.int64) >> np.int64(frac_bits)).view(np.uint64)
    return np.stack([t, np.zeros_like(t)])


def ts_no_check(z_shares, frac_bits):
    f = np.int64(frac_bits % 64)
    p0 = (z_shares[0].view(np.int64) >> f).view(np.uint64)
    p1 = (-((np.uint64(0) - z_shares[1]).view(np.int64) >> f)).view(np.uint64)
    return np.stack([p0, p1])


MUTANTS = {
    "share": [share_half_ring, share_from_float, share_split_evenly, share_one_mask_reused, share_not_summing,
              share_own_generator, share_no_check],
    "fixed_point_encode": [encode_truncating, encode_half_up, encode_abs, encode_scale_by_bits,
                           encode_no_limit, encode_signed_dtype],
    "truncate": [truncate_logical, truncate_toward_zero, truncate_float, truncate_no_check],
    "truncate_shares": [ts_both_floor, ts_negate_after_only, ts_logical, ts_open_then_reshare, ts_no_check],
    "beaver_multiply": [beaver_de_everyone, beaver_de_nobody, beaver_de_last_party, beaver_wrong_sign,
                        beaver_open_x, beaver_local_product, beaver_modifies_input, beaver_no_shape_check],
    "pack_values": [pack_big_endian, pack_float, pack_no_headroom, pack_headroom_bits, pack_int64],
    "unpack_sum": [unpack_big_endian, unpack_no_mask, unpack_narrow_mask, unpack_stops_at_zero,
                   unpack_no_check],
}


# --- correct answers written otherwise: each must be accepted
def share_first_share_fixed(x, n_parties, rng):
    """Correct: the share computed from x is party 0's, the random ones the others'."""
    _check_n(n_parties)
    rest = rng.integers(0, 2**64, size=(n_parties - 1, *x.shape), dtype=np.uint64)
    return np.concatenate([(x - rest.sum(axis=0, dtype=np.uint64))[None], rest])


def share_python_ints(x, n_parties, rng):
    """Correct: Python integers and rng.integers with endpoint=True."""
    _check_n(n_parties)
    flat = [int(v) for v in x.ravel()]
    rows = [[int(r) for r in rng.integers(0, 2**64 - 1, size=len(flat), dtype=np.uint64, endpoint=True)]
            for _ in range(n_parties - 1)]
    last = [(v - sum(row[i] for row in rows)) % RING for i, v in enumerate(flat)]
    return np.array(rows + [last], dtype=np.uint64).reshape((n_parties, *x.shape))


EQUIVALENTS = {
    "share": [share_first_share_fixed, share_python_ints],
}
