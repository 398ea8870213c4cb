"""Checkers for exercise 12 (choosing protection: the report card). Every answer is compared with an
independent computation here; typical mistakes are named by the property they break. The card's
numbers are asked for on data drawn afresh for every call, so numbers copied from the notebook fail.
Messages name the input and the property, never the expected numbers."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error


def _number(out, call: str, what: str = "a float") -> float:
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer, np.floating)):
        if not (isinstance(out, np.ndarray) and out.ndim == 0 and out.dtype.kind in "iuf"):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected {what}")
    return float(out)


def _cp(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper–Pearson by the regularised incomplete beta function's inverse (not scipy.stats.beta)."""
    a = (1 - confidence) / 2
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, a))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - a))
    return low, high


# ----------------------------------------------------------------------------- clopper_pearson


def _wald(k, n, confidence):
    p = k / n
    h = special.ndtri(0.5 + confidence / 2) * math.sqrt(p * (1 - p) / n)
    return p - h, p + h


def _wilson(k, n, confidence):
    z = special.ndtri(0.5 + confidence / 2)
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return mid - h, mid + h


def _pair(out, call):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"{call} returned {type(out).__name__}"
                           + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
                           + ", expected a tuple (low, high)")
    return _number(out[0], f"{call}[0]"), _number(out[1], f"{call}[1]")


def check_clopper_pearson(fn) -> None:
    cases = [(3, 10, None), (0, 10, None), (10, 10, None), (50, 100, None), (7, 1000, None),
             (999, 1000, None), (1, 1, None), (0, 1, None), (12, 40, 0.9), (5, 20, 0.99), (0, 5, 0.5),
             (123, 457, 0.8)]
    for k, n, conf in cases:
        c = 0.95 if conf is None else conf
        call = f"clopper_pearson(k={k}, n={n}" + (")" if conf is None else f", confidence={conf})")
        with np.errstate(all="ignore"):
            low, high = _pair(fn(k, n) if conf is None else fn(k, n, conf), call)
        want = _cp(k, n, c)
        if abs(low - want[0]) <= 1e-9 and abs(high - want[1]) <= 1e-9:
            continue
        if not (math.isfinite(low) and math.isfinite(high)):
            end = "k = 0" if k == 0 else "k = n" if k == n else "this input"
            raise CheckFailure(f"{call}: an end is NaN or infinite at {end}",
                               hint="Beta(0, ...) and Beta(..., 0) do not exist: the interval starts at "
                               "exactly 0 when k = 0 and ends at exactly 1 when k = n.")
        if low > high:
            raise CheckFailure(f"{call}: low is above high", hint="Return (low, high) in that order.")
        for other, mistake, hint in [
                (_cp(k, n, 1 - 2 * (1 - c)), "each end leaves out 1 − confidence instead of half of it "
                 "(a one-sided bound at each end)",
                 "Two-sided: α = 1 − confidence is split, α/2 below and α/2 above."),
                (_cp(k, n, 1 - c), "confidence is used where α = 1 − confidence belongs",
                 "At 95 % the ends are the 2.5 % and 97.5 % quantiles."),
                (_wald(k, n, c), "that is the normal (Wald) approximation, not the exact interval",
                 "Use quantiles of the Beta distribution: exact, and sensible at 0 and n."),
                (_wilson(k, n, c), "that is Wilson's score interval, not the exact one",
                 "Clopper–Pearson: Beta quantiles."),
                ((float(special.betaincinv(k + 1, n - k + 1, (1 - c) / 2)),
                  float(special.betaincinv(k + 1, n - k + 1, (1 + c) / 2))),
                 "both ends come from the one Beta(k + 1, n − k + 1) (a Bayesian interval)",
                 "low: Beta(k, n − k + 1); high: Beta(k + 1, n − k).")]:
            if abs(low - other[0]) <= 1e-9 and abs(high - other[1]) <= 1e-9:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if k == 0 and low != 0:
            raise CheckFailure(f"{call}: the lower end at k = 0 is not 0",
                               hint="No success seen: the interval starts at 0.")
        if k == n and abs(high - 1.0) > 1e-9:
            raise CheckFailure(f"{call}: the upper end at k = n is not 1",
                               hint="Every trial a success: the interval ends at 1.")
        end = "lower end" if abs(low - want[0]) > 1e-9 else "upper end"
        raise CheckFailure(f"{call}: wrong {end}",
                           hint="low = Beta(k, n − k + 1).ppf(α/2), high = Beta(k + 1, n − k).ppf(1 − α/2), "
                           "α = 1 − confidence.")
    for args in [(-1, 10), (11, 10), (0, 0), (5, 10, 0.0), (5, 10, 1.0), (5, 10, 1.5), (5, 10, float("nan"))]:
        expect_error(fn, args, (ValueError,), f"clopper_pearson{args}")


