"""Exposure and the one-run audit: exact against brute force, valid for a mechanism that keeps its
promise, and able to refute one that does not; canaries in a character model."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from course_lib.attacks.canaries import CharModel, alphabet_of, plant, train_char_model
from course_lib.attacks.memorisation import (
    all_candidate_scores,
    exposure,
    exposure_from_rank,
    exposure_of_secret,
    extrapolated_exposure,
    format_candidates,
    one_run_audit,
    one_run_epsilon_lower_bound,
    one_run_p_value,
    rank_of,
    secret_index,
)


def test_exposure_from_rank_ends_and_bad_input():
    assert exposure_from_rank(1, 1024) == 10.0
    assert exposure_from_rank(1024, 1024) == 0.0
    assert exposure_from_rank(32, 1024) == 5.0
    for bad in (0, 1025):
        with pytest.raises(ValueError, match=r"rank must be in \[1, 1024\]"):
            exposure_from_rank(bad, 1024)
    with pytest.raises(TypeError, match="rank must be an int"):
        exposure_from_rank(1.5, 10)
    with pytest.raises(ValueError, match="n_candidates"):
        exposure_from_rank(1, 0)


def test_ties_count_against_the_secret():
    assert rank_of(1.0, [1.0, 1.0, 0.0]) == 3
    assert exposure(0.0, np.zeros(1023)) == 0.0  # a model that likes everything alike reveals nothing
    assert exposure(5.0, np.zeros(1023)) == 10.0
    with pytest.raises(ValueError, match="NaN"):
        rank_of(float("nan"), [1.0])


def test_a_random_rank_gives_about_one_bit_on_average():
    gen = np.random.default_rng(0)
    values = [exposure_from_rank(int(r), 10**6) for r in gen.integers(1, 10**6 + 1, size=20000)]
    assert abs(np.mean(values) - 1 / math.log(2)) < 0.05
    assert np.mean(np.array(values) > 10) < 2 * 2**-10


def test_extrapolation_agrees_with_the_exact_rank_inside_the_sample_range():
    gen = np.random.default_rng(1)
    population = stats.skewnorm.rvs(4, size=200_000, random_state=gen)
    secret = np.quantile(population, 1 - 2**-8)  # 8 bits exactly
    exact = exposure(secret, population)
    est = extrapolated_exposure(secret, gen.choice(population, 5000, replace=False))
    assert exact == pytest.approx(8.0, abs=0.1) and est == pytest.approx(exact, abs=0.5)
    with pytest.raises(ValueError, match="at least 50"):
        extrapolated_exposure(0.0, np.zeros(10))


def _toy_model(table):
    """next_logprobs for a fake model whose preference depends only on the last character."""
    alphabet = "0123456789-x"

    def next_logprobs(texts):
        out = np.full((len(texts), len(alphabet)), -5.0)
        for i, t in enumerate(texts):
            for ch, lp in table.get(t[-1], {}).items():
                out[i, alphabet.index(ch)] = lp
        return out

    return next_logprobs, alphabet


def test_candidate_scores_equal_brute_force_over_every_completion():
    table = {"x": {"4": -0.1, "7": -1.0}, "4": {"2": -0.2, "-": -0.3}, "2": {"-": -0.1}, "-": {"9": -0.5}}
    next_logprobs, alphabet = _toy_model(table)
    scores = all_candidate_scores(next_logprobs, "x", "dd-d", alphabet)
    assert scores.shape == (1000,) == (format_candidates("dd-d"),)
    for digits in itertools.product("0123456789", repeat=3):
        cand = f"{digits[0]}{digits[1]}-{digits[2]}"
        want = sum(next_logprobs(["x" + cand[:i]])[0, alphabet.index(cand[i])] for i in range(4))
        assert scores[secret_index(cand, "dd-d")] == pytest.approx(want)
    assert exposure_of_secret(next_logprobs, "x", "42-9", "dd-d", alphabet) == pytest.approx(math.log2(1000))
    with pytest.raises(ValueError, match="does not fit template"):
        secret_index("4-29", "dd-d")
    # two layouts: each candidate's probability summed over both
    both = exposure_of_secret(next_logprobs, "x", "42-9", ("dd-d", "ddxd"), alphabet)
    layout2 = all_candidate_scores(next_logprobs, "x", "ddxd", alphabet)
    summed = np.logaddexp(scores, layout2)
    assert both == pytest.approx(exposure(summed[429], np.delete(summed, 429)))
    with pytest.raises(ValueError, match="same number of digit slots"):
        exposure_of_secret(next_logprobs, "x", "42-9", ("dd-d", "d-d"), alphabet)
    with pytest.raises(ValueError, match="not in the model's alphabet"):
        all_candidate_scores(next_logprobs, "x", "dd/d", alphabet)


def test_one_run_p_value_matches_its_formula_and_the_bound_inverts_it():
    m, r, v, eps, delta = 1000, 200, 150, 1.0, 1e-5
    p = 1 / (1 + math.exp(-eps))
    tail = stats.binom.sf(v - 1, r, p)
    alpha = max(sum(stats.binom.pmf(v - j, r, p) for j in range(1, i + 1)) / i for i in range(1, v + 1))
    assert one_run_p_value(m, r, v, eps, delta) == pytest.approx(tail + 2 * m * delta * alpha, rel=1e-9)
    lb = one_run_epsilon_lower_bound(m, r, v, delta, 0.95)
    assert one_run_p_value(m, r, v, lb, delta) == pytest.approx(0.05, abs=1e-6)
    assert one_run_epsilon_lower_bound(m, r, r // 2, 0.0) == 0.0  # chance-level guessing refutes nothing
    for bad in [dict(epsilon=-1.0), dict(epsilon=math.inf), dict(delta=1.0)]:
        with pytest.raises(ValueError):
            one_run_p_value(10, 5, 3, **{"epsilon": 1.0, "delta": 0.0, **bad})
    with pytest.raises(ValueError, match=r"v must be in \[0, 5\]"):
        one_run_p_value(10, 5, 6, 1.0)
    with pytest.raises(ValueError, match="confidence"):
        one_run_epsilon_lower_bound(10, 5, 3, 0.0, 1.0)


def _randomized_response_canaries(epsilon, m, gen):
    """Each canary IN or OUT by a fair coin; the 'model' releases an ε-DP randomized response of the
    bit, the attacker's score is that response plus a tie-breaking jitter."""
    keep = gen.random(m) < 0.5
    truthful = gen.random(m) < math.exp(epsilon) / (1 + math.exp(epsilon))
    released = np.where(truthful, keep, ~keep)
    return released + 0.01 * gen.random(m), keep


