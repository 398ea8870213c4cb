"""Memorisation: canaries, exposure, and the one-run audit of a DP claim.

**Exposure** (Carlini et al. 2019, "The Secret Sharer"). Insert a *canary* — a made-up secret such as
"the SSN of Jane Roe is 123-45-6789" — into the training data, train, and rank the true secret among
all candidates of its format by the model's likelihood. With ``|R|`` candidates and the secret at rank
``r`` (1 = the model's favourite), ``exposure = log2 |R| - log2 r``: 0 bits when the model prefers
every other candidate, ``log2 |R|`` bits when it prefers the secret to all. A model that never saw the
secret puts it at a uniformly random rank: about 1.4 bits of exposure on average (``E[log2(|R|/r)] ≈
1/ln 2``). When the candidates cannot all be scored, the rank is extrapolated from a sample: Carlini et
al. fit a skew-normal to the sampled log-likelihoods and read the secret's tail probability.

**One-run audit** (Steinke, Nasr & Jagielski 2023). Include each of ``m`` canaries in the training set
by an independent fair coin, train *once*, and let an attacker guess IN or OUT for the ``r`` canaries
it is surest about (abstaining on the rest); ``v`` guesses are right. Under (ε, δ)-DP the number of
right guesses is (almost) dominated by ``Binomial(r, e^ε / (1 + e^ε))`` — the accuracy of ε-DP
randomized response — so a large ``v`` is unlikely, and every ε whose p-value falls below
``1 - confidence`` is refuted. The largest refuted ε is an empirical **lower bound**: a correct
implementation never exceeds its claim (except with probability ``1 - confidence``), so a bound above
the claim proves a bug; a bound below proves nothing.

References:
    N. Carlini, C. Liu, Ú. Erlingsson, J. Kos, D. Song. The Secret Sharer: evaluating and testing
    unintended memorization in neural networks. USENIX Security 2019.
    T. Steinke, M. Nasr, M. Jagielski. Privacy auditing with one (1) training run. NeurIPS 2023.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

# --------------------------------------------------------------------------- exposure


def _count(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be in {bounds}, got {value}")
    return value


def exposure_from_rank(rank: int, n_candidates: int) -> float:
    """``log2(n_candidates) - log2(rank)``: the bits of the secret the model gives away (rank 1-based)."""
    n = _count(n_candidates, "n_candidates", 1)
    r = _count(rank, "rank", 1, n)
    return math.log2(n) - math.log2(r)


def rank_of(secret_score: float, candidate_scores) -> int:
    """The secret's 1-based rank among candidates by score (higher = preferred by the model).

    ``candidate_scores`` holds every *other* candidate. Ties count against the secret (a candidate
    the model likes exactly as much ranks ahead), so a model that scores everything alike gives
    rank ``n`` and exposure 0, never a lucky rank 1."""
    scores = np.asarray(candidate_scores, dtype=np.float64).ravel()
    s = float(secret_score)
    if math.isnan(s) or np.isnan(scores).any():
        raise ValueError("secret_score and candidate_scores must not be NaN")
    return int(np.count_nonzero(scores >= s)) + 1


def exposure(secret_score: float, candidate_scores) -> float:
    """Exposure of a secret whose competitors are *all* the other candidates of its format
    (``len(candidate_scores) + 1`` candidates in all)."""
    scores = np.asarray(candidate_scores, dtype=np.float64).ravel()
    return exposure_from_rank(rank_of(secret_score, scores), scores.size + 1)


def extrapolated_exposure(secret_score: float, sample_scores) -> float:
    """Exposure estimated from a random sample of candidates (Carlini et al. 2019, sec. 4.3): fit a
    skew-normal to the sampled scores and return ``-log2 P[S >= secret_score]``. Capped at nothing: far
    in the tail the fit, not the model, decides the number, so read large values as "large"."""
    sample = np.asarray(sample_scores, dtype=np.float64).ravel()
    if sample.size < 50 or not np.isfinite(sample).all():
        raise ValueError(f"sample_scores must hold at least 50 finite scores, got {sample.size}")
    a, loc, scale = stats.skewnorm.fit(sample)
    return float(-stats.skewnorm.logsf(float(secret_score), a, loc, scale) / math.log(2))


def format_candidates(template: str, digits: str = "0123456789") -> int:
    """How many strings fit ``template`` (``"d"`` marks a digit slot, other characters are fixed)."""
    if not isinstance(template, str) or "d" not in template:
        raise ValueError(f"template must be a string with at least one 'd' digit slot, got {template!r}")
    return len(digits) ** template.count("d")


def all_candidate_scores(next_logprobs, prefix: str, template: str, alphabet: str) -> np.ndarray:
    """The log-probability of every completion of ``prefix`` that fits ``template``, in lexicographic
    order of its digits (``"dd-dddd"``: ``00-0000``, ``00-0001``, ...), computed exactly.

    ``next_logprobs(texts)`` returns an array ``(len(texts), len(alphabet))`` of the model's
    log-probabilities for the next character after each text. The candidates are a tree — each digit
    slot multiplies them by 10 — so the model runs once per node above the leaves (about 1.1 times the
    number of candidates / 10), not once per candidate and character.
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, got {type(prefix).__name__}")
    format_candidates(template)
    index = {c: i for i, c in enumerate(alphabet)}
    for ch in template.replace("d", "") + "0123456789":
        if ch not in index:
            raise ValueError(f"template character {ch!r} is not in the model's alphabet")
    texts = [prefix]
    logp = np.zeros(1)
    digit_cols = [index[c] for c in "0123456789"]
    for position, slot in enumerate(template):
        lp = np.asarray(next_logprobs(texts), dtype=np.float64)
        if lp.shape != (len(texts), len(alphabet)):
            raise ValueError(f"next_logprobs returned shape {lp.shape}, "
                             f"expected {(len(texts), len(alphabet))}")
        last = position == len(template) - 1  # the leaves need no texts of their own
        if slot == "d":
            logp = (logp[:, None] + lp[:, digit_cols]).ravel()
            texts = [] if last else [t + c for t in texts for c in "0123456789"]
        else:
            logp = logp + lp[:, index[slot]]
            texts = [] if last else [t + slot for t in texts]
    return logp