# ----------------------------------------------------------------------------- dp_tpr_bound


def _bound(e, d, f):
    if math.isinf(e):
        return 1.0
    return min(1.0, d + f * math.exp(e), 1.0 - (1.0 - d - f) * math.exp(-e))


def check_dp_tpr_bound(fn) -> None:
    cases = [(1.0, 0.0, 0.01), (1.0, 1e-5, 0.01), (0.0, 0.0, 0.3), (2.0, 1e-5, 0.0), (math.log(3), 0.0, 0.2),
             (1.0, 0.0, 0.5), (0.5, 0.1, 0.6), (8.0, 1e-5, 0.01), (0.1, 0.2, 0.9), (3.0, 0.0, 1.0),
             (4.0, 0.01, 0.001), (0.25, 0.0, 0.05), (math.inf, 1e-5, 0.01), (math.inf, 0.0, 0.0)]
    for e, d, f in cases:
        call = f"dp_tpr_bound(epsilon={e:g}, delta={d:g}, fpr={f:g})"
        with np.errstate(all="ignore"):
            got = _number(fn(e, d, f), call)
        want = _bound(e, d, f)
        if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            continue
        if math.isnan(got):
            raise CheckFailure(f"{call}: returned NaN",
                               hint="ε = inf means no DP: every TPR is possible. Handle it before e^ε · fpr "
                               "(inf · 0 is NaN).")
        if got > 1:
            raise CheckFailure(f"{call}: a rate above 1", hint="A TPR is at most 1: take the min with 1.")
        if math.isinf(e):
            raise CheckFailure(f"{call}: wrong bound without DP (ε = inf)", hint="No DP, no limit: 1.0.")
        ee = math.exp(e)
        for other, mistake, hint in [
                (min(1.0, d + f * ee), "only the bound of the event 'member' (TPR ≤ e^ε·fpr + δ) is used",
                 "The complement gives a second bound, 1 − e^(−ε)(1 − δ − fpr): tighter at large FPR."),
                (min(1.0, (d + f) * ee), "δ is multiplied by e^ε", "e^ε · fpr + δ: δ is added after."),
                (min(1.0, f * ee, 1 - (1 - f) / ee), "δ is left out", "Both bounds carry δ."),
                (min(1.0, d + f / ee, 1 - (1 - d - f) * ee), "e^ε and e^(−ε) are swapped",
                 "DP lets the TPR exceed the FPR by a FACTOR e^ε: TPR ≤ e^ε · fpr + δ."),
                (min(1.0, d + f * (1 + e), 1 - (1 - d - f) / (1 + e)), "ε is used where e^ε belongs",
                 "The factor is e^ε = exp(epsilon)."),
                (min(1.0, max(d + f * ee, 1 - (1 - d - f) / ee)),
                 "the larger of the two bounds is taken", "Both hold, so the smaller one binds.")]:
            if math.isclose(got, other, rel_tol=1e-9, abs_tol=1e-12):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong bound",
                           hint="min(1, e^ε · fpr + δ, 1 − e^(−ε) · (1 − δ − fpr)).")
    nan = float("nan")
    for args in [(-1.0, 0.0, 0.1), (nan, 0.0, 0.1), (1.0, -0.1, 0.1), (1.0, 1.0, 0.1), (1.0, nan, 0.1),
                 (1.0, 0.0, -0.1), (1.0, 0.0, 1.5), (1.0, 0.0, nan)]:
        expect_error(fn, args, (ValueError,), f"dp_tpr_bound{args}")


