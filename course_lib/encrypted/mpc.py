"""Two-party computation with additive secret sharing over the ring Z_2⁶⁴ (NumPy ``uint64``).

**Sharing.** A secret ``x ∈ Z_2⁶⁴`` is split into ``x₀ = x − r`` and ``x₁ = r`` with ``r`` uniform:
each share alone is uniformly distributed whatever ``x`` is (a one-time pad), and
``x₀ + x₁ = x (mod 2⁶⁴)``. NumPy's ``uint64`` arithmetic wraps modulo 2⁶⁴, so the ring is free.

**Addition** is local: each party adds its shares. Multiplying by a public constant is local too.

**Multiplication** needs a **Beaver triple** (Beaver 1991): shares of random ``a``, ``b`` and
``c = a·b``. The parties open ``d = x − a`` and ``e = y − b`` (uniform, so they reveal nothing) and
compute locally ``z_i = c_i + d·b_i + e·a_i`` (+ ``d·e`` for party 0); then
``z₀ + z₁ = ab + (x − a)b + (y − b)a + (x − a)(y − b) = xy``. Exact in the ring. Each triple may
be used once (reusing one reveals ``x − x'``). Here a **trusted dealer** makes the triples; it
must not collude with either party, and it sees nothing of the inputs. Production systems replace it
with oblivious transfer or homomorphic encryption (the "offline phase").

**Fixed point.** Reals are encoded as ``round(x · 2^f)`` in two's complement (``f = 16``
fractional bits by default). A product has ``2f`` fractional bits and must be **truncated** by
``2^f``. Each party shifts its own share (Mohassel & Zhang 2017, SecureML): party 0 computes
``⌊z₀ / 2^f⌋``, party 1 ``−⌊−z₁ / 2^f⌋``, both as signed numbers. The result is the truncated value
**off by at most one unit** (``2^−f``) — unless the random share wraps around, which happens with
probability about ``|z| / 2⁶³`` (for ``|z| < 2⁴⁰`` below ``2⁻²³``) and then gives a huge error.

**Error of a dot product.** For ``x, w`` of length ``m`` encoded with rounding errors
``|δx|, |δw| ≤ 2^−(f+1)``, the secret-shared ``w·x + b`` (one truncation after the sum) differs
from the exact value by at most

    Σ_j (|w_j| + |x_j|) · 2^−(f+1) + m · 2^−(2f+2) + 2^−f + 2^−(f+1),

(encoding, truncation, and the bias' rounding): :func:`dot_error_bound`.

References:
    D. Beaver. Efficient multiparty protocols using circuit randomization. CRYPTO 1991.
    P. Mohassel, Y. Zhang. SecureML: a system for scalable privacy-preserving machine learning.
    IEEE S&P 2017.
    B. Knott et al. CrypTen: secure multi-party computation meets machine learning. NeurIPS 2021.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import check_int

__all__ = [
    "FRAC_BITS",
    "Channel",
    "Dealer",
    "Shared",
    "Triple",
    "add",
    "beaver_multiply",
    "decode",
    "dot_error_bound",
    "encode",
    "mul_public",
    "reconstruct",
    "share",
    "shared_dot",
    "shared_logits",
    "truncate",
]

#: Default fixed-point fractional bits.
FRAC_BITS = 16
_U64 = np.uint64


@dataclass
class Shared:
    """Additive shares ``(s0, s1)`` of a uint64 array: party 0 holds ``s0``, party 1 ``s1``."""

    s0: np.ndarray
    s1: np.ndarray

    def __post_init__(self):
        for name, s in (("s0", self.s0), ("s1", self.s1)):
            if not isinstance(s, np.ndarray) or s.dtype != _U64:
                raise TypeError(f"{name} must be a uint64 array, got {type(s).__name__} "
                                f"{getattr(s, 'dtype', '')}")
        if self.s0.shape != self.s1.shape:
            raise ValueError(f"s0 {self.s0.shape} and s1 {self.s1.shape} must have the same shape")

    @property
    def shape(self) -> tuple[int, ...]:
        return self.s0.shape


@dataclass
class Channel:
    """Counts what the two parties send each other: bytes (both directions together) and rounds."""

    bytes_sent: int = 0
    rounds: int = 0
    log: list[str] = field(default_factory=list)

    def open(self, shared: Shared, what: str) -> np.ndarray:
        """Both parties send their share to the other; both learn the value. One round."""
        self.bytes_sent += 2 * shared.s0.nbytes
        self.rounds += 1
        self.log.append(what)
        return reconstruct(shared)


def _generator(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def _uniform(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.integers(0, 2**64, size=shape, dtype=_U64, endpoint=False)


# --------------------------------------------------------------------------- fixed point


def encode(x, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """``round(x · 2^frac_bits)`` in two's complement as uint64. Refuses ``|x| ≥ 2^(31 − frac_bits)``, so
    that the product of two encoded values, ``2^(2·frac_bits) · |x·y| < 2⁶²``, still fits in the
    signed ring before it is truncated (a sum of products needs more headroom: keep inputs well
    below the limit)."""
    f = check_int(frac_bits, "frac_bits", 0, 30)
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"x must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite (no NaN or inf)")
    limit = 2.0 ** (31 - f)
    if arr.size and np.abs(arr).max() >= limit:
        raise ValueError(f"x must satisfy |x| < 2^(31 - frac_bits) = {limit:g} so that products fit in the "
                         f"ring with frac_bits={f}; got max |x| = {np.abs(arr).max():.6g}")
    return np.rint(arr * 2.0**f).astype(np.int64).astype(_U64)


def decode(v, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """uint64 two's-complement fixed point back to floats."""
    f = check_int(frac_bits, "frac_bits", 0, 62)
    arr = np.asarray(v)
    if arr.dtype != _U64:
        raise TypeError(f"v must be a uint64 array, got dtype {arr.dtype}")
    return arr.view(np.int64).astype(np.float64) / 2.0**f