def secret_index(secret: str, template: str) -> int:
    """The position of ``secret`` in :func:`all_candidate_scores`'s order."""
    if len(secret) != len(template) or any((t == "d") != s.isdigit() or (t != "d" and s != t)
                                            for s, t in zip(secret, template)):
        raise ValueError(f"secret {secret!r} does not fit template {template!r}")
    return int("".join(s for s, t in zip(secret, template) if t == "d"))


def exposure_of_secret(next_logprobs, prefix: str, secret: str, template, alphabet: str) -> float:
    """Exact exposure of ``secret`` after ``prefix``, ranked among every completion fitting ``template``.

    ``template`` may be a sequence of layouts with the same digit slots (``("dd-dddd", "dd-\\ndddd")``):
    each candidate's probability is then summed over its layouts, so a secret the model learnt in any
    of them is found. ``secret`` is written in the first layout.
    """
    templates = [template] if isinstance(template, str) else list(template)
    if not templates or len({t.count("d") for t in templates}) != 1:
        raise ValueError(f"template must be a layout or layouts with the same number of digit slots, "
                         f"got {template!r}")
    scores = np.logaddexp.reduce([all_candidate_scores(next_logprobs, prefix, t, alphabet)
                                  for t in templates], axis=0)
    i = secret_index(secret, templates[0])
    return exposure(scores[i], np.delete(scores, i))


# --------------------------------------------------------------------------- the one-run audit


def one_run_p_value(m: int, r: int, v: int, epsilon: float, delta: float = 0.0) -> float:
    """P-value of ``v`` or more right guesses out of ``r`` (``m`` canaries) under (ε, δ)-DP.

    Steinke et al. (2023), Theorem 3.1 and their Algorithm: with ``p = e^ε / (1 + e^ε)``,
    ``P[Binomial(r, p) >= v]`` plus a δ term ``2 m δ · max_i P[v - i <= Binomial(r, p) < v] / i``.
    """
    m = _count(m, "m", 1)
    r = _count(r, "r", 0, m)
    v = _count(v, "v", 0, r)
    if not (isinstance(epsilon, (int, float, np.floating)) and math.isfinite(epsilon) and epsilon >= 0):
        raise ValueError(f"epsilon must be a finite number >= 0, got {epsilon!r}")
    if not (isinstance(delta, (int, float, np.floating)) and 0 <= delta < 1):
        raise ValueError(f"delta must be in [0, 1), got {delta!r}")
    p = 1.0 / (1.0 + math.exp(-epsilon))
    tail = float(stats.binom.sf(v - 1, r, p))  # P[Binomial(r, p) >= v]
    if delta == 0 or v == 0:
        return min(tail, 1.0)
    below = stats.binom.pmf(np.arange(v - 1, -1, -1), r, p)  # P[= v-1], P[= v-2], ..., P[= 0]
    alpha = float(np.max(np.cumsum(below) / np.arange(1, v + 1)))
    return min(tail + 2 * m * delta * alpha, 1.0)


