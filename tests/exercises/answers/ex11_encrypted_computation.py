"""Independent answers to exercise 11, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import math

import numpy as np

MOD = 1 << 64

# ----------------------------------------------------------------------------- share


def _parties_ok(n):
    if n < 2:
        raise ValueError("need at least two parties")


def share_cumulative(x, n_parties, rng):
    _parties_ok(n_parties)
    shares = [rng.integers(0, 2**64, size=x.shape, dtype=np.uint64) for _ in range(n_parties - 1)]
    last = np.array(x, dtype=np.uint64, copy=True)
    for s in shares:
        last = last - s
    return np.stack(shares + [last])


def share_bytes(x, n_parties, rng):
    """Random bytes from rng, read as little-endian uint64."""
    _parties_ok(n_parties)
    raw = rng.bytes(8 * x.size * (n_parties - 1))
    rand = np.frombuffer(raw, dtype="<u8").reshape((n_parties - 1, *x.shape)).astype(np.uint64)
    return np.concatenate([rand, (x - rand.sum(axis=0, dtype=np.uint64))[None]])


def share_random_position(x, n_parties, rng):
    """The share that balances the sum sits at a random position; the others are uniform."""
    _parties_ok(n_parties)
    out = rng.integers(0, 2**64, size=(n_parties, *x.shape), dtype=np.uint64)
    k = int(rng.integers(n_parties))
    others = np.delete(out, k, axis=0).sum(axis=0, dtype=np.uint64)
    out[k] = x - others
    return out


def share_32_bit(x, n_parties, rng):
    _parties_ok(n_parties)
    rand = rng.integers(0, 2**32, size=(n_parties - 1, *x.shape), dtype=np.uint64)
    return np.concatenate([rand, (x - rand.sum(axis=0, dtype=np.uint64))[None]])


def share_signed_draws(x, n_parties, rng):
    """int64 draws over [0, 2⁶³ − 1]: one bit short of the ring."""
    _parties_ok(n_parties)
    rand = rng.integers(0, np.iinfo(np.int64).max, size=(n_parties - 1, *x.shape)).astype(np.uint64)
    return np.concatenate([rand, (x - rand.sum(axis=0, dtype=np.uint64))[None]])


def share_uniform_float(x, n_parties, rng):
    _parties_ok(n_parties)
    rand = rng.uniform(0, 2.0**64, size=(n_parties - 1, *x.shape))
    rand = np.minimum(rand, 2.0**64 - 4096).astype(np.uint64)
    return np.concatenate([rand, (x - rand.sum(axis=0, dtype=np.uint64))[None]])


def share_xor(x, n_parties, rng):
    """XOR sharing: the shares XOR to x but do not add up to it."""
    _parties_ok(n_parties)
    rand = rng.integers(0, 2**64, size=(n_parties - 1, *x.shape), dtype=np.uint64)
    last = np.array(x, dtype=np.uint64, copy=True)
    for r in rand:
        last ^= r
    return np.concatenate([rand, last[None]])


def share_seeded(x, n_parties, rng):
    _parties_ok(n_parties)
    own = np.random.default_rng(2024)
    rand = own.integers(0, 2**64, size=(n_parties - 1, *x.shape), dtype=np.uint64)
    return np.concatenate([rand, (x - rand.sum(axis=0, dtype=np.uint64))[None]])


def share_allows_one(x, n_parties, rng):
    rand = rng.integers(0, 2**64, size=(n_parties - 1, *x.shape), dtype=np.uint64)
    return np.concatenate([rand, (x - rand.sum(axis=0, dtype=np.uint64))[None]])


# ----------------------------------------------------------------------------- fixed_point_encode


def _enc_ok(x, f):
    if f < 0 or f > 30:
        raise ValueError("frac_bits must be in [0, 30]")
    scaled = np.asarray(x, dtype=np.float64) * (1 << f)
    if np.isnan(scaled).any() or np.isinf(scaled).any() or (np.abs(scaled) >= 2.0**62).any():
        raise ValueError("x out of range")
    return scaled


def enc_python(x, frac_bits):
    scaled = _enc_ok(x, frac_bits)
    return np.array([round(float(v)) % MOD for v in scaled.ravel()], dtype=np.uint64).reshape(scaled.shape)


def enc_ldexp(x, frac_bits):
    scaled = _enc_ok(x, frac_bits)
    v = np.rint(np.ldexp(np.asarray(x, dtype=np.float64), frac_bits)).astype(np.int64)
    return v.astype(np.uint64).reshape(scaled.shape)


def enc_round_half_away(x, frac_bits):
    scaled = _enc_ok(x, frac_bits)
    v = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    return v.astype(np.int64).view(np.uint64)


def enc_floor(x, frac_bits):
    return np.floor(_enc_ok(x, frac_bits)).astype(np.int64).view(np.uint64)


def enc_offset_binary(x, frac_bits):
    """Adds 2⁶³ instead of using two's complement."""
    v = np.rint(_enc_ok(x, frac_bits)).astype(np.int64)
    return v.view(np.uint64) + np.uint64(2**63)


