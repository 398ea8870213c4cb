"""Normalising disguised text before detection, with spans mapped back to the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.data import pii_corpus
from course_lib.masking import INVISIBLE, anonymize, detect, detect_normalised, micro_average, undisguise
from course_lib.masking import evaluate as evaluate_detection

SSN = "123-45-6780"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_undisguise_maps_every_character_back():
    text = "SSN １２３-45\u200b-6780\nnext"
    normal, where = undisguise(text)
    assert normal == "SSN 123-45-6780 next"
    assert len(where) == len(normal)
    for i, ch in enumerate(normal):
        assert text[where[i]] in (ch, "\n") or not text[where[i]].isascii()
    joined, _ = undisguise(text, line_break="")
    assert joined == "SSN 123-45-6780next"


@pytest.mark.parametrize(("disguised", "hidden_from_detect"), [
    (SSN.translate(FULLWIDTH), False),              # digits of another script: detect reads them already
    ("123-45\u200b-6780", True),                    # a zero-width space inside
    ("123-45-\n6780", True),                        # split across lines
    ("1\u200d23-4\ufeff5-67\u206080", True),        # several invisible characters
])
def test_a_disguised_ssn_is_found_and_its_span_covers_all_of_it(disguised, hidden_from_detect):
    text = f"Claimant SSN {disguised}, paid monthly."
    plain = [s for s in detect(text) if s.entity == "US_SSN" and s.value(text) == disguised]
    assert (not plain) == hidden_from_detect
    spans = [s for s in detect_normalised(text) if s.entity == "US_SSN"]
    assert len(spans) == 1
    assert spans[0].value(text) == disguised, "the span must cover every character, invisible ones included"
    out = anonymize(text, {"US_SSN": "redact"}, spans=detect_normalised(text)).text
    assert out == "Claimant SSN , paid monthly."


def test_two_values_on_two_lines_stay_two_values():
    text = f"SSN {SSN}\nSSN 234-56-7891"
    spans = [s.value(text) for s in detect_normalised(text) if s.entity == "US_SSN"]
    assert spans == [SSN, "234-56-7891"]


def test_recall_on_the_disguised_corpus_recovers_and_clean_text_loses_nothing():
    disguised = pii_corpus(60, seed=3, adversarial=True)
    clean = pii_corpus(60, seed=3)
    before = micro_average(evaluate_detection(detect, disguised)).recall
    after = micro_average(evaluate_detection(detect_normalised, disguised))
    assert before < 0.7 < 0.95 <= after.recall, (before, after.recall)
    assert after.precision >= 0.97
    assert micro_average(evaluate_detection(detect_normalised, clean)).recall == \
        micro_average(evaluate_detection(detect, clean)).recall


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab 1-\n٣４" + "".join(INVISIBLE)), max_size=40))
def test_spans_are_within_the_text_sorted_and_disjoint(text):
    spans = detect_normalised(text)
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_bad_input():
    with pytest.raises(TypeError, match="text must be a str"):
        detect_normalised(None)
    with pytest.raises(ValueError, match="line_break must be one of"):
        undisguise("x", line_break="\t")
    with pytest.raises(ValueError, match="unknown entity"):
        detect_normalised("x", entities=["NAME"])


# ------------------------------------------------------------------ every invisible character
# Format characters (Cf) of each kind, the other default-ignorable ones, and control characters
HIDDEN = {
    "soft hyphen": "\u00ad", "zero-width space": "\u200b", "zero-width joiner": "\u200d",
    "left-to-right mark": "\u200e", "right-to-left mark": "\u200f", "bidi embedding": "\u202a",
    "bidi override": "\u202e", "bidi isolate": "\u2066", "pop isolate": "\u2069", "word joiner": "\u2060",
    "function application": "\u2061", "invisible times": "\u2062", "invisible separator": "\u2063",
    "invisible plus": "\u2064", "byte-order mark": "\ufeff", "Arabic letter mark": "\u061c",
    "Mongolian vowel separator": "\u180e", "tag letter": "\U000e0041", "interlinear annotation": "\ufff9",
    "variation selector-16": "\ufe0f", "variation selector-1": "\ufe00",
    "variation selector-17": "\U000e0100",
    "combining grapheme joiner": "\u034f", "Hangul filler": "\u3164", "NUL": "\x00", "escape": "\x1b",
    "delete": "\x7f", "C1 control": "\x9b",
}


@pytest.mark.parametrize("name", HIDDEN)
def test_each_kind_of_invisible_character_inside_an_ssn_and_a_card_is_read_through(name):
    ch = HIDDEN[name]
    assert ch in INVISIBLE
    for value, entity in ((f"536-2{ch}2-1234", "US_SSN"), (f"4111 1111{ch} 1111 11{ch}11", "CREDIT_CARD")):
        text = f"Claimant {value}, paid monthly."
        assert entity not in {s.entity for s in detect(text)}  # hidden from the recognizers
        spans = [s for s in detect_normalised(text) if s.entity == entity]
        assert [s.value(text) for s in spans] == [value], name
        assert not any(c.isdigit() for c in anonymize(text, spans=detect_normalised(text)).text)


def test_what_is_dropped_and_what_is_kept():
    assert undisguise("a\tb\u00a0c\u2009d") == ("a\tb c d", [0, 1, 2, 3, 4, 5, 6])  # tab and spaces stay
    assert undisguise("4\u0332 1\u0301x\u0301")[0] == "4 1x\u0301"  # marks on a digit go, on a letter stay
    for brk in "\n\r\x0b\x0c\x85\u2028\u2029":  # line breaks are read both ways
        assert undisguise(f"12{brk}34")[0] == "12 34" and undisguise(f"12{brk}34", "")[0] == "1234"
    for visible in "aé٣４-_ ½":
        assert visible not in INVISIBLE
    assert "\t" not in INVISIBLE and "\n" not in INVISIBLE
    assert len(INVISIBLE) > 4000 and all(len(c) == 1 for c in INVISIBLE)  # tags and selectors included


INVISIBLE_SAMPLE = st.sampled_from(sorted(set(HIDDEN.values()) | set(sorted(INVISIBLE)[::97])))
PLANTED_VALUES = st.sampled_from([
    ("536-22-1234", "US_SSN"), ("536.22.1234", "US_SSN"), ("4111 1111 1111 1111", "CREDIT_CARD"),
    ("5555-5555-5555-4444", "CREDIT_CARD"), ("378282246310005", "CREDIT_CARD"),
    ("DE89 3704 0044 0532 0130 00", "IBAN_CODE"), ("+44 20 7946 0958", "PHONE_NUMBER"),
])


@settings(max_examples=80, deadline=None)
@given(PLANTED_VALUES, st.lists(st.tuples(st.integers(0, 40), INVISIBLE_SAMPLE), max_size=8),
       st.sampled_from(["Paid with ", "Claimant SSN ", "Ref: ", ""]), st.sampled_from([".", " today", ""]))
def test_invisible_characters_anywhere_in_a_value_neither_hide_it_nor_survive_anonymize(planted, inserts,
                                                                                         before, after):
    value, entity = planted
    for position, ch in sorted(inserts, reverse=True):
        k = position % (len(value) - 1) + 1  # strictly inside the value
        value = value[:k] + ch + value[k:]
    text = before + value + after
    start = len(before)
    spans = detect_normalised(text)
    covering = [s for s in spans if s.start <= start and start + len(value) <= s.end]
    assert [(s.entity, s.start, s.end) for s in covering] == [(entity, start, start + len(value))], spans
    out = anonymize(text, spans=spans).text
    assert not any(c.isdigit() for c in out[start:]), out
