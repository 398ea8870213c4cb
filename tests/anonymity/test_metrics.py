"""Tests for course_lib.anonymity.metrics: classes, uniqueness, k-anonymity and risk on hand-checked
tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.anonymity import (
    class_sizes,
    equivalence_classes,
    journalist_risk,
    k_anonymity,
    marketer_risk,
    prosecutor_risk,
    record_risk,
    uniqueness,
)

# Classes on (zip, age): {02138, 30} x3, {02138, 40} x2, {02139, 30} x1  -> sizes 3, 3, 3, 2, 2, 1
TABLE = pd.DataFrame({
    "zip": ["02138", "02138", "02138", "02138", "02138", "02139"],
    "age": [30, 30, 30, 40, 40, 30],
    "disease": ["flu", "HIV", "flu", "cancer", "cancer", "flu"],
})
QI = ["zip", "age"]


def test_classes_and_sizes_by_hand():
    classes = equivalence_classes(TABLE, QI)
    assert classes["size"].tolist() == [1, 2, 3]
    assert classes.iloc[0][["zip", "age"]].tolist() == ["02139", 30]
    assert class_sizes(TABLE, QI).tolist() == [3, 3, 3, 2, 2, 1]
    assert uniqueness(TABLE, QI) == pytest.approx(1 / 6)
    assert k_anonymity(TABLE, QI) == 1
    assert k_anonymity(TABLE, ["zip"]) == 1 and k_anonymity(TABLE, ["age"]) == 2
    assert uniqueness(TABLE, ["age"]) == 0.0


def test_missing_values_form_a_class_of_their_own():
    df = pd.DataFrame({"zip": ["02138", None, None, "02138", np.nan], "sex": ["F", "F", "F", "F", "F"]})
    # None and NaN are both "missing": three rows, one class, not dropped as pandas' groupby would
    assert class_sizes(df, ["zip", "sex"]).tolist() == [2, 3, 3, 2, 3]
    assert k_anonymity(df, ["zip", "sex"]) == 2 and uniqueness(df, ["zip", "sex"]) == 0.0
    assert equivalence_classes(df, ["zip", "sex"])["size"].sum() == 5
    ages = pd.DataFrame({"age": [30.0, np.nan, 30.0]})
    assert k_anonymity(ages, ["age"]) == 1  # the lone missing age is unique, and visible as such


def test_categorical_and_datetime_quasi_identifiers():
    df = pd.DataFrame({"sex": pd.Categorical(["F", "M", "F", None], categories=["F", "M", "X"]),
                       "dob": pd.to_datetime(["1965-03-12", "1965-03-12", "1965-03-12", "1970-01-01"])})
    assert class_sizes(df, ["sex", "dob"]).tolist() == [2, 1, 2, 1]
    assert equivalence_classes(df, ["sex"])["size"].tolist() == [1, 1, 2]  # no empty class for unused "X"


def test_prosecutor_journalist_and_marketer_risk_by_hand():
    risk = prosecutor_risk(TABLE, QI)
    assert risk.highest == 1.0 and risk.n_at_highest == 1 and risk.n_records == 6
    assert risk.mean == pytest.approx(3 / 6)  # number of classes / n
    assert record_risk(TABLE, QI).tolist() == pytest.approx([1 / 3] * 3 + [1 / 2] * 2 + [1])
    population = pd.concat([TABLE, TABLE, TABLE.iloc[:3]], ignore_index=True)  # class sizes 9, 4, 2
    journalist = journalist_risk(TABLE, QI, population)
    assert journalist.highest == pytest.approx(1 / 2)
    assert journalist.mean == pytest.approx((3 / 9 + 2 / 4 + 1 / 2) / 6)
    assert marketer_risk(TABLE, QI) == pytest.approx(risk.mean)
    assert marketer_risk(TABLE, QI, population) == pytest.approx(journalist.mean)
    with pytest.raises(ValueError, match="superset"):
        journalist_risk(TABLE, QI, TABLE.iloc[:3])


small_tables = st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 3), min_size=n, max_size=n),
    st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n)))


@settings(max_examples=60, deadline=None)
@given(small_tables)
def test_uniqueness_is_zero_exactly_when_k_is_at_least_two(columns):
    df = pd.DataFrame({"x": columns[0], "y": columns[1]})
    u, k = uniqueness(df, ["x", "y"]), k_anonymity(df, ["x", "y"])
    assert 0.0 <= u <= 1.0
    assert (u == 0.0) == (k >= 2)
    assert k == equivalence_classes(df, ["x", "y"])["size"].min()
    assert prosecutor_risk(df, ["x", "y"]).highest == pytest.approx(1 / k)
    assert equivalence_classes(df, ["x", "y"])["size"].sum() == len(df)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: k_anonymity(TABLE.iloc[:0], QI), ValueError, "at least one row"),
    (lambda: uniqueness(TABLE, []), ValueError, "at least one column"),
    (lambda: k_anonymity(TABLE, ["zip", "postcode"]), ValueError, r"\['postcode'\] are not columns"),
    (lambda: k_anonymity(TABLE, "zip"), TypeError, "list of column names"),
    (lambda: k_anonymity(TABLE, ["zip", "zip"]), ValueError, "distinct"),
    (lambda: k_anonymity(TABLE.to_numpy(), QI), TypeError, "DataFrame"),
    (lambda: equivalence_classes(TABLE.rename(columns={"age": "size"}), ["zip", "size"]), ValueError, "size"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
