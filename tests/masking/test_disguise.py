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