# --------------------------------------------------------------------------- sharing


def share(secret, rng: np.random.Generator) -> Shared:
    """Split a uint64 array into two additive shares: ``(secret − r, r)`` with ``r`` uniform."""
    secret = np.asarray(secret)
    if secret.dtype != _U64:
        raise TypeError(f"secret must be a uint64 array (use encode for reals), got dtype {secret.dtype}")
    r = _uniform(_generator(rng), secret.shape)
    return Shared(secret - r, r)


def reconstruct(shared: Shared) -> np.ndarray:
    """``s0 + s1 (mod 2⁶⁴)``."""
    if not isinstance(shared, Shared):
        raise TypeError(f"shared must be a Shared, got {type(shared).__name__}")
    return shared.s0 + shared.s1


def add(x: Shared, y: Shared) -> Shared:
    """Shares of ``x + y``: each party adds locally."""
    if not isinstance(x, Shared) or not isinstance(y, Shared):
        raise TypeError("x and y must be Shared values")
    return Shared(x.s0 + y.s0, x.s1 + y.s1)


def mul_public(x: Shared, c) -> Shared:
    """Shares of ``c · x`` for a public uint64 ``c`` (broadcast): local."""
    c = np.asarray(c)
    if c.dtype != _U64:
        raise TypeError(f"c must be uint64 (encode it), got dtype {c.dtype}")
    return Shared(x.s0 * c, x.s1 * c)


# --------------------------------------------------------------------------- Beaver triples


@dataclass
class Triple:
    """Shares of ``a``, ``b`` and ``c = a·b`` (elementwise), from the dealer."""

    a: Shared
    b: Shared
    c: Shared


class Dealer:
    """A trusted third party that hands out Beaver triples before the computation (the offline phase).
    It never sees the inputs; it must not collude with either party (it knows ``a`` and ``b``)."""

    def __init__(self, rng: np.random.Generator):
        self._rng = _generator(rng)
        self.issued = 0

    def triple(self, shape) -> Triple:
        a, b = _uniform(self._rng, shape), _uniform(self._rng, shape)
        self.issued += int(np.prod(shape, dtype=np.int64))
        return Triple(share(a, self._rng), share(b, self._rng), share(a * b, self._rng))