def enc_negative_as_magnitude(x, frac_bits):
    v = np.rint(_enc_ok(x, frac_bits))
    return np.where(v < 0, np.uint64(2**63) + np.abs(v).astype(np.uint64), v.astype(np.uint64))


def enc_limit_2_63(x, frac_bits):
    """Accepts anything below 2⁶³, where the docstring stops at 2⁶²."""
    if not 0 <= frac_bits <= 30:
        raise ValueError("frac_bits")
    scaled = np.asarray(x, dtype=np.float64) * 2.0**frac_bits
    if not np.isfinite(scaled).all() or (np.abs(scaled) >= 2.0**63).any():
        raise ValueError("x out of range")
    return np.rint(scaled).astype(np.int64).view(np.uint64)


def enc_no_frac_check(x, frac_bits):
    scaled = np.asarray(x, dtype=np.float64) * 2.0**frac_bits
    if not np.isfinite(scaled).all() or (np.abs(scaled) >= 2.0**62).any():
        raise ValueError("x out of range")
    return np.rint(scaled).astype(np.int64).view(np.uint64)


# ----------------------------------------------------------------------------- truncate


def _trunc_ok(f):
    if not 0 <= f <= 62:
        raise ValueError("frac_bits must be in [0, 62]")


def trunc_floor_divide(v, frac_bits):
    _trunc_ok(frac_bits)
    signed = v.astype(np.uint64).view(np.int64)
    return np.floor_divide(signed, np.int64(1) << np.int64(frac_bits)).view(np.uint64)


def trunc_python(v, frac_bits):
    _trunc_ok(frac_bits)
    out = []
    for u in v.tolist():
        s = u - MOD if u >= 1 << 63 else u
        out.append((s >> frac_bits) % MOD)
    return np.array(out, dtype=np.uint64)


def trunc_unsigned_shift(v, frac_bits):
    _trunc_ok(frac_bits)
    return np.right_shift(v, np.uint64(frac_bits))


def trunc_int_division(v, frac_bits):
    _trunc_ok(frac_bits)
    return np.array([(int(s / 2**frac_bits)) % MOD if abs(s) < 2**53 else
                     (-((-s) >> frac_bits) if s < 0 else s >> frac_bits) % MOD
                     for s in v.view(np.int64).tolist()], dtype=np.uint64)


def trunc_divide_float(v, frac_bits):
    _trunc_ok(frac_bits)
    return np.floor(v.view(np.int64).astype(np.float64) * 2.0**-frac_bits).astype(np.int64).view(np.uint64)


def trunc_round_nearest(v, frac_bits):
    """Rounds to nearest: adds half before the shift."""
    _trunc_ok(frac_bits)
    s = v.view(np.int64)
    half = np.int64(1 << (frac_bits - 1)) if frac_bits else np.int64(0)
    return ((s + half) >> np.int64(frac_bits)).view(np.uint64)


# ----------------------------------------------------------------------------- truncate_shares


