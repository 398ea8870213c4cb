"""Independent answers to exercise 13, written from its docstrings: ``CORRECT`` ones that a fair
checker accepts and ``WRONG`` ones (plausible mistakes) that a strong checker rejects."""

from __future__ import annotations

import heapq
import itertools
import math
import re

import numpy as np

# ----------------------------------------------------------------------------- helpers


def _pos(alphabet, chars):
    lookup = {c: i for i, c in enumerate(alphabet)}
    try:
        return [lookup[c] for c in chars]
    except KeyError:
        raise ValueError("a character is not in the alphabet") from None


def _args(prefix, length=1, width=1):
    if len(prefix) == 0 or length < 1 or width < 1:
        raise ValueError("prefix must be non-empty, length and width at least 1")


# ----------------------------------------------------------------------------- sequence_logprob


def slp_loop(logprobs, alphabet, prefix, text):
    _args(prefix)
    idx = _pos(alphabet, prefix + text)
    total = 0.0
    for a, b in zip(idx[len(prefix) - 1:], idx[len(prefix):]):
        total += logprobs[a][b]
    return float(total)


def slp_fancy_index(logprobs, alphabet, prefix, text):
    _args(prefix)
    idx = np.array(_pos(alphabet, prefix[-1] + text), dtype=int)
    return float(np.sum(np.asarray(logprobs)[idx[:-1], idx[1:]]))


def slp_with_prefix(logprobs, alphabet, prefix, text):
    """Scores prefix + text from its first character."""
    _args(prefix)
    idx = _pos(alphabet, prefix + text)
    return float(sum(logprobs[a, b] for a, b in zip(idx, idx[1:])))


def slp_cols_rows(logprobs, alphabet, prefix, text):
    _args(prefix)
    idx = _pos(alphabet, prefix[-1] + text)
    return float(sum(logprobs[b, a] for a, b in zip(idx, idx[1:])))


def slp_product(logprobs, alphabet, prefix, text):
    _args(prefix)
    idx = _pos(alphabet, prefix[-1] + text)
    return float(np.prod([math.exp(logprobs[a, b]) for a, b in zip(idx, idx[1:])]))


def slp_text_only(logprobs, alphabet, prefix, text):
    _args(prefix)
    _pos(alphabet, prefix)
    idx = _pos(alphabet, text)
    return float(sum(logprobs[a, b] for a, b in zip(idx, idx[1:])))


# ----------------------------------------------------------------------------- greedy_decode


def greedy_loop(logprobs, alphabet, prefix, length):
    _args(prefix, length)
    cur = _pos(alphabet, prefix)[-1]
    out = []
    for _ in range(length):
        row = logprobs[cur]
        best = 0
        for j in range(1, len(row)):
            if row[j] > row[best]:
                best = j
        cur = best
        out.append(alphabet[cur])
    return "".join(out)


def greedy_argmax(logprobs, alphabet, prefix, length):
    _args(prefix, length)
    cur = _pos(alphabet, prefix)[-1]
    text = ""
    while len(text) < length:
        cur = int(np.argmax(logprobs[cur]))
        text += alphabet[cur]
    return text


def greedy_prefix_included(logprobs, alphabet, prefix, length):
    return prefix + greedy_argmax(logprobs, alphabet, prefix, length)


def greedy_ge_ties(logprobs, alphabet, prefix, length):
    """Keeps the later character on a tie (>= in the loop)."""
    _args(prefix, length)
    cur = _pos(alphabet, prefix)[-1]
    out = ""
    for _ in range(length):
        best = 0
        for j in range(len(alphabet)):
            if logprobs[cur][j] >= logprobs[cur][best]:
                best = j
        cur = best
        out += alphabet[cur]
    return out


def greedy_column(logprobs, alphabet, prefix, length):
    _args(prefix, length)
    cur = _pos(alphabet, prefix)[-1]
    out = ""
    for _ in range(length):
        cur = int(np.argmax(logprobs[:, cur]))
        out += alphabet[cur]
    return out


def greedy_range_bug(logprobs, alphabet, prefix, length):
    """One step too few."""
    _args(prefix, length)
    return greedy_argmax(logprobs, alphabet, prefix, length)[:-1]


# ----------------------------------------------------------------------------- beam_search


def beam_lists(logprobs, alphabet, prefix, length, width):
    _args(prefix, length, width)
    start = _pos(alphabet, prefix)[-1]
    beam = [("", 0.0, start)]
    for _ in range(length):
        cand = []
        for text, score, last in beam:
            for j, c in enumerate(alphabet):
                cand.append((text + c, score + float(logprobs[last, j]), j))
        cand.sort(key=lambda x: (-x[1], x[0]))
        beam = cand[:width]
    return beam[0][0]


