"""Tests for course_lib.dp.prv: the PRV of one step, proven bounds, agreement with Opacus, ordering."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import optimize

from course_lib.dp.accounting import RDPAccountant, basic_composition
from course_lib.dp.calibration import gaussian_delta
from course_lib.dp.prv import DIRECTIONS, PRVAccountant, prv_cdf


def _prv(history, eps_error: float = 0.01) -> PRVAccountant:
    acc = PRVAccountant(eps_error)
    for sigma, q, steps in history:
        acc.step(sigma, q, steps)
    return acc


def _rdp_epsilon(history, delta: float) -> float:
    acc = RDPAccountant()
    for sigma, q, steps in history:
        acc.step(sigma, q, steps)
    return acc.get_epsilon(delta)


def _opacus_epsilon(history, delta: float) -> float:
    pytest.importorskip("opacus")
    from opacus.accountants import PRVAccountant as OpacusPRV

    acc = OpacusPRV()
    acc.history = list(history)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # divide-by-zero inside its log(1 - q) at q = 1
        return acc.get_epsilon(delta)


# --------------------------------------------------------------------------- one step's PRV


@pytest.mark.parametrize(("sigma", "q"), [(1.0, 0.01), (0.7, 0.3), (2.0, 1.0)])
def test_prv_cdf_matches_sampling(sigma, q):
    """Draw outputs o from the mixture (remove) or from N(0, σ²) (add) and compare the empirical CDF."""
    rng = np.random.default_rng(0)
    n = 200_000

    def log_ratio(o):  # ln r(o) = ln(1 - q + q exp((2o - 1) / (2σ²)))
        return np.logaddexp(np.log1p(-q) if q < 1 else -np.inf, math.log(q) + (2 * o - 1) / (2 * sigma**2))

    for direction in DIRECTIONS:
        if direction == "remove":
            losses = log_ratio(rng.normal(size=n) * sigma + (rng.random(n) < q))
        else:
            losses = -log_ratio(rng.normal(size=n) * sigma)
        ts = np.quantile(losses, [0.01, 0.1, 0.5, 0.9, 0.99])
        empirical = (losses[:, None] <= ts).mean(0)
        # binomial standard error <= 0.5 / sqrt(n) ~ 0.0011: allow 5 of them
        assert np.abs(prv_cdf(ts, sigma, q, direction) - empirical).max() < 0.006, direction


def test_prv_cdf_matches_opacus_and_its_support():
    pytest.importorskip("opacus")
    from opacus.accountants.analysis.prv import PoissonSubsampledGaussianPRV

    for sigma, q in [(1.1, 0.01), (0.8, 0.2), (4.0, 0.5)]:
        t = np.linspace(math.log1p(-q) + 1e-6, 4.0, 501)
        theirs = PoissonSubsampledGaussianPRV(q, sigma).cdf(t)
        assert np.allclose(prv_cdf(t, sigma, q), theirs, rtol=1e-9, atol=1e-12)
        # "remove" lives on (ln(1 - q), inf), "add" on (-inf, -ln(1 - q))
        assert prv_cdf(math.log1p(-q) - 1e-9, sigma, q) == 0.0
        assert prv_cdf(-math.log1p(-q), sigma, q, "add") == 1.0
        assert 0 < prv_cdf(0.0, sigma, q, "add") < 1


# --------------------------------------------------------------------------- proven bounds


def _gaussian_epsilon(sigma: float, steps: int, delta: float) -> float:
    """The exact ε of ``steps`` full-batch Gaussian steps: one Gaussian with σ / sqrt(steps)."""
    s = sigma / math.sqrt(steps)
    return optimize.brentq(lambda e: gaussian_delta(s, e) - delta, 1e-9, 500, xtol=1e-12)


@pytest.mark.parametrize(("sigma", "steps"), [(1.0, 1), (3.0, 10), (10.0, 100), (0.8, 3)])
@pytest.mark.parametrize("delta", [1e-5, 1e-8])
def test_bounds_bracket_the_exact_epsilon_of_the_gaussian_mechanism(sigma, steps, delta):
    """q = 1 is the plain Gaussian mechanism, whose exact ε is known (Balle & Wang 2018)."""
    exact = _gaussian_epsilon(sigma, steps, delta)
    lower, estimate, upper = _prv(((sigma, 1.0, steps),)).get_epsilon_bounds(delta)
    assert lower <= exact <= upper
    assert upper - lower <= 2.1 * 0.01
    assert estimate == pytest.approx(exact, abs=1e-3)  # the estimate itself is far better than t


def test_finer_grids_stay_inside_the_coarse_bounds():
    history = ((1.1, 0.01, 1000),)
    lower, _, upper = _prv(history).get_epsilon_bounds(1e-5)
    fine_lower, fine_estimate, fine_upper = _prv(history, eps_error=1e-3).get_epsilon_bounds(1e-5)
    assert lower <= fine_lower <= fine_estimate <= fine_upper <= upper
    assert fine_upper - fine_lower <= 2.5e-3  # 2·eps_error, plus the δ shares for η, tails, wrap-around


# --------------------------------------------------------------------------- against Opacus


GRID = [  # (history, delta): DP-SGD settings from a few steps to 10,000
    (((1.1, 0.01, 1000),), 1e-5),
    (((0.8, 0.01, 10_000),), 1e-5),
    (((4.458, 0.356, 30),), 1e-5),  # notebook 05's run at epsilon = 2
    (((1.0, 0.1, 100),), 1e-6),
    (((0.6, 0.05, 200),), 1e-5),
    (((2.0, 1.0, 10),), 1e-5),
    (((1.0, 0.2, 50),), 1e-3),
    (((1.5, 0.004, 3000),), 1e-7),
    (((1.0, 0.02, 500), (2.0, 0.05, 300)), 1e-5),  # two phases with different (σ, q)
]


@pytest.mark.parametrize(("history", "delta"), GRID)
def test_matches_opacus_prv_and_beats_rdp(history, delta):
    lower, estimate, upper = _prv(history).get_epsilon_bounds(delta)
    theirs = _opacus_epsilon(history, delta)
    assert abs(upper - theirs) <= 0.01 * theirs  # achieved: within 1e-4 relative on this grid
    assert lower <= theirs  # Opacus's number is an upper bound too, so it cannot be below our lower
    assert lower <= estimate <= upper
    rdp = _rdp_epsilon(history, delta)
    assert upper < rdp  # tighter than RDP, on every case of the grid
    assert upper > 0.85 * rdp  # and not implausibly so


def test_small_epsilons_agree_in_absolute_terms():
    history = ((5.0, 0.001, 1000),)
    lower, estimate, upper = _prv(history).get_epsilon_bounds(1e-5)
    assert abs(upper - _opacus_epsilon(history, 1e-5)) <= 0.02
    assert upper <= _rdp_epsilon(history, 1e-5)
    assert upper - lower <= 0.021


@pytest.mark.parametrize(("sigma", "q", "steps"), [(4.458, 0.356, 30), (1.1, 0.01, 500), (2.0, 0.1, 100)])
def test_basic_composition_at_least_rdp_at_least_prv(sigma, q, steps):
    """The ordering notebook 05 shows: add up per-step guarantees > RDP > PRV, at the same δ."""
    delta = 1e-5
    eps_step = _rdp_epsilon(((sigma, q, 1),), delta / steps)
    basic = basic_composition([eps_step] * steps, [delta / steps] * steps)[0]
    rdp = _rdp_epsilon(((sigma, q, steps),), delta)
    prv = _prv(((sigma, q, steps),)).get_epsilon(delta)
    assert basic >= rdp >= prv


# --------------------------------------------------------------------------- behaviour


def test_the_remove_order_dominates_on_dp_sgd_settings():
    acc = _prv(((1.1, 0.01, 1000),))
    remove, add = (acc._bounds(direction, 1e-5) for direction in DIRECTIONS)
    assert add[2] < remove[2]
    assert acc.get_epsilon(1e-5) == remove[2]


def test_monotone_in_delta_steps_and_noise():
    base = _prv(((1.0, 0.05, 200),))
    assert base.get_epsilon(1e-7) > base.get_epsilon(1e-5) > base.get_epsilon(1e-3)
    assert _prv(((1.0, 0.05, 400),)).get_epsilon(1e-5) > base.get_epsilon(1e-5)
    assert _prv(((1.5, 0.05, 200),)).get_epsilon(1e-5) < base.get_epsilon(1e-5)


def test_history_merges_and_order_does_not_matter():
    acc = PRVAccountant()
    acc.step(1.0, 0.02, 300)
    acc.step(1.0, 0.02)
    acc.step(2.0, 0.05, 100)
    assert acc.history == [(1.0, 0.02, 301), (2.0, 0.05, 100)]
    assert len(acc) == 2 and "401 steps" in repr(acc)
    swapped = _prv(((2.0, 0.05, 100), (1.0, 0.02, 301)))
    assert swapped.get_epsilon(1e-5) == pytest.approx(acc.get_epsilon(1e-5), abs=1e-9)
    acc.step(1.0, 0.02, 50)  # a new step invalidates the cached answer
    assert acc.get_epsilon(1e-5) > swapped.get_epsilon(1e-5)


def test_no_steps_no_noise_and_the_eps_error_knob():
    assert PRVAccountant().get_epsilon_bounds(1e-5) == (0.0, 0.0, 0.0)
    assert _prv(((0.0, 0.1, 3),)).get_epsilon(1e-5) == math.inf
    acc = _prv(((1.0, 0.1, 100),), eps_error=0.05)
    lower, _, upper = acc.get_epsilon_bounds(1e-5)
    assert acc.eps_error == 0.05 and 0.09 < upper - lower <= 0.105


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: PRVAccountant(0.0), ValueError, "eps_error must be a finite number > 0"),
    (lambda: PRVAccountant(float("nan")), ValueError, "eps_error"),
    (lambda: PRVAccountant().step(-1.0, 0.1), ValueError, "noise_multiplier must be a finite number >= 0"),
    (lambda: PRVAccountant().step(1.0, 0.0), ValueError, r"sample_rate must be in \(0, 1\]"),
    (lambda: PRVAccountant().step(1.0, 1.5), ValueError, r"sample_rate must be in \(0, 1\]"),
    (lambda: PRVAccountant().step(1.0, 0.1, 0), ValueError, "steps must be an int >= 1"),
    (lambda: PRVAccountant().step(1.0, 0.1, 2.5), TypeError, "steps must be an int"),
    (lambda: PRVAccountant().step("1", 0.1), TypeError, "noise_multiplier must be a real number"),
    (lambda: _prv(((1.0, 0.1, 1),)).get_epsilon(0.0), ValueError, r"delta must be in the open interval"),
    (lambda: _prv(((1.0, 0.1, 1),)).get_epsilon(1.0), ValueError, "delta"),
    (lambda: PRVAccountant().get_epsilon(float("nan")), ValueError, "delta"),
    (lambda: prv_cdf(0.0, 0.0, 0.1), ValueError, "noise_multiplier must be a finite number > 0"),
    (lambda: prv_cdf(0.0, 1.0, 0.1, "both"), ValueError, "direction must be one of 'remove', 'add'"),
    (lambda: prv_cdf([0.0, float("nan")], 1.0, 0.1), ValueError, "t must not contain NaN"),
])
def test_bad_input_is_rejected_with_the_argument_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_both_accountants_share_one_interface_and_its_bookkeeping():
    from course_lib.dp.accounting import Accountant, RDPAccountant

    for acc in (RDPAccountant(), PRVAccountant()):
        assert isinstance(acc, Accountant)
        acc.step(1.1, 0.01, steps=3)
        acc.step(1.1, 0.01, steps=2)  # merged into the previous run
        acc.step(2.0, 0.01)
        assert acc.history == [(1.1, 0.01, 5), (2.0, 0.01, 1)]
        assert len(acc) == 2 and acc.total_steps == 6
        with pytest.raises(ValueError, match="steps must be an int >= 1"):
            acc.step(1.0, 0.01, steps=0)
    with pytest.raises(NotImplementedError):
        Accountant().get_epsilon(1e-5)


# --------------------------------------------------------------------------- bounded memory and time


def _peak_mib(call) -> tuple[object, float]:
    """``call()``'s result (or the exception it raised) and the peak memory NumPy and Python allocated."""
    import tracemalloc

    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as err:  # returned to the test, which checks it
            result = err
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("steps", [10**6, 10**7])
def test_a_history_too_long_for_the_grid_is_refused_up_front(steps):
    """1e6 steps ran out of memory and 1e7 asked for ~10 GiB: now a clear error, before allocating."""
    err, peak = _peak_mib(lambda: _prv(((1.1, 0.01, steps),)).get_epsilon(1e-5))
    assert isinstance(err, ValueError)
    assert "MAX_GRID_POINTS" in str(err) and "RDPAccountant" in str(err) and "eps_error=" in str(err)
    assert peak < 32  # MiB: nothing near the grid's size was allocated


