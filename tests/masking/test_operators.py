"""Tests for the value-level operators: mask, redact, replace, keyed pseudonyms, AES-SIV tokens,
AES-GCM encryption, date shifting, generalisation, and the dictionary attack on unsalted hashes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.masking.date_shift import date_offset, shift_date, shift_dates
from course_lib.masking.generalize import bucket, generalize_date, truncate_zip
from course_lib.masking.hash_attack import dictionary_attack, naive_hash, phone_candidates, ssn_candidates
from course_lib.masking.keys import Key, Keyring, demo_key
from course_lib.masking.operators import (
    NAMED,
    Operator,
    as_operator,
    decrypt,
    detokenize,
    encrypt,
    encrypt_with,
    mask,
    mask_with,
    normalize,
    pseudonym_matches,
    pseudonymize,
    pseudonymize_with,
    redact,
    replace,
    tokenize,
    tokenize_with,
)
from course_lib.masking.spans import ENTITIES

PROPERTY = settings(max_examples=40, deadline=None)
K1, K2 = demo_key("clinic", 1), demo_key("clinic", 2)
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=40)  # surrogates too
ENTITY = st.sampled_from((None, *ENTITIES))


# ------------------------------------------------------------------------------------- mask
@pytest.mark.parametrize(("value", "kwargs", "expected"), [
    ("4111-1111-1111-1111", {}, "****-****-****-1111"),
    ("123-45-6789", {}, "***-**-6789"),
    ("1234567890", {}, "******7890"),  # the article's '********90', now with a rule
    ("123-45-6789", {"keep_last": 0}, "***-**-****"),
    ("123-45-6789", {"preserve_separators": False}, "*******6789"),
    ("123-45-6789", {"char": "#"}, "###-##-6789"),
    ("12", {}, "*2"),  # never more than half
    ("7", {}, "*"),
    ("", {}, ""),
    ("--", {}, "--"),
])
def test_mask_examples(value, kwargs, expected):
    assert mask(value, **kwargs) == expected


@PROPERTY
@given(ANY_TEXT, st.integers(0, 12), st.sampled_from("*#X-"), st.booleans())
def test_mask_is_idempotent_keeps_length_and_reveals_at_most_half(value, keep_last, char, preserve):
    out = mask(value, keep_last, char, preserve)
    assert len(out) == len(value)
    assert mask(out, keep_last, char, preserve) == out
    content = [i for i, c in enumerate(value) if c.isalnum() or c == char]
    revealed = [i for i in content if out[i] == value[i] and value[i] != char]
    assert len(revealed) <= min(keep_last, len(content) // 2)
    if preserve:  # separators stay where they were
        assert all(out[i] == c for i, c in enumerate(value) if not (c.isalnum() or c == char))


def test_the_named_mask_shows_the_last_four_only_of_numbers_printed_that_way():
    named = NAMED["mask"]
    assert named("4111-1111-1111-1111", "CREDIT_CARD") == "****-****-****-1111"
    assert named("123-45-6789") == "***-**-6789"  # a table column: the function's default
    assert named("fd00:3d3c::1", "IP_ADDRESS") == "****:****::*"
    assert named("jane@example.org", "EMAIL_ADDRESS") == "****@*******.***"
    assert named("2021-03-07", "DATE_TIME") == "****-**-**"


def test_mask_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"keep_last must be an int in \[0"):
        mask("123", -1)
    with pytest.raises(TypeError, match="keep_last"):
        mask("123", 2.0)
    with pytest.raises(ValueError, match="char must be one non-space character"):
        mask("123", char="**")
    with pytest.raises(TypeError, match="value must be a str"):
        mask(1234567890)
    with pytest.raises(ValueError, match="keep_last"):
        mask_with(keep_last=-1)  # checked when the operator is made


def test_redact_and_replace():
    assert redact("123-45-6789") == ""
    assert replace("123-45-6789", "US_SSN") == "<US_SSN>"
    assert replace("Jane Roe", label="PATIENT_NAME") == "<PATIENT_NAME>"
    with pytest.raises(ValueError, match="needs an entity or a label"):
        replace("x")
    with pytest.raises(ValueError, match="entity must be None or one of"):
        replace("x", "SSN")
    with pytest.raises(ValueError, match="label must be an upper-case name"):
        replace("x", label="name")


# ------------------------------------------------------------------------------ pseudonymize
@pytest.mark.parametrize(("a", "b", "entity"), [
    ("123-45-6789", "123 45 6789", "US_SSN"),
    ("(617) 555-0123", "617.555.0123", "PHONE_NUMBER"),
    ("4111 1111 1111 1111", "4111-1111-1111-1111", "CREDIT_CARD"),
    ("Jane.Roe@Example.org", " jane.roe@example.org", "EMAIL_ADDRESS"),
    ("de89 3704 0044 0532 0130 00", "DE89370400440532013000", "IBAN_CODE"),
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1", "IP_ADDRESS"),
    ("\uff14\uff18\uff19-\uff15\uff17-\uff18\uff15\uff14\uff12", "489-57-8542", "US_SSN"),  # fullwidth
    ("4\uff189-57-8542", "489-57-8542", "US_SSN"),  # one fullwidth digit among ASCII ones
    ("\u0664\u0661\u0661\u0661 " * 4, "4111-4111-4111-4111", "CREDIT_CARD"),  # Arabic-Indic digits
])
def test_one_value_in_different_formats_gets_one_pseudonym(a, b, entity):
    assert normalize(a, entity) == normalize(b, entity)
    assert pseudonymize(a, K1, entity) == pseudonymize(b, K1, entity)
    assert pseudonymize(a, K1) != pseudonymize(b, K1)  # untyped: exact text (after strip/NFC) only


def test_a_detected_ssn_in_another_script_is_pseudonymised_like_its_ascii_form():
    from course_lib.masking import anonymize

    fullwidth = "\uff14\uff18\uff19-\uff15\uff17-\uff18\uff15\uff14\uff12"
    out = anonymize(f"SSN {fullwidth} on file", {"US_SSN": pseudonymize_with(K1)})
    assert out.text == f"SSN {pseudonymize('489-57-8542', K1, 'US_SSN')} on file"


@PROPERTY
@given(ANY_TEXT, st.integers(8, 64))
def test_pseudonyms_are_stable_per_key_and_differ_across_keys(value, length):
    p1 = pseudonymize(value, K1, length=length)
    assert p1 == pseudonymize(value, K1, length=length)
    assert p1.startswith("demo-clinic-1:") and len(p1.split(":", 1)[1]) == length
    assert p1 != pseudonymize(value, K2, length=length)
    assert p1 != pseudonymize(value, Keyring([K1]).rotate(K2), length=length)  # rotated: new key id
    assert pseudonym_matches(p1, value, Keyring([K1, K2]))


def test_pseudonyms_of_distinct_values_are_distinct_and_not_pythons_hash():
    values = [f"{i:09d}" for i in range(2000)]
    pseudonyms = {pseudonymize(v, K1, "US_SSN") for v in values}
    assert len(pseudonyms) == len(values)
    assert pseudonymize("123-45-6789", K1) != f"{K1.key_id}:{hash('123-45-6789') & (2**64 - 1):016x}"


def test_pseudonym_matches_uses_the_key_named_in_the_pseudonym():
    old = pseudonymize("jane@example.org", K1, "EMAIL_ADDRESS")
    ring = Keyring([K1]).rotate(K2)
    assert pseudonym_matches(old, "JANE@example.org", ring, "EMAIL_ADDRESS")
    assert not pseudonym_matches(old, "john@example.org", ring, "EMAIL_ADDRESS")
    with pytest.raises(ValueError, match="not in the keyring"):
        pseudonym_matches(old, "jane@example.org", Keyring([K2]), "EMAIL_ADDRESS")
    with pytest.raises(ValueError, match="pseudonym must look like"):
        pseudonym_matches("demo-clinic-1:abc", "x", K1)


def test_pseudonymize_rejects_bad_input():
    with pytest.raises(ValueError, match=r"length must be an int in \[8, 64\]"):
        pseudonymize("x", K1, length=4)
    with pytest.raises(ValueError, match="must contain digits to be normalised as US_SSN"):
        pseudonymize("n/a", K1, "US_SSN")
    with pytest.raises(ValueError, match="entity must be None or one of"):
        pseudonymize("x", K1, "SSN")
    with pytest.raises(TypeError, match="key must be a Key or a Keyring"):
        pseudonymize("x", b"secret" * 6)
    with pytest.raises(TypeError, match="value must be a str"):
        pseudonymize(123456789, K1, "US_SSN")


# ----------------------------------------------------------------------------------- tokens
@PROPERTY
@given(ANY_TEXT, ENTITY)
def test_tokens_round_trip_any_string_and_are_deterministic_per_key(value, entity):
    token = tokenize(value, K1, entity)
    assert token.startswith("demo-clinic-1:")
    assert detokenize(token, K1, entity) == value
    assert detokenize(token, Keyring([K1]).rotate(K2), entity) == value  # found by its key id
    assert token == tokenize(value, K1, entity)
    assert token.split(":", 1)[1] != tokenize(value, K2, entity).split(":", 1)[1]


def test_a_token_opens_only_with_its_key_and_entity():
    token = tokenize("123-45-6789", K1, "US_SSN")
    with pytest.raises(ValueError, match="does not open .* as entity 'PHONE_NUMBER'"):
        detokenize(token, K1, "PHONE_NUMBER")
    with pytest.raises(ValueError, match="does not open"):
        detokenize(token, K1)  # untyped is another entity too
    impostor = Key(K1.key_id, b"\x07" * 32)  # same id, other secret
    with pytest.raises(ValueError, match="does not open"):
        detokenize(token, impostor, "US_SSN")
    with pytest.raises(ValueError, match="not with the given key"):
        detokenize(token, K2, "US_SSN")
    key_id, body = token.split(":")
    altered = f"{key_id}:{'A' if body[0] != 'A' else 'B'}{body[1:]}"
    with pytest.raises(ValueError, match="does not open"):
        detokenize(altered, K1, "US_SSN")
    for bad in ("no-colon", "demo-clinic-1:not base64!", "demo-clinic-1:"):
        with pytest.raises(ValueError, match="token"):
            detokenize(bad, K1, "US_SSN")


# ------------------------------------------------------------------------------- encryption
@PROPERTY
@given(ANY_TEXT, ENTITY)
def test_encryption_is_randomised_and_decrypts(value, entity):
    a, b = encrypt(value, K1, entity), encrypt(value, K1, entity)
    assert a != b
    assert decrypt(a, K1, entity) == decrypt(b, Keyring([K1, K2]), entity) == value


def test_ciphertexts_open_only_with_their_key_and_entity():
    c = encrypt("Jane Roe", K1, "EMAIL_ADDRESS")
    with pytest.raises(ValueError, match="does not open"):
        decrypt(c, K1, "US_SSN")
    with pytest.raises(ValueError, match="does not open"):
        decrypt(c, Key(K1.key_id, b"\x07" * 32), "EMAIL_ADDRESS")
    with pytest.raises(ValueError, match="ciphertext must look like"):
        decrypt("garbage", K1)
    with pytest.raises(ValueError, match="ciphertext is too short"):
        decrypt(c[:30], K1, "EMAIL_ADDRESS")
    with pytest.raises(ValueError, match="token is too short"):
        detokenize(c[:30], K1)


# -------------------------------------------------------------------------------- operators
def test_operator_flags_match_what_the_operators_do():
    value = "123-45-6789"
    flags = {
        "mask": (NAMED["mask"], False, False, False),
        "pseudonymize": (pseudonymize_with(K1, "US_SSN"), False, True, True),
        "tokenize": (tokenize_with(K1, "US_SSN"), True, True, True),
        "encrypt": (encrypt_with(K1, "US_SSN"), True, False, True),
    }
    for name, (op, reversible, joinable, keyed) in flags.items():
        assert (op.name, op.reversible, op.joinable, op.keyed) == (name, reversible, joinable, keyed)
        # deterministic operators give equal outputs for equal inputs; encryption does not
        assert (op(value) == op(value)) is op.deterministic
    assert NAMED["mask"]("123-45-6789") == NAMED["mask"]("999-99-6789")  # not joinable: collisions
    assert detokenize(flags["tokenize"][0](value), K1, "US_SSN") == value
    assert decrypt(flags["encrypt"][0](value), K1, "US_SSN") == value


def test_an_operator_bound_to_an_entity_refuses_another():
    op = pseudonymize_with(K1, "US_SSN")
    assert op("123-45-6789") == op("123456789", "US_SSN") == pseudonymize("123-45-6789", K1, "US_SSN")
    with pytest.raises(ValueError, match="is for entity US_SSN, called with PHONE_NUMBER"):
        op("123-45-6789", "PHONE_NUMBER")


def test_as_operator_accepts_names_operators_and_callables_only():
    assert as_operator("redact")("x") == "" and as_operator("keep")("x") == "x"
    op = as_operator(lambda v, e: v[::-1])
    assert isinstance(op, Operator) and op("abc") == "cba" and not op.deterministic
    with pytest.raises(ValueError, match="operator name must be one of mask, redact, replace, keep"):
        as_operator("hash")
    with pytest.raises(TypeError, match="operator must be a name"):
        as_operator(42)
    with pytest.raises(ValueError, match="accepts must be"):
        Operator("x", lambda v, e: v, accepts="image")


# ---------------------------------------------------------------------------- date shifting
def test_offsets_are_nonzero_bounded_keyed_and_spread_over_people():
    offsets = [date_offset(f"p{i}", K1, 30) for i in range(300)]
    assert all(1 <= abs(o) <= 30 for o in offsets)
    assert len(set(offsets)) == 60  # every value of [-30, -1] U [1, 30] occurs among 300 people
    assert offsets != [date_offset(f"p{i}", K2, 30) for i in range(300)]
    assert date_offset(17, K1) == date_offset("17", K1) == date_offset(np.int64(17), K1)


@PROPERTY
@given(st.dates(dt.date(1950, 1, 1), dt.date(2040, 1, 1)), st.dates(dt.date(1950, 1, 1), dt.date(2040, 1, 1)),
       st.text(min_size=1, max_size=10), st.integers(1, 3650))
def test_date_shift_keeps_intervals_within_a_person_and_reverses(a, b, person, max_days):
    sa, sb = shift_date(a, person, K1, max_days), shift_date(b, person, K1, max_days)
    assert sb - sa == b - a and sa != a and abs((sa - a).days) <= max_days
    assert shift_date(sa, person, K1, max_days, reverse=True) == a
    assert shift_date(a.isoformat(), person, K1, max_days) == sa.isoformat()


def test_dates_keep_their_type_and_form():
    offset = dt.timedelta(days=date_offset("p1", K1))
    assert shift_date("2021-03-07", "p1", K1) == (dt.date(2021, 3, 7) + offset).isoformat()
    expected = (dt.datetime(2021, 3, 7, 10, 30) + offset).isoformat()
    assert shift_date("2021-03-07T10:30:00", "p1", K1) == expected
    assert shift_date("2021-03-07 10:30:00", "p1", K1)[10] == " "
    stamp = shift_date(pd.Timestamp("2021-03-07 10:30"), "p1", K1)
    assert isinstance(stamp, pd.Timestamp) and stamp == pd.Timestamp("2021-03-07 10:30") + offset


def test_shift_dates_vectorised_and_elementwise_agree_and_keep_missing_values():
    persons = ["a", "a", "b", "c", "b", None]
    iso = ["2021-03-07", "2021-03-20", "2020-12-31", None, "2021-01-02", None]
    series = pd.Series(pd.to_datetime(iso), index=[10, 11, 12, 13, 14, 15], name="admitted")
    fast = shift_dates(series, persons, K1)
    assert fast.name == "admitted" and list(fast.index) == list(series.index)
    assert fast.isna().tolist() == series.isna().tolist()
    assert list(fast.dt.strftime("%Y-%m-%d").fillna("-")) == [s or "-" for s in shift_dates(iso, persons, K1)]
    assert (fast[11] - fast[10]) == (series[11] - series[10])
    assert shift_dates(fast, persons, K1, reverse=True).equals(series)


def test_shift_dates_rejects_bad_input():
    with pytest.raises(ValueError, match="person_ids is missing where a date is present"):
        shift_dates(["2021-03-07"], [None], K1)
    with pytest.raises(ValueError, match="one id per date"):
        shift_dates(["2021-03-07"], ["a", "b"], K1)
    with pytest.raises(ValueError, match="ISO 8601"):
        shift_dates(["07/03/2021"], ["a"], K1)
    with pytest.raises(TypeError, match="person_id must be a str or an int, got float"):
        shift_date("2021-03-07", 1.0, K1)
    with pytest.raises(ValueError, match=r"max_days must be an int in \[1, 3650\]"):
        date_offset("a", K1, 0)
    with pytest.raises(TypeError, match="a date must be"):
        shift_date(20210307, "a", K1)
    with pytest.raises(TypeError, match="dates must be a pandas Series, list or tuple"):
        shift_dates("2021-03-07", ["a"], K1)


# ---------------------------------------------------------------------------- generalisation
def test_bucket_zip_and_date_generalisation():
    assert [bucket(a, 10) for a in (0, 9, 37, 37.0, -1)] == ["0-9", "0-9", "30-39", "30-39", "-10--1"]
    assert bucket(93, 10, top=90) == "90+" and bucket(89, 10, top=90) == "80-89"
    assert bucket(37.5, 10) == "[30, 40)" and bucket(7, 5, start=1) == "6-10"
    assert truncate_zip("02138") == "021**" and truncate_zip("02138-1234", keep=2) == "02***"
    assert truncate_zip("03601") == "000**" and truncate_zip("03601", keep=5) == "03601"
    assert generalize_date("2021-03-07") == "2021-03"
    assert generalize_date(dt.date(2021, 3, 7), "year") == "2021"


def test_generalisation_rejects_bad_input():
    with pytest.raises(TypeError, match="zip_code must be a str"):
        truncate_zip(2138)
    with pytest.raises(ValueError, match="five digits or ZIP\\+4"):
        truncate_zip("2138")
    with pytest.raises(ValueError, match=r"keep must be an int in \[0, 5\]"):
        truncate_zip("02138", keep=6)
    with pytest.raises(ValueError, match="width must be > 0"):
        bucket(3, 0)
    with pytest.raises(ValueError, match="value must be finite"):
        bucket(float("nan"), 10)
    with pytest.raises(TypeError, match="value must be a real number"):
        bucket(True, 10)
    with pytest.raises(ValueError, match="to must be 'month' or 'year'"):
        generalize_date("2021-03-07", "day")


# ------------------------------------------------------------------------- dictionary attack
def test_unsalted_hashes_fall_to_a_dictionary_attack_and_keyed_pseudonyms_do_not():
    ssns = ["123-01-0042", "123-02-9999", "123-01-5000"]
    candidates = list(ssn_candidates(123, groups=range(1, 3)))
    assert len(candidates) == 2 * 9999 and len(set(candidates)) == len(candidates)
    published = [naive_hash(s) for s in ssns]
    assert dictionary_attack(published, candidates) == dict(zip(published, ssns))

    pseudonyms = [pseudonymize(s, K1) for s in ssns]
    assert dictionary_attack(pseudonyms, candidates) == {}  # SHA-256 guesses do not match
    attackers_key = Key("demo-clinic-1", b"\x42" * 32)  # right id, wrong secret
    assert dictionary_attack(pseudonyms, candidates, lambda c: pseudonymize(c, attackers_key)) == {}
    insider = dictionary_attack(pseudonyms, candidates, lambda c: pseudonymize(c, K1))
    assert sorted(insider.values()) == sorted(ssns)  # with the key it falls: keep the key secret


def test_candidate_generators_and_attack_inputs():
    phones = list(phone_candidates(617, 555))
    assert len(phones) == 10_000 and phones[42] == "617-555-0042"
    assert next(ssn_candidates(1, sep="")) == "001010001"
    with pytest.raises(ValueError, match="666"):
        next(ssn_candidates(666))
    with pytest.raises(ValueError, match="area_code"):
        next(phone_candidates(100, 555))
    with pytest.raises(TypeError, match="not one str"):
        dictionary_attack(naive_hash("x"), ["x"])
    assert dictionary_attack([], ["x"]) == {}
    with pytest.raises(TypeError, match="candidates must all be str"):
        dictionary_attack([naive_hash("1")], [1])
