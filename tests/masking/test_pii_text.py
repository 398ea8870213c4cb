"""Tests for course_lib.data.pii_text: the labelled corpus keeps its promises.

Every planted value is valid by its own rules (checked here with the validators and with
phonenumbers directly), every decoy is invalid by them, spans are exact and disjoint, the same seed
gives the same documents, and the adversarial corpus disguises the very same values. Names are
planted in every form the corpus promises, from its own lists, without moving the other values.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import phonenumbers
import pytest

from course_lib.data import LabelledDoc, pii_corpus
from course_lib.data.pii_text import (
    BAD_DATES,
    BAD_SSNS,
    DECOYS,
    DOMAINS,
    FAKE_EMAIL_DOMAINS,
    FAMILY_NAMES,
    GIVEN_NAMES,
    NAME_DECOYS,
    PERTURBATIONS,
    ZERO_WIDTH_SPACE,
    disguise,
    iban,
)
from course_lib.masking import ENTITIES
from course_lib.masking.recognizers import card_issuer
from course_lib.masking.validators import (
    ascii_digits,
    email_valid,
    iban_valid,
    ipv4_valid,
    ipv6_valid,
    luhn_valid,
    ssn_valid,
    tld_valid,
)


@pytest.fixture(scope="module")
def corpus():
    return pii_corpus(200, seed=0)


@pytest.fixture(scope="module")
def adversarial():
    return pii_corpus(200, seed=0, adversarial=True)


def test_bad_arguments_are_rejected_naming_them():
    with pytest.raises(ValueError, match="n_docs must be an int >= 1"):
        pii_corpus(0)
    with pytest.raises(TypeError, match="n_docs must be an int"):
        pii_corpus(2.5)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        pii_corpus(3, seed=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        pii_corpus(3, seed="0")
    with pytest.raises(TypeError, match="adversarial must be a bool"):
        pii_corpus(3, adversarial="yes")
    with pytest.raises(ValueError, match="kind must be one of"):
        disguise("123", "rot13", random.Random(0))


def test_same_seed_same_documents_other_seed_other_documents(corpus):
    assert pii_corpus(200, seed=0) == corpus
    assert pii_corpus(20, seed=1) != corpus[:20]
    assert pii_corpus(20, seed=0) == corpus[:20]


def test_spans_are_disjoint_sorted_within_the_text_and_cover_every_entity(corpus):
    counts = dict.fromkeys(ENTITIES, 0)
    for doc in corpus:
        assert isinstance(doc, LabelledDoc) and len(doc.perturbations) == len(doc.spans)
        assert set(doc.perturbations) == {"none"} or not doc.spans
        marks = sorted([(s.start, s.end) for s in doc.spans] + [(a, b) for a, b, _ in doc.decoys])
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(marks, marks[1:]))
        assert all(0 <= a < b <= len(doc.text) for a, b in marks)
        for s in doc.spans:
            counts[s.entity] += 1
            value = s.value(doc.text)
            assert value == value.strip() and not re.search(r"[.,;)]$", value), value
    assert min(counts.values()) >= 80, counts


def _phone_valid(value: str) -> bool:
    regions = ("US", "GB", "DE", "FR", "IN", "BR", "AU", "JP", "ES", "IT")
    for region in regions:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(value, region)):
                return True
        except phonenumbers.NumberParseException:
            pass
    return False


def _date_form(value: str) -> bool:
    return bool(re.fullmatch(r"[\w ,.:/-]+", value)) and bool(re.search(r"\d", value))


_GIVEN = "(?:" + "|".join(map(re.escape, GIVEN_NAMES)) + ")"
_FAMILY = "(?:" + "|".join(map(re.escape, FAMILY_NAMES)) + ")"
_LAST_WORD = "(?:" + "|".join(re.escape(f.split()[-1]) for f in FAMILY_NAMES) + ")"
NAME_FORMS = {
    "family name": _FAMILY,
    "given family": f"{_GIVEN} {_FAMILY}",
    "middle initial": f"{_GIVEN} [A-Z]\\. {_FAMILY}",
    "two given names": f"{_GIVEN} {_GIVEN} {_FAMILY}",
    "double-barrelled": f"{_GIVEN} {_LAST_WORD}-{_LAST_WORD}",
}


def _name_form(value: str) -> str | None:
    """Which form of a name ``value`` is, by the corpus's own name lists (None: none of them)."""
    for form, pattern in NAME_FORMS.items():
        if re.fullmatch(pattern, value):
            return form
    family, _, given = value.partition(", ")
    if given in GIVEN_NAMES and family in {f.upper() for f in FAMILY_NAMES}:
        return "FAMILY, Given"
    if any(value == f"{g} {f}".lower() for g in GIVEN_NAMES for f in FAMILY_NAMES):
        return "lower case"
    return None