def test_the_grid_cap_bounds_memory_and_the_suggested_eps_error_fits(monkeypatch):
    import re

    from course_lib.dp import prv

    monkeypatch.setattr(prv, "MAX_GRID_POINTS", 2**16)
    history = ((1.1, 0.01, 1000),)  # about 9e4 grid points at eps_error = 0.01
    err, _ = _peak_mib(lambda: _prv(history).get_epsilon(1e-5))
    assert isinstance(err, ValueError) and "MAX_GRID_POINTS = 65536" in str(err)
    fits = float(re.search(r"PRVAccountant\(eps_error=([0-9.e+-]+)\) would fit", str(err)).group(1))
    bounds, peak = _peak_mib(lambda: _prv(history, eps_error=fits).get_epsilon_bounds(1e-5))
    assert isinstance(bounds, tuple) and bounds[0] <= _opacus_epsilon(history, 1e-5) <= bounds[2]
    assert peak < 60 * 2**16 / 2**20 + 8  # about 40 bytes a grid point, plus the per-step grids


def test_many_distinct_settings_are_bounded_and_grouped(monkeypatch):
    from course_lib.dp import prv

    scattered = _prv(((1.0, 0.02, 100), (2.0, 0.05, 50), (1.0, 0.02, 100)))  # not merged by step()
    assert len(scattered) == 3
    merged = _prv(((1.0, 0.02, 200), (2.0, 0.05, 50)))
    assert scattered.get_epsilon_bounds(1e-5) == merged.get_epsilon_bounds(1e-5)
    monkeypatch.setattr(prv, "MAX_FFT_WORK", 10**5)
    schedule = _prv(tuple((1.0 + i / 100, 0.01, 1) for i in range(100)))
    with pytest.raises(ValueError, match="100 distinct .* MAX_FFT_WORK"):
        schedule.get_epsilon(1e-5)


