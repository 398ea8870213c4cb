"""Secure aggregation with pairwise masks (Bonawitz et al. 2017): the server learns only the sum.

Each client's update is encoded in **fixed point** — ``v = round(x · 2¹⁶) mod 2³²`` — so that
masks can be added modulo 2³² and cancel exactly. Every pair of clients ``i < j`` agrees on a
secret seed ``s_ij`` by X25519 Diffie–Hellman (the ``cryptography`` package), HKDF-SHA256 turning the
shared secret into the seed, and expands it into a mask ``m_ij`` with a pseudo-random generator.
Client ``i`` sends

    y_i = v_i + Σ_{j > i} m_ij − Σ_{j < i} m_ji      (mod 2³²)

Each ``y_i`` alone is uniformly distributed (one mask is a one-time pad), yet in ``Σ_i y_i`` every
mask appears once with ``+`` and once with ``−``: the server gets ``Σ_i v_i`` exactly, and decodes
it (as a signed 32-bit number) to the sum of the updates within fixed-point precision.

**Dropouts.** A client that drops after the keys were exchanged but before sending ``y_d`` leaves
its masks ``m_id`` in the survivors' vectors, and the sum is garbage. The survivors then reveal their
seeds ``s_id`` with the dropped client; the server regenerates those masks, removes them, and gets
the survivors' exact sum. (The full protocol also adds a self-mask per client and Shamir-shares
all seeds, so that it tolerates dropouts during recovery and a client that was merely late cannot
be unmasked; this module keeps the pairwise part, the one that makes the sum exact.)

**PRG.** Seeds are expanded with AES-256 in counter mode from ``cryptography`` (the keystream is
the mask), a cryptographic PRG as in production systems; a NumPy generator would make the same
masks cancel but is predictable from its output, so it must not be used for real.

**Overflow.** The decoded sum is correct only if it fits in a signed 32-bit integer. With ``n``
clients each sending ``|x| ≤ B`` per coordinate this needs ``n · (B · 2¹⁶ + ½) ≤ 2³¹ − 1``, so
``B ≤ ((2³¹ − 1)/n − ½) / 2¹⁶`` (about 32 767 / n); ``encode`` refuses larger values rather than
wrapping around. Rounding costs at most ``2⁻¹⁷`` per client and coordinate, ``n · 2⁻¹⁷`` in the sum.

Reference:
    K. Bonawitz, V. Ivanov, B. Kreuter, A. Marcedone, H. B. McMahan, S. Patel, D. Ramage, A. Segal,
    K. Seth. Practical secure aggregation for privacy-preserving machine learning. CCS 2017.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from scipy import stats

from .._validate import check_int

__all__ = [
    "MODULUS",
    "SCALE_BITS",
    "SecAggClient",
    "SecureSum",
    "decode",
    "encode",
    "max_abs_value",
    "pair_seed",
    "prg_mask",
    "secure_sum",
    "uniformity_pvalue",
    "unmask_sum",
]

#: Fixed-point fractional bits: values are stored as integers in units of 2⁻¹⁶.
SCALE_BITS = 16
#: Arithmetic is modulo 2³² (uint32 vectors).
MODULUS = 2**32
_INT32_MAX = 2**31 - 1


# --------------------------------------------------------------------------- fixed point


def max_abs_value(n_clients: int, scale_bits: int = SCALE_BITS) -> float:
    """The largest ``|x|`` a client may send per coordinate so that the sum of ``n_clients`` such
    values, each rounded to ``2⁻scale_bits``, fits in a signed 32-bit integer:
    ``((2³¹ − 1)/n − ½) / 2^scale_bits``."""
    n = check_int(n_clients, "n_clients", 1)
    s = check_int(scale_bits, "scale_bits", 0, 30)
    return (_INT32_MAX / n - 0.5) / 2.0**s


def encode(x, n_clients: int, scale_bits: int = SCALE_BITS) -> np.ndarray:
    """``round(x · 2^scale_bits) mod 2³²`` as uint32, refusing values whose sum over ``n_clients``
    could overflow (``|x| > max_abs_value(n_clients, scale_bits)``) or that are not finite."""
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"x must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    bound = max_abs_value(n_clients, scale_bits)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite")
    if arr.size and np.abs(arr).max() > bound:
        raise ValueError(f"x must satisfy |x| <= {bound:.6g} for a sum over n_clients={n_clients} to fit "
                         f"in 32-bit fixed point with {scale_bits} fractional bits; got max |x| = "
                         f"{np.abs(arr).max():.6g}. Clip or rescale the update first")
    return np.mod(np.rint(arr * 2.0**scale_bits).astype(np.int64), MODULUS).astype(np.uint32)


def decode(v, scale_bits: int = SCALE_BITS) -> np.ndarray:
    """Read uint32 fixed-point values as signed 32-bit integers (two's complement) and scale them
    back by ``2^-scale_bits``."""
    arr = np.asarray(v)
    if arr.dtype != np.uint32:
        raise TypeError(f"v must be a uint32 array, got dtype {arr.dtype}")
    s = check_int(scale_bits, "scale_bits", 0, 30)
    return arr.view(np.int32).astype(np.float64) / 2.0**s


# --------------------------------------------------------------------------- keys, seeds, masks


def _public_key(value, name: str) -> X25519PublicKey:
    if isinstance(value, X25519PublicKey):
        return value
    if isinstance(value, (bytes, bytearray)) and len(value) == 32:
        return X25519PublicKey.from_public_bytes(bytes(value))
    raise TypeError(f"{name} must be an X25519 public key or its 32 raw bytes, got {value!r:.60}")


def pair_seed(private_key: X25519PrivateKey, peer_public_key, i: int, j: int, round: int = 0) -> bytes:
    """The 32-byte seed that clients ``i`` and ``j`` share: HKDF-SHA256 of their X25519 secret, bound
    to the (unordered) pair and the round, so that each pair and round gets its own mask."""
    if not isinstance(private_key, X25519PrivateKey):
        raise TypeError(f"private_key must be an X25519PrivateKey, got {type(private_key).__name__}")
    i, j = check_int(i, "i", 0), check_int(j, "j", 0)
    if i == j:
        raise ValueError(f"i and j must be different clients, got {i} twice")
    round = check_int(round, "round", 0)
    shared = private_key.exchange(_public_key(peer_public_key, "peer_public_key"))
    lo, hi = min(i, j), max(i, j)
    info = f"course_lib secagg pair mask {lo} {hi} round {round}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def prg_mask(seed: bytes, length: int) -> np.ndarray:
    """Expand a 32-byte seed into ``length`` uniform uint32 values: the AES-256-CTR keystream
    (the seed is the key, the counter starts at 0; each seed is used for one mask only)."""
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
        raise TypeError(f"seed must be 32 bytes, got {seed!r:.60}")
    length = check_int(length, "length", 0)
    encryptor = Cipher(algorithms.AES(bytes(seed)), modes.CTR(bytes(16))).encryptor()
    stream = encryptor.update(bytes(4 * length)) + encryptor.finalize()
    return np.frombuffer(stream, dtype="<u4").astype(np.uint32)


class SecAggClient:
    """One participant: an X25519 key pair, and the masking of its update.

    ``private_bytes`` (32 bytes) makes the key reproducible for teaching and tests; a real client
    leaves it None and the key comes from the operating system's randomness.
    """

    def __init__(self, client_id: int, private_bytes: bytes | None = None):
        self.id = check_int(client_id, "client_id", 0)
        if private_bytes is None:
            self._key = X25519PrivateKey.generate()
        elif isinstance(private_bytes, (bytes, bytearray)) and len(private_bytes) == 32:
            self._key = X25519PrivateKey.from_private_bytes(bytes(private_bytes))
        else:
            raise TypeError(f"private_bytes must be None or 32 bytes, got {private_bytes!r:.60}")

    @property
    def public_bytes(self) -> bytes:
        """The public key to publish (32 raw bytes)."""
        return self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def _peers(self, public_keys: Mapping[int, bytes]) -> list[int]:
        if not isinstance(public_keys, Mapping) or self.id not in public_keys:
            raise ValueError(f"public_keys must map every client id (this one, {self.id}, included) to its "
                             f"public key")
        return [j for j in sorted(public_keys) if j != self.id]

    def seed_with(self, j: int, public_keys: Mapping[int, bytes], round: int = 0) -> bytes:
        """The seed shared with client ``j``."""
        return pair_seed(self._key, public_keys[j], self.id, j, round)

    def masked_input(self, update, public_keys: Mapping[int, bytes], round: int = 0) -> np.ndarray:
        """``encode(update) + Σ_{j>i} m_ij − Σ_{j<i} m_ji (mod 2³²)`` over every client that published a
        key; the overflow bound is checked for ``len(public_keys)`` clients.

        ``round`` must be fresh for every aggregation with the same keys: the same masks on two
        different updates would let the server subtract them and see the difference of the updates.
        """
        peers = self._peers(public_keys)
        y = encode(update, n_clients=len(public_keys)).ravel()
        for j in peers:
            mask = prg_mask(self.seed_with(j, public_keys, round), y.size)
            y = y + mask if j > self.id else y - mask  # uint32 arithmetic wraps modulo 2³²
        return y

    def reveal(
        self, dropped: Iterable[int], public_keys: Mapping[int, bytes], round: int = 0
    ) -> dict[int, bytes]:
        """The seeds shared with the clients that dropped out, for the server to remove their masks.

        A survivor must reveal only seeds with clients that really dropped: revealing its seed with a
        client whose masked input the server holds would unmask that client.
        """
        peers = set(self._peers(public_keys))
        out = {}
        for d in dropped:
            if d not in peers:
                raise ValueError(f"dropped client {d} is not a peer of client {self.id}")
            out[int(d)] = self.seed_with(d, public_keys, round)
        return out


# --------------------------------------------------------------------------- the server


def unmask_sum(
    masked: Mapping[int, np.ndarray], revealed: Mapping[int, Mapping[int, bytes]] | None = None
) -> np.ndarray:
    """Sum the masked vectors of the clients that sent one (mod 2³²), then remove the masks they
    share with dropped clients, from the seeds in ``revealed[i][d]`` (survivor ``i``, dropped ``d``).

    Returns the uint32 fixed-point sum of the survivors' updates (``decode`` it).
    """
    if not isinstance(masked, Mapping) or not masked:
        raise ValueError("masked must map at least one client id to its masked vector")
    vectors = list(masked.values())
    if any(not isinstance(v, np.ndarray) or v.dtype != np.uint32 or v.shape != vectors[0].shape
           for v in vectors):
        raise TypeError("every masked vector must be a uint32 array of the same shape")
    total = np.zeros(vectors[0].shape, dtype=np.uint32)
    for v in vectors:
        total += v
    for i, seeds in (revealed or {}).items():
        if i not in masked:
            raise ValueError(f"revealed seeds from client {i}, which sent no masked vector")
        for d, seed in seeds.items():
            if d in masked:
                raise ValueError(f"client {d} sent its masked vector: its seeds must not be revealed")
            mask = prg_mask(seed, total.size).reshape(total.shape)
            total = total - mask if d > i else total + mask  # undo survivor i's ±m_id
    return total


@dataclass
class SecureSum:
    """One round of secure aggregation: the decoded sum and what the server saw."""

    total: np.ndarray
    masked: dict[int, np.ndarray]
    survivors: list[int]
    dropped: list[int]


def secure_sum(
    updates: Sequence,
    *,
    dropped: Iterable[int] = (),
    round: int = 0,
    rng: np.random.Generator | None = None,
) -> SecureSum:
    """Run the protocol for updates ``0 .. n−1`` (arrays of one shape): keys, masking, the clients in
    ``dropped`` failing before they send, survivors revealing seeds, the server's unmasking.

    ``rng`` seeds the clients' private keys (reproducible runs for teaching); None uses the
    operating system's randomness. Returns the decoded sum of the survivors' updates.
    """
    if isinstance(updates, np.ndarray) and updates.ndim >= 1:
        updates = list(updates)
    if not isinstance(updates, Sequence) or len(updates) < 2:
        raise ValueError("updates must hold at least two clients' updates (one alone has no one to hide "
                         "among)")
    shapes = {np.shape(u) for u in updates}
    if len(shapes) != 1:
        raise ValueError(f"every update must have the same shape, got {sorted(shapes)}")
    n = len(updates)
    dropped = sorted({check_int(d, "dropped", 0, n - 1) for d in dropped})
    if len(dropped) >= n - 1:
        raise ValueError(f"at least two clients must survive to keep the sum secret, got {len(dropped)} of "
                         f"{n} dropped")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be None or a numpy.random.Generator, got {type(rng).__name__}")
    clients = [SecAggClient(i, None if rng is None else rng.bytes(32)) for i in range(n)]
    public_keys = {c.id: c.public_bytes for c in clients}
    masked = {c.id: c.masked_input(updates[c.id], public_keys, round) for c in clients if c.id not in dropped}
    revealed = {i: clients[i].reveal(dropped, public_keys, round) for i in masked} if dropped else {}
    total = decode(unmask_sum(masked, revealed)).reshape(shapes.pop())
    return SecureSum(total=total, masked=masked, survivors=sorted(masked), dropped=dropped)


def uniformity_pvalue(values: np.ndarray, bins: int = 256) -> float:
    """Chi-square test that uint32 values are uniform over ``[0, 2³²)``: their top 8 bits (bins=256)
    counted into ``bins`` equal ranges. A small p-value (< 0.001) says "not uniform"."""
    arr = np.asarray(values)
    if arr.dtype != np.uint32 or arr.size == 0:
        raise TypeError(f"values must be a non-empty uint32 array, got dtype {arr.dtype}, size {arr.size}")
    bins = check_int(bins, "bins", 2, 2**16)
    if arr.size < 5 * bins:
        raise ValueError(f"values must hold at least 5 per bin ({5 * bins}) for the chi-square test, "
                         f"got {arr.size}")
    counts = np.bincount((arr.astype(np.uint64) * bins >> np.uint64(32)).astype(np.int64).ravel(),
                         minlength=bins)
    return float(stats.chisquare(counts).pvalue)
