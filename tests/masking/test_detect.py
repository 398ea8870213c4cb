"""Tests for course_lib.masking.recognizers, detect and evaluate.

Each entity's rules are checked with values that must be found (with their exact bounds) and
look-alikes that must not; property tests embed generated valid values among random words; the
overlap rule is checked on hand-made candidates; and the whole detector is measured on the seeded
corpus, with bands on both sides.
"""

from __future__ import annotations

import math
import re
import string

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.data import pii_corpus
from course_lib.data.pii_text import PERTURBATIONS
from course_lib.masking import ENTITIES, Span
from course_lib.masking.detect import detect, rank, resolve
from course_lib.masking.evaluate import Scores, errors, evaluate, micro_average
from course_lib.masking.recognizers import (
    _GLUED,
    _IBAN_SHAPE,
    _NOT_PHONE_SHAPES,
    PARTIAL_DATE_SCORE,
    PHONE_REGIONS,
    RECOGNIZERS,
    SCORES,
    _bare_ssn,
    card_issuer,
    find_phone_numbers,
)
from course_lib.masking.validators import IBAN_FORMATS, bban_parts, iban_check_digits, luhn_checksum

PROPERTY = settings(max_examples=40, deadline=None)
WORDS = ["patient", "seen", "ward", "the", "on", "claim", "notes", "and", "Dr", "benefit", "review", "paid"]


def found(text: str, entities=None) -> list[tuple[str, str]]:
    """(entity, value) of every detected span."""
    return [(s.entity, s.value(text)) for s in detect(text, entities)]


def assert_finds(text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(text), (text, found(text))


def assert_not_entity(text: str, entity: str) -> None:
    assert entity not in {e for e, _ in found(text)}, (text, found(text))


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("text", [None, 42, b"bytes", ["a"]])
def test_detect_rejects_non_text(text):
    with pytest.raises(TypeError, match="text must be a str"):
        detect(text)


@pytest.mark.parametrize("entities", ["NAME", ["CREDIT_CARD", "credit_card"], []])
def test_detect_rejects_unknown_or_no_entities(entities):
    with pytest.raises(ValueError, match="entit"):
        detect("x", entities)


@pytest.mark.parametrize("min_score", [-0.1, 1.01, math.nan, math.inf])
def test_detect_rejects_min_score_outside_0_1(min_score):
    with pytest.raises(ValueError, match=r"min_score must be in \[0, 1\]"):
        detect("x", min_score=min_score)


@pytest.mark.parametrize("min_score", ["0.5", None, True])
def test_detect_rejects_non_numeric_min_score(min_score):
    with pytest.raises(TypeError, match="min_score must be a number"):
        detect("x", min_score=min_score)


def test_empty_and_plain_text_have_nothing():
    assert detect("") == []
    assert detect("The patient was seen on the ward and discharged home.") == []


# --------------------------------------------------------------------------- credit cards

@pytest.mark.parametrize("card", [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "4222222222222",  # Visa 16, 13
    "4111 1111 1111 1111 003",  # Visa 19 (4-4-4-4-3)
    "5555 5555 5555 4444", "2223 0031 2200 3222",  # Mastercard 51-55 and 2221-2720
    "3782 822463 10005", "371449635398431",  # Amex 4-6-5
    "6011 1111 1111 1117", "6445 6445 6445 6445",  # Discover
    "3530 1113 3330 0000",  # JCB
    "3056 930902 5904", "36227206271667",  # Diners 4-6-4
    "6200 0000 0000 0005",  # UnionPay
    "122000000000003", "1220 00000 000003",  # UATP (airline cards), bare and 4-5-6: Presidio's case
])
def test_card_numbers_of_each_network_are_found_with_exact_bounds(card):
    digits = card.replace(" ", "").replace("-", "")
    if luhn_checksum(digits) != 0:  # make the example Luhn-valid whatever its last digit
        digits = digits[:-1] + next(d for d in string.digits if luhn_checksum(digits[:-1] + d) == 0)
        card = card[:-1] + digits[-1]
    assert_finds(f"Card: {card}, expires 12/27.", "CREDIT_CARD", card)


@pytest.mark.parametrize("text", [
    "Order 9234 5678 9012 3452 shipped",  # Luhn-valid, but 9 is no network's prefix
    "Card 4111 1111 1111 1112 typed wrong",  # Luhn fails
    "Card 4111 1111-1111 1111 mixed separators",
    "Card 4111  1111 1111 1111 double space",
    "Card 41111 1111 1111 111 odd grouping",
    "Card 3782 822463 100051 too long for Amex",
    "Ref 4111111111111111X glued to letters",
    "Ref X4111111111111111 glued to letters",
    "Total 3.4111111111111111 a decimal",
    "Fax +4111111111111111 an international number",
    "IBAN typo DE81 4326 9253 8056 6031 52 bounced",  # Luhn-valid middle of a longer code
    "Card 5655 5555 5555 4444 not Mastercard (56)",
    "Order 1220000000000036 has 16 digits",  # prefix 1 is UATP only with 15 digits (Luhn-valid here)
    "Ref 122000000000004 check digit off",
])
def test_card_look_alikes_are_not_cards(text):
    middle = "4326925380566031"  # of the IBAN example: Luhn-valid and Visa-prefixed
    assert luhn_checksum(middle) == 0 and card_issuer(middle) == "Visa"
    assert_not_entity(text, "CREDIT_CARD")


def test_a_card_followed_by_more_digit_groups_is_still_found():
    assert_finds("Paid with 4111 1111 1111 1111 2025 receipt", "CREDIT_CARD", "4111 1111 1111 1111")


def _luhn_complete(payload: str) -> str:
    return next(payload + d for d in string.digits if luhn_checksum(payload + d) == 0)


@st.composite
def cards(draw):
    prefix, length = draw(st.sampled_from([("4", 16), ("51", 16), ("2720", 16), ("34", 15), ("6011", 16),
                                           ("3589", 16), ("36", 14), ("62", 16)]))
    payload = prefix + draw(st.text(alphabet=string.digits, min_size=length - len(prefix) - 1,
                                    max_size=length - len(prefix) - 1))
    digits = _luhn_complete(payload)
    sep = draw(st.sampled_from(["", " ", "-"]))
    if sep and length == 16:
        return sep.join(digits[i:i + 4] for i in range(0, 16, 4))
    if sep and length in (14, 15):
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    return digits


def sentence(draw, value: str) -> tuple[str, int]:
    """``value`` among random words, and where it starts."""
    before = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6)))
    after = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6)))
    punct = draw(st.sampled_from(["", ".", ",", ";", ")"]))
    head = (before + " " if before else "") + draw(st.sampled_from(["", "(", "<", ": "]))
    return f"{head}{value}{punct} {after}".rstrip(), len(head)


