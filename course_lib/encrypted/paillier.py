"""Secure sum with Paillier encryption (additive homomorphic encryption, via ``phe``).

Paillier (1999): with a public modulus ``n = p·q`` and ``g = n + 1``, a message ``m ∈ Z_n`` is
encrypted with fresh randomness ``r`` as ``c = g^m · r^n mod n²``. Multiplying ciphertexts adds the
messages: ``E(m₁) · E(m₂) = E(m₁ + m₂ mod n)``. So clients encrypt their values under the key
holder's public key, the **server multiplies** (adds) what it receives without being able to read
any of it, and only the **key holder** decrypts — and then only the sum. (``phe`` writes the product
of ciphertexts as ``+`` and uses gmpy2 for the big-integer arithmetic when it is installed.)

**Fixed point.** Paillier works on integers: a real value is sent as ``round(x · 2^f)``; the sum of
``n`` such values errs by at most ``n · 2^−(f+1)``. Negative values wrap modulo ``n`` (phe decodes
anything above ``n/2`` as negative).

**Packing.** One ciphertext of a 2048-bit key carries a 2048-bit plaintext, yet one fixed-point
value needs a few dozen bits: encrypting each value alone wastes almost all of it. Packing puts
``k`` values into one plaintext, each in a **slot** of ``slot_bits`` bits:
``m = Σ_i v_i · 2^(i·slot_bits)``. Values are first shifted to be non-negative,
``v = round(x · 2^f) + offset`` with ``0 ≤ v < 2^value_bits``; adding ``n`` packed plaintexts
adds slot by slot, and **no slot overflows into the next** as long as

    n · (2^value_bits − 1) < 2^slot_bits,   i.e.   slot_bits ≥ value_bits + ⌈log₂ n⌉,

and the whole packed sum stays below the modulus: ``k · slot_bits < log₂ n_modulus``. The key holder
unpacks each slot and subtracts ``n · offset``. One encryption now does ``k`` values' work: with a
2048-bit key and 48-bit slots, 42 values per ciphertext.

References:
    P. Paillier. Public-key cryptosystems based on composite degree residuosity classes.
    EUROCRYPT 1999.
    CSIRO's Data61. python-paillier (phe), https://github.com/data61/python-paillier.
    Packing as in, e.g., C. Zhang, S. Li, J. Xia, W. Wang, F. Yan, Y. Liu. BatchCrypt: efficient
    homomorphic encryption for cross-silo federated learning. USENIX ATC 2020.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validate import check_int

__all__ = [
    "Packing",
    "decrypt_sum",
    "encrypt_values",
    "fixed_point",
    "from_fixed_point",
    "keypair",
    "packed_secure_sum",
    "secure_sum",
]


def _phe():
    try:
        import phe
    except ImportError as exc:  # pragma: no cover - phe is pure Python and always pinned
        raise ImportError("Paillier needs the phe package (phe==1.5.0): run `python3 course.py setup`"
                          ) from exc
    return phe


def keypair(n_length: int = 2048):
    """A Paillier ``(public_key, private_key)`` with a modulus of ``n_length`` bits. 2048 bits is the
    usual minimum for real use (about 112-bit security); smaller keys are for fast tests only."""
    n_length = check_int(n_length, "n_length", 128, 8192)
    if n_length % 8:
        raise ValueError(f"n_length must be a multiple of 8 bits, got {n_length}")
    return _phe().generate_paillier_keypair(n_length=n_length)


def _values(x, name: str = "x") -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def fixed_point(x, frac_bits: int = 16) -> list[int]:
    """``round(x · 2^frac_bits)`` as Python ints (unbounded, as Paillier plaintexts are)."""
    f = check_int(frac_bits, "frac_bits", 0, 64)
    return [int(v) for v in np.rint(_values(x) * 2.0**f)]


def from_fixed_point(values: Sequence[int], frac_bits: int = 16) -> np.ndarray:
    """Integers in units of ``2^−frac_bits`` back to floats."""
    f = check_int(frac_bits, "frac_bits", 0, 64)
    return np.array([v / 2**f for v in values], dtype=np.float64)


def encrypt_values(public_key, x, frac_bits: int = 16) -> list:
    """One client's message: each fixed-point value encrypted alone (one ciphertext per value)."""
    return [public_key.encrypt(v) for v in fixed_point(x, frac_bits)]


def decrypt_sum(private_key, ciphertexts: Sequence, frac_bits: int = 16) -> np.ndarray:
    """The key holder's step: decrypt (the sums) and undo the fixed-point scaling."""
    return from_fixed_point([private_key.decrypt(c) for c in ciphertexts], frac_bits)


def _add_all(messages: Sequence[Sequence]) -> list:
    """The server's step: add the clients' ciphertexts position by position (homomorphically)."""
    if not isinstance(messages, Sequence) or len(messages) < 1:
        raise ValueError("messages must hold at least one client's ciphertexts")
    lengths = {len(m) for m in messages}
    if len(lengths) != 1:
        raise ValueError(f"every client must send the same number of ciphertexts, got {sorted(lengths)}")
    total = list(messages[0])
    for m in messages[1:]:
        total = [a + c for a, c in zip(total, m)]
    return total


