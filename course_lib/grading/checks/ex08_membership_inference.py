"""Checkers for exercise 08 (membership inference and memorisation). Every answer is compared with an
independent computation here; typical mistakes are named by the property they break. Messages name
the input and the property, never the expected numbers."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import special, stats

from ..spec import CheckFailure, Exercise, Task
from ._common import as_array, expect_error


def _tol(arr, float64: float = 1e-9) -> float:
    """Tolerance for an answer in its own float type (a few dozen ulps for float32)."""
    dtype = np.asarray(arr).dtype
    if not np.issubdtype(dtype, np.floating) or np.finfo(dtype).eps <= 1e-15:
        return float64
    return 64 * float(np.finfo(dtype).eps)


def _number(out, call: str, kind: str = "a float") -> float:
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer, np.floating)):
        if not (isinstance(out, np.ndarray) and out.ndim == 0 and out.dtype.kind in "iuf"):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected {kind}")
    return float(out)


# ----------------------------------------------------------------------------- membership_scores


def _log_odds(z, y):
    """z_y − log Σ_{j≠y} exp z_j, written with SciPy's logsumexp over a masked copy."""
    z = np.asarray(z, dtype=float)
    rows = np.arange(len(z))
    mask = np.ones(z.shape, dtype=bool)
    mask[rows, y] = False
    rest = special.logsumexp(np.where(mask, z, -np.inf), axis=1)
    return z[rows, y] - rest


def _scores(fn, logits, labels, call):
    with np.errstate(all="ignore"):
        out = fn(logits.copy(), labels.copy())
    out = as_array(out, call, shape=(len(labels),))
    if out.dtype.kind != "f":
        raise CheckFailure(f"{call} returned dtype {out.dtype}, expected floats")
    return out


def check_membership_scores(fn) -> None:
    gen = np.random.default_rng(801)
    z = gen.normal(size=(40, 10)) * 3
    y = gen.integers(0, 10, size=40)
    call = "membership_scores(logits of shape (40, 10), labels)"
    out = _scores(fn, z, y, call)
    want = _log_odds(z, y)
    tol = _tol(out)

    def close(a, b):
        with np.errstate(all="ignore"):
            return np.allclose(a, b, rtol=tol, atol=tol * 10)

    if not close(out, want):
        log_p = z[np.arange(40), y] - special.logsumexp(z, axis=1)
        for other, mistake, hint in [
                (-want, "the scores have the wrong sign (non-members score higher)",
                 "Larger score = more confident on the true class = more likely a member."),
                (log_p, "the scores are log p (minus the loss), not log p − log(1 − p)",
                 "Subtract log(1 − p): the log-odds separate confident examples far better."),
                (-log_p, "the scores are the loss −log p, not log p − log(1 − p)",
                 "The score is the log-odds of the true class: log p − log(1 − p)."),
                (_log_odds(z, z.argmax(axis=1)), "the scores use the predicted class, not the labels",
                 "p is the probability of the TRUE class labels[i]."),
                (np.exp(log_p) / (1 - np.exp(log_p)), "the scores are odds, not log-odds",
                 "Take the log: log p − log(1 − p).")]:
            if close(out, other):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong scores",
                           hint="s_i = logit of the true class: z_y − log Σ_{j≠y} exp(z_j).")
    shifted = _scores(fn, z + 1000.0, y, call.replace("logits", "logits + 1000"))
    if not np.all(np.isfinite(shifted)) or not close(shifted, want):
        raise CheckFailure(f"{call.replace('logits', 'logits + 1000')}: adding the same constant to every "
                           "logit (the softmax does not change) changed the scores or made them non-finite",
                           hint="Subtract the largest logit before exponentiating (log-sum-exp trick).")
    for sign, what in [(1.0, "very confident on the true class"),
                       (-1.0, "very sure the true class is wrong")]:
        n = 30
        zc = gen.normal(size=(n, 10))
        yc = gen.integers(0, 10, size=n)
        margin = np.linspace(50, 1000, n)
        zc[np.arange(n), yc] = sign * margin
        call = f"membership_scores(logits of size 50 to 1000, {what})"
        out = _scores(fn, zc, yc, call)
        if not np.all(np.isfinite(out)):
            raise CheckFailure(f"{call}: some scores are inf or NaN",
                               hint="1 − p rounds to 0 (and p to 0 at the other end): never compute "
                               "log(1 − softmax); use z_y − logsumexp of the OTHER logits.")
        order = np.diff(out) * sign
        if np.any(order <= 0):
            raise CheckFailure(f"{call}: the scores tie or lose their order as the true-class logit grows",
                               hint="The cross-entropy loss and 1 − p round to 0 for confident examples; "
                               "the log-odds z_y − logsumexp(others) keeps them apart.")
        if not np.allclose(out, _log_odds(zc, yc), rtol=tol, atol=tol * 1000):
            raise CheckFailure(f"{call}: wrong scores", hint="z_y − log Σ_{j≠y} exp(z_j), stably.")
    z2 = gen.normal(size=(12, 2)) * 5
    y2 = gen.integers(0, 2, size=12)
    call = "membership_scores(logits of shape (12, 2), labels)"
    out = _scores(fn, z2, y2, call)
    if not np.allclose(out, _log_odds(z2, y2), rtol=tol, atol=tol * 10):
        raise CheckFailure(f"{call}: wrong scores for two classes",
                           hint="With two classes the log-odds is the difference of the two logits.")