@PROPERTY
@given(cards(), st.data())
def test_generated_cards_are_found_with_exact_bounds_among_words(card, data):
    text, start = sentence(data.draw, card)
    assert Span(start, start + len(card), "CREDIT_CARD", SCORES["CREDIT_CARD"]) in detect(text)


@PROPERTY
@given(cards(), st.data())
def test_changing_one_digit_of_a_card_hides_it(card, data):
    i = data.draw(st.sampled_from([k for k, c in enumerate(card) if c.isdigit()]))
    new = data.draw(st.sampled_from([d for d in string.digits if d != card[i]]))
    changed = card[:i] + new + card[i + 1:]
    assert_not_entity(f"card {changed} was used", "CREDIT_CARD")


# --------------------------------------------------------------------------- IBAN

@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000",
                                  "DE89-3704-0044-0532-0130-00", "GB29 NWBK 6016 1331 9268 19",
                                  "NO93 8601 1117 947", "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
                                  "fr14 2004 1010 0505 0001 3m02 606"])
def test_ibans_are_found_with_exact_bounds(iban):
    assert_finds(f"Pay into {iban}. Thanks", "IBAN_CODE", iban)
    assert_finds(f"(IBAN: {iban})", "IBAN_CODE", iban)


@pytest.mark.parametrize("text", [
    "IBAN DE88 3704 0044 0532 0130 00 has a typo",  # check digits
    "IBAN DE89 3704 0044 0532 0130 0 is short",
    "IBAN DE89 3704 0044 0532 0130 001 is long",
    "IBAN DE89 3704-0044 0532 0130 00 mixes separators",
    "IBAN XDE89370400440532013000 is glued to a letter",
    "IBAN XX89 3704 0044 0532 0130 00 is no country",
])
def test_iban_look_alikes_are_not_ibans(text):
    assert_not_entity(text, "IBAN_CODE")


@PROPERTY
@given(st.sampled_from(sorted(IBAN_FORMATS)), st.sampled_from(["", " ", "-"]), st.data())
def test_generated_ibans_of_every_country_are_found(country, sep, data):
    alphabets = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}
    bban = "".join(data.draw(st.text(alphabet=alphabets[k], min_size=n, max_size=n))
                   for n, k in bban_parts(country))
    compact = country + iban_check_digits(country, bban) + bban
    iban = sep.join(compact[i:i + 4] for i in range(0, len(compact), 4)) if sep else compact
    text, start = sentence(data.draw, iban)
    assert Span(start, start + len(iban), "IBAN_CODE", 1.0) in detect(text)


