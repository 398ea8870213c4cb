"""Tests for course_lib.masking.text: every detected value is replaced, offsets stay right."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.data.pii_text import PLANTED, pii_corpus
from course_lib.masking import detect, mask_table
from course_lib.masking.date_shift import shift_dates_with
from course_lib.masking.keys import demo_key
from course_lib.masking.operators import (
    detokenize,
    encrypt_with,
    mask_with,
    pseudonymize,
    pseudonymize_with,
    tokenize_with,
)
from course_lib.masking.spans import Span
from course_lib.masking.text import anonymize, anonymize_with

PROPERTY = settings(max_examples=50, deadline=None)
KEY = demo_key("clinic", 0)
TEXT = "Patient SSN 123-45-6789, mail jane.roe@example.org, call 617-555-0123 today."
SPANS = [Span(12, 23, "US_SSN"), Span(30, 50, "EMAIL_ADDRESS"), Span(57, 69, "PHONE_NUMBER")]


def test_the_spans_used_here_cover_the_values():
    assert [s.value(TEXT) for s in SPANS] == ["123-45-6789", "jane.roe@example.org", "617-555-0123"]


def test_each_entity_gets_its_operator_and_the_rest_the_default():
    out = anonymize(TEXT, {"US_SSN": "mask", "EMAIL_ADDRESS": pseudonymize_with(KEY)}, spans=SPANS)
    email = pseudonymize("jane.roe@example.org", KEY, "EMAIL_ADDRESS")
    assert out.text == f"Patient SSN ***-**-6789, mail {email}, call <PHONE_NUMBER> today."
    assert str(out) == out.text
    assert [(i.entity, i.operator) for i in out.items] == [
        ("US_SSN", "mask"), ("EMAIL_ADDRESS", "pseudonymize"), ("PHONE_NUMBER", "replace")]
    assert [out.text[i.start:i.end] for i in out.items] == ["***-**-6789", email, "<PHONE_NUMBER>"]
    assert [i.source for i in out.items] == SPANS


def test_keep_is_the_only_way_to_leave_a_value_and_redact_removes_it():
    out = anonymize(TEXT, {"PHONE_NUMBER": "keep"}, spans=SPANS, default="redact")
    assert out.text == "Patient SSN , mail , call 617-555-0123 today."
    assert anonymize(TEXT, spans=[]).text == TEXT


def test_entities_limits_which_spans_are_replaced():
    out = anonymize(TEXT, spans=SPANS, entities=["US_SSN"])
    assert out.text == TEXT.replace("123-45-6789", "<US_SSN>")


def test_tokens_in_text_can_be_opened_by_the_key_holder():
    out = anonymize(TEXT, {"US_SSN": tokenize_with(KEY)}, spans=SPANS)
    token = out.text[out.items[0].start:out.items[0].end]
    assert detokenize(token, KEY, "US_SSN") == "123-45-6789"


def test_an_operator_that_leaves_the_value_in_place_is_an_error():
    with pytest.raises(ValueError, match="still contains the value; use 'keep'"):
        anonymize(TEXT, {"US_SSN": lambda v, e: f"SSN {v}"}, spans=SPANS)
    with pytest.raises(TypeError, match="must return a str"):
        anonymize(TEXT, {"US_SSN": lambda v, e: 5}, spans=SPANS)


def test_anonymize_rejects_bad_input():
    with pytest.raises(TypeError, match="text must be a str"):
        anonymize(b"bytes", spans=[])
    with pytest.raises(ValueError, match="unknown entity name"):
        anonymize(TEXT, {"SSN": "mask"}, spans=SPANS)
    with pytest.raises(ValueError, match="operator name must be one of"):
        anonymize(TEXT, {"US_SSN": "hash"}, spans=SPANS)
    with pytest.raises(ValueError, match="operator name must be one of"):
        anonymize(TEXT, spans=SPANS, default="nothing")
    with pytest.raises(TypeError, match="operators must be a dict"):
        anonymize(TEXT, ["mask"], spans=SPANS)
    with pytest.raises(ValueError, match="spans must not overlap"):
        anonymize(TEXT, spans=[Span(12, 23, "US_SSN"), Span(20, 30, "PHONE_NUMBER")])
    with pytest.raises(ValueError, match="ends beyond the text"):
        anonymize("short", spans=[Span(0, 10, "US_SSN")])
    with pytest.raises(TypeError, match="spans must all be Span"):
        anonymize(TEXT, spans=[(12, 23, "US_SSN")])
    with pytest.raises(ValueError, match="works on table columns only"):
        anonymize(TEXT, {"DATE_TIME": shift_dates_with(KEY, by="patient_id")}, spans=SPANS)


# ---------------------------------------------------------------- planted values, any operator
FILLER = st.text(alphabet="abc xyz,.;\n", max_size=12)
PLANTED_DIGITS = st.tuples(
    st.sampled_from(["US_SSN", "PHONE_NUMBER", "CREDIT_CARD"]),
    st.text(alphabet="0123456789", min_size=9, max_size=16),
)
OPERATORS = st.sampled_from(["mask", "redact", "replace", mask_with(2, "#", False), pseudonymize_with(KEY),
                             tokenize_with(KEY), encrypt_with(KEY)])


@PROPERTY
@given(st.lists(st.tuples(FILLER, PLANTED_DIGITS), max_size=6), FILLER, st.dictionaries(
    st.sampled_from(["US_SSN", "PHONE_NUMBER", "CREDIT_CARD"]), OPERATORS), OPERATORS)
def test_no_planted_value_survives_whatever_the_operators(parts, tail, operators, default):
    text, spans, values = "", [], []
    for filler, (entity, value) in parts:
        text += filler
        spans.append(Span(len(text), len(text) + len(value), entity))
        text += value
        values.append(value)
    text += tail
    out = anonymize(text, operators, spans=spans, default=default)
    for value in values:
        assert value not in out.text
    # the text between the values is untouched, and each item points at its replacement
    rebuilt, position = "", 0
    for item in out.items:
        rebuilt += text[position:item.source.start] + out.text[item.start:item.end]
        position = item.source.end
    assert rebuilt + text[position:] == out.text
    assert len(out.items) == len(spans)


def test_anonymize_with_is_a_column_operator_built_from_the_same_map():
    op = anonymize_with({"US_SSN": "mask"})
    assert op.name == "anonymize" and op.deterministic and not op.keyed
    assert not anonymize_with(default=encrypt_with(KEY)).deterministic
    assert anonymize_with(default=pseudonymize_with(KEY)).keyed
    with pytest.raises(ValueError, match="unknown entity name"):
        anonymize_with({"NAME": "mask"})


# ------------------------------------------------------------------- end to end, with detect
E2E_OPERATORS = ["mask", "redact", "replace", mask_with(0), pseudonymize_with(KEY), tokenize_with(KEY),
                 encrypt_with(KEY)]
CONTEXT = ("Patient ", "Note: ", "call ", "; ", " and ", "(", "SSN ", "card ")


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _planted_text(seed: int) -> tuple[str, list[str]]:
    rng = random.Random(seed)
    text, values = "", []
    for _ in range(rng.randint(1, 5)):
        _, make = rng.choice(list(PLANTED.values()))
        value = make(rng)
        text += rng.choice(CONTEXT) + value + rng.choice((". ", " ", ", ", ") "))
        values.append(value)
    return text, values


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(E2E_OPERATORS), st.sampled_from(E2E_OPERATORS))
def test_no_detected_value_survives_anonymize_in_any_form(seed, op_a, op_b):
    text, planted = _planted_text(seed)
    spans = detect(text)
    out = anonymize(text, {"US_SSN": op_a, "CREDIT_CARD": op_a, "IBAN_CODE": op_a}, default=op_b).text
    detected = [s.value(text) for s in spans]
    covered = [v for v in planted if any(v in d for d in detected)]
    missed = [v for v in planted if v not in covered]  # the detector's misses, not anonymize's
    for value in detected + covered:
        assert value not in out
        if len(_digits(value)) >= 6:  # shorter digit runs turn up in keyed outputs by chance
            assert _digits(value) not in out
    for span in detect(out, sorted({s.entity for s in spans}) or None):
        assert any(span.value(out) in v or v in span.value(out) for v in missed), span


ANONYMIZE_MAP = {"US_SSN": "mask", "EMAIL_ADDRESS": pseudonymize_with(KEY), "CREDIT_CARD": tokenize_with(KEY)}


def test_every_value_detected_in_the_corpus_is_gone_after_anonymize():
    docs = pii_corpus(30, seed=0)
    for doc in docs:
        out = anonymize(doc.text, ANONYMIZE_MAP)
        spans = detect(doc.text)
        assert [i.source for i in out.items] == spans and spans
        for span in spans:
            assert span.value(doc.text) not in out.text
    only_email = anonymize(docs[0].text, entities=["EMAIL_ADDRESS"])
    assert {i.entity for i in only_email.items} <= {"EMAIL_ADDRESS"}


def test_a_free_text_column_is_anonymised_cell_by_cell():
    notes = [d.text for d in pii_corpus(8, seed=1)]
    df = pd.DataFrame({"note": notes + [None], "ward": ["A"] * 9})
    out = mask_table(df, {"note": anonymize_with(ANONYMIZE_MAP)})
    assert out["note"].tolist()[:-1] == [anonymize(t, ANONYMIZE_MAP).text for t in notes]
    assert out["note"].tolist()[-1] is None and out["ward"].equals(df["ward"])
    with pytest.raises(TypeError, match="column 'ward'"):
        mask_table(pd.DataFrame({"ward": [1, 2]}), {"ward": anonymize_with()})