# ----------------------------------------------------------------------------- contradicts


def _contradicts_reference(e, d, tp, n1, fp, n0):
    """The log form of the same test: the attack's ε lower bound exceeds the claim."""
    if math.isinf(e):
        return False
    tpr_lo, _ = _cp(tp, n1)
    _, fpr_hi = _cp(fp, n0)
    with np.errstate(divide="ignore"):
        event = math.log(tpr_lo - d) - math.log(fpr_hi) if tpr_lo > d else -math.inf
        rest = 1 - fpr_hi - d
        complement = math.log(rest) - math.log1p(-tpr_lo) if rest > 0 else -math.inf
    return max(event, complement) > e


# (claim ε, δ, tp, n_members, fp, n_nonmembers), what the case shows, the hint when it is judged wrongly
_CONTRADICT_CASES = [
    ((1.0, 1e-5, 600, 1000, 10, 1000), "a strong attack against a weak claim",
     "Compare the attack's TPR lower end with the DP bound at its FPR upper end."),
    ((2.0, 1e-5, 30, 1000, 10, 1000), "a weak attack",
     "A claim is refuted only when even the attack's TPR lower end beats the bound."),
    ((math.inf, 0.0, 1000, 1000, 0, 1000), "no DP claimed (ε = inf) and a perfect attack",
     "Without DP no TPR is impossible: nothing to contradict."),
    ((4.0, 0.05, 6, 100, 0, 100), "point estimates that beat the bound, intervals that do not",
     "Use the interval ends, not tp/n and fp/n: TPR's LOWER end, FPR's UPPER end."),
    ((4.0, 1e-5, 22, 100, 2, 100), "an attack refuting only if its FPR were at the lower end",
     "The FPR could be as high as its interval's UPPER end: use that one."),
    ((0.5, 1e-5, 62, 100, 42, 100), "an attack refuting only if its TPR were at the upper end",
     "The TPR is only surely as high as its interval's LOWER end."),
    ((2.0, 0.2, 74, 100, 2, 100), "an attack near the edge",
     "The ends of the TWO-sided 95 % intervals: the 2.5 % and 97.5 % quantiles."),
    ((0.5, 0.0, 1000, 1000, 580, 1000), "an attack at a high FPR",
     "At a high FPR the complement's bound 1 − e^(−ε)(1 − δ − fpr) is the one that binds."),
    ((1.0, 0.2, 20, 1000, 0, 1000), "a large δ",
     "δ is part of the bound: e^ε · fpr + δ."),
]


def _bool(out, call):
    if not isinstance(out, (bool, np.bool_)):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected a bool (True or False)")
    return bool(out)


def check_contradicts(fn) -> None:
    cases = list(_CONTRADICT_CASES)
    gen = np.random.default_rng(1203)
    for _ in range(60):  # more claims and attacks, away from the edge
        n1, n0 = int(gen.integers(50, 2000)), int(gen.integers(50, 2000))
        e, d = float(gen.choice([0.25, 0.5, 1.0, 2.0, 4.0, 8.0])), float(gen.choice([0.0, 1e-5, 1e-3, 0.05]))
        case = (e, d, int(gen.integers(0, n1 + 1)), n1, int(gen.integers(0, n0 + 1)), n0)
        e, d, tp, _, fp, _ = case
        lo, hi = _cp(tp, n1)[0], _cp(fp, n0)[1]
        if abs(lo - _bound(e, d, hi)) > 1e-6:
            cases.append((case, "a random claim and attack",
                          "TPR lower end > min(1, e^ε·FPR_hi + δ, 1 − e^(−ε)(1 − δ − FPR_hi))."))
    for args, what, hint in cases:
        e, d, tp, n1, fp, n0 = args
        call = (f"contradicts(claimed_epsilon={e:g}, delta={d:g}, tp={tp}, n_members={n1}, fp={fp}, "
                f"n_nonmembers={n0}) [{what}]")
        with np.errstate(all="ignore"):
            got = _bool(fn(*args), call)
        want = _contradicts_reference(*args)
        if got != want:
            verdict = "refutes the claim" if got else "does not refute the claim"
            raise CheckFailure(f"{call}: says the attack {verdict}; it is the other way round", hint=hint)
    for args in [(1.0, 0.0, 11, 10, 0, 10), (1.0, 0.0, 5, 10, -1, 10), (1.0, 0.0, 0, 0, 0, 10),
                 (1.0, 0.0, 5, 10, 11, 10)]:
        expect_error(fn, args, (ValueError,), f"contradicts{args}")


