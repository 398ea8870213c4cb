"""Checkers for exercise 13 (language models memorise). The bigram tables, texts and references are
built here, independently of the reference solution; typical mistakes are named by the property they
break. Messages name the input and the property, never the expected answer."""

from __future__ import annotations

import math

import numpy as np

from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error

# ----------------------------------------------------------------------------- tables


def _table(gen, alphabet: str, peak: float = 2.0) -> np.ndarray:
    """A random bigram table: each row a log-softmax of Gaussian logits (scale ``peak``)."""
    z = gen.normal(size=(len(alphabet), len(alphabet))) * peak
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _table_from_probs(alphabet: str, rows: dict) -> np.ndarray:
    """A table from ``{previous: {next: probability}}``; the rest of each row shared equally."""
    v = len(alphabet)
    p = np.zeros((v, v))
    for i, a in enumerate(alphabet):
        given = rows.get(a, {})
        rest = [j for j, b in enumerate(alphabet) if b not in given]
        left = 1.0 - sum(given.values())
        for b, q in given.items():
            p[i, alphabet.index(b)] = q
        for j in rest:
            p[i, j] = left / len(rest)
    with np.errstate(divide="ignore"):
        return np.log(p)


def _walk(table, alphabet, prefix, text):
    """Σ log p along the path, one transition at a time (the reference)."""
    path = [alphabet.index(c) for c in prefix[-1] + text]
    total = 0.0
    for a, b in zip(path, path[1:]):
        total += float(table[a, b])
    return total


def _float(out, call: str) -> float:
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer, np.floating)):
        if not (isinstance(out, np.ndarray) and out.ndim == 0 and out.dtype.kind in "iuf"):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a float")
    return float(out)


def _string(out, call: str) -> str:
    if not isinstance(out, str):
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected a string")
    return out


# ----------------------------------------------------------------------------- sequence_logprob


def check_sequence_logprob(fn) -> None:
    gen = np.random.default_rng(1301)
    alphabet = "abcdefgh"
    table = _table(gen, alphabet)
    cases = [("ab", "cdefgh"), ("h", "a"), ("xyz"[:0] + "g", "ggggabc"), ("abcd", "dcba" * 5), ("e", "")]
    for _ in range(4):
        prefix = "".join(gen.choice(list(alphabet), size=int(gen.integers(1, 5))))
        text = "".join(gen.choice(list(alphabet), size=int(gen.integers(1, 12))))
        cases.append((prefix, text))
    for prefix, text in cases:
        call = f"sequence_logprob(table, {alphabet!r}, prefix={prefix!r}, text={text!r})"
        got = _float(fn(table.copy(), alphabet, prefix, text), call)
        want = _walk(table, alphabet, prefix, text)
        if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9):
            continue
        if not text:
            raise CheckFailure(f"{call}: an empty text must have log-probability 0.0",
                               hint="Nothing to score: the sum over no characters is 0.")
        mistakes = [
            (_walk(table, alphabet, prefix[0], prefix[1:] + text) if len(prefix) > 1 else None,
             "the prefix's own characters are scored too",
             "The prefix is given: only text's characters are scored, the first in the row of prefix[-1]."),
            (_walk(table.T, alphabet, prefix, text), "rows and columns are swapped",
             "logprobs[i, j] is the log-probability of alphabet[j] AFTER alphabet[i]: row = previous."),
            (_walk(table, alphabet, text[0], text[1:]),
             "the first character of text is not scored (the transition from the prefix is missing)",
             "The first character of text is scored in the row of the LAST character of the prefix."),
            (_walk(table, alphabet, prefix, text) / len(text), "that is the mean, not the sum",
             "The log-probability of a sequence is the SUM of the per-character log-probabilities."),
            (math.exp(want), "that is a probability, not a log-probability",
             "Sum the log-probabilities; do not exponentiate."),
            (_walk(table, alphabet, prefix[:1], text) if len(prefix) > 1 else None,
             "the first character is scored after the FIRST character of the prefix",
             "The context of text[0] is prefix[-1], the character right before it.")]
        for other, mistake, hint in mistakes:
            if other is not None and math.isclose(got, other, rel_tol=1e-9, abs_tol=1e-9):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong log-probability",
                           hint="Σ_t logprobs[index of prev_t, index of text_t], prev_0 = prefix[-1].")
    expect_error(fn, (table, alphabet, "", "abc"), (ValueError,), "sequence_logprob(..., prefix='')")
    expect_error(fn, (table, alphabet, "ab", "abz"), (ValueError,),
                 "sequence_logprob(..., text with a character not in the alphabet)")
    expect_error(fn, (table, alphabet, "q", "abc"), (ValueError,),
                 "sequence_logprob(..., prefix with a character not in the alphabet)")