# --------------------------------------------------------------------------- e-mail

@pytest.mark.parametrize("text, value", [
    ("Write to john.smith@clinic.org.", "john.smith@clinic.org"),
    ("<a.b@stanne.nhs.uk>", "a.b@stanne.nhs.uk"),
    ("mailto:x_y+tag@mail.health, ok", "x_y+tag@mail.health"),
    ("(J.Doe99@Hospital.DE)", "J.Doe99@Hospital.DE"),
])
def test_emails_are_found_without_trailing_punctuation(text, value):
    assert_finds(text, "EMAIL_ADDRESS", value)


@pytest.mark.parametrize("text", ["x@y.invalidtld", "noreply@portal.internal", "ops@server.lan now",
                                  "user@localhost", "a@b"])
def test_emails_need_a_real_tld(text):
    assert_not_entity(text, "EMAIL_ADDRESS")


# --------------------------------------------------------------------------- phone numbers

@pytest.mark.parametrize("text, value", [
    ("Call (201) 555-0123 today.", "(201) 555-0123"),
    ("Call 201-555-0123.", "201-555-0123"),
    ("Ring 020 7946 0958 please", "020 7946 0958"),
    ("Ring +44 20 7946 0958.", "+44 20 7946 0958"),
    ("Tel. 030 901820", "030 901820"),
    ("Tel. +49 30 901820", "+49 30 901820"),
    ("Tél. 01 23 45 67 89", "01 23 45 67 89"),
    ("Mobile +91 98765 43210", "+91 98765 43210"),
    ("Cel (11) 96123-4567", "(11) 96123-4567"),
    ("Tokyo office +81 3-1234-5678", "+81 3-1234-5678"),
])
def test_valid_phone_numbers_are_found_in_national_and_international_form(text, value):
    assert_finds(text, "PHONE_NUMBER", value)


@pytest.mark.parametrize("text", [
    "Call 555-0123 now",  # too short to be valid
    "Call +1 201 055 0123 now",  # a US exchange cannot start with 0
    "Call +1 (555) 555-5555 now",  # nor an area code be 555
    "Version 1.2.3 released",
    "gateway 192.168.1.256 down",
    "form dated 30.02.2023 returned",
    "SSN 078-05-1120 is published",
    "Card 6200 6947 5086 1644 rejected",  # 1644 is a German pager number, but here part of a longer number
])
def test_phone_look_alikes_are_not_phone_numbers(text):
    assert_not_entity(text, "PHONE_NUMBER")


def matcher_reference(text: str, regions=PHONE_REGIONS) -> list[Span]:
    """What find_phone_numbers must find: phonenumbers' own matcher over the whole text, in every
    region, then the same post-filter (glued digits, IBAN-shaped codes, SSN/dotted/date shapes)."""
    codes = [(m.start(), m.end()) for m in _IBAN_SHAPE.finditer(text)]
    spans = set()
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            glued = (_GLUED.fullmatch(text, max(0, match.start - 2), match.start)
                     or _GLUED.fullmatch(text, match.end, match.end + 2))
            in_code = any(a <= match.start and match.end <= b for a, b in codes)
            raw, start = match.raw_string, match.start
            if raw.startswith("(") and ")" not in raw:
                raw, start = raw[1:], start + 1
            if not (glued or in_code or _NOT_PHONE_SHAPES.fullmatch(raw) or _bare_ssn(raw)):
                spans.add((start, match.end))
    return [Span(a, b, "PHONE_NUMBER", SCORES["PHONE_NUMBER"]) for a, b in sorted(spans)]


def test_phone_numbers_are_what_phonenumbers_finds_in_the_whole_text_on_the_corpus():
    for adversarial in (False, True):
        for doc in pii_corpus(60, seed=5, adversarial=adversarial):
            assert find_phone_numbers(doc.text) == matcher_reference(doc.text), doc.text
    extra = ("AU", "JP", "ES", "IT")  # regions whose national prefix phonenumbers rewrites, too
    for doc in pii_corpus(30, seed=6):
        assert find_phone_numbers(doc.text, extra) == matcher_reference(doc.text, extra), doc.text


