"""Tests for course_lib.dp.fpattack: Mironov's floating-point attack and its two fixes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib.dp.fpattack import (
    MECHANISMS,
    attack_success,
    could_produce,
    could_produce_grid,
    could_produce_snapping,
    grid_epsilon,
    grid_laplace,
    grid_laplace_many,
    naive_laplace,
    naive_laplace_many,
    snapping_epsilon,
    snapping_lambda,
    snapping_laplace,
    snapping_laplace_many,
)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- the naive sampler


def test_naive_sampler_is_the_textbook_formula():
    y = naive_laplace_many(1.5, 2.0, 1000, _rng(3))
    rng = _rng(3)
    k = rng.integers(1, 2**53, size=1000)
    sign = rng.integers(0, 2, size=1000) * 2.0 - 1.0
    expected = 1.5 + sign * (-2.0 * np.log(k / 2**53))
    np.testing.assert_array_equal(y, expected)
    assert naive_laplace(1.5, 2.0, _rng(3)) == float(naive_laplace_many(1.5, 2.0, 1, _rng(3))[0])


def test_naive_sampler_is_laplace():
    y = naive_laplace_many(1.0, 2.0, 100_000, _rng(1))
    assert abs(np.median(y) - 1.0) < 0.03
    assert np.mean(np.abs(y - 1.0)) == pytest.approx(2.0, rel=0.02)  # E|noise| = scale
    assert np.mean(y > 1.0) == pytest.approx(0.5, abs=0.01)


def test_could_produce_has_no_false_negatives_on_1e4_outputs():
    y = naive_laplace_many(1.0, 1.0, 10_000, _rng(0))
    assert all(could_produce(float(v), 1.0, 1.0) for v in y)


@pytest.mark.parametrize(
    ("x", "scale", "n"),
    [(0.0, 1.0, 10_000), (0.3, 0.7, 10_000), (5.0, 0.1, 10_000), (-2.5, 3.0, 10_000), (1e4, 1.0, 1000),
     (-1e6, 1.0, 1000)],
)
def test_attack_finds_every_real_output(x, scale, n):
    """Zero false negatives: with x0 == x1 no output may look impossible, also for |x| >= 1e4 scales,
    where the attacker's window would hold more than 4096 grid points and only its middle is tried."""
    result = attack_success(x, x, scale, n, _rng(7))
    assert result["impossible_from_x0"] == 0.0 and result["impossible_from_x1"] == 0.0


def test_could_produce_rejects_impossible_outputs():
    assert could_produce(0.5, 0.0, 1.0)
    assert not could_produce(math.nextafter(0.5, 1.0), 0.0, 1.0)  # not on the image of the grid
    assert not could_produce(100.0, 0.0, 1.0)  # beyond the largest noise, 53 ln 2 = 36.7 scales


def test_naive_attack_succeeds_most_of_the_time():
    """Mironov's attack at ε = 1 (x0 = 0, x1 = 1, scale 1): measured 0.596 / 0.663 with seed 0."""
    result = attack_success(0.0, 1.0, 1.0, 10_000, _rng(0))
    assert result["mechanism"] == "naive" and result["n"] == 10_000
    assert 0.5 < result["impossible_from_x0"] < 0.7
    assert 0.55 < result["impossible_from_x1"] < 0.75
    assert result["success"] == pytest.approx(
        (result["impossible_from_x0"] + result["impossible_from_x1"]) / 2
    )
    assert result["success"] > 0.3


# --------------------------------------------------------------------------- the fixes


@pytest.mark.parametrize(
    ("mechanism", "kwargs"), [("snapping", {"bound": 10.0}), ("grid", {"granularity": 2**-10})]
)
def test_fixed_mechanisms_have_no_impossible_outputs(mechanism, kwargs):
    result = attack_success(0.0, 1.0, 1.0, 10_000, _rng(0), mechanism=mechanism, **kwargs)
    assert result["impossible_from_x0"] == 0.0
    assert result["impossible_from_x1"] == 0.0
    assert result["success"] == 0.0


def test_grid_laplace_is_centred_with_the_right_scale():
    y = grid_laplace_many(0.0, 1.0, 2**-10, 100_000, _rng(2))
    assert np.all(np.round(y * 2**10) == y * 2**10)  # on the grid
    assert abs(np.mean(y)) < 0.02
    assert np.mean(np.abs(y)) == pytest.approx(1.0, rel=0.05)
    y3 = grid_laplace_many(3.0, 0.5, 2**-8, 100_000, _rng(2))
    assert abs(np.median(y3) - 3.0) < 0.02
    assert np.mean(np.abs(y3 - 3.0)) == pytest.approx(0.5, rel=0.05)


def test_grid_laplace_integer_noise_is_discrete_laplace():
    gamma, scale = 1.0, 2.0  # K ~ P(k) ∝ q**|k| with q = e**(-1/2)
    k = grid_laplace_many(0.0, scale, gamma, 200_000, _rng(4))
    q = math.exp(-gamma / scale)
    for j in (0, 1, -1, 3):
        assert np.mean(k == j) == pytest.approx((1 - q) / (1 + q) * q ** abs(j), rel=0.05)
    one = grid_laplace_many(0.0, scale, gamma, 1, _rng(4))
    assert grid_laplace(0.0, scale, gamma, _rng(4)) == float(one[0])


