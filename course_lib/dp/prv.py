"""A tight accountant for DP-SGD: the privacy loss random variable, discretised and composed by FFT.

**The privacy loss random variable (PRV).** For a mechanism whose outputs on two neighbouring data
sets have densities P and Q, the PRV is ``Y = ln(P(o) / Q(o))`` with o drawn from P. It holds every
(ε, δ) guarantee at once: the smallest δ for a given ε (the "privacy profile", see Gopi, Lee &
Wutschitz 2021) is::

    δ(ε) = E[(1 − e^(ε − Y))_+]

Composing mechanisms *adds* their independent PRVs, so the PRV of a training run is a sum, whose
distribution is the convolution of the per-step distributions. This module computes it.

**One DP-SGD step** is the Poisson-subsampled Gaussian mechanism. With φ = N(0, σ²) and the mixture
μ = (1 − q)·N(0, σ²) + q·N(1, σ²), removing one person turns μ into φ and adding one turns φ into μ,
so both orders count (the dominating pairs of Zhu, Dong & Wang 2022)::

    r(o) = μ(o) / φ(o) = 1 − q + q e^((2o − 1)/(2σ²))
    "remove":  Y =  ln r(o), o ~ μ            "add":  Y = −ln r(o), o ~ φ

r is increasing in o, so ``Y <= t`` exactly when o is below (remove) or above (add) the output
``x(±t)``, ``x(t) = σ² ln((e^t − 1 + q)/q) + 1/2``: both CDFs are closed forms in Φ, the standard
normal CDF (``prv_cdf``). The run's ε is the larger of the two directions' (each composed on its
own: one neighbouring pair, one direction, all steps). In every case we tried the "remove" order
was the larger, and it is the one Opacus's ``PRVAccountant`` computes.

**Discretise, compose, read off ε** (the method of Gopi et al. 2021, written out):

1. Each step's Y is cut to ``[lo, hi]``, outside of which its mass is below ``p_tail`` (the cut-off
   mass, k times for k steps, is added to δ), and rounded to the centres of buckets of width h.
   The grid is then shifted so that the rounded variable Ỹ has the same mean as Y: the rounding
   errors ``Y − Ỹ`` are independent, have mean 0 and lie in an interval of width h, so Hoeffding's
   inequality bounds their sum over K steps: ``P[Σ(Y − Ỹ) >= t] <= η`` for ``t = h √(K ln(1/η) / 2)``.
2. The K-step sum has the spectrum ``Π_entries rfft(pmf)^k`` (convolution theorem, one FFT per
   (σ, q) entry and one inverse FFT). On n grid points the FFT computes the sum modulo n·h, which
   is exact inside the window ``[L_lo, L_lo + n·h)`` except for the mass outside it, wrapped around;
   a Chernoff bound ``P[S > L] <= min_λ e^(−λL) E[e^(λỸ)]^K`` (and its mirror image) bounds that
   mass, and the window is widened until it is below δ/1000. Its top end starts where the RDP bound
   says the tail holds less than δ/1000 (``rdp_to_dp_classic``): the ε of interest lies below it.
3. ``δ̃(ε)`` of the computed distribution is exact for a discrete variable; ε for a target δ is
   solved for in closed form between grid points (``_epsilon``).

So, with ``η`` the Hoeffding failure probability (δ/1000) and "outside" the Chernoff bound::

    upper    = ε̃(δ − η − tail mass − outside) + t      a proven upper bound on ε(δ)
    estimate = ε̃(δ)
    lower    = ε̃(δ + η + tail mass + outside) − t      a proven lower bound

``t = eps_error`` sets the grid (h is chosen to make it so), so the true ε lies within about
``2·eps_error`` of the upper bound. Two numerical errors are not covered: the mean of each step's
PRV, which the shift matches, comes from Simpson's rule on the grid, and the FFT carries round-off
near 1e-13 in δ; both are far below ``eps_error``.

References:
    S. Gopi, Y. T. Lee, L. Wutschitz. Numerical composition of differential privacy. NeurIPS 2021
    (arXiv:2106.02848).
    A. Koskela, J. Jälkö, A. Honkela. Computing tight differential privacy guarantees using FFT.
    AISTATS 2020 (arXiv:1906.03049).
    Y. Zhu, J. Dong, Y.-X. Wang. Optimal accounting of differential privacy via characteristic
    function. AISTATS 2022 (arXiv:2106.08567).
    W. Hoeffding. Probability inequalities for sums of bounded random variables. JASA 1963.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import fft, special

from ._validate import check_delta, check_noise_multiplier, check_positive, check_sample_rate
from .accounting import DEFAULT_ALPHAS, Accountant, _sgm_rdp_grid, rdp_to_dp_classic

__all__ = ["DIRECTIONS", "PRVAccountant", "prv_cdf"]

#: The two orders of the neighbouring pair (see the module docstring).
DIRECTIONS = ("remove", "add")
# Shares of δ given to the Hoeffding failure probability, to the steps' cut-off tails and to the
# mass outside the window.
_HOEFFDING_SHARE = 1e-3
_TAIL_SHARE = 1e-6
_WINDOW_SHARE = 1e-3
# The window reaches at least this many standard deviations of the sum below and above its mean.
_WINDOW_BOTTOM_SDS = 12.0


# --------------------------------------------------------------------------- one step's PRV


def _loss_at(x, sigma: float, q: float):
    """``ln r(x) = ln(1 − q + q e^((2x − 1)/(2σ²)))``, the privacy loss at output x (remove direction)."""
    with np.errstate(divide="ignore"):
        return np.logaddexp(np.log1p(-q), math.log(q) + (2 * np.asarray(x, float) - 1) / (2 * sigma**2))


def _output_at(t, sigma: float, q: float):
    """``x(t) = σ² ln((e^t − 1 + q)/q) + 1/2``, the output where ln r = t (−inf for t <= ln(1 − q))."""
    t = np.asarray(t, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # ln(e^t − (1 − q)) = t + ln(1 − (1 − q) e^(−t)), accurate when t is near ln(1 − q)
        log_excess = t + np.log(-np.expm1(np.log1p(-q) - t))
        x = sigma**2 * (log_excess - math.log(q)) + 0.5
    possible = t > math.log1p(-q) if q < 1 else np.ones(t.shape, dtype=bool)  # ln r > ln(1 − q) always
    return np.where(possible, x, -np.inf)


def _cdf_sf(t, sigma: float, q: float, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """``(P[Y <= t], P[Y > t])`` of one step's PRV, each computed directly (no 1 − tiny cancellation)."""
    ndtr = special.ndtr
    if direction == "remove":  # Y = ln r(o), o ~ μ: Y <= t  <=>  o <= x(t)
        x = _output_at(t, sigma, q)
        cdf = (1 - q) * ndtr(x / sigma) + q * ndtr((x - 1) / sigma)
        sf = (1 - q) * ndtr(-x / sigma) + q * ndtr((1 - x) / sigma)
    else:  # Y = −ln r(o), o ~ φ: Y <= t  <=>  o >= x(−t)
        x = _output_at(-np.asarray(t, float), sigma, q)
        cdf, sf = ndtr(-x / sigma), ndtr(x / sigma)
    return cdf, sf