# --------------------------------------------------------------------------- honest at the edges


def test_a_delta_below_the_numerical_precision_is_refused():
    """At δ = 1e-300 FFT round-off (~1e-13) swamped δ: the "proven" lower bound came out at 112,
    above RDP's upper bound of 72. Now that δ is refused; a δ well above round-off stays honest."""
    history = ((1.0, 0.01, 10),)
    with pytest.raises(ValueError, match="too small for its numerical precision"):
        _prv(history).get_epsilon(1e-300)
    with pytest.raises(ValueError, match="delta must be >= 1e-300"):
        _prv(history).get_epsilon(1e-301)
    lower, _, upper = _prv(history).get_epsilon_bounds(1e-9)
    assert lower <= _rdp_epsilon(history, 1e-9) and upper < _rdp_epsilon(history, 1e-9)


def test_a_delta_near_one_gives_epsilon_zero():
    lower, estimate, upper = _prv(((1.0, 0.01, 10),)).get_epsilon_bounds(1 - 1e-12)  # math domain error
    assert lower == estimate == 0.0 and 0.0 <= upper <= 0.01 + 1e-12


@pytest.mark.parametrize(("sigma", "q"), [(0.05, 0.1), (0.05, 1.0), (0.3, 1e-300), (1e3, 0.5), (1e100, 0.01),
                                          (1e100, 1.0), (1.0, 1e-300)])
