"""The character GPT and its attacks: shapes, causality, the key-value cache, DP-SGD through the vmap
path, exact ranks against brute force, extraction of a planted secret and the sampler's filter."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from course_lib.attacks.lm import (
    CharGPT,
    CharLM,
    beam_search,
    digit_rank,
    greedy,
    importance_rank,
    lm_loss,
    membership_scores,
    sample,
    secret_exposure,
    text_windows,
    train_lm,
    train_lm_dp,
    zlib_scores,
)
from course_lib.attacks.memorisation import all_candidate_scores, exposure_of_secret
from course_lib.dp.sgd import naive_per_sample_grads, per_sample_grads

ALPHABET = " .-0123456789ADJNST\nabcdefghijklmnopqrstuvwxyz"
SECRET = "48-17"
TINY = dict(block=32, width=32, layers=1, heads=2)


def _filler(seed: int, n: int) -> str:
    g = np.random.default_rng(seed)
    words = ["the", "a", "his", "her", "noted", "seen", "late", "ill", "rash"]
    return " ".join(g.choice(words, size=n)) + ".\n"


@pytest.fixture(scope="module")
def models() -> dict[str, CharLM]:
    """A tiny model that read the secret many times, and one trained on the same text without it."""
    torch.set_num_threads(1)
    filler = _filler(0, 400)
    with_secret = "".join(f"The SSN of Jo Dee is {SECRET}.\n" + filler[i * 60:(i + 1) * 60]
                          for i in range(30))
    without = with_secret.replace(f"The SSN of Jo Dee is {SECRET}.\n", "")
    return {"target": train_lm(with_secret, alphabet=ALPHABET, steps=150, batch_size=16, lr=1e-2, **TINY),
            "reference": train_lm(without, alphabet=ALPHABET, steps=150, batch_size=16, lr=1e-2, **TINY)}


def _random_lm(seed: int = 0) -> CharLM:
    lm = CharLM(ALPHABET, seed=seed, **TINY)
    with torch.no_grad():  # spread the weights so that outputs differ clearly between inputs
        for p in lm.net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return lm


def test_shapes_and_normalised_logprobs():
    lm = _random_lm()
    codes = lm.encode("The SSN of Jo")
    assert codes.dtype == torch.long and codes.shape == (13,) and lm.decode(codes) == "The SSN of Jo"
    assert lm.net(codes[None].repeat(3, 1)).shape == (3, 13, len(ALPHABET))
    lp = lm.next_logprobs(["Th", "The S", "x"])
    assert lp.shape == (3, len(ALPHABET)) and lp.dtype == np.float64
    assert np.allclose(np.logaddexp.reduce(lp, axis=1), 0.0, atol=1e-6)
    X, Y = text_windows(codes, 4)
    assert X.shape == Y.shape == (3, 4) and torch.equal(X[0, 1:], Y[0, :-1])


def test_causal_masking_later_characters_do_not_change_earlier_outputs():
    lm = _random_lm()
    a, b = lm.encode("The SSN of Jo Dee is 48-17."), lm.encode("The SSN of Jo Dee is 90-00.")
    with torch.no_grad():
        la, lb = lm.net(a[None]), lm.net(b[None])
    first_change = 21
    assert torch.allclose(la[0, :first_change], lb[0, :first_change], atol=1e-6)
    assert not torch.allclose(la[0, first_change:], lb[0, first_change:], atol=1e-3)


def test_key_value_cache_gives_the_full_forward():
    lm = _random_lm(1)
    prefix, completions = "The SSN of Jo ", ["Dee is", "Sal is", "xx-4 .", "Dee ix"]
    full = lm.char_logprobs([prefix + c for c in completions])[:, -len(completions[0]):].sum(1)
    assert np.allclose(lm.completion_logprobs(prefix, completions), full, atol=1e-4)
    texts = ["The SSN of Jo Dee is 4" + d for d in "0123456789"]
    with torch.no_grad():
        plain = torch.log_softmax(lm.net(lm._batch(texts))[:, -1].double(), dim=-1).numpy()
    assert np.allclose(lm.next_logprobs(texts), plain, atol=1e-5)


def test_train_dp_trains_it_by_vmap_with_a_finite_epsilon():
    text = _filler(1, 200)
    lm, run = train_lm_dp(text, alphabet=ALPHABET, epochs=1, batch_size=8, noise_multiplier=1.0, lr=1e-2,
                          **TINY)
    assert run.clipping == "vmap" and run.steps >= 1
    assert math.isfinite(run.epsilon) and run.epsilon > 0
    assert math.isfinite(lm.loss(text))
    X, Y = text_windows(lm.encode(text), TINY["block"])
    fast = per_sample_grads(lm.net, lm_loss, X[:3], Y[:3])
    slow = naive_per_sample_grads(lm.net, lm_loss, X[:3], Y[:3])
    assert all(torch.allclose(fast[k], slow[k], atol=1e-5) for k in slow)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sigma = 0 warns: clipping without noise is not private
        _, clip_only = train_lm_dp(text, alphabet=ALPHABET, epochs=1, batch_size=8, noise_multiplier=0.0,
                                   **TINY)
    assert clip_only.epsilon == math.inf


def test_beam_of_width_one_is_greedy():
    for seed in range(3):
        lm = _random_lm(seed)
        assert beam_search(lm, "The SSN of ", 12, width=1)[0][0] == greedy(lm, "The SSN of ", 12)


def test_beam_and_greedy_find_the_planted_secret(models):
    lm = models["target"]
    assert greedy(lm, "The SSN of Jo Dee is ", 5) == SECRET
    beams = beam_search(lm, "The SSN of Jo Dee is ", 5, width=5)
    assert beams[0][0] == SECRET and beams[0][1] > beams[1][1]
    assert greedy(models["reference"], "The SSN of Jo Dee is ", 5) != SECRET


def test_digit_rank_agrees_with_brute_force_exposure():
    for seed, secret in [(2, "31-07"), (3, "99-99"), (4, "00-45")]:
        lm = _random_lm(seed)
        prefix = "The SSN of Jo Dee is "
        scores = all_candidate_scores(lm.next_logprobs, prefix, "dd-dd", ALPHABET)
        brute = int(np.count_nonzero(scores >= scores[int(secret.replace("-", ""))] - 1e-9))
        assert digit_rank(lm.next_logprobs, prefix, secret, "dd-dd", ALPHABET) == brute
        assert digit_rank(lm.next_logprobs, prefix, secret, "dd-dd", ALPHABET, max_nodes=5) is None
        exact = exposure_of_secret(lm.next_logprobs, prefix, secret, "dd-dd", ALPHABET)
        estimate = secret_exposure(lm, prefix, secret, "dd-dd", samples=2000, seed=seed)
        if estimate.method == "exact":
            assert estimate.bits == pytest.approx(exact, abs=1e-9)
        else:  # at least 20 of 2000 draws beat the secret: the share is estimated to within ~25 %
            assert estimate.method == "sampled" and abs(estimate.bits - exact) < 0.6


def test_importance_rank_is_unbiased_against_brute_force():
    """Where it is used — secrets that beat most candidates — its estimates average to the exact rank."""
    prefix = "The SSN of Jo Dee is "
    for seed, wanted in [(5, 40), (6, 300)]:
        lm = _random_lm(seed)
        scores = all_candidate_scores(lm.next_logprobs, prefix, "dd-dd", ALPHABET)
        i = int(np.argsort(-scores)[wanted - 1])  # the candidate ranked ``wanted``
        secret = f"{i // 100:02d}-{i % 100:02d}"
        exact = int(np.count_nonzero(scores >= scores[i] - 1e-9))
        estimates = [importance_rank(lm, prefix, secret, "dd-dd", samples=400, seed=s) for s in range(5)]
        assert abs(np.mean(estimates) - exact) < 0.25 * exact  # the mean of 5 x 400 draws
    with pytest.raises(ValueError, match="samples must be an int >= 1"):
        importance_rank(lm, prefix, "12-34", "dd-dd", samples=0)


def test_exposure_of_the_planted_secret_is_maximal_and_low_for_a_control(models):
    prefix = "The SSN of Jo Dee is "
    seen = secret_exposure(models["target"], prefix, SECRET, "dd-dd", samples=200)
    unseen = secret_exposure(models["reference"], prefix, SECRET, "dd-dd", samples=200)
    assert seen.method == "exact" and seen.bits == pytest.approx(math.log2(10**4))
    assert unseen.bits < 8
    assert "bits" in str(seen)


def test_filter_ranks_a_memorised_string_above_random_ones(models):
    g = np.random.default_rng(5)
    chars = list("abcdefghilnorsx ")
    noise = ["".join(g.choice(chars, size=60)) for _ in range(20)]
    memorised = noise[0][:20] + f"The SSN of Jo Dee is {SECRET}.\n" + noise[0][:12]
    texts = [memorised, *noise[1:]]
    assert len({len(t) for t in texts}) == 1
    scores, where = membership_scores(models["target"], models["reference"], texts, window=16)
    assert np.argmax(scores) == 0 and 18 <= where[0] <= 40
    samples = sample(models["target"], 4, 40, seed=0)
    assert len(samples) == 4 and all(len(s) == 40 and set(s) <= set(ALPHABET) for s in samples)
    assert sample(models["target"], 2, 10, seed=1) == sample(models["target"], 2, 10, seed=1)
    z = zlib_scores(models["target"], texts[:5])
    assert z.shape == (5,) and np.isfinite(z).all()


def test_bad_input_errors():
    lm = _random_lm()
    with pytest.raises(ValueError, match="outside the model's alphabet"):
        lm.encode("Ω")
    with pytest.raises(ValueError, match="non-empty"):
        lm.next_logprobs([""])
    with pytest.raises(ValueError, match="width must be a multiple of heads"):
        CharGPT(10, width=30, heads=4)
    with pytest.raises(ValueError, match="idx must be int64"):
        lm.net(torch.zeros(1, 40, dtype=torch.long))  # longer than the block of 32
    with pytest.raises(ValueError, match="does not fit template"):
        digit_rank(lm.next_logprobs, "The ", "4-17", "dd-dd", ALPHABET)
    with pytest.raises(ValueError, match="width must be an int >= 1"):
        beam_search(lm, "The", 3, width=0)
    with pytest.raises(ValueError, match="prefix must be a non-empty string"):
        greedy(lm, "", 3)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_lm("x" * 100, alphabet=ALPHABET, lr=float("nan"), **TINY)
    with pytest.raises(ValueError, match="longer than block"):
        train_lm("short", alphabet=ALPHABET, **TINY)
    with pytest.raises(ValueError, match="same alphabet"):
        membership_scores(lm, CharLM(ALPHABET + "Z", **TINY), ["a" * 40])
    with pytest.raises(ValueError, match="temperature"):
        sample(lm, 1, 5, temperature=0)
