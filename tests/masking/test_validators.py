"""Tests for course_lib.masking.validators.

The IBAN check is cross-checked against an independent MOD 97-10 written here the way ISO 7064
describes it for paper (nine digits at a time, carrying the remainder), and against example IBANs
published in the SWIFT IBAN registry.
"""

from __future__ import annotations

import string
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.masking.validators import (
    IBAN_FORMATS,
    TLDS,
    ascii_digits,
    bban_parts,
    date_valid,
    email_valid,
    iban_check_digits,
    iban_length,
    iban_valid,
    ipv4_valid,
    ipv6_valid,
    luhn_valid,
    ssn_valid,
    tld_valid,
)

PROPERTY = settings(max_examples=80, deadline=None)
VALIDATORS = [luhn_valid, iban_valid, ssn_valid, ipv4_valid, ipv6_valid, email_valid, tld_valid]


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("bad", [None, 4111111111111111, b"4111", ["1"]])
def test_validators_reject_non_strings_naming_the_argument(validator, bad):
    with pytest.raises(TypeError, match="must be a str"):
        validator(bad)


def test_ascii_digits_maps_every_script_and_keeps_the_rest():
    assert ascii_digits("４１１１-٤١١١ ۴ x9") == "4111-4111 4 x9"
    assert ascii_digits("no digits") == "no digits"


# --------------------------------------------------------------------------- Luhn

@pytest.mark.parametrize("number", ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
                                    "79927398713", "378282246310005", "6011111111111117", "18",
                                    "４１１１１１１１１１１１１１１１"])
def test_luhn_accepts_valid_numbers(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4111111111111112", "79927398710", "4111.1111.1111.1111",
                                    "4111x111111111111", "", "0", " - ", "12a"])
def test_luhn_rejects_invalid_numbers_and_other_characters(number):
    assert not luhn_valid(number)


def _luhn_reference(digits: str) -> bool:
    """Luhn as ISO/IEC 7812-1 writes it: double every second digit from the right, add digit sums."""
    total = 0
    for i, d in enumerate(int(c) for c in reversed(digits)):
        total += sum(divmod(2 * d, 10)) if i % 2 else d
    return total % 10 == 0


@PROPERTY
@given(st.text(alphabet=string.digits, min_size=2, max_size=25))
def test_luhn_agrees_with_the_reference(digits):
    assert luhn_valid(digits) == _luhn_reference(digits)


@PROPERTY
@given(st.text(alphabet=string.digits, min_size=1, max_size=18), st.data())
def test_luhn_catches_every_single_digit_change(payload, data):
    number = next(payload + d for d in string.digits if _luhn_reference(payload + d))
    assert luhn_valid(number)
    i = data.draw(st.integers(0, len(number) - 1))
    new = data.draw(st.sampled_from([d for d in string.digits if d != number[i]]))
    assert not luhn_valid(number[:i] + new + number[i + 1:])


# --------------------------------------------------------------------------- IBAN

REGISTRY_EXAMPLES = [
    "DE89 3704 0044 0532 0130 00", "GB29 NWBK 6016 1331 9268 19", "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00", "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456",
    "CH93 0076 2011 6238 5295 7", "BE68 5390 0754 7034", "SE45 5000 0000 0583 9825 7466",
    "NO93 8601 1117 947", "AT61 1904 3002 3457 3201", "PL61 1090 1014 0000 0712 1981 2874",
    "DK50 0040 0440 1162 43", "FI21 1234 5600 0007 85", "PT50 0002 0123 1234 5678 9015 4",
    "IE29 AIBK 9311 5212 3456 78", "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "SA03 8000 0000 6080 1016 7519",
]
REGISTRY_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27, "CH": 21, "BE": 16, "SE": 24,
                    "NO": 15, "AT": 20, "PL": 28, "DK": 18, "FI": 18, "PT": 25, "IE": 22, "MT": 31, "SA": 24,
                    "LC": 32, "RU": 33, "BR": 29, "TR": 26, "SC": 31, "MU": 30}
LETTER_VALUE = {c: str(10 + i) for i, c in enumerate(string.ascii_uppercase)}


def _mod97_piecewise(iban: str) -> int:
    """ISO 7064 MOD 97-10 computed piecewise: never more than nine digits at a time."""
    numeric = "".join(LETTER_VALUE.get(c, c) for c in iban[4:] + iban[:4])
    remainder = 0
    while numeric:
        chunk, numeric = str(remainder) + numeric[:7], numeric[7:]
        remainder = int(chunk) % 97
    return remainder


