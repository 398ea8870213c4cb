"""Tests for course_lib.dp.audit: Clopper-Pearson bounds, ε lower bounds and mechanism audits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from course_lib.dp.audit import (
    AuditMechanism,
    AuditResult,
    audit,
    broken_data_dependent_clipping,
    broken_scale_times_epsilon,
    broken_sparse_vector,
    broken_wrong_sensitivity,
    clopper_pearson,
    epsilon_lower_bound,
    laplace_for_audit,
    randomized_response_for_audit,
    sparse_vector_for_audit,
)

N = 100_000  # runs per input: every audit below takes well under a second


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- Clopper-Pearson


@pytest.mark.parametrize(
    ("k", "n", "confidence"),
    [(0, 10, 0.95), (10, 10, 0.95), (3, 10, 0.95), (37, 200, 0.9), (500, 1000, 0.99)],
)
def test_clopper_pearson_matches_scipy(k, n, confidence):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    lo, hi = clopper_pearson(k, n, confidence)
    assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)
    assert lo <= k / n <= hi


def test_clopper_pearson_known_values():
    assert clopper_pearson(0, 10) == (0.0, pytest.approx(1 - 0.025 ** (1 / 10)))
    assert clopper_pearson(10, 10) == (pytest.approx(0.025 ** (1 / 10)), 1.0)
    lo, hi = clopper_pearson(5, 10)  # textbook: (0.187, 0.813)
    assert lo == pytest.approx(0.1871, abs=1e-4) and hi == pytest.approx(0.8129, abs=1e-4)


# --------------------------------------------------------------------------- ε lower bound


def test_epsilon_lower_bound_formula():
    lo = clopper_pearson(900, 1000)[0]
    hi = clopper_pearson(100, 1000)[1]
    expected = max(math.log(lo / hi), math.log((1 - hi) / (1 - lo)))
    assert epsilon_lower_bound(900, 1000, 100, 1000) == pytest.approx(expected)
    assert expected < math.log(9)  # below the point estimate ln(0.9 / 0.1)
    with_delta = epsilon_lower_bound(900, 1000, 100, 1000, delta=0.05)
    assert with_delta == pytest.approx(max(math.log((lo - 0.05) / hi), math.log((1 - hi - 0.05) / (1 - lo))))


def test_epsilon_lower_bound_is_symmetric_in_the_test_and_its_complement():
    """Saying "input 1" on the complement event with the inputs swapped gives the same bound."""
    for tp, n1, fp, n0 in [(900, 1000, 100, 1000), (30, 500, 2, 400), (700, 1000, 20, 1000)]:
        swapped = epsilon_lower_bound(n0 - fp, n0, n1 - tp, n1)
        assert epsilon_lower_bound(tp, n1, fp, n0) == pytest.approx(swapped)


def test_epsilon_lower_bound_edge_cases():
    assert epsilon_lower_bound(500, 1000, 500, 1000) == 0.0  # no advantage
    assert epsilon_lower_bound(100, 1000, 900, 1000) == 0.0  # a reversed test proves nothing here
    perfect = epsilon_lower_bound(1000, 1000, 0, 1000)
    assert 0 < perfect < math.log(1000) + 1  # a perfect attack on n runs certifies only about ln(n)
    assert epsilon_lower_bound(1000, 1000, 0, 1000, delta=0.5) < perfect
    assert epsilon_lower_bound(1000, 1000, 0, 1000, confidence=0.5) > perfect


# --------------------------------------------------------------------------- audits


CORRECT = [
    laplace_for_audit(1.0, 1.0),
    laplace_for_audit(2.0, 0.5),
    randomized_response_for_audit(1.0),
    randomized_response_for_audit(2.0),
    sparse_vector_for_audit(1.0),
]
BROKEN = [
    broken_wrong_sensitivity(1.0),
    broken_scale_times_epsilon(0.5),
    broken_data_dependent_clipping(1.0),
    broken_sparse_vector(1.0),
]


@pytest.mark.parametrize("mech", CORRECT, ids=lambda m: f"{m.name}-{m.claimed_epsilon}")
@pytest.mark.parametrize("seed", [0, 1])
def test_correct_mechanisms_are_not_flagged(mech, seed):
    result = audit(mech, mech.x0, mech.x1, N, _rng(seed))
    assert 0.0 <= result.epsilon_lower <= mech.claimed_epsilon
    assert not result.violates(mech.claimed_epsilon)


@pytest.mark.parametrize(
    ("mech", "at_least"),
    # measured with seed 0 / 1 at N = 100_000: 3.88 / 3.82, 1.95 / 1.97, 6.70 / 7.14, 8.57 / 8.57
    [(BROKEN[0], 3.0), (BROKEN[1], 1.5), (BROKEN[2], 5.0), (BROKEN[3], 7.0)],
    ids=lambda v: v.name if isinstance(v, AuditMechanism) else str(v),
)
@pytest.mark.parametrize("seed", [0, 1])
def test_broken_mechanisms_are_flagged(mech, at_least, seed):
    result = audit(mech, mech.x0, mech.x1, N, _rng(seed))
    assert result.violates(mech.claimed_epsilon)
    assert result.epsilon_lower > at_least > mech.claimed_epsilon


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 2.0])
def test_randomized_response_audit_is_nearly_tight(epsilon):
    mech = randomized_response_for_audit(epsilon)
    result = audit(mech, 0.0, 1.0, N, _rng(0))
    assert 0.9 * epsilon <= result.epsilon_lower <= epsilon
    keep = math.exp(epsilon) / (1 + math.exp(epsilon))
    assert result.tpr == pytest.approx(keep, abs=0.01) and result.fpr == pytest.approx(1 - keep, abs=0.01)


def test_laplace_audit_is_reasonably_tight():
    mech = laplace_for_audit(1.0, 1.0)
    result = audit(mech, 0.0, 1.0, N, _rng(0))  # measured 0.968
    assert 0.85 <= result.epsilon_lower <= 1.0
    assert result.n == N and result.direction in (">", "<")


def test_audit_of_a_plain_function_and_given_thresholds():
    mech = randomized_response_for_audit(1.0)

    def plain(x, rng):  # no size keyword: called once per run
        return mech(x, rng)

    result = audit(plain, 0.0, 1.0, 4000, _rng(3), thresholds=[0.5])
    assert isinstance(result, AuditResult)
    assert result.threshold == 0.5 and result.direction == ">"
    assert 0.5 < result.epsilon_lower <= 1.0
    assert isinstance(mech(1.0, _rng()), float) and mech(1.0, _rng(), size=5).shape == (5,)


def test_audit_is_reproducible():
    mech = broken_scale_times_epsilon(0.5)
    assert audit(mech, 0.0, 1.0, 2000, _rng(4)) == audit(mech, 0.0, 1.0, 2000, _rng(4))


# --------------------------------------------------------------------------- bad input


def _laplace(x, rng):
    return x + rng.laplace()


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: clopper_pearson(11, 10), ValueError, "k"),
        (lambda: clopper_pearson(-1, 10), ValueError, "k"),
        (lambda: clopper_pearson(0, 0), ValueError, "n"),
        (lambda: clopper_pearson(1.0, 10), TypeError, "k"),
        (lambda: clopper_pearson(1, 10, confidence=0.0), ValueError, "confidence"),
        (lambda: clopper_pearson(1, 10, confidence=1.0), ValueError, "confidence"),
        (lambda: epsilon_lower_bound(11, 10, 0, 10), ValueError, "tp"),
        (lambda: epsilon_lower_bound(1, 10, 11, 10), ValueError, "fp"),
        (lambda: epsilon_lower_bound(1, 0, 1, 10), ValueError, "n1"),
        (lambda: epsilon_lower_bound(1, 10, 1, 10, delta=1.0), ValueError, "delta"),
        (lambda: epsilon_lower_bound(1, 10, 1, 10, delta=-0.1), ValueError, "delta"),
        (lambda: epsilon_lower_bound(1, 10, 1, 10, confidence=1.5), ValueError, "confidence"),
        (lambda: audit(_laplace, 0.0, 1.0, 1, _rng()), ValueError, "n"),
        (lambda: audit(_laplace, 0.0, 1.0, 0, _rng()), ValueError, "n"),
        (lambda: audit(_laplace, 0.0, 1.0, 100, _rng(), confidence=1.0), ValueError, "confidence"),
        (lambda: audit(_laplace, 0.0, 1.0, 100, _rng(), delta=1.0), ValueError, "delta"),
        (lambda: audit(_laplace, 0.0, math.nan, 100, _rng()), ValueError, "x1"),
        (lambda: audit(_laplace, 0.0, 1.0, 100, 0), TypeError, "rng"),
        (lambda: audit(_laplace, 0.0, 1.0, 100, _rng(), thresholds=[]), ValueError, "thresholds"),
        (lambda: audit("laplace", 0.0, 1.0, 100, _rng()), TypeError, "mechanism"),
        (lambda: audit(lambda x, rng: math.nan, 0.0, 1.0, 10, _rng()), ValueError, "mechanism"),
        (lambda: audit(lambda x, rng, size: np.zeros(3), 0.0, 1.0, 10, _rng()), ValueError, "mechanism"),
        (lambda: laplace_for_audit(1.0, 0.0), ValueError, "epsilon"),
        (lambda: laplace_for_audit(-1.0, 1.0), ValueError, "sensitivity"),
        (lambda: randomized_response_for_audit(-1.0), ValueError, "epsilon"),
        (lambda: randomized_response_for_audit(1.0)(0.5, _rng()), ValueError, "x"),
        (lambda: sparse_vector_for_audit(0.0), ValueError, "epsilon"),
        (lambda: broken_wrong_sensitivity(0.0), ValueError, "epsilon"),
        (lambda: broken_scale_times_epsilon(math.inf), ValueError, "epsilon"),
        (lambda: broken_data_dependent_clipping(-2.0), ValueError, "epsilon"),
        (lambda: broken_sparse_vector(0.0), ValueError, "epsilon"),
        (lambda: AuditResult(1.0, 0.0, 0.5, 0.1, 10).violates(0.0), ValueError, "epsilon"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b"):
        call()
