"""Plausible wrong answers to exercise 13; each must be rejected by its task's checker."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("13_language_models_memorise")


def _idx(alphabet, s):
    if any(c not in alphabet for c in s):
        raise ValueError("character not in the alphabet")
    return [alphabet.index(c) for c in s]


def _need(prefix, *positive):
    if not prefix or any(p < 1 for p in positive):
        raise ValueError("bad arguments")


# --- sequence_logprob
def logprob_scores_prefix(logprobs, alphabet, prefix, text):
    """Scores the prefix's own transitions too."""
    _need(prefix)
    i = _idx(alphabet, prefix + text)
    return float(sum(logprobs[a, b] for a, b in zip(i, i[1:])))


def logprob_transposed(logprobs, alphabet, prefix, text):
    return _sol().sequence_logprob(logprobs.T, alphabet, prefix, text)


def logprob_skips_first(logprobs, alphabet, prefix, text):
    """The first character of text has no context: left out."""
    _need(prefix)
    i = _idx(alphabet, text)
    _idx(alphabet, prefix)
    return float(sum(logprobs[a, b] for a, b in zip(i, i[1:])))


def logprob_mean(logprobs, alphabet, prefix, text):
    v = _sol().sequence_logprob(logprobs, alphabet, prefix, text)
    return v / len(text) if text else 0.0


def logprob_probability(logprobs, alphabet, prefix, text):
    return math.exp(_sol().sequence_logprob(logprobs, alphabet, prefix, text))


def logprob_no_validation(logprobs, alphabet, prefix, text):
    """Unknown characters index the last row (str.find gives -1)."""
    i = [alphabet.find(c) for c in (prefix[-1:] or alphabet[0]) + text]
    return float(sum(logprobs[a, b] for a, b in zip(i, i[1:])))


# --- greedy_decode
def greedy_with_prefix(logprobs, alphabet, prefix, length):
    return prefix + _sol().greedy_decode(logprobs, alphabet, prefix, length)


def greedy_one_extra(logprobs, alphabet, prefix, length):
    return _sol().greedy_decode(logprobs, alphabet, prefix, length + 1)


def greedy_transposed(logprobs, alphabet, prefix, length):
    return _sol().greedy_decode(logprobs.T, alphabet, prefix, length)


def greedy_last_of_ties(logprobs, alphabet, prefix, length):
    """Ties go to the LAST tied character (argmax of the reversed row)."""
    _need(prefix, length)
    last = _idx(alphabet, prefix)[-1]
    out = ""
    for _ in range(length):
        row = logprobs[last][::-1]
        last = len(row) - 1 - int(np.argmax(row))
        out += alphabet[last]
    return out


def greedy_no_length_check(logprobs, alphabet, prefix, length):
    return _sol().greedy_decode(logprobs, alphabet, prefix, length) if length > 0 else ""


# --- beam_search
def _beams(logprobs, alphabet, prefix, length, width, key):
    _need(prefix, length, width)
    start = _idx(alphabet, prefix)[-1]
    beams = [(0.0, 0.0, "", start)]
    for _ in range(length):
        grown = [(s + logprobs[last, j], logprobs[last, j], t + alphabet[j], j)
                 for s, _, t, last in beams for j in range(len(alphabet))]
        grown.sort(key=key)
        beams = grown[:width]
    return beams


def beam_last_step(logprobs, alphabet, prefix, length, width):
    """Keeps the width best by the last step's log-probability, not the total."""
    return _beams(logprobs, alphabet, prefix, length, width, key=lambda b: (-b[1], b[2]))[0][2]


def beam_no_pruning(logprobs, alphabet, prefix, length, width):
    """Never prunes: returns the best continuation of all."""
    _need(prefix, length, width)
    best = max(("".join(p) for p in itertools.product(alphabet, repeat=length)),
               key=lambda s: (_sol().sequence_logprob(logprobs, alphabet, prefix, s), s))
    return best


def beam_off_by_one(logprobs, alphabet, prefix, length, width):
    return _sol().beam_search(logprobs, alphabet, prefix, length - 1, width) if length > 1 else ""


