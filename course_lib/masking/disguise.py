"""Reading disguised text: undo what hides a value from the recognizers, then map spans back.

A value can be written so that no pattern sees it and a human still reads it: digits of another
script (``４１１１``, ``٤١١١``), invisible characters inside it (``4111\\u200b1111``, a soft hyphen, a
bidi mark, a variation selector, a NUL), or a line break in the middle. ``pii_corpus(adversarial=True)``
plants such values; notebook 01 measures what they do to recall. The defence is to normalise before
detecting, and to report spans in the *original* text so that an operator replaces every character
of the disguised value, the invisible ones included:

1. drop every character that is not seen (``invisible``): Unicode format characters (category Cf:
   zero-width space and joiners, soft hyphen, bidi marks and isolates, invisible operators U+2061..4,
   byte-order mark, tags), the other default-ignorable ones (variation selectors, the combining
   grapheme joiner U+034F, Hangul fillers, Mongolian variation selectors), control characters other
   than tab and line breaks (NUL, escape, ...), and combining marks put on a digit (``4̲1̲``);
2. apply Unicode NFKC (compatibility forms, e.g. fullwidth letters and signs, other spaces) and turn
   every decimal digit into ASCII;
3. read a line break (``\\n``, ``\\r``, vertical tab, form feed, U+0085, U+2028, U+2029) two ways, as
   a space (two values on two lines) and as nothing (one value split across lines), and keep the
   findings of both, merged by ``resolve``.

Each normalised character remembers the original position it came from, so a span of the normalised
text maps back to ``[where[start], where[end - 1] + 1)`` of the original: the dropped characters
inside a value are inside its span. The work is linear in the length of the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Set

from .detect import detect, resolve
from .spans import Span
from .validators import ascii_digits

LINE_BREAK_READINGS = (" ", "")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# default-ignorable code points that are not format characters (Unicode's DerivedCoreProperties)
_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x3164, 0x3164),
              (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0000, 0xE0FFF))
_PLAIN = re.compile(r"[\x20-\x7e]+|[\s\S]")  # a run of printable ASCII, or any one other character


def invisible(ch: str) -> bool:
    """Whether ``ch`` is dropped when reading: a format character (Cf), another default-ignorable
    code point, or a control character other than tab and the line breaks."""
    category = unicodedata.category(ch)
    if category == "Cf" or (category == "Cc" and ch != "\t" and ch not in LINE_BREAKS):
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _IGNORABLE)


class _Invisible(Set):
    """The set of characters ``invisible`` holds for; listed (on first iteration) from the basic
    plane, the supplementary plane and plane 14, where all of them are."""

    def __contains__(self, ch) -> bool:
        return isinstance(ch, str) and len(ch) == 1 and invisible(ch)

    @functools.cached_property
    def _members(self) -> tuple[str, ...]:
        codes = [*range(0x20000), *range(0xE0000, 0xE1000)]
        return tuple(chr(c) for c in codes if invisible(chr(c)))

    def __iter__(self):
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)


#: Every character that ``undisguise`` drops (``invisible``), as a set.
INVISIBLE = _Invisible()


@functools.lru_cache(maxsize=4096)
def _read(ch: str, line_break: str, after_digit: bool) -> str:
    """What one character reads as: dropped, a line break's reading, or its NFKC form in ASCII digits."""
    if ch in LINE_BREAKS:
        return line_break
    if invisible(ch) or (after_digit and unicodedata.category(ch) in ("Mn", "Me", "Mc")):
        return ""
    return ascii_digits(unicodedata.normalize("NFKC", ch))


def undisguise(text: str, line_break: str = " ") -> tuple[str, list[int]]:
    """``text`` normalised as above, and for each of its characters the index it came from in ``text``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if line_break not in LINE_BREAK_READINGS:
        raise ValueError(f"line_break must be one of {LINE_BREAK_READINGS}, got {line_break!r}")
    chars: list[str] = []
    where: list[int] = []
    after_digit = False  # the last character kept was a digit (a combining mark on it is dropped)
    for m in _PLAIN.finditer(text):
        piece, i = m.group(), m.start()
        if len(piece) > 1 or piece.isascii() and piece.isprintable():  # plain ASCII: kept as it is
            chars.append(piece)
            where.extend(range(i, m.end()))
            after_digit = piece[-1].isdigit()
            continue
        new = _read(piece, line_break, after_digit)
        if new:
            chars.append(new)
            where += [i] * len(new)
            after_digit = new[-1].isdigit()
    return "".join(chars), where


def detect_normalised(text: str, entities=None, *, min_score: float = 0.0,
                      detector: Callable[..., list[Span]] = detect) -> list[Span]:
    """``detector`` run on both normalised readings of ``text`` (one, if it has no line break);
    spans refer to ``text`` itself."""
    spans: list[Span] = []
    readings = LINE_BREAK_READINGS if isinstance(text, str) and not LINE_BREAKS.isdisjoint(text) else (" ",)
    for line_break in readings:
        normal, where = undisguise(text, line_break)
        found = detector(normal) if detector is not detect else detect(normal, entities, min_score=min_score)
        spans += [Span(where[s.start], where[s.end - 1] + 1, s.entity, s.score) for s in found]
    return resolve(spans)  # the two readings' overlapping findings become one span