def test_the_audit_never_exceeds_an_honest_claim_and_refutes_a_false_one():
    gen = np.random.default_rng(5)
    honest = [one_run_audit(*_randomized_response_canaries(1.0, 1000, gen), claimed_epsilon=1.0)
              for _ in range(40)]
    assert sum(a.contradicts_claim for a in honest) <= 4  # at most ~5 % at 95 % confidence
    assert np.median([a.epsilon_lower_bound for a in honest]) > 0.4  # not vacuous
    # a run that claims ε = 1 but is really ε = 4 (noise forgotten): refuted every time
    broken = [one_run_audit(*_randomized_response_canaries(4.0, 1000, gen), claimed_epsilon=1.0)
              for _ in range(10)]
    assert all(a.contradicts_claim for a in broken)
    assert "CONTRADICTED" in str(broken[0]) and "never certify" in str(honest[0])
    with pytest.raises(ValueError, match="boolean"):
        one_run_audit([1.0, 2.0], [1, 0])
    with pytest.raises(ValueError, match="guess_fractions"):
        one_run_audit([1.0, 2.0], np.array([True, False]), guess_fractions=(0.0,))


def test_char_model_reads_its_alphabet_and_plants_sentences():
    model = CharModel(alphabet_of("ab. \n"), context=3)
    X, y = model.windows("ab.")
    assert X.tolist() == [[0, 0, 0], [0, 0, model.index["a"]], [0, model.index["a"], model.index["b"]]]
    assert y.tolist() == [model.index[c] - 1 for c in "ab."]
    assert model.next_logprobs(["a", "ab", ""]).shape == (3, len(model.alphabet))
    with pytest.raises(ValueError, match="outside the model's alphabet: 'z'"):
        model.encode("az")
    text = plant("One. Two. Three.\nFour.", ["X.", "Y."], np.random.default_rng(0))
    assert sorted(text.replace("X. ", "").replace("Y. ", "")) == sorted("One. Two. Three.\nFour.")
    with pytest.raises(ValueError, match="fewer than"):
        plant("no ends", ["X."], np.random.default_rng(0))


def test_a_repeated_secret_is_exposed_and_an_absent_one_is_not():
    filler = "".join(f"Ticket {i} closed. Call back on Monday. " for i in range(60))
    text = plant(filler, ["The code of Ann is 4-17-92."] * 6, np.random.default_rng(3))
    alpha = alphabet_of(text, "Bob")
    model = train_char_model(text, alphabet=alpha, context=10, hidden=64, epochs=12, seed=0)
    seen = exposure_of_secret(model.next_logprobs, "The code of Ann is 4-", "17-92", "dd-dd", alpha)
    unseen = exposure_of_secret(model.next_logprobs, "The code of Bob is 4-", "58-03", "dd-dd", alpha)
    assert seen > 11 and unseen < 8, (seen, unseen)
    with pytest.raises(ValueError, match="epochs"):
        train_char_model(text, epochs=0)