PHONE_PIECES = [
    "(201) 555-0123", "+44 20 7946 0958", "020 7946 0958", "030 901820", "01 23 45 67 89", "(11) 96123-4567",
    "98765 43210", "1-800-555-0199", "0044 20 7946 0958", "011 44 20 7946 0958", "49 00 7825 9336 2771",
    "33-00 / 438-10-8529", "+49 30 901820", "4111 1111 1111 1111", "536221234", "31/12/2024", "2012-01-02 08",
    ":00", "1.2.3.4/24", "DE89 3704 0044 0532 0130 00", " ext. 12", " x 12", "#", ";ext=5", "(/x2", "/ x",
    " / ", " - ", "(", ")", "+", "\n", "\u200b", "\u00a0", "２０１",
]
PHONE_NOISE = st.text(alphabet="0123456789 -./()+x#:,;", max_size=14)


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(PHONE_PIECES), PHONE_NOISE, st.sampled_from(WORDS)), max_size=12),
       st.sampled_from(["", " ", ", "]), st.sampled_from([PHONE_REGIONS, ("AU", "ES", "US")]))
def test_phone_numbers_are_what_phonenumbers_finds_in_any_text(parts, glue, regions):
    text = glue.join(parts)
    assert find_phone_numbers(text, regions) == matcher_reference(text, regions)


def test_no_cap_on_how_many_candidates_a_text_may_hold():
    # phonenumbers' matcher gives up after 65535 candidates that are not numbers; a long text of
    # short numbers hid every number after them
    text = "item 12 " * 70_000 + "call (201) 555-0123 today"
    assert find_phone_numbers(text) == [Span(len(text) - 20, len(text) - 6, "PHONE_NUMBER", 0.6)]
    assert len(list(phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID))) == 0


def test_phone_regions_are_checked():
    with pytest.raises(ValueError, match="regions must be region codes"):
        find_phone_numbers("call 020 7946 0958", ("GB", "XX"))
    with pytest.raises(TypeError, match="regions must be a tuple"):
        find_phone_numbers("call 020 7946 0958", "GB")
    with pytest.raises(TypeError, match="text must be a str"):
        find_phone_numbers(None)


def test_digits_inside_a_card_iban_ssn_ip_or_date_are_not_reported_as_phones():
    texts = ["card 4111 1111 1111 1111", "iban DE89 3704 0044 0532 0130 00", "ssn 536-22-1234",
             "ip 201.55.50.123", "on 2024-12-31T14:30:00Z"]
    for text in texts:
        assert detect(text, "PHONE_NUMBER") == [], text
        assert len(detect(text)) == 1, text


# --------------------------------------------------------------------------- US SSN

@pytest.mark.parametrize("ssn, score", [("536-22-1234", 0.85), ("536.22.1234", 0.7), ("536 22 1234", 0.7),
                                        ("536221234", 0.5)])
def test_ssns_are_found_in_each_spelling_with_a_score_for_each(ssn, score):
    assert Span(3, 3 + len(ssn), "US_SSN", score) in detect(f"ID {ssn}.")
    assert Span(4, 4 + len(ssn), "US_SSN", 0.95) in detect(f"SSN {ssn}.")


def test_nine_bare_digits_the_ssa_could_issue_are_an_ssn_and_the_word_ssn_raises_the_score():
    import phonenumbers

    assert phonenumbers.is_valid_number(phonenumbers.parse("046365844", "DE"))  # also a German number
    assert found("ref 046365844") == [("US_SSN", "046365844")]  # Presidio's case: 078051121
    assert found("078051121") == [("US_SSN", "078051121")]
    assert [s.score for s in detect("ref 046365844")] == [0.5]
    assert detect("SSN: 046365844") == [Span(5, 14, "US_SSN", 0.95)]
    assert found("Social Security number 046365844") == [("US_SSN", "046365844")]
    far = "SSN on file for the claimant, see the number 046365844"
    assert detect(far) == [Span(45, 54, "US_SSN", 0.5)]
    # not an SSN: unissued, ten digits, or the national part of an international number
    assert found("ref 0780511201") != [("US_SSN", "0780511201")]
    for text in ("ref 666000000", "ref 000000000", "call +49 46365844", "call +33612341282"):
        assert_not_entity(text, "US_SSN")
    assert found("call +33 6 12 34 12 82") == [("PHONE_NUMBER", "+33 6 12 34 12 82")]


@pytest.mark.parametrize("text", ["SSN 000-12-3456", "SSN 666-12-3456", "SSN 912-34-5678", "SSN 536-00-1234",
                                  "SSN 536-22-0000", "SSN 078-05-1120", "SSN 219-09-9999", "SSN 123-45-6789",
                                  "SSN 111-11-1111", "SSN 536-22.1234", "ID 1536-22-1234", "ID 536-22-12345",
                                  "ID A536-22-1234", "ID 536-22-1234B", "ref 9-536-22-1234"])
def test_unissued_published_malformed_or_glued_ssns_are_not_found(text):
    assert_not_entity(text, "US_SSN")