# ----------------------------------------------------------------------------- greedy_decode


def _greedy(table, alphabet, prefix, length):
    last = alphabet.index(prefix[-1])
    out = ""
    for _ in range(length):
        row = list(table[last])
        last = row.index(max(row))  # the first of the tied maxima
        out += alphabet[last]
    return out


def check_greedy_decode(fn) -> None:
    gen = np.random.default_rng(1302)
    alphabet = "0123456789-ab"
    cases = []
    for length in (1, 4, 11):
        cases.append(("a random table", _table(gen, alphabet), "ab", length))
    tied = _table_from_probs(alphabet, {"a": {"7": 0.3, "3": 0.3}, "3": {"9": 0.25, "1": 0.25, "5": 0.25},
                                        "1": {"b": 0.4, "-": 0.4}})
    cases.append(("a table whose rows have tied maxima", tied, "ba", 3))
    for what, table, prefix, length in cases:
        call = f"greedy_decode({what}, alphabet, prefix={prefix!r}, length={length})"
        got = _string(fn(table.copy(), alphabet, prefix, length), call)
        want = _greedy(table, alphabet, prefix, length)
        if got == want:
            continue
        if got == prefix + want:
            raise CheckFailure(f"{call}: the prefix is returned too", hint="Return the new characters only.")
        if len(got) != length:
            raise CheckFailure(f"{call}: returned {len(got)} characters, expected length={length}",
                               hint="Exactly length new characters, one per step.")
        if got == _greedy(table.T, alphabet, prefix, length):
            raise CheckFailure(f"{call}: rows and columns are swapped",
                               hint="The next character's distribution is the ROW of the last character.")
        if got == _greedy(-table, alphabet, prefix, length):
            raise CheckFailure(f"{call}: picks the least likely character",
                               hint="Greedy takes the LARGEST log-probability.")
        if what.startswith("a table whose"):
            raise CheckFailure(f"{call}: a tie is not given to the character that comes first in the "
                               "alphabet", hint="np.argmax returns the first of tied maxima.")
        raise CheckFailure(f"{call}: wrong continuation",
                           hint="Each step: the argmax of the row of the last character so far.")
    table = _table(gen, alphabet)
    expect_error(fn, (table, alphabet, "ab", 0), (ValueError,), "greedy_decode(..., length=0)")
    expect_error(fn, (table, alphabet, "", 3), (ValueError,), "greedy_decode(..., prefix='')")
    expect_error(fn, (table, alphabet, "aZ", 3), (ValueError,),
                 "greedy_decode(..., prefix with a character not in the alphabet)")


# ----------------------------------------------------------------------------- beam_search


def _beam(table, alphabet, prefix, length, width, key="total"):
    """Beams as strings, re-scored from scratch each step; ``key='last'`` ranks by the last step only."""
    beams = [""]
    for _ in range(length):
        grown = [b + c for b in beams for c in alphabet]
        if key == "total":
            grown.sort(key=lambda s: (-_walk(table, alphabet, prefix, s), s))
        else:
            grown.sort(key=lambda s: (-_walk(table, alphabet, (prefix + s)[-2], s[-1]), s))
        beams = grown[:width]
    if key == "last-final":
        beams.sort(key=lambda s: (-_walk(table, alphabet, prefix, s), s))
    return beams[0]