# ----------------------------------------------------------------------------- decide


def _decide_reference(cards, utility, max_loss, threats):
    base = cards[0]
    chosen = 0
    for i, card in enumerate(cards[1:], start=1):
        if card[utility][0] < base[utility][0] - max_loss:
            continue
        if any(card[t][1] > base[t][2] for t in threats):
            continue
        if all(card[t][2] >= base[t][1] for t in threats):
            continue
        chosen = i  # a later card is more protected: keep the last that qualifies
    return chosen


def _card(acc, *threats):
    """A card with utility "accuracy" (value, low, high) and threats "A", "B", ... given as intervals."""
    card = {"accuracy": acc, "latency": (1.0, 0.9, 1.1)}
    for name, interval in zip("AB", threats):
        card[name] = interval
    return card


_BASE = _card((0.875, 0.84, 0.91), (0.5, 0.45, 0.55), (0.02, 0.01, 0.04))
# (cards, utility, max_loss, threats), what the case shows, the hint when it is judged wrongly
_DECIDE_CASES = [
    ([_BASE, _card((0.86, 0.82, 0.9), (0.1, 0.08, 0.13), (0.02, 0.01, 0.04))], ["A"],
     "one variant, within the loss, better on the threat", "Within the loss, worse on nothing, better on "
     "one threat beyond the intervals: it qualifies."),
    ([_BASE], ["A"], "only the unprotected card", "Nothing to choose but cards[0]: return 0."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.3, 0.25, 0.35), (0.02, 0.01, 0.04)),
      _card((0.85, 0.81, 0.89), (0.05, 0.03, 0.07), (0.02, 0.01, 0.04))], ["A"],
     "two variants that both qualify", "Choose the MOST protected that qualifies: the last in the list."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.3, 0.25, 0.35), (0.02, 0.01, 0.04)),
      _card((0.6, 0.55, 0.65), (0.05, 0.03, 0.07), (0.02, 0.01, 0.04))], ["A"],
     "the most protected variant loses too much utility", "Skip a variant outside the loss and look at "
     "the next most protected."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.1, 0.08, 0.13), (0.2, 0.15, 0.25))], ["A", "B"],
     "a variant better on one threat and worse on the other beyond the intervals",
     "A variant worse on ANY threat beyond the intervals does not qualify."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.42, 0.38, 0.47), (0.02, 0.01, 0.04))], ["A"],
     "a variant whose value is lower but whose interval overlaps the unprotected one",
     "Better means beyond the intervals: its high below the unprotected card's low."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.1, 0.08, 0.13), (0.03, 0.015, 0.05))], ["A", "B"],
     "a variant slightly higher on one threat, within the intervals, and better on the other",
     "Worse means beyond the intervals too: its low above the unprotected card's high."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.1, 0.08, 0.13), (0.021, 0.01, 0.04))], ["A", "B"],
     "a variant better on one threat and the same on the other",
     "Better on AT LEAST ONE threat is enough."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.5, 0.46, 0.54), (0.02, 0.01, 0.04))], ["A"],
     "a variant within the loss that is better on no threat",
     "A variant must be better on at least one threat beyond the intervals."),
    ([_BASE, _card((0.76, 0.71, 0.81), (0.1, 0.08, 0.13), (0.02, 0.01, 0.04))], ["A"],
     "a variant 0.115 below in utility", "max_loss is in the utility's own units (0.05 = 5 points of "
     "accuracy), not a fraction of the unprotected value."),
    ([_BASE, _card((0.75, 0.7, 0.8), (0.1, 0.08, 0.13), (0.02, 0.01, 0.04))], ["A"],
     "a variant whose utility is exactly max_loss below", "Equality is within the loss: value ≥ "
     "unprotected value − max_loss."),
    ([_BASE, _card((0.7, 0.62, 0.78), (0.1, 0.08, 0.13), (0.02, 0.01, 0.04))], ["A"],
     "a variant whose utility value is beyond the loss but whose interval reaches within it",
     "The loss is measured on the utility VALUES."),
    ([_BASE, _card((0.6, 0.55, 0.65), (0.1, 0.08, 0.13), (0.02, 0.01, 0.04))], ["A"],
     "a variant far below in utility", "Loss = unprotected utility − the variant's utility; it must be "
     "at most max_loss."),
    ([_BASE, _card((0.97, 0.95, 0.99), (0.1, 0.08, 0.13), (0.02, 0.01, 0.04))], ["A"],
     "max_loss 0.0625, a variant with HIGHER utility than the unprotected one",
     "Higher utility is no loss at all: it stays within the loss."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.3, 0.25, 0.45), (0.02, 0.01, 0.04))], ["A"],
     "a variant whose interval ends exactly at the unprotected card's low", "Better beyond the "
     "intervals means strictly below: touching intervals overlap."),
    ([_BASE, _card((0.86, 0.82, 0.9), (0.1, 0.08, 0.13), (0.06, 0.04, 0.08))], ["A", "B"],
     "a variant better on one threat whose other interval starts exactly at the unprotected card's high",
     "Worse beyond the intervals means strictly above: touching intervals overlap."),
]


