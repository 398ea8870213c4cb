"""Tests for course_lib.dp.accounting: closed forms, Opacus agreement, composition and budgets."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from course_lib.dp.accounting import (
    DEFAULT_ALPHAS,
    BudgetExceededError,
    PrivacyBudget,
    RDPAccountant,
    advanced_composition,
    basic_composition,
    gaussian_rdp,
    parallel_composition,
    rdp_to_dp,
    rdp_to_dp_classic,
    subsampled_gaussian_rdp,
)

ALPHAS = np.array(DEFAULT_ALPHAS, dtype=float)


def _opacus_rdp():
    pytest.importorskip("opacus")
    from opacus.accountants.analysis.rdp import compute_rdp

    return compute_rdp


def _sgm_curve(sigma: float, q: float, steps: int = 1) -> np.ndarray:
    return steps * np.array([subsampled_gaussian_rdp(a, sigma, q) for a in DEFAULT_ALPHAS])


# --------------------------------------------------------------------------- the α grid


def test_default_alphas_are_opacus_grid():
    assert len(DEFAULT_ALPHAS) == 99 + 52
    assert DEFAULT_ALPHAS[0] == 1.1 and DEFAULT_ALPHAS[98] == 10.9 and DEFAULT_ALPHAS[-1] == 63
    pytest.importorskip("opacus")
    from opacus.accountants import RDPAccountant as OpacusRDP

    assert list(DEFAULT_ALPHAS) == OpacusRDP.DEFAULT_ALPHAS
    assert RDPAccountant().alphas == OpacusRDP.DEFAULT_ALPHAS


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.7])
def test_gaussian_rdp_closed_form(sigma):
    for alpha in (1.1, 2.0, 7.5, 63.0):
        assert gaussian_rdp(alpha, sigma) == alpha / (2 * sigma**2)
        assert subsampled_gaussian_rdp(alpha, sigma, 1.0) == alpha / (2 * sigma**2)
    assert gaussian_rdp(2.0, 0.0) == math.inf
    assert subsampled_gaussian_rdp(2.0, 0.0, 0.1) == math.inf


def test_full_batch_composition_is_t_times_gaussian():
    sigma, steps = 1.3, 250
    acc = RDPAccountant()
    acc.step(sigma, 1.0, steps=steps)
    np.testing.assert_allclose(acc.rdp(), steps * ALPHAS / (2 * sigma**2), rtol=1e-15)


def test_subsampling_amplifies_privacy():
    full = _sgm_curve(1.0, 1.0)
    for q in (0.5, 0.1, 0.01):
        sub = _sgm_curve(1.0, q)
        assert (sub < full).all() and (sub > 0).all()
        full = sub  # and smaller q is more private still


def test_rdp_stays_in_its_provable_range_for_huge_noise():
    # 0 <= ρ <= α/(2σ²); the series' cut-off error would otherwise push ρ below 0 here
    for sigma in (1e4, 1e10, 1e200):
        for alpha in (1.5, 2.0, 10.5):
            for q in (0.5, 0.01):
                assert 0 <= subsampled_gaussian_rdp(alpha, sigma, q) <= gaussian_rdp(alpha, sigma)
    acc = RDPAccountant(alphas=[1.5, 2, 32])
    acc.step(1e4, 0.5, 1000)
    assert 0 < acc.get_epsilon(1e-5) < 0.4


def test_classic_conversion_by_hand():
    # one order: ε = ρ + ln(1/δ) / (α − 1) = 1 + 3 / 1
    assert rdp_to_dp_classic([1.0], [2.0], math.exp(-3)) == (pytest.approx(4.0, rel=1e-15), 2.0)
    # Gaussian curve ρ(α) = cα: ε(α) = cα + L/(α − 1) is smallest at α* = 1 + sqrt(L/c), where
    # it equals c + 2 sqrt(cL)
    sigma, steps, delta = 4.0, 10, 1e-5
    c, big_l = steps / (2 * sigma**2), math.log(1 / delta)
    a_star = 1 + math.sqrt(big_l / c)
    grid = [a_star - 0.5, a_star, a_star + 0.5]
    eps, alpha = rdp_to_dp_classic([c * a for a in grid], grid, delta)
    assert alpha == a_star
    assert eps == pytest.approx(c + 2 * math.sqrt(c * big_l), rel=1e-14)


def test_improved_conversion_by_hand_and_never_worse_than_classic():
    # ε = ρ + ln((α − 1)/α) − (ln δ + ln α)/(α − 1) = 1 + ln(1/2) − (−3 + ln 2) = 4 − 2 ln 2
    eps, alpha = rdp_to_dp([1.0], [2.0], math.exp(-3))
    assert eps == pytest.approx(4 - 2 * math.log(2), rel=1e-15) and alpha == 2.0
    for sigma, q, steps in [(1.1, 0.01, 1000), (0.7, 0.256, 20), (5.0, 1.0, 3)]:
        rdp = _sgm_curve(sigma, q, steps)
        for delta in (1e-5, 1e-3, 0.1):
            improved, _ = rdp_to_dp(rdp, DEFAULT_ALPHAS, delta)
            classic, _ = rdp_to_dp_classic(rdp, DEFAULT_ALPHAS, delta)
            assert 0 < improved < classic


def test_conversion_edge_cases():
    assert rdp_to_dp([math.inf, math.inf], [2, 3], 1e-5) == (math.inf, pytest.approx(math.nan, nan_ok=True))
    # the formula dips below 0 for a tiny ρ and a large δ; it is reported as 0
    assert rdp_to_dp([0.0], [2.0], 0.5) == (0.0, 2.0)
    # an infinite ρ at some orders only rules those orders out
    assert rdp_to_dp([math.inf, 1.0], [2.0, 3.0], 1e-5)[1] == 3.0


# --------------------------------------------------------------------------- accuracy of the series


def _mp_int_rdp(alpha: int, sigma: float, q: float) -> float:
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        q_, s = mp.mpf(q), mp.mpf(sigma)
        a = mp.fsum(mp.binomial(alpha, k) * (1 - q_) ** (alpha - k) * q_**k
                    * mp.exp((k * k - k) / (2 * s * s)) for k in range(alpha + 1))
        return float(mp.log(a) / (alpha - 1))


def _mp_frac_rdp(alpha: float, sigma: float, q: float) -> float:
    """The two-sided series of Mironov, Talwar & Zhang (2019) in 50-digit arithmetic, same cut-off."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(50):
        a, s, q_ = mp.mpf(alpha), mp.mpf(sigma), mp.mpf(q)
        z0 = s * s * mp.log(1 / q_ - 1) + mp.mpf(1) / 2
        total, k = mp.mpf(0), 0
        while True:
            c, j = mp.binomial(a, k), a - k
            low = c * q_**k * (1 - q_) ** j * mp.exp((k * k - k) / (2 * s * s)) * mp.ncdf((z0 - k) / s)
            high = c * q_**j * (1 - q_) ** k * mp.exp((j * j - j) / (2 * s * s)) * mp.ncdf((j - z0) / s)
            total += low + high
            k += 1
            if max(abs(low), abs(high)) < mp.exp(-30):
                return float(mp.log(total) / (a - 1))