def beam_numpy(logprobs, alphabet, prefix, length, width):
    """Scores as an array: (beams, V) totals, flattened, best `width` by a stable lexsort."""
    _args(prefix, length, width)
    lp = np.asarray(logprobs, dtype=float)
    texts = [""]
    scores = np.zeros(1)
    lasts = np.array(_pos(alphabet, prefix)[-1:])
    for _ in range(length):
        total = (scores[:, None] + lp[lasts]).ravel()
        names = [t + c for t in texts for c in alphabet]
        order = sorted(range(len(total)), key=lambda i: (-total[i], names[i]))[:width]
        texts = [names[i] for i in order]
        scores = total[order]
        lasts = np.array([i % len(alphabet) for i in order])
    return texts[0]


def beam_heap(logprobs, alphabet, prefix, length, width):
    _args(prefix, length, width)
    beams = [(0.0, "")]
    first = _pos(alphabet, prefix)[-1]
    for _ in range(length):
        pool = []
        for neg, text in beams:
            last = alphabet.index(text[-1]) if text else first
            for j, c in enumerate(alphabet):
                pool.append((neg - logprobs[last, j], text + c))
        beams = heapq.nsmallest(width, pool)
    return min(beams)[1]


def beam_step_score(logprobs, alphabet, prefix, length, width):
    """Ranks extensions by the new character's log-probability alone."""
    _args(prefix, length, width)
    beam = [("", _pos(alphabet, prefix)[-1])]
    for _ in range(length):
        cand = [(float(logprobs[last, j]), t + c, j) for t, last in beam for j, c in enumerate(alphabet)]
        cand.sort(key=lambda x: (-x[0], x[1]))
        beam = [(t, j) for _, t, j in cand[:width]]
    return beam[0][0]


def beam_per_parent(logprobs, alphabet, prefix, length, width):
    """Keeps the `width` best children of EACH beam (the beam grows: width, width², ...)."""
    _args(prefix, length, width)
    beam = [("", 0.0, _pos(alphabet, prefix)[-1])]
    for _ in range(length):
        nxt = []
        for t, s, last in beam:
            kids = sorted(((s + logprobs[last, j], t + c, j) for j, c in enumerate(alphabet)),
                          key=lambda x: (-x[0], x[1]))[:width]
            nxt += [(t2, s2, j) for s2, t2, j in kids]
        beam = nxt
    return max(beam, key=lambda x: (x[1], [-ord(ch) for ch in x[0]]))[0]


def beam_exhaustive(logprobs, alphabet, prefix, length, width):
    _args(prefix, length, width)
    first = _pos(alphabet, prefix)[-1]

    def score(t):
        idx = [first] + _pos(alphabet, t)
        return sum(logprobs[a, b] for a, b in zip(idx, idx[1:]))

    return max(("".join(p) for p in itertools.product(alphabet, repeat=length)), key=score)


def beam_prune_before_extend_wrong(logprobs, alphabet, prefix, length, width):
    """Prunes to `width` then extends only the single best beam (greedy in disguise)."""
    _args(prefix, length, width)
    beam = [("", 0.0, _pos(alphabet, prefix)[-1])]
    for _ in range(length):
        t, s, last = beam[0]
        cand = sorted(((t + c, s + logprobs[last, j], j) for j, c in enumerate(alphabet)),
                      key=lambda x: (-x[1], x[0]))
        beam = cand[:width]
    return beam[0][0]


def beam_one_short(logprobs, alphabet, prefix, length, width):
    return beam_lists(logprobs, alphabet, prefix, length, width)[:-1]


# ----------------------------------------------------------------------------- rank_among_candidates


def _fits(secret, template):
    if len(secret) != len(template):
        raise ValueError("secret does not fit the template")
    for s, t in zip(secret, template):
        if (t == "d" and s not in "0123456789") or (t != "d" and s != t):
            raise ValueError("secret does not fit the template")


def _score(logprobs, alphabet, prefix, text):
    idx = _pos(alphabet, prefix[-1] + text)
    return sum(float(logprobs[a, b]) for a, b in zip(idx, idx[1:]))


def _candidates(template):
    slots = [i for i, t in enumerate(template) if t == "d"]
    for digits in itertools.product("0123456789", repeat=len(slots)):
        c = list(template)
        for i, d in zip(slots, digits):
            c[i] = d
        yield "".join(c)


def rank_product(logprobs, alphabet, prefix, secret, template):
    _fits(secret, template)
    own = _score(logprobs, alphabet, prefix, secret)
    return 1 + sum(1 for c in _candidates(template)
                   if c != secret and _score(logprobs, alphabet, prefix, c) >= own)


