"""course_lib.masking.detect agrees with Microsoft Presidio's pattern recognizers on clear cases.

Runs only where ``presidio_analyzer`` is installed (the ``crosscheck`` extra); its recognizers are
called directly, without an NLP engine, so no spaCy model is needed. Both must find the same
(entity, start, end) in unambiguous text, and both must reject the same invalid values.
Presidio's own test cases that course_lib used to miss are here too: a UATP card (prefix 1, 15
digits), nine bare digits that are an SSN, a month of a year. Where the two differ by design (Presidio
accepts any 16 digits with prefix 1, misses Mastercard 2-series, reads dotted quads as phone numbers,
reads 05/21 as a date without a word before it) the benchmark, not this test, reports it.
"""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("presidio_analyzer")

from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    CreditCardRecognizer,
    DateRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)

from course_lib.masking import detect  # noqa: E402
from course_lib.masking.recognizers import PHONE_REGIONS  # noqa: E402

logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: it falls back to its snapshot

RECOGNIZERS = {
    "CREDIT_CARD": CreditCardRecognizer(), "EMAIL_ADDRESS": EmailRecognizer(),
    "PHONE_NUMBER": PhoneRecognizer(supported_regions=PHONE_REGIONS), "IBAN_CODE": IbanRecognizer(),
    "US_SSN": UsSsnRecognizer(), "IP_ADDRESS": IpRecognizer(), "DATE_TIME": DateRecognizer(),
}

FOUND_BY_BOTH = [
    ("CREDIT_CARD", "Card 4111 1111 1111 1111 is on file."),
    ("CREDIT_CARD", "Card 5555-5555-5555-4444 is on file."),
    ("CREDIT_CARD", "Card 378282246310005 is on file."),
    ("EMAIL_ADDRESS", "Write to john.smith@clinic.org today."),
    ("EMAIL_ADDRESS", "Write to a.b@stanne.nhs.uk today."),
    ("IBAN_CODE", "Pay into DE89 3704 0044 0532 0130 00 please."),
    ("IBAN_CODE", "Pay into GB29NWBK60161331926819 please."),
    ("IP_ADDRESS", "Login from 192.168.1.10 today."),
    ("IP_ADDRESS", "Login from 2001:db8::1 today."),
    ("US_SSN", "SSN 536-22-1234 is on file."),
    ("PHONE_NUMBER", "Call +44 20 7946 0958 now."),
    ("PHONE_NUMBER", "Call +49 30 901820 now."),
    ("DATE_TIME", "Seen on 31/12/2024 at the clinic."),
    ("DATE_TIME", "Seen on 2024-12-31 at the clinic."),
    ("CREDIT_CARD", "122000000000003"),  # UATP
    ("US_SSN", "078051121"),
    ("DATE_TIME", "Today is 5/2021"),
    ("DATE_TIME", "Today is 05/21"),
    ("DATE_TIME", "Today is May-2021"),
    ("DATE_TIME", "Today is 21-May"),
]
REJECTED_BY_BOTH = [
    ("CREDIT_CARD", "Card 4111 1111 1111 1112 is mistyped."),
    ("EMAIL_ADDRESS", "Write to x@y.invalidtld today."),
    ("IBAN_CODE", "Pay into DE88 3704 0044 0532 0130 00 please."),
    ("IP_ADDRESS", "Login from 192.168.1.256 today."),
    ("US_SSN", "SSN 000-12-3456 is not issued."),
    ("US_SSN", "SSN 666-12-3456 is not issued."),
]


def presidio(entity: str, text: str) -> set[tuple[str, int, int]]:
    return {(r.entity_type, r.start, r.end) for r in RECOGNIZERS[entity].analyze(text, [entity], None)
            if r.score > 0}


def ours(entity: str, text: str) -> set[tuple[str, int, int]]:
    return {(s.entity, s.start, s.end) for s in detect(text, entity)}


@pytest.mark.parametrize("entity, text", FOUND_BY_BOTH)
def test_both_find_the_same_span(entity, text):
    expected = presidio(entity, text)
    assert len(expected) == 1
    assert ours(entity, text) == expected


@pytest.mark.parametrize("entity, text", REJECTED_BY_BOTH)
def test_both_reject_the_same_invalid_value(entity, text):
    assert presidio(entity, text) == set() == ours(entity, text)