@st.composite
def ssns(draw):
    area = draw(st.integers(1, 899).filter(lambda a: a != 666))
    group, serial = draw(st.integers(1, 99)), draw(st.integers(1, 9999))
    sep = draw(st.sampled_from(["-", ".", " "]))
    value = f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"
    digits = value.replace(sep, "")
    if len(set(digits)) == 1 or digits in ("078051120", "219099999", "123456789"):
        value = f"536{sep}22{sep}1234"
    return value


@PROPERTY
@given(ssns(), st.data())
def test_generated_ssns_are_found_with_exact_bounds(ssn, data):
    text, start = sentence(data.draw, ssn)
    spans = [s for s in detect(text) if s.entity == "US_SSN"]
    assert [(s.start, s.end) for s in spans] == [(start, start + len(ssn))]


# --------------------------------------------------------------------------- IP addresses

@pytest.mark.parametrize("text, value", [
    ("from 192.168.1.10 at noon", "192.168.1.10"),
    ("server 8.8.8.8.", "8.8.8.8"),
    ("subnet 10.0.0.0/8, blocked", "10.0.0.0/8"),
    ("host 10.1.2.3/32)", "10.1.2.3/32"),
    ("url http://172.16.0.5:8080/x", "172.16.0.5"),
    ("v6 2001:db8::1 up", "2001:db8::1"),
    ("v6 2001:db8::/32.", "2001:db8::/32"),
    ("loopback ::1.", "::1"),
    ("mapped ::ffff:192.0.2.1 seen", "::ffff:192.0.2.1"),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329 seen", "2001:0db8:0000:0000:0000:ff00:0042:8329"),
    ("IPv6:2001:db8::2 in a header", "2001:db8::2"),
])
def test_ip_addresses_are_found_with_prefix_inside_and_sentence_dot_outside(text, value):
    assert_finds(text, "IP_ADDRESS", value)


@pytest.mark.parametrize("text", ["IP192.168.1.1text", "Version 1.2.3", "gateway 192.168.1.256",
                                  "oid 1.2.3.4.5", "x 1.2.3.4x", "at 10:30:45", "mac 00:1A:2B:3C:4D:5E",
                                  "ip 192.168.01.1", "std::vector", "a :: b"])
def test_ip_look_alikes_are_not_addresses(text):
    assert_not_entity(text, "IP_ADDRESS")


def test_an_invalid_prefix_leaves_the_address_without_it():
    assert_finds("net 10.0.0.1/33 bad", "IP_ADDRESS", "10.0.0.1")
    assert_finds("net 2001:db8::1/129 bad", "IP_ADDRESS", "2001:db8::1")


@PROPERTY
@given(st.integers(0, 2**32 - 1), st.one_of(st.none(), st.integers(0, 32)), st.data())
def test_generated_ipv4_addresses_are_found(n, prefix, data):
    import ipaddress

    value = str(ipaddress.IPv4Address(n)) + ("" if prefix is None else f"/{prefix}")
    text, start = sentence(data.draw, value)
    assert Span(start, start + len(value), "IP_ADDRESS", SCORES["IP_ADDRESS"]) in detect(text)


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize("value", [
    "12/31/2024", "31/12/2024", "1/2/2024", "31.12.2024", "31-12-2024", "2024-12-31", "2024/12/31",
    "2024-12-31T14:30:00Z", "2024-12-31T14:30:00.123+01:00", "2024-12-31 14:30", "29/02/2024",
    "31 December 2024", "31 Dec 2024", "31-Dec-2024", "31st of December 2024", "Dec 31, 2024",
    "Dec. 31, 2024", "December 31st 2024", "December 31st, 2024", "may 5, 2024", "Sept 9, 1999",
])
def test_dates_in_numeric_and_month_name_forms_are_found(value):
    assert_finds(f"Seen on {value}, discharged.", "DATE_TIME", value)


@pytest.mark.parametrize("text", ["on 31/02/2024", "on 29/02/2023", "on 2024-02-30", "on 13/13/2024",
                                  "on 2024-13-01", "on April 31, 2024", "on 31 June 2022", "on 00/10/2020",
                                  "on 12/31/24", "version 1.2.3", "ratio 120/80", "on 2024-12",
                                  "id 1.12.12.2024", "on 13/2024", "on 0/2024", "in 12/1850", "on 12/3024",
                                  "score 3/10", "ratio 05/21", "on 13/21", "on 05/21/31", "on 05/21 /31",
                                  "page 3.5/21", "1,5/2021", "on 31-Jun", "on 30-Feb", "on 32-May",
                                  "Maya 2021", "May-2021x", "x5/2021", "5/2021/3"])
def test_impossible_or_partial_dates_are_not_found(text):
    assert_not_entity(text, "DATE_TIME")


