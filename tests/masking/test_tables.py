"""Tests for course_lib.masking.tables: joins survive keyed pseudonyms, missing cells stay missing,
numbers are refused rather than guessed at, and the input table is never modified."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.masking.date_shift import shift_dates_with
from course_lib.masking.generalize import bucket_with, generalize_date_with, truncate_zip_with
from course_lib.masking.keys import Keyring, demo_key
from course_lib.masking.operators import (
    decrypt,
    encrypt_with,
    pseudonymize,
    pseudonymize_with,
    replace_with,
    tokenize_with,
)
from course_lib.masking.tables import mask_column, mask_table

PROPERTY = settings(max_examples=30, deadline=None)
K1, K2 = demo_key("hospital", 1), demo_key("hospital", 2)


def ssns(rng: np.random.Generator, n: int) -> list[str]:
    area, group, serial = rng.integers(1, 900, n), rng.integers(1, 100, n), rng.integers(1, 10000, n)
    return [f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(area, group, serial)]


def patients_and_visits(seed: int, n: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    people = ssns(rng, n)
    patients = pd.DataFrame({"ssn": people, "age": rng.integers(0, 100, n),
                             "zip": [f"{z:05d}" for z in rng.integers(0, 100000, n)]})
    visits = pd.DataFrame({"ssn": [people[i] for i in rng.integers(0, n, 3 * n)] + ssns(rng, 5),
                           "ward": rng.choice(["A", "B", "ICU"], 3 * n + 5)})
    return patients, visits


@PROPERTY
@given(st.integers(0, 10**6))
def test_pseudonymising_both_tables_with_one_key_keeps_the_join(seed):
    patients, visits = patients_and_visits(seed)
    original = visits.merge(patients, on="ssn")
    op = pseudonymize_with(K1, "US_SSN")
    masked = mask_table(visits, {"ssn": op}).merge(mask_table(patients, {"ssn": op}), on="ssn")
    assert len(masked) == len(original) > 0
    expected = original.assign(ssn=[pseudonymize(s, K1, "US_SSN") for s in original["ssn"]])
    pd.testing.assert_frame_equal(masked.reset_index(drop=True), expected.reset_index(drop=True))


def test_different_or_rotated_keys_break_the_join():
    patients, visits = patients_and_visits(0)
    ring = Keyring([K1])
    old = mask_table(patients, {"ssn": pseudonymize_with(ring, "US_SSN")})
    for other in (K2, ring.rotate(K2)):
        new = mask_table(visits, {"ssn": pseudonymize_with(other, "US_SSN")})
        assert new.merge(old, on="ssn").empty
    tokens = mask_table(visits, {"ssn": tokenize_with(K1, "US_SSN")})
    assert len(tokens.merge(mask_table(patients, {"ssn": tokenize_with(K1, "US_SSN")}), on="ssn")) == len(
        visits.merge(patients, on="ssn"))


def test_encrypted_columns_cannot_be_joined_or_counted_but_decrypt():
    visits = pd.DataFrame({"ssn": ["123-45-6789"] * 5})
    out = mask_table(visits, {"ssn": encrypt_with(K1, "US_SSN")})
    assert out["ssn"].nunique() == 5
    assert {decrypt(c, K1, "US_SSN") for c in out["ssn"]} == {"123-45-6789"}


def test_missing_cells_stay_missing_and_are_never_pseudonymised():
    df = pd.DataFrame({"ssn": ["123-45-6789", None, np.nan, pd.NA, "987-65-4321"],
                       "age": [37, np.nan, 50, None, 91]})
    out = mask_table(df, {"ssn": pseudonymize_with(K1, "US_SSN"), "age": bucket_with(10, top=90)})
    assert out["ssn"].isna().tolist() == df["ssn"].isna().tolist()
    assert out["ssn"][1] is None and np.isnan(out["ssn"][2]) and out["ssn"][3] is pd.NA
    assert pseudonymize("nan", K1) not in set(out["ssn"]) and pseudonymize("None", K1) not in set(out["ssn"])
    assert out["age"].tolist()[::2] == ["30-39", "50-59", "90+"] and out["age"].isna().sum() == 2


def test_the_input_table_is_not_modified():
    patients, _ = patients_and_visits(1)
    before = patients.copy(deep=True)
    out = mask_table(patients, {"ssn": "mask", "age": bucket_with(10), "zip": truncate_zip_with()})
    pd.testing.assert_frame_equal(patients, before)
    assert list(out.columns) == list(patients.columns) and out.index.equals(patients.index)
    assert (out["ssn"].str[:7] == "***-**-").all() and out["zip"].str.endswith("**").all()


def test_numbers_in_text_columns_are_refused_with_the_column_named():
    df = pd.DataFrame({"ssn": [123456789, 12345678], "zip": ["02138", 2138], "age": ["37", "40"]})
    with pytest.raises(TypeError, match=r"column 'ssn': operator 'pseudonymize' needs str cells, got int64"):
        mask_table(df, {"ssn": pseudonymize_with(K1, "US_SSN")})
    with pytest.raises(TypeError, match=r"column 'zip'.* got int at row 1.*zfill"):
        mask_table(df, {"zip": truncate_zip_with()})
    with pytest.raises(TypeError, match=r"column 'age': operator 'bucket' needs real numbers"):
        mask_table(df, {"age": bucket_with(10)})


def test_operator_errors_name_the_column():
    df = pd.DataFrame({"ssn": ["n/a"], "zip": ["2138"]})
    with pytest.raises(ValueError, match="column 'ssn': value must contain digits"):
        mask_table(df, {"ssn": pseudonymize_with(K1, "US_SSN")})
    with pytest.raises(ValueError, match="column 'zip': zip_code must be five digits"):
        mask_table(df, {"zip": truncate_zip_with()})
    with pytest.raises(ValueError, match="column 'zip': replace needs an entity or a label"):
        mask_table(df, {"zip": "replace"})
    assert mask_table(df, {"zip": replace_with(label="ZIP")})["zip"].tolist() == ["<ZIP>"]


def test_missing_columns_and_bad_arguments():
    df = pd.DataFrame({"ssn": ["123-45-6789"]})
    with pytest.raises(ValueError, match=r"column 'mrn' is not in the table \(columns: \['ssn'\]\)"):
        mask_table(df, {"mrn": "mask"})
    assert mask_table(df, {"mrn": "mask"}, on_missing="ignore").equals(df)
    with pytest.raises(ValueError, match="on_missing must be 'error' or 'ignore'"):
        mask_table(df, {}, on_missing="skip")
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        mask_table(df.to_dict(), {"ssn": "mask"})
    with pytest.raises(TypeError, match="columns must be a dict"):
        mask_table(df, ["ssn"])
    with pytest.raises(ValueError, match="duplicate column names"):
        mask_table(pd.concat([df, df], axis=1), {"ssn": "mask"})
    with pytest.raises(ValueError, match="reads the column 'patient_id', which is not in the table"):
        mask_table(df, {"ssn": shift_dates_with(K1, by="patient_id")})


def test_an_empty_table_gives_an_empty_table():
    df = pd.DataFrame({"ssn": pd.Series([], dtype=object), "age": pd.Series([], dtype=int)})
    out = mask_table(df, {"ssn": pseudonymize_with(K1, "US_SSN"), "age": bucket_with(10)})
    assert out.empty and list(out.columns) == ["ssn", "age"]


def test_date_columns_shift_per_patient_using_the_unmasked_ids():
    df = pd.DataFrame({
        "patient_id": ["p1", "p1", "p2", "p2", "p3"],
        "admitted": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-01-01", None, "2021-03-05"]),
        "discharged": pd.to_datetime(["2021-01-04", "2021-02-11", "2021-01-09", "2021-05-05", None]),
    })
    out = mask_table(df, {"patient_id": pseudonymize_with(K1),
                          "admitted": shift_dates_with(K1, by="patient_id"),
                          "discharged": shift_dates_with(K1, by="patient_id")})
    stay = out["discharged"] - out["admitted"]
    assert stay.equals(df["discharged"] - df["admitted"])  # lengths of stay kept, NaT stays NaT
    assert out["admitted"][0] != out["admitted"][2]  # same calendar day, different patients
    assert out["admitted"].dtype == df["admitted"].dtype
    months = mask_table(df, {"admitted": generalize_date_with("month")})["admitted"]
    assert months.tolist()[:3] == ["2021-01", "2021-02", "2021-01"] and months.isna()[3]


def test_a_column_computed_per_distinct_value_equals_one_computed_per_cell():
    rng = np.random.default_rng(3)
    values = pd.Series(rng.choice(ssns(rng, 20), 200), index=rng.permutation(200), name="ssn")
    op = pseudonymize_with(K1, "US_SSN")
    out = mask_column(values, op)
    assert out.index.equals(values.index) and out.name == "ssn"
    assert out.tolist() == [op(v) for v in values]
    with pytest.raises(TypeError, match="values must be a pandas Series"):
        mask_column(list(values), op)
    with pytest.raises(ValueError, match="needs the column 'patient_id'"):
        mask_column(values, shift_dates_with(K1, by="patient_id"))
