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

import functools
import re
from collections.abc import Callable

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumbermatcher import _SLASH_SEPARATED_DATES, _TIME_STAMPS
from phonenumbers.phonenumberutil import _EXTN_PATTERNS_FOR_MATCHING, _PLUS_CHARS, _VALID_PUNCTUATION

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
# A window that is one of these shapes, its groups joined by one space, dot or dash (and a dotted
# quad's "/prefix"): phonenumbers may find only the whole, a part glued to further digits (``_GLUED``)
# or a prefix of at most three digits (no numbering plan has valid numbers that short).
_NOT_PHONE_WINDOWS = re.compile(
    r"[^\d+\uff0b(\[\uff08\uff3b]*(?:\d{3}([-. ])\d{2}\1\d{4}|\d{1,3}(?:\.\d{1,3}){2,3}(?:/\d{1,3})?"
    r"|\d{1,2}([-.])\d{1,2}\2\d{4}|\d{4}([-.])\d{1,2}\3\d{1,2})\D*")

_GLUED = re.compile(r"\d[ .-]|[ .-]\d")
_IBAN_SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){10,30}(?![A-Za-z0-9])")

# What ``phonenumbers.PhoneNumberMatcher`` reads as one candidate: digits, its punctuation, plus signs and
# brackets, and an extension after the last digit ("ext. 12", ";ext=12"), in phonenumbers' own terms.
_PHONE_CHAR = f"[{_VALID_PUNCTUATION}{_PLUS_CHARS}(\\[\uff08\uff3b)\\]\uff09\uff3d#\uff03\\d]"
_PHONE_RUN = re.compile(_PHONE_CHAR + "+", re.UNICODE | re.IGNORECASE)
# a run with a digit, from its first character: one try per run, so linear however long the runs
_PHONE_WINDOW = re.compile(f"(?<!{_PHONE_CHAR}){_PHONE_CHAR}*?\\d{_PHONE_CHAR}*", re.UNICODE | re.IGNORECASE)
_EXTENSION = re.compile(_EXTN_PATTERNS_FOR_MATCHING, re.UNICODE | re.IGNORECASE)
_VALID = phonenumbers.Leniency.VALID
_DIGITS = re.compile(r"\d+")
# No numbering plan has valid national numbers of fewer than four digits (Tokelau's have four); a
# "+" number has a country code besides.
_MIN_DIGITS = 4
_DIGIT_CORE = re.compile(r"\d(?:.*\d)?[#\uff03]?", re.DOTALL)
_PLUS = re.compile("[" + _PLUS_CHARS + "]")
_LEAD = frozenset(_PLUS_CHARS + "(\\[\uff08\uff3b")
# Joiners between digit groups, for the gate below: a single space, dot or dash glues the groups (a
# number that starts or ends there is dropped as ``_GLUED``), anything else leaves them free.
_JOINER = re.compile(r"\D+")
_LETTER = re.compile(r"[^\W\d_]")
_EXTENSION_CHARS = frozenset("#\uff03xX\uff58~\uff5e")
# phonenumbers reads nothing in a candidate that holds a date with slashes (``3/10/2011``)
# (_SLASH_SEPARATED_DATES), nor in one that is a time stamp followed by ":mm" (``2012-01-02 08:00``)
_TIME_STAMP_SUFFIX = re.compile(r":[0-5]\d")
_ONE_CANDIDATE = re.compile(
    r"[^\d+\uff0b(\[\uff08\uff3b]*(\d{1,20}(?:[ ./-]{1,4}\d{1,20}){0,20})[^\d#\uff03]*")
_GLUED_GROUPS = re.compile(r"\d{1,20}(?:[ .-]\d{1,20}){0,20}")
_NUMBER_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
                 "voip", "pager", "uan", "voicemail")
_TOKEN = re.compile(r"\\d|\[[^\]]*\]|\{[^}]*\}|[0-9]|.", re.DOTALL)


def _across_groups(pattern: str) -> str:
    """``pattern`` over digits, rewritten to read digit groups joined by ``,`` (glued) or ``;``
    (free): an optional joiner after every digit it matches (quantifiers' ``{m,n}`` left alone)."""
    return "".join(f"(?:{tok}[,;]?)" if tok == r"\d" or tok[0] == "[" or tok.isdigit() else tok
                   for tok in _TOKEN.findall(pattern))


def _without_group(pattern: str, n: int) -> str:
    """``pattern`` with its ``n``-th capturing group removed (a group of plain brackets)."""
    count, depth, start = 0, 0, None
    for i, ch in enumerate(pattern):
        if ch == "(" and (i == 0 or pattern[i - 1] != "\\"):
            depth += 1
            if not pattern.startswith("(?", i):
                count += 1
                if count == n:
                    start, level = i, depth
        elif ch == ")" and (i == 0 or pattern[i - 1] != "\\"):
            if start is not None and depth == level:
                return pattern[:start] + pattern[i + 1:]
            depth -= 1
    raise ValueError(f"pattern {pattern!r} has no group {n}")