@pytest.mark.parametrize("text, value", [
    # Presidio's own cases for months of a year and days of a month (DateRecognizer tests)
    ("Today is 05/21", "05/21"), ("Today is 5/21", "5/21"), ("Today is 5/2021", "5/2021"),
    ("Today is 05/2021", "05/2021"), ("Today is May-21", "May-21"), ("Today is 21-May", "21-May"),
    ("Today is 05-May", "05-May"), ("Today is May-2021", "May-2021"), ("Today is 5-MAY-2021", "5-MAY-2021"),
    # a month and a year, with a four-digit year or a word that says a date follows
    ("card expires 12/27.", "12/27"), ("valid thru 08/29", "08/29"), ("on 12/2024", "12/2024"),
    ("since 1/2019, no relapse", "1/2019"), ("seen in May 2024 and", "May 2024"),
    ("until December 2025.", "December 2025"), ("dated Sept. 1999", "Sept. 1999"), ("on 29-Feb", "29-Feb"),
])
def test_months_of_a_year_and_days_of_a_month_are_found_with_a_lower_score(text, value):
    assert_finds(text, "DATE_TIME", value)
    assert [s.score for s in detect(text)] == [PARTIAL_DATE_SCORE] or value == "5-MAY-2021"


def test_a_full_date_around_a_partial_one_is_reported_whole():
    assert detect("on 5 May 2021.") == [Span(3, 13, "DATE_TIME", SCORES["DATE_TIME"])]
    assert found("due 31-Dec-2024 or") == [("DATE_TIME", "31-Dec-2024")]


def test_an_invalid_time_leaves_the_date_without_it():
    assert_finds("at 2024-12-31 25:00 sharp", "DATE_TIME", "2024-12-31")


# --------------------------------------------------------------------------- overlaps

def S(start, end, entity, score=1.0):
    return Span(start, end, entity, score)


def test_resolve_ranks_by_score_then_length_then_start_then_entity_order():
    assert min([S(0, 5, "PHONE_NUMBER", 0.6), S(2, 4, "US_SSN", 0.85)], key=rank).entity == "US_SSN"
    assert min([S(0, 5, "DATE_TIME", 0.85), S(1, 4, "US_SSN", 0.85)], key=rank).entity == "DATE_TIME"
    assert min([S(0, 4, "DATE_TIME", 0.85), S(1, 5, "US_SSN", 0.85)], key=rank).entity == "DATE_TIME"
    assert min([S(1, 5, "US_SSN", 0.85), S(1, 5, "DATE_TIME", 0.85)], key=rank).entity == "US_SSN"


def test_resolve_stretches_the_winner_over_a_partial_overlap():
    out = resolve([S(10, 20, "PHONE_NUMBER", 0.6), S(4, 14, "CREDIT_CARD", 1.0)])
    assert out == [S(4, 20, "CREDIT_CARD", 1.0)]


def test_resolve_merges_chains_and_keeps_separate_or_adjacent_spans_apart():
    spans = [S(0, 3, "DATE_TIME", 0.85), S(3, 6, "US_SSN", 0.85), S(10, 14, "PHONE_NUMBER", 0.6),
             S(13, 18, "IP_ADDRESS", 0.9), S(17, 25, "PHONE_NUMBER", 0.6), S(30, 31, "US_SSN", 0.5)]
    out = resolve(list(reversed(spans)))
    assert out == [S(0, 3, "DATE_TIME", 0.85), S(3, 6, "US_SSN", 0.85), S(10, 25, "IP_ADDRESS", 0.9),
                   S(30, 31, "US_SSN", 0.5)]


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15), st.sampled_from(ENTITIES),
                          st.sampled_from([0.5, 0.6, 0.85, 1.0])), max_size=12))
def test_resolve_covers_every_candidate_character_with_sorted_disjoint_spans(raw):
    candidates = [S(a, a + n, e, sc) for a, n, e, sc in raw]
    out = resolve(candidates)
    assert out == sorted(out) and all(a.end <= b.start for a, b in zip(out, out[1:]))
    covered = {i for s in out for i in range(s.start, s.end)}
    assert covered == {i for s in candidates for i in range(s.start, s.end)}
    assert resolve(reversed(candidates)) == out  # order of the candidates does not matter
    for s in out:  # each output span is labelled by a best-ranked candidate inside it
        inside = [c for c in candidates if s.start <= c.start and c.end <= s.end]
        assert (s.entity, s.score) == (min(inside, key=rank).entity, min(inside, key=rank).score)


def test_resolve_rejects_non_spans():
    with pytest.raises(TypeError, match="candidates must be Span"):
        resolve([(0, 1, "US_SSN")])


# --------------------------------------------------------------------------- detect as a whole

