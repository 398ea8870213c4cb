"""Checkers for exercise 11 (encryption for machine learning). The ring arithmetic modulo 2⁶⁴ is
recomputed here with Python integers (exact at any size, independent of NumPy's wrap-around), the
random shares are judged statistically. Messages name the input and the property, never the
expected numbers."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_drawn_from_rng, expect_error

RING = 2**64
HALF = 2**63


def _ints(arr) -> list:
    """A uint64 array as a flat list of Python ints."""
    return [int(v) for v in np.asarray(arr).ravel().tolist()]


def _signed(v: int) -> int:
    return v - RING if v >= HALF else v


def _uint64(out, call: str, shape) -> np.ndarray:
    return as_array(out, call, dtype=np.uint64, shape=shape)


# ----------------------------------------------------------------------------- share


def _uniform_pvalue(values: np.ndarray, low: bool) -> float:
    """Chi-square p-value that the top (or bottom) 8 bits of uint64 values are uniform."""
    v = values.astype(np.uint64).ravel()
    byte = (v & np.uint64(255)) if low else (v >> np.uint64(56))
    counts = np.bincount(byte.astype(np.int64), minlength=256)
    return float(stats.chisquare(counts).pvalue)


def check_share(fn) -> None:
    gen = np.random.default_rng(1101)
    cases = [("4096 copies of the value 12345", np.full(4096, 12345, dtype=np.uint64), 3),
             ("4096 copies of 2⁶⁴ − 1", np.full(4096, RING - 1, dtype=np.uint64), 2),
             ("4096 random ring elements", gen.integers(0, RING, size=4096, dtype=np.uint64), 5)]
    for what, x, n in cases:
        call = f"share({what}, n_parties={n}, rng)"
        out = _uint64(fn(x.copy(), n, np.random.default_rng(int(gen.integers(2**32)))), call, (n, *x.shape))
        total = out.sum(axis=0, dtype=np.uint64)
        if not np.array_equal(total, x):
            raise CheckFailure(f"{call}: the shares do not add up to x (mod 2⁶⁴)",
                               hint="Last share = x − (sum of the others), in uint64 arithmetic.")
        for p in range(n):
            for low in (False, True):
                if _uniform_pvalue(out[p], low) < 1e-6:
                    bits = "lowest" if low else "highest"
                    raise CheckFailure(f"{call}: party {p}'s share is not uniformly random over the ring "
                                       f"(its {bits} 8 bits are far from uniform)",
                                       hint="rng.integers(0, 2**64, size=..., dtype=np.uint64): the whole "
                                       "ring, every bit random (a float times 2⁶⁴ has zero low bits).")
        for p in range(n):
            for q in range(p + 1, n):
                if _uniform_pvalue(out[p] - out[q], False) < 1e-6:
                    raise CheckFailure(f"{call}: the shares of parties {p} and {q} are not independent",
                                       hint="Draw every one of the first n − 1 shares afresh.")
    x = np.arange(8, dtype=np.uint64)
    call = "share(8 values, n_parties=2, rng)"
    rng = np.random.default_rng(1102)
    first, second = fn(x.copy(), 2, rng), fn(x.copy(), 2, rng)
    if np.array_equal(np.asarray(first), np.asarray(second)):
        raise CheckFailure(f"{call}: two calls with the same generator gave the same shares",
                           hint="Draw the shares from the rng argument; shares reused twice leak x − x'.")
    expect_drawn_from_rng([np.asarray(fn(x.copy(), 2, np.random.default_rng(s))) for s in (7, 7, 8)],
                          call, "shares", "shares", "the shares")
    x2 = gen.integers(0, RING, size=(3, 4), dtype=np.uint64)
    call = "share(a (3, 4) array, n_parties=4, rng)"
    out = _uint64(fn(x2.copy(), 4, np.random.default_rng(3)), call, (4, 3, 4))
    if not np.array_equal(out.sum(axis=0, dtype=np.uint64), x2):
        raise CheckFailure(f"{call}: the shares of a 2-D array do not add up to it",
                           hint="Shape (n_parties, *x.shape): row p is party p's share of the whole array.")
    for bad in (1, 0):
        expect_error(fn, (x, bad, np.random.default_rng(0)), (ValueError,), f"share(..., n_parties={bad})")


# ----------------------------------------------------------------------------- fixed point


def _encode_ref(x: np.ndarray, f: int) -> list:
    return [int(np.rint(v * 2.0**f)) % RING for v in np.asarray(x, dtype=np.float64).ravel()]


def check_fixed_point_encode(fn) -> None:
    gen = np.random.default_rng(1103)
    ties = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5])
    cases = [("random reals, some negative", gen.normal(0, 100, size=200), 16),
             ("halves (ties)", ties, 0),
             ("ties at 2⁻¹⁶ resolution", ties * 2.0**-16 + 3.0, 16),
             ("0, −0.0, ±1e-9, ±1", np.array([0.0, -0.0, 1e-9, -1e-9, 1.0, -1.0]), 20),
             ("values near the limit", np.array([2.0**46 - 1, -(2.0**46 - 1), 2.0**40 + 0.25]), 16),
             ("small numbers with 30 fractional bits", gen.uniform(-3, 3, size=50), 30)]
    for what, x, f in cases:
        call = f"fixed_point_encode({what}, frac_bits={f})"
        out = _uint64(fn(x.copy(), f), call, x.shape)
        got, want = _ints(out), _encode_ref(x, f)
        if got == want:
            continue
        scaled = x * 2.0**f
        neg = scaled < 0
        for other, mistake, hint in [
                (np.trunc(scaled), "the values are truncated towards zero, not rounded",
                 "np.rint rounds to the nearest integer (ties to even)."),
                (np.floor(scaled), "the values are rounded down, not to the nearest integer",
                 "np.rint rounds to the nearest integer (ties to even)."),
                (np.floor(scaled + 0.5), "ties are rounded up, not to even", "Use np.rint: ties to even."),
                (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5), "ties are rounded away from zero, not "
                 "to even", "Use np.rint: ties to even."),
                (np.rint(np.abs(scaled)), "negative numbers lose their sign",
                 "A negative v is stored as 2⁶⁴ + v: the int64's bits read as uint64."),
                (np.rint(x * f), "multiplied by frac_bits instead of 2^frac_bits",
                 "The scale is 2 ** frac_bits.")]:
            if [int(v) % RING for v in other] == got:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if any(g != w for g, w, n in zip(got, want, neg) if n) and \
                all(g == w for g, w, n in zip(got, want, neg) if not n):
            raise CheckFailure(f"{call}: negative numbers are wrong",
                               hint="Two's complement: round to an int64 first, then .view(np.uint64) — "
                               "casting a negative float straight to uint64 is undefined.")
        raise CheckFailure(f"{call}: wrong encodings", hint="np.rint(x · 2^frac_bits) as int64, viewed "
                           "as uint64.")
    for x, f, what in [(np.array([np.nan]), 16, "NaN"), (np.array([np.inf]), 16, "inf"),
                       (np.array([2.0**46]), 16, "|x| · 2^16 = 2⁶²"),
                       (np.array([1.0, -(2.0**50)]), 16, "|x| · 2^16 = 2⁶⁶"),
                       (np.array([1.0]), -1, "frac_bits=-1"), (np.array([1.0]), 31, "frac_bits=31")]:
        expect_error(fn, (x, f), (ValueError,), f"fixed_point_encode({what})")


def _trunc_ref(v: np.ndarray, f: int) -> list:
    return [(_signed(u) >> f) % RING for u in _ints(v)]


def check_truncate(fn) -> None:
    gen = np.random.default_rng(1104)
    f = 16
    x, y = gen.normal(0, 30, size=100), gen.normal(0, 30, size=100)
    ex = np.array(_encode_ref(x, f), dtype=np.uint64)
    ey = np.array(_encode_ref(y, f), dtype=np.uint64)
    products = np.array([(a * b) % RING for a, b in zip(_ints(ex), _ints(ey))], dtype=np.uint64)
    special = [5, RING - 5, RING - 1, 1, HALF, HALF - 1, 2**60 + 12345, RING - 2**60 - 12345, 0, 3]
    cases = [("products of 100 encodings with 16 fractional bits (half of them negative)", products, f),
             ("−5 and 5 with frac_bits=1", np.array([RING - 5, 5], dtype=np.uint64), 1),
             ("±1, ±5, ±2⁶⁰ ± 12345, 0, 3, 2⁶³ − 1 and −2⁶³", np.array(special, dtype=np.uint64), 4),
             ("random ring elements, frac_bits=0", gen.integers(0, RING, size=20, dtype=np.uint64), 0),
             ("random ring elements, frac_bits=62", gen.integers(0, RING, size=20, dtype=np.uint64), 62)]
    for what, v, bits in cases:
        call = f"truncate({what})"
        out = _uint64(fn(v.copy(), bits), call, v.shape)
        got, want = _ints(out), _trunc_ref(v, bits)
        if got == want:
            continue
        signed = [_signed(u) for u in _ints(v)]
        toward_zero = [(-((-s) >> bits) if s < 0 else s >> bits) % RING for s in signed]
        for other, mistake, hint in [
                ([u >> bits for u in _ints(v)], "negative values (≥ 2⁶³) are shifted as unsigned numbers",
                 "Read the elements as int64 first (two's complement), shift, then back to uint64."),
                (toward_zero, "negative values are rounded towards zero, not down",
                 "An arithmetic right shift of the int64 rounds towards −∞: −5 >> 1 is −3."),
                ([int(np.floor(s / 2.0**bits)) % RING for s in signed],
                 "computed in float64, which loses the low bits of large values",
                 "Stay in integers: the int64 view shifted right by frac_bits.")]:
            if got == other:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong truncation", hint="(v viewed as int64) >> frac_bits, viewed as "
                           "uint64.")
    expect_error(fn, (products[:3], 63), (ValueError,), "truncate(..., frac_bits=63)")
    expect_error(fn, (products[:3], -1), (ValueError,), "truncate(..., frac_bits=-1)")


def _trunc_shares_ref(z0: int, z1: int, f: int) -> tuple[int, int]:
    return (_signed(z0) >> f) % RING, (-(_signed((-z1) % RING) >> f)) % RING


def check_truncate_shares(fn) -> None:
    gen = np.random.default_rng(1108)
    f = 16
    x, y = gen.normal(0, 20, size=60), gen.normal(0, 20, size=60)
    z = [(a * b) % RING for a, b in zip(_encode_ref(x, f), _encode_ref(y, f))]
    r = [int(v) for v in gen.integers(0, RING, size=len(z), dtype=np.uint64)]
    products = np.array([[(zi - ri) % RING for zi, ri in zip(z, r)], r], dtype=np.uint64)
    edges = [(5, 0), (0, 5), (RING - 5, 0), (0, RING - 5), (HALF, 0), (0, HALF), (RING - 1, 1), (1, RING - 1),
             (HALF - 1, HALF + 1), (12345, RING - 12345 + 7)]
    cases = [("shares of 60 products with 16 fractional bits, frac_bits=16", products, f),
             ("edge cases (0, ±5, ±1, 2⁶³ in one share or the other), frac_bits=1",
              np.array(edges, dtype=np.uint64).T.copy(), 1),
             ("random shares, frac_bits=62", gen.integers(0, RING, size=(2, 10), dtype=np.uint64), 62),
             ("random shares, frac_bits=0", gen.integers(0, RING, size=(2, 10), dtype=np.uint64), 0)]
    for what, shares, bits in cases:
        call = f"truncate_shares({what})"
        kept = shares.copy()
        out = _uint64(fn(shares, bits), call, shares.shape)
        if not np.array_equal(shares, kept):
            raise CheckFailure(f"{call}: z_shares was changed", hint="Compute new arrays.")
        pairs = list(zip(_ints(shares[0]), _ints(shares[1])))
        want = [_trunc_shares_ref(a, b, bits) for a, b in pairs]
        got = list(zip(_ints(out[0]), _ints(out[1])))
        if got == want:
            continue
        p0_ok = [g[0] for g in got] == [w[0] for w in want]
        p1 = [g[1] for g in got]
        for other, mistake, hint in [
                ([(_signed(b) >> bits) % RING for _, b in pairs],
                 "party 1 rounds its share down like party 0",
                 "Party 1 negates in the ring, shifts, and negates back: −(signed(−z₁) >> frac_bits)."),
                ([(-(_signed(b) >> bits)) % RING for _, b in pairs], "party 1 negates after the shift only",
                 "Negate z₁ in the ring BEFORE the shift, and the result after it."),
                ([b >> bits for _, b in pairs], "party 1's share is shifted as an unsigned number",
                 "Party 1: −(signed(−z₁ mod 2⁶⁴) >> frac_bits).")]:
            if p0_ok and p1 == other:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if [g[0] for g in got] == [a >> bits for a, _ in pairs]:
            raise CheckFailure(f"{call}: party 0's share is shifted as an unsigned number",
                               hint="Party 0: view the share as int64, then shift (arithmetic shift).")
        opened = [(a + b) % RING for a, b in pairs]
        if [sum(g) % RING for g in got] == [(_signed(v) >> bits) % RING for v in opened]:
            raise CheckFailure(f"{call}: the result is right, but it was computed on the OPENED product",
                               hint="Each party shifts only its own share; nobody may learn z.")
        raise CheckFailure(f"{call}: wrong shares", hint="Party 0: signed(z₀) >> f; party 1: "
                           "−(signed(−z₁) >> f), everything modulo 2⁶⁴.")
    ok = np.zeros((2, 3), dtype=np.uint64)
    expect_error(fn, (np.zeros((3, 3), dtype=np.uint64), 4), (ValueError,),
                 "truncate_shares(shares of 3 parties, 4)")
    expect_error(fn, (ok, 63), (ValueError,), "truncate_shares(..., frac_bits=63)")
    expect_error(fn, (ok, -1), (ValueError,), "truncate_shares(..., frac_bits=-1)")


# ----------------------------------------------------------------------------- beaver_multiply


def _shares_of(gen, values: list, n: int) -> np.ndarray:
    """Additive shares (Python ints mod 2⁶⁴) of ``values``, as a uint64 (n, d) array."""
    rows = [[int(v) for v in gen.integers(0, RING, size=len(values), dtype=np.uint64)]
            for _ in range(n - 1)]
    last = [(v - sum(r[i] for r in rows)) % RING for i, v in enumerate(values)]
    return np.array(rows + [last], dtype=np.uint64)


def _beaver_case(gen, n, d, x=None, y=None):
    x = [int(v) for v in gen.integers(0, RING, size=d, dtype=np.uint64)] if x is None else x
    y = [int(v) for v in gen.integers(0, RING, size=d, dtype=np.uint64)] if y is None else y
    a = [int(v) for v in gen.integers(0, RING, size=d, dtype=np.uint64)]
    b = [int(v) for v in gen.integers(0, RING, size=d, dtype=np.uint64)]
    c = [(u * v) % RING for u, v in zip(a, b)]
    return x, y, a, b, c, [_shares_of(gen, vals, n) for vals in (x, y, a, b, c)]


def check_beaver_multiply(fn) -> None:
    gen = np.random.default_rng(1105)
    small = [RING - 3, 7, RING - 1, 0, 2**32, HALF]
    cases = [("2 parties, 50 random elements", 2, 50, None, None),
             ("3 parties, 7 random elements", 3, 7, None, None),
             ("2 parties, −3 · 5, 7 · −1, −1 · −1, 0 · 9, 2³² · 2³², 2⁶³ · 2", 2, 6, small,
              [5, RING - 1, RING - 1, 9, 2**32, 2]),
             ("5 parties, 1 element", 5, 1, None, None)]
    for what, n, d, xs, ys in cases:
        x, y, a, b, c, (X, Y, A, B, C) = _beaver_case(gen, n, d, xs, ys)
        call = f"beaver_multiply(x_shares, y_shares, triple: {what})"
        kept = [arr.copy() for arr in (X, Y, A, B, C)]
        triple = [A, B, C]
        out = _uint64(fn(X, Y, triple), call, (n, d))
        if any(not np.array_equal(p, q) for p, q in zip((X, Y, *triple), kept)):
            raise CheckFailure(f"{call}: the input shares were changed",
                               hint="Compute new arrays; the parties' shares of x, y, a, b, c stay as "
                               "they are.")
        dd = [(xi - ai) % RING for xi, ai in zip(x, a)]
        ee = [(yi - bi) % RING for yi, bi in zip(y, b)]
        Ai, Bi, Ci = (np.asarray(M, dtype=object) for M in (A, B, C))
        want = [[(int(Ci[p, i]) + dd[i] * int(Bi[p, i]) + ee[i] * int(Ai[p, i])
                  + (dd[i] * ee[i] if p == 0 else 0)) % RING for i in range(d)] for p in range(n)]
        got = [_ints(row) for row in out]
        if got == want:
            continue
        total = [sum(got[p][i] for p in range(n)) % RING for i in range(d)]
        xy = [(u * v) % RING for u, v in zip(x, y)]
        de = [(u * v) % RING for u, v in zip(dd, ee)]
        Xo, Yo = np.asarray(X, dtype=object), np.asarray(Y, dtype=object)
        for other, mistake, hint in [
                (xy, "the shares add up to x · y, but not in the docstring's way",
                 "z_p = c_p + d·b_p + e·a_p for every party, and d·e added by party 0 ONLY."),
                ([(p + (n - 1) * q) % RING for p, q in zip(xy, de)], "every party adds d · e",
                 "d·e is public: if all n parties add it, the sum has it n times. Party 0 alone adds it."),
                ([(p - q) % RING for p, q in zip(xy, de)], "nobody adds d · e",
                 "(d + a)(e + b) = ab + db + ea + de: party 0 adds the public term d·e."),
                ([(ci - di * bi - ei * ai + di * ei) % RING for ci, di, ei, ai, bi in zip(c, dd, ee, a, b)],
                 "d·b and e·a are subtracted", "x = d + a and y = e + b: everything is ADDED."),
                ([sum(int(Xo[p, i]) * int(Yo[p, i]) for p in range(n)) % RING for i in range(d)],
                 "each party multiplied its own shares: Σ x_p·y_p is not x·y",
                 "The cross terms x_p·y_q are missing; that is what the triple is for."),
                ([(ci + xi * bi + yi * ai + xi * yi) % RING for ci, xi, yi, ai, bi in zip(c, x, y, a, b)],
                 "x and y themselves are used instead of d = x − a and e = y − b",
                 "Open only the masked differences d = Σ(x_p − a_p) and e = Σ(y_p − b_p).")]:
            if total == other:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: the shares do not add up to x · y (mod 2⁶⁴)",
                           hint="d = Σ_p(x_p − a_p), e = Σ_p(y_p − b_p); z_p = c_p + d·b_p + e·a_p, and "
                           "party 0 adds d·e.")
    _, _, _, _, _, (X, Y, A, B, C) = _beaver_case(gen, 2, 5)
    expect_error(fn, (X, Y[:, :4], (A, B, C)), (ValueError,),
                 "beaver_multiply(x_shares (2, 5), y_shares (2, 4), ...)")
    expect_error(fn, (X[:1], Y[:1], (A[:1], B[:1], C[:1])), (ValueError,),
                 "beaver_multiply(shares of ONE party, ...)")


# ----------------------------------------------------------------------------- packing


def _int_out(out, call):
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, np.integer)):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected an int")
    return int(out)


def check_pack_values(fn) -> None:
    gen = np.random.default_rng(1106)
    cases = [("[3, 0, 7, 1], slot_bits=8, n_summands=10", [3, 0, 7, 1], 8, 10),
             ("20 values below 2³⁰, slot_bits=40, n_summands=1000",
              [int(v) for v in gen.integers(0, 2**30, size=20)], 40, 1000),
             ("one value, slot_bits=16, n_summands=1", [65535], 16, 1),
             ("the largest values allowed, slot_bits=8, n_summands=10", [25, 25, 25], 8, 10),
             ("no values", [], 12, 3)]
    for what, values, s, n in cases:
        call = f"pack_values({what})"
        got = _int_out(fn(list(values), s, n), call)
        want = sum(v * 2**(k * s) for k, v in enumerate(values))
        if got == want:
            continue
        if got == sum(v * 2**(k * s) for k, v in enumerate(reversed(values))):
            raise CheckFailure(f"{call}: the first value is in the most significant slot",
                               hint="Little-endian: value k is multiplied by 2^(k · slot_bits).")
        if want > 2**53 and abs(got - want) < want * 1e-12:
            raise CheckFailure(f"{call}: the low bits are lost (floating-point arithmetic?)",
                               hint="Python ints are exact at any size: value << (k · slot_bits).")
        raise CheckFailure(f"{call}: wrong packing", hint="Σ_k values[k] · 2^(k · slot_bits).")
    for values, s, n, what in [([26], 8, 10, "a value above (2⁸ − 1) // 10"),
                               ([1, 255], 8, 10, "a value that fits the slot but not the sum of 10"),
                               ([1, 2**16], 16, 1, "a value wider than the slot"),
                               ([-1, 2], 8, 2, "a negative value"),
                               ([1], 0, 2, "slot_bits=0"), ([1], 8, 0, "n_summands=0")]:
        expect_error(fn, (values, s, n), (ValueError,), f"pack_values({what})")


def check_unpack_sum(fn) -> None:
    gen = np.random.default_rng(1107)
    cases = []
    for s, k, parties in [(16, 5, 10), (40, 20, 1000), (8, 4, 3)]:
        limit = (2**s - 1) // parties
        rows = gen.integers(0, limit + 1, size=(parties, k))
        sums = [int(v) for v in rows.sum(axis=0)]
        cases.append((f"the sum of {parties} packings of {k} values, slot_bits={s}", sums, s))
    cases.append(("full slots (every bit set), slot_bits=12", [2**12 - 1, 0, 2**12 - 1], 12))
    cases.append(("zeros in the top slots, slot_bits=10", [5, 1, 0, 0], 10))
    for what, sums, s in cases:
        packed = sum(v << (i * s) for i, v in enumerate(sums))
        call = f"unpack_sum({what}, n_values={len(sums)})"
        out = fn(packed, len(sums), s)
        if isinstance(out, np.ndarray):
            out = out.tolist()
        if not isinstance(out, (list, tuple)) or len(out) != len(sums):
            raise CheckFailure(f"{call} must return a list of n_values={len(sums)} ints")
        got = [_int_out(v, call + " element") for v in out]
        if got == sums:
            continue
        if got == sums[::-1]:
            raise CheckFailure(f"{call}: the slots are read in the wrong order",
                               hint="Little-endian: slot 0 is the least significant slot_bits bits.")
        if got == [packed >> (i * s) for i in range(len(sums))]:
            raise CheckFailure(f"{call}: the higher slots are not masked off",
                               hint="Keep the lowest slot_bits bits: & ((1 << slot_bits) − 1).")
        if got == [(packed >> (i * s)) & ((1 << (s - 1)) - 1) for i in range(len(sums))]:
            raise CheckFailure(f"{call}: the mask is one bit too narrow",
                               hint="(1 << slot_bits) − 1 has slot_bits ones.")
        raise CheckFailure(f"{call}: wrong slot values", hint="(packed_sum >> (k · slot_bits)) & "
                           "((1 << slot_bits) − 1).")
    expect_error(fn, (1 << 30, 3, 10), (ValueError,), "unpack_sum(2³⁰, n_values=3, slot_bits=10)")
    expect_error(fn, (-5, 3, 10), (ValueError,), "unpack_sum(-5, n_values=3, slot_bits=10)")


EXERCISE = Exercise(
    name="11_encrypted_computation",
    title="Encryption for machine learning: secret shares, fixed point, truncation, Beaver triples, "
          "Paillier packing",
    tasks=(
        Task("share", "share", check_share, notebook="11_encrypted_computation",
             hint="n − 1 uniform uint64 shares from rng; the last is x minus their sum (it wraps mod 2⁶⁴)."),
        Task("fixed_point_encode", "fixed_point_encode", check_fixed_point_encode,
             notebook="11_encrypted_computation",
             hint="np.rint(x · 2^frac_bits) as int64, then .view(np.uint64); refuse what does not fit."),
        Task("truncate", "truncate", check_truncate, notebook="11_encrypted_computation",
             hint="View as int64, arithmetic shift right by frac_bits, view as uint64."),
        Task("truncate_shares", "truncate_shares", check_truncate_shares, notebook="11_encrypted_computation",
             hint="Party 0 shifts its signed share; party 1 negates, shifts, negates back (SecureML)."),
        Task("beaver_multiply", "beaver_multiply", check_beaver_multiply, notebook="11_encrypted_computation",
             hint="Open d = x − a and e = y − b; z_p = c_p + d·b_p + e·a_p, party 0 adds d·e."),
        Task("pack_values", "pack_values", check_pack_values, notebook="11_encrypted_computation",
             hint="Σ values[k] << (k · slot_bits), each value ≤ (2^slot_bits − 1) // n_summands."),
        Task("unpack_sum", "unpack_sum", check_unpack_sum, notebook="11_encrypted_computation",
             hint="(packed_sum >> (k · slot_bits)) & ((1 << slot_bits) − 1), k = 0 … n_values − 1."),
    ),
)