def _decide_cases():
    for (cards, threats, what, hint) in _DECIDE_CASES:
        yield cards, "accuracy", 0.0625 if what.startswith("max_loss 0.0625") else 0.125, threats, what, hint
    gen = np.random.default_rng(1204)
    for _ in range(300):
        n = int(gen.integers(2, 6))
        threats = ["A", "B", "C"][: int(gen.integers(1, 4))]
        cards = []
        for _ in range(n):
            card = {}
            for name in ["utility", *threats]:
                v = float(gen.uniform(0.05, 0.95))
                card[name] = (v, v - float(gen.uniform(0.005, 0.1)), v + float(gen.uniform(0.005, 0.1)))
            cards.append(card)
        max_loss = float(gen.choice([0.02, 0.05, 0.1, 0.3]))
        yield cards, "utility", max_loss, threats, f"{n} random cards, {len(threats)} threats", \
            "Check the three conditions for each variant, from the most protected down."


def check_decide(fn) -> None:
    for cards, utility, max_loss, threats, what, hint in _decide_cases():
        call = f"decide(cards, {utility!r}, max_loss={max_loss:g}, threats={threats}) [{what}]"
        got = fn([dict(c) for c in cards], utility, max_loss, list(threats))
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise CheckFailure(f"{call} returned {type(got).__name__}, expected an int (the index of "
                               "the chosen card)")
        want = _decide_reference(cards, utility, max_loss, threats)
        if int(got) == want:
            continue
        if not 0 <= int(got) < len(cards):
            raise CheckFailure(f"{call}: returned {int(got)}, which is no index of cards",
                               hint="Return 0 when no variant qualifies.")
        raise CheckFailure(f"{call}: chose " + ("the unprotected card" if int(got) == 0 else
                                                f"cards[{int(got)}]") + ", not what the rule chooses",
                           hint=hint)


# ----------------------------------------------------------------------------- card_numbers

_KEYS = ("tpr_at_1pct_fpr", "tpr_low", "tpr_high", "accuracy", "accuracy_low", "accuracy_high")


def _card_reference(members, others, correct):
    best = 0
    for t in np.unique(np.concatenate([members, others])):
        if np.count_nonzero(others >= t) / len(others) <= 0.01:
            best = max(best, int(np.count_nonzero(members >= t)))
    right = int(np.count_nonzero(correct))
    return dict(zip(_KEYS, (best / len(members), *_cp(best, len(members)), right / len(correct),
                            *_cp(right, len(correct)))))