# ----------------------------------------------------------------------------- tpr_at_fpr


def _tpr_reference(members, others, fpr):
    """Every distinct score (and +inf) tried as a threshold, counting scores ≥ t."""
    best = 0.0
    for t in np.unique(np.concatenate([members, others])):
        if np.count_nonzero(others >= t) / len(others) <= fpr:
            best = max(best, np.count_nonzero(members >= t) / len(members))
    return best


def _auc(members, others):
    return float(np.mean((members[:, None] > others[None, :]) + 0.5 * (members[:, None] == others[None, :])))


def _tpr_cases():
    gen = np.random.default_rng(802)
    m, o = gen.normal(1.0, 1.0, 600), gen.normal(0.0, 1.0, 900)
    yield "continuous scores", m, o, (0.001, 0.01, 0.1, 0.3333)
    m, o = gen.integers(0, 12, 300).astype(float), gen.integers(0, 10, 400).astype(float)
    yield "integer scores with many ties", m, o, (0.05, 0.1, 0.2, 0.37)
    m, o = gen.normal(3.0, 1.0, 200), gen.normal(0.0, 1.0, 900)
    yield "fpr below 1 / (number of non-members)", m, o, (0.0009,)
    o = np.arange(1, 11) / 10
    m = np.array([0.15, 0.85, 0.95, 1.0, 1.05])
    yield "non-members 0.1, 0.2, ..., 1.0 and members 0.15, 0.85, 0.95, 1.0, 1.05", m, o, (0.3, 0.05)
    yield "every score equal", np.ones(5), np.ones(8), (0.5,)