def _viterbi(table, alphabet, prefix, length):
    """The best continuation of all (no pruning), by dynamic programming over the last character."""
    score = table[alphabet.index(prefix[-1])].astype(float).copy()
    back = []
    for _ in range(length - 1):
        cand = score[:, None] + table
        back.append(cand.argmax(axis=0))
        score = cand.max(axis=0)
    last = int(score.argmax())
    out = [last]
    for b in reversed(back):
        last = int(b[last])
        out.append(last)
    return "".join(alphabet[i] for i in reversed(out))


def check_beam_search(fn) -> None:
    alphabet = "abcx"
    trap = _table_from_probs(alphabet, {"x": {"a": 0.5, "b": 0.4, "c": 0.05, "x": 0.05},
                                        "b": {"b": 0.9, "a": 0.04, "c": 0.03, "x": 0.03}})
    prune = _table_from_probs(alphabet, {"x": {"a": 0.4, "b": 0.35, "c": 0.24, "x": 0.01},
                                         "a": {"a": 0.31, "b": 0.29, "c": 0.2, "x": 0.2},
                                         "b": {"a": 0.3, "b": 0.3, "c": 0.2, "x": 0.2},
                                         "c": {"c": 0.97, "a": 0.01, "b": 0.01, "x": 0.01}})
    gen = np.random.default_rng(1303)
    big = "0123456789-ab"
    cases = [("a table where greedy decoding misses the best continuation", trap, alphabet, "x", 2, 2),
             ("a table where the best continuation starts with the third likeliest character",
              prune, alphabet, "x", 2, 2)]
    for length, width in [(5, 1), (6, 3), (7, 2), (4, 5), (1, 3), (8, 4)]:
        cases.append(("a random table", _table(gen, big, peak=1.5), big, "a", length, width))
    for what, table, alpha, prefix, length, width in cases:
        call = f"beam_search({what}, prefix={prefix!r}, length={length}, width={width})"
        got = _string(fn(table.copy(), alpha, prefix, length, width), call)
        want = _beam(table, alpha, prefix, length, width)
        if got == want:
            continue
        if got == prefix + want:
            raise CheckFailure(f"{call}: the prefix is returned too", hint="Return the new characters only.")
        if len(got) != length:
            raise CheckFailure(f"{call}: returned {len(got)} characters, expected length={length}",
                               hint="length steps, one new character per step.")
        if got == _greedy(table, alpha, prefix, length) and width > 1:
            raise CheckFailure(f"{call}: that is greedy decoding's answer; the beam keeps more than one "
                               "continuation", hint="Keep the width best continuations by total "
                               "log-probability at every step, not only the best one.")
        if width < len(alpha) ** length and got == _viterbi(table, alpha, prefix, length):
            raise CheckFailure(f"{call}: that is the best continuation of ALL: the beam was not pruned "
                               "to width", hint="After each step keep only the width best "
                               "continuations; the others are never extended.")
        if set(got) <= set(alpha) and _walk(table, alpha, prefix, got) > _walk(table, alpha, prefix, want):
            raise CheckFailure(f"{call}: the answer is likelier than what a beam of width finds: more than "
                               "width continuations were kept", hint="After each step keep exactly the "
                               "width best continuations overall, not the best few of each one.")
        if got in (_beam(table, alpha, prefix, length, width, "last"),
                   _beam(table, alpha, prefix, length, width, "last-final")):
            raise CheckFailure(f"{call}: continuations are ranked by the last step's log-probability, "
                               "not by their total", hint="Score = the log-probability of the WHOLE "
                               "continuation after the prefix (the sum of its steps).")
        raise CheckFailure(f"{call}: wrong continuation",
                           hint="Every step: extend each kept continuation by every character, keep the "
                           "width best by total log-probability; return the best at the end.")
    table = _table(gen, big)
    expect_error(fn, (table, big, "ab", 3, 0), (ValueError,), "beam_search(..., width=0)")
    expect_error(fn, (table, big, "ab", 0, 2), (ValueError,), "beam_search(..., length=0)")
    expect_error(fn, (table, big, "", 3, 2), (ValueError,), "beam_search(..., prefix='')")


