"""Tests for course_lib.federated.secagg: exact sums, dropout recovery, tampering, overflow, uniformity."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.federated import (
    MODULUS,
    SCALE_BITS,
    SecAggClient,
    decode,
    encode,
    max_abs_value,
    pair_seed,
    prg_mask,
    secure_sum,
    uniformity_pvalue,
    unmask_sum,
)


def _updates(n=6, d=1000, seed=0, scale=3.0):
    return list(np.random.default_rng(seed).normal(0, scale, (n, d)))


def _fixed_point_sum(updates, ids=None):
    """The exact sum of the encoded updates, computed with Python-size integers."""
    ids = range(len(updates)) if ids is None else ids
    ints = sum(np.rint(np.asarray(updates[i]) * 2.0**SCALE_BITS).astype(np.int64) for i in ids)
    return ints / 2.0**SCALE_BITS


def _clients(n, seed=0):
    rng = np.random.default_rng(seed)
    clients = [SecAggClient(i, rng.bytes(32)) for i in range(n)]
    return clients, {c.id: c.public_bytes for c in clients}


def test_masks_cancel_and_the_sum_is_exact_for_random_updates():
    for seed in range(5):
        updates = _updates(seed=seed)
        result = secure_sum(updates, rng=np.random.default_rng(seed))
        assert np.array_equal(result.total, _fixed_point_sum(updates))  # bit for bit
        assert np.abs(result.total - np.sum(updates, axis=0)).max() <= len(updates) * 2.0**-17
        assert result.survivors == list(range(6)) and result.dropped == []
    keys_from_os = secure_sum(_updates(n=3, d=10))  # real keys: a different run, the same sum
    assert np.array_equal(keys_from_os.total, _fixed_point_sum(_updates(n=3, d=10)))


def test_a_dropped_client_breaks_the_sum_until_survivors_reveal_its_seeds():
    updates = _updates(n=5)
    clients, keys = _clients(5)
    dropped = [1, 3]
    masked = {c.id: c.masked_input(updates[c.id], keys) for c in clients if c.id not in dropped}
    survivors = sorted(masked)
    broken = decode(unmask_sum(masked))
    assert np.abs(broken - _fixed_point_sum(updates, survivors)).max() > 1000  # masks of 1 and 3 remain
    revealed = {i: clients[i].reveal(dropped, keys) for i in survivors}
    recovered = decode(unmask_sum(masked, revealed))
    assert np.array_equal(recovered, _fixed_point_sum(updates, survivors))
    via_helper = secure_sum(updates, dropped=dropped, rng=np.random.default_rng(0))
    assert np.array_equal(via_helper.total, recovered) and via_helper.survivors == [0, 2, 4]


def test_a_tampered_seed_or_key_breaks_the_sum():
    updates = _updates(n=4)
    clients, keys = _clients(4)
    masked = {c.id: c.masked_input(updates[c.id], keys) for c in clients if c.id != 2}
    revealed = {i: clients[i].reveal([2], keys) for i in masked}
    bad = bytearray(revealed[0][2])
    bad[0] ^= 1
    revealed[0][2] = bytes(bad)
    assert np.abs(decode(unmask_sum(masked, revealed)) - _fixed_point_sum(updates, [0, 1, 3])).max() > 1000
    # a client that masks with a key other than the one it published: its masks no longer cancel
    impostor = SecAggClient(1, bytes(range(32)))
    honest = {c.id: c.masked_input(updates[c.id], keys) for c in clients}
    honest[1] = impostor.masked_input(updates[1], keys)
    assert np.abs(decode(unmask_sum(honest)) - _fixed_point_sum(updates)).max() > 1000


def test_pair_seeds_are_shared_symmetric_and_fresh_per_round():
    clients, keys = _clients(3)
    a, b, c = clients
    assert a.seed_with(1, keys) == b.seed_with(0, keys)
    assert a.seed_with(1, keys) != a.seed_with(2, keys)
    assert a.seed_with(1, keys, round=1) != a.seed_with(1, keys, round=0)
    assert np.array_equal(prg_mask(a.seed_with(1, keys), 50), prg_mask(b.seed_with(0, keys), 50))
    assert prg_mask(b"\x00" * 32, 8).dtype == np.uint32 and len(set(prg_mask(b"\x01" * 32, 1000))) > 990
    with pytest.raises(ValueError, match="i and j must be different"):
        pair_seed(a._key, keys[1], 1, 1)
    with pytest.raises(TypeError, match="peer_public_key"):
        pair_seed(a._key, b"short", 0, 1)


def test_the_server_sees_uniformly_random_looking_vectors():
    updates = _updates(n=5, d=20_000, scale=0.05)  # small values: their encodings are far from uniform
    result = secure_sum(updates, rng=np.random.default_rng(1))
    for i, y in result.masked.items():
        assert uniformity_pvalue(y) > 1e-3, i
        raw = encode(updates[i], n_clients=5)
        assert uniformity_pvalue(raw) < 1e-12  # the unmasked encoding fails the same test
        signed = y.view(np.int32).astype(np.float64)
        assert abs(np.corrcoef(signed, updates[i])[0, 1]) < 0.05  # nothing of the update shows linearly


def test_fixed_point_overflow_is_refused_and_the_bound_is_tight():
    n = 10
    bound = max_abs_value(n)
    assert bound == pytest.approx(((2**31 - 1) / n - 0.5) / 2**16)
    edge = [np.full(4, bound), np.full(4, -bound)] * (n // 2)
    assert np.allclose(secure_sum(edge, rng=np.random.default_rng(0)).total, 0.0)
    top = secure_sum([np.full(3, bound)] * n, rng=np.random.default_rng(0)).total
    assert np.allclose(top, n * bound, atol=n * 2.0**-16)  # the largest sum still decodes correctly
    with pytest.raises(ValueError, match=r"\|x\| <= .* n_clients=10"):
        secure_sum([np.full(3, bound * 1.001)] * n)
    with pytest.raises(ValueError, match="n_clients=2"):
        encode([40_000.0], n_clients=2)
    # what the check prevents: the same values, encoded for one client but summed over two, wrap around
    wrapped = decode(encode([20_000.0], n_clients=1) + encode([20_000.0], n_clients=1))
    assert wrapped[0] < 0


def test_encode_decode_round_trip_and_refusals():
    x = np.array([0.0, 1.5, -2.25, 1e-6, -32767.0])
    assert np.allclose(decode(encode(x, 1)), x, atol=2.0**-17)
    assert encode([-1.0], 1)[0] == MODULUS - 2**16
    with pytest.raises(ValueError, match="finite"):
        encode([np.nan], 1)
    with pytest.raises(TypeError, match="real numbers"):
        encode([True], 1)
    with pytest.raises(ValueError, match="n_clients must be an int >= 1"):
        encode([1.0], 0)
    with pytest.raises(TypeError, match="uint32"):
        decode(np.array([1, 2]))


def test_protocol_refusals():
    clients, keys = _clients(3)
    with pytest.raises(ValueError, match="at least two clients"):
        secure_sum([np.ones(3)])
    with pytest.raises(ValueError, match="at least two clients must survive"):
        secure_sum([np.ones(3)] * 3, dropped=[0, 1])
    with pytest.raises(ValueError, match="same shape"):
        secure_sum([np.ones(3), np.ones(4)])
    with pytest.raises(ValueError, match="dropped must be an int in"):
        secure_sum([np.ones(3)] * 3, dropped=[5])
    with pytest.raises(ValueError, match="not a peer"):
        clients[0].reveal([7], keys)
    masked = {c.id: c.masked_input(np.ones(3), keys) for c in clients}
    with pytest.raises(ValueError, match="must not be revealed"):  # unmasking a client who did send
        unmask_sum(masked, {0: clients[0].reveal([1], keys)})
    with pytest.raises(ValueError, match="public_keys must map every client id"):
        clients[0].masked_input(np.ones(3), {1: keys[1]})
    with pytest.raises(TypeError, match="private_bytes must be None or 32 bytes"):
        SecAggClient(0, b"123")
    with pytest.raises(ValueError, match="at least 5 per bin"):
        uniformity_pvalue(np.zeros(10, dtype=np.uint32))
