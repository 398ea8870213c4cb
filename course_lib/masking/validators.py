"""Checksums and format rules that turn a pattern match into a confident detection.

A regular expression finds strings that *look like* a card number or an IBAN; a validator says
whether the string *can be* one. Each rule here is the published one:

* ``luhn_valid``: the Luhn (mod-10) check digit of ISO/IEC 7812-1, Annex B. From the rightmost
  digit, double every second digit, subtract 9 from any product above 9; the sum is a multiple of 10.
  It catches every single-digit error and most swaps of adjacent digits.
* ``iban_valid``: ISO 13616-1 with the ISO 7064 MOD 97-10 check. The country fixes the length and the
  BBAN format (the SWIFT IBAN registry; ``IBAN_FORMATS`` below), the check digits are 02..98, and
  moving the first four characters to the end and reading letters as A=10 ... Z=35 gives a number
  ``== 1 (mod 97)``.
* ``ssn_valid``: US Social Security numbers as the SSA assigns them (Program Operations Manual
  RM 10201.035): area 001-899 except 666, group 01-99, serial 0001-9999; plus well-known numbers
  that were published (078-05-1120 from a 1938 wallet insert, 219-09-9999 from an SSA leaflet,
  123-45-6789 the textbook example) and numbers of one repeated digit, which are not real ones.
* ``ipv4_valid`` / ``ipv6_valid``: the standard library's ``ipaddress`` parser (RFC 791 dotted
  quads without leading zeros; RFC 4291 / RFC 5952 text forms), with an optional ``/prefix``.
* ``email_valid``: a practical subset of RFC 5322's dot-atom address whose top-level domain is in
  the IANA root zone (``tlds.txt``, bundled, so nothing is looked up at run time).

Digits from any script (fullwidth ``４``, Arabic-Indic ``٤``) count as the digits they stand for,
as Python's ``int`` reads them: a value written with them is still the same personal data.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from importlib import resources

SEPARATORS = " -"

# --------------------------------------------------------------------------- digits


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode decimal digit (category Nd) replaced by its ASCII digit."""
    if text.isascii():
        return text
    return "".join(str(int(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def _check_str(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _strip_separators(value: str) -> str:
    return value.translate({ord(c): None for c in SEPARATORS})


# --------------------------------------------------------------------------- Luhn


def luhn_checksum(digits: str) -> int:
    """The Luhn sum mod 10 of an ASCII digit string (0 for a valid number)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10


def luhn_valid(number: str) -> bool:
    """Whether ``number`` passes the Luhn check (ISO/IEC 7812-1).

    Spaces and dashes are ignored; any other non-digit makes it invalid, as does having fewer than
    two digits (a check digit and at least one digit it protects).
    """
    digits = ascii_digits(_strip_separators(_check_str(number, "number")))
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    return luhn_checksum(digits) == 0


# --------------------------------------------------------------------------- IBAN

# BBAN structure per country from the SWIFT IBAN registry: n = digit, a = upper-case letter,
# c = letter or digit; the IBAN is the country code, two check digits and the BBAN.
IBAN_FORMATS: dict[str, str] = {
    "AD": "4n4n12c", "AE": "3n16n", "AL": "8n16c", "AT": "5n11n", "AZ": "4a20c", "BA": "3n3n8n2n",
    "BE": "3n7n2n", "BG": "4a4n2n8c", "BH": "4a14c", "BI": "5n5n11n2n", "BR": "8n5n10n1a1c",
    "BY": "4c4n16c", "CH": "5n12c", "CR": "4n14n", "CY": "3n5n16c", "CZ": "4n6n10n", "DE": "8n10n",
    "DJ": "5n5n11n2n", "DK": "4n9n1n", "DO": "4c20n", "EE": "2n2n11n1n", "EG": "4n4n17n",
    "ES": "4n4n1n1n10n", "FI": "3n11n", "FK": "2a12n", "FO": "4n9n1n", "FR": "5n5n11c2n",
    "GB": "4a6n8n", "GE": "2a16n", "GI": "4a15c", "GL": "4n9n1n", "GR": "3n4n16c", "GT": "4c20c",
    "HR": "7n10n", "HU": "3n4n1n15n1n", "IE": "4a6n8n", "IL": "3n3n13n", "IQ": "4a3n12n",
    "IS": "4n2n6n10n", "IT": "1a5n5n12c", "JO": "4a4n18c", "KW": "4a22c", "KZ": "3n13c",
    "LB": "4n20c", "LC": "4a24c", "LI": "5n12c", "LT": "5n11n", "LU": "3n13c", "LV": "4a13c",
    "LY": "3n3n15n", "MC": "5n5n11c2n", "MD": "2c18c", "ME": "3n13n2n", "MK": "3n10c2n",
    "MN": "4n12n", "MR": "5n5n11n2n", "MT": "4a5n18c", "MU": "4a2n2n12n3n3a", "NI": "4a20n",
    "NL": "4a10n", "NO": "4n6n1n", "OM": "3n16c", "PK": "4a16c", "PL": "8n16n", "PS": "4a21c",
    "PT": "4n4n11n2n", "QA": "4a21c", "RO": "4a16c", "RS": "3n13n2n", "RU": "9n5n15c",
    "SA": "2n18c", "SC": "4a2n2n16n3a", "SD": "2n12n", "SE": "3n16n1n", "SI": "5n8n2n",
    "SK": "4n6n10n", "SM": "1a5n5n12c", "SO": "4n3n12n", "ST": "4n4n11n2n", "SV": "4a20n",
    "TL": "3n14n2n", "TN": "2n3n13n2n", "TR": "5n1n16c", "UA": "6n19c", "VA": "3n15n",
    "VG": "4a16n", "XK": "4n10n2n", "YE": "4a4n18c",
}
_CLASS = {"n": "0-9", "a": "A-Z", "c": "A-Z0-9"}


def bban_parts(country: str) -> list[tuple[int, str]]:
    """The BBAN format of ``country`` as ``[(count, kind), ...]``, e.g. DE -> ``[(8, "n"), (10, "n")]``."""
    return [(int(n), kind) for n, kind in re.findall(r"(\d+)([nac])", IBAN_FORMATS[country])]


def iban_length(country: str) -> int:
    """The IBAN length of ``country``: 2 letters, 2 check digits and the BBAN."""
    return 4 + sum(n for n, _ in bban_parts(country))


def bban_regex(country: str) -> str:
    """A regular expression for the BBAN of ``country``, e.g. ``[0-9]{8}[0-9]{10}`` for DE."""
    return "".join(f"[{_CLASS[kind]}]{{{n}}}" for n, kind in bban_parts(country))


_BBAN = {cc: re.compile(bban_regex(cc)) for cc in IBAN_FORMATS}


def iban_mod97(iban: str) -> int:
    """``int(rearranged) mod 97`` of a compact upper-case IBAN: first four characters moved to the
    end, each letter replaced by two digits (A=10 ... Z=35). A valid IBAN gives 1."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97


def iban_valid(iban: str) -> bool:
    """Whether ``iban`` is a valid IBAN (ISO 13616-1): a registry country, its length and BBAN
    format, check digits 02..98 and ``mod 97 == 1``. Spaces and dashes are ignored; letters may be
    lower case."""
    compact = ascii_digits(_strip_separators(_check_str(iban, "iban"))).upper()
    country = compact[:2]
    if country not in IBAN_FORMATS or len(compact) != iban_length(country):
        return False
    if not (compact.isascii() and compact.isalnum() and compact[2:4].isdigit()):
        return False
    if not 2 <= int(compact[2:4]) <= 98 or not _BBAN[country].fullmatch(compact[4:]):
        return False
    return iban_mod97(compact) == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + check + bban`` a valid IBAN: ``98 - (x mod 97)``
    where ``x`` is the rearranged number with check digits ``00`` (ISO 7064 MOD 97-10)."""
    if country not in IBAN_FORMATS:
        raise ValueError(f"country must be one of the IBAN registry codes ({len(IBAN_FORMATS)}), "
                         f"got {country!r}")
    if not _BBAN[country].fullmatch(_check_str(bban, "bban")):
        raise ValueError(f"bban must match the {country} format {IBAN_FORMATS[country]}, got {bban!r}")
    return f"{98 - iban_mod97(country + '00' + bban):02d}"


# --------------------------------------------------------------------------- US SSN

SSN_PATTERN = re.compile(r"([0-9]{3})([-. ]?)([0-9]{2})\2([0-9]{4})")
PUBLISHED_SSNS = frozenset({"078051120", "219099999", "123456789"})


def ssn_valid(ssn: str) -> bool:
    """Whether ``ssn`` can be an issued US Social Security number.

    Nine digits, bare or as 3-2-4 groups with one delimiter used twice (dash, dot or space). Area
    000, 666 and 900-999, group 00, serial 0000, one repeated digit and published numbers are invalid.
    """
    m = SSN_PATTERN.fullmatch(ascii_digits(_check_str(ssn, "ssn")))
    if not m:
        return False
    area, group, serial = m.group(1), m.group(3), m.group(4)
    digits = area + group + serial
    if area in ("000", "666") or area >= "900" or group == "00" or serial == "0000":
        return False
    return len(set(digits)) > 1 and digits not in PUBLISHED_SSNS


# --------------------------------------------------------------------------- IP addresses


def _split_prefix(address: str, max_prefix: int) -> str | None:
    """``address`` without a valid ``/prefix`` (0..max_prefix); None when the prefix is invalid."""
    if "/" not in address:
        return address
    address, prefix = address.split("/", 1)
    if not (prefix.isascii() and prefix.isdigit()) or len(prefix) > 3 or int(prefix) > max_prefix:
        return None
    return address


def ipv4_valid(address: str) -> bool:
    """Whether ``address`` is a dotted-quad IPv4 address (octets 0..255, no leading zeros), with an
    optional CIDR suffix ``/0`` .. ``/32``."""
    address = _split_prefix(ascii_digits(_check_str(address, "address")), 32)
    if address is None:
        return False
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return True


def ipv6_valid(address: str) -> bool:
    """Whether ``address`` is an IPv6 address in any RFC 4291 text form (full, ``::``-compressed,
    with an embedded IPv4 tail), with an optional prefix length ``/0`` .. ``/128``."""
    address = _split_prefix(ascii_digits(_check_str(address, "address")), 128)
    if address is None or "%" in address:  # zone ids ("fe80::1%eth0") name an interface, not a host
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- e-mail


def _load_tlds() -> frozenset[str]:
    text = resources.files("course_lib.masking").joinpath("tlds.txt").read_text(encoding="ascii")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


TLDS: frozenset[str] = _load_tlds()

EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"  # local part: dot-atom, no leading/trailing dots
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"  # domain labels
    r"([A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?))"  # top-level domain
)


def tld_valid(tld: str) -> bool:
    """Whether ``tld`` (without the dot, any case) is a top-level domain of the IANA root zone."""
    return _check_str(tld, "tld").lower() in TLDS


def email_valid(address: str) -> bool:
    """Whether ``address`` is ``local@domain.tld`` with a dot-atom local part of letters, digits and
    ``_ % + -`` (at most 64 characters), domain labels of at most 63 characters, and a real TLD."""
    m = EMAIL_PATTERN.fullmatch(_check_str(address, "address"))
    return bool(m) and address.index("@") <= 64 and len(address) <= 254 and tld_valid(m.group(2))


# --------------------------------------------------------------------------- dates


def date_valid(year: int, month: int, day: int) -> bool:
    """Whether ``year-month-day`` is a day of the proleptic Gregorian calendar (31/02 is not)."""
    try:
        datetime.date(year, month, day)
    except (ValueError, OverflowError):
        return False
    return True