# ----------------------------------------------------------------------------- rank_among_candidates


def _all_scores(table, alphabet, prefix, template):
    """The log-probability of every candidate, vectorised: a grid of index paths, one column per
    template position."""
    slots = [i for i, t in enumerate(template) if t == "d"]
    digits = np.array([alphabet.index(str(d)) for d in range(10)])
    grid = np.stack(np.meshgrid(*([digits] * len(slots)), indexing="ij"), axis=-1).reshape(-1, len(slots))
    paths = np.empty((len(grid), len(template) + 1), dtype=int)
    paths[:, 0] = alphabet.index(prefix[-1])
    for pos, t in enumerate(template):
        if t != "d":
            paths[:, pos + 1] = alphabet.index(t)
    for col, pos in enumerate(slots):
        paths[:, pos + 1] = grid[:, col]
    steps = table[paths[:, :-1], paths[:, 1:]]
    texts = ["".join(alphabet[i] for i in p[1:]) for p in paths]
    return texts, steps.sum(axis=1)


def _dyadic_table(gen, alphabet):
    """Digit and '-' transitions exactly -2.5 or -3.0 (sums are exact in any order: many exact ties)."""
    v = len(alphabet)
    used = [alphabet.index(c) for c in "0123456789-"]
    t = np.full((v, v), -np.inf)
    for i in range(v):
        t[i, used] = gen.choice([-2.5, -3.0], size=len(used))
        rest = [j for j in range(v) if j not in used]
        t[i, rest] = np.log((1 - np.exp(t[i, used]).sum()) / len(rest))
    return t