def test_name_forms_reject_what_is_not_a_planted_name():
    assert _name_form("Amara Okonkwo") == "given family" and _name_form("OKONKWO, Amara") == "FAMILY, Given"
    assert _name_form("Pedro J. de la Cruz") == "middle initial"
    assert _name_form("amara okonkwo") == "lower case"
    for wrong in ("Amara", "Okonkwo Amara", "Amara okonkwo", "Amara  Okonkwo", "Baker Street",
                  "Amara Okonkwo."):
        assert _name_form(wrong) is None, wrong


def test_every_planted_value_is_valid_by_its_own_rules(corpus):
    checks = {
        "PERSON": lambda v: _name_form(v) is not None,
        "CREDIT_CARD": lambda v: luhn_valid(v) and card_issuer(re.sub(r"[ -]", "", v)) is not None,
        "EMAIL_ADDRESS": email_valid,
        "PHONE_NUMBER": _phone_valid,
        "IBAN_CODE": iban_valid,
        "US_SSN": ssn_valid,
        "IP_ADDRESS": lambda v: ipv4_valid(v) or ipv6_valid(v),
        "DATE_TIME": _date_form,
    }
    for doc in corpus:
        for s in doc.spans:
            assert checks[s.entity](s.value(doc.text)), (s.entity, s.value(doc.text))


def test_every_decoy_is_invalid_by_the_rules_it_imitates(corpus):
    kinds = set()
    for doc in corpus:
        for a, b, kind in doc.decoys:
            value = doc.text[a:b]
            kinds.add(kind)
            digits = re.sub(r"[ -]", "", value)
            if kind == "order":  # Luhn-valid, but no network's prefix
                assert luhn_valid(value) and card_issuer(digits) is None and digits[0] in "179"
            elif kind == "bad_card":
                assert card_issuer(digits) is not None and not luhn_valid(value)
            elif kind == "bad_iban":
                assert not iban_valid(value)
            elif kind == "bad_ip":
                assert not ipv4_valid(value)
            elif kind == "version":
                assert re.fullmatch(r"v\d+\.\d+\.\d+", value)
            elif kind == "bad_ssn":
                assert value in BAD_SSNS and not ssn_valid(value)
            elif kind == "bad_date":
                assert value in BAD_DATES
            elif kind == "fake_email":
                assert not email_valid(value) and not tld_valid(value.rsplit(".", 1)[1])
            elif kind == "word":  # a name used as a verb or a noun, at the start of a sentence
                assert value in {"Will", "May", "Mark", "Bill", "Pat", "Grace"} and doc.text[b] == " "
                assert a == 0 or doc.text[a - 2] in ".?"
            else:
                assert value in NAME_DECOYS[kind], (kind, value)
            assert not any(a < s.end and s.start < b for s in doc.spans), (kind, value)
    assert kinds == {"order", "bad_card", "bad_iban", "bad_ip", "version", "bad_ssn", "bad_date",
                     "fake_email", "word", *NAME_DECOYS}


def test_names_come_in_every_form_with_and_without_a_cue(corpus):
    forms = Counter(_name_form(s.value(d.text)) for d in corpus for s in d.spans if s.entity == "PERSON")
    total = sum(forms.values())
    assert total >= 250 and set(forms) == {*NAME_FORMS, "FAMILY, Given", "lower case"}, forms
    assert 0.4 <= forms["given family"] / total <= 0.65 and forms["lower case"] >= 5
    before = [d.text[max(0, s.start - 9):s.start] for d in corpus for s in d.spans if s.entity == "PERSON"]
    contexts = ("Patient ", "contact: ", "Dr ", ". ", "with ", " to ")
    cues = Counter(next((c for c in contexts if b.endswith(c)), b) for b in before)
    assert min(cues[c] for c in contexts) >= 8, cues


