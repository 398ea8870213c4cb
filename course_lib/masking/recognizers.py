"""One recognizer per entity: a pattern proposes candidates, a validator keeps the real ones.

Each recognizer is a function ``text -> list[Span]``; candidates may overlap each other (``detect``
resolves that). The ``score`` says how sure a match is, from what the validator could check:

==============  =====  ============================================================================
entity          score  candidate, then validator
==============  =====  ============================================================================
CREDIT_CARD     1.0    12-19 digits, bare or in 4-4-4-4(-3) / 4-6-5 / 4-6-4 / 4-5-6 groups with one
                       kind of separator; issuer prefix and length (``CARD_ISSUERS``), Luhn
IBAN_CODE       1.0    country code, check digits and that country's BBAN format and length, with
                       spaces or dashes between characters; MOD 97-10
EMAIL_ADDRESS   1.0    dot-atom ``local@domain.tld``; the TLD is in the IANA root zone
IP_ADDRESS      0.9    dotted quad or colon-hex, optional ``/prefix``; ``ipaddress`` parses it
DATE_TIME       0.85   numeric (31/12/2024, 12/31/2024, 31.12.2024, 2024-12-31 with an optional time)
                       and month-name forms (31 Dec 2024, 31-Dec-2024, Dec 31, 2024); a real calendar
                       day. 0.65 for a month of a year or a day of a month (05/2021, May 2021, 21-May;
                       05/21 only after a word such as "expires" or "since"). Two-digit years
                       (12/31/24) are not read: they are also ratios and codes
US_SSN          0.85   3-2-4 digits with a dash (0.7 with a dot or space, 0.5 bare, 0.95 after the word
                       "SSN"); SSA rules
PHONE_NUMBER    0.6    what ``phonenumbers.PhoneNumberMatcher`` finds in ``PHONE_REGIONS``: valid
                       numbers only (parsed only where the region's numbering plan can fit the digits)
==============  =====  ============================================================================

Boundaries: a value glued to letters or digits (``IP192.168.1.1text``, ``1.2.3.4.5``) is not
reported, but a sentence's final dot or a bracket around it does not stop it.
Digits of any script count (``ascii_digits``); invisible characters and line breaks inside a value
are *not* handled here: they hide the value from these patterns (``detect_normalised`` reads through
them; see ``course_lib.data.pii_corpus``). Every recognizer takes time linear in the length of the
text (``tests/masking/test_linear_time.py``): no pattern is retried from every position of a long run.
"""

from __future__ import annotations

import functools
import itertools
import re

try:  # the regular-expression parser: re._parser from Python 3.11, sre_parse before
    from re import _parser as _sre_parse
except ImportError:  # Python 3.10
    import sre_parse as _sre_parse  # noqa: F401 - the same module under its old name
from collections.abc import Callable

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumbermatcher import (
    _PATTERN,
    _SECOND_NUMBER_START_PATTERN,
    _SLASH_SEPARATED_DATES,
    _TIME_STAMPS,
    _TIME_STAMPS_SUFFIX,
)
from phonenumbers.phonenumberutil import _PLUS_CHARS

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
    ("UATP", (("1", "1"),), (15,)),  # airline cards (Universal Air Travel Plan), printed 4-5-6
)


def card_issuer(digits: str) -> str | None:
    """The network whose IIN prefix and length fit an ASCII digit string, or None."""
    for network, ranges, lengths in CARD_ISSUERS:
        if len(digits) in lengths and any(lo <= digits[:len(lo)] <= hi for lo, hi in ranges):
            return network
    return None


def _card_grouping_ok(lengths: list[int]) -> bool:
    """Bare, 4-4-...-4 with a last group of 1-4 digits (4-4-4-4, 4-4-4-4-3), Amex/Diners 4-6-5, 4-6-4,
    or UATP's 4-5-6."""
    if len(lengths) == 1 or lengths in ([4, 6, 5], [4, 6, 4], [4, 5, 6]):
        return True
    return len(lengths) >= 3 and all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