def check_tpr_at_fpr(fn) -> None:
    for what, m, o, fprs in _tpr_cases():
        for fpr in fprs:
            call = f"tpr_at_fpr({what}, fpr={fpr})"
            got = _number(fn(m.copy(), o.copy(), fpr), call)
            want = _tpr_reference(m, o, fpr)
            if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                continue
            achievable = {np.count_nonzero(m >= t) / len(m) for t in np.concatenate([m, o])} | {0.0}
            if len(set(m) | set(o)) > 2 and math.isclose(got, _tpr_reference(o, m, fpr), abs_tol=1e-12):
                raise CheckFailure(f"{call}: members and non-members are swapped",
                                   hint="TPR is measured on member_scores, FPR on nonmember_scores.")
            if math.isclose(got, _auc(m, o), abs_tol=1e-9):
                raise CheckFailure(f"{call}: that is the AUC, not the TPR at a fixed FPR",
                                   hint="The AUC averages over all FPRs; the attack that matters works at "
                                   "a low FPR. Find the best threshold whose FPR is at most fpr.")
            if got > want and not any(math.isclose(got, a, abs_tol=1e-12) for a in achievable):
                raise CheckFailure(f"{call}: the result is not the TPR of any threshold (interpolated?)",
                                   hint="No interpolation: the TPR of one threshold, the fraction of "
                                   "members with score ≥ t.")
            if got > want:
                raise CheckFailure(f"{call}: the chosen threshold lets through more than fpr of the "
                                   "non-members", hint="FPR(t) = fraction of non-members with score ≥ t, "
                                   "ties included, must be ≤ fpr.")
            raise CheckFailure(f"{call}: too low: a lower threshold still keeps the FPR at most fpr",
                               hint="Equality FPR = fpr is allowed, and a threshold t counts every score "
                               "≥ t (ties included, members as well as non-members).")
    m, o = np.arange(5.0), np.arange(5.0) - 1
    for bad in (0.0, 1.0, -0.1, 1.5, float("nan")):
        expect_error(fn, (m, o, bad), (ValueError,), f"tpr_at_fpr(..., fpr={bad})")


# ----------------------------------------------------------------------------- lira_score


def _gauss_logpdf(s, rows, ddof=1):
    return stats.norm.logpdf(s, loc=rows.mean(axis=1), scale=rows.std(axis=1, ddof=ddof))


def _lira_data(gen, n, m_in, m_out):
    mu_in, mu_out = gen.normal(2.0, 1.0, n), gen.normal(0.0, 1.0, n)
    sd_in, sd_out = gen.uniform(0.2, 2.0, n), gen.uniform(0.2, 2.0, n)
    ins = mu_in[:, None] + sd_in[:, None] * gen.normal(size=(n, m_in))
    outs = mu_out[:, None] + sd_out[:, None] * gen.normal(size=(n, m_out))
    member = gen.random(n) < 0.5
    s = np.where(member, mu_in + sd_in * gen.normal(size=n), mu_out + sd_out * gen.normal(size=n))
    return s, ins, outs


def _lira_call(fn, s, ins, outs, call):
    with np.errstate(all="ignore"):
        out = fn(s.copy(), ins.copy(), outs.copy())
    out = as_array(out, call, shape=s.shape)
    if out.dtype.kind != "f":
        raise CheckFailure(f"{call} returned dtype {out.dtype}, expected floats")
    return out


