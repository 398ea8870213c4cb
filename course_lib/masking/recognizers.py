"""One recognizer per entity: a pattern proposes candidates, a validator keeps the real ones.

Each recognizer is a function ``text -> list[Span]``; candidates may overlap each other (``detect``
resolves that). The ``score`` says how sure a match is, from what the validator could check:

==============  =====  ============================================================================
entity          score  candidate, then validator
==============  =====  ============================================================================
CREDIT_CARD     1.0    12-19 digits, bare or in 4-4-4-4(-3) / 4-6-5 / 4-6-4 groups with one kind of
                       separator; issuer prefix and length (``CARD_ISSUERS``), Luhn
IBAN_CODE       1.0    country code, check digits and that country's BBAN format and length, with
                       spaces or dashes between characters; MOD 97-10
EMAIL_ADDRESS   1.0    dot-atom ``local@domain.tld``; the TLD is in the IANA root zone
IP_ADDRESS      0.9    dotted quad or colon-hex, optional ``/prefix``; ``ipaddress`` parses it
DATE_TIME       0.85   numeric (31/12/2024, 12/31/2024, 31.12.2024, 2024-12-31 with an optional time)
                       and month-name forms (31 Dec 2024, 31-Dec-2024, Dec 31, 2024); a real calendar
                       day. Two-digit years (12/31/24) are not read: they are also ratios and codes
US_SSN          0.85   3-2-4 digits with a dash (0.7 with a dot or space, 0.5 bare, 0.95 after the word
                       "SSN"); SSA rules
PHONE_NUMBER    0.6    ``phonenumbers.PhoneNumberMatcher`` in ``PHONE_REGIONS``: valid numbers only
==============  =====  ============================================================================

Boundaries: a value glued to letters or digits (``IP192.168.1.1text``, ``1.2.3.4.5``) is not
reported, but a sentence's final dot or a bracket around it does not stop it.
Digits of any script count (``ascii_digits``); zero-width characters and line breaks inside a value
are *not* handled: they hide the value from these patterns (see ``course_lib.data.pii_corpus``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers

from .person import find_persons
from .spans import Span
from .validators import (
    IBAN_FORMATS,
    ascii_digits,
    bban_parts,
    date_valid,
    iban_valid,
    ipv4_valid,
    ipv6_valid,
    luhn_valid,
    ssn_valid,
    tld_valid,
)

SCORES: dict[str, float] = {
    "CREDIT_CARD": 1.0,
    "IBAN_CODE": 1.0,
    "EMAIL_ADDRESS": 1.0,
    "IP_ADDRESS": 0.9,
    "DATE_TIME": 0.85,
    "US_SSN": 0.85,
    "PHONE_NUMBER": 0.6,
}


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _char(text: str, i: int) -> str:
    """``text[i]``, or ``""`` outside the text."""
    return text[i] if 0 <= i < len(text) else ""


# --------------------------------------------------------------------------- credit cards

# (network, prefix ranges as (low, high) strings of one length, allowed numbers of digits); the
# networks' published IIN ranges.
CARD_ISSUERS: tuple[tuple[str, tuple[tuple[str, str], ...], tuple[int, ...]], ...] = (
    ("Visa", (("4", "4"),), (13, 16, 19)),
    ("Mastercard", (("51", "55"), ("2221", "2720")), (16,)),
    ("American Express", (("34", "34"), ("37", "37")), (15,)),
    ("Discover", (("6011", "6011"), ("644", "649"), ("65", "65"), ("622126", "622925")), (16, 17, 18, 19)),
    ("JCB", (("3528", "3589"),), (16, 17, 18, 19)),
    ("Diners Club", (("300", "305"), ("3095", "3095"), ("36", "36"), ("38", "39")), (14, 15, 16, 17, 18, 19)),
    ("UnionPay", (("62", "62"), ("81", "81")), (16, 17, 18, 19)),
    ("Maestro", (("5018", "5018"), ("5020", "5020"), ("5038", "5038"), ("5893", "5893"), ("6304", "6304"),
                 ("6759", "6759"), ("6761", "6763")), (12, 13, 14, 15, 16, 17, 18, 19)),
    ("Mir", (("2200", "2204"),), (16, 17, 18, 19)),
)


def card_issuer(digits: str) -> str | None:
    """The network whose IIN prefix and length fit an ASCII digit string, or None."""
    for network, ranges, lengths in CARD_ISSUERS:
        if len(digits) in lengths and any(lo <= digits[:len(lo)] <= hi for lo, hi in ranges):
            return network
    return None


def _card_grouping_ok(groups: list[str]) -> bool:
    """Bare, 4-4-...-4 with a last group of 1-4 digits (4-4-4-4, 4-4-4-4-3), or Amex/Diners 4-6-5, 4-6-4."""
    lengths = [len(g) for g in groups]
    if len(lengths) == 1 or lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return len(lengths) >= 3 and all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _card_window_ok(groups: list[str], seps: list[str]) -> bool:
    digits = ascii_digits("".join(groups))
    return (len(set(seps)) <= 1 and 12 <= len(digits) <= 19 and _card_grouping_ok(groups)
            and card_issuer(digits) is not None and luhn_valid(digits))


# a run of digit groups, not inside a decimal number, a signed or international (+) number, or a
# longer code whose first group is glued to letters (``DE81 4326 ...``)
_DIGIT_RUN = re.compile(r"(?<![\w+])(?<!\d[.,])(?<!\d[ -])\d+(?:[ -]\d+)*")


def find_credit_cards(text: str) -> list[Span]:
    """Card numbers: in each run of digit groups, the leftmost-longest windows of whole groups that
    are well grouped, one separator kind, an issuer's prefix and length, and Luhn-valid."""
    found = []
    for m in _DIGIT_RUN.finditer(text):
        run, end = m.group(), m.end()
        if _is_word(_char(text, end)):  # glued to letters: drop the last group
            run = re.sub(r"[ -]?\d+$", "", run)
        parts = re.split(r"([ -])", run) if run else []
        groups, seps = parts[0::2], parts[1::2]
        offsets = [m.start()]
        for g, s in zip(groups, seps):
            offsets.append(offsets[-1] + len(g) + len(s))
        i = 0
        while i < len(groups):
            for j in range(min(len(groups), i + 19), i, -1):  # longest window first
                if _card_window_ok(groups[i:j], seps[i:j - 1]):
                    found.append(Span(offsets[i], offsets[j - 1] + len(groups[j - 1]), "CREDIT_CARD",
                                      SCORES["CREDIT_CARD"]))
                    i = j
                    break
            else:
                i += 1
    return found