@pytest.mark.parametrize("sigma, q", [(1.1, 0.01), (5.0, 0.001), (10.0, 1e-4), (0.7, 0.256)])
def test_integer_orders_are_exact(sigma, q):
    for alpha in (2, 3, 8, 33, 63):
        exact = _mp_int_rdp(alpha, sigma, q)
        assert subsampled_gaussian_rdp(alpha, sigma, q) == pytest.approx(exact, rel=1e-12)


def test_fractional_orders_sum_the_series_accurately():
    compute_rdp = _opacus_rdp()
    for alpha, sigma, q in [(1.1, 1.1, 0.01), (1.5, 1.1, 0.01), (3.7, 0.7, 0.256), (10.9, 2.0, 0.05)]:
        ref = _mp_frac_rdp(alpha, sigma, q)
        ours = subsampled_gaussian_rdp(alpha, sigma, q)
        assert ours == pytest.approx(ref, rel=1e-10)
        if alpha == 1.1:  # where Opacus loses ~1e-9 (relative) to rounding, we do not
            theirs = compute_rdp(q=q, noise_multiplier=sigma, steps=1, orders=[alpha])[0]
            assert abs(ours - ref) < abs(theirs - ref)


# --------------------------------------------------------------------------- agreement with Opacus

# (q, σ, steps, rtol at fractional α < 2). At q = 0.01, σ = 1.1 the values at α = 1.1 .. 1.9 are
# ~1e-5 per step and Opacus's own rounding error there is up to ~9e-10 relative (see the test
# above), so only those 9 orders are compared at 2e-9; every other order at 1e-10.
OPACUS_SETTINGS = [
    (1.0, 0.8, 7, 1e-10),
    (0.01, 1.1, 1000, 2e-9),
    (0.256, 0.7, 1, 1e-10),
    (0.5, 1.0, 3, 1e-10),
    (0.9, 2.0, 50, 1e-10),
    (0.05, 0.8, 100, 1e-10),
]