def test_extreme_noise_and_sampling_rates_give_ordered_honest_bounds(sigma, q):
    """σ = 0.05 made the "add" direction's support a single point (NaN: 0/0); huge σ or tiny q made
    the support narrower than a bucket or rounded it away."""
    history = ((sigma, q, 10),)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lower, estimate, upper = _prv(history).get_epsilon_bounds(1e-5)
    assert 0.0 <= lower <= estimate <= upper < math.inf
    rdp = RDPAccountant(alphas=list(range(2, 64)))
    rdp.step(sigma, q, 10)
    assert lower <= rdp.get_epsilon(1e-5)  # a lower bound above a valid upper bound would be a lie


def test_noise_too_small_for_the_grid_is_refused_clearly():
    with pytest.raises(ValueError, match=r"at least 2\*\*-500"):  # OverflowError before
        _prv(((1e-200, 0.1, 1),)).get_epsilon(1e-5)
    with pytest.raises(ValueError, match="MAX_GRID_POINTS.*RDPAccountant"):  # "Maximum allowed size exceeded"
        _prv(((1e-100, 0.1, 1),)).get_epsilon(1e-5)
    with pytest.raises(ValueError, match="too large to resolve in float64.*RDPAccountant"):
        _prv(((1e-150, 1.0, 1),)).get_epsilon(1e-5)
    with pytest.raises(ValueError, match="MAX_GRID_POINTS"):  # ZeroDivisionError before
        _prv(((1.0, 0.01, 10),), eps_error=5e-324).get_epsilon(1e-5)
    with pytest.raises(ValueError, match="eps_error must be a finite number > 0 and at most 1000"):
        PRVAccountant(1e300)
