# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 11_encrypted_computation
# (generated from solutions/11_encrypted_computation.py by `python3 course.py exercises`)
"""Exercise 11 — encryption for machine learning: the arithmetic under notebook 11, in NumPy.

Additive secret sharing over the ring of integers modulo 2⁶⁴, fixed-point numbers in that ring and
their truncation after a product (in the clear and on shares), multiplication of shared values with
a Beaver triple, and packing several small integers into one plaintext for a Paillier secure sum.
Ring elements are ``np.uint64`` arrays: NumPy's uint64 arithmetic on arrays wraps around modulo 2⁶⁴,
which is exactly the ring's addition, subtraction and multiplication. NumPy is all you need. Check
your work with

    python3 course.py check 11_encrypted_computation [task]
"""

from __future__ import annotations

import numpy as np


def share(x: np.ndarray, n_parties: int, rng: np.random.Generator) -> np.ndarray:
    """Additive secret shares of the ring elements ``x`` (a uint64 array) for ``n_parties`` parties.

    Draw shares 0 … n−2 uniformly from the whole ring, ``rng.integers(0, 2**64, size=x.shape,
    dtype=np.uint64)`` each, and set the last one to ``x − Σ others (mod 2⁶⁴)``, so that the shares
    sum to x modulo 2⁶⁴ while any n − 1 of them are uniformly random and independent of x. Return
    a uint64 array of shape ``(n_parties, *x.shape)`` (row p is party p's share). Raise ValueError
    when ``n_parties`` < 2 (one share would be x itself).
    """
    raise NotImplementedError("write share() here")


def fixed_point_encode(x: np.ndarray, frac_bits: int) -> np.ndarray:
    """Real numbers as ring elements: ``round(x · 2^frac_bits) mod 2⁶⁴`` as a uint64 array.

    Round to the nearest integer with ``np.rint`` (ties to even), then store a negative integer v as
    ``2⁶⁴ + v`` (two's complement: the bits of the int64 v read as uint64). Raise ValueError when a
    value is not finite or ``|x| · 2^frac_bits ≥ 2⁶²`` (too large to be read back, with room for a
    sum of a few values), and when ``frac_bits`` is not in [0, 30].
    """
    raise NotImplementedError("write fixed_point_encode() here")


def truncate(v: np.ndarray, frac_bits: int) -> np.ndarray:
    """Bring the product of two fixed-point numbers back to ``frac_bits`` fractional bits.

    Multiplying two encodings multiplies their scales: ``v`` (uint64 ring elements) holds
    ``x·y·2^(2·frac_bits)``. Read each element as a signed 64-bit integer (two's complement, so values
    ≥ 2⁶³ are negative), divide it by ``2^frac_bits`` rounding DOWN (towards −∞, which is what an
    arithmetic right shift does: −5 becomes −3 for frac_bits = 1), and return the result as uint64
    ring elements again. Work in integers throughout: float64 has 53 bits and would lose the low
    ones. Raise ValueError when ``frac_bits`` is not in [0, 62].
    """
    raise NotImplementedError("write truncate() here")


def truncate_shares(z_shares: np.ndarray, frac_bits: int) -> np.ndarray:
    """Truncate a SHARED product without opening it: two parties, each shifting its own share.

    ``z_shares`` is a (2, d) uint64 array of two parties' shares of a product z with
    ``2·frac_bits`` fractional bits. Following SecureML (Mohassel & Zhang 2017), with signed
    meaning "the uint64 read as int64" and every result stored back as uint64:

    * party 0 returns ``signed(z₀) >> frac_bits`` (an arithmetic shift, rounding down);
    * party 1 returns ``−(signed(−z₁ mod 2⁶⁴) >> frac_bits)``: negate in the ring, shift, negate back
      (so its share is rounded up, and the two roundings do not add up to a bias).

    The shares then reconstruct to ``z / 2^frac_bits`` up to one unit — unless the two shares wrap
    around 2⁶⁴ between them, which happens with probability about ``|z| / 2⁶³``. Return the (2, d)
    uint64 array, leaving ``z_shares`` unchanged. Raise ValueError unless ``z_shares`` has shape
    (2, d) and ``frac_bits`` is in [0, 62].
    """
    raise NotImplementedError("write truncate_shares() here")

def beaver_multiply(x_shares: np.ndarray, y_shares: np.ndarray, triple: list[np.ndarray]) -> np.ndarray:
    """Shares of ``x · y`` from shares of x and y and a Beaver triple (Beaver 1991), modulo 2⁶⁴.

    ``x_shares`` and ``y_shares`` are uint64 arrays of shape (n_parties, d): row p is party p's
    share. ``triple = [a_shares, b_shares, c_shares]``, each of that shape, shares random a and b and
    ``c = a · b``. Leave all the input arrays unchanged. The parties open (reconstruct) the masked differences

        d = Σ_p (x_p − a_p)   and   e = Σ_p (y_p − b_p)          (mod 2⁶⁴)

    which reveal nothing because a and b are uniformly random, and then party p computes

        z_p = c_p + d · b_p + e · a_p,   and party 0 alone adds d · e            (mod 2⁶⁴)

    so that ``Σ_p z_p = ab + db + ea + de = (d + a)(e + b) = x · y``. Return the (n_parties, d)
    uint64 array of the z_p, all elementwise. Raise ValueError when the five arrays do not all
    have the same shape or there are fewer than 2 parties.
    """
    raise NotImplementedError("write beaver_multiply() here")


def pack_values(values: list[int], slot_bits: int, n_summands: int) -> int:
    """Pack non-negative integers into ONE integer (a Paillier plaintext), one ``slot_bits``-wide slot
    each, so that a single encryption carries them all and ciphertexts of packed numbers add slot
    by slot.

    Value k goes into slot k, counted from the least significant end (little-endian):
    ``packed = Σ_k values[k] · 2^(k · slot_bits)``, computed with Python integers (exact at any size).
    The packed numbers of ``n_summands`` parties will be added, so each slot needs headroom: a value
    larger than ``(2^slot_bits − 1) // n_summands`` could carry into the next slot after the sum and
    must be refused with ValueError, as must a negative value, ``slot_bits`` < 1 or
    ``n_summands`` < 1. Return a Python int.
    """
    raise NotImplementedError("write pack_values() here")


def unpack_sum(packed_sum: int, n_values: int, slot_bits: int) -> list[int]:
    """The ``n_values`` slot sums held in ``packed_sum`` (the decrypted sum of packed numbers).

    Slot k, little-endian as in ``pack_values``, is ``(packed_sum >> (k · slot_bits))`` keeping its
    lowest ``slot_bits`` bits. Return a list of ``n_values`` Python ints. Raise ValueError when
    ``packed_sum`` is negative or does not fit in ``n_values`` slots (``packed_sum ≥
    2^(n_values · slot_bits)``: a slot overflowed, or the count is wrong).
    """
    raise NotImplementedError("write unpack_sum() here")
