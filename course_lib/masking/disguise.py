"""Reading disguised text: undo what hides a value from the recognizers, then map spans back.

A value can be written so that no pattern sees it and a human still reads it: digits of another
script (``４１１１``, ``٤١١١``), zero-width characters inside it (``4111\\u200b1111``), or a line break
in the middle. ``pii_corpus(adversarial=True)`` plants such values; notebook 01 measures what they do
to recall. The defence is to normalise before detecting, and to report spans in the *original* text
so that an operator replaces every character of the disguised value, the invisible ones included:

1. drop the zero-width characters (``INVISIBLE``);
2. apply Unicode NFKC (compatibility forms, e.g. fullwidth letters and signs) and turn every decimal
   digit into ASCII;
3. read a line break two ways, as a space (two values on two lines) and as nothing (one value split
   across lines), and keep the findings of both, merged by ``resolve``.

Each normalised character remembers the original position it came from, so a span of the normalised
text maps back to ``[where[start], where[end - 1] + 1)`` of the original.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from .detect import detect, resolve
from .spans import Span
from .validators import ascii_digits

#: Zero-width space, non-joiner, joiner, word joiner and byte-order mark: invisible when printed.
INVISIBLE = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"})
LINE_BREAK_READINGS = (" ", "")


def undisguise(text: str, line_break: str = " ") -> tuple[str, list[int]]:
    """``text`` normalised as above, and for each of its characters the index it came from in ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if line_break not in LINE_BREAK_READINGS:
        raise ValueError(f"line_break must be one of {LINE_BREAK_READINGS}, got {line_break!r}")
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in INVISIBLE:
            continue
        new = line_break if ch == "\n" else ascii_digits(unicodedata.normalize("NFKC", ch))
        chars.append(new)
        where += [i] * len(new)
    return "".join(chars), where


def detect_normalised(text: str, entities=None, *, min_score: float = 0.0,
                      detector: Callable[..., list[Span]] = detect) -> list[Span]:
    """``detector`` run on both normalised readings of ``text``; spans refer to ``text`` itself."""
    spans: list[Span] = []
    for line_break in LINE_BREAK_READINGS:
        normal, where = undisguise(text, line_break)
        found = detector(normal) if detector is not detect else detect(normal, entities, min_score=min_score)
        spans += [Span(where[s.start], where[s.end - 1] + 1, s.entity, s.score) for s in found]
    return resolve(spans)  # the two readings' overlapping findings become one span