# a run of digit groups, not inside a decimal number, a signed or international (+) number, or a
# longer code whose first group is glued to letters (``DE81 4326 ...``)
_DIGIT_RUN = re.compile(r"(?<![\w+])(?<!\d[.,])(?<!\d[ -])\d+(?:[ -]\d+)*")
_GROUP = re.compile(r"\d+")


def find_credit_cards(text: str) -> list[Span]:
    """Card numbers: in each run of digit groups, the leftmost-longest windows of whole groups that
    are well grouped, one separator kind, an issuer's prefix and length, and Luhn-valid.

    Each window is judged first by its digit count and grouping (integers), and only then by its
    digits, so a run of n groups costs O(19 n) steps however its groups are written."""
    found = []
    for m in _DIGIT_RUN.finditer(text):
        if m.end() - m.start() < 12:  # fewer than 12 digits: no card
            continue
        starts, ends = [], []
        for g in _GROUP.finditer(m.group()):
            starts.append(m.start() + g.start())
            ends.append(m.start() + g.end())
        if _is_word(_char(text, m.end())):  # glued to letters: drop the last group
            starts.pop()
            ends.pop()
        n = len(starts)
        digits = ascii_digits(text[m.start():m.end()])  # one ASCII digit per digit: offsets stay
        lengths = [e - a for a, e in zip(starts, ends)]
        total = [0]
        for length in lengths:
            total.append(total[-1] + length)
        i = 0
        while i < n:
            if lengths[i] != 4 and not 12 <= lengths[i] <= 19:  # every grouping starts with 4 digits
                i += 1
                continue
            for j in range(min(n, i + 19), i, -1):  # longest window first
                count = total[j] - total[i]
                if not 12 <= count <= 19 or not _card_grouping_ok(lengths[i:j]):
                    continue
                if len({text[ends[k]] for k in range(i, j - 1)}) > 1:  # one kind of separator
                    continue
                number = "".join(digits[a - m.start():e - m.start()] for a, e in zip(starts[i:j], ends[i:j]))
                if card_issuer(number) is not None and luhn_valid(number):
                    found.append(Span(starts[i], ends[j - 1], "CREDIT_CARD", SCORES["CREDIT_CARD"]))
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
_IPV6_RUN = re.compile(r"(?<![\dA-Fa-f:.])[\dA-Fa-f.]*:[\dA-Fa-f.]*:[\dA-Fa-f:.]*")  # a run with 2 colons
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
    for start, end in _ipv6_candidates(text):
        candidate = text[start:end]
        if any(c not in ":." for c in candidate) and ipv6_valid(candidate):
            found.append(Span(start, _with_prefix(text, end, 128), "IP_ADDRESS", SCORES["IP_ADDRESS"]))
    return found


def _ipv6_candidates(text: str):
    """``(start, end)`` of IPv6 candidates: in each run of hex digits, colons and dots that is not
    glued to a letter after it, the text from where an address can start (the run's start unless a
    word character or a dot precedes it, else just after its first colon) if at least two colons
    follow; a final dot is the sentence's. One pass over each run: a pattern retried from every
    colon of a long run that ends in a letter took time quadratic in the run's length."""
    for m in _IPV6_RUN.finditer(text):
        a, e = m.span()
        if _is_word(_char(text, e)):
            continue
        colons = m.group().count(":")
        if _is_word(_char(text, a - 1)) or _char(text, a - 1) == ".":
            colons -= 1  # it can start only after the first colon
            if colons < 2:
                continue
            start = text.index(":", a, e) + 1
        elif colons >= 2:
            start = a
        else:
            continue
        end = e - 1 if text[e - 1] == "." and e - 1 > start else e
        yield start, end


# --------------------------------------------------------------------------- US SSN

_SSN = re.compile(r"(?<![\w+])(?<!\d[-.])\d{3}([-. ]?)\d{2}\1\d{4}(?!\w)(?![-.]\d)")  # +...: a phone
_SSN_SCORES = {"-": SCORES["US_SSN"], ".": 0.7, " ": 0.7, "": 0.5}
SSN_CONTEXT = re.compile(r"\b(?:ssn|ssa|social\s+security|soc\.?\s*sec)\b", re.IGNORECASE)
CONTEXT_WINDOW = 30
CONTEXT_SCORE = 0.95


