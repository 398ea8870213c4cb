"""Additive secret sharing over Z_2⁶⁴: uniform shares, exact reconstruction and Beaver products, a
dot product within its stated fixed-point error, and a wrong triple that breaks it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from course_lib.encrypted.mpc import (
    Channel,
    Dealer,
    Shared,
    Triple,
    add,
    beaver_multiply,
    decode,
    dot_error_bound,
    encode,
    mul_public,
    reconstruct,
    share,
    shared_dot,
    shared_logits,
    truncate,
)


def _uniformity_pvalue(values: np.ndarray, bins: int = 256) -> float:
    """Chi-square test on the top 8 bits of uint64 values: uniform over [0, 2⁶⁴)?"""
    counts = np.bincount((values >> np.uint64(56)).astype(np.int64), minlength=bins)
    return float(stats.chisquare(counts).pvalue)


def test_each_share_alone_is_uniform_whatever_the_secret():
    rng = np.random.default_rng(0)
    for secret in (np.zeros(20_000, np.uint64), encode(np.full(20_000, 3.25))):
        shared = share(secret, rng)
        assert _uniformity_pvalue(shared.s0) > 1e-3 and _uniformity_pvalue(shared.s1) > 1e-3
    # the test can fail: the encoded secrets themselves are far from uniform
    assert _uniformity_pvalue(encode(rng.normal(size=20_000))) < 1e-6
    # and share 0 of two different secrets is indistinguishable (two-sample KS on the top bits)
    a = share(np.zeros(5000, np.uint64), rng).s0 >> np.uint64(32)
    b = share(np.full(5000, 2**63, np.uint64), rng).s0 >> np.uint64(32)
    assert stats.ks_2samp(a, b).pvalue > 1e-3


def test_reconstruction_and_addition_are_exact():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2**64, size=1000, dtype=np.uint64)
    y = rng.integers(0, 2**64, size=1000, dtype=np.uint64)
    assert np.array_equal(reconstruct(share(x, rng)), x)
    assert np.array_equal(reconstruct(add(share(x, rng), share(y, rng))), x + y)
    assert np.array_equal(reconstruct(mul_public(share(x, rng), np.uint64(7))), x * np.uint64(7))


def test_beaver_multiplication_is_exact_in_the_ring():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2**64, size=1000, dtype=np.uint64)
    y = rng.integers(0, 2**64, size=1000, dtype=np.uint64)
    channel = Channel()
    z = beaver_multiply(share(x, rng), share(y, rng), Dealer(rng).triple(x.shape), channel)
    assert np.array_equal(reconstruct(z), x * y)  # products wrap modulo 2⁶⁴, exactly
    assert channel.rounds == 1 and channel.bytes_sent == 2 * 2 * x.nbytes  # d and e, both ways


def test_a_wrong_triple_breaks_the_product():
    rng = np.random.default_rng(3)
    x, y = encode(rng.normal(size=50)), encode(rng.normal(size=50))
    good = Dealer(rng).triple(x.shape)
    bad = Triple(good.a, good.b, Shared(good.c.s0 + np.uint64(1), good.c.s1))  # c = ab + 1
    z_bad = reconstruct(beaver_multiply(share(x, rng), share(y, rng), bad))
    assert np.array_equal(z_bad - x * y, np.ones(50, np.uint64))  # off by exactly the error in c
    unrelated = Dealer(rng).triple(x.shape)
    swapped = Triple(good.a, good.b, unrelated.c)  # c from another triple: garbage
    z_garbage = reconstruct(beaver_multiply(share(x, rng), share(y, rng), swapped))
    assert np.mean(z_garbage == x * y) < 0.01


def test_truncation_is_off_by_at_most_one_unit():
    rng = np.random.default_rng(4)
    v = rng.uniform(-1000, 1000, size=10_000)
    prod = np.rint(v * 2.0**32).astype(np.int64).astype(np.uint64)  # 2f = 32 bits, as after a product
    got = reconstruct(truncate(share(prod, rng), 16)).view(np.int64)
    exact = np.floor(prod.view(np.int64) / 2**16)
    assert np.abs(got - exact).max() <= 1
    assert np.any(got != exact)  # the one-unit error does occur


@pytest.mark.parametrize("frac_bits", [12, 16, 20])
def test_shared_logits_within_the_stated_error(frac_bits):
    rng = np.random.default_rng(frac_bits)
    X, w, b = rng.normal(size=(400, 30)), rng.normal(size=30), 0.7
    channel = Channel()
    z = shared_logits(X, w, b, rng, frac_bits=frac_bits, channel=channel)
    error, bound = np.abs(z - (X @ w + b)), dot_error_bound(X, w, frac_bits)
    assert np.all(error <= bound)
    assert error.max() > bound.min() / 100  # the bound is not vacuous by orders of magnitude
    assert channel.rounds == 2  # one for the products, one to open the logits
    assert channel.bytes_sent == 2 * 2 * X.size * 8 + 2 * len(X) * 8


def test_more_fractional_bits_give_smaller_errors():
    rng = np.random.default_rng(5)
    X, w = rng.normal(size=(300, 30)), rng.normal(size=30)
    errors = [np.abs(shared_logits(X, w, 0.0, rng, frac_bits=f) - X @ w).max() for f in (8, 12, 16, 20)]
    assert errors == sorted(errors, reverse=True) and errors[0] > 100 * errors[-1]


def test_dot_uses_fresh_triples():
    rng = np.random.default_rng(6)
    dealer = Dealer(rng)
    X = share(encode(rng.normal(size=(5, 4))), rng)
    w = share(encode(rng.normal(size=4)), rng)
    shared_dot(X, w, dealer)
    shared_dot(X, w, dealer)
    assert dealer.issued == 2 * 5 * 4


def test_bad_inputs_are_refused():
    rng = np.random.default_rng(7)
    with pytest.raises(ValueError, match=r"\|x\| < 2\^\(31 - frac_bits\)"):
        encode([2.0**20], 16)
    with pytest.raises(ValueError, match="finite"):
        encode([np.nan])
    with pytest.raises(TypeError, match="real numbers"):
        encode(np.array(["a"]))
    with pytest.raises(ValueError, match=r"frac_bits must be an int in \[0, 30\]"):
        encode([1.0], 31)
    with pytest.raises(TypeError, match="uint64"):
        share(np.array([1, 2]), rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        share(np.zeros(2, np.uint64), 0)
    with pytest.raises(TypeError, match="uint64"):
        decode(np.array([1.0]))
    with pytest.raises(ValueError, match="same shape"):
        Shared(np.zeros(2, np.uint64), np.zeros(3, np.uint64))
    x = share(np.zeros(3, np.uint64), rng)
    with pytest.raises(ValueError, match="one shape"):
        beaver_multiply(x, x, Dealer(rng).triple((4,)))
    with pytest.raises(ValueError, match=r"w shape \(m,\)"):
        shared_logits(np.ones((2, 3)), np.ones(4), 0.0, rng)