@pytest.mark.parametrize("q, sigma, steps, rtol_low", OPACUS_SETTINGS)
def test_subsampled_gaussian_rdp_matches_opacus(q, sigma, steps, rtol_low):
    compute_rdp = _opacus_rdp()
    theirs = np.asarray(compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=list(DEFAULT_ALPHAS)))
    ours = _sgm_curve(sigma, q, steps)
    low = (ALPHAS < 2) & (ALPHAS != np.round(ALPHAS))
    np.testing.assert_allclose(ours[~low], theirs[~low], rtol=1e-10, atol=0)
    np.testing.assert_allclose(ours[low], theirs[low], rtol=rtol_low, atol=0)


ACCOUNTANT_SETTINGS = [
    [(1.1, 0.01, 1000)],
    [(0.7, 0.256, 20)],
    [(5.0, 1.0, 10)],
    [(1.0, 0.004, 500), (0.8, 0.01, 200), (1.0, 0.004, 100)],
]


@pytest.mark.parametrize("history", ACCOUNTANT_SETTINGS)
@pytest.mark.parametrize("delta", [1e-5, 1e-3])
def test_accountant_matches_opacus(history, delta):
    pytest.importorskip("opacus")
    from opacus.accountants import RDPAccountant as OpacusRDP

    theirs = OpacusRDP()
    theirs.history = list(history)
    ours = RDPAccountant()
    for sigma, q, steps in history:
        ours.step(sigma, q, steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Opacus warns when the best α is at the end of the grid
        eps_theirs, alpha_theirs = theirs.get_privacy_spent(delta=delta)
    eps, alpha = ours.get_epsilon_and_alpha(delta)
    assert eps == pytest.approx(eps_theirs, rel=1e-9)
    assert ours.get_epsilon(delta) == eps and alpha == alpha_theirs


# --------------------------------------------------------------------------- the accountant itself


def test_accountant_history_merges_and_sums():
    acc = RDPAccountant()
    assert acc.get_epsilon(1e-5) == 0.0 and (acc.rdp() == 0).all() and len(acc) == 0
    for _ in range(3):
        acc.step(1.0, 0.01)
    acc.step(1.0, 0.01, steps=7)
    acc.step(2.0, 0.01)
    acc.step(1.0, 0.01)
    assert acc.history == [(1.0, 0.01, 10), (2.0, 0.01, 1), (1.0, 0.01, 1)]
    expected = 11 * _sgm_curve(1.0, 0.01) + _sgm_curve(2.0, 0.01)
    np.testing.assert_allclose(acc.rdp(), expected, rtol=1e-13)
    acc.history.append((0.0, 1.0, 1))  # a copy: the accountant is unchanged
    assert len(acc) == 3


def test_accountant_epsilon_grows_with_steps_and_shrinks_with_noise():
    def eps(sigma, q, steps):
        acc = RDPAccountant()
        acc.step(sigma, q, steps)
        return acc.get_epsilon(1e-5)

    assert eps(1.0, 0.01, 100) < eps(1.0, 0.01, 1000) < eps(1.0, 0.01, 10000)
    assert eps(2.0, 0.01, 1000) < eps(1.0, 0.01, 1000) < eps(1.0, 0.1, 1000)


def test_accountant_zero_noise_is_infinite_and_custom_alphas():
    acc = RDPAccountant()
    acc.step(1.0, 0.01, 10)
    acc.step(0.0, 0.01)
    assert acc.get_epsilon(1e-5) == math.inf
    custom = RDPAccountant(alphas=[2, 4.5, 32])
    custom.step(1.0, 1.0, 4)
    assert custom.alphas == [2.0, 4.5, 32.0]
    np.testing.assert_allclose(custom.rdp(), 4 * np.array([2, 4.5, 32]) / 2)
    assert custom.get_epsilon_and_alpha(1e-5) == rdp_to_dp(custom.rdp(), [2, 4.5, 32], 1e-5)


# --------------------------------------------------------------------------- composition theorems


def test_basic_and_parallel_composition():
    assert basic_composition([0.5, 0.25, 0.25]) == (1.0, 0.0)
    assert basic_composition([0.1] * 10, [1e-6] * 10) == (1.0, pytest.approx(1e-5, rel=1e-15))
    assert parallel_composition([0.5, 0.25, 0.75], [1e-6, 1e-5, 0.0]) == (0.75, 1e-5)
    assert parallel_composition([0.3]) == (0.3, 0.0)


def test_advanced_composition_numbers():
    # ε = 0.01, k = 10 000, δ' = 1e-5: sqrt(2·10⁴·ln 1e5)·0.01 + 10⁴·0.01·(e^0.01 − 1) ≈ 4.799 + 1.005
    eps, delta = advanced_composition(0.01, 1e-7, 10_000, 1e-5)
    by_hand = math.sqrt(2e4 * math.log(1e5)) * 0.01 + 1e4 * 0.01 * (math.exp(0.01) - 1)
    assert eps == pytest.approx(by_hand, rel=1e-12) and eps == pytest.approx(5.8035, abs=1e-4)
    assert delta == pytest.approx(10_000 * 1e-7 + 1e-5, rel=1e-12)
    assert eps < basic_composition([0.01] * 10_000)[0] / 10  # 5.8 against 100
    # a couple of large-ε mechanisms: basic composition wins (≈ 4.04 against 1.0)
    eps_small_k, _ = advanced_composition(0.5, 0.0, 2, 1e-5)
    assert eps_small_k == pytest.approx(2 * math.sqrt(math.log(1e5)) * 0.5 + 2 * 0.5 * math.expm1(0.5))
    assert eps_small_k > basic_composition([0.5, 0.5])[0] == 1.0


# --------------------------------------------------------------------------- privacy budget


def test_budget_ten_tenths_fit_and_the_eleventh_is_refused():
    budget = PrivacyBudget(1.0)
    for i in range(10):
        assert budget.can_spend(0.1)
        budget.spend(0.1, label=f"query {i}")
    assert budget.spent == (1.0, 0.0) and budget.remaining == (0.0, 0.0)
    assert not budget.can_spend(0.1)
    refused = r"epsilon=0\.1.*'query 10'.*only epsilon=0, delta=0 remain"
    with pytest.raises(BudgetExceededError, match=refused):
        budget.spend(0.1, label="query 10")
    assert len(budget.ledger) == 10 and budget.ledger[0] == ("query 0", 0.1, 0.0)
    budget.spend(0.0)  # a free release still fits


def test_budget_refuses_an_overspend_and_records_nothing():
    budget = PrivacyBudget(1.0, 1e-5)
    budget.spend(0.7, 4e-6, "train")
    with pytest.raises(BudgetExceededError) as info:
        budget.spend(0.4, label="eval")
    msg = str(info.value)
    assert "epsilon=0.4" in msg and "'eval'" in msg and "epsilon=0.3" in msg and "delta=6e-06" in msg
    assert budget.ledger == [("train", 0.7, 4e-6)] and budget.spent == (0.7, 4e-6)
    # δ is tracked too
    with pytest.raises(BudgetExceededError, match=r"delta=7e-06"):
        budget.spend(0.1, 7e-6)
    budget.spend(0.3, 6e-6, "rest")
    assert budget.remaining == (pytest.approx(0.0, abs=1e-15), pytest.approx(0.0, abs=1e-20))
    assert not PrivacyBudget(1.0).can_spend(0.1, 1e-9)  # a pure ε-DP budget has no δ to give
    assert not PrivacyBudget(1.0).can_spend(1.0 + 1e-9)  # the slack is for rounding only
    assert "spent epsilon=1" in repr(budget)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: basic_composition([0.1, -0.2]), ValueError, r"epsilons\[1\] must be a finite number >= 0"),
        (lambda: basic_composition([]), ValueError, "epsilons must not be empty"),
        (lambda: basic_composition(0.5), TypeError, "epsilons must be a sequence"),
        (lambda: basic_composition([0.1], [0.1, 0.2]), ValueError, "deltas must have one entry"),
        (lambda: parallel_composition([0.1], [1.0]), ValueError, r"deltas\[0\] must be in \[0, 1\)"),
        (lambda: advanced_composition(0.0, 0.0, 5, 1e-5), ValueError, "epsilon must be a finite number > 0"),
        (lambda: advanced_composition(0.1, 0.0, 0, 1e-5), ValueError, "k must be an int >= 1"),
        (lambda: advanced_composition(0.1, 0.0, 2.0, 1e-5), TypeError, "k must be an int"),
        (lambda: advanced_composition(0.1, 0.0, 2, 0.0), ValueError, r"delta_prime must be in \(0, 1\)"),
        (lambda: gaussian_rdp(1.0, 1.0), ValueError, "alpha must be a finite number > 1"),
        (lambda: gaussian_rdp(2.0, -1.0), ValueError, "noise_multiplier must be a finite number >= 0"),
        (lambda: subsampled_gaussian_rdp(2.0, 1.0, 0.0), ValueError, r"sample_rate must be in \(0, 1\]"),
        (lambda: subsampled_gaussian_rdp(2.0, 1.0, "0.1"), TypeError, "sample_rate must be a real number"),
        (lambda: subsampled_gaussian_rdp(math.inf, 1.0, 0.1), ValueError, "alpha must be a finite"),
        (lambda: rdp_to_dp([1.0, 2.0], [2.0], 1e-5), ValueError, "rdp must have one value per alpha"),
        (lambda: rdp_to_dp([1.0], [2.0], 0.0), ValueError, r"delta must be in \(0, 1\)"),
        (lambda: rdp_to_dp([-1.0], [2.0], 1e-5), ValueError, "rdp must be >= 0"),
        (lambda: rdp_to_dp_classic([1.0], [0.5], 1e-5), ValueError, r"alphas\[0\] must be a finite"),
        (lambda: RDPAccountant(alphas=[2, 1]), ValueError, r"alphas\[1\] must be a finite number > 1"),
        (lambda: RDPAccountant().step(1.0, 1.5), ValueError, r"sample_rate must be in \(0, 1\]"),
        (lambda: RDPAccountant().step(math.nan, 0.1), ValueError, "noise_multiplier must be a finite"),
        (lambda: RDPAccountant().step(1.0, 0.1, 0), ValueError, "steps must be an int >= 1"),
        (lambda: RDPAccountant().step(1.0, 0.1, True), TypeError, "steps must be an int"),
        (lambda: RDPAccountant().get_epsilon(1.0), ValueError, r"delta must be in \(0, 1\)"),
        (lambda: PrivacyBudget(0.0), ValueError, "epsilon must be a finite number > 0"),
        (lambda: PrivacyBudget(1.0, 1.0), ValueError, r"delta must be in \[0, 1\)"),
        (lambda: PrivacyBudget(1.0).spend(-0.1), ValueError, "epsilon must be a finite number >= 0"),
        (lambda: PrivacyBudget(1.0).spend(math.inf), ValueError, "epsilon must be a finite number >= 0"),
        (lambda: PrivacyBudget(1.0).spend(0.1, label=3), TypeError, "label must be a str"),
        (lambda: PrivacyBudget(1.0).can_spend(0.1, -1e-6), ValueError, r"delta must be in \[0, 1\)"),
    ],
)
def test_bad_input_is_rejected_with_the_argument_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- overflow and underflow