def rank_sorted(logprobs, alphabet, prefix, secret, template):
    """Sorts all candidates by score (best first) and finds the last position tied with the secret."""
    _fits(secret, template)
    scored = sorted(((_score(logprobs, alphabet, prefix, c), c) for c in _candidates(template)),
                    key=lambda x: -x[0])
    own = _score(logprobs, alphabet, prefix, secret)
    return max(i for i, (s, _) in enumerate(scored) if s >= own) + 1


def rank_numpy(logprobs, alphabet, prefix, secret, template):
    _fits(secret, template)
    lp = np.asarray(logprobs)
    cands = list(_candidates(template))
    idx = np.array([_pos(alphabet, prefix[-1] + c) for c in cands])
    scores = lp[idx[:, :-1], idx[:, 1:]].sum(axis=1)
    own = scores[cands.index(secret)]
    return int(np.count_nonzero(scores >= own))


def rank_strict(logprobs, alphabet, prefix, secret, template):
    _fits(secret, template)
    own = _score(logprobs, alphabet, prefix, secret)
    return 1 + sum(1 for c in _candidates(template) if _score(logprobs, alphabet, prefix, c) > own)


def rank_including_self(logprobs, alphabet, prefix, secret, template):
    _fits(secret, template)
    own = _score(logprobs, alphabet, prefix, secret)
    return 1 + sum(1 for c in _candidates(template) if _score(logprobs, alphabet, prefix, c) >= own)


def rank_no_prefix(logprobs, alphabet, prefix, secret, template):
    """Scores the candidates from their own first character (the prefix forgotten)."""
    _fits(secret, template)

    def s(c):
        idx = _pos(alphabet, c)
        return sum(float(logprobs[a, b]) for a, b in zip(idx, idx[1:]))

    own = s(secret)
    return 1 + sum(1 for c in _candidates(template) if c != secret and s(c) >= own)


def rank_ascending(logprobs, alphabet, prefix, secret, template):
    _fits(secret, template)
    own = _score(logprobs, alphabet, prefix, secret)
    return 1 + sum(1 for c in _candidates(template)
                   if c != secret and _score(logprobs, alphabet, prefix, c) <= own)


def rank_digits_only_template(logprobs, alphabet, prefix, secret, template):
    """Ignores the template's literal characters: every position is a digit."""
    _fits(secret, template)
    own = _score(logprobs, alphabet, prefix, secret)
    better = 0
    for digits in itertools.product("0123456789", repeat=len(template)):
        c = "".join(digits)
        if c != secret and all(ch in alphabet for ch in c) and _score(logprobs, alphabet, prefix, c) >= own:
            better += 1
    return 1 + better


# ----------------------------------------------------------------------------- group_privacy


def _gp_ok(epsilon, delta, k):
    if not (epsilon >= 0 and math.isfinite(epsilon)):
        raise ValueError("epsilon must be finite and >= 0")
    if not (0 <= delta <= 1):
        raise ValueError("delta must be in [0, 1]")
    if k < 1 or k != int(k):
        raise ValueError("k must be an integer >= 1")


def gp_log(epsilon, delta, k):
    _gp_ok(epsilon, delta, k)
    if delta == 0:
        return (float(k * epsilon), 0.0)
    log_d = math.log(k * delta) + (k - 1) * epsilon
    return (float(k * epsilon), 1.0 if log_d > 0 else math.exp(log_d))


def gp_numpy(epsilon, delta, k):
    _gp_ok(epsilon, delta, k)
    with np.errstate(over="ignore"):
        d = np.float64(k) * np.exp(np.float64((k - 1) * epsilon)) * delta
    return k * epsilon, float(min(d, 1.0)) if delta > 0 else 0.0


def gp_list(epsilon, delta, k):
    """A list rather than a tuple, the ε as an int when it is whole."""
    e, d = gp_log(epsilon, delta, k)
    return [e, d]


def gp_same_delta(epsilon, delta, k):
    _gp_ok(epsilon, delta, k)
    return k * epsilon, delta


def gp_sum(epsilon, delta, k):
    """The telescoped sum instead of its bound."""
    _gp_ok(epsilon, delta, k)
    total = delta * sum(math.exp(min(i * epsilon, 700)) for i in range(k))
    return k * epsilon, min(total, 1.0)


def gp_exp_keps(epsilon, delta, k):
    _gp_ok(epsilon, delta, k)
    return k * epsilon, min(1.0, math.exp(min(k * epsilon, 700)) * delta)


def gp_uncapped(epsilon, delta, k):
    _gp_ok(epsilon, delta, k)
    return k * epsilon, k * math.exp(min((k - 1) * epsilon, 700)) * delta


def gp_naive_exp(epsilon, delta, k):
    _gp_ok(epsilon, delta, k)
    return k * epsilon, min(1.0, k * math.exp((k - 1) * epsilon) * delta)