def _card_data(gen):
    """Fresh data for every call: (description, members, non-members, correct)."""
    n_m, n_o = int(gen.integers(300, 600)), int(gen.integers(500, 1500))
    m, o = gen.normal(1.0, 1.0, n_m), gen.normal(0.0, 1.0, n_o)
    yield "continuous scores", m, o, gen.random(int(gen.integers(200, 400))) < 0.85
    m, o = gen.integers(0, 14, 400).astype(float), gen.integers(0, 12, 200).astype(float)
    yield "integer scores with many ties, 200 non-members", m, o, gen.random(250) < 0.7
    m, o = gen.normal(0.5, 1.0, 250), gen.normal(0.0, 1.0, 100)
    yield "exactly 100 non-members, every prediction correct", m, o, np.ones(120, dtype=bool)
    m, o = gen.normal(0.3, 1.0, 300), gen.normal(0.0, 1.0, 700)
    o[np.argsort(o)[-7:]] = o.max()  # the top 7 non-members tie: FPR 1 % exactly at their score
    m[:40] = o.max()
    yield "the top 7 of 700 non-member scores tied, some members tied with them", m, o, gen.random(500) < 0.6
    m, o = gen.normal(8.0, 1.0, 200), gen.normal(0.0, 1.0, 300)
    yield "members all far above the non-members", m, o, gen.random(300) < 0.95
    m, o = gen.normal(-3.0, 0.5, 150), gen.normal(0.0, 1.0, 400)
    yield "members all below the non-members, no prediction correct", m, o, np.zeros(80, dtype=bool)


def _wald_pair(k, n):
    p = k / n
    h = 1.959963984540054 * math.sqrt(p * (1 - p) / n)
    return p - h, p + h


def _card_mistake(call, m, o, correct, got, want):
    """Name what is wrong with one answer of card_numbers (``got`` differs from ``want``)."""
    wrong = [k for k in _KEYS if not math.isclose(got[k], want[k], rel_tol=1e-9, abs_tol=1e-9)]
    k = wrong[0]
    n_m = len(m)
    if any(all(math.isclose(got[key], round(want[key], digits), abs_tol=1e-12) for key in _KEYS)
           for digits in range(1, 7)):
        raise CheckFailure(f"{call}: the numbers are rounded",
                           hint="Return them as computed; round only when you print them.")
    if k == "tpr_at_1pct_fpr":
        tpr = got[k]
        achievable = {np.count_nonzero(m >= t) / n_m for t in np.concatenate([m, o])} | {0.0}
        if tpr > want[k] and not any(math.isclose(tpr, a, abs_tol=1e-12) for a in achievable):
            raise CheckFailure(f"{call}: 'tpr_at_1pct_fpr' is not the TPR of any threshold 'score ≥ t' "
                               "(interpolated, or ties split?)",
                               hint="No interpolation, and tied scores all in or all out.")
        if tpr > want[k]:
            raise CheckFailure(f"{call}: 'tpr_at_1pct_fpr' is too high: the threshold lets through more "
                               "than 1 % of the non-members", hint="FPR(t) counts every non-member score "
                               "≥ t, ties included; it must be ≤ 0.01.")
        raise CheckFailure(f"{call}: 'tpr_at_1pct_fpr' is too low: a lower threshold still keeps the FPR "
                           "at most 1 %", hint="FPR = 0.01 exactly is allowed, and t may be any score "
                           "(members' too).")
    if k.startswith("accuracy") and want["accuracy"] != 0.5 and \
            math.isclose(got["accuracy"], 1 - want["accuracy"], abs_tol=1e-12):
        raise CheckFailure(f"{call}: 'accuracy' counts the wrong predictions",
                           hint="correct is True where the model was right.")
    if k.startswith("tpr"):
        stem, count, n = "tpr", round(want["tpr_at_1pct_fpr"] * n_m), n_m
    else:
        stem, count, n = "accuracy", int(np.count_nonzero(correct)), len(correct)
    pair = (got[f"{stem}_low"], got[f"{stem}_high"])
    for other, mistake, hint in [
            (_cp(count, n, 0.9), "a one-sided 95 % bound at each end (90 % two-sided)",
             "Two-sided 95 %: the 2.5 % and 97.5 % quantiles."),
            (_wald_pair(count, n), "the normal (Wald) approximation",
             "Use the exact Clopper–Pearson interval (Beta quantiles)."),
            (_cp(count, len(o)) if stem == "tpr" and count <= len(o) else None,
             "computed with the number of non-members as n", "The TPR is a count out of the MEMBERS.")]:
        if other is not None and all(math.isclose(a, b, abs_tol=1e-4) for a, b in zip(pair, other)):
            raise CheckFailure(f"{call}: the interval of {stem!r} is {mistake}", hint=hint)
    raise CheckFailure(f"{call}: wrong {k!r}", hint="Clopper–Pearson at 95 % of the count out of its n; "
                       "accuracy = the fraction of correct that is True.")