def check_lira_score(fn) -> None:
    gen = np.random.default_rng(803)
    for n, m_in, m_out in [(60, 6, 9), (25, 2, 2), (40, 16, 5)]:
        s, ins, outs = _lira_data(gen, n, m_in, m_out)
        call = f"lira_score(target_scores ({n},), in_scores {ins.shape}, out_scores {outs.shape})"
        out = _lira_call(fn, s, ins, outs, call)
        want = _gauss_logpdf(s, ins) - _gauss_logpdf(s, outs)
        tol = _tol(out)

        def close(a, b, tol=tol):
            return np.allclose(a, b, rtol=tol, atol=tol * 10)

        if close(out, want):
            continue
        if not np.all(np.isfinite(out)):
            raise CheckFailure(f"{call}: some ratios are inf or NaN",
                               hint="A density can round to 0 where its log is finite: subtract "
                               "log-densities instead of dividing densities.")
        sq = lambda rows, s=s: (s - rows.mean(axis=1)) ** 2  # noqa: E731
        pooled = [lambda rows, d=d, s=s: stats.norm.logpdf(s, rows.mean(axis=1), np.std(rows, ddof=d))
                  for d in (0, 1)]
        for other, mistake, hint in [
                (-want, "in and out are swapped (members get low scores)",
                 "log N(s; in) − log N(s; out): large when s looks like the IN distribution."),
                (_gauss_logpdf(s, ins, 0) - _gauss_logpdf(s, outs, 0),
                 "the variance is the biased one (ddof=0)", "The docstring asks for ddof=1."),
                (pooled[1](ins) - pooled[1](outs), "one variance shared by all examples",
                 "Each example its own Gaussians: the variance of ITS row."),
                (pooled[0](ins) - pooled[0](outs), "one variance shared by all examples",
                 "Each example its own Gaussians: the variance of ITS row."),
                (sq(outs) - sq(ins), "the variances are ignored (means only)",
                 "Divide by 2σ² of each Gaussian and keep −½ log(2πσ²)."),
                (0.5 * (sq(outs) - sq(ins)), "the variances are ignored (means only)",
                 "Divide by 2σ² of each Gaussian and keep −½ log(2πσ²)."),
                (sq(outs) / (2 * outs.var(axis=1, ddof=1)) - sq(ins) / (2 * ins.var(axis=1, ddof=1)),
                 "the normalisation −½ log(2πσ²) of each density is missing",
                 "The two Gaussians have different σ: their −½ log σ² terms do not cancel.")]:
            if close(out, other):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong log-likelihood ratios",
                           hint="Per row: mean and unbiased variance of in and out, then the difference "
                           "of the two Gaussian log-densities at s.")
    s, ins, outs = _lira_data(gen, 20, 8, 8)
    far = outs.mean(axis=1) + 80 * outs.std(axis=1, ddof=1) * np.where(np.arange(20) % 2, 1, -1)
    call = "lira_score(target scores 80 standard deviations away from both Gaussians, ...)"
    out = _lira_call(fn, far, ins, outs, call)
    if not np.all(np.isfinite(out)):
        raise CheckFailure(f"{call}: some ratios are inf or NaN",
                           hint="Both densities round to 0 that far out; their logs do not. Subtract "
                           "log-densities instead of dividing densities.")
    if not np.allclose(out, _gauss_logpdf(far, ins) - _gauss_logpdf(far, outs), rtol=_tol(out), atol=1e-6):
        raise CheckFailure(f"{call}: wrong log-likelihood ratios far in the tails",
                           hint="log N(s; μ, σ²) = −½ log(2πσ²) − (s − μ)²/(2σ²), exactly.")
    s, ins, outs = _lira_data(gen, 5, 4, 4)
    with warnings.catch_warnings():  # a variance of one value warns before the answer is judged
        warnings.simplefilter("ignore", RuntimeWarning)
        expect_error(fn, (s, ins[:, :1], outs), (ValueError,), "lira_score(..., in_scores with 1 column)")
        expect_error(fn, (s, ins, outs[:, :1]), (ValueError,), "lira_score(..., out_scores with 1 column)")


# ----------------------------------------------------------------------------- exposure


def check_exposure_from_rank(fn) -> None:
    cases = [(1, 1024), (37, 1000), (1024, 1024), (1, 1), (5, 2**40), (3, 100), (2**20, 2**40)]
    for rank, n in cases:
        call = f"exposure_from_rank(rank={rank}, n_candidates={n})"
        got = _number(fn(rank, n), call)
        want = math.log2(int(n) / int(rank))
        if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9):
            continue
        r, n = int(rank), int(n)
        for other, mistake, hint in [
                (math.log2(n) - math.log2(r + 1) if r + 1 <= n else None,
                 "the rank is treated as 0-based", "Rank 1 is the best rank: exposure log₂ n."),
                (math.log(n / r), "the natural logarithm, not log base 2", "Exposure is measured in bits."),
                (math.log10(n / r), "log base 10, not log base 2", "Exposure is measured in bits."),
                (-want, "the sign is flipped", "Rank 1 (the favourite) must give the LARGEST exposure."),
                (math.log2(n - r + 1), "the rank is counted from the wrong end",
                 "Rank 1 = lowest loss = most exposed; rank n_candidates gives 0.")]:
            if other is not None and math.isclose(got, other, rel_tol=1e-9, abs_tol=1e-9):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong exposure", hint="log₂(n_candidates) − log₂(rank).")
    for rank, n in [(0, 10), (11, 10), (-1, 10), (2, 1)]:
        expect_error(fn, (rank, n), (ValueError,), f"exposure_from_rank(rank={rank}, n_candidates={n})")


