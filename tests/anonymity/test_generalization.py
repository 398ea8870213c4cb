"""Tests for course_lib.anonymity.hierarchy and .generalization: levels, the lattice, suppression, loss
metrics and the search for the best k-anonymous (ℓ-diverse) release."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.anonymity import (
    CategoricalHierarchy,
    DateHierarchy,
    IntervalHierarchy,
    PrefixHierarchy,
    anonymize_k,
    discernibility,
    generalize,
    k_anonymity,
    l_diversity,
    lattice,
    precision_loss,
    suppress,
)
from course_lib.data.people import DIAGNOSIS_CATEGORY

AGE = IntervalHierarchy((5, 10, 20))
ZIP = PrefixHierarchy()
DOB = DateHierarchy()
SEX = CategoricalHierarchy.flat(["F", "M"])
DIAGNOSIS = CategoricalHierarchy.from_parents(DIAGNOSIS_CATEGORY)


# ------------------------------------------------------------------------------ hierarchies
def test_interval_bands():
    ages = pd.Series([0, 4, 5, 37, 39.5, np.nan, 99], name="age")
    assert AGE.height == 4 and AGE.level_names() == ("value", "width 5", "width 10", "width 20", "*")
    assert AGE.generalize(ages, 0).equals(ages)
    assert AGE.generalize(ages, 1).tolist()[:5] == ["[0, 5)", "[0, 5)", "[5, 10)", "[35, 40)", "[35, 40)"]
    assert AGE.generalize(ages, 2).iloc[3] == "[30, 40)" and AGE.generalize(ages, 3).iloc[3] == "[20, 40)"
    assert pd.isna(AGE.generalize(ages, 2).iloc[5])  # missing stays missing below the top
    assert set(AGE.generalize(ages, 4)) == {"*"}
    assert IntervalHierarchy((10,), origin=5).generalize(pd.Series([4, 5, 14]), 1).tolist() == \
        ["[-5, 5)", "[5, 15)", "[5, 15)"]


def test_zip_prefixes_keep_leading_zeros():
    zips = pd.Series(["02138", "02139", "10001", None], name="zip")
    assert ZIP.height == 5
    assert ZIP.generalize(zips, 1).tolist()[:3] == ["0213*", "0213*", "1000*"]
    assert ZIP.generalize(zips, 3).tolist()[:3] == ["02***", "02***", "10***"]
    assert ZIP.generalize(zips, 5).tolist() == ["*****"] * 4
    assert pd.isna(ZIP.generalize(zips, 2).iloc[3])
    categorical = pd.Series(pd.Categorical(["02138", None, "10001"]), name="zip")
    assert ZIP.generalize(categorical, 4).tolist()[::2] == ["0****", "1****"]
    with pytest.raises(TypeError, match="leading zeros"):
        ZIP.generalize(pd.Series([2138, 10001], name="zip"), 1)
    with pytest.raises(ValueError, match="exactly 5 characters"):
        ZIP.generalize(pd.Series(["2138"], name="zip"), 1)


def test_dates_and_categories():
    dob = pd.Series(pd.to_datetime(["1965-03-12", "1971-12-31", None]), name="dob")
    assert [DOB.generalize(dob, lv).iloc[0] for lv in (1, 2, 3, 4)] == ["1965-03", "1965", "1960s", "*"]
    assert DOB.generalize(dob, 3).iloc[1] == "1970s" and pd.isna(DOB.generalize(dob, 1).iloc[2])
    assert DateHierarchy(("year",)).height == 2
    dx = pd.Series(["HIV", "flu", "cancer", None], name="diagnosis")
    assert DIAGNOSIS.generalize(dx, 1).tolist()[:3] == ["infectious", "infectious", "oncology"]
    assert DIAGNOSIS.generalize(dx, 2).tolist() == ["*"] * 4
    assert SEX.generalize(pd.Series(["F", "M"]), 1).tolist() == ["*", "*"]
    two_levels = CategoricalHierarchy.from_parents({"flu": "infectious", "back pain": "injury"},
                                                   {"infectious": "disease", "injury": "disease"})
    assert two_levels.height == 3 and two_levels.mapping["flu"] == ("infectious", "disease")
    with pytest.raises(ValueError, match="missing from the hierarchy"):
        DIAGNOSIS.generalize(pd.Series(["flu", "gout"], name="diagnosis"), 1)


def test_a_generalizer_is_a_level_of_a_hierarchy():
    g = ZIP.at(2)
    assert g(pd.Series(["02138"])).tolist() == ["021**"]
    with pytest.raises(ValueError, match="level must be in 0..5"):
        ZIP.at(6)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: IntervalHierarchy((10, 5)), ValueError, "whole multiple"),
    (lambda: IntervalHierarchy((5, 12)), ValueError, "whole multiple"),
    (lambda: IntervalHierarchy((0,)), ValueError, "widths must be finite numbers > 0"),
    (lambda: IntervalHierarchy(()), TypeError, "widths"),
    (lambda: IntervalHierarchy((5,), origin=float("inf")), ValueError, "origin"),
    (lambda: AGE.generalize(pd.Series(["30"]), 1), TypeError, "numeric"),
    (lambda: AGE.generalize(pd.Series([1.0, np.inf]), 1), ValueError, "infinite"),
    (lambda: AGE.generalize([30], 1), TypeError, "pandas Series"),
    (lambda: AGE.generalize(pd.Series([30]), 5), ValueError, "level must be in 0..4"),
    (lambda: AGE.generalize(pd.Series([30]), -1), ValueError, "level must be an int >= 0"),
    (lambda: PrefixHierarchy(0), ValueError, "length"),
    (lambda: PrefixHierarchy(mask="##"), ValueError, "mask"),
    (lambda: DateHierarchy(("year", "month")), ValueError, "in that order"),
    (lambda: DateHierarchy(("week",)), ValueError, "steps"),
    (lambda: DOB.generalize(pd.Series(["1965-03-12"]), 1), TypeError, "pd.to_datetime"),
    (lambda: CategoricalHierarchy({"a": ("x",), "b": ()}), ValueError, "same number of ancestors"),
    (lambda: CategoricalHierarchy({"a": ("x", "p"), "b": ("x", "q")}), ValueError, "two parents"),
    (lambda: CategoricalHierarchy({}), TypeError, "non-empty dict"),
    (lambda: CategoricalHierarchy({"a": "x"}), TypeError, "tuple of ancestors"),
    (lambda: CategoricalHierarchy.from_parents({"flu": "infectious"}, {"injury": "disease"}),
     ValueError, "lacks 'infectious'"),
])
def test_bad_hierarchies_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------- lattice, suppression
PEOPLE = pd.DataFrame({
    "age": [21, 23, 27, 34, 36, 38, 45, 47, 52, 58],
    "zip": ["02138", "02139", "02139", "02141", "02141", "02142", "02138", "02139", "02141", "02142"],
    "sex": ["F", "M", "F", "M", "M", "F", "F", "M", "F", "M"],
    "disease": ["flu", "HIV", "flu", "cancer", "flu", "HIV", "flu", "cancer", "cancer", "flu"],
})
HIERARCHIES = {"age": AGE, "zip": ZIP, "sex": SEX}
QI = ["age", "zip", "sex"]


def test_lattice_enumerates_every_node_lowest_first():
    nodes = list(lattice(HIERARCHIES))
    assert len(nodes) == 5 * 6 * 2
    assert nodes[0] == {"age": 0, "zip": 0, "sex": 0} and nodes[-1] == {"age": 4, "zip": 5, "sex": 1}
    heights = [sum(n.values()) for n in nodes]
    assert heights == sorted(heights)
    assert len({tuple(n.values()) for n in nodes}) == len(nodes)


def test_generalize_and_suppress():
    out = generalize(PEOPLE, HIERARCHIES, {"age": 2, "zip": 3})
    assert out["age"].iloc[0] == "[20, 30)" and out["zip"].iloc[0] == "02***"
    assert out["sex"].equals(PEOPLE["sex"]) and PEOPLE["age"].iloc[0] == 21  # input untouched
    kept, n = suppress(out, QI, 2)
    assert n == int((out.groupby(QI, dropna=False)["disease"].transform("size") < 2).sum()) > 0
    assert k_anonymity(kept, QI) >= 2 and len(kept) + n == len(PEOPLE)
    assert suppress(PEOPLE, QI, 1)[1] == 0
    assert suppress(PEOPLE, QI, 11)[1] == 10
    with pytest.raises(ValueError, match="no hierarchy"):
        generalize(PEOPLE, HIERARCHIES, {"disease": 1})
    with pytest.raises(ValueError, match=r"levels\['zip'\] must be in 0..5"):
        generalize(PEOPLE, HIERARCHIES, {"zip": 9})
    with pytest.raises(ValueError, match="lacks"):
        generalize(PEOPLE.drop(columns="sex"), HIERARCHIES, {"zip": 1})


def test_information_loss_by_hand():
    # levels age 2/4, zip 3/5, sex 0/1: per record (0.5 + 0.6 + 0) / 3; one of 10 suppressed counts 1
    assert precision_loss({"age": 2, "zip": 3}, HIERARCHIES, 10) == pytest.approx(1.1 / 3)
    assert precision_loss({"age": 2, "zip": 3}, HIERARCHIES, 10, 1) == pytest.approx((9 * 1.1 / 3 + 1) / 10)
    df = pd.DataFrame({"x": ["a", "a", "a", "b", "b"]})
    assert discernibility(df, ["x"]) == 9 + 4
    assert discernibility(df, ["x"], n_suppressed=2) == 13 + 2 * 7
    with pytest.raises(ValueError, match="n_suppressed must be at most"):
        precision_loss({}, HIERARCHIES, 3, 4)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 30).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 90), min_size=n, max_size=n),
    st.lists(st.sampled_from(["02138", "02139", "02141", "10001", None]), min_size=n, max_size=n),
    st.lists(st.sampled_from(["F", "M"]), min_size=n, max_size=n))))
def test_k_never_decreases_up_the_lattice(columns):
    df = pd.DataFrame({"age": columns[0], "zip": columns[1], "sex": columns[2]})
    k_at = {tuple(node.values()): k_anonymity(generalize(df, HIERARCHIES, node), QI)
            for node in lattice(HIERARCHIES)}
    for node, k in k_at.items():
        for i in range(3):  # one step up in one attribute
            up = tuple(v + (j == i) for j, v in enumerate(node))
            if up in k_at:
                assert k_at[up] >= k
    assert k_at[(4, 5, 1)] == len(df)  # the top node is one class
    for k in (2, 3):
        kept, n = suppress(df, QI, k)
        assert len(kept) == 0 or k_anonymity(kept, QI) >= k


# ------------------------------------------------------------------------------- anonymize_k
def _brute_force(df, k, allowed, sensitive=None, l=None):  # noqa: E741
    """Every node with its suppression count, recomputed directly with pandas."""
    result = {}
    for levels in itertools.product(*(range(HIERARCHIES[c].height + 1) for c in QI)):
        node = dict(zip(QI, levels))
        g = generalize(df, HIERARCHIES, node)
        groups = g.groupby(QI, dropna=False)
        bad = groups[QI[0]].transform("size") < k
        if l is not None:
            bad |= groups[sensitive].transform("nunique") < l
        if bad.sum() <= allowed and bad.sum() < len(df):
            result[levels] = int(bad.sum())
    return result


@pytest.mark.parametrize(("k", "max_suppression", "l"), [(2, 0.0, None), (2, 0.2, None), (3, 0.1, None),
                                                         (2, 0.1, 2), (3, 0.3, 2)])
def test_anonymize_k_finds_the_least_lossy_qualifying_node(k, max_suppression, l):  # noqa: E741
    sensitive = "disease" if l is not None else None
    release, report = anonymize_k(PEOPLE, QI, HIERARCHIES, k, max_suppression, sensitive=sensitive, l=l)
    expected = _brute_force(PEOPLE, k, int(max_suppression * len(PEOPLE)), sensitive, l)
    assert report.n_satisfying == len(expected) and report.nodes_checked == 60
    chosen = tuple(report.levels[c] for c in QI)
    assert chosen in expected and report.n_suppressed == expected[chosen]
    losses = {node: precision_loss(dict(zip(QI, node)), HIERARCHIES, 10, n) for node, n in expected.items()}
    assert report.precision_loss == pytest.approx(min(losses.values()))
    minimal = {node for node in expected
               if not any(other != node and all(a <= b for a, b in zip(other, node)) for other in expected)}
    assert {tuple(m[c] for c in QI) for m in report.minimal_nodes} == minimal
    assert len(release) == 10 - report.n_suppressed and release.index.isin(PEOPLE.index).all()
    assert k_anonymity(release, QI) == report.achieved_k >= k
    if l is not None:
        assert l_diversity(release, QI, "disease") == report.achieved_l >= l
    assert report.suppression_rate <= max_suppression
    regeneralized = generalize(PEOPLE.loc[release.index], HIERARCHIES, report.levels)
    pd.testing.assert_frame_equal(release, regeneralized)
    assert {c: g.level for c, g in report.generalizers.items()} == report.levels


def test_anonymize_k_by_discernibility_and_when_impossible():
    release, report = anonymize_k(PEOPLE, QI, HIERARCHIES, 2, 0.2, metric="discernibility")
    expected = _brute_force(PEOPLE, 2, 2)
    dms = {node: discernibility(generalize(PEOPLE, HIERARCHIES, dict(zip(QI, node))).pipe(
        lambda g: suppress(g, QI, 2)[0]), QI, n) for node, n in expected.items()}
    assert report.discernibility == min(dms.values())
    assert discernibility(release, QI, report.n_suppressed) == report.discernibility
    with pytest.raises(ValueError, match="no generalisation reaches k=11"):
        anonymize_k(PEOPLE, QI, HIERARCHIES, 11)
    with pytest.raises(ValueError, match="l=4 distinct values"):
        anonymize_k(PEOPLE, QI, HIERARCHIES, 2, sensitive="disease", l=4)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"k": 0}, ValueError, "k must be an int >= 1"),
    ({"k": 2.0}, TypeError, "k must be an int"),
    ({"k": 2, "max_suppression": 1.5}, ValueError, "max_suppression must be in"),
    ({"k": 2, "metric": "entropy"}, ValueError, "metric must be one of"),
    ({"k": 2, "l": 2}, ValueError, "sensitive and l together"),
    ({"k": 2, "sensitive": "disease", "l": 0}, ValueError, "l must be an int >= 1"),
    ({"k": 2, "hierarchies": {"age": AGE, "zip": ZIP}}, ValueError, r"missing \['sex'\]"),
    ({"k": 2, "hierarchies": {**HIERARCHIES, "disease": DIAGNOSIS}}, ValueError, r"extra \['disease'\]"),
    ({"k": 2, "hierarchies": {"age": AGE, "zip": ZIP, "sex": "flat"}}, TypeError, "must be a Hierarchy"),
])
def test_anonymize_k_rejects_bad_arguments(kwargs, error, match):
    kwargs = {"hierarchies": HIERARCHIES, **kwargs}
    with pytest.raises(error, match=match):
        anonymize_k(PEOPLE, QI, **kwargs)
