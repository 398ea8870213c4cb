"""Checkers for exercise 04 (composition, accounting, auditing). Deterministic formulas, compared
to an independent computation; messages name the input and the property only."""

from __future__ import annotations

import math

from scipy import stats

from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error


def _pair(out, call):
    if not (isinstance(out, tuple) and len(out) == 2):
        raise CheckFailure(f"{call} must return a tuple (epsilon, delta)")
    return float(out[0]), float(out[1])


def _num(out, call):
    if isinstance(out, bool) or not isinstance(out, (int, float)) and not hasattr(out, "__float__"):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected a float")
    return float(out)


def check_basic_composition(fn) -> None:
    for eps, dels in [([0.5, 0.25, 1.0], [1e-6, 0.0, 1e-5]), ([0.1] * 10, [0.0] * 10), ([2.0], [1e-7])]:
        call = f"basic_composition({eps}, {dels})"
        e, d = _pair(fn(list(eps), list(dels)), call)
        if not (math.isclose(e, sum(eps), rel_tol=1e-12) and math.isclose(d, sum(dels), rel_tol=1e-12,
                                                                          abs_tol=1e-18)):
            raise CheckFailure(f"{call}: wrong total",
                               hint="Sequential composition adds the epsilons AND the deltas.")
    expect_error(fn, ([0.1, 0.2], [0.0]), (ValueError,), "basic_composition with lists of different length")


def check_advanced_composition(fn) -> None:
    for eps, delta, k, dp in [(0.1, 0.0, 100, 1e-5), (0.01, 1e-7, 1000, 1e-6), (1.0, 0.0, 2, 1e-5),
                              (0.5, 1e-8, 50, 0.01)]:
        call = f"advanced_composition(epsilon={eps}, delta={delta}, k={k}, delta_prime={dp})"
        e, d = _pair(fn(eps, delta, k, dp), call)
        want = math.sqrt(2 * k * math.log(1 / dp)) * eps + k * eps * math.expm1(eps)
        if not math.isclose(e, want, rel_tol=1e-7):
            raise CheckFailure(f"{call}: wrong epsilon",
                               hint="sqrt(2 k ln(1/δ')) ε + k ε (e^ε - 1): check the 2, the k inside the "
                               "root, and ln(1/δ') (not ln δ').")
        if not math.isclose(d, k * delta + dp, rel_tol=1e-7, abs_tol=1e-18):
            raise CheckFailure(f"{call}: wrong total delta", hint="δ_total = k δ + δ'.")
    expect_error(fn, (0.1, 0.0, 0, 1e-5), (ValueError,), "advanced_composition(..., k=0)")
    expect_error(fn, (0.1, 0.0, 10, 0.0), (ValueError,), "advanced_composition(..., delta_prime=0)")
    expect_error(fn, (0.1, 0.0, 10, 1.0), (ValueError,), "advanced_composition(..., delta_prime=1)")


def check_gaussian_rdp_epsilon(fn) -> None:
    alphas = [1.5, 2.0, 3.0, 5.0, 8.0, 16.0, 32.0, 64.0]
    for sigma, steps, delta in [(1.0, 1, 1e-5), (4.0, 100, 1e-5), (10.0, 1000, 1e-6), (0.8, 3, 1e-3)]:
        call = f"gaussian_rdp_epsilon(sigma={sigma}, steps={steps}, delta={delta}, alphas={alphas})"
        e = _num(fn(sigma, steps, delta, list(alphas)), call)
        want = min(steps * a / (2 * sigma**2) + math.log(1 / delta) / (a - 1) for a in alphas)
        if not math.isclose(e, want, rel_tol=1e-7):
            raise CheckFailure(f"{call}: wrong epsilon",
                               hint="ρ(α) = steps · α / (2σ²); ε = min over α of ρ + ln(1/δ)/(α - 1).")
    expect_error(fn, (1.0, 1, 1e-5, [1.0, 2.0]), (ValueError,),
                 "gaussian_rdp_epsilon(..., alphas=[1.0, 2.0])")
    expect_error(fn, (1.0, 1, 1.5, [2.0]), (ValueError,), "gaussian_rdp_epsilon(..., delta=1.5)")
    expect_error(fn, (0.0, 1, 1e-5, [2.0]), (ValueError,), "gaussian_rdp_epsilon(sigma=0, ...)")