def check_rank_among_candidates(fn) -> None:
    gen = np.random.default_rng(1304)
    alphabet = "-0123456789:ab"
    rnd = _table(gen, alphabet, peak=1.0)
    memo = rnd.copy()
    for a, b in zip(":417", "4172"):  # the model has learnt ":4172": 0.9 on each of its steps
        i, j = alphabet.index(a), alphabet.index(b)
        row = np.exp(memo[i])
        row[j] = 0.0
        row *= 0.1 / row.sum()
        row[j] = 0.9
        memo[i] = np.log(row)
    dy = _dyadic_table(gen, alphabet)
    cases = [("a random table", rnd, "ab:", "3141", "dddd"),
             ("a random table", rnd, "b", "07-5", "dd-d"),
             ("a table that has memorised the secret", memo, "a:", "4172", "dddd"),
             ("a random table, literal digits in the template", rnd, ":", "4-58", "4-dd"),
             ("a table with many exactly tied log-probabilities", dy, "a", "12-34", "dd-dd"),
             ("a table with many exactly tied log-probabilities", dy, "b", "905", "ddd"),
             ("a random table, the secret ranked last", rnd, "a", None, "ddd")]
    for what, table, prefix, secret, template in cases:
        texts, scores = _all_scores(table, alphabet, prefix, template)
        if secret is None:
            secret = texts[int(np.argmin(scores))]
        call = f"rank_among_candidates({what}, prefix={prefix!r}, secret={secret!r}, template={template!r})"
        got = fn(table.copy(), alphabet, prefix, secret, template)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise CheckFailure(f"{call} returned {type(got).__name__}, expected an int")
        got = int(got)
        own = scores[texts.index(secret)]
        others = np.delete(scores, texts.index(secret))
        above, tied = int(np.sum(others > own)), int(np.sum(others == own))
        want = 1 + above + tied
        if got == want:
            continue
        if tied and got == 1 + above:
            raise CheckFailure(f"{call}: ties are counted in the secret's favour",
                               hint="Every other candidate whose log-probability EQUALS the secret's "
                               "ranks ahead of it.")
        if got == want - 1:
            raise CheckFailure(f"{call}: the rank is one too small (0-based?)",
                               hint="Rank 1 = no other candidate is at least as likely as the secret.")
        if got == want + 1:
            raise CheckFailure(f"{call}: the rank is one too large (the secret counted against itself?)",
                               hint="Count the OTHER candidates that are at least as likely.")
        if got in (1 + int(np.sum(others < own)) + tied, 1 + int(np.sum(others <= own))):
            raise CheckFailure(f"{call}: the candidates are ranked by LOWEST log-probability first",
                               hint="The model's favourite (highest log-probability) has rank 1.")
        _, bare = _all_scores(table, alphabet, template[0] if template[0] != "d" else "0", template)
        bare -= table[alphabet.index(template[0] if template[0] != "d" else "0")][
            [alphabet.index(t[0]) for t in texts]]
        own_bare = bare[texts.index(secret)]
        if got == 1 + int(np.sum(np.delete(bare, texts.index(secret)) >= own_bare)):
            raise CheckFailure(f"{call}: the candidates are scored without the transition from the prefix",
                               hint="The first character of each candidate is scored in the row of the "
                               "prefix's last character.")
        if not 1 <= got <= len(texts):
            raise CheckFailure(f"{call}: the rank is outside 1 … the number of candidates",
                               hint="Try every string that fits the template: 10 per 'd'.")
        raise CheckFailure(f"{call}: wrong rank", hint="Score every candidate with the prefix's last "
                           "character as the first context; 1 + the number of others scoring ≥ the secret.")
    for secret, template in [("123", "dd"), ("1a3", "ddd"), ("12:4", "dd-d"), ("5-12", "4-dd")]:
        expect_error(fn, (rnd, alphabet, "a", secret, template), (ValueError,),
                     f"rank_among_candidates(..., secret={secret!r}, template={template!r})")


# ----------------------------------------------------------------------------- group_privacy


def _group(eps, delta, k):
    if delta == 0:
        return k * eps, 0.0
    log_d = math.log(k) + (k - 1) * eps + math.log(delta)
    return k * eps, (1.0 if log_d >= 0 else math.exp(log_d))