def test_snapping_outputs_are_snapped_centred_and_scaled():
    y = snapping_laplace_many(0.0, 1.0, 10.0, 100_000, _rng(5))
    assert np.all(np.round(y) == y) and np.all(np.abs(y) <= 10.0)
    assert abs(np.mean(y)) < 0.02
    # E|Λ round(L/Λ)| for L ~ Laplace(1), Λ = 1: 2 sinh(1/2) q / (1 - q)**2 with q = e**-1 (0.9595)
    q = math.exp(-1.0)
    assert np.mean(np.abs(y)) == pytest.approx(2 * math.sinh(0.5) * q / (1 - q) ** 2, rel=0.02)
    assert np.mean(np.abs(y)) == pytest.approx(1.0, rel=0.05)
    clamped = snapping_laplace_many(100.0, 1.0, 10.0, 1000, _rng(5))
    assert clamped.max() == 10.0 and clamped.min() >= -10.0
    one = snapping_laplace_many(0.0, 1.0, 10.0, 1, _rng(5))
    assert snapping_laplace(0.0, 1.0, 10.0, _rng(5)) == float(one[0])


def test_fixed_membership_tests():
    assert could_produce_snapping(3.0, 0.0, 1.0, 10.0) and could_produce_snapping(-10.0, 1.0, 1.0, 10.0)
    assert not could_produce_snapping(0.5, 0.0, 1.0, 10.0)  # not a multiple of Λ = 1
    assert not could_produce_snapping(11.0, 0.0, 1.0, 10.0)  # outside [-B, B]
    assert could_produce_grid(0.25, 0.0, 1.0, 0.25) and could_produce_grid(-3.0, 1.0, 1.0, 0.25)
    assert not could_produce_grid(0.1, 0.0, 1.0, 0.25)
    assert not could_produce_grid(1000.0, 0.0, 1.0, 0.25)  # beyond the largest geometric draw


def test_snapping_lambda_and_epsilon():
    assert [snapping_lambda(s) for s in (1.0, 0.75, 1.5, 0.3, 4.0)] == [1.0, 1.0, 2.0, 0.5, 4.0]
    assert snapping_epsilon(1.0, 10.0) == 1.0 + 2.0**-49 * 10.0
    assert snapping_epsilon(2.0, 2.0**20) == pytest.approx(0.5 + 2.0**-30)


def test_grid_epsilon():
    assert grid_epsilon(1.0, 2**-10) == 1.0
    assert grid_epsilon(2.0, 0.25, sensitivity=1.0) == 0.5
    assert grid_epsilon(1.0, 0.3) == pytest.approx(1.2)  # ceil(1 / 0.3) = 4 steps of 0.3


def test_reproducible():
    a = attack_success(0.0, 1.0, 1.0, 500, _rng(9))
    b = attack_success(0.0, 1.0, 1.0, 500, _rng(9))
    assert a == b
    assert set(MECHANISMS) == {"naive", "snapping", "grid"}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: naive_laplace(0.0, 0.0, _rng()), ValueError, "scale"),
        (lambda: naive_laplace(0.0, -1.0, _rng()), ValueError, "scale"),
        (lambda: naive_laplace(math.inf, 1.0, _rng()), ValueError, "x"),
        (lambda: naive_laplace(0.0, 1.0, 42), TypeError, "rng"),
        (lambda: naive_laplace_many(0.0, 1.0, -1, _rng()), ValueError, "n"),
        (lambda: naive_laplace_many(0.0, 1.0, 2.5, _rng()), TypeError, "n"),
        (lambda: could_produce(math.nan, 0.0, 1.0), ValueError, "y"),
        (lambda: could_produce("1", 0.0, 1.0), TypeError, "y"),
        (lambda: snapping_laplace(0.0, 1.0, 0.5, _rng()), ValueError, "bound"),
        (lambda: snapping_laplace(0.0, 1.0, 2.0**47, _rng()), ValueError, "bound"),
        (lambda: snapping_epsilon(1.0, -1.0), ValueError, "bound"),
        (lambda: grid_laplace(0.0, 1.0, 0.0, _rng()), ValueError, "granularity"),
        (lambda: grid_epsilon(1.0, 0.5, sensitivity=0.0), ValueError, "sensitivity"),
        (lambda: attack_success(0.0, 1.0, 1.0, 0, _rng()), ValueError, "n"),
        (lambda: attack_success(0.0, 1.0, 1.0, 10, _rng(), mechanism="gauss"), ValueError, "mechanism"),
        (lambda: attack_success(0.0, 1.0, 1.0, 10, _rng(), mechanism="snapping"), ValueError, "bound"),
        (lambda: attack_success(0.0, 1.0, 1.0, 10, _rng(), mechanism="grid"), ValueError, "granularity"),
        (lambda: attack_success(0.0, 1.0, 1.0, 10, None), TypeError, "rng"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=rf"^{name} must"):
        call()