VALUES = ["4111 1111 1111 1111", "john@clinic.org", "(201) 555-0123", "DE89 3704 0044 0532 0130 00",
          "536-22-1234", "10.0.0.1/24", "31/12/2024", "+44 20 7946 0958", "2001:db8::1", "12", "-", "/"]


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(VALUES), st.sampled_from(WORDS),
                          st.text(alphabet="0123456789 -./:@+", max_size=12)), max_size=15),
       st.sampled_from([" ", "", "-", "\n"]))
def test_detect_returns_sorted_disjoint_spans_within_the_text_and_is_deterministic(parts, glue):
    text = glue.join(parts)
    spans = detect(text)
    assert spans == sorted(spans, key=lambda s: s.start)
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert detect(text) == spans


def test_every_recognizer_candidate_is_covered_by_detect():
    text = ("Pay 4111 1111 1111 1111 or DE89 3704 0044 0532 0130 00; call +44 20 7946 0958 or "
            "(201) 555-0123; ssn 536-22-1234; from ::ffff:192.0.2.1 on 2024-12-31T14:30:00Z.")
    covered = {i for s in detect(text) for i in range(s.start, s.end)}
    for recognizer in RECOGNIZERS.values():
        for s in recognizer(text):
            assert set(range(s.start, s.end)) <= covered, (s, s.value(text))


def test_min_score_drops_weaker_candidates_and_entities_filters_the_report():
    text = "IDs 536221234 and 536-22-1234, born 31/12/1980"
    assert [s.score for s in detect(text, "US_SSN")] == [0.5, 0.85]
    assert [s.value(text) for s in detect(text, "US_SSN", min_score=0.6)] == ["536-22-1234"]
    assert {s.entity for s in detect(text, ["DATE_TIME"])} == {"DATE_TIME"}
    assert detect(text, min_score=1.0) == []


def test_unicode_digits_are_read_as_digits():
    text = "card ４１１１ １１１１ １１１１ １１１１ and ssn ٥٣٦-٢٢-١٢٣٤"
    assert [s.entity for s in detect(text)] == ["CREDIT_CARD", "US_SSN"]


# --------------------------------------------------------------------------- evaluate

class Doc:
    def __init__(self, text, spans):
        self.text, self.spans = text, tuple(spans)


def test_scores_arithmetic_and_undefined_ratios():
    s = Scores(tp=8, fp=2, fn=8)
    assert (s.precision, s.recall, s.support) == (0.8, 0.5, 16)
    assert s.f1 == pytest.approx(2 * 0.8 * 0.5 / 1.3)
    assert math.isnan(Scores(0, 0, 3).precision) and Scores(0, 0, 3).recall == 0.0
    assert math.isnan(Scores(0, 2, 0).recall) and math.isnan(Scores(0, 2, 0).f1)
    assert Scores(0, 1, 1).f1 == 0.0
    assert micro_average({"A": Scores(1, 2, 3), "B": Scores(4, 5, 6)}) == Scores(5, 7, 9)


def test_evaluate_exact_and_overlap_matching():
    doc = Doc("SSN 536-22-1234 and 536-22-1235.", [S(4, 15, "US_SSN"), S(20, 31, "US_SSN")])

    def sloppy(text):  # the first one a character short, the second one right, plus a false alarm
        return [S(4, 14, "US_SSN"), S(20, 31, "US_SSN"), S(0, 3, "US_SSN")]

    exact = evaluate(sloppy, [doc], "US_SSN")["US_SSN"]
    assert (exact.tp, exact.fp, exact.fn) == (1, 2, 1)
    overlap = evaluate(sloppy, [doc], "US_SSN", match="overlap")["US_SSN"]
    assert (overlap.tp, overlap.fp, overlap.fn) == (2, 1, 0)
    mistakes = errors(sloppy, [doc], "US_SSN")
    assert [(e.kind, e.value) for e in mistakes] == [("FP", "SSN"), ("FN", "536-22-1234"),
                                                     ("FP", "536-22-123")]


def test_evaluate_counts_a_wrong_entity_as_a_miss_and_a_false_alarm():
    doc = Doc("x 536-22-1234", [S(2, 13, "US_SSN")])
    scores = evaluate(lambda t: [S(2, 13, "PHONE_NUMBER")], [doc], ["US_SSN", "PHONE_NUMBER"])
    assert (scores["US_SSN"].fn, scores["PHONE_NUMBER"].fp) == (1, 1)


def test_evaluate_rejects_bad_arguments():
    with pytest.raises(TypeError, match="detector must be a callable"):
        evaluate("detect", [])
    with pytest.raises(ValueError, match="match must be one of"):
        evaluate(detect, [], match="fuzzy")
    with pytest.raises(TypeError, match="corpus must hold documents"):
        evaluate(detect, ["just text"])
    with pytest.raises(ValueError, match="unknown entity"):
        evaluate(detect, [], "NAME")