def one_run_epsilon_lower_bound(m: int, r: int, v: int, delta: float = 0.0,
                                confidence: float = 0.95) -> float:
    """The largest ε refuted at ``confidence`` by ``v`` right guesses out of ``r`` (0 if none is)."""
    if not (isinstance(confidence, (int, float, np.floating)) and 0 < confidence < 1):
        raise ValueError(f"confidence must be in the open interval (0, 1), got {confidence!r}")
    alpha = 1.0 - confidence
    if one_run_p_value(m, r, v, 0.0, delta) > alpha:
        return 0.0
    lo, hi = 0.0, 1.0
    while one_run_p_value(m, r, v, hi, delta) <= alpha:  # refuted: go higher
        lo, hi = hi, 2 * hi
        if hi > 100:
            return math.inf  # v = r with a huge r: nothing finite survives
    for _ in range(60):
        mid = (lo + hi) / 2
        if one_run_p_value(m, r, v, mid, delta) <= alpha:
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class OneRunAudit:
    """What a one-run audit found: the bound, how it was reached, and whether it refutes the claim."""

    epsilon_lower_bound: float
    claimed_epsilon: float | None
    delta: float
    confidence: float
    m: int
    guesses: int  # r
    correct: int  # v

    @property
    def contradicts_claim(self) -> bool:
        return self.claimed_epsilon is not None and self.epsilon_lower_bound > self.claimed_epsilon

    def __str__(self) -> str:
        claim = "" if self.claimed_epsilon is None else (
            f"; claimed ε = {self.claimed_epsilon:.2f}: "
            + ("CONTRADICTED — the training is not as private as claimed" if self.contradicts_claim
               else "not contradicted (an audit can only refute, never certify)"))
        return (f"ε ≥ {self.epsilon_lower_bound:.2f} at {self.confidence:.0%} confidence "
                f"({self.correct}/{self.guesses} guesses right, {self.m} canaries, "
                f"δ = {self.delta:g}){claim}")


def one_run_audit(canary_scores, canary_in, *, claimed_epsilon: float | None = None, delta: float = 0.0,
                  confidence: float = 0.95, guess_fractions=(0.02, 0.05, 0.1, 0.2, 0.5, 1.0)) -> OneRunAudit:
    """Audit one training run from its canaries: guess IN for the highest scores and OUT for the
    lowest, ``k`` of each for ``2k = fraction · m`` guesses, for each fraction in ``guess_fractions``.

    Trying several fractions and keeping the best is a multiple comparison: each is tested at
    ``1 - (1 - confidence) / len(guess_fractions)`` (Bonferroni), so the reported bound holds at
    ``confidence`` overall.
    """
    scores = np.asarray(canary_scores, dtype=np.float64).ravel()
    keep = np.asarray(canary_in).ravel()
    if keep.dtype != bool or keep.shape != scores.shape or scores.size < 2:
        raise ValueError(f"canary_in must be a boolean array shaped like canary_scores (>= 2 canaries); got "
                         f"{keep.dtype} {keep.shape} and {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("canary_scores must not contain NaN")
    fracs = [float(f) for f in guess_fractions]
    if not fracs or any(not 0 < f <= 1 for f in fracs):
        raise ValueError(f"guess_fractions must be fractions in (0, 1], got {guess_fractions!r}")
    m = scores.size
    per_test = 1.0 - (1.0 - confidence) / len(fracs)
    order = np.argsort(-scores, kind="mergesort")
    best = (0.0, 0, 0)
    for f in fracs:
        k = max(1, int(f * m) // 2)
        guessed_in, guessed_out = order[:k], order[m - k:]
        r, v = 2 * k, int(keep[guessed_in].sum() + (~keep[guessed_out]).sum())
        bound = one_run_epsilon_lower_bound(m, r, v, delta, per_test)
        if bound > best[0] or best[1] == 0:
            best = (bound, r, v)
    return OneRunAudit(best[0], claimed_epsilon, float(delta), float(confidence), m, best[1], best[2])
