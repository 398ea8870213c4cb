"""Privacy accounting: how much ε (and δ) a sequence of differentially private releases costs.

Three levels, from coarse to tight:

* **composition theorems** for (ε, δ)-DP mechanisms (Dwork & Roth 2014, Ch. 3):
  ``basic_composition`` (ε and δ add up), ``advanced_composition`` (ε grows like ``sqrt(k)``, at
  the price of an extra δ') and ``parallel_composition`` (disjoint data: the worst one counts);
* **Rényi DP** (Mironov 2017): a mechanism is (α, ρ)-RDP when the Rényi divergence of order α
  between its outputs on neighbouring data sets is at most ρ. RDP composes by *adding* ρ at every
  order α, and converts to (ε, δ)-DP at the end (``rdp_to_dp``, ``rdp_to_dp_classic``).
  ``gaussian_rdp`` and ``subsampled_gaussian_rdp`` give ρ(α) for the (Poisson-subsampled) Gaussian
  mechanism that DP-SGD uses, and ``RDPAccountant`` adds them up over training steps, exactly as
  Opacus's ``RDPAccountant`` does (same α grid, same RDP formulas, same conversion);
* **budgets**: ``PrivacyBudget`` keeps a ledger of (ε, δ) spends under basic composition and
  refuses, with ``BudgetExceededError``, the spend that would go over the total.

Conventions: sensitivity 1 (the noise multiplier σ is the noise standard deviation divided by
the L2 sensitivity); δ of an (ε, δ) guarantee lies in (0, 1); Rényi orders α are finite and > 1.
A noise multiplier is 0 (no noise: ε = inf) or at least ``2**-500`` (about 3e-151; below that
2σ² underflows float64, and it is refused with a ``ValueError``); an accountant takes at most
``MAX_STEPS = 2**53`` steps in all. A composed ε beyond the float64 range is a ``ValueError``
(``basic_composition``, ``advanced_composition``), never an ``OverflowError`` or a silent inf.

References:
    C. Dwork, G. Rothblum, S. Vadhan. Boosting and differential privacy. FOCS 2010.
    C. Dwork, A. Roth. The algorithmic foundations of differential privacy. 2014 (Thm 3.16, 3.20).
    I. Mironov. Rényi differential privacy. CSF 2017.
    I. Mironov, K. Talwar, L. Zhang. Rényi differential privacy of the sampled Gaussian
    mechanism. arXiv:1908.10530, 2019.
    B. Balle, G. Barthe, M. Gaboardi, J. Hsu, T. Sato. Hypothesis testing interpretations and
    Rényi differential privacy. AISTATS 2020 (arXiv:1905.09982, Thm 21).
    C. Canonne, G. Kamath, T. Steinke. The discrete Gaussian for differential privacy.
    NeurIPS 2020 (arXiv:2004.00010, Prop 12).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import special

from ._validate import (
    MIN_ACCOUNTABLE_NOISE_MULTIPLIER,
    check_accountable_noise_multiplier,
    check_int,
    check_sample_rate,
)

__all__ = [
    "DEFAULT_ALPHAS",
    "MAX_STEPS",
    "MIN_ACCOUNTABLE_NOISE_MULTIPLIER",
    "BudgetExceededError",
    "PrivacyBudget",
    "RDPAccountant",
    "advanced_composition",
    "basic_composition",
    "gaussian_rdp",
    "parallel_composition",
    "rdp_to_dp",
    "rdp_to_dp_classic",
    "subsampled_gaussian_rdp",
]

#: Rényi orders searched by default: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63; the grid that
#: Opacus's ``RDPAccountant.DEFAULT_ALPHAS`` uses (a tuple here so that it cannot be changed).
DEFAULT_ALPHAS: tuple[float, ...] = tuple([1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)))

# Fractional-α series: stop once both new terms are below exp(-30), as the standard implementation
# (TF Privacy, Opacus) does, so that the numbers agree with it.
_LOG_TERM_CUTOFF = -30.0
#: The most steps an accountant records in all (so that step counts are exact as floats).
MAX_STEPS = 2**53
# Slack for floating-point sums that land exactly on a budget's limit (relative to the limit, and
# never more than 1e-12 in absolute terms).
_BUDGET_TOL = 1e-12

# --------------------------------------------------------------------------- validation helpers


def _check_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must be a number, got nan")
    return value


def _check_epsilon(value, name: str = "epsilon", allow_zero: bool = False) -> float:
    value = _check_real(value, name)
    valid = "a finite number >= 0" if allow_zero else "a finite number > 0"
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {valid}, got {value}")
    return value


def _check_delta(value, name: str = "delta", allow_zero: bool = False) -> float:
    value = _check_real(value, name)
    lo_ok = value >= 0 if allow_zero else value > 0
    if not (lo_ok and value < 1):
        raise ValueError(f"{name} must be in {'[0, 1)' if allow_zero else '(0, 1)'}, got {value}")
    return value


def _check_alpha(value, name: str = "alpha") -> float:
    value = _check_real(value, name)
    if not (math.isfinite(value) and value > 1):
        raise ValueError(f"{name} must be a finite number > 1, got {value}")
    return value


def _check_sequence(values, name: str) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got an array of shape {values.shape}")
    values = list(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    return values


def _check_pairs(epsilons, deltas) -> tuple[list[float], list[float]]:
    eps = [_check_epsilon(e, f"epsilons[{i}]", allow_zero=True)
           for i, e in enumerate(_check_sequence(epsilons, "epsilons"))]
    if deltas is None:
        return eps, [0.0] * len(eps)
    dels = [_check_delta(d, f"deltas[{i}]", allow_zero=True)
            for i, d in enumerate(_check_sequence(deltas, "deltas"))]
    if len(dels) != len(eps):
        raise ValueError(f"deltas must have one entry per epsilon ({len(eps)}), got {len(dels)}")
    return eps, dels


def _check_alphas(alphas, name: str = "alphas") -> tuple[float, ...]:
    return tuple(_check_alpha(a, f"{name}[{i}]") for i, a in enumerate(_check_sequence(alphas, name)))


def _finite_epsilon(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{what} exceeds the float64 range (about 1.8e308): the guarantee is vacuous")
    return value


def _fsum(values: list[float], what: str) -> float:
    """``math.fsum``, with an overflow turned into a clear ``ValueError``."""
    try:
        total = math.fsum(values)
    except OverflowError:
        total = math.inf
    return _finite_epsilon(total, what)


# --------------------------------------------------------------------------- composition theorems


def basic_composition(
    epsilons: Sequence[float], deltas: Sequence[float] | None = None
) -> tuple[float, float]:
    """Basic (sequential) composition: k mechanisms, the i-th (ε_i, δ_i)-DP, are (Σ ε_i, Σ δ_i)-DP.

    Dwork & Roth (2014), Thm 3.16. Each ε_i must be finite and >= 0 and each δ_i in [0, 1)
    (0 is meaningful: a pure ε-DP mechanism); ``deltas=None`` means all δ_i = 0. A sum of ε beyond
    the float64 range is a ``ValueError``.
    """
    eps, dels = _check_pairs(epsilons, deltas)
    return _fsum(eps, "the composed epsilon"), math.fsum(dels)


def advanced_composition(epsilon: float, delta: float, k: int, delta_prime: float) -> tuple[float, float]:
    """Advanced composition of ``k`` (ε, δ)-DP mechanisms (Dwork, Rothblum & Vadhan 2010).

    For every δ' in (0, 1) the k-fold composition is (ε', kδ + δ')-DP with (Dwork & Roth Thm 3.20)::

        ε' = sqrt(2 k ln(1/δ')) ε + k ε (e^ε − 1)

    It beats basic composition (kε) only when k is large and ε small; for a few mechanisms kε is
    smaller. ``epsilon`` finite > 0, ``delta`` in [0, 1) (0 for pure ε-DP mechanisms), ``k`` an int
    >= 1, ``delta_prime`` in (0, 1). Returns ``(ε', kδ + δ')``. An ε' beyond the float64 range (a
    large ε or k) is a ``ValueError``, never an ``OverflowError`` or inf; a total δ >= 1 is returned
    as it is (a vacuous guarantee, but a true one).
    """
    epsilon = _check_epsilon(epsilon, "epsilon")
    delta = _check_delta(delta, "delta", allow_zero=True)
    k = check_int(k, "k", 1)
    delta_prime = _check_delta(delta_prime, "delta_prime")
    what = f"the composed epsilon of advanced_composition(epsilon={epsilon!r}, k={k})"
    try:  # float(k), e^ε and the products can overflow: any of them means an ε' beyond float64
        kf = float(k)
        eps_total = (math.sqrt(2 * kf * -math.log(delta_prime)) * epsilon
                     + kf * epsilon * math.expm1(epsilon))
        delta_total = kf * delta + delta_prime
    except OverflowError:
        eps_total = math.inf
    return _finite_epsilon(eps_total, what), delta_total


def parallel_composition(
    epsilons: Sequence[float], deltas: Sequence[float] | None = None
) -> tuple[float, float]:
    """Parallel composition: mechanisms run on *disjoint* parts of the data are (max ε_i, max δ_i)-DP.

    McSherry (2009), "Privacy integrated queries": one person's record lies in at most one part, so
    only one mechanism sees the difference between neighbouring data sets. Same input rules as
    ``basic_composition``.
    """
    eps, dels = _check_pairs(epsilons, deltas)
    return max(eps), max(dels)


# --------------------------------------------------------------------------- RDP of Gaussian mechanisms


def gaussian_rdp(alpha: float, noise_multiplier: float) -> float:
    """RDP of the Gaussian mechanism with sensitivity 1: ``ρ(α) = α / (2σ²)`` (Mironov 2017, Prop 7).

    ``alpha`` finite > 1; ``noise_multiplier`` σ = 0 (no noise, giving ``inf``) or finite and at
    least ``MIN_ACCOUNTABLE_NOISE_MULTIPLIER`` (2**-500; a smaller σ is a ``ValueError``). ρ beyond
    the float64 range rounds to ``inf``.
    """
    alpha = _check_alpha(alpha)
    sigma = check_accountable_noise_multiplier(noise_multiplier)
    return math.inf if sigma == 0 else _gaussian_rdp(alpha, sigma)


def _gaussian_rdp(alpha: float, sigma: float) -> float:
    """``α / (2σ²)`` for σ >= 2**-500 (so 2σ² is a normal float); inf if it overflows."""
    with np.errstate(over="ignore"):
        return float(np.float64(alpha) / (2 * sigma * sigma))


def _log_sum_signed(log_terms: list[float], signs: list[int]) -> float:
    """``log(Σ sign_i · exp(log_terms_i))`` for a positive total, summed exactly (``math.fsum``)."""
    top = max(log_terms)
    if top == -math.inf:
        return -math.inf
    total = math.fsum(s * math.exp(t - top) for t, s in zip(log_terms, signs))
    if total <= 0:
        raise ArithmeticError("the RDP series lost all precision (non-positive sum); try another alpha")
    return top + math.log(total)


def _log_a_int(alpha: int, sigma: float, q: float) -> float:
    """``log A_α`` for integer α by the binomial expansion (Mironov, Talwar & Zhang 2019, Sec 3.3)::

        A_α = Σ_{k=0..α} C(α, k) (1 − q)^(α−k) q^k exp((k² − k) / (2σ²))

    As the binomial weights sum to 1, ``A_α − 1 = Σ_{k>=2} C(α, k) (1 − q)^(α−k) q^k expm1((k² − k)/(2σ²))``,
    a sum of positive terms; summing that keeps ln A_α accurate even when A_α is within 1e-12 of 1.
    """
    log_q, log_1mq = math.log(q), math.log1p(-q)
    terms = []
    for k in range(2, alpha + 1):
        x = (k * k - k) / (2 * sigma * sigma)
        if x == 0:  # underflow for a huge σ: the term is 0
            continue
        log_expm1 = x + math.log(-math.expm1(-x))  # ln(e^x - 1), stable for small and large x
        terms.append(math.log(math.comb(alpha, k)) + k * log_q + (alpha - k) * log_1mq + log_expm1)
    return float(np.logaddexp(0.0, _log_sum_signed(terms, [1] * len(terms)))) if terms else 0.0


def _log_a_frac(alpha: float, sigma: float, q: float) -> float:
    """``log A_α`` for fractional α by the two-sided series of Mironov, Talwar & Zhang (2019, Sec 3.3).

    With μ0 = N(0, σ²), μ1 = N(1, σ²) and z0 = σ² ln(1/q − 1) + 1/2 (where (1 − q)μ0 = qμ1),
    ``A_α = E_{z~μ0}[((1 − q) + q μ1(z)/μ0(z))^α]`` splits at z0 into two convergent binomial series,
    with Φ the standard normal CDF and j = α − k::

        A_α = Σ_k C(α, k) q^k (1 − q)^(α−k) exp((k² − k)/(2σ²)) Φ((z0 − k)/σ)          (z < z0)
            + Σ_k C(α, k) q^(α−k) (1 − q)^k exp((j² − j)/(2σ²)) Φ((j − z0)/σ)          (z > z0)

    Terms are added until both new ones fall below exp(-30), the standard implementation's rule.
    """
    log_q, log_1mq = math.log(q), math.log1p(-q)
    z0 = sigma * sigma * (math.log(1 - q) - log_q) + 0.5
    low, high, signs = [], [], []
    k = 0
    while True:
        coef = special.binom(alpha, k)
        log_coef = math.log(abs(coef))
        j = alpha - k
        log_low = (log_coef + k * log_q + j * log_1mq + (k * k - k) / (2 * sigma * sigma)
                   + special.log_ndtr((z0 - k) / sigma))
        log_high = (log_coef + j * log_q + k * log_1mq + (j * j - j) / (2 * sigma * sigma)
                    + special.log_ndtr((j - z0) / sigma))
        low.append(float(log_low))
        high.append(float(log_high))
        signs.append(1 if coef > 0 else -1)
        k += 1
        if max(log_low, log_high) < _LOG_TERM_CUTOFF:
            break
    return float(np.logaddexp(_log_sum_signed(low, signs), _log_sum_signed(high, signs)))


def subsampled_gaussian_rdp(alpha: float, noise_multiplier: float, sample_rate: float) -> float:
    """RDP of one step of the Poisson-subsampled Gaussian mechanism (DP-SGD), sensitivity 1.

    Each record is included with probability q = ``sample_rate``, then N(0, σ²) noise is added
    (Mironov, Talwar & Zhang 2019). The RDP of order α is ``ρ(α) = ln(A_α) / (α − 1)`` with
    ``A_α = E_{z~μ0}[(μ(z)/μ0(z))^α]``, μ0 = N(0, σ²), μ = (1 − q) N(0, σ²) + q N(1, σ²): exact
    for integer α (finite binomial sum), the convergent series of their Sec 3.3 for fractional α.
    q = 1 gives the plain Gaussian ``α / (2σ²)``; σ = 0 gives ``inf``. The result is clipped to
    ``[0, α / (2σ²)]``, where ρ provably lies, against the series' truncation error.

    Terms are summed exactly (``math.fsum``), so the result agrees with Opacus's ``compute_rdp`` to
    1e-10 relative or better, except at fractional α where A_α is within ~1e-5 of 1 (small q and
    α near 1): there Opacus's term-by-term log-space subtraction loses digits (about 1e-9 relative at
    q = 0.01, σ = 1.1, α = 1.1) and this function is the more accurate one. ε is unaffected.

    ``alpha`` finite > 1, ``noise_multiplier`` 0 or finite >= 2**-500 (see ``gaussian_rdp``),
    ``sample_rate`` in (0, 1].
    """
    alpha = _check_alpha(alpha)
    sigma = check_accountable_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    return _sgm_rdp(alpha, sigma, q)


def _sgm_rdp(alpha: float, sigma: float, q: float) -> float:
    if sigma == 0:
        return math.inf
    gaussian = _gaussian_rdp(alpha, sigma)  # an upper bound; 0 when σ is astronomically large
    if q == 1 or gaussian == 0 or math.isinf(gaussian):
        return gaussian
    if float(alpha).is_integer():
        rdp = _log_a_int(int(alpha), sigma, q) / (alpha - 1)
    else:
        rdp = _log_a_frac(alpha, sigma, q) / (alpha - 1)
    # 0 <= ρ <= α/(2σ²) always (subsampling never hurts); the series' cut-off can step over 0 by
    # ~1e-13 when ρ itself is far smaller (σ in the thousands), so clip to the true range
    return min(max(rdp, 0.0), gaussian)


@lru_cache(maxsize=256)
def _sgm_rdp_grid(sigma: float, q: float, alphas: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(_sgm_rdp(a, sigma, q) for a in alphas)


# --------------------------------------------------------------------------- RDP -> (ε, δ)


def _check_rdp_curve(rdp, alphas, delta) -> tuple[np.ndarray, np.ndarray, float]:
    alphas_arr = np.array(_check_alphas(alphas), dtype=float)
    rdp_list = _check_sequence(rdp, "rdp")
    if len(rdp_list) != len(alphas_arr):
        raise ValueError(f"rdp must have one value per alpha ({len(alphas_arr)}), got {len(rdp_list)}")
    rdp_arr = np.array([_check_real(r, f"rdp[{i}]") for i, r in enumerate(rdp_list)], dtype=float)
    if (rdp_arr < 0).any():
        raise ValueError(f"rdp must be >= 0 (or inf) at every alpha, got min {rdp_arr.min()}")
    return rdp_arr, alphas_arr, _check_delta(delta)


def _best(eps: np.ndarray, alphas: np.ndarray) -> tuple[float, float]:
    i = int(np.argmin(eps))
    if not math.isfinite(eps[i]):
        return math.inf, math.nan
    return max(float(eps[i]), 0.0), float(alphas[i])


def rdp_to_dp(rdp: Sequence[float], alphas: Sequence[float], delta: float) -> tuple[float, float]:
    """(ε, best α): the smallest ε such that (α, ρ(α))-RDP at some listed α implies (ε, δ)-DP.

    The improved conversion of Balle et al. (2020, Thm 21; also Canonne, Kamath & Steinke 2020,
    Prop 12), the one Opacus's ``get_privacy_spent`` uses::

        ε = min_α  ρ(α) + ln((α − 1)/α) − (ln δ + ln α) / (α − 1)

    Never larger than ``rdp_to_dp_classic``. Reported as max(ε, 0): for a tiny ρ and a large δ the
    formula can dip below 0, which says nothing more than ε = 0 does. ``rdp``: ρ(α) >= 0 (``inf``
    allowed) for each α in ``alphas`` (finite, > 1); ``delta`` in (0, 1). When ρ is infinite at
    every α the result is ``(inf, nan)``. A best α at either end of the grid means a wider grid
    might give a smaller ε.
    """
    rdp_arr, alphas_arr, delta = _check_rdp_curve(rdp, alphas, delta)
    eps = rdp_arr + np.log1p(-1 / alphas_arr) - (math.log(delta) + np.log(alphas_arr)) / (alphas_arr - 1)
    return _best(eps, alphas_arr)


def rdp_to_dp_classic(rdp: Sequence[float], alphas: Sequence[float], delta: float) -> tuple[float, float]:
    """(ε, best α) by Mironov's (2017, Prop 3) conversion: ``ε = min_α ρ(α) + ln(1/δ) / (α − 1)``.

    Simpler and looser than ``rdp_to_dp``; kept for comparison. Same inputs as ``rdp_to_dp``.
    """
    rdp_arr, alphas_arr, delta = _check_rdp_curve(rdp, alphas, delta)
    return _best(rdp_arr + math.log(1 / delta) / (alphas_arr - 1), alphas_arr)


# --------------------------------------------------------------------------- accountant


class Accountant:
    """The interface every accountant shares (as Opacus's): ``step`` records, ``get_epsilon`` reports.

    ``step(σ, q, steps)`` records ``steps`` DP-SGD steps with noise multiplier σ >= 0 (0: no noise,
    ε = inf; a positive σ below 2**-500 is a ``ValueError``, see ``gaussian_rdp``) and Poisson
    sampling rate q in (0, 1]; a run with the same (σ, q) as the previous entry is merged into it.
    At most ``MAX_STEPS`` (2**53) steps in all. ``history`` lists the runs as
    ``(noise_multiplier, sample_rate, steps)``.
    Subclasses say how the recorded steps become ε in ``get_epsilon(delta)``.
    """

    def __init__(self) -> None:
        self._history: list[tuple[float, float, int]] = []
        self._total_steps = 0

    @property
    def history(self) -> list[tuple[float, float, int]]:
        """The recorded steps as ``(noise_multiplier, sample_rate, steps)`` (a copy)."""
        return list(self._history)

    def step(self, noise_multiplier: float, sample_rate: float, steps: int = 1) -> None:
        """Record ``steps`` steps with noise multiplier σ >= 0 and sampling rate q in (0, 1]."""
        sigma = check_accountable_noise_multiplier(noise_multiplier)
        q = check_sample_rate(sample_rate)
        steps = check_int(steps, "steps", 1)
        if self._total_steps + steps > MAX_STEPS:
            more = str(steps) if steps < 10**16 else f"about 10**{len(str(steps)) - 1}"
            raise ValueError(f"steps: an accountant records at most 2**53 steps in all, got {more} more "
                             f"after {self._total_steps}")
        self._total_steps += steps
        if self._history and self._history[-1][:2] == (sigma, q):
            steps += self._history.pop()[2]
        self._history.append((sigma, q, steps))

    def get_epsilon(self, delta: float) -> float:
        raise NotImplementedError

    @property
    def total_steps(self) -> int:
        return self._total_steps

    def __len__(self) -> int:
        return len(self._history)


class RDPAccountant(Accountant):
    """Adds up the RDP of DP-SGD steps (subsampled Gaussian mechanism) and reports (ε, δ).

    ``step(σ, q, steps)`` records ``steps`` steps with noise multiplier σ and Poisson sampling rate
    q; ``rdp()`` is the total ``Σ steps · ρ_{σ,q}(α)`` at each α of ``alphas`` (RDP composition,
    Mironov 2017, Prop 1); ``get_epsilon(δ)`` converts it with ``rdp_to_dp``. With the default α grid
    the numbers are Opacus's ``RDPAccountant`` ones. An accountant with no steps reports ε = 0.
    """

    def __init__(self, alphas: Sequence[float] | None = None):
        super().__init__()
        self._alphas = DEFAULT_ALPHAS if alphas is None else _check_alphas(alphas)

    @property
    def alphas(self) -> list[float]:
        """The Rényi orders searched (a copy)."""
        return list(self._alphas)

    def rdp(self) -> np.ndarray:
        """Total RDP ρ(α) of all recorded steps, one value per α of ``alphas`` (zeros if none)."""
        total = np.zeros(len(self._alphas))
        for sigma, q, steps in self._history:
            total = total + steps * np.array(_sgm_rdp_grid(sigma, q, self._alphas))
        return total

    def get_epsilon_and_alpha(self, delta: float) -> tuple[float, float]:
        """``(ε, best α)`` spent so far at ``delta`` in (0, 1); ``(0.0, nan)`` before any step."""
        delta = _check_delta(delta)
        if not self._history:
            return 0.0, math.nan
        return rdp_to_dp(self.rdp(), self._alphas, delta)

    def get_epsilon(self, delta: float) -> float:
        """ε spent so far at ``delta`` in (0, 1) (``inf`` if a step had σ = 0)."""
        return self.get_epsilon_and_alpha(delta)[0]

    def __repr__(self) -> str:
        runs = len(self._history)
        return f"RDPAccountant({self.total_steps} steps in {runs} runs, {len(self._alphas)} alphas)"


# --------------------------------------------------------------------------- budget


class BudgetExceededError(RuntimeError):
    """A spend would take a ``PrivacyBudget`` over its total ε or δ."""


class PrivacyBudget:
    """A total (ε, δ) budget and a ledger of spends, added up by basic composition.

    ``spend(ε, δ, label)`` records a release; the spend that would go over the total raises
    ``BudgetExceededError`` *before* anything is recorded. Sums are exact (``math.fsum``) with a
    slack of 1e-12 (times the total when it is below 1) so that e.g. ten spends of 0.1 fill 1.0.
    ``epsilon``: finite > 0; ``delta``: in [0, 1) (0 for a pure ε-DP budget).
    """

    def __init__(self, epsilon: float, delta: float = 0.0):
        self._epsilon = _check_epsilon(epsilon, "epsilon")
        self._delta = _check_delta(delta, "delta", allow_zero=True)
        self._ledger: list[tuple[str, float, float]] = []

    @property
    def epsilon(self) -> float:
        """The total ε of the budget."""
        return self._epsilon

    @property
    def delta(self) -> float:
        """The total δ of the budget."""
        return self._delta

    @property
    def ledger(self) -> list[tuple[str, float, float]]:
        """The recorded spends as ``(label, ε, δ)`` (a copy)."""
        return list(self._ledger)

    @property
    def spent(self) -> tuple[float, float]:
        """``(Σ ε, Σ δ)`` of the recorded spends."""
        return (math.fsum(e for _, e, _ in self._ledger), math.fsum(d for _, _, d in self._ledger))

    @property
    def remaining(self) -> tuple[float, float]:
        """``(ε, δ)`` still available (never below 0)."""
        eps, delta = self.spent
        return max(self.epsilon - eps, 0.0), max(self.delta - delta, 0.0)

    @staticmethod
    def _fits(spends: list[float], extra: float, limit: float) -> bool:
        try:
            return math.fsum([*spends, extra]) <= limit + _BUDGET_TOL * min(1.0, limit)
        except OverflowError:  # the sum exceeds the float64 range, so it exceeds every finite limit
            return False

    def _check_spend(self, epsilon, delta) -> tuple[float, float]:
        return (_check_epsilon(epsilon, "epsilon", allow_zero=True),
                _check_delta(delta, "delta", allow_zero=True))

    def can_spend(self, epsilon: float, delta: float = 0.0) -> bool:
        """Whether a spend of ``epsilon`` (finite >= 0) and ``delta`` (in [0, 1)) still fits."""
        epsilon, delta = self._check_spend(epsilon, delta)
        return (self._fits([e for _, e, _ in self._ledger], epsilon, self._epsilon)
                and self._fits([d for _, _, d in self._ledger], delta, self._delta))

    def spend(self, epsilon: float, delta: float = 0.0, label: str = "") -> None:
        """Record a release costing ``epsilon`` (finite >= 0) and ``delta`` (in [0, 1)).

        Raises ``BudgetExceededError`` (recording nothing) if it does not fit in what remains.
        """
        epsilon, delta = self._check_spend(epsilon, delta)
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        if not self.can_spend(epsilon, delta):
            eps_left, delta_left = self.remaining
            what = f" for {label!r}" if label else ""
            raise BudgetExceededError(
                f"cannot spend epsilon={epsilon:g}, delta={delta:g}{what}: only epsilon={eps_left:g}, "
                f"delta={delta_left:g} remain of the budget epsilon={self.epsilon:g}, delta={self.delta:g}"
            )
        self._ledger.append((label, epsilon, delta))

    def __repr__(self) -> str:
        eps, delta = self.spent
        return (f"PrivacyBudget(epsilon={self.epsilon:g}, delta={self.delta:g}; spent epsilon={eps:g}, "
                f"delta={delta:g} in {len(self._ledger)} spends)")