def test_names_do_not_move_the_other_values(monkeypatch, corpus):
    """Names come from a generator of their own: other name lists, same other values and their decoys."""
    import course_lib.data.pii_text as pii_text

    monkeypatch.setattr(pii_text, "GIVEN_NAMES", ("Xavier", "Yolanda"))
    monkeypatch.setattr(pii_text, "FAMILY_NAMES", ("Zed",))
    other = pii_corpus(200, seed=0)

    def values(docs, person):
        return [[(s.entity, s.value(d.text)) for s in d.spans if (s.entity == "PERSON") == person]
                for d in docs]

    assert values(other, False) == values(corpus, False)
    def decoys(docs):  # the name decoys come from the names' generator too
        return [[d.text[a:b] for a, b, kind in d.decoys if kind in DECOYS] for d in docs]

    assert decoys(other) == decoys(corpus)
    assert values(other, True) != values(corpus, True)
    assert all(v.endswith("Zed") or v.startswith(("ZED", "xavier", "yolanda")) for doc in values(other, True)
               for _, v in doc)


def test_domain_lists_keep_their_promise():
    assert all(tld_valid(d.rsplit(".", 1)[1]) for d in DOMAINS)
    assert not any(tld_valid(d.rsplit(".", 1)[1]) for d in FAKE_EMAIL_DOMAINS)
    rng = random.Random(3)
    assert all(iban_valid(iban(rng)) and not iban_valid(iban(rng, valid=False)) for _ in range(200))


def test_values_sit_next_to_punctuation(corpus):
    after = {doc.text[s.end:s.end + 1] for doc in corpus for s in doc.spans}
    before = {doc.text[s.start - 1:s.start] for doc in corpus for s in doc.spans if s.start}
    assert {".", ",", ";", ")", ">"} <= after and {"(", "<", " "} <= before


def _undisguised(value: str) -> str:
    return re.sub(r"\s", "", ascii_digits(value).replace(ZERO_WIDTH_SPACE, ""))


def test_adversarial_corpus_disguises_the_same_values(corpus, adversarial):
    assert len(adversarial) == len(corpus)
    seen = set()
    for clean_doc, adv_doc in zip(corpus, adversarial):
        assert [s.entity for s in adv_doc.spans] == [s.entity for s in clean_doc.spans]
        assert [k for _, _, k in adv_doc.decoys] == [k for _, _, k in clean_doc.decoys]
        for clean_span, adv_span, kind in zip(clean_doc.spans, adv_doc.spans, adv_doc.perturbations):
            seen.add(kind)
            clean_value, adv_value = clean_span.value(clean_doc.text), adv_span.value(adv_doc.text)
            assert adv_value != clean_value
            assert _undisguised(adv_value) == _undisguised(clean_value)
            if kind == "zero_width":
                assert adv_value.count(ZERO_WIDTH_SPACE) == 1
            elif kind == "line_split":
                assert adv_value.count("\n") == 1 and not adv_value.startswith("\n")
            elif kind == "fullwidth":
                assert not re.search("[0-9]", adv_value) and re.search("[\uff10-\uff19]", adv_value)
            else:
                assert not re.search("[0-9]", adv_value) and re.search("[\u0660-\u0669]", adv_value)
    assert seen == set(PERTURBATIONS)


@pytest.mark.parametrize("entity", ["EMAIL_ADDRESS", "PERSON"])
def test_values_without_digits_are_disguised_only_in_ways_that_keep_them_readable(adversarial, entity):
    kinds = Counter(k for doc in adversarial for s, k in zip(doc.spans, doc.perturbations)
                    if s.entity == entity and not re.search(r"\d", s.value(doc.text)))
    assert set(kinds) == {"zero_width", "line_split"} and min(kinds.values()) >= 40, kinds