def prv_cdf(t, noise_multiplier: float, sample_rate: float, direction: str = "remove") -> np.ndarray:
    """CDF ``P[Y <= t]`` of the PRV of one Poisson-subsampled Gaussian step (sensitivity 1).

    ``direction`` "remove" (o drawn from the mixture μ, Y = ln μ(o)/φ(o)) or "add" (o from φ,
    Y = ln φ(o)/μ(o)); see the module docstring. ``t``: real number(s); ``noise_multiplier`` σ
    finite > 0; ``sample_rate`` q in (0, 1]. Returns an array of the shape of ``t``.
    """
    sigma = _check_sigma(noise_multiplier)
    q = check_sample_rate(sample_rate)
    direction = _check_direction(direction)
    t = np.asarray(t, dtype=float)
    if np.isnan(t).any():
        raise ValueError("t must not contain NaN")
    return _cdf_sf(t, sigma, q, direction)[0]


def _support(sigma: float, q: float, direction: str, p_tail: float) -> tuple[float, float]:
    """``[lo, hi]`` holding all of Y's mass but at most ``p_tail`` on each side (closed forms via Φ⁻¹)."""
    z = -special.ndtri(p_tail)  # Φ(−z) = p_tail
    if direction == "remove":
        # above hi: o > 1 + σz, mass <= Φ(−z); below lo: nothing when q < 1 (Y > ln(1 − q))
        lo = math.log1p(-q) if q < 1 else float(_loss_at(1 - sigma * z, sigma, q))
        return lo, float(_loss_at(1 + sigma * z, sigma, q))
    hi = -math.log1p(-q) if q < 1 else -float(_loss_at(-sigma * z, sigma, q))
    return -float(_loss_at(sigma * z, sigma, q)), hi