def test_composition_that_overflows_is_a_clear_error():
    """ε beyond float64: OverflowError (expm1, float(k), fsum) or inf before; now a ValueError."""
    for call in (lambda: advanced_composition(1000.0, 0.0, 10, 1e-5),
                 lambda: advanced_composition(1.0, 0.0, 10**400, 1e-5),
                 lambda: advanced_composition(1e300, 0.0, 10**10, 1e-5),
                 lambda: basic_composition([1e308, 1e308])):
        with pytest.raises(ValueError, match="exceeds the float64 range"):
            call()
    eps, _ = advanced_composition(1.0, 0.0, 10, 5e-324)  # 1 / δ' overflowed to inf: ε' = inf before
    assert eps == pytest.approx(math.sqrt(20 * -math.log(5e-324)) + 10 * math.expm1(1.0), rel=1e-12)
    budget = PrivacyBudget(1.7e308)
    budget.spend(1e308)
    with pytest.raises(BudgetExceededError):  # fsum's OverflowError before
        budget.spend(1e308)
    assert not budget.can_spend(1e308) and budget.spent == (1e308, 0.0)


@pytest.mark.parametrize("sigma", [1e-200, 1e-160, 2.0**-501])
def test_noise_multipliers_that_underflow_are_refused(sigma):
    """2σ² underflowed to 0: ZeroDivisionError before, from every RDP function and accountant."""
    for call in (lambda: gaussian_rdp(2.0, sigma), lambda: subsampled_gaussian_rdp(2.0, sigma, 0.1),
                 lambda: subsampled_gaussian_rdp(2.5, sigma, 0.1), lambda: RDPAccountant().step(sigma, 0.1)):
        with pytest.raises(ValueError, match=r"noise_multiplier must be 0 .* or at least 2\*\*-500"):
            call()


def test_the_smallest_accountable_noise_multiplier_works():
    sigma = 2.0**-500
    assert gaussian_rdp(2.0, sigma) == 2.0 / (2 * sigma * sigma)
    for alpha in (2.0, 2.5, 63.0):
        rho = subsampled_gaussian_rdp(alpha, sigma, 0.1)
        assert 0 < rho <= alpha / (2 * sigma * sigma)
    acc = RDPAccountant()
    acc.step(sigma, 0.1, 10)
    assert math.isfinite(acc.get_epsilon(1e-5)) and acc.get_epsilon(1e-5) > 1e290


def test_step_counts_are_bounded():
    acc = RDPAccountant()
    with pytest.raises(ValueError, match=r"at most 2\*\*53 steps"):  # OverflowError in rdp() before
        acc.step(1.0, 0.1, 10**400)
    acc.step(1.0, 0.1, 2**53)
    with pytest.raises(ValueError, match=r"at most 2\*\*53 steps"):
        acc.step(1.0, 0.1)
    assert acc.total_steps == 2**53 and 1e13 < acc.get_epsilon(1e-5) < math.inf