def secure_sum(updates: Sequence, public_key, private_key, frac_bits: int = 16) -> np.ndarray:
    """Clients encrypt, the server adds, the key holder decrypts: the sum of ``updates`` (one
    1-D array per client), exact up to fixed-point rounding (``≤ n · 2^−(frac_bits+1)``)."""
    messages = [encrypt_values(public_key, u, frac_bits) for u in _updates(updates)]
    return decrypt_sum(private_key, _add_all(messages), frac_bits)


def _updates(updates) -> list[np.ndarray]:
    if isinstance(updates, np.ndarray) and updates.ndim == 2:
        updates = list(updates)
    if not isinstance(updates, Sequence) or len(updates) < 1:
        raise ValueError("updates must hold at least one client's 1-D array")
    out = [_values(u, "updates[i]") for u in updates]
    if len({u.shape for u in out}) != 1:
        raise ValueError(f"every update must have the same length, got {sorted({u.size for u in out})}")
    return out


@dataclass(frozen=True)
class Packing:
    """A slot layout for packing fixed-point values into Paillier plaintexts.

    ``bound``: the largest ``|x|`` a client may send; ``frac_bits``: fixed-point precision;
    ``n_clients``: how many packed plaintexts will be added; ``modulus_bits``: the key's ``n``.
    """

    bound: float
    frac_bits: int
    n_clients: int
    modulus_bits: int

    def __post_init__(self):
        if isinstance(self.bound, bool) or not isinstance(self.bound, (int, float)) or not (
                math.isfinite(self.bound) and self.bound > 0):
            raise ValueError(f"bound must be a finite number > 0, got {self.bound!r}")
        check_int(self.frac_bits, "frac_bits", 0, 64)
        check_int(self.n_clients, "n_clients", 1)
        check_int(self.modulus_bits, "modulus_bits", 64)
        if self.slots < 1:
            raise ValueError(f"a slot of {self.slot_bits} bits does not fit a {self.modulus_bits}-bit "
                             "modulus: lower bound, frac_bits or n_clients")

    @property
    def offset(self) -> int:
        """Added to every fixed-point value so that it is non-negative."""
        return math.ceil(self.bound * 2**self.frac_bits)

    @property
    def value_bits(self) -> int:
        """Bits of one shifted value ``v ∈ [0, 2·offset]``."""
        return (2 * self.offset).bit_length()

    @property
    def slot_bits(self) -> int:
        """``value_bits + ⌈log₂ n_clients⌉``: room for the sum of every client's value."""
        return self.value_bits + math.ceil(math.log2(self.n_clients))

    @property
    def slots(self) -> int:
        """Values per ciphertext: ``k · slot_bits`` must stay below the modulus (one bit spare, since
        phe reads plaintexts above ``n/2`` as negative)."""
        return (self.modulus_bits - 2) // self.slot_bits

    def overflow_free(self) -> bool:
        """The bound in the docstring: ``n · (2^value_bits − 1) < 2^slot_bits``."""
        return self.n_clients * (2**self.value_bits - 1) < 2**self.slot_bits

    def pack(self, x) -> list[int]:
        """One client's values as ``⌈len(x)/slots⌉`` packed integers; refuses ``|x| > bound``."""
        arr = _values(x)
        if np.abs(arr).max() > self.bound:
            raise ValueError(f"x must satisfy |x| <= bound = {self.bound:g} for the packed sum of "
                             f"{self.n_clients} clients not to overflow its {self.slot_bits}-bit slots; got "
                             f"max |x| = {np.abs(arr).max():.6g}")
        shifted = [int(v) + self.offset for v in np.rint(arr * 2.0**self.frac_bits)]
        packed = []
        for start in range(0, len(shifted), self.slots):
            m = 0
            for i, v in enumerate(shifted[start:start + self.slots]):
                m |= v << (i * self.slot_bits)
            packed.append(m)
        return packed

    def unpack_sum(self, packed_sums: Sequence[int], length: int, n_added: int) -> np.ndarray:
        """The sum of ``n_added`` clients' values from the decrypted packed sums."""
        n_added = check_int(n_added, "n_added", 1, self.n_clients)
        length = check_int(length, "length", 1)
        mask = (1 << self.slot_bits) - 1
        out = []
        for m in packed_sums:
            if m < 0:
                raise ValueError("a packed sum decrypted to a negative number: the plaintext overflowed")
            for i in range(self.slots):
                out.append(((m >> (i * self.slot_bits)) & mask) - n_added * self.offset)
        if len(out) < length:
            raise ValueError(f"packed_sums hold {len(out)} values, fewer than length={length}")
        return from_fixed_point(out[:length], self.frac_bits)


def packed_secure_sum(updates: Sequence, public_key, private_key, packing: Packing) -> np.ndarray:
    """:func:`secure_sum` with ``packing.slots`` values per ciphertext."""
    updates = _updates(updates)
    if len(updates) > packing.n_clients:
        raise ValueError(f"packing was sized for n_clients={packing.n_clients}, got {len(updates)} updates: "
                         "their sum could overflow a slot")
    if public_key.n.bit_length() < packing.modulus_bits:
        raise ValueError(f"packing assumes a {packing.modulus_bits}-bit modulus, the key has "
                         f"{public_key.n.bit_length()} bits")
    messages = [[public_key.encrypt(m) for m in packing.pack(u)] for u in updates]
    sums = [private_key.decrypt(c) for c in _add_all(messages)]
    return packing.unpack_sum(sums, len(updates[0]), len(updates))