# --------------------------------------------------------------------------- IBAN

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})\d\d", re.IGNORECASE)
_CLASS = {"n": r"\d", "a": "[A-Za-z]", "c": "[A-Za-z0-9]"}


def _iban_pattern(country: str) -> re.Pattern:
    """``CC``, 2 check digits and the country's BBAN, one character class per position, each
    character after the first check digit optionally preceded by a space or a dash (the paper
    format's groups of four, or any other grouping)."""
    chars = [r"\d"] * 2 + [_CLASS[kind] for n, kind in bban_parts(country) for _ in range(n)]
    body = chars[0] + "".join("[ -]?" + c for c in chars[1:])
    return re.compile(country + body + "(?![A-Za-z0-9])", re.IGNORECASE)


_IBAN_PATTERNS = {cc: _iban_pattern(cc) for cc in IBAN_FORMATS}


def find_ibans(text: str) -> list[Span]:
    """IBANs of every registry country, electronic (``DE89370400440532013000``) or in groups
    separated by single spaces or single dashes (one kind), that pass ISO 13616's length, format
    and MOD 97-10 checks."""
    found = []
    for m in _IBAN_START.finditer(text):
        pattern = _IBAN_PATTERNS.get(m.group(1).upper())
        if pattern is None:
            continue
        full = pattern.match(text, m.start())
        if full and len(set(re.findall("[ -]", full.group()))) <= 1 and iban_valid(full.group()):
            found.append(Span(full.start(), full.end(), "IBAN_CODE", SCORES["IBAN_CODE"]))
    return found


# --------------------------------------------------------------------------- e-mail

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(?![A-Za-z0-9_-])"
)


def find_emails(text: str) -> list[Span]:
    """E-mail addresses whose top-level domain exists; a sentence's final dot is not part of it."""
    return [Span(m.start(), m.end(), "EMAIL_ADDRESS", SCORES["EMAIL_ADDRESS"])
            for m in _EMAIL.finditer(text) if tld_valid(m.group(1)) and m.group().index("@") <= 64]


