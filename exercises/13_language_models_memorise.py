# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 13_language_models_memorise
# (generated from solutions/13_language_models_memorise.py by `python3 course.py exercises`)
"""Exercise 13 — language models memorise: scoring, decoding and defending, on a model you can read.

The "language model" here is a bigram table: ``logprobs`` is a (V, V) float array and
``logprobs[i, j]`` the natural-log probability that character ``alphabet[j]`` follows character
``alphabet[i]`` (row = previous character; each row's probabilities sum to 1). ``alphabet`` is a
string of V distinct characters. Notebook 13 asks the same questions of a transformer; with a table
you can check every answer by hand. NumPy is all you need. Check your work with

    python3 course.py check 13_language_models_memorise [task]
"""

from __future__ import annotations

import math
import re

import numpy as np


def _indices(alphabet: str, text: str, what: str) -> list[int]:
    """Given (use it if you like): the position in ``alphabet`` of each character of ``text``; a
    ValueError naming ``what`` when a character is not in the alphabet."""
    index = {c: i for i, c in enumerate(alphabet)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"{what} holds characters not in the alphabet: {missing!r}")
    return [index[c] for c in text]


def sequence_logprob(logprobs: np.ndarray, alphabet: str, prefix: str, text: str) -> float:
    """The log-probability of ``text`` following ``prefix`` under the bigram model.

    The first character of ``text`` is scored in the row of the last character of ``prefix``, every
    later one in the row of the character before it:
    ``Σ_t logprobs[prev_t, text_t]`` with ``prev_0 = prefix[-1]``. The prefix itself is given, not
    scored. Return a float (0.0 for an empty ``text``). Raise ValueError when ``prefix`` is empty
    or a character of ``prefix`` or ``text`` is not in ``alphabet``.
    """
    raise NotImplementedError("write sequence_logprob() here")


def greedy_decode(logprobs: np.ndarray, alphabet: str, prefix: str, length: int) -> str:
    """Greedy decoding: ``length`` times, append the likeliest next character.

    Return the ``length`` new characters only (not the prefix). A tie goes to the character that
    comes first in ``alphabet``. Raise ValueError when ``prefix`` is empty, holds a character not in
    ``alphabet``, or ``length`` < 1.
    """
    raise NotImplementedError("write greedy_decode() here")


def beam_search(logprobs: np.ndarray, alphabet: str, prefix: str, length: int, width: int) -> str:
    """Beam search: the best continuation of ``length`` characters that a beam of ``width`` finds.

    Start with one partial continuation, the empty one. At each of ``length`` steps extend every
    kept continuation by every character of the alphabet, score each extension by its TOTAL
    log-probability after ``prefix`` (as in ``sequence_logprob``), and keep the ``width`` best (all
    of them when there are fewer). After the last step return the best kept continuation — the new
    characters only. Ties in total log-probability go to the continuation that is smaller as a
    Python string. ``width=1`` is greedy decoding; a wider beam can find a continuation whose first
    character is not the likeliest one. Raise ValueError when ``prefix`` is empty, holds a character
    not in ``alphabet``, ``length`` < 1 or ``width`` < 1.
    """
    raise NotImplementedError("write beam_search() here")


def rank_among_candidates(logprobs: np.ndarray, alphabet: str, prefix: str, secret: str,
                          template: str) -> int:
    """The 1-based rank of ``secret`` among every string that fits ``template``, by log-probability.

    In ``template`` each ``d`` stands for any digit 0-9 and every other character stands for itself
    (``"dd-dd"`` has 10⁴ candidates, ``"10-dd"`` and ``"45-dd"`` 100 each). Score every candidate by
    ``sequence_logprob(logprobs, alphabet, prefix, candidate)``; the rank is 1 plus the number of
    OTHER candidates whose log-probability is ≥ the secret's (ties count against the secret, as for
    exposure in notebook 08). Templates have at most 4 ``d``: trying every candidate is fine. Return
    an int. Raise ValueError when ``secret`` does not fit ``template`` (or a character is not in
    ``alphabet``).
    """
    raise NotImplementedError("write rank_among_candidates() here")


def group_privacy(epsilon: float, delta: float, k: int) -> tuple[float, float]:
    """The (ε, δ) that an (ε, δ)-DP mechanism guarantees to a group of ``k`` examples.

    Two data sets that differ in k examples are joined by a chain of k neighbours; applying the
    definition once per link gives ``(k·ε, δ·(1 + e^ε + … + e^{(k−1)ε}))``, and the sum is at most
    ``k·e^{(k−1)ε}``. Return the standard form

        ``(k·ε, k·e^{(k−1)ε}·δ)``, the δ capped at 1.0 (a δ of 1 promises nothing),

    as a tuple of two floats. For δ = 0 this is Dwork & Roth (2014), "The Algorithmic Foundations of
    Differential Privacy", Theorem 2.2 (ε-DP gives kε-DP to groups of k); the δ term is the
    telescoped bound above. ``e^{(k−1)ε}`` overflows a float for large k·ε where the capped answer
    is simply 1.0: compare logarithms first. Raise ValueError unless ε ≥ 0 and finite,
    0 ≤ δ ≤ 1 and k is an integer ≥ 1.
    """
    raise NotImplementedError("write group_privacy() here")


def scrub(text: str) -> str:
    """Replace every US social security number in ``text`` by ``"<US_SSN>"``; change nothing else.

    An SSN here is 3 digits, 2 digits and 4 digits (any digits) separated either by two dashes
    (``123-45-6789``) or by two single spaces (``123 45 6789``); in the dashed form either dash may
    be followed by a line break ``"\\n"`` (``123-45-\\n6789``, ``123-\\n45-6789``, as when text is
    wrapped at a fixed width — the number notebook 13's detector missed). The whole number, line
    break included, becomes ``"<US_SSN>"``. A number that is part of a longer run of digits — a digit
    right before or right after it, as in ``1234-56-7890`` or ``123-45-67890`` — is not an SSN; phone
    numbers, dates, order numbers and every other character stay exactly as they were.
    """
    raise NotImplementedError("write scrub() here")