def _card_call(fn, what, m, o, correct):
    call = f"card_numbers({what})"
    with np.errstate(all="ignore"):
        out = fn(m.copy(), o.copy(), correct.copy())
    if not isinstance(out, dict):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected a dict")
    missing = [k for k in _KEYS if k not in out]
    if missing:
        raise CheckFailure(f"{call}: the dict has no key {missing[0]!r}",
                           hint="Six keys: " + ", ".join(_KEYS) + ".")
    return call, {k: _number(out[k], f"{call}[{k!r}]") for k in _KEYS}


def check_card_numbers(fn) -> None:
    gen = np.random.default_rng(1205)  # seeded, yet every call gets data of its own
    cases = [*_card_data(gen), *_card_data(gen)]
    answers = [_card_call(fn, *case) for case in cases[:2]]
    if answers[0][1] == answers[1][1]:
        raise CheckFailure(f"{answers[1][0]}: the same numbers as for {cases[0][0]} — typed in, not "
                           "recomputed?", hint="Compute every number from the arguments: the checker "
                           "draws new data for every call.")
    for i, (what, m, o, correct) in enumerate(cases):
        call, got = answers[i] if i < 2 else _card_call(fn, what, m, o, correct)
        want = _card_reference(m, o, correct)
        if not all(math.isclose(got[k], want[k], rel_tol=1e-9, abs_tol=1e-9) for k in _KEYS):
            _card_mistake(call, m, o, correct, got, want)
    for n_out in (99, 50):
        expect_error(fn, (gen.normal(size=200), gen.normal(size=n_out), np.ones(50, dtype=bool)),
                     (ValueError,), f"card_numbers(..., {n_out} non-member scores, ...)")


EXERCISE = Exercise(
    name="12_report_card",
    title="The report card: exact intervals, DP's bound on an attack, refuting a claim, the decision rule, "
          "the card's numbers",
    tasks=(
        Task("clopper_pearson", "clopper_pearson", check_clopper_pearson, notebook="12_report_card",
             hint="Beta(k, n − k + 1).ppf(α/2) and Beta(k + 1, n − k).ppf(1 − α/2); 0 and 1 at the ends."),
        Task("dp_tpr_bound", "dp_tpr_bound", check_dp_tpr_bound, notebook="12_report_card",
             hint="min(1, e^ε · fpr + δ, 1 − e^(−ε) · (1 − δ − fpr)); 1 without DP."),
        Task("contradicts", "contradicts", check_contradicts, notebook="12_report_card",
             hint="TPR's Clopper–Pearson lower end > DP's bound at the FPR's upper end."),
        Task("decide", "decide", check_decide, notebook="12_report_card",
             hint="From the most protected down: within the loss, worse on no threat, better on one."),
        Task("card_numbers", "card_numbers", check_card_numbers, notebook="12_report_card",
             hint="Recompute from the arguments: best threshold with FPR ≤ 1 %, then Clopper–Pearson."),
    ),
)
