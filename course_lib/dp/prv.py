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
   distinct (σ, q) and one inverse FFT). On n grid points the FFT computes the sum modulo n·h,
   which is exact inside the window ``[L_lo, L_lo + n·h)`` except for the mass outside it, wrapped
   around; a Chernoff bound ``P[S > L] <= min_λ e^(−λL) E[e^(λỸ)]^K`` (and its mirror image) bounds
   that mass. The window starts at the sum's mean ± c standard deviations (c from δ), its top at
   least where the RDP bound says the tail holds less than δ/10⁵ (``rdp_to_dp_classic``), and is
   widened, before any FFT, until the Chernoff bound is below δ/10⁵.
3. ``δ̃(ε)`` of the computed distribution is exact for a discrete variable; ε for a target δ is
   solved for in closed form between grid points (``_epsilon``). Only the grid points at or above
   0 matter for ε >= 0, so only those are kept.

So, with ``η`` the Hoeffding failure probability (δ/1000), "outside" the Chernoff bound and
"round-off" an estimate of the FFT's round-off as mass (about 1e-17 per grid point, so 1e-13 to
1e-11 in all; see ``_compose``)::

    upper    = ε̃(δ − η − tail mass − outside − round-off) + t      an upper bound on ε(δ)
    estimate = ε̃(δ)
    lower    = ε̃(δ + η + tail mass + outside + round-off) − t      a lower bound

``t = eps_error`` sets the grid (h is chosen to make it so), so the true ε lies within about
``2·eps_error`` of the upper bound. The bounds are proven but for two numerical errors: the
round-off, which is estimated rather than proven, and the mean of each step's PRV, which the shift
matches and which comes from Simpson's rule on the grid (far below ``eps_error``). Round-off is what
limits δ from below: a δ for which these errors reach δ/2 (in practice below about 1e-10) is refused
with a ``ValueError``, rather than answered with bounds that round-off could break.

**Memory is bounded.** The grid has about (window width) / h points: for a fixed (σ, q) the window
widens like ε ∝ √K while h shrinks like 1/√K, so the grid grows about linearly with the number of
steps K (and like 1/eps_error). ``MAX_GRID_POINTS`` (2**23, about 8.4 million points; a peak of
roughly 40 bytes per point) caps it: a history that needs more is refused up front with a
``ValueError`` that says so and names the remedies, ``RDPAccountant`` (no such limit, a somewhat
larger ε) or a larger ``eps_error``. Noise multipliers below 2**-500 are refused (see
``accounting``), and so is δ < 1e-300.

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

from ._validate import check_accountable_noise_multiplier, check_delta, check_positive, check_sample_rate
from .accounting import DEFAULT_ALPHAS, Accountant, _sgm_rdp_grid, rdp_to_dp_classic

__all__ = ["DIRECTIONS", "MAX_FFT_WORK", "MAX_GRID_POINTS", "MIN_DELTA", "PRVAccountant", "prv_cdf"]

#: The two orders of the neighbouring pair (see the module docstring).
DIRECTIONS = ("remove", "add")
# Shares of δ given to the Hoeffding failure probability, to the steps' cut-off tails and to the
# mass outside the window.
_HOEFFDING_SHARE = 1e-3
_TAIL_SHARE = 1e-6
_WINDOW_SHARE = 1e-5
#: The most points of the grid on which the steps are composed (memory: about 40 bytes a point at
#: the peak, some 340 MB here). See the module docstring.
MAX_GRID_POINTS = 2**23
#: The most work, in grid points, of one direction: each distinct (σ, q) pair costs an FFT of the
#: grid and a few passes over its own step's grid. Bounds the time (to some 10-30 s), as
#: ``MAX_GRID_POINTS`` bounds the memory.
MAX_FFT_WORK = 2**26
#: The smallest δ accepted: the shares of δ given to the numerical errors must stay normal floats.
MIN_DELTA = 1e-300
# Widening the window: at most this many times, by half its width on the side that needs it.
_WINDOW_WIDENINGS = 40
# The orders whose RDP places the window's top: the integer ones of the default grid (exact finite
# sums, fast for every σ and q; the top only has to be roughly right, the Chernoff bound checks it).
_WINDOW_ALPHAS = tuple(a for a in DEFAULT_ALPHAS if float(a).is_integer())