# --------------------------------------------------------------------------- IP addresses

_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}")
_IPV6 = re.compile(r"(?<![\w.])(?=[\dA-Fa-f.]*:[\dA-Fa-f.]*:)([\dA-Fa-f:.]+?)\.?(?![\w:.])")
_PREFIX = re.compile(r"/(\d{1,3})(?![\w/])(?!\.\w)")


def _with_prefix(text: str, end: int, max_prefix: int) -> int:
    """``end`` moved past a valid ``/prefix`` (0..max_prefix) that follows it."""
    m = _PREFIX.match(text, end)
    if m and int(ascii_digits(m.group(1))) <= max_prefix:
        return m.end()
    return end


def find_ip_addresses(text: str) -> list[Span]:
    """IPv4 (octets 0..255, not part of a longer dotted number) and IPv6 addresses, each with an
    optional ``/prefix`` inside the span."""
    found = []
    for m in _IPV4.finditer(text):
        after = _char(text, m.end())
        if _is_word(after) or (after == "." and _is_word(_char(text, m.end() + 1))):
            continue
        if ipv4_valid(m.group()):
            found.append(Span(m.start(), _with_prefix(text, m.end(), 32), "IP_ADDRESS", SCORES["IP_ADDRESS"]))
    for m in _IPV6.finditer(text):
        candidate = m.group(1)
        if any(c not in ":." for c in candidate) and ipv6_valid(candidate):
            end = _with_prefix(text, m.end(1), 128)
            found.append(Span(m.start(1), end, "IP_ADDRESS", SCORES["IP_ADDRESS"]))
    return found


# --------------------------------------------------------------------------- US SSN

_SSN = re.compile(r"(?<!\w)(?<!\d[-.])\d{3}([-. ]?)\d{2}\1\d{4}(?!\w)(?![-.]\d)")
_SSN_SCORES = {"-": SCORES["US_SSN"], ".": 0.7, " ": 0.7, "": 0.5}
SSN_CONTEXT = re.compile(r"\b(?:ssn|ssa|social\s+security|soc\.?\s*sec)\b", re.IGNORECASE)
CONTEXT_WINDOW = 30
CONTEXT_SCORE = 0.95


def find_ssns(text: str) -> list[Span]:
    """US Social Security numbers that the SSA could have issued (``ssn_valid``).

    A bare ``536221234`` is as likely a phone or account number as an SSN, hence its low score; the
    words "SSN" or "social security" in the ``CONTEXT_WINDOW`` characters before a number raise its
    score to ``CONTEXT_SCORE`` (Presidio's context enhancement works alike)."""
    found = []
    for m in _SSN.finditer(text):
        if ssn_valid(m.group()):
            context = SSN_CONTEXT.search(text, max(0, m.start() - CONTEXT_WINDOW), m.start())
            score = CONTEXT_SCORE if context else _SSN_SCORES[m.group(1)]
            found.append(Span(m.start(), m.end(), "US_SSN", score))
    return found


# --------------------------------------------------------------------------- dates

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_ORD = r"(?:st|nd|rd|th)?"
_NUM_END = r"(?!\w)(?![/.]\d)"
_TIME = r"(?:[T ](?P<hh>\d{2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATES = [
    # year first: 2024-12-31 (ISO 8601, optionally with a time), 2024/12/31, 2024.12.31
    re.compile(r"(?<!\w)(?<!\d[/.])(?P<y>\d{4})(?P<sep>[-/.])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})(?P<date_end>)"
               + _TIME + _NUM_END, re.IGNORECASE),
    # year last: 31/12/2024, 12/31/2024, 31.12.2024, 31-12-2024 (either day-month or month-day)
    re.compile(r"(?<!\w)(?<!\d[/.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
               + _NUM_END),
    # 31 December 2024, 31st of Dec. 2024, 31-Dec-2024
    re.compile(r"(?<!\w)(?P<d>\d{1,2})" + _ORD + r"(?:(?:\s+of)?\s+|-)" + _MONTH
               + r"(?:,?\s+|-)(?P<y>\d{4})(?!\w)", re.IGNORECASE),
    # December 31, 2024, Dec 31st 2024
    re.compile(r"(?<!\w)" + _MONTH + r"\s+(?P<d>\d{1,2})" + _ORD + r",?\s+(?P<y>\d{4})(?!\w)", re.IGNORECASE),
]