def _ts_ok(z_shares, frac_bits):
    if np.shape(z_shares)[0] != 2 or np.ndim(z_shares) != 2:
        raise ValueError("two parties' shares, shape (2, d)")
    if frac_bits < 0 or frac_bits > 62:
        raise ValueError("frac_bits must be in [0, 62]")


def ts_python(z_shares, frac_bits):
    _ts_ok(z_shares, frac_bits)

    def signed(u):
        return u - MOD if u >= 1 << 63 else u

    p0 = [signed(u) >> frac_bits for u in z_shares[0].tolist()]
    p1 = [-(signed((-u) % MOD) >> frac_bits) for u in z_shares[1].tolist()]
    return np.array([[v % MOD for v in p0], [v % MOD for v in p1]], dtype=np.uint64)


def ts_floor_divide(z_shares, frac_bits):
    """Party 1 as a ceiling division of its signed share: −⌊−z₁ / 2^f⌋ = ⌈z₁ / 2^f⌉ (as signed)."""
    _ts_ok(z_shares, frac_bits)
    step = np.int64(1) << np.int64(frac_bits)
    p0 = np.floor_divide(z_shares[0].view(np.int64), step)
    neg = (np.zeros_like(z_shares[1]) - z_shares[1]).view(np.int64)
    p1 = -np.floor_divide(neg, step)
    return np.stack([p0, p1]).view(np.uint64)


def ts_same_rule(z_shares, frac_bits):
    """Applies party 0's rule to both shares."""
    _ts_ok(z_shares, frac_bits)
    return np.stack([(z.view(np.int64) >> np.int64(frac_bits)).view(np.uint64) for z in z_shares])


def ts_ceil_both(z_shares, frac_bits):
    """Applies party 1's rule to both shares."""
    _ts_ok(z_shares, frac_bits)
    return np.stack([(-((np.uint64(0) - z).view(np.int64) >> np.int64(frac_bits))).view(np.uint64)
                     for z in z_shares])


def ts_float(z_shares, frac_bits):
    _ts_ok(z_shares, frac_bits)
    p0 = np.floor(z_shares[0].view(np.int64) / 2.0**frac_bits)
    p1 = np.ceil(z_shares[1].view(np.int64) / 2.0**frac_bits)
    return np.stack([p0, p1]).astype(np.int64).view(np.uint64)


def ts_unsigned_party0(z_shares, frac_bits):
    _ts_ok(z_shares, frac_bits)
    p1 = (-((np.uint64(0) - z_shares[1]).view(np.int64) >> np.int64(frac_bits))).view(np.uint64)
    return np.stack([z_shares[0] >> np.uint64(frac_bits), p1])


# ----------------------------------------------------------------------------- beaver_multiply


def _same(*arrays):
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or arrays[0].ndim != 2 or arrays[0].shape[0] < 2:
        raise ValueError("all shares must have one shape (n_parties >= 2, d)")


def beaver_loop(x_shares, y_shares, triple):
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    n = x_shares.shape[0]
    d = np.zeros(x_shares.shape[1], dtype=np.uint64)
    e = np.zeros(x_shares.shape[1], dtype=np.uint64)
    for p in range(n):
        d = d + (x_shares[p] - a[p])
        e = e + (y_shares[p] - b[p])
    return np.stack([c[p] + d * b[p] + e * a[p] + (d * e if p == 0 else np.uint64(0)) for p in range(n)])


def beaver_python(x_shares, y_shares, triple):
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    n, m = x_shares.shape
    X, Y, A, B, C = (t.tolist() for t in (x_shares, y_shares, a, b, c))
    d = [sum(X[p][i] - A[p][i] for p in range(n)) % MOD for i in range(m)]
    e = [sum(Y[p][i] - B[p][i] for p in range(n)) % MOD for i in range(m)]
    z = [[(C[p][i] + d[i] * B[p][i] + e[i] * A[p][i] + (d[i] * e[i] if p == 0 else 0)) % MOD
          for i in range(m)] for p in range(n)]
    return np.array(z, dtype=np.uint64)


