"""Empirical privacy auditing: a statistical *lower* bound on the ε of a mechanism.

A mechanism ``M`` is (ε, δ)-DP when, for neighbouring inputs ``x0, x1`` and every set of outputs
``S``, ``P[M(x1) in S] <= e**ε * P[M(x0) in S] + δ``. Any attacker that says "input 1" on the event
``S`` has a true-positive rate ``TPR = P[M(x1) in S]`` and a false-positive rate
``FPR = P[M(x0) in S]``, so DP forces (the event and its complement)::

    ε >= ln((TPR - δ) / FPR)      and      ε >= ln((1 - FPR - δ) / (1 - TPR))

Run the mechanism many times on each input, count the attacker's answers, and replace the rates
by a Clopper-Pearson lower bound on the TPR and an upper bound on the FPR: the result is a lower
bound on the true ε that holds with the stated confidence. A correct implementation never audits
above its claimed ε (except with probability ``1 - confidence``); a buggy one whose audited bound
exceeds the claim is *proved* wrong. A bound below the claim proves nothing: auditing only finds
bugs, it never certifies privacy.

``audit`` runs the whole procedure for a scalar mechanism with threshold attacks ("output > t" and
"output < t"), choosing the threshold on one half of the runs and measuring on the other half.
The reference mechanisms (``laplace_for_audit``, ``randomized_response_for_audit``,
``sparse_vector_for_audit``) and deliberately broken ones (``broken_*``) are ``AuditMechanism``
objects that carry their claimed ε and the neighbouring inputs to audit them on.

References:
    M. Jagielski, J. Ullman, A. Oprea. Auditing differentially private machine learning: how private
    is private SGD? NeurIPS 2020.
    M. Nasr, S. Song, A. Thakurta, N. Papernot, N. Carlini. Adversary instantiation: lower bounds
    for differentially private machine learning. IEEE S&P 2021.
    C. J. Clopper, E. S. Pearson. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934.
    M. Lyu, D. Su, N. Li. Understanding the sparse vector technique for differential privacy.
    PVLDB 2017 (Alg. 1, correct; Alg. 5, broken).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ._validate import check_epsilon, check_finite, check_generator, check_int, check_positive, check_real

DIRECTIONS = (">", "<")
MAX_THRESHOLDS = 257  # candidate thresholds tried when none are given

# --------------------------------------------------------------------------- validation helpers


def _check_confidence(confidence) -> float:
    c = check_real(confidence, "confidence")
    if not 0.0 < c < 1.0:
        raise ValueError(f"confidence must be in the open interval (0, 1), got {confidence!r}")
    return c


def _check_delta0(delta) -> float:
    d = check_real(delta, "delta")
    if not 0.0 <= d < 1.0:
        raise ValueError(f"delta must be in [0, 1), got {delta!r}")
    return d


def _check_count(k, name: str, n: int, n_name: str) -> int:
    k = check_int(k, name, 0)
    if k > n:
        raise ValueError(f"{name} must be an int in [0, {n_name}] = [0, {n}], got {k}")
    return k


# --------------------------------------------------------------------------- confidence bounds


def _cp_lower(k, n, confidence):
    """Lower end of the two-sided interval: the ``(1 - c)/2`` quantile of Beta(k, n - k + 1); 0 at k = 0."""
    k = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        lo = stats.beta.ppf((1 - confidence) / 2, k, n - k + 1)
    return np.where(k == 0, 0.0, lo)


def _cp_upper(k, n, confidence):
    """Upper end: the ``(1 + c)/2`` quantile of Beta(k + 1, n - k); 1 at k = n."""
    k = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        hi = stats.beta.ppf((1 + confidence) / 2, k + 1, n - k)
    return np.where(k == n, 1.0, hi)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided confidence interval for a binomial proportion after ``k`` successes in ``n``.

    ``lo = Beta(k, n - k + 1).ppf(α/2)`` (0 when ``k = 0``) and ``hi = Beta(k + 1, n - k).ppf(1 - α/2)``
    (1 when ``k = n``), ``α = 1 - confidence`` (Clopper & Pearson 1934). It covers the true proportion
    with probability at least ``confidence``; each end alone is a one-sided bound at level
    ``(1 + confidence)/2``. Same as ``scipy.stats.binomtest(k, n).proportion_ci(confidence,
    method="exact")``.
    """
    n = check_int(n, "n", 1)
    k = _check_count(k, "k", n, "n")
    confidence = _check_confidence(confidence)
    return float(_cp_lower(k, n, confidence)), float(_cp_upper(k, n, confidence))