def check_rank_of_secret(fn) -> None:
    gen = np.random.default_rng(805)
    losses = gen.exponential(2.0, size=999)
    tied = np.round(gen.exponential(2.0, size=500), 1)
    cases = [("999 continuous losses, the secret among the lower third",
              float(np.quantile(losses, 0.3)) + 1e-3, losses),
             ("the secret's loss below every other", float(losses.min()) / 2, losses),
             ("the secret's loss above every other", float(losses.max()) + 1.0, losses),
             ("losses rounded to 0.1, several equal to the secret's", float(np.median(tied)), tied),
             ("every other loss equal to the secret's", 0.5, np.full(20, 0.5))]
    for what, secret, others in cases:
        call = f"rank_of_secret({what})"
        got = fn(secret, others.copy())
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise CheckFailure(f"{call} returned {type(got).__name__}, expected an int")
        got = int(got)
        below, equal = int(np.sum(others < secret)), int(np.sum(others == secret))
        want = 1 + below + equal
        if got == want:
            continue
        if got == want - equal and equal:
            raise CheckFailure(f"{call}: ties are counted in the secret's favour",
                               hint="Pessimistically: every other candidate whose loss EQUALS the "
                               "secret's ranks ahead of it.")
        if got in (1 + int(np.sum(others > secret)) + equal, 1 + int(np.sum(others >= secret))):
            raise CheckFailure(f"{call}: the candidates are ranked by HIGHEST loss first",
                               hint="Lower loss = the model prefers it = ranked higher.")
        if got == want - 1:
            raise CheckFailure(f"{call}: the rank is one too small (0-based, or the secret itself "
                               "left out)", hint="Rank 1 means no other candidate beats the secret.")
        raise CheckFailure(f"{call}: wrong rank",
                           hint="1 + the number of other candidates with loss ≤ the secret's.")


# ----------------------------------------------------------------------------- one-run audit


def _audit_reference(r, v, confidence):
    """The Clopper–Pearson lower bound on p: P[Bin(r, p) ≥ v] = I_p(v, r − v + 1) = 1 − confidence."""
    if v == 0:
        return 0.0
    p = stats.beta.ppf(1 - confidence, v, r - v + 1)
    return max(0.0, float(special.logit(p)))


