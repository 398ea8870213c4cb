"""A deployment's own detector: ``detect`` plus the forms that measuring its data turned up.

Notebook 01 measures ``detect`` on the seeded corpus and finds two kinds of misses besides names:
national phone numbers of regions that ``detect`` does not read nationally, and dates with two-digit
years, which ``detect`` leaves alone on purpose (the same shape is a ratio or a code). A site that
knows its data contains both adds recognizers for them, accepting some false alarms:

* ``EXTRA_PHONE_REGIONS``: the regions whose national numbers the site's text holds besides
  ``detect``'s own ``PHONE_REGIONS``;
* ``two_digit_dates``: ``a/b/yy`` where ``a/b`` or ``b/a`` is a real month and day, read in this
  century (score 0.5).

``detect_site`` is ``detect`` with both, ``detect_site_normalised`` the same on the normalised
readings of the text (``detect_normalised``), for disguised values.
"""

from __future__ import annotations

import re

from .detect import detect, resolve
from .disguise import detect_normalised
from .recognizers import find_phone_numbers
from .spans import Span
from .validators import date_valid

EXTRA_PHONE_REGIONS: tuple[str, ...] = ("AU", "JP", "ES", "IT")
TWO_DIGIT_YEAR = re.compile(r"(?<![\w/])(\d\d)/(\d\d)/(\d\d)(?![\w/])")


def _text(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text


def two_digit_dates(text: str) -> list[Span]:
    """``mm/dd/yy`` or ``dd/mm/yy`` that is a real calendar day (of 20yy), as ``DATE_TIME``, score 0.5."""
    spans = []
    for m in TWO_DIGIT_YEAR.finditer(_text(text)):
        a, b, yy = (int(g) for g in m.groups())
        if date_valid(2000 + yy, a, b) or date_valid(2000 + yy, b, a):
            spans.append(Span(m.start(), m.end(), "DATE_TIME", 0.5))
    return spans


def detect_site(text: str) -> list[Span]:
    """``detect``, plus national phone numbers of ``EXTRA_PHONE_REGIONS`` and two-digit-year dates."""
    text = _text(text)
    return resolve(detect(text) + find_phone_numbers(text, EXTRA_PHONE_REGIONS) + two_digit_dates(text))


def detect_site_normalised(text: str) -> list[Span]:
    """``detect_site`` on the normalised readings of ``text``; spans refer to ``text`` itself."""
    return detect_normalised(_text(text), detector=detect_site)