def _epsilon_bound(tp, n1, fp, n0, delta, confidence):
    """Vectorised ``epsilon_lower_bound`` (no checks)."""
    tpr_lo = _cp_lower(tp, n1, confidence)
    fpr_hi = _cp_upper(fp, n0, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        event = np.log(np.maximum(tpr_lo - delta, 0.0) / fpr_hi)  # fpr_hi > 0 always
        complement = np.log(np.maximum(1.0 - fpr_hi - delta, 0.0) / (1.0 - tpr_lo))  # tpr_lo < 1 always
    return np.maximum(np.maximum(event, complement), 0.0)


def epsilon_lower_bound(
    tp: int, n1: int, fp: int, n0: int, delta: float = 0.0, confidence: float = 0.95
) -> float:
    """A lower bound on ε from an attack's counts, valid with probability ``confidence``.

    The attacker said "input 1" ``tp`` times in ``n1`` runs on input 1 and ``fp`` times in ``n0``
    runs on input 0. ``TPR_lo`` is the lower end of the two-sided Clopper-Pearson interval of
    ``tp/n1`` and ``FPR_hi`` the upper end of that of ``fp/n0``, both at ``confidence``: each is a
    one-sided bound at level ``(1 + confidence)/2``, failing with probability at most
    ``(1 - confidence)/2``, so by the union bound both hold together with probability at least
    ``confidence``. Then (event "say 1" and its complement)::

        ε_lb = max(0, ln((TPR_lo - δ) / FPR_hi), ln((1 - FPR_hi - δ) / (1 - TPR_lo)))

    (a logarithm of a non-positive numerator counts as 0). With ``k`` counts out of ``n`` the bound
    can never exceed about ``ln(n)``: large ε needs many runs to be seen.
    """
    n1 = check_int(n1, "n1", 1)
    n0 = check_int(n0, "n0", 1)
    tp = _check_count(tp, "tp", n1, "n1")
    fp = _check_count(fp, "fp", n0, "n0")
    delta = _check_delta0(delta)
    confidence = _check_confidence(confidence)
    return float(_epsilon_bound(tp, n1, fp, n0, delta, confidence))


# --------------------------------------------------------------------------- the audit


@dataclass(frozen=True)
class AuditResult:
    """What ``audit`` found.

    ``epsilon_lower``: the lower bound on ε (held-out half, at the audit's confidence);
    ``threshold`` and ``direction``: the attack, "input 1" when ``output > threshold`` (``">"``) or
    ``output < threshold`` (``"<"``); ``tpr``/``fpr``: its empirical rates on the held-out half;
    ``n``: runs per input (half chose the attack, half measured it).
    """

    epsilon_lower: float
    threshold: float
    tpr: float
    fpr: float
    n: int
    direction: str = ">"

    def violates(self, epsilon: float) -> bool:
        """True when the audit proves a claimed ``epsilon`` wrong: ``epsilon_lower > epsilon``."""
        return self.epsilon_lower > check_positive(epsilon, "epsilon")


def _accepts_size(mechanism) -> bool:
    try:
        return "size" in inspect.signature(mechanism).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False


def _run(mechanism, x: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` outputs of ``mechanism`` on ``x``: one call with ``size=n`` when it takes ``size``."""
    if _accepts_size(mechanism):
        out = np.asarray(mechanism(x, rng, size=n), dtype=np.float64)
        if out.shape != (n,):
            raise ValueError(f"mechanism(x, rng, size={n}) must return {n} outputs, got shape {out.shape}")
    else:
        out = np.fromiter((float(mechanism(x, rng)) for _ in range(n)), dtype=np.float64, count=n)
    if not np.all(np.isfinite(out)):
        raise ValueError("mechanism must return finite real outputs; it returned NaN or infinity")
    return out


def _counts(out1: np.ndarray, out0: np.ndarray, thresholds: np.ndarray) -> dict[str, tuple]:
    """For each direction: (tp, fp) arrays, the counts of "output > t" (or "< t") per threshold."""
    s1, s0 = np.sort(out1), np.sort(out0)
    return {
        ">": (s1.size - np.searchsorted(s1, thresholds, "right"),
              s0.size - np.searchsorted(s0, thresholds, "right")),
        "<": (np.searchsorted(s1, thresholds, "left"), np.searchsorted(s0, thresholds, "left")),
    }


def _default_thresholds(pooled: np.ndarray) -> np.ndarray:
    values = np.unique(pooled)
    if values.size <= MAX_THRESHOLDS:  # discrete outputs: every value is a candidate
        return values
    return np.unique(np.quantile(pooled, np.linspace(0.0, 1.0, MAX_THRESHOLDS)))


def audit(
    mechanism: Callable,
    x0: float,
    x1: float,
    n: int,
    rng: np.random.Generator,
    delta: float = 0.0,
    confidence: float = 0.95,
    thresholds=None,
) -> AuditResult:
    """Audit a scalar mechanism on neighbouring inputs ``x0, x1`` with threshold attacks.

    ``mechanism(x, rng)`` returns one float output; if it accepts a ``size`` keyword (the reference
    mechanisms do), ``mechanism(x, rng, size=n)`` is called once for ``n`` outputs instead. It runs
    ``n`` times on ``x0``, then ``n`` times on ``x1``. The first ``n // 2`` runs of each choose the
    attack: every threshold ``t`` (``thresholds``, or up to 257 quantiles of those outputs) in both
    directions ("input 1" when ``output > t`` or when ``output < t``) is scored with
    ``epsilon_lower_bound``, and the best is kept. The remaining runs, which played no part in the
    choice, then give the reported ``epsilon_lower_bound(tp, n1, fp, n0, delta, confidence)``, so the
    bound holds with probability ``confidence`` despite the search (Jagielski et al. 2020).
    """
    if not callable(mechanism):
        raise TypeError(f"mechanism must be a callable (x, rng) -> float, got {type(mechanism).__name__}")
    x0 = check_finite(x0, "x0")
    x1 = check_finite(x1, "x1")
    n = check_int(n, "n", 2)
    rng = check_generator(rng)
    delta = _check_delta0(delta)
    confidence = _check_confidence(confidence)
    if thresholds is not None:
        thresholds = np.asarray(thresholds, dtype=np.float64).reshape(-1)
        if thresholds.size == 0 or not np.all(np.isfinite(thresholds)):
            raise ValueError("thresholds must be None or a non-empty sequence of finite numbers")

    out0 = _run(mechanism, x0, n, rng)
    out1 = _run(mechanism, x1, n, rng)
    half = n // 2
    choose0, eval0 = out0[:half], out0[half:]
    choose1, eval1 = out1[:half], out1[half:]
    if thresholds is None:
        thresholds = _default_thresholds(np.concatenate([choose0, choose1]))

    best = (-1.0, -math.inf, 0.0, ">")  # (bound, point estimate, threshold, direction)
    for direction, (tp, fp) in _counts(choose1, choose0, thresholds).items():
        bound = _epsilon_bound(tp, half, fp, half, delta, confidence)
        # ties (e.g. all bounds 0 with few runs) go to the best smoothed point estimate
        point = np.abs(np.log((tp + 0.5) / (fp + 0.5)))
        i = int(np.lexsort((-point, -bound))[0])
        if (bound[i], point[i]) > best[:2]:
            best = (float(bound[i]), float(point[i]), float(thresholds[i]), direction)
    _, _, threshold, direction = best

    tp, fp = (np.array(c)[0] for c in _counts(eval1, eval0, np.array([threshold]))[direction])
    m = n - half
    return AuditResult(
        epsilon_lower=epsilon_lower_bound(int(tp), m, int(fp), m, delta, confidence),
        threshold=threshold,
        tpr=int(tp) / m,
        fpr=int(fp) / m,
        n=n,
        direction=direction,
    )


# --------------------------------------------------------------------------- mechanisms under test


@dataclass(frozen=True)
class AuditMechanism:
    """A scalar mechanism under test, with what it claims and where to audit it.

    Call it as ``mech(x, rng)`` for one float output or ``mech(x, rng, size=n)`` for a float64
    array of ``n``. ``claimed_epsilon`` is the ε its author claims (δ = 0); ``x0, x1`` are
    neighbouring inputs (for a query of sensitivity Δ they differ by Δ).
    """

    name: str
    claimed_epsilon: float
    x0: float
    x1: float
    sample: Callable[[float, np.random.Generator, int], np.ndarray] = field(repr=False)
    description: str = ""

    def __call__(self, x: float, rng: np.random.Generator, size: int | None = None):
        x = check_finite(x, "x")
        rng = check_generator(rng)
        if size is None:
            return float(self.sample(x, rng, 1)[0])
        return np.asarray(self.sample(x, rng, check_int(size, "size", 0)), dtype=np.float64)


def laplace_for_audit(sensitivity: float, epsilon: float) -> AuditMechanism:
    """The Laplace mechanism ``x + Laplace(Δ/ε)``: correct, ε-DP for neighbours ``x0 = 0, x1 = Δ``."""
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    scale = sensitivity / epsilon

    def sample(x, rng, n):
        return x + rng.laplace(0.0, scale, size=n)

    return AuditMechanism("laplace", epsilon, 0.0, sensitivity, sample,
                          f"x + Laplace({sensitivity}/{epsilon})")


def randomized_response_for_audit(epsilon: float) -> AuditMechanism:
    """Randomized response on a bit: report ``x`` with probability ``e**ε / (1 + e**ε)``, else ``1 - x``.

    Exactly ε-DP for ``x0 = 0, x1 = 1``: ``TPR / FPR = e**ε`` for the attack "output > 0", so the
    audit can be tight.
    """
    epsilon = check_epsilon(epsilon)
    keep = math.exp(epsilon) / (1.0 + math.exp(epsilon))

    def sample(x, rng, n):
        if x not in (0.0, 1.0):
            raise ValueError(f"x must be 0 or 1 for randomized response, got {x!r}")
        return np.where(rng.random(n) < keep, x, 1.0 - x)

    return AuditMechanism("randomized response", epsilon, 0.0, 1.0, sample,
                          f"keep the bit with probability {keep:.4f}")


def _sparse_vector_sample(epsilon: float, query_noise: bool):
    """Sparse vector on the two queries ``q = (x, -x)`` (sensitivity 1 each), threshold ``T = 0``.

    Correct (``query_noise=True``, Lyu et al. 2017 Alg. 1 with c = 1): ``ρ = Laplace(2/ε)``,
    ``ν_i = Laplace(4/ε)``, stop at the first ``q_i + ν_i >= ρ``; the output is its index (1 or 2),
    3 when neither query is above. Broken (Alg. 5): no noise on the queries and no cut-off, the
    one noisy threshold reused for both; the output ``[q_1 >= ρ] - [q_2 >= ρ]`` is 0 for ``x = 0``
    whatever ``ρ`` is, but 1 for ``x = 1`` whenever ``-1 < ρ <= 1``: infinite privacy loss.
    """

    def sample(x, rng, n):
        rho = rng.laplace(0.0, 2.0 / epsilon, size=n)
        if not query_noise:
            return (x >= rho).astype(np.float64) - (-x >= rho).astype(np.float64)
        above1 = x + rng.laplace(0.0, 4.0 / epsilon, size=n) >= rho
        above2 = -x + rng.laplace(0.0, 4.0 / epsilon, size=n) >= rho
        return np.where(above1, 1.0, np.where(above2, 2.0, 3.0))

    return sample


def sparse_vector_for_audit(epsilon: float) -> AuditMechanism:
    """The sparse vector technique done right (Lyu et al. 2017, Alg. 1, c = 1): ε-DP.

    Two queries ``(x, -x)``, threshold 0, ``ρ = Laplace(2/ε)``, ``ν_i = Laplace(4/ε)``; the output is
    the index of the first query above the noisy threshold (3 when none). Neighbours ``x0 = 0, x1 = 1``.
    """
    epsilon = check_epsilon(epsilon)
    return AuditMechanism("sparse vector", epsilon, 0.0, 1.0, _sparse_vector_sample(epsilon, True),
                          "SVT with noisy threshold and noisy queries, stops at the first query above")


def broken_wrong_sensitivity(epsilon: float) -> AuditMechanism:
    """BROKEN: ``x + Laplace(1/ε)`` for a query whose neighbours differ by 4 (``x0 = 0, x1 = 4``).

    The author assumed sensitivity 1; the real sensitivity is 4, so the mechanism is only 4ε-DP.
    """
    epsilon = check_epsilon(epsilon)

    def sample(x, rng, n):
        return x + rng.laplace(0.0, 1.0 / epsilon, size=n)

    return AuditMechanism("wrong sensitivity", epsilon, 0.0, 4.0, sample,
                          "noise for sensitivity 1, neighbours differ by 4: really 4ε-DP")


def broken_scale_times_epsilon(epsilon: float) -> AuditMechanism:
    """BROKEN: Laplace noise of scale ``ε·Δ`` instead of ``Δ/ε`` (Δ = 1, ``x0 = 0, x1 = 1``).

    Really ``(1/ε)``-DP: for ``ε = 0.5`` the noise is 4 times too small and the true ε is 2.
    (For ``ε >= 1`` the bug makes the noise larger, not smaller, and the claim holds.)
    """
    epsilon = check_epsilon(epsilon)

    def sample(x, rng, n):
        return x + rng.laplace(0.0, epsilon * 1.0, size=n)

    return AuditMechanism("scale times epsilon", epsilon, 0.0, 1.0, sample,
                          "noise scale ε·Δ instead of Δ/ε: really (1/ε)-DP")


def broken_data_dependent_clipping(epsilon: float) -> AuditMechanism:
    """BROKEN: a clipped contribution ``x >= 0`` whose clipping bound comes from ``x`` itself.

    Meant: clip to a public bound ``C`` and add ``Laplace(C/ε)``. Written: ``C = max(1, |x|)``,
    computed from the data, so nothing is ever clipped and the noise scale itself depends on the
    input. Neighbours ``x0 = 0`` (no contribution) and ``x1 = 4`` (an outlier): the outputs are
    ``Laplace(1/ε)`` and ``4 + Laplace(4/ε)``, whose privacy loss is unbounded in the tail.
    """
    epsilon = check_epsilon(epsilon)

    def sample(x, rng, n):
        bound = max(1.0, abs(x))  # the bug: a data-dependent clipping bound
        return np.clip(x, 0.0, bound) + rng.laplace(0.0, bound / epsilon, size=n)

    return AuditMechanism("data-dependent clipping", epsilon, 0.0, 4.0, sample,
                          "clipping bound max(1, |x|) taken from the data itself: not DP at all")


def broken_sparse_vector(epsilon: float) -> AuditMechanism:
    """BROKEN sparse vector (Lyu et al. 2017, Alg. 5): noisy threshold, no noise on the queries.

    Two queries ``(x, -x)`` compared with the same noisy threshold ``ρ = Laplace(2/ε)``, no query
    noise and no cut-off; the output statistic is ``[x >= ρ] - [-x >= ρ]``. For ``x0 = 0`` it is
    always 0; for ``x1 = 1`` it is 1 with probability ``1 - e**(-ε/2)``, an output ``x0`` can never
    give: claimed ε-DP, really not DP at all.
    """
    epsilon = check_epsilon(epsilon)
    return AuditMechanism("broken sparse vector", epsilon, 0.0, 1.0, _sparse_vector_sample(epsilon, False),
                          "one noisy threshold reused, queries without noise: not DP at all")