@dataclass
class _Discrete:
    """A discrete distribution with mass ``pmf[j]`` at the point ``origin + j·h``."""

    origin: float
    h: float
    pmf: np.ndarray

    @property
    def points(self) -> np.ndarray:
        return self.origin + self.h * np.arange(len(self.pmf))

    def mean_and_var(self) -> tuple[float, float]:
        offsets = self.h * np.arange(len(self.pmf))
        m = float(self.pmf @ offsets)
        return self.origin + m, float(self.pmf @ (offsets - m) ** 2)

    def log_mgf(self, lam: np.ndarray) -> np.ndarray:
        """``ln E[e^(λ Y)]`` for each λ in ``lam``, as ``m + ln Σ p_j e^(λ s_j − m)`` (no overflow)."""
        keep = self.pmf > 0
        s, log_p = self.points[keep], np.log(self.pmf[keep])
        out = np.empty(len(lam))
        for i, x in enumerate(lam):
            exponent = x * s + log_p
            m = exponent.max()
            out[i] = m + math.log(np.exp(exponent - m).sum())
        return out


def _discretise(sigma: float, q: float, direction: str, h: float, p_tail: float) -> tuple[_Discrete, float]:
    """One step's PRV, cut to its support, on buckets of width h, shifted to keep its mean.

    Returns ``(distribution, tail mass cut off)``.
    """
    lo, hi = _support(sigma, q, direction, p_tail)
    n = max(1, math.ceil((hi - lo) / h))
    edges = lo + h * np.arange(n + 1)
    centres = edges[:-1] + h / 2
    cdf, sf = _cdf_sf(edges, sigma, q, direction)
    # bucket masses from whichever of cdf / sf is small there, so that tiny masses keep their digits
    pmf = np.clip(np.where(sf[:-1] < 0.5, sf[:-1] - sf[1:], cdf[1:] - cdf[:-1]), 0.0, None)
    kept = float(pmf.sum())
    pmf = pmf / kept
    # E[Y | lo <= Y <= hi] = lo + ∫ P[Y > t | ...] dt, by Simpson's rule on each bucket (edges and centre)
    sf_mid = _cdf_sf(centres, sigma, q, direction)[1]
    above, above_mid = (sf - sf[-1]) / kept, (sf_mid - sf[-1]) / kept
    mean = lo + h / 6 * float(np.sum(above[:-1] + 4 * above_mid + above[1:]))
    shift = mean - float(pmf @ centres)
    return _Discrete(origin=float(centres[0]) + shift, h=h, pmf=pmf), float(cdf[0] + sf[-1])


# --------------------------------------------------------------------------- composition


def _outside_bound(steps: list[tuple[_Discrete, int]], lo: float, hi: float) -> float:
    """Chernoff: ``P[S < lo] + P[S > hi] <= min_λ e^(−λ hi) Π M(λ)^k + min_λ e^(λ lo) Π M(−λ)^k``
    for the sum S of the discretised steps (M the moment generating function of one step)."""
    lam = np.geomspace(1e-2, 1e3, 64)
    log_up = sum(k * d.log_mgf(lam) for d, k in steps) - lam * hi
    log_down = sum(k * d.log_mgf(-lam) for d, k in steps) + lam * lo
    return float(np.exp(min(log_up.min(), 0.0)) + np.exp(min(log_down.min(), 0.0)))