# --------------------------------------------------------------------------- one step's PRV


def _loss_at(x, sigma: float, q: float):
    """``ln r(x) = ln(1 − q + q e^((2x − 1)/(2σ²)))``, the privacy loss at output x (remove direction)."""
    with np.errstate(divide="ignore"):
        return np.logaddexp(np.log1p(-q), math.log(q) + (2 * np.asarray(x, float) - 1) / (2 * sigma**2))


def _output_at(t, sigma: float, q: float):
    """``x(t) = σ² ln((e^t − 1 + q)/q) + 1/2``, the output where ln r = t (−inf for t <= ln(1 − q))."""
    t = np.asarray(t, float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
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
        # elementwise products and sums, not BLAS (np.dot): a threaded BLAS is slow on a busy machine
        m = float((self.pmf * offsets).sum())
        offsets -= m
        offsets *= offsets
        offsets *= self.pmf
        return self.origin + m, float(offsets.sum())

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


def _discretise(sigma: float, q: float, direction: str, h: float, support: tuple[float, float]
                ) -> tuple[_Discrete, float]:
    """One step's PRV, cut to ``support`` (from ``_support``), on buckets of width h, shifted to keep
    its mean. Returns ``(distribution, tail mass cut off)``.

    The grid is anchored at the end of the support that is exact when q < 1 (remove: its lower end
    ln(1 − q), the smallest loss; add: its upper end −ln(1 − q), the largest) and reaches one
    bucket beyond both ends, which covers the rounding of the quantile ends: for a huge σ or a
    tiny q the whole support can be narrower than h, or round to a point, and one or two buckets
    then hold all of its mass.
    """
    lo, hi = support
    n = max(1, math.ceil((hi - lo) / h)) + 2
    if direction == "remove":
        edges = (lo - h) + h * np.arange(n + 1)
    else:
        edges = (hi + h) - h * np.arange(n, -1, -1)
    centres = edges[:-1] + h / 2
    cdf, sf = _cdf_sf(edges, sigma, q, direction)
    # bucket masses from whichever of cdf / sf is small there, so that tiny masses keep their digits
    pmf = np.clip(np.where(sf[:-1] < 0.5, sf[:-1] - sf[1:], cdf[1:] - cdf[:-1]), 0.0, None)
    kept = float(pmf.sum())
    if not kept > 0.5:  # the support holds all but 2 p_tail of the mass; anything else is a bug
        raise ArithmeticError(f"PRVAccountant could not discretise the step (sigma={sigma!r}, q={q!r}): "
                              f"mass {kept!r} on its support; use RDPAccountant")
    pmf = pmf / kept
    # E[Y | a <= Y <= b] = a + ∫ P[Y > t | ...] dt (a, b the first and last edge), by Simpson's rule on
    # each bucket (edges and centre)
    sf_mid = _cdf_sf(centres, sigma, q, direction)[1]
    above, above_mid = (sf - sf[-1]) / kept, (sf_mid - sf[-1]) / kept
    mean = float(edges[0]) + h / 6 * float(np.sum(above[:-1] + 4 * above_mid + above[1:]))
    shift = mean - float((pmf * centres).sum())
    return _Discrete(origin=float(centres[0]) + shift, h=h, pmf=pmf), float(cdf[0] + sf[-1])


# --------------------------------------------------------------------------- composition


@dataclass
class _Run:
    """``k`` steps of one (σ, q) in one direction, discretised on the grid of spacing h.

    One pass (``measure``) keeps what the window needs: the mean and variance of one discretised
    step, its log moment generating function at the Chernoff grid's λ (times k) and the tail mass
    cut off. The pmf itself is kept only while all runs' pmfs fit in ``MAX_GRID_POINTS`` together,
    and recomputed (identically) when composing otherwise, so memory does not grow with the number
    of distinct (σ, q) in the history.
    """

    sigma: float
    q: float
    k: int
    direction: str
    h: float
    support: tuple[float, float]
    origin: float = math.nan
    mean: float = math.nan
    var: float = math.nan
    cut: float = math.nan
    log_up: np.ndarray | None = None
    log_down: np.ndarray | None = None
    pmf: np.ndarray | None = None

    def discretise(self) -> tuple[_Discrete, float]:
        return _discretise(self.sigma, self.q, self.direction, self.h, self.support)

    def measure(self, lam: np.ndarray, keep: bool) -> None:
        d, self.cut = self.discretise()
        self.origin = d.origin
        self.mean, self.var = d.mean_and_var()
        self.log_up, self.log_down = self.k * d.log_mgf(lam), self.k * d.log_mgf(-lam)
        self.pmf = d.pmf if keep else None

    def step_pmf(self) -> np.ndarray:
        return self.pmf if self.pmf is not None else self.discretise()[0].pmf


class _Chernoff:
    """Chernoff bounds on the tails of the sum S of the discretised steps, for any window.

    ``P[S > hi] <= min_λ e^(−λ hi) Π M(λ)^k`` and ``P[S < lo] <= min_λ e^(λ lo) Π M(−λ)^k`` (M the
    moment generating function of one step), from the runs' log-MGFs on the grid ``lam``.
    """

    def __init__(self, runs: list[_Run], lam: np.ndarray):
        self.lam = lam
        self.log_up = sum(run.log_up for run in runs)
        self.log_down = sum(run.log_down for run in runs)

    def above(self, hi: float) -> float:
        return float(np.exp(min((self.log_up - self.lam * hi).min(), 0.0)))

    def below(self, lo: float) -> float:
        return float(np.exp(min((self.log_down + self.lam * lo).min(), 0.0)))


def _fold(pmf: np.ndarray, n: int) -> np.ndarray:
    """``pmf`` modulo n: entry j lands in j mod n (what a circular convolution of length n sees)."""
    padded = np.zeros(-(-len(pmf) // n) * n)
    padded[:len(pmf)] = pmf
    return padded.reshape(-1, n).sum(axis=0)


def _grid(base: float, h: float, window: tuple[float, float]) -> tuple[int, int]:
    """``(first, n)``: the window's first index (``window[0] ~ base + first·h``, base the sum's value at
    index 0 of the steps' grids) and the number of grid points (an FFT-friendly length) covering it."""
    first = math.floor((window[0] - base) / h)
    return first, fft.next_fast_len(math.ceil((window[1] - window[0]) / h) + 2, real=True)


def _compose(runs: list[_Run], window: tuple[float, float]) -> tuple[float, np.ndarray, float]:
    """The distribution of the sum of all steps, on the grid points in ``window`` at or above 0 (the
    only ones that matter for ε >= 0): ``(origin, pmf, round_off)``, mass ``pmf[j]`` at
    ``origin + j·h``, and an estimate of the FFT's round-off as mass (see below).

    By the convolution theorem the sum's pmf has the spectrum ``Π rfft(pmf)^k``. On n points the
    FFT computes the sum modulo n·h (a circular convolution), which equals the true distribution on
    the window except for the mass that lies outside it, wrapped around (bounded by ``_Chernoff``).
    Memory: a few arrays of n floats, freed as soon as they are used.

    Round-off: the FFT adds errors of about 1e-17 to every point, as often negative as positive
    where the true mass is 0; so ``2 n max(largest negative value, n-point FFT error of the largest
    mass)`` estimates (it does not prove) how much mass round-off can add to or take from δ̃.
    """
    h = runs[0].h
    base = sum(run.k * run.origin for run in runs)
    first, n = _grid(base, h, window)
    spectrum = None
    for run in runs:
        part = fft.rfft(_fold(run.step_pmf(), n))
        part **= run.k
        if spectrum is None:
            spectrum = part
        else:
            spectrum *= part
        del part
    circular = fft.irfft(spectrum, n)  # index i of the window <-> circular[(first + i) mod n]
    del spectrum
    noise = max(-float(circular.min()), float(circular.max()) * math.log2(n) * np.finfo(float).eps)
    round_off = 2.0 * n * max(noise, 0.0)
    np.clip(circular, 0.0, None, out=circular)  # round-off can dip below 0
    origin = base + first * h
    skip = min(n, max(0, math.ceil(-origin / h)))  # window points below 0
    start, m = (first + skip) % n, n - skip
    if start + m <= n:
        pmf = circular[start:start + m].copy()
    else:
        pmf = np.concatenate((circular[start:], circular[:m - (n - start)]))
    return origin + skip * h, pmf, round_off


# --------------------------------------------------------------------------- δ(ε) and ε(δ) of a discrete PRV


@dataclass
class _Tail:
    """What ``δ̃(ε)`` needs of a discrete PRV with mass ``p_j`` at ``s_j = origin + j·h >= 0``:

    ``T_j = Σ_{i>=j} p_i`` and ``ln U_j = ln Σ_{i>=j} p_i e^(−s_i)`` (in logarithms: no overflow).
    """

    origin: float
    h: float
    tail_mass: np.ndarray
    log_tail_weighted: np.ndarray

    @classmethod
    def of(cls, origin: float, h: float, pmf: np.ndarray) -> _Tail:
        """From ``pmf``, which is overwritten (it becomes ``ln p_j − s_j``) to save memory."""
        tail_mass = np.cumsum(pmf[::-1])[::-1]
        with np.errstate(divide="ignore"):  # ln 0 = -inf for empty buckets
            np.log(pmf, out=pmf)
        points = np.arange(len(pmf), dtype=float)
        points *= h
        points += origin
        pmf -= points
        del points
        return cls(origin, h, tail_mass, np.logaddexp.accumulate(pmf[::-1])[::-1])

    def above(self, j: int) -> float:
        """``δ̃(s_j) = Σ_{i>j} p_i (1 − e^(s_j − s_i)) = T_(j+1) − e^(s_j) U_(j+1)`` (0 at the last point)."""
        if j + 1 >= len(self.tail_mass):
            return 0.0
        point = self.origin + j * self.h
        return float(self.tail_mass[j + 1] - math.exp(point + self.log_tail_weighted[j + 1]))


def _epsilon(d: _Tail, delta: float) -> float:
    """The smallest ε >= 0 with ``δ̃(ε) = Σ_{s_j > ε} p_j (1 − e^(ε − s_j)) <= delta`` (inf if delta <= 0).

    Between neighbouring points s_(j−1) <= ε <= s_j the sum runs over i >= j, so
    ``δ̃(ε) = T_j − e^ε U_j``: find (by bisection, δ̃ falls with ε) the first point where δ̃ <= delta
    and solve that equation for ε on the bracket below it (for j = 0 the bracket is [0, s_0]).
    """
    if delta <= 0:
        return math.inf
    if len(d.tail_mass) == 0 or d.tail_mass[0] - math.exp(d.log_tail_weighted[0]) <= delta:
        return 0.0  # δ̃(0) <= delta already (always so when delta >= 1)
    lo, hi = 0, len(d.tail_mass) - 1  # δ̃(s_hi) = 0 <= delta
    while lo < hi:
        mid = (lo + hi) // 2
        if d.above(mid) <= delta:
            hi = mid
        else:
            lo = mid + 1
    return max(math.log(d.tail_mass[lo] - delta) - float(d.log_tail_weighted[lo]), 0.0)


# --------------------------------------------------------------------------- accountant


def _check_sigma(value) -> float:
    sigma = check_accountable_noise_multiplier(value)
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
    0.01, as Opacus's ``PRVAccountant``; at most 1000); smaller costs a finer grid (time and memory
    ∝ 1/eps_error). No steps: ε = 0; a step with σ = 0: ε = inf.

    Memory and time are bounded (``MAX_GRID_POINTS``, ``MAX_FFT_WORK``): a history that needs a
    finer or wider grid is refused up front with a ``ValueError`` that suggests ``RDPAccountant`` or
    a larger ``eps_error``. At eps_error = 0.01 and δ = 1e-5 that is beyond about 1.5·10**5 steps at
    σ = 1.1, q = 0.01 (ε ≈ 28 there), or 1.7·10**7 steps at σ = 10, q = 0.001 (ε ≈ 1.6): the grid
    follows ε, so the steps that fit are many more where ε stays moderate.
    """

    def __init__(self, eps_error: float = 0.01):
        super().__init__()
        self._eps_error = check_positive(eps_error, "eps_error")
        if self._eps_error > 1000:
            raise ValueError(f"eps_error must be a finite number > 0 and at most 1000, got {eps_error!r}")
        self._cache: dict = {}

    @property
    def eps_error(self) -> float:
        """The Hoeffding slack t added to (and subtracted from) the computed ε."""
        return self._eps_error

    def _runs(self) -> list[tuple[float, float, int]]:
        """The history with equal (σ, q) merged, wherever they are (composition does not depend on order)."""
        merged: dict[tuple[float, float], int] = {}
        for sigma, q, k in self._history:
            merged[(sigma, q)] = merged.get((sigma, q), 0) + k
        return [(sigma, q, k) for (sigma, q), k in merged.items()]

    def _too_big(self, points: float, what: str) -> ValueError:
        size = f"about {points:.3g}" if math.isfinite(points) else "more than float64 can count"
        fits = self._eps_error * points / MAX_GRID_POINTS * 1.05
        larger = (f"PRVAccountant(eps_error={fits:.2g}) would fit" if math.isfinite(fits)
                  else "no eps_error fits")
        return ValueError(
            f"PRVAccountant: {what} needs a grid of {size} points for {self.total_steps} steps at "
            f"eps_error={self._eps_error:g}, more than MAX_GRID_POINTS = {MAX_GRID_POINTS} (the limit "
            f"that bounds its memory, some {40 * MAX_GRID_POINTS // 2**20} MiB). The grid grows about "
            f"linearly with the number of steps and with 1/eps_error. Use RDPAccountant (no such limit; "
            f"a somewhat larger epsilon), or a larger eps_error ({larger})."
        )

    @staticmethod
    def _check_work(runs: list[_Run], n: int) -> None:
        """Each distinct (σ, q) costs an FFT of n points and some 4 passes over its own grid."""
        work = sum(n + 4 * (run.support[1] - run.support[0]) / run.h for run in runs)
        if work > MAX_FFT_WORK:
            raise ValueError(
                f"PRVAccountant: the history has {len(runs)} distinct (noise_multiplier, sample_rate) "
                f"pairs, each composed by an FFT of {n} points: about {work:.3g} points of work in all, "
                f"more than MAX_FFT_WORK = {MAX_FFT_WORK} (the limit that bounds its time). Use "
                f"RDPAccountant, a larger eps_error, or fewer distinct settings.")

    @staticmethod
    def _start(delta: float, mean: float, spread: float, top: float, h: float) -> tuple[float, float, float]:
        """``(lo, hi, c)``: the sum's mean ± c standard deviations, the top at least ``top``."""
        c = math.sqrt(2 * (math.log(2 / _WINDOW_SHARE) - math.log(delta))) + 1.0
        return mean - c * spread - h, max(top, mean + c * spread) + h, c

    def _top(self, delta: float) -> float:
        """The RDP bound's ε at δ/10⁵: the ε of interest lies below it (a start for the window's top)."""
        rdp = sum(k * np.array(_sgm_rdp_grid(sigma, q, _WINDOW_ALPHAS)) for sigma, q, k in self._runs())
        return rdp_to_dp_classic(rdp, _WINDOW_ALPHAS, _WINDOW_SHARE * delta)[0]

    def _bounds(self, direction: str, delta: float) -> tuple[float, float, float]:
        """``(lower, estimate, upper)`` for one direction (see the module docstring).

        The grid's size is checked before any large allocation: the window is first estimated from
        coarse steps (about 1000 buckets each), then found exactly on the fine ones, whose pmfs are
        composed last.
        """
        total = self.total_steps
        log_inv_eta = -(math.log(_HOEFFDING_SHARE) + math.log(delta))
        h = self._eps_error / math.sqrt(total * log_inv_eta / 2)  # so that t = eps_error
        p_tail = _TAIL_SHARE * delta / (2 * total)
        runs = [_Run(sigma, q, k, direction, h, _support(sigma, q, direction, p_tail))
                for sigma, q, k in self._runs()]
        for run in runs:
            lo, hi = run.support
            points = (hi - lo) / h if h > 0 else math.inf
            if not points <= MAX_GRID_POINTS:
                raise self._too_big(points, "one step's privacy loss distribution")
            if not h > 64 * math.ulp(max(abs(lo), abs(hi))):
                raise ValueError(
                    f"PRVAccountant: one step's privacy loss reaches {max(abs(lo), abs(hi)):.3g} "
                    f"(noise_multiplier={run.sigma!r}), too large to resolve in float64 on a grid of "
                    f"spacing {h:.3g}; such a step gives almost no privacy. Use RDPAccountant")
        top = self._top(delta)
        # up front: the window from coarse steps, and the grid it needs
        mean, var = 0.0, 0.0
        for run in runs:
            lo, hi = run.support
            coarse = _discretise(run.sigma, run.q, direction, max(h, (hi - lo) / 1024), run.support)[0]
            m, v = coarse.mean_and_var()
            mean, var = mean + run.k * m, var + run.k * v
        lo, hi, c = self._start(delta, mean, math.sqrt(var), top, h)
        if not (hi - lo) / h <= MAX_GRID_POINTS:
            raise self._too_big((hi - lo) / h, "the composed privacy loss distribution")
        self._check_work(runs, math.ceil((hi - lo) / h))
        # the fine steps: moments, Chernoff bounds and tails in one pass each
        lam = np.geomspace(1e-2, max(1e3, 3 * c / max(math.sqrt(var), h)), 40)
        kept = 0
        for run in runs:
            run.measure(lam, keep=kept + (run.support[1] - run.support[0]) / h + 4 <= MAX_GRID_POINTS)
            kept += len(run.pmf) if run.pmf is not None else 0
        bound = _Chernoff(runs, lam)
        mean = sum(run.k * run.mean for run in runs)
        lo, hi, _ = self._start(delta, mean, math.sqrt(sum(run.k * run.var for run in runs)), top, h)
        for _ in range(_WINDOW_WIDENINGS):  # widen the side whose Chernoff bound is too large
            up, down = bound.above(hi), bound.below(lo)
            if up + down <= _WINDOW_SHARE * delta:
                break
            width = hi - lo
            if up > _WINDOW_SHARE * delta / 2:
                hi += width / 2
            if down > _WINDOW_SHARE * delta / 2:
                lo -= width / 2
        if not (hi - lo) / h <= MAX_GRID_POINTS:
            raise self._too_big((hi - lo) / h, "the composed privacy loss distribution")
        first, n = _grid(sum(run.k * run.origin for run in runs), h, (lo, hi))
        if n > MAX_GRID_POINTS:  # the FFT length is rounded up a little
            raise self._too_big(n, "the composed privacy loss distribution")
        self._check_work(runs, n)
        window_lo = sum(run.k * run.origin for run in runs) + first * h
        outside = bound.below(window_lo) + bound.above(window_lo + (n - 1) * h)
        tail = sum(run.k * run.cut for run in runs)
        origin, pmf, round_off = _compose(runs, (lo, hi))
        del runs
        d = _Tail.of(origin, h, pmf)
        error = _HOEFFDING_SHARE * delta + tail + outside + round_off
        if error >= delta / 2:
            raise ValueError(
                f"PRVAccountant: delta={delta!r} is too small for its numerical precision: the cut-off "
                f"tails, the window and the FFT's round-off (about {round_off:.1g}) add up to {error:.2g}, "
                f"so no useful bound on epsilon follows. Use RDPAccountant, or a larger delta")
        t = self._eps_error
        return max(_epsilon(d, delta + error) - t, 0.0), _epsilon(d, delta), _epsilon(d, delta - error) + t

    def get_epsilon_bounds(self, delta: float) -> tuple[float, float, float]:
        """``(lower, estimate, upper)`` on the ε spent at ``delta`` in (0, 1), the larger of both directions.

        ``lower <= ε(δ) <= upper`` is proven (up to the numerical errors the module docstring names);
        ``estimate`` is ε of the discretised distribution. ``(0, 0, 0)`` before any step. A history
        that needs more than ``MAX_GRID_POINTS`` grid points is a ``ValueError`` (before any large
        allocation) that suggests ``RDPAccountant`` or a larger ``eps_error``; so is
        ``delta < MIN_DELTA`` (1e-300).
        """
        delta = check_delta(delta)
        if delta < MIN_DELTA:
            raise ValueError(f"delta must be >= {MIN_DELTA:g} for PRVAccountant (the shares of delta given "
                             f"to its numerical errors would underflow), got {delta!r}; use RDPAccountant")
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