def test_registry_has_the_required_countries_and_lengths():
    assert len(IBAN_FORMATS) >= 75
    for country, length in REGISTRY_LENGTHS.items():
        assert iban_length(country) == length, country
    # the lengths follow from the formats: 4 + BBAN, and every BBAN part is n, a or c
    for country in IBAN_FORMATS:
        assert sum(n for n, _ in bban_parts(country)) == iban_length(country) - 4
        assert "".join(f"{n}{k}" for n, k in bban_parts(country)) == IBAN_FORMATS[country]


@pytest.mark.parametrize("iban", REGISTRY_EXAMPLES)
def test_registry_examples_are_valid_in_every_spelling(iban):
    compact = iban.replace(" ", "")
    assert _mod97_piecewise(compact) == 1
    for spelling in (iban, compact, iban.replace(" ", "-"), iban.lower()):
        assert iban_valid(spelling), spelling


@pytest.mark.parametrize("iban", REGISTRY_EXAMPLES)
def test_any_changed_character_invalidates_a_registry_example(iban):
    compact = iban.replace(" ", "")
    for i in range(2, len(compact)):
        alphabet = string.digits if compact[i].isdigit() else string.ascii_uppercase
        changed = compact[:i] + alphabet[(alphabet.index(compact[i]) + 1) % len(alphabet)] + compact[i + 1:]
        assert not iban_valid(changed), changed


@pytest.mark.parametrize("iban", [
    "DE89 3704 0044 0532 0130 0",      # one character short
    "DE89 3704 0044 0532 0130 000",    # one too many
    "XX89 3704 0044 0532 0130 00",     # not a registry country
    "GB29 1234 6016 1331 9268 19",     # GB bank code must be letters
    "NL91 ABNA 0417 1643 0A",          # NL account must be digits
    "DE89_3704_0044_0532_0130_00",     # not a separator
    "DEAB 3704 0044 0532 0130 00",     # check digits must be digits
    "",
])
def test_iban_rejects_wrong_length_country_format_or_separator(iban):
    assert not iban_valid(iban)


def _iban_with_check(country: str, wanted: str) -> str:
    """A compact IBAN of ``country`` whose correct check digits are ``wanted`` (searched for)."""
    for n in range(100_000):
        bban = f"{n:018d}"
        if iban_check_digits(country, bban) == wanted:
            return country + wanted + bban
    raise AssertionError("not found")


@pytest.mark.parametrize("valid, alias", [("02", "99"), ("97", "00"), ("98", "01")])
def test_check_digits_outside_02_98_are_invalid_even_when_mod97_fits(valid, alias):
    good = _iban_with_check("DE", valid)
    bad = good[:2] + alias + good[4:]
    assert iban_valid(good) and _mod97_piecewise(bad) == 1
    assert not iban_valid(bad)


@PROPERTY
@given(st.sampled_from(sorted(IBAN_FORMATS)), st.data())
def test_generated_ibans_agree_with_the_independent_check(country, data):
    alphabets = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}
    bban = "".join(data.draw(st.text(alphabet=alphabets[k], min_size=n, max_size=n))
                   for n, k in bban_parts(country))
    check = iban_check_digits(country, bban)
    assert _mod97_piecewise(country + check + bban) == 1
    assert iban_valid(country + check + bban)
    wrong = f"{(int(check) - 2 + data.draw(st.integers(1, 96))) % 97 + 2:02d}"
    assert not iban_valid(country + wrong + bban)


def test_iban_check_digits_rejects_bad_arguments():
    with pytest.raises(ValueError, match="country must be one of"):
        iban_check_digits("XX", "123")
    with pytest.raises(ValueError, match="bban must match the DE format"):
        iban_check_digits("DE", "12345")
    with pytest.raises(TypeError, match="bban must be a str"):
        iban_check_digits("DE", 370400440532013000)


# --------------------------------------------------------------------------- SSN

@pytest.mark.parametrize("ssn", ["536-22-1234", "536 22 1234", "536.22.1234", "536221234", "001-01-0001",
                                 "899-99-9999", "665-12-3456", "５３６-２２-１２３４"])
def test_ssn_accepts_issuable_numbers_in_each_spelling(ssn):
    assert ssn_valid(ssn)