def _cp_upper(k, n, c):
    return 1.0 if k == n else float(stats.beta.ppf(c, k + 1, n - k))


def check_clopper_pearson_upper(fn) -> None:
    for k, n, conf in [(0, 10, 0.95), (3, 10, 0.95), (50, 1000, 0.99), (10, 10, 0.95), (999, 1000, 0.9)]:
        call = f"clopper_pearson_upper(k={k}, n={n}, confidence={conf})"
        u = _num(fn(k, n, conf), call)
        if not math.isclose(u, _cp_upper(k, n, conf), rel_tol=1e-7):
            if math.isclose(u, k / n, rel_tol=1e-7):
                raise CheckFailure(f"{call}: that is the point estimate, not an upper bound",
                                   hint="An audit must not overstate its evidence: use Beta(k+1, n-k).")
            raise CheckFailure(f"{call}: wrong bound",
                               hint="The `confidence` quantile of Beta(k + 1, n - k).")
    expect_error(fn, (11, 10, 0.95), (ValueError,), "clopper_pearson_upper(k=11, n=10)")
    expect_error(fn, (1, 10, 1.0), (ValueError,), "clopper_pearson_upper(..., confidence=1)")


def check_audit_epsilon(fn) -> None:
    for tp, n1, fp, n0, conf in [(900, 1000, 100, 1000, 0.95), (731, 1000, 269, 1000, 0.95),
                                 (500, 1000, 500, 1000, 0.95), (9990, 10000, 2, 10000, 0.99),
                                 (0, 200, 3, 200, 0.95), (200, 200, 0, 200, 0.9)]:
        call = f"audit_epsilon(tp={tp}, n1={n1}, fp={fp}, n0={n0}, confidence={conf})"
        try:
            out = fn(tp, n1, fp, n0, conf)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise CheckFailure(f"{call} raised {type(exc).__name__}",
                               hint="When the TPR lower bound is 0 (tp = 0) the attack proved nothing: the "
                               "bound is max(0, ln 0) = 0, not an error.") from None
        e = _num(out, call)
        c = (1 + conf) / 2
        lo, hi = 1 - _cp_upper(n1 - tp, n1, c), _cp_upper(fp, n0, c)
        want = max(0.0, math.log(lo / hi)) if lo > 0 else 0.0
        naive = math.log((tp / n1) / (fp / n0)) if fp and tp else None
        if naive is not None and naive > want + 1e-6 and math.isclose(e, naive, rel_tol=1e-7):
            raise CheckFailure(f"{call}: this uses the observed rates; it overstates what the attack proved",
                               hint="Use the lower confidence bound of the TPR and the upper bound of "
                               "the FPR.")
        if not math.isclose(e, want, rel_tol=1e-7, abs_tol=1e-12):
            raise CheckFailure(f"{call}: wrong lower bound",
                               hint="ln(TPR_lower / FPR_upper) with each bound at (1 + confidence) / 2, "
                               "and never below 0.")


EXERCISE = Exercise(
    name="04_dp_accounting",
    title="Composition, accounting and auditing",
    tasks=(
        Task("basic_composition", "basic_composition", check_basic_composition, notebook="04_dp_accounting",
             hint="Add up epsilons and deltas."),
        Task("advanced_composition", "advanced_composition", check_advanced_composition,
             notebook="04_dp_accounting", hint="sqrt(2k ln(1/δ')) ε + k ε (e^ε − 1); δ_total = kδ + δ'."),
        Task("gaussian_rdp_epsilon", "gaussian_rdp_epsilon", check_gaussian_rdp_epsilon,
             notebook="04_dp_accounting", hint="Add RDP over steps, convert each α, keep the smallest ε."),
        Task("clopper_pearson_upper", "clopper_pearson_upper", check_clopper_pearson_upper,
             notebook="04_dp_accounting", hint="scipy.stats.beta.ppf(confidence, k + 1, n - k)."),
        Task("audit_epsilon", "audit_epsilon", check_audit_epsilon, notebook="04_dp_accounting",
             hint="Conservative on both sides: TPR lower bound over FPR upper bound."),
    ),
)