def gp_eps_plus(epsilon, delta, k):
    e, d = gp_log(epsilon, delta, k)
    return epsilon + k, d


def gp_k_minus_one(epsilon, delta, k):
    """(k − 1)·ε for the group's ε."""
    _gp_ok(epsilon, delta, k)
    return (k - 1) * epsilon, gp_log(epsilon, delta, k)[1]


# ----------------------------------------------------------------------------- scrub


def scrub_regex(text):
    return re.sub(r"(?<![0-9])([0-9]{3}-\n?[0-9]{2}-\n?[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4})(?![0-9])",
                  "<US_SSN>", text)


def scrub_two_passes(text):
    text = re.sub(r"(?<!\d)\d{3}-(?:\n)?\d{2}-(?:\n)?\d{4}(?!\d)", "<US_SSN>", text)
    return re.sub(r"(?<!\d)\d{3} \d{2} \d{4}(?!\d)", "<US_SSN>", text)


def scrub_word_boundary(text):
    r"""\b at both ends (the checker's texts never put a letter right against a number)."""
    return re.sub(r"\b(?:\d{3}-\n?\d{2}-\n?\d{4}|\d{3} \d{2} \d{4})\b", "<US_SSN>", text)


def scrub_unwrap_first(text):
    """Finds the numbers in a copy with the wrapping undone, then replaces them in the original."""
    out = []
    pattern = re.compile(r"(?<!\d)(\d{3})(-\n?|\s)(\d{2})(-\n?|\s)(\d{4})(?!\d)")
    last = 0
    for m in pattern.finditer(text):
        a, b = m.group(2), m.group(4)
        if (a.startswith("-") and b.startswith("-")) or (a == " " and b == " "):
            out.append(text[last:m.start()] + "<US_SSN>")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def scrub_dash_only(text):
    return re.sub(r"(?<!\d)\d{3}-\n?\d{2}-\n?\d{4}(?!\d)", "<US_SSN>", text)


def scrub_no_newline(text):
    return re.sub(r"(?<!\d)(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})(?!\d)", "<US_SSN>", text)


def scrub_unanchored(text):
    return re.sub(r"\d{3}[- ]\n?\d{2}[- ]\n?\d{4}", "<US_SSN>", text)


def scrub_whitespace_class(text):
    r"""One character of [-\s] between the groups: a line break may stand for a dash, but a dash
    followed by a line break is missed."""
    return re.sub(r"(?<!\d)\d{3}[-\s]\d{2}[-\s]\d{4}(?!\d)", "<US_SSN>", text)


def scrub_tag_ssn(text):
    return scrub_regex(text).replace("<US_SSN>", "[SSN]")


def scrub_digits_stars(text):
    """Masks the digits of each SSN with '*' (notebook 01's style), keeping its layout."""
    return re.sub(r"(?<!\d)(?:\d{3}-\n?\d{2}-\n?\d{4}|\d{3} \d{2} \d{4})(?!\d)",
                  lambda m: re.sub(r"\d", "*", m.group()), text)


def scrub_no_left_boundary(text):
    return re.sub(r"(?:\d{3}-\n?\d{2}-\n?\d{4}|\d{3} \d{2} \d{4})(?!\d)", "<US_SSN>", text)


CORRECT = {
    "sequence_logprob": [slp_loop, slp_fancy_index],
    "greedy_decode": [greedy_loop, greedy_argmax],
    "beam_search": [beam_lists, beam_numpy, beam_heap],
    "rank_among_candidates": [rank_product, rank_sorted, rank_numpy],
    "group_privacy": [gp_log, gp_numpy, gp_list],
    "scrub": [scrub_regex, scrub_two_passes, scrub_word_boundary, scrub_unwrap_first],
}

WRONG = {
    "sequence_logprob": [slp_with_prefix, slp_cols_rows, slp_product, slp_text_only],
    "greedy_decode": [greedy_prefix_included, greedy_ge_ties, greedy_column, greedy_range_bug],
    "beam_search": [beam_step_score, beam_per_parent, beam_exhaustive, beam_prune_before_extend_wrong,
                    beam_one_short],
    "rank_among_candidates": [rank_strict, rank_including_self, rank_no_prefix, rank_ascending,
                              rank_digits_only_template],
    "group_privacy": [gp_same_delta, gp_sum, gp_exp_keps, gp_uncapped, gp_naive_exp, gp_eps_plus,
                      gp_k_minus_one],
    "scrub": [scrub_dash_only, scrub_no_newline, scrub_unanchored, scrub_whitespace_class, scrub_tag_ssn,
              scrub_digits_stars, scrub_no_left_boundary],
}