@pytest.mark.parametrize("ssn", [
    "000-12-3456", "666-12-3456", "900-12-3456", "987-65-4321", "999-99-9998",  # area
    "536-00-1234",  # group
    "536-22-0000",  # serial
    "111-11-1111", "888888888",  # one repeated digit
    "078-05-1120", "219-09-9999", "123-45-6789",  # published
    "536-22.1234", "536 22-1234", "53622-1234",  # mixed or missing delimiters
    "536-22-12345", "53-622-1234", "536/22/1234", "", "abc-de-fghi",
])
def test_ssn_rejects_unissued_published_and_malformed_numbers(ssn):
    assert not ssn_valid(ssn)


# --------------------------------------------------------------------------- IP

@pytest.mark.parametrize("address", ["192.168.1.1", "0.0.0.0", "255.255.255.255", "10.0.0.0/8", "10.1.2.3/0",
                                     "10.1.2.3/32", "１９２.１６８.１.１"])
def test_ipv4_accepts_dotted_quads_with_optional_prefix(address):
    assert ipv4_valid(address)


@pytest.mark.parametrize("address", ["192.168.1.256", "1.2.3", "1.2.3.4.5", "192.168.01.1", "10.0.0.1/33",
                                     "10.0.0.1/", "10.0.0.1/255.0.0.0", "10.0.0.1/-1", "a.b.c.d", ""])
def test_ipv4_rejects_out_of_range_short_long_and_leading_zero_forms(address):
    assert not ipv4_valid(address)


@pytest.mark.parametrize("address", ["2001:db8::1", "::1", "::", "fe80::1:2", "::ffff:192.0.2.1",
                                     "2001:0db8:0:0:0:ff00:0042:8329", "2001:db8::/32", "2001:db8::1/128"])
def test_ipv6_accepts_full_compressed_and_mapped_forms(address):
    assert ipv6_valid(address)


@pytest.mark.parametrize("address", ["2001:db8::1::2", "12:30:45", "00:1A:2B:3C:4D:5E", "2001:db8::g",
                                     "2001:db8::/129", "fe80::1%eth0", "1.2.3.4", ""])
def test_ipv6_rejects_invalid_forms(address):
    assert not ipv6_valid(address)


# --------------------------------------------------------------------------- e-mail and TLDs

def test_tld_list_is_the_root_zone_shipped_with_the_package():
    text = resources.files("course_lib.masking").joinpath("tlds.txt").read_text(encoding="ascii")
    assert "IANA" in text.splitlines()[0]
    assert len(TLDS) >= 1000
    for tld in ("com", "org", "net", "gov", "edu", "uk", "de", "fr", "in", "br", "us", "eu", "io", "health",
                "clinic", "hospital", "xn--p1ai"):
        assert tld_valid(tld), tld
    for fake in ("invalid", "local", "localhost", "internal", "lan", "corp", "example", "test", "invalidtld"):
        assert not tld_valid(fake), fake
    two_letter = {t for t in TLDS if len(t) == 2}
    assert len(two_letter) >= 240  # every ccTLD


def test_package_data_declares_the_tld_file():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        from pip._vendor import tomli as tomllib
    from course_lib.grading.grader import REPO_ROOT

    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "tlds.txt" in config["tool"]["setuptools"]["package-data"]["course_lib.masking"]


@pytest.mark.parametrize("address", ["john.smith@clinic.org", "a@b.co.uk", "x_y+tag@mail.example.com",
                                     "J.Doe99@Hospital.HEALTH", "u@xn--80ak6aa92e.xn--p1ai"])
def test_email_accepts_dot_atom_addresses_with_real_tlds(address):
    assert email_valid(address)


@pytest.mark.parametrize("address", ["x@y.invalidtld", "a@b.local", "noreply@portal.internal", "a..b@c.org",
                                     ".a@c.org", "a.@c.org", "a@c", "a@-c.org", "@c.org", "a b@c.org",
                                     "a" * 65 + "@c.org", "a@c.org."])
def test_email_rejects_fake_tlds_and_malformed_addresses(address):
    assert not email_valid(address)


# --------------------------------------------------------------------------- dates

def test_date_valid_knows_month_lengths_and_leap_years():
    assert date_valid(2024, 2, 29) and date_valid(2000, 2, 29) and date_valid(2024, 12, 31)
    assert not date_valid(2023, 2, 29) and not date_valid(1900, 2, 29)
    assert not date_valid(2024, 2, 30) and not date_valid(2024, 4, 31) and not date_valid(2024, 13, 1)
    assert not date_valid(2024, 0, 10) and not date_valid(2024, 1, 0)