def beam_with_prefix(logprobs, alphabet, prefix, length, width):
    return prefix + _sol().beam_search(logprobs, alphabet, prefix, length, width)


def beam_returns_last_kept(logprobs, alphabet, prefix, length, width):
    """Returns the worst of the final beam."""
    return _beams(logprobs, alphabet, prefix, length, width, key=lambda b: (-b[0], b[2]))[-1][2]


def beam_is_greedy(logprobs, alphabet, prefix, length, width):
    _need(prefix, length, width)
    return _sol().greedy_decode(logprobs, alphabet, prefix, length)


# --- rank_among_candidates
def _ranks(logprobs, alphabet, prefix, secret, template, count):
    if len(secret) != len(template) or any((t == "d" and not s.isdigit()) or (t != "d" and s != t)
                                           for s, t in zip(secret, template)):
        raise ValueError("secret does not fit")
    slots = [i for i, t in enumerate(template) if t == "d"]
    own = _sol().sequence_logprob(logprobs, alphabet, prefix, secret)
    scores = []
    for digits in itertools.product("0123456789", repeat=len(slots)):
        c = list(template)
        for i, d in zip(slots, digits):
            c[i] = d
        cand = "".join(c)
        scores.append((cand, _sol().sequence_logprob(logprobs, alphabet, prefix, cand)))
    return count(own, [v for c, v in scores if c != secret], [v for c, v in scores])


def rank_ties_favour(logprobs, alphabet, prefix, secret, template):
    return _ranks(logprobs, alphabet, prefix, secret, template,
                  lambda o, others, _: 1 + sum(v > o for v in others))


def rank_zero_based(logprobs, alphabet, prefix, secret, template):
    return _ranks(logprobs, alphabet, prefix, secret, template,
                  lambda o, others, _: sum(v >= o for v in others))


def rank_counts_itself(logprobs, alphabet, prefix, secret, template):
    return _ranks(logprobs, alphabet, prefix, secret, template,
                  lambda o, _, every: 1 + sum(v >= o for v in every))


def rank_lowest_first(logprobs, alphabet, prefix, secret, template):
    return _ranks(logprobs, alphabet, prefix, secret, template,
                  lambda o, others, _: 1 + sum(v <= o for v in others))


def rank_no_validation(logprobs, alphabet, prefix, secret, template):
    """Never checks that the secret fits the template."""
    try:
        return _sol().rank_among_candidates(logprobs, alphabet, prefix, secret, template)
    except ValueError:
        return 1


def rank_as_float(logprobs, alphabet, prefix, secret, template):
    return float(_sol().rank_among_candidates(logprobs, alphabet, prefix, secret, template))


# --- group_privacy
def _check_gp(epsilon, delta, k):
    if not (math.isfinite(epsilon) and epsilon >= 0) or not 0 <= delta <= 1 or int(k) != k or k < 1:
        raise ValueError("bad arguments")


def group_delta_unchanged(epsilon, delta, k):
    _check_gp(epsilon, delta, k)
    return k * epsilon, delta


def group_eps_plus_k(epsilon, delta, k):
    return epsilon + k, _sol().group_privacy(epsilon, delta, k)[1]


def group_exp_eps_times_k(epsilon, delta, k):
    return math.exp(epsilon) * k, _sol().group_privacy(epsilon, delta, k)[1]


def group_delta_times_k(epsilon, delta, k):
    _check_gp(epsilon, delta, k)
    return k * epsilon, min(1.0, k * delta)


def group_no_cap(epsilon, delta, k):
    _check_gp(epsilon, delta, k)
    return k * epsilon, k * math.exp(min((k - 1) * epsilon, 700)) * delta


def group_overflows(epsilon, delta, k):
    """Exponentiates first: math.exp overflows for large (k − 1)ε."""
    _check_gp(epsilon, delta, k)
    return k * epsilon, min(1.0, k * math.exp((k - 1) * epsilon) * delta)