@functools.cache
def _region_gate(region: str) -> tuple[re.Pattern, re.Pattern] | None:
    """Patterns that the digits of every number phonenumbers validates (at ``Leniency.VALID``) when
    it reads a candidate in ``region`` without a ``+`` fit, over a window's digit groups:

    * the region's international dialling prefix and at least four digits (another country's number);
    * its country code, (its national prefix and carrier code)? and a national number of one of the
      types (fixed line, mobile, ...) of that country code's regions;
    * (the national prefix)? and such a national number, the prefix being required where the
      number's format asks for one (as phonenumbers checks: ``897879309`` is no French number).

    ``(search, whole)``: ``search`` finds a run of groups from the window's start or a free joiner
    to its end or a free joiner that fits, with the prefix rule left out; ``whole`` fits all groups.
    None where phonenumbers rewrites the national prefix in ways this does not follow."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        raise ValueError(f"regions must be region codes that phonenumbers knows (e.g. {PHONE_REGIONS}), "
                         f"got {region!r}")
    code, prefix = metadata.country_code, metadata.national_prefix_for_parsing
    rule = metadata.national_prefix_transform_rule
    types = []
    for other in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, (region,)):
        other_metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, other)
        if other_metadata is None:
            continue
        for kind in _NUMBER_TYPES:
            desc = getattr(other_metadata, kind, None)
            if desc is not None and desc.national_number_pattern:
                types.append(desc.national_number_pattern)
    main = PhoneMetadata.metadata_for_region(phonenumbers.region_code_for_country_code(code)) or metadata
    formats = {True: [], False: []}  # national prefix required when formatting, or not
    for number_format in main.number_format:
        prefix_rule = number_format.national_prefix_formatting_rule
        required = bool(prefix_rule) and not number_format.national_prefix_optional_when_formatting \
            and not re.fullmatch(r"\(?\\1\)?", prefix_rule)
        leading = number_format.leading_digits_pattern
        formats[required].append((f"(?={leading[-1]})" if leading else "") + f"(?:{number_format.pattern})")
    texts = [prefix or "", *types, *formats[True], *formats[False]]
    if any("$" in t for t in texts) or (rule and not re.fullmatch(r"\\\d|\$\d", rule)):
        return None
    if rule:  # the national number is the prefix's last group: keep what comes before it
        prefix = _without_group(prefix, int(rule[1:]))
    g = _across_groups
    end = "(?![0-9,])"
    national = g(f"(?:{prefix})") if prefix else "(?!)"
    idd = g(metadata.international_prefix or "(?!)") + "(?:[0-9][,;]?)"
    unprefixed = ""
    if formats[True]:  # a number in a format that asks for the prefix, and in no other, needs it
        optional = "|".join(f"(?:{g(f)}){end}" for f in formats[False]) or "(?!)"
        unprefixed = f"(?={optional})|(?!(?:{g('|'.join(formats[True]))}){end})"
    number = g("(?:" + "|".join(f"(?:{t})" for t in dict.fromkeys(types)) + ")")
    whole = f"(?:(?:{g(str(code))}{national}?|{national}|{unprefixed}){number}|{idd}{{4,}}){end}"
    search = f"(?<![0-9,])(?:(?:{g(str(code))})?{national}?{number}{end}|{idd}{{4}})"
    return re.compile(search), re.compile(whole)


def _gate(window: str, runs: list[str], regions: tuple[str, ...]) -> list[str]:
    """The regions in which the digit groups of ``window`` can hold a valid number that is not glued
    to other digits: a necessary condition for phonenumbers to find one there, checked with one
    regular expression instead of parsing every candidate in every region. All regions where an
    extension may follow a digit (``#``, ``x``, ``~``, letters): its digits may end mid-group."""
    after = window[window.index(runs[0]):]
    if not _EXTENSION_CHARS.isdisjoint(after) or _LETTER.search(after):
        return list(regions)
    joiners = ["," if j in (" ", ".", "-") else ";" for j in _JOINER.findall(after)]
    groups = ascii_digits(runs[0] + "".join(j + r for j, r in zip(joiners, runs[1:])))
    whole = all(j == "," for j in joiners[:len(runs) - 1])
    return [region for region in regions if (gate := _region_gate(region)) is None
            or (gate[1].fullmatch(groups) if whole else gate[0].search(groups))]


def _phone_windows(text: str):
    """``(start, end)`` of each maximal run of characters a phone-number candidate may hold, with an
    extension that follows its last digit; no candidate of ``PhoneNumberMatcher`` crosses a window's
    edge, so matching each window (with a character of context on either side) finds what matching
    the whole text finds."""
    position = 0
    while (m := _PHONE_WINDOW.search(text, position)) is not None:
        start, end = m.span()
        while True:
            last = end
            while last > start and not text[last - 1].isdecimal():
                last -= 1
            ext = _EXTENSION.match(text, last) if last > start else None
            if ext is None or ext.end() <= end:
                break
            end = ext.end()
            more = _PHONE_RUN.match(text, end)
            if more:
                end = more.end()
        yield start, end
        position = end


def _window_matches(text: str, start: int, end: int, window: str, runs: list[str],
                    regions: tuple[str, ...]) -> set[tuple[int, int, str]]:
    """``(start, end, raw)`` of what ``PhoneNumberMatcher`` finds in ``text[start:end]`` in any of
    ``regions``, given one character before and three after as context (the letters it checks
    around a number and a time's ``:30``); ``window`` is ``text[start:end]``, ``runs`` its digit runs."""
    one = _ONE_CANDIDATE.fullmatch(window)  # then phonenumbers' only candidate is group 1
    if one and (_SLASH_SEPARATED_DATES.search(one.group(1)) or (
            _TIME_STAMPS.search(one.group(1)) and _TIME_STAMP_SUFFIX.match(text, start + one.end(1)))):
        return set()
    blocks = sum(-(-len(r) // 20) for r in runs)  # phonenumbers' candidates: 21 blocks of 1-20 digits
    if _PLUS.search(window) or (blocks > 21 and max(len(r) for r in runs) > 20):
        todo = list(regions)
    else:
        todo = _gate(window, runs, regions)
    left = max(0, start - 1)
    context = text[left:end + 3]
    found: set[tuple[int, int, str]] = set()
    if one and _GLUED_GROUPS.fullmatch(one.group(1)):
        # Only the whole can be kept (``_NOT_PHONE_WINDOWS``): ask phonenumbers about it alone, as
        # its matcher does first, rather than about every part of it too.
        candidate, offset = one.group(1), start + one.start(1)
        for region in todo:
            matcher = phonenumbers.PhoneNumberMatcher(context, region, leniency=_VALID)
            if matcher._parse_and_verify(candidate, offset - left) is not None:
                found.add((offset, offset + len(candidate), candidate))
        return found
    for n, region in enumerate(todo):
        matches = [(left + m.start, left + m.end, m.raw_string)
                   for m in phonenumbers.PhoneNumberMatcher(context, region, leniency=_VALID)]
        matches = [m for m in matches if start <= m[0] and m[1] <= end]
        found.update(matches)
        if n == 0 and len(matches) == 1 and _PLUS.match(matches[0][2]):
            s, e, _ = matches[0]
            before, after = text[start:s], text[e:end]
            if not _DIGITS.search(before + after) and not _LEAD.intersection(before):
                break  # one "+" number is the window: every region reads it alike
    return found


def find_phone_numbers(text: str, regions: tuple[str, ...] = PHONE_REGIONS) -> list[Span]:
    """Numbers that ``phonenumbers`` finds and validates, read as national numbers of each region in
    turn (numbers with a ``+country`` code are the same in all).

    Not taken for phone numbers: strings shaped like an SSN (3-2-4 digits), a version or a dotted
    quad (``1.2.3``, ``192.168.1.256``) or a date (``30.02.2023``), which numbering plans are not
    written like; digits glued by a space, dot or dash to further digits (``1644`` at the end
    of ``6200 6947 5086 1644``), which are part of a longer number; and digits inside an
    IBAN-shaped code (``NL50 RMCE 6951 6637 63``, valid or not).

    Speed: ``phonenumbers`` parses every digit string it meets, in every region, which is most of the
    cost of detection. So it is handed only windows of text that can hold a candidate
    (``_phone_windows``), only in the regions where the digits can form a valid number at all
    (``_gate``, a regular expression built from the same metadata), and a ``+`` number is read once.
    What it finds is the same as when it reads the whole text in every region."""
    if isinstance(regions, str) or not all(isinstance(r, str) for r in regions):
        raise TypeError(f"regions must be a tuple of region codes, got {regions!r}")
    regions = tuple(regions)
    codes = [(m.start(), m.end()) for m in _IBAN_SHAPE.finditer(text)]
    spans = set()
    for a, b in _phone_windows(text):
        window = text[a:b]
        runs = _DIGITS.findall(window)
        if sum(map(len, runs)) < _MIN_DIGITS or _NOT_PHONE_WINDOWS.fullmatch(window):
            continue
        if codes:
            core = _DIGIT_CORE.search(text, a, b)  # first to last digit; '#' ends an extension
            if any(x <= core.start() and core.end() <= y for x, y in codes):
                continue
        for start, end, raw in sorted(_window_matches(text, a, b, window, runs, regions)):
            glued = (_GLUED.fullmatch(text, max(0, start - 2), start)
                     or _GLUED.fullmatch(text, end, end + 2))
            in_code = any(x <= start and end <= y for x, y in codes)
            if raw.startswith("(") and ")" not in raw:  # an unbalanced bracket belongs to the sentence
                raw, start = raw[1:], start + 1
            if not (glued or in_code or _NOT_PHONE_SHAPES.fullmatch(raw)):
                spans.add((start, end))
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