def _time_valid(m: re.Match) -> bool:
    hh, mi, ss = m.group("hh"), m.group("mi"), m.group("ss")
    return int(hh) <= 23 and int(mi) <= 59 and (ss is None or int(ss) <= 59)


def _date_span(m: re.Match) -> tuple[int, int] | None:
    """``(start, end)`` of a matched date if it is a real calendar day, else None."""
    groups = m.groupdict()
    year = int(groups["y"])
    if not 1000 <= year <= 2999:
        return None
    if "month" in groups:
        ok = date_valid(year, MONTHS[groups["month"].lower().rstrip(".")], int(groups["d"]))
    elif "date_end" in groups:  # year first: always year-month-day
        ok = date_valid(year, int(groups["a"]), int(groups["b"]))
    else:
        a, b = int(groups["a"]), int(groups["b"])
        ok = date_valid(year, b, a) or date_valid(year, a, b)
    if not ok:
        return None
    if groups.get("hh") is not None and not _time_valid(m):
        return m.start(), m.end("date_end")
    return m.start(), m.end()


def find_dates(text: str) -> list[Span]:
    """Calendar dates (and an ISO 8601 time after a year-first date) that exist: 31/02/2024 does not."""
    found = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            span = _date_span(m)
            if span:
                found.append(Span(*span, "DATE_TIME", SCORES["DATE_TIME"]))
    return found


# --------------------------------------------------------------------------- phone numbers

PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "BR")
_NOT_PHONE_SHAPES = re.compile(
    r"\d{3}([-. ])\d{2}\1\d{4}"  # an SSN
    r"|\d{1,3}(?:\.\d{1,3}){2,3}(?:/\d+)?"  # a version or a dotted quad
    r"|\d{1,2}([-/.])\d{1,2}\2\d{4}|\d{4}([-/.])\d{1,2}\3\d{1,2}"  # a date, real or not
)

_GLUED = re.compile(r"\d[ .-]|[ .-]\d")
_IBAN_SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){10,30}(?![A-Za-z0-9])")


def find_phone_numbers(text: str, regions: tuple[str, ...] = PHONE_REGIONS) -> list[Span]:
    """Numbers that ``phonenumbers`` finds and validates, read as national numbers of each region in
    turn (numbers with a ``+country`` code are the same in all).

    Not taken for phone numbers: strings shaped like an SSN (3-2-4 digits), a version or a dotted
    quad (``1.2.3``, ``192.168.1.256``) or a date (``30.02.2023``), which numbering plans are not
    written like; digits glued by a space, dot or dash to further digits (``1644`` at the end
    of ``6200 6947 5086 1644``), which are part of a longer number; and digits inside an
    IBAN-shaped code (``NL50 RMCE 6951 6637 63``, valid or not)."""
    codes = [(m.start(), m.end()) for m in _IBAN_SHAPE.finditer(text)]
    spans = set()
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            glued = (_GLUED.fullmatch(text, max(0, match.start - 2), match.start)
                     or _GLUED.fullmatch(text, match.end, match.end + 2))
            in_code = any(a <= match.start and match.end <= b for a, b in codes)
            raw, start = match.raw_string, match.start
            if raw.startswith("(") and ")" not in raw:  # an unbalanced bracket belongs to the sentence
                raw, start = raw[1:], start + 1
            if not (glued or in_code or _NOT_PHONE_SHAPES.fullmatch(raw)):
                spans.add((start, match.end))
    return [Span(s, e, "PHONE_NUMBER", SCORES["PHONE_NUMBER"]) for s, e in sorted(spans)]


RECOGNIZERS: dict[str, Callable[[str], list[Span]]] = {
    "CREDIT_CARD": find_credit_cards,
    "EMAIL_ADDRESS": find_emails,
    "PHONE_NUMBER": find_phone_numbers,
    "IBAN_CODE": find_ibans,
    "US_SSN": find_ssns,
    "IP_ADDRESS": find_ip_addresses,
    "DATE_TIME": find_dates,
    "PERSON": find_persons,  # course_lib/masking/person.py: gazetteer, context and capitalisation
}