def check_group_privacy(fn) -> None:
    cases = [(1.0, 1e-5, 1), (0.5, 1e-6, 4), (0.1, 1e-5, 32), (2.0, 1e-5, 8), (1.2, 1e-8, 10),
             (30.0, 1e-5, 32), (1.0, 0.0, 5), (0.0, 1e-3, 10), (0.25, 0.5, 3), (8.0, 1e-9, 2)]
    for eps, delta, k in cases:
        call = f"group_privacy(epsilon={eps}, delta={delta}, k={k})"
        try:
            out = fn(eps, delta, k)
        except OverflowError:
            raise CheckFailure(f"{call}: overflowed", hint="e^((k−1)ε) is too large for a float: compare "
                               "log k + (k−1)ε + log δ with 0 before exponentiating.") from None
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a tuple (epsilon, delta)")
        got_e, got_d = (_float(v, call) for v in out)
        want_e, want_d = _group(eps, delta, k)
        ok_e = math.isclose(got_e, want_e, rel_tol=1e-9, abs_tol=1e-12)
        ok_d = math.isclose(got_d, want_d, rel_tol=1e-9, abs_tol=1e-300)
        if ok_e and ok_d:
            continue
        if not ok_e:
            for other, mistake, hint in [
                    (eps + k, "the group's ε is ε + k", "ε adds up once per link of the chain: k·ε."),
                    (math.exp(eps) * k, "the group's ε is e^ε·k", "The ε itself, not e^ε, grows k-fold."),
                    (eps, "the group's ε is left unchanged", "A group of k: ε grows k-fold."),
                    ((k - 1) * eps, "the group's ε is (k − 1)·ε", "k examples, k links: k·ε.")]:
                if math.isclose(got_e, other, rel_tol=1e-9):
                    raise CheckFailure(f"{call}: {mistake}", hint=hint)
            raise CheckFailure(f"{call}: wrong ε for the group", hint="k·ε.")
        raw = k * math.exp(min((k - 1) * eps, 700)) * delta
        tele = delta * sum(math.exp(i * eps) for i in range(k)) if (k - 1) * eps < 700 else None
        for other, mistake, hint in [
                (delta, "δ is left unchanged", "δ grows too: k·e^((k−1)ε)·δ."),
                (k * delta, "δ is only multiplied by k", "The factor is k·e^((k−1)ε), not k."),
                (tele, "that is the telescoped sum δ·(1 + e^ε + … + e^((k−1)ε)); the docstring asks for "
                 "its standard upper bound", "Return k·e^((k−1)ε)·δ (capped at 1)."),
                (raw if raw > 1 else None, "δ above 1 is not capped",
                 "A δ of 1 promises nothing: cap it at 1."),
                (math.exp(k * eps) * delta, "δ is e^(kε)·δ", "The factor is k·e^((k−1)ε).")]:
            if other is not None and math.isclose(got_d, other, rel_tol=1e-9, abs_tol=1e-300):
                raise CheckFailure(f"{call}: {mistake}", hint=hint)
        raise CheckFailure(f"{call}: wrong δ for the group", hint="k·e^((k−1)ε)·δ, at most 1.")
    for args, what in [((-0.1, 1e-5, 2), "epsilon=-0.1"), ((float("nan"), 1e-5, 2), "epsilon=nan"),
                       ((float("inf"), 1e-5, 2), "epsilon=inf"), ((1.0, -1e-5, 2), "delta=-1e-05"),
                       ((1.0, 1.5, 2), "delta=1.5"), ((1.0, 1e-5, 0), "k=0"), ((1.0, 1e-5, 2.5), "k=2.5")]:
        expect_error(fn, args, (ValueError,), f"group_privacy({what})")


# ----------------------------------------------------------------------------- scrub

TAG = "<US_SSN>"
DECOYS = [("a phone number", "555-123-4567"), ("a phone number", "(555) 123-4567"),
          ("a phone number", "555 123 4567"), ("a date", "2024-03-07"), ("a date", "07 03 2024"),
          ("an order number with a digit before the SSN shape", "1234-56-7890"),
          ("an order number with a digit after the SSN shape", "123-45-67890"),
          ("a ZIP+4 code", "12345-6789"), ("a card number", "4111 1111 1111 1111"),
          ("a number of 3-2-3 digits", "123-45-678"), ("a number of 2-3-4 digits", "12-345-6789"),
          ("a reference number", "ORD-00123-45"), ("a number of 9 digits in a row", "123456789")]


def _ssn(gen, form):
    a, b, c = (f"{int(gen.integers(0, 10 ** n)):0{n}d}" for n in (3, 2, 4))
    return {"with dashes": f"{a}-{b}-{c}", "with spaces": f"{a} {b} {c}",
            "wrapped after its second dash": f"{a}-{b}-\n{c}",
            "wrapped after its first dash": f"{a}-\n{b}-{c}"}[form]


FORMS = ("with dashes", "with spaces", "wrapped after its second dash", "wrapped after its first dash")
WORDS = ["note", "the", "patient", "called", "about", "order", "ref", "ticket", "and", "see", "file"]


def _scrub_call(fn, text, call):
    out = fn(text)
    return _string(out, call)


