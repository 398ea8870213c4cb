"""Paillier secure sum: exact, homomorphic, and packing that gives the same sum and refuses overflow.

Keys here are 512 bits: the tests are about correctness (the algebra is the same at any size) and a
512-bit key is generated and used about 30 times faster than the 2048 bits real use needs (the
notebook uses 2048).
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.encrypted.paillier import (
    Packing,
    decrypt_sum,
    encrypt_values,
    fixed_point,
    keypair,
    packed_secure_sum,
    secure_sum,
)

KEY_BITS = 512


@pytest.fixture(scope="module")
def keys():
    return keypair(KEY_BITS)


def test_sum_of_integers_is_exact(keys):
    pk, sk = keys
    rng = np.random.default_rng(0)
    updates = rng.integers(-1000, 1000, size=(4, 6))
    assert np.array_equal(secure_sum(updates, pk, sk, frac_bits=0), updates.sum(axis=0))


def test_sum_of_reals_within_the_fixed_point_bound(keys):
    pk, sk = keys
    rng = np.random.default_rng(1)
    updates = rng.uniform(-3, 3, size=(5, 8))
    got = secure_sum(updates, pk, sk, frac_bits=16)
    error = np.abs(got - updates.sum(axis=0))
    assert error.max() <= 5 * 2.0**-17
    # ... and it is the sum of the encoded values exactly
    encoded = np.array([fixed_point(u, 16) for u in updates]).sum(axis=0) / 2**16
    assert np.array_equal(got, encoded)


def test_ciphertexts_hide_the_value_and_add(keys):
    pk, sk = keys
    a, b = encrypt_values(pk, [1.0]), encrypt_values(pk, [1.0])
    assert a[0].ciphertext() != b[0].ciphertext()  # randomised: equal values, different ciphertexts
    assert decrypt_sum(sk, [a[0] + b[0]])[0] == 2.0


def test_packing_gives_the_same_sum_with_fewer_ciphertexts(keys):
    pk, sk = keys
    rng = np.random.default_rng(2)
    updates = rng.uniform(-1, 1, size=(6, 40))
    packing = Packing(bound=1.0, frac_bits=16, n_clients=6, modulus_bits=KEY_BITS)
    assert packing.overflow_free() and packing.slots >= 10
    assert packing.slot_bits == packing.value_bits + 3  # ⌈log₂ 6⌉ bits of headroom
    assert len(packing.pack(updates[0])) == int(np.ceil(40 / packing.slots))
    assert np.array_equal(packed_secure_sum(updates, pk, sk, packing), secure_sum(updates, pk, sk))


def test_extreme_values_fill_the_slots_without_overflow(keys):
    pk, sk = keys
    packing = Packing(bound=2.0, frac_bits=8, n_clients=5, modulus_bits=KEY_BITS)
    for value in (2.0, -2.0):
        updates = np.full((5, 30), value)
        assert np.array_equal(packed_secure_sum(updates, pk, sk, packing), np.full(30, 5 * value))


def test_more_clients_than_the_headroom_overflows_and_is_refused(keys):
    pk, sk = keys
    packing = Packing(bound=1.0, frac_bits=8, n_clients=2, modulus_bits=KEY_BITS)
    updates = np.full((4, 3), 1.0)  # four clients, each at the bound
    with pytest.raises(ValueError, match="n_clients=2"):
        packed_secure_sum(updates, pk, sk, packing)
    # what the check prevents: four maximal values carry out of their slot into the next one
    total = sum(packing.pack(u)[0] for u in updates)
    mask = (1 << packing.slot_bits) - 1
    slots = [(total >> (i * packing.slot_bits)) & mask for i in range(3)]
    shifted = 2 * packing.offset  # the value 1.0 shifted by the offset
    assert 4 * shifted >= 2**packing.slot_bits  # beyond the headroom ...
    assert slots != [4 * shifted] * 3  # ... so the slots no longer hold the sums
    assert [(s - 4 * packing.offset) / 2**8 for s in slots] != [4.0] * 3


def test_packing_refuses_values_beyond_its_bound():
    packing = Packing(bound=1.0, frac_bits=16, n_clients=4, modulus_bits=KEY_BITS)
    with pytest.raises(ValueError, match=r"\|x\| <= bound = 1"):
        packing.pack([0.5, 1.5])


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(bound=0.0), "bound must be a finite number > 0"),
    (dict(bound=float("inf")), "bound must be a finite number > 0"),
    (dict(bound=2.0**500), "does not fit"),
    (dict(n_clients=0), "n_clients must be an int >= 1"),
    (dict(frac_bits=-1), r"frac_bits must be an int in \[0, 64\]"),
])
def test_packing_rejects_bad_layouts(kwargs, match):
    args = dict(bound=1.0, frac_bits=16, n_clients=4, modulus_bits=KEY_BITS) | kwargs
    with pytest.raises(ValueError, match=match):
        Packing(**args)


def test_bad_inputs_are_refused(keys):
    pk, sk = keys
    with pytest.raises(ValueError, match="n_length"):
        keypair(64)
    with pytest.raises(ValueError, match="multiple of 8"):
        keypair(1001)
    with pytest.raises(ValueError, match="finite"):
        secure_sum([[np.nan]], pk, sk)
    with pytest.raises(ValueError, match="same length"):
        secure_sum([[1.0], [1.0, 2.0]], pk, sk)
    with pytest.raises(TypeError, match="real numbers"):
        fixed_point(["a"])
    with pytest.raises(ValueError, match="modulus"):
        packed_secure_sum([[1.0]], pk, sk, Packing(1.0, 16, 2, 2 * KEY_BITS))