def beaver_all_add_de(x_shares, y_shares, triple):
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    d = (x_shares - a).sum(axis=0, dtype=np.uint64)
    e = (y_shares - b).sum(axis=0, dtype=np.uint64)
    return c + d * b + e * a + d * e


def beaver_split_de(x_shares, y_shares, triple):
    """d·e split evenly among the parties (integer division loses the remainder)."""
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    n = x_shares.shape[0]
    d = (x_shares - a).sum(axis=0, dtype=np.uint64)
    e = (y_shares - b).sum(axis=0, dtype=np.uint64)
    return c + d * b + e * a + (d * e) // np.uint64(n)


def beaver_swapped_masks(x_shares, y_shares, triple):
    """d multiplies a and e multiplies b."""
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    d = (x_shares - a).sum(axis=0, dtype=np.uint64)
    e = (y_shares - b).sum(axis=0, dtype=np.uint64)
    z = c + d * a + e * b
    z[0] += d * e
    return z


def beaver_reversed_difference(x_shares, y_shares, triple):
    """d = a − x and e = b − y, used as if they were x − a and y − b."""
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    d = (a - x_shares).sum(axis=0, dtype=np.uint64)
    e = (b - y_shares).sum(axis=0, dtype=np.uint64)
    z = c + d * b + e * a
    z[0] += d * e
    return z


def beaver_float(x_shares, y_shares, triple):
    a, b, c = triple
    _same(x_shares, y_shares, a, b, c)
    d = np.mod((x_shares.astype(float) - a.astype(float)).sum(axis=0), 2.0**64)
    e = np.mod((y_shares.astype(float) - b.astype(float)).sum(axis=0), 2.0**64)
    z = np.mod(c.astype(float) + d * b + e * a, 2.0**64)
    z[0] = np.mod(z[0] + d * e, 2.0**64)
    return np.minimum(z, 2.0**64 - 4096).astype(np.uint64)


def beaver_no_checks(x_shares, y_shares, triple):
    a, b, c = triple
    m = min(x_shares.shape[1], y_shares.shape[1])
    x_shares, y_shares, a, b, c = (t[:, :m] for t in (x_shares, y_shares, a, b, c))
    d = (x_shares - a).sum(axis=0, dtype=np.uint64)
    e = (y_shares - b).sum(axis=0, dtype=np.uint64)
    z = c + d * b + e * a
    z[0] += d * e
    return z


# ----------------------------------------------------------------------------- pack_values


def _pack_ok(values, slot_bits, n_summands):
    if slot_bits < 1 or n_summands < 1:
        raise ValueError("slot_bits and n_summands must be positive")
    cap = ((1 << slot_bits) - 1) // n_summands
    for v in values:
        if v < 0 or v > cap:
            raise ValueError(f"value {v} outside [0, {cap}]")


def pack_shift_or(values, slot_bits, n_summands):
    _pack_ok(values, slot_bits, n_summands)
    out = 0
    for k, v in enumerate(values):
        out |= int(v) << (k * slot_bits)
    return out


def pack_horner(values, slot_bits, n_summands):
    _pack_ok(values, slot_bits, n_summands)
    out = 0
    for v in reversed(list(values)):
        out = out * 2**slot_bits + int(v)
    return out


def pack_reversed(values, slot_bits, n_summands):
    _pack_ok(values, slot_bits, n_summands)
    out = 0
    for v in values:
        out = out * 2**slot_bits + int(v)
    return out


def pack_via_float_pow(values, slot_bits, n_summands):
    _pack_ok(values, slot_bits, n_summands)
    return int(sum(v * math.pow(2, k * slot_bits) for k, v in enumerate(values)))


def pack_only_slot_check(values, slot_bits, n_summands):
    if slot_bits < 1 or n_summands < 1 or any(v < 0 or v >= 1 << slot_bits for v in values):
        raise ValueError("bad value")
    return sum(int(v) << (k * slot_bits) for k, v in enumerate(values))