# --------------------------------------------------------------------------- on the seeded corpus

@pytest.fixture(scope="module")
def clean():
    return pii_corpus(200, seed=0)


@pytest.fixture(scope="module")
def clean_scores(clean):
    return evaluate(detect, clean)


# Floors with some room below what seeds 0-9 measure (n_docs=200): the known gaps are two-digit years
# (about one date in twenty, left alone on purpose) and national numbers of regions outside
# PHONE_REGIONS (Spanish ones are not read as anything else), hence lower floors for those two.
# Names (PERSON, tests/masking/test_person.py) are measured apart: a gazetteer is no validator.
RECALL_FLOOR = {"DATE_TIME": 0.9, "PHONE_NUMBER": 0.9, "PERSON": 0.84}
PRECISION_FLOOR = {"PERSON": 0.9}


def _validated(scores):
    """The scores of the entities that a validator checks (all but PERSON)."""
    return {entity: s for entity, s in scores.items() if entity != "PERSON"}


def test_clean_corpus_precision_and_recall_per_entity(clean_scores):
    assert set(clean_scores) == set(ENTITIES)
    for entity, s in clean_scores.items():
        assert s.support >= 80, entity
        assert s.precision >= PRECISION_FLOOR.get(entity, 0.95), (entity, s)
        assert s.recall >= RECALL_FLOOR.get(entity, 0.95), (entity, s)
    assert clean_scores["DATE_TIME"].recall <= 0.99  # the two-digit years are really missed
    assert clean_scores["PERSON"].recall <= 0.96 and clean_scores["PERSON"].precision <= 0.98
    overall = micro_average(_validated(clean_scores))
    assert 0.97 <= overall.recall <= 0.995 and overall.precision >= 0.98
    with_names = micro_average(clean_scores)
    assert 0.94 <= with_names.recall <= 0.98 and 0.96 <= with_names.precision <= 0.995


def test_another_seed_scores_alike():
    scores = evaluate(detect, pii_corpus(100, seed=7))
    assert all(s.recall >= RECALL_FLOOR.get(e, 0.95) - 0.03 for e, s in scores.items()), scores
    overall = micro_average(_validated(scores))
    assert overall.recall >= 0.95 and overall.precision >= 0.97


def test_hard_negatives_fool_a_naive_detector_but_not_detect(clean, clean_scores):
    naive_card = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")

    def naive(text):  # any Luhn-valid run of 13-19 digits, and any word@word.word
        spans = [S(m.start(), m.end(), "CREDIT_CARD") for m in naive_card.finditer(text)
                 if luhn_checksum(re.sub(r"\D", "", m.group())) == 0]
        emails = re.finditer(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
        spans += [S(m.start(), m.end(), "EMAIL_ADDRESS") for m in emails]
        return spans

    naive_scores = evaluate(naive, clean, ["CREDIT_CARD", "EMAIL_ADDRESS"])
    for entity in ("CREDIT_CARD", "EMAIL_ADDRESS"):
        assert naive_scores[entity].precision < 0.9 < clean_scores[entity].precision, entity
    # places made of names (Sierra Leone) are PERSON's known false alarms (tests/masking/test_person.py)
    decoys = {(i, a, b) for i, doc in enumerate(clean) for a, b, kind in doc.decoys if kind != "region"}
    false_alarms = {(e.doc, e.span.start, e.span.end) for e in errors(detect, clean) if e.kind == "FP"}
    assert not decoys & false_alarms


def test_disguised_values_lower_recall_by_the_kind_of_disguise(clean_scores):
    corpus = pii_corpus(200, seed=0, adversarial=True)
    scores = micro_average(evaluate(detect, corpus))
    assert 0.3 <= scores.recall <= 0.7 < micro_average(clean_scores).recall
    missed = {(e.doc, e.span.start, e.span.end) for e in errors(detect, corpus) if e.kind == "FN"}
    recall = {}
    for kind in PERTURBATIONS:
        planted = [(i, s.start, s.end) for i, d in enumerate(corpus) for s, k in zip(d.spans, d.perturbations)
                   if k == kind]
        assert len(planted) >= 150, kind
        recall[kind] = sum(p not in missed for p in planted) / len(planted)
    # other scripts' digits are read as digits; invisible characters and line breaks hide values
    assert recall["fullwidth"] >= 0.85 and recall["arabic_indic"] >= 0.85, recall
    assert recall["zero_width"] <= 0.25 and recall["line_split"] <= 0.25, recall