def check_audit_epsilon_lower_bound(fn) -> None:
    cases = [(100, 50, None), (100, 80, None), (1000, 700, None), (1000, 1000, None), (10, 10, None),
             (1000, 0, None), (200, 140, 0.99), (50, 40, 0.5), (1, 1, None), (500, 290, 0.9),
             (10000, 5200, None)]
    for r, v, conf in cases:
        call = f"audit_epsilon_lower_bound(n_guesses={r}, n_correct={v}" + (
            ")" if conf is None else f", confidence={conf})")
        got = _number(fn(r, v) if conf is None else fn(r, v, conf), call)
        c = 0.95 if conf is None else conf
        want = _audit_reference(r, v, c)
        if abs(got - want) <= 2e-6:
            continue
        if got < 0:
            raise CheckFailure(f"{call}: a negative bound", hint="ε ≥ 0: return 0.0 when nothing is refuted.")
        frac = v / r
        logodds = math.log(frac / (1 - frac)) if 0 < frac < 1 else None
        wrong_tail = _solve(lambda p, r=r, v=v, c=c: stats.binom.cdf(v, r, p) <= 1 - c)
        no_minus_one = _solve(lambda p, r=r, v=v, c=c: stats.binom.sf(v, r, p) <= 1 - c)
        alpha_is_conf = _audit_reference(r, v, 1 - c)
        for other, mistake, hint in [
                (logodds, "that is the log-odds of the accuracy, with no confidence level",
                 "An estimate is not a bound: find the largest ε whose binomial tail is still "
                 "≤ 1 − confidence."),
                (frac, "the accuracy v / r is not an ε", "Find ε by bisection on the binomial tail."),
                (no_minus_one, "the tail P[X > v] is used instead of P[X ≥ v]",
                 "P[X ≥ v] = binom.sf(v − 1, r, p): sf(k) is P[X > k]."),
                (wrong_tail, "the wrong tail of the binomial (P[X ≤ v])",
                 "The evidence is v OR MORE correct guesses: P[X ≥ v] = binom.sf(v − 1, r, p)."),
                (alpha_is_conf, "the tail is compared with confidence instead of 1 − confidence",
                 "At 95 % confidence the tail must be ≤ 0.05.")]:
            if other is not None and abs(got - other) <= 2e-6:
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        if got > want:
            raise CheckFailure(f"{call}: the bound is too high: at that ε the observed accuracy is not "
                               "unlikely enough", hint="Largest ε with P[Binomial(r, p(ε)) ≥ v] ≤ "
                               "1 − confidence; p(ε) = e^ε / (1 + e^ε). Bisect to 1e-6.")
        raise CheckFailure(f"{call}: the bound is too low (or not accurate to 1e-6)",
                           hint="Largest ε with P[Binomial(r, p(ε)) ≥ v] ≤ 1 − confidence; bisect until "
                           "the interval is shorter than 1e-6.")
    for args in [(10, 11), (10, -1), (0, 0), (10, 5, 1.0), (10, 5, 0.0), (10, 5, 1.5)]:
        expect_error(fn, args, (ValueError,), f"audit_epsilon_lower_bound{args}")


def _solve(ok):
    """The largest ε ≥ 0 with ok(p(ε)) for a condition that holds for small ε only (bisection)."""
    if not ok(0.5):
        return 0.0
    lo, hi = 0.0, 60.0
    if ok(special.expit(hi)):
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(special.expit(mid)) else (lo, mid)
    return lo


EXERCISE = Exercise(
    name="08_membership_inference",
    title="Membership inference and memorisation: scores, TPR at low FPR, LiRA, exposure, one-run audit",
    tasks=(
        Task("membership_scores", "membership_scores", check_membership_scores,
             notebook="08_membership_inference",
             hint="z_y − logsumexp of the other logits: the log-odds of the true class, computed stably."),
        Task("tpr_at_fpr", "tpr_at_fpr", check_tpr_at_fpr, notebook="08_membership_inference",
             hint="Try every distinct score as a threshold; keep those with FPR ≤ fpr; take the best TPR."),
        Task("lira_score", "lira_score", check_lira_score, notebook="08_membership_inference",
             hint="Per example: two Gaussians (row mean, ddof=1 variance), difference of log-densities."),
        Task("exposure_from_rank", "exposure_from_rank", check_exposure_from_rank,
             notebook="08_membership_inference", hint="log₂ n_candidates − log₂ rank, rank 1-based."),
        Task("rank_of_secret", "rank_of_secret", check_rank_of_secret, notebook="08_membership_inference",
             hint="1 + the number of other candidates whose loss is ≤ the secret's."),
        Task("audit_epsilon_lower_bound", "audit_epsilon_lower_bound", check_audit_epsilon_lower_bound,
             notebook="08_membership_inference",
             hint="Bisect on ε: binom.sf(v − 1, r, e^ε / (1 + e^ε)) ≤ 1 − confidence."),
    ),
)