def beaver_multiply(x: Shared, y: Shared, triple: Triple, channel: Channel | None = None) -> Shared:
    """Shares of ``x · y`` (elementwise, in the ring, no truncation) with one triple:
    open ``d = x − a`` and ``e = y − b``; ``z_i = c_i + d·b_i + e·a_i`` (+ ``d·e`` for party 0)."""
    if not isinstance(x, Shared) or not isinstance(y, Shared) or not isinstance(triple, Triple):
        raise TypeError("x and y must be Shared and triple a Triple")
    if x.shape != y.shape or triple.a.shape != x.shape:
        raise ValueError(f"x {x.shape}, y {y.shape} and the triple {triple.a.shape} must have one shape")
    channel = channel if channel is not None else Channel()
    d = channel.open(Shared(x.s0 - triple.a.s0, x.s1 - triple.a.s1), "d = x - a")
    e = channel.open(Shared(y.s0 - triple.b.s0, y.s1 - triple.b.s1), "e = y - b")
    channel.rounds -= 1  # d and e are sent together: one round
    z0 = triple.c.s0 + d * triple.b.s0 + e * triple.a.s0 + d * e
    z1 = triple.c.s1 + d * triple.b.s1 + e * triple.a.s1
    return Shared(z0, z1)


def truncate(x: Shared, frac_bits: int = FRAC_BITS) -> Shared:
    """Divide a shared fixed-point value by ``2^frac_bits`` locally (SecureML): party 0 shifts its
    share, party 1 negates, shifts and negates. Off by at most one unit, except with probability
    about ``|x| / 2⁶³`` (then wildly wrong)."""
    f = check_int(frac_bits, "frac_bits", 0, 62)
    if not isinstance(x, Shared):
        raise TypeError(f"x must be Shared, got {type(x).__name__}")
    s0 = (x.s0.view(np.int64) >> f).view(_U64)
    s1 = (-((-x.s1).view(np.int64) >> f)).view(_U64)
    return Shared(s0, s1)


# --------------------------------------------------------------------------- inference


def shared_dot(x: Shared, w: Shared, dealer: Dealer, channel: Channel | None = None,
               frac_bits: int = FRAC_BITS) -> Shared:
    """Shares of ``X · w`` for shared features ``x`` of shape ``(n, m)`` and weights ``w`` of shape
    ``(m,)``: elementwise Beaver products, summed locally, truncated once."""
    if not isinstance(x, Shared) or not isinstance(w, Shared):
        raise TypeError("x and w must be Shared")
    if len(x.shape) != 2 or w.shape != (x.shape[1],):
        raise ValueError(f"x must have shape (n, m) and w shape (m,), got {x.shape} and {w.shape}")
    wb = Shared(np.broadcast_to(w.s0, x.shape).copy(), np.broadcast_to(w.s1, x.shape).copy())
    prod = beaver_multiply(x, wb, dealer.triple(x.shape), channel)
    summed = Shared(prod.s0.sum(axis=1, dtype=_U64), prod.s1.sum(axis=1, dtype=_U64))
    return truncate(summed, frac_bits)


def shared_logits(X, w, b, rng: np.random.Generator, *, frac_bits: int = FRAC_BITS,
                  channel: Channel | None = None) -> np.ndarray:
    """Logistic-regression logits ``X·w + b`` computed on secret shares: the client shares its
    features, the model owner its weights and bias, a dealer supplies triples; only the logits are
    opened (to the client). Returns the decoded logits."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if X.ndim != 2 or w.shape != (X.shape[1],):
        raise ValueError(f"X must have shape (n, m) and w shape (m,), got {X.shape} and {w.shape}")
    rng = _generator(rng)
    dealer = Dealer(rng)
    channel = channel if channel is not None else Channel()
    xs = share(encode(X, frac_bits), rng)
    ws = share(encode(w, frac_bits), rng)
    bs = share(np.full(len(X), encode(float(b), frac_bits)), rng)
    z = add(shared_dot(xs, ws, dealer, channel, frac_bits), bs)
    return decode(channel.open(z, "logits"), frac_bits)


def dot_error_bound(X, w, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """Per-row bound on ``|shared_logits − (X·w + b)|`` (see the module docstring)."""
    f = check_int(frac_bits, "frac_bits", 0, 30)
    X = np.abs(np.asarray(X, dtype=np.float64))
    w = np.abs(np.asarray(w, dtype=np.float64))
    u = 2.0 ** -(f + 1)
    return (X + w).sum(axis=1) * u + X.shape[1] * u * u + 2.0**-f + u