def check_scrub(fn) -> None:
    gen = np.random.default_rng(1305)
    for form in FORMS:
        secret = _ssn(gen, form)
        text = f"The SSN of Eve Sol is {secret}. Call back."
        call = f"scrub(a sentence with an SSN {form})"
        got = _scrub_call(fn, text, call)
        want = text.replace(secret, TAG)
        if got == want:
            continue
        if got == text:
            raise CheckFailure(f"{call}: the number was not replaced",
                               hint="Three forms: dashes, single spaces, and a line break after a dash.")
        if TAG not in got:
            raise CheckFailure(f"{call}: the replacement is not the tag {TAG}", hint=f"Replace by {TAG!r}.")
        if got.replace("\n", "") == want.replace("\n", ""):
            raise CheckFailure(f"{call}: the line break inside the number was kept or moved",
                               hint="The whole number, line break included, becomes the tag.")
        raise CheckFailure(f"{call}: wrong text after scrubbing",
                           hint="Only the number changes; every other character stays as it was.")
    for what, decoy in DECOYS:
        text = f"Ticket: {decoy} (see file)."
        call = f"scrub(a sentence with {what}, {decoy!r}, and no SSN)"
        got = _scrub_call(fn, text, call)
        if got != text:
            raise CheckFailure(f"{call}: the text was changed",
                               hint="Only 3-2-4 digits separated as an SSN, with no digit right before or "
                               "after, are SSNs; other digits stay.")
    for n in range(25):
        text, want, kinds = "", "", []
        for _ in range(int(gen.integers(4, 10))):
            word = " ".join(gen.choice(WORDS, size=int(gen.integers(1, 4))))
            pick = gen.random()
            if pick < 0.45:
                form = FORMS[int(gen.integers(len(FORMS)))]
                piece, repl = _ssn(gen, form), TAG
                kinds.append(form)
            elif pick < 0.9:
                piece = DECOYS[int(gen.integers(len(DECOYS)))][1]
                repl = piece
            else:
                piece = repl = "\n"
            sep = gen.choice([" ", ": ", ", ", "\n", " (", " #"])
            text += f"{word}{sep}{piece} "
            want += f"{word}{sep}{repl} "
        text += "."
        want += "."
        call = f"scrub(generated text #{n + 1}: SSNs among phone numbers, dates and order numbers)"
        got = _scrub_call(fn, text, call)
        if got != want:
            raise CheckFailure(f"{call}: wrong text after scrubbing", hint="Every SSN in each of its forms "
                               "becomes the tag; decoys and all other characters stay.")
    text = "123-45-6789 at the start, and at the end 987 65 4321"
    call = "scrub(SSNs at the very start and the very end of the text)"
    if _scrub_call(fn, text, call) != f"{TAG} at the start, and at the end {TAG}":
        raise CheckFailure(f"{call}: wrong text after scrubbing",
                           hint="The start and the end of the text are boundaries too.")


EXERCISE = Exercise(
    name="13_language_models_memorise",
    title="Language models memorise: sequence scores, greedy and beam decoding, rank, group privacy, "
          "scrubbing",
    tasks=(
        Task("sequence_logprob", "sequence_logprob", check_sequence_logprob,
             notebook="13_language_models_memorise",
             hint="Sum logprobs[previous, next] over text, starting from the prefix's last character."),
        Task("greedy_decode", "greedy_decode", check_greedy_decode, notebook="13_language_models_memorise",
             hint="length times: the argmax of the row of the last character (first of ties)."),
        Task("beam_search", "beam_search", check_beam_search, notebook="13_language_models_memorise",
             hint="Extend every kept continuation by every character; keep the width best by total "
             "log-probability; return the best at the end."),
        Task("rank_among_candidates", "rank_among_candidates", check_rank_among_candidates,
             notebook="13_language_models_memorise",
             hint="Score every string fitting the template; 1 + the others scoring ≥ the secret."),
        Task("group_privacy", "group_privacy", check_group_privacy, notebook="13_language_models_memorise",
             hint="(k·ε, k·e^((k−1)ε)·δ), δ capped at 1, computed in logs."),
        Task("scrub", "scrub", check_scrub, notebook="13_language_models_memorise",
             hint="One pattern: 3-2-4 digits, dashes (each optionally followed by a line break) or "
             "spaces, no digit on either side."),
    ),
)