def pack_ceil_log(values, slot_bits, n_summands):
    """Headroom as ceil(log2 n) bits: refuses values the docstring allows."""
    if slot_bits < 1 or n_summands < 1:
        raise ValueError("bad arguments")
    headroom = math.ceil(math.log2(n_summands)) if n_summands > 1 else 0
    cap = (1 << (slot_bits - headroom)) - 1
    if any(v < 0 or v > cap for v in values):
        raise ValueError("value")
    return sum(int(v) << (k * slot_bits) for k, v in enumerate(values))


# ----------------------------------------------------------------------------- unpack_sum


def _unpack_ok(packed_sum, n_values, slot_bits):
    if packed_sum < 0 or packed_sum.bit_length() > n_values * slot_bits:
        raise ValueError("packed_sum does not fit")


def unpack_divmod(packed_sum, n_values, slot_bits):
    _unpack_ok(packed_sum, n_values, slot_bits)
    out = []
    for _ in range(n_values):
        packed_sum, r = divmod(packed_sum, 2**slot_bits)
        out.append(r)
    return out


def unpack_bits_string(packed_sum, n_values, slot_bits):
    _unpack_ok(packed_sum, n_values, slot_bits)
    bits = format(packed_sum, "b").zfill(n_values * slot_bits)
    chunks = [bits[len(bits) - (k + 1) * slot_bits: len(bits) - k * slot_bits] for k in range(n_values)]
    return [int(c, 2) for c in chunks]


def unpack_big_end(packed_sum, n_values, slot_bits):
    _unpack_ok(packed_sum, n_values, slot_bits)
    mask = (1 << slot_bits) - 1
    return [(packed_sum >> (slot_bits * (n_values - 1 - k))) & mask for k in range(n_values)]


def unpack_modulo_only(packed_sum, n_values, slot_bits):
    """Divides by 2^(k·slot_bits) but never reduces modulo 2^slot_bits."""
    _unpack_ok(packed_sum, n_values, slot_bits)
    return [packed_sum // 2 ** (k * slot_bits) for k in range(n_values)]


def unpack_float(packed_sum, n_values, slot_bits):
    _unpack_ok(packed_sum, n_values, slot_bits)
    return [int(packed_sum / 2.0 ** (k * slot_bits)) % (1 << slot_bits) for k in range(n_values)]


def unpack_no_fit_check(packed_sum, n_values, slot_bits):
    if packed_sum < 0:
        raise ValueError("negative")
    return [(packed_sum >> (k * slot_bits)) & ((1 << slot_bits) - 1) for k in range(n_values)]


CORRECT = {
    "share": [share_cumulative, share_bytes, share_random_position],
    "fixed_point_encode": [enc_python, enc_ldexp],
    "truncate": [trunc_floor_divide, trunc_python],
    "truncate_shares": [ts_python, ts_floor_divide],
    "beaver_multiply": [beaver_loop, beaver_python],
    "pack_values": [pack_shift_or, pack_horner],
    "unpack_sum": [unpack_divmod, unpack_bits_string],
}

WRONG = {
    "share": [share_32_bit, share_signed_draws, share_uniform_float, share_xor, share_seeded,
              share_allows_one],
    "fixed_point_encode": [enc_round_half_away, enc_floor, enc_offset_binary, enc_negative_as_magnitude,
                           enc_limit_2_63, enc_no_frac_check],
    "truncate": [trunc_unsigned_shift, trunc_int_division, trunc_divide_float, trunc_round_nearest],
    "truncate_shares": [ts_same_rule, ts_ceil_both, ts_float, ts_unsigned_party0],
    "beaver_multiply": [beaver_all_add_de, beaver_split_de, beaver_swapped_masks, beaver_reversed_difference,
                        beaver_float, beaver_no_checks],
    "pack_values": [pack_reversed, pack_via_float_pow, pack_only_slot_check, pack_ceil_log],
    "unpack_sum": [unpack_big_end, unpack_modulo_only, unpack_float, unpack_no_fit_check],
}