def find_ssns(text: str) -> list[Span]:
    """US Social Security numbers that the SSA could have issued (``ssn_valid``).

    A bare ``536221234`` may be an account number too, hence its low score (``find_phone_numbers``
    leaves such numbers to this recognizer, although ``046365844`` is also a valid German number);
    the words "SSN" or "social security" in the ``CONTEXT_WINDOW`` characters before a number raise
    its score to ``CONTEXT_SCORE`` (Presidio's context enhancement works alike). Digits right after
    a ``+`` are an international phone number, not an SSN."""
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
# the names of MONTHS, written as a tree so that a word is matched in one pass
_MONTH = (r"(?=[adfjmnos])(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun[e]?|jul[y]?"
          r"|aug(?:ust)?|sep(?:tember|t)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_ORD = r"(?:st|nd|rd|th)?"
_NUM_END = r"(?!\w)(?![/.]\d)"
_TIME = r"(?:[T ](?P<hh>\d{2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
# (each number's first digit comes first, before the look-behinds: the engine then skips to digits)
_DATES = [
    # year first: 2024-12-31 (ISO 8601, optionally with a time), 2024/12/31, 2024.12.31
    re.compile(r"(?P<y>\d(?<!\w\d)(?<!\d[/.]\d)\d{3})(?P<sep>[-/.])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})(?P<date_end>)"
               + _TIME + _NUM_END, re.IGNORECASE),
    # year last: 31/12/2024, 12/31/2024, 31.12.2024, 31-12-2024 (either day-month or month-day)
    re.compile(r"(?P<a>\d(?<!\w\d)(?<!\d[/.]\d)\d?)(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
               + _NUM_END),
    # 31 December 2024, 31st of Dec. 2024, 31-Dec-2024
    re.compile(r"(?P<d>\d(?<!\w\d)\d?)" + _ORD + r"(?:(?:\s+of)?\s+|-)" + _MONTH
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


_MONTH_WORD = re.compile(r"(?<!\w)" + _MONTH, re.IGNORECASE)

# Dates without a day or without a year, each with a check that keeps look-alikes out:
# 05/2021 (a month 1-12 and a year 1900-2099), May 2021, May-21 (a month's name), 21-May (a day of
# that month), and 05/21 (a month and a two-digit year, a ratio as often: only after a word that
# says a date follows).
PARTIAL_DATE_SCORE = 0.65
_MONTH_YEAR = re.compile(r"(?P<m>\d(?<![\w/.,-]\d)\d?)/(?P<y>\d{4}|\d{2})(?![\w/])(?![.,-]\d)(?!\s*/\s*\d)")
_NAMED_MONTH_YEAR = re.compile(r"(?<!\w)" + _MONTH + r"(?:\s+|-)(?P<y>\d{4})(?!\w)(?![/.-]\d)|(?<![\w-])"
                               + _MONTH.replace("?P<month>", "?P<month2>") + r"-(?P<yy>\d\d)(?![\w/-])",
                               re.IGNORECASE)
_DAY_MONTH = re.compile(r"(?P<d>\d(?<![\w/.-]\d)\d?)-" + _MONTH + r"(?![\w-])", re.IGNORECASE)
DATE_CONTEXT = re.compile(r"\b(?:exp(?:ires?|iry|iration)?|valid(?:\s+(?:thru|through|until|to))?|thru"
                          r"|through|until|till|since|on|dated?|due|issued|born|dob|as\s+of|today\s+is)"
                          r"\W{0,3}$", re.IGNORECASE)
DATE_CONTEXT_WINDOW = 20
_DAY_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?(?:\s+of)?[\s-]+$", re.IGNORECASE)


def _partial_dates(text: str, month_words: list[re.Match]) -> list[Span]:
    found = []
    for m in _MONTH_YEAR.finditer(text):
        month, year = int(m.group("m")), m.group("y")
        if not 1 <= month <= 12:
            continue
        if len(year) == 4:
            ok = 1900 <= int(year) <= 2099
        else:  # 05/21: a date only where a word before says so (or a month and a day, 5/21 = May 21)
            ok = DATE_CONTEXT.search(text, max(0, m.start() - DATE_CONTEXT_WINDOW), m.start()) is not None
        if ok:
            found.append(Span(m.start(), m.end(), "DATE_TIME", PARTIAL_DATE_SCORE))
    for m in filter(None, (_NAMED_MONTH_YEAR.match(text, w.start()) for w in month_words)):
        if _DAY_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue  # "31 June 2022": a day was written, and the date does not exist
        if m.group("y") is None or 1000 <= int(m.group("y")) <= 2999:
            found.append(Span(m.start(), m.end(), "DATE_TIME", PARTIAL_DATE_SCORE))
    for m in _DAY_MONTH.finditer(text):
        if date_valid(2000, MONTHS[m.group("month").lower().rstrip(".")], int(m.group("d"))):  # 29-Feb too
            found.append(Span(m.start(), m.end(), "DATE_TIME", PARTIAL_DATE_SCORE))
    return found


def find_dates(text: str) -> list[Span]:
    """Calendar dates (and an ISO 8601 time after a year-first date) that exist: 31/02/2024 does not;
    and months of a year and days of a month (``_partial_dates``), at ``PARTIAL_DATE_SCORE``."""
    found = []
    month_words = list(_MONTH_WORD.finditer(text))  # where the patterns that start with a month may match
    for pattern in _DATES:
        matches = (pattern.finditer(text) if pattern is not _DATES[3]
                   else filter(None, (pattern.match(text, w.start()) for w in month_words)))
        for m in matches:
            span = _date_span(m)
            if span:
                found.append(Span(*span, "DATE_TIME", SCORES["DATE_TIME"]))
    return found + _partial_dates(text, month_words)


# --------------------------------------------------------------------------- phone numbers

PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "BR")
_NOT_PHONE_SHAPES = re.compile(
    r"\d{3}([-. ])\d{2}\1\d{4}"  # an SSN
    r"|\d{1,3}(?:\.\d{1,3}){2,3}(?:/\d+)?"  # a version or a dotted quad
    r"|\d{1,2}([-/.])\d{1,2}\2\d{4}|\d{4}([-/.])\d{1,2}\3\d{1,2}"  # a date, real or not
)
_GLUED = re.compile(r"\d[ .-]|[ .-]\d")


def _bare_ssn(raw: str) -> bool:
    """Nine bare digits that the SSA could have issued: read as an SSN, not as a phone number."""
    return len(raw) == 9 and raw.isdecimal() and ssn_valid(raw)


_IBAN_SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){10,30}(?![A-Za-z0-9])")

# Finding phone numbers fast, with the same findings as ``PhoneNumberMatcher`` over the whole text in
# every region. Its loop (``_find``) takes candidates from the pattern ``_PATTERN`` (digit blocks with
# phone punctuation, an extension) and parses each in full and in parts; parsing is nearly all the
# cost. Here the loop is run with phonenumbers' own pieces, but a candidate is parsed in a region only
# if its digits fit the region's numbering plan (``_region_gate``) and no part that the post-filter of
# ``find_phone_numbers`` keeps can come out of it (``_Candidate``).
_VALID = phonenumbers.Leniency.VALID
_DIGITS = re.compile(r"\d+")
_JOINER = re.compile(r"\D+")
_LETTER = re.compile(r"[^\W\d_]")
_PLUS = re.compile(f"[{_PLUS_CHARS}]")
# No numbering plan has valid national numbers of fewer than four digits (Tokelau's have four); a
# "+" number has a country code besides.
_MIN_DIGITS = 4
_EXTENSION_CHARS = frozenset("#\uff03xX\uff58\uff38~\uff5e")
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
    count, depth, start, level = 0, 0, None, 0
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
def _region_gate(region: str) -> tuple | None:
    """Patterns that the digits of every number phonenumbers validates (at ``Leniency.VALID``) when
    it reads a candidate in ``region`` without a ``+`` fit, over the candidate's digit groups:

    * the region's international dialling prefix and at least four digits (another country's number);
    * its country code, (its national prefix and carrier code)? twice (phonenumbers strips it once
      to judge the country code and once more as for any number: ``49 00 7825...`` is German) and a
      national number of one of the types (fixed line, mobile, ...) of that country code's regions;
    * (the national prefix)? and such a national number, the prefix being required where the
      number's format asks for one (as phonenumbers checks: ``897879309`` is no French number).

    ``(search, whole, anywhere)``: ``search`` finds a run of groups, from the start or a free joiner
    to the end or a free joiner, that fits without the prefix rule; ``whole`` fits all groups;
    ``anywhere`` finds any run of digits that fits; then the numbers of digits such a number has,
    and the international prefix, to rule out most candidates by their length before any pattern.
    None where phonenumbers rewrites the national prefix in ways this does not follow."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        raise ValueError(f"regions must be region codes that phonenumbers knows (e.g. {PHONE_REGIONS}), "
                         f"got {region!r}")
    code, prefix = metadata.country_code, metadata.national_prefix_for_parsing
    rule = metadata.national_prefix_transform_rule
    types, nsn_lengths = [], set()
    for other in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, (region,)):
        other_metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, other)
        if other_metadata is None:
            continue
        lengths = [n for n in other_metadata.general_desc.possible_length if n > 0]
        nsn_lengths.update(lengths or range(1, 18))  # phonenumbers checks them; none: any up to 17
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
    unprefixed = ""  # (whole is only ever fullmatched, so the number ends at the end, \Z)
    if formats[True]:  # a number in a format that asks for the prefix, and in no other, needs it
        optional = "|".join(f"(?:{g(f)})\\Z" for f in formats[False]) or "(?!)"
        unprefixed = f"(?={optional})|(?!(?:{g('|'.join(formats[True]))})\\Z)"
    number = g("(?:" + "|".join(f"(?:{t})" for t in dict.fromkeys(types)) + ")")
    whole = f"(?:(?:{g(str(code))}{national}?{national}?|{national}|{unprefixed}){number}|{idd}{{4,}})"
    search = f"(?<![0-9,])(?:(?:{g(str(code))})?{national}?{national}?{number}{end}|{idd}{{4}})"
    anywhere = f"(?:{g(str(code))})?{national}?{national}?{number}|{idd}{{4}}"
    # how many digits such a number has, unless it starts with the international prefix
    low, high = _sre_parse.parse(prefix).getwidth() if prefix else (0, 0)
    prefixes = {0, *range(low, min(high, 8) + 1)}
    digits = frozenset(n + p + (c and len(str(code)) + q) for n in nsn_lengths for p in prefixes
                       for c in (0, 1) for q in prefixes)
    if high > 8:
        digits = frozenset(range(1, 40))
    dialling = re.compile(metadata.international_prefix or "(?!)")
    return re.compile(search), re.compile(whole), re.compile(anywhere), digits, dialling


class _Candidate:
    """One candidate of phonenumbers' loop, and the regions in which it is worth parsing (``ok``).

    A candidate is parsed in a region only if some run of its digit groups fits the region's
    numbering plan (``_region_gate``), with these refinements:

    * ``whole``: it is digit groups joined by single spaces, dots or dashes, from a digit to a digit
      (no bracket, plus, extension or trailing sign), fewer than 21 of them (so it was not cut
      short). Every part of it that phonenumbers may find is glued to other digits and dropped, so
      only the whole must fit, and only the whole is parsed. If the whole is an SSN, dotted or date
      shape, or lies inside an IBAN-shaped code, nothing of it is kept and it is not parsed at all;
    * an extension may follow a digit (``x``, ``#``, ``~``, a letter): its digits may end inside a
      group, so any run of digits that fits the plan will do;
    * it holds a ``+``: any country's plan applies, so it is parsed in every region; ``plus``: it is
      read from the ``+``, so a valid whole is the same number in every region."""

    __slots__ = ("start", "text", "end", "whole", "plus", "ok")

    def __init__(self, text: str, start: int, candidate: str, codes: list[tuple[int, int]],
                 regions: tuple[str, ...]):
        self.start, self.text, self.end = start, candidate, start + len(candidate)
        self.whole = self.plus = False
        self.ok: tuple[str, ...] = ()
        if len(candidate) < _MIN_DIGITS:
            return
        if candidate.isdecimal() and len(candidate) <= 20:  # one bare run of digits, the usual case
            self.whole = True
            if not (_bare_ssn(candidate) or any(a <= start and self.end <= b for a, b in codes)):
                groups = ascii_digits(candidate)
                self.ok = tuple(region for region in regions if _fits(groups, True, _region_gate(region)))
            return
        runs = _DIGITS.findall(candidate)
        if sum(map(len, runs)) < _MIN_DIGITS or _SLASH_SEPARATED_DATES.search(candidate) or (
                _TIME_STAMPS.search(candidate) and _TIME_STAMPS_SUFFIX.match(text, self.end)):
            return  # phonenumbers reads nothing in a date with slashes or a time stamp, nor in its parts
        plus = _PLUS.search(candidate)
        after = candidate[candidate.index(runs[0]):]
        if plus is not None:
            self.plus = not _DIGITS.search(candidate, 0, plus.start())
            self.ok = regions
            return
        if not _EXTENSION_CHARS.isdisjoint(after) or _LETTER.search(after):  # any digits may end it
            digits = ascii_digits("".join(runs))
            self.ok = tuple(region for region in regions
                            if (gate := _region_gate(region)) is None or gate[2].search(digits))
            return
        joiners = ["," if j in (" ", ".", "-") else ";" for j in _JOINER.findall(after)][:len(runs) - 1]
        groups = ascii_digits(runs[0] + "".join(j + r for j, r in zip(joiners, runs[1:])))
        self.whole = (candidate[0].isdecimal() and candidate[-1].isdecimal() and len(runs) < 21
                      and "," * len(joiners) == "".join(joiners) and all(len(r) <= 20 for r in runs))
        if self.whole and (_NOT_PHONE_SHAPES.fullmatch(candidate) or _bare_ssn(candidate)
                           or any(a <= start and self.end <= b for a, b in codes)):
            return
        self.ok = tuple(region for region in regions if _fits(groups, self.whole, _region_gate(region)))


def _fits(groups: str, whole: bool, gate) -> bool:
    """Whether all ``groups`` (``whole``), or a run of them between free joiners, fit a region's gate."""
    if gate is None:
        return True
    search, whole_gate, _, lengths, dialling = gate
    if whole:
        digits = groups.replace(",", "")
        if len(digits) not in lengths and dialling.match(digits) is None:
            return False
        return bool(whole_gate.fullmatch(groups))
    if not search.search(groups):  # quick: without the national prefix rule
        return False
    joiners = [i for i, c in enumerate(groups) if c == ";"]
    digits = groups.replace(",", "").replace(";", "")
    before = list(itertools.accumulate((c.isdigit() for c in groups), initial=0))  # digits before i
    for a in [0] + [i + 1 for i in joiners]:
        international = dialling.match(digits, before[a]) is not None
        for e in [*joiners, len(groups)]:
            if e > a and (international or before[e] - before[a] in lengths) \
                    and whole_gate.fullmatch(groups, a, e):
                return True
    return False


def _trimmed(candidate: str) -> str:
    """A candidate without a second number after a slash (phonenumbers' ``+41 79 123 45 67 / x``)."""
    trailing = _SECOND_NUMBER_START_PATTERN.search(candidate)
    return candidate[:trailing.start()] if trailing else candidate


def _candidates(text: str, codes: list[tuple[int, int]], regions: tuple[str, ...]) -> list[_Candidate]:
    """phonenumbers' candidates in ``text`` as its loop meets them when it finds no number."""
    found, index = [], 0
    while (m := _PATTERN.search(text, index)) is not None:
        candidate = _trimmed(m.group())
        found.append(_Candidate(text, m.start(), candidate, codes, regions))
        index = m.start() + len(candidate)
    return found


def _extract(matcher, text: str, candidate: _Candidate):
    """``matcher._extract_match`` of the candidate; of a ``whole`` one, only its whole is tried."""
    if not candidate.whole:
        return matcher._extract_match(candidate.text, candidate.start)
    if _SLASH_SEPARATED_DATES.search(candidate.text) or (
            _TIME_STAMPS.search(candidate.text) and _TIME_STAMPS_SUFFIX.match(text, candidate.end)):
        return None
    return matcher._parse_and_verify(candidate.text, candidate.start)


def _region_matches(text: str, region: str, candidates: list[_Candidate], ends: set[int], plus_cache: dict):
    """What ``PhoneNumberMatcher(text, region, Leniency.VALID)`` finds that can be kept (without its
    cap of 65535 failed candidates), parsing only the candidates worth it in ``region``. ``ends``:
    where the listed candidates end (and 0); a search from there meets the next listed candidate."""
    todo = [c for c in candidates if region in c.ok]  # the others yield nothing: the loop moves past
    if not todo:
        return
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=_VALID)
    index, k = 0, 0
    while True:
        if index in ends:
            while k < len(todo) and todo[k].start < index:
                k += 1
            if k == len(todo):
                return
            candidate = todo[k]
        else:  # after a number found inside a candidate, the loop goes its own way for a while
            m = _PATTERN.search(text, index)
            if m is None:
                return
            candidate = _Candidate(text, m.start(), _trimmed(m.group()), [], (region,))
            if region not in candidate.ok:
                index = candidate.end
                continue
        if candidate.plus and candidate.start in plus_cache:
            match = plus_cache[candidate.start]
        else:
            match = _extract(matcher, text, candidate)
            if candidate.plus and match is not None and (match.start, match.end) == (candidate.start,
                                                                                      candidate.end):
                plus_cache[candidate.start] = match  # the whole "+" number: the same in every region
        if match is not None:
            yield match
            index = match.end
        else:
            index = candidate.end


def find_phone_numbers(text: str, regions: tuple[str, ...] = PHONE_REGIONS) -> list[Span]:
    """Numbers that ``phonenumbers`` finds and validates, read as national numbers of each region in
    turn (numbers with a ``+country`` code are the same in all).

    Not taken for phone numbers: strings shaped like an SSN (3-2-4 digits, or nine bare digits that
    the SSA could have issued: Presidio's test case ``078051121``), a version or a dotted
    quad (``1.2.3``, ``192.168.1.256``) or a date (``30.02.2023``), which numbering plans are not
    written like; digits glued by a space, dot or dash to further digits (``1644`` at the end
    of ``6200 6947 5086 1644``), which are part of a longer number; and digits inside an
    IBAN-shaped code (``NL50 RMCE 6951 6637 63``, valid or not).

    Speed: phonenumbers parses every digit string it meets, in every region, in full and in parts,
    which was nearly all the cost of detection. Here it parses a candidate only in the regions whose
    numbering plans its digits fit (a pattern built from phonenumbers' own metadata), only the parts
    that can be kept, and a ``+`` number once; what it finds is the same."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if isinstance(regions, str) or not all(isinstance(r, str) for r in regions):
        raise TypeError(f"regions must be a tuple of region codes, got {regions!r}")
    regions = tuple(regions)
    codes = [(m.start(), m.end()) for m in _IBAN_SHAPE.finditer(text)]
    candidates = _candidates(text, codes, regions)
    ends = {0} | {c.end for c in candidates}
    spans, plus_cache = set(), {}
    for region in regions:
        for match in _region_matches(text, region, candidates, ends, plus_cache):
            glued = (_GLUED.fullmatch(text, max(0, match.start - 2), match.start)
                     or _GLUED.fullmatch(text, match.end, match.end + 2))
            in_code = any(a <= match.start and match.end <= b for a, b in codes)
            raw, start = match.raw_string, match.start
            if raw.startswith("(") and ")" not in raw:  # an unbalanced bracket belongs to the sentence
                raw, start = raw[1:], start + 1
            if not (glued or in_code or _NOT_PHONE_SHAPES.fullmatch(raw) or _bare_ssn(raw)):
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