def _fold(pmf: np.ndarray, n: int) -> np.ndarray:
    """``pmf`` modulo n: entry j lands in j mod n (what a circular convolution of length n sees)."""
    padded = np.zeros(-(-len(pmf) // n) * n)
    padded[:len(pmf)] = pmf
    return padded.reshape(-1, n).sum(axis=0)


def _compose(steps: list[tuple[_Discrete, int]], window: tuple[float, float]) -> tuple[_Discrete, float]:
    """The distribution of the sum of ``k`` copies of each step, on the grid points in ``window``.

    By the convolution theorem the sum's pmf has the spectrum ``Π rfft(pmf)^k``. On n points the
    FFT computes the sum modulo n·h (a circular convolution), which equals the true distribution on
    the window except for the mass that lies outside it, wrapped around: ``_outside_bound`` bounds
    it. Returns ``(distribution on the window, that bound)``.
    """
    h = steps[0][0].h
    base = sum(k * d.origin for d, k in steps)  # the sum's value at index 0
    first = math.floor((window[0] - base) / h)  # window[0] ~ base + first·h
    n = fft.next_fast_len(math.ceil((window[1] - window[0]) / h) + 2, real=True)
    spectrum = np.ones(n // 2 + 1, dtype=complex)
    for d, k in steps:
        spectrum *= fft.rfft(_fold(d.pmf, n)) ** k
    circular = np.clip(fft.irfft(spectrum, n), 0.0, None)  # round-off can dip below 0
    pmf = np.roll(circular, -(first % n))  # index i <-> base + (first + i)·h
    origin = base + first * h
    return _Discrete(origin, h, pmf), _outside_bound(steps, origin, origin + (n - 1) * h)


# --------------------------------------------------------------------------- δ(ε) and ε(δ) of a discrete PRV


def _epsilon(d: _Discrete, delta: float) -> float:
    """The smallest ε >= 0 with ``δ̃(ε) = Σ_{s_j > ε} p_j (1 − e^(ε − s_j)) <= delta`` (inf if delta <= 0).

    Between neighbouring points s_(j−1) <= ε <= s_j the sum runs over i >= j, so
    ``δ̃(ε) = T_j − e^ε U_j`` with ``T_j = Σ_{i>=j} p_i`` and ``U_j = Σ_{i>=j} p_i e^(−s_i)``: find the
    bracket where δ̃ crosses ``delta`` and solve that equation for ε.
    """
    if delta <= 0:
        return math.inf
    s, p = d.points, d.pmf
    tail_mass = np.cumsum(p[::-1])[::-1]  # T_j
    with np.errstate(divide="ignore"):  # ln 0 = -inf for empty buckets
        log_tail_weighted = np.logaddexp.accumulate((np.log(p) - s)[::-1])[::-1]  # ln U_j, no overflow
    # δ̃ at each grid point s_j (the points above it are i >= j + 1); 0 at the last point
    at_points = np.append(tail_mass[1:] - np.exp(s[:-1] + log_tail_weighted[1:]), 0.0)
    j = int(np.argmax(at_points <= delta))  # the first point where δ̃ <= delta
    eps = math.log(tail_mass[j] - delta) - log_tail_weighted[j]
    return max(eps, 0.0)


# --------------------------------------------------------------------------- accountant


def _check_sigma(value) -> float:
    sigma = check_noise_multiplier(value)
    if sigma == 0:
        raise ValueError("noise_multiplier must be a finite number > 0 here (0 means no privacy at all)")
    return sigma


def _check_direction(direction) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(map(repr, DIRECTIONS))}, got {direction!r}")
    return direction


class PRVAccountant(Accountant):
    """Composes DP-SGD steps through their privacy loss random variables; ε up to ``eps_error``.

    The same interface as ``RDPAccountant``: ``step(σ, q, steps)`` records ``steps`` steps with noise
    multiplier σ >= 0 and Poisson rate q in (0, 1] (runs of equal (σ, q) merge), ``history`` lists
    them, ``get_epsilon(δ)`` is the ε spent at δ in (0, 1). ``get_epsilon`` returns a proven *upper
    bound*, at most about ``2·eps_error`` above the true ε; ``get_epsilon_bounds(δ)`` gives
    ``(lower, estimate, upper)`` (see the module docstring). ``eps_error``: finite > 0 (default
    0.01, as Opacus's ``PRVAccountant``); smaller costs a finer grid (time ∝ 1/eps_error).
    No steps: ε = 0; a step with σ = 0: ε = inf.
    """

    def __init__(self, eps_error: float = 0.01):
        super().__init__()
        self._eps_error = check_positive(eps_error, "eps_error")
        self._cache: dict = {}

    @property
    def eps_error(self) -> float:
        """The Hoeffding slack t added to (and subtracted from) the computed ε."""
        return self._eps_error

    def _window(self, delta: float, steps: list[tuple[_Discrete, int]]) -> tuple[float, float]:
        """``[L_lo, L_hi]``: L_hi where the RDP tail bound leaves < δ/1000 above it (the ε of interest
        lies below), L_lo far below the sum's mean."""
        rdp = sum(k * np.array(_sgm_rdp_grid(sigma, q, DEFAULT_ALPHAS)) for sigma, q, k in self._history)
        top = rdp_to_dp_classic(rdp, DEFAULT_ALPHAS, _WINDOW_SHARE * delta)[0]
        moments = [(k, *d.mean_and_var()) for d, k in steps]
        mean = sum(k * m for k, m, _ in moments)
        spread = math.sqrt(sum(k * v for k, _, v in moments))
        return min(mean - _WINDOW_BOTTOM_SDS * spread, 0.0), max(top, mean + _WINDOW_BOTTOM_SDS * spread)

    def _bounds(self, direction: str, delta: float) -> tuple[float, float, float]:
        """``(lower, estimate, upper)`` for one direction (see the module docstring)."""
        total = self.total_steps
        eta = _HOEFFDING_SHARE * delta
        h = self._eps_error / math.sqrt(total * math.log(1 / eta) / 2)  # so that t = eps_error
        p_tail = _TAIL_SHARE * delta / (2 * total)
        steps, tail = [], 0.0
        for sigma, q, k in self._history:
            d, cut = _discretise(sigma, q, direction, h, p_tail)
            steps.append((d, k))
            tail += k * cut
        lo, hi = self._window(delta, steps)
        for _ in range(8):  # widen the window until the mass outside it is negligible
            d, outside = _compose(steps, (lo, hi))
            if outside <= _WINDOW_SHARE * delta:
                break
            lo, hi = lo - (hi - lo) / 2, hi + (hi - lo) / 2
        error = eta + tail + outside
        t = self._eps_error
        return max(_epsilon(d, delta + error) - t, 0.0), _epsilon(d, delta), _epsilon(d, delta - error) + t

    def get_epsilon_bounds(self, delta: float) -> tuple[float, float, float]:
        """``(lower, estimate, upper)`` on the ε spent at ``delta`` in (0, 1), the larger of both directions.

        ``lower <= ε(δ) <= upper`` is proven (up to the numerical errors the module docstring names);
        ``estimate`` is ε of the discretised distribution. ``(0, 0, 0)`` before any step.
        """
        delta = check_delta(delta)
        if not self._history:
            return 0.0, 0.0, 0.0
        if any(sigma == 0 for sigma, _, _ in self._history):
            return math.inf, math.inf, math.inf
        key = (tuple(self._history), delta)
        if key not in self._cache:
            bounds = [self._bounds(direction, delta) for direction in DIRECTIONS]
            self._cache = {key: tuple(max(b[i] for b in bounds) for i in range(3))}
        return self._cache[key]

    def get_epsilon(self, delta: float) -> float:
        """An upper bound on the ε spent so far at ``delta`` in (0, 1) (``inf`` if a step had σ = 0)."""
        return self.get_epsilon_bounds(delta)[2]

    def __repr__(self) -> str:
        runs = len(self._history)
        return f"PRVAccountant({self.total_steps} steps in {runs} runs, eps_error={self._eps_error:g})"