def group_no_validation(epsilon, delta, k):
    return k * epsilon, min(1.0, k * math.exp(min((k - 1) * epsilon, 700)) * delta)


# --- scrub
def scrub_dashes_only(text):
    return re.sub(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)", "<US_SSN>", text)


def scrub_no_wrap(text):
    return re.sub(r"(?<!\d)(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})(?!\d)", "<US_SSN>", text)


def scrub_no_boundaries(text):
    return re.sub(r"\d{3}-\n?\d{2}-\n?\d{4}|\d{3} \d{2} \d{4}", "<US_SSN>", text)


def scrub_keeps_break(text):
    """Replaces the digits but puts the line break back after the tag."""
    return re.sub(r"(?<!\d)(\d{3}-(\n?)\d{2}-(\n?)\d{4}|\d{3} \d{2} \d{4})(?!\d)",
                  lambda m: "<US_SSN>" + (m.group(2) or "") + (m.group(3) or ""), text)


def scrub_all_digits(text):
    return re.sub(r"\d+(?:[- ]\n?\d+)*", "<US_SSN>", text)


def scrub_wrong_tag(text):
    return _sol().scrub(text).replace("<US_SSN>", "<SSN>")


def scrub_any_separator(text):
    """[- ] between every group, spaces may be followed by a break too, and 3-3-4 phone shapes as well."""
    return re.sub(r"(?<!\d)\d{3}[- ]\n?\d{2,3}[- ]\n?\d{4}(?!\d)", "<US_SSN>", text)


MUTANTS = {
    "sequence_logprob": [logprob_scores_prefix, logprob_transposed, logprob_skips_first, logprob_mean,
                         logprob_probability, logprob_no_validation],
    "greedy_decode": [greedy_with_prefix, greedy_one_extra, greedy_transposed, greedy_last_of_ties,
                      greedy_no_length_check],
    "beam_search": [beam_last_step, beam_no_pruning, beam_off_by_one, beam_with_prefix,
                    beam_returns_last_kept, beam_is_greedy],
    "rank_among_candidates": [rank_ties_favour, rank_zero_based, rank_counts_itself, rank_lowest_first,
                              rank_no_validation, rank_as_float],
    "group_privacy": [group_delta_unchanged, group_eps_plus_k, group_exp_eps_times_k, group_delta_times_k,
                      group_no_cap, group_overflows, group_no_validation],
    "scrub": [scrub_dashes_only, scrub_no_wrap, scrub_no_boundaries, scrub_keeps_break, scrub_all_digits,
              scrub_wrong_tag, scrub_any_separator],
}


# --- correct answers written otherwise: each must be accepted
def beam_heapq(logprobs, alphabet, prefix, length, width):
    """Correct: heapq.nsmallest on (−score, text) at each step."""
    import heapq

    _need(prefix, length, width)
    start = _idx(alphabet, prefix)[-1]
    beams = [(0.0, "", start)]
    for _ in range(length):
        beams = heapq.nsmallest(width, ((s - logprobs[last, j], t + alphabet[j], j)
                                        for s, t, last in beams for j in range(len(alphabet))))
    return beams[0][1]


def scrub_by_hand(text):
    """Correct: a scan over the text, no regular expression."""
    out, i = [], 0
    shapes = ["ddd-dd-dddd", "ddd-dd-\ndddd", "ddd-\ndd-dddd", "ddd-\ndd-\ndddd", "ddd dd dddd"]
    while i < len(text):
        for shape in shapes:
            piece = text[i:i + len(shape)]
            if len(piece) == len(shape) and all((s == "d" and c.isdigit() and c.isascii()) or s == c
                                                for s, c in zip(shape, piece)) \
                    and not (i > 0 and text[i - 1].isdigit()) \
                    and not (i + len(shape) < len(text) and text[i + len(shape)].isdigit()):
                out.append("<US_SSN>")
                i += len(shape)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


EQUIVALENTS = {
    "beam_search": [beam_heapq],
    "scrub": [scrub_by_hand],
}
