"""Tests for course_lib.anonymity.diversity: ℓ-diversity and t-closeness on the papers' tables, against
independent computations (scipy's Wasserstein distance, a transport linear program) and as properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.stats import wasserstein_distance

from course_lib.anonymity import CategoricalHierarchy, k_anonymity, l_diversity, t_closeness

# The 4-anonymous inpatient table of Machanavajjhala et al. (2007): the third class is all cancer.
FOUR_ANONYMOUS = pd.DataFrame({
    "zip": ["130**"] * 4 + ["1485*"] * 4 + ["130**"] * 4,
    "age": ["<30"] * 4 + [">=40"] * 4 + ["3*"] * 4,
    "condition": ["heart disease", "heart disease", "viral infection", "viral infection",
                  "cancer", "heart disease", "viral infection", "viral infection",
                  "cancer", "cancer", "cancer", "cancer"],
})
# Its 3-diverse counterpart: every class holds three conditions, one of them twice.
THREE_DIVERSE = pd.DataFrame({
    "zip": ["1305*"] * 4 + ["1485*"] * 4 + ["1306*"] * 4,
    "age": ["<=40"] * 4 + [">40"] * 4 + ["<=40"] * 4,
    "condition": ["heart disease", "viral infection", "cancer", "cancer",
                  "cancer", "heart disease", "viral infection", "viral infection",
                  "heart disease", "viral infection", "cancer", "cancer"],
})
QI = ["zip", "age"]

# The nine patients of Li, Li & Venkatasubramanian (2007): salary 3K..11K and a stomach or
# respiratory disease. Over the whole table every salary has q = 1/9; the diseases have
# q = (gastric ulcer 1, gastritis 2, stomach cancer 2, flu 1, bronchitis 2, pneumonia 1) / 9.
SALARY = [3, 4, 5, 6, 11, 8, 7, 9, 10]
DISEASE = ["gastric ulcer", "gastritis", "stomach cancer", "gastritis", "flu", "bronchitis",
           "bronchitis", "pneumonia", "stomach cancer"]
DISEASES = CategoricalHierarchy({
    "gastric ulcer": ("stomach diseases", "digestive diseases"),
    "gastritis": ("stomach diseases", "digestive diseases"),
    "stomach cancer": ("stomach diseases", "digestive diseases"),
    "colitis": ("colon diseases", "digestive diseases"),
    "flu": ("respiratory infection", "respiratory diseases"),
    "pneumonia": ("respiratory infection", "respiratory diseases"),
    "bronchitis": ("respiratory infection", "respiratory diseases"),
    "pulmonary edema": ("vascular lung diseases", "respiratory diseases"),
})


def salary_table(classes: list[list[int]]) -> pd.DataFrame:
    """The nine patients split into the classes given by record number (1-based)."""
    group = {record: c for c, members in enumerate(classes) for record in members}
    return pd.DataFrame({"group": [group[i + 1] for i in range(9)], "salary": SALARY, "disease": DISEASE})


# 3-diverse but leaky: the first class has the three lowest salaries and only stomach diseases.
LEAKY = salary_table([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
# Shuffled classes: {3K, 5K, 9K}, {6K, 11K, 8K}, {4K, 7K, 10K}.
CLOSE = salary_table([[1, 3, 8], [4, 5, 6], [2, 7, 9]])


def test_l_diversity_of_the_inpatient_tables_by_hand():
    assert k_anonymity(FOUR_ANONYMOUS, QI) == 4
    assert l_diversity(FOUR_ANONYMOUS, QI, "condition") == 1.0  # the homogeneous cancer class
    assert l_diversity(FOUR_ANONYMOUS, QI, "condition", kind="entropy") == pytest.approx(1.0)
    assert l_diversity(THREE_DIVERSE, QI, "condition") == 3.0
    # each class has frequencies (1/4, 1/4, 1/2): H = 1.5 ln 2, exp(H) = 2 sqrt 2 < 3
    assert l_diversity(THREE_DIVERSE, QI, "condition", kind="entropy") == pytest.approx(2 * math.sqrt(2))


def test_ordered_emd_reproduces_li_et_al_salary_example():
    # Class {3K, 4K, 5K}: r = (2, 2, 2, -1, -1, -1, -1, -1, -1)/9, cumulative sums 2,4,6,5,4,3,2,1,0 (/9),
    # EMD = (27/9) / (m - 1) = 3/8 = 0.375.
    assert t_closeness(LEAKY, ["group"], "salary") == pytest.approx(0.375)
    # {3K, 5K, 9K} and {6K, 8K, 11K}: cumulative |sums| add up to 12/9, EMD = 1/6; {4K, 7K, 10K}: 1/12.
    assert t_closeness(CLOSE, ["group"], "salary") == pytest.approx(1 / 6)
    assert t_closeness(CLOSE[CLOSE["group"] != 0], ["group"], "salary") < 1 / 6 + 1e-12
    assert t_closeness(salary_table([[2, 7, 9], [1], [3, 4, 5, 6, 8]]).query("group == 0"),
                       ["group"], "salary") == 0.0  # one class: the table's own distribution


def test_equal_distance_emd_by_hand():
    # {gastric ulcer, stomach cancer, pneumonia}: |p - q| = (2, 2, 1, 1, 2, 2)/9, half the sum = 5/9;
    # {gastritis, flu, bronchitis}: 4/9; {gastritis, bronchitis, stomach cancer}: 3/9.
    assert t_closeness(CLOSE, ["group"], "disease") == pytest.approx(5 / 9)
    assert t_closeness(CLOSE, ["group"], "salary", ordered=False) == pytest.approx(2 / 3)  # disjoint thirds


def test_hierarchical_emd_by_hand():
    # Tree of height 3. {gastric ulcer, gastritis, stomach cancer}: all the surplus 4/9 sits under
    # "digestive diseases" and must cross the root (cost 3/3): EMD = 4/9.
    assert t_closeness(LEAKY, ["group"], "disease", hierarchy=DISEASES) == pytest.approx(4 / 9)
    # {gastritis, flu, bronchitis}: 1/27 inside "stomach diseases", 1/27 inside "respiratory infection",
    # 2/9 across the root: 8/27; the other two classes cost 7/27 and 5/27. (Li et al. print 0.278
    # for their Table 5; with nine records every hierarchical EMD on this tree is a multiple of
    # 1/27, and 0.278 = 7.5/27 is not one.)
    assert t_closeness(CLOSE, ["group"], "disease", hierarchy=DISEASES) == pytest.approx(8 / 27)


def _lp_emd(p: np.ndarray, q: np.ndarray, distance: np.ndarray) -> float:
    """Earth mover's distance as the transport linear program min sum f_ij d_ij."""
    m = len(p)
    a_eq = np.vstack([np.kron(np.eye(m), np.ones(m)), np.kron(np.ones(m), np.eye(m))])
    res = linprog(distance.ravel(), A_eq=a_eq, b_eq=np.concatenate([p, q]), bounds=(0, None), method="highs")
    return float(res.fun)


def _tree_distance(leaves: list[str]) -> np.ndarray:
    """Ground distance of Li et al.: height of the lowest common ancestor / height of the tree (3)."""
    def lca_height(a: str, b: str) -> int:
        pa, pb = (a, *DISEASES.mapping[a]), (b, *DISEASES.mapping[b])
        return next((h for h in range(3) if pa[h] == pb[h]), 3)
    return np.array([[lca_height(a, b) / 3 for b in leaves] for a in leaves])


def _class_emds(df: pd.DataFrame) -> list[float]:
    present = sorted(df["disease"].unique())
    distance = _tree_distance(present)
    q = df["disease"].value_counts(normalize=True).reindex(present).to_numpy()
    return [_lp_emd(g["disease"].value_counts(normalize=True).reindex(present, fill_value=0).to_numpy(),
                    q, distance) for _, g in df.groupby("group")]


def test_hand_computed_hierarchical_emds_match_the_transport_linear_program():
    assert _class_emds(CLOSE) == pytest.approx([7 / 27, 8 / 27, 5 / 27], abs=1e-9)
    assert _class_emds(LEAKY)[0] == pytest.approx(4 / 9, abs=1e-9)


def test_hierarchical_emd_matches_the_transport_linear_program():
    leaves = list(DISEASES.mapping)
    rng = np.random.default_rng(0)
    for _ in range(5):
        df = pd.DataFrame({"group": rng.integers(0, 3, size=40), "disease": rng.choice(leaves, size=40)})
        expected = max(_class_emds(df))
        assert t_closeness(df, ["group"], "disease", hierarchy=DISEASES) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 3), min_size=n, max_size=n),
    st.lists(st.integers(0, 6), min_size=n, max_size=n))))
def test_ordered_emd_is_scaled_wasserstein_distance_on_ranks(columns):
    df = pd.DataFrame({"group": columns[0], "value": columns[1]})
    values = np.sort(df["value"].unique())
    if len(values) < 2:
        assert t_closeness(df, ["group"], "value") == 0.0
        return
    rank = np.searchsorted(values, df["value"])
    largest = max(wasserstein_distance(rank[g.index], rank) for _, g in df.groupby("group"))
    expected = largest / (len(values) - 1)
    assert t_closeness(df, ["group"], "value") == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 4), min_size=n, max_size=n),
    st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))))
def test_diversity_properties(columns):
    df = pd.DataFrame({"group": columns[0], "s": columns[1]})
    distinct = l_diversity(df, ["group"], "s")
    entropy = l_diversity(df, ["group"], "s", kind="entropy")
    assert distinct >= entropy - 1e-9 and entropy >= 1.0 - 1e-9
    assert distinct.is_integer()
    t = t_closeness(df, ["group"], "s")
    assert 0.0 <= t <= 1.0
    assert t_closeness(df.assign(group=0), ["group"], "s") == pytest.approx(0.0, abs=1e-12)


def test_missing_sensitive_values_count_as_a_value_but_cannot_be_ordered():
    df = pd.DataFrame({"g": [0, 0, 1, 1], "s": ["HIV", None, "flu", "flu"], "x": [1.0, np.nan, 2.0, 3.0]})
    assert l_diversity(df, ["g"], "s") == 1.0  # {HIV, missing} has two values, {flu, flu} one
    assert l_diversity(df.iloc[:2], ["g"], "s") == 2.0
    assert t_closeness(df, ["g"], "s") == pytest.approx(0.5)
    with pytest.raises(ValueError, match="missing sensitive value"):
        t_closeness(df, ["g"], "x")
    assert t_closeness(df, ["g"], "x", ordered=False) == pytest.approx(0.5)


def test_explicit_order_and_ordered_categoricals():
    df = pd.DataFrame({"g": [0, 0, 1, 1], "level": ["low", "low", "mid", "high"]})
    # order low < mid < high: p0 = (1, 0, 0), q = (1/2, 1/4, 1/4): cumulative 1/2, 1/4, 0 -> (3/4) / 2
    assert t_closeness(df, ["g"], "level", ordered=["low", "mid", "high"]) == pytest.approx(3 / 8)
    cat = df.assign(level=pd.Categorical(df["level"], categories=["low", "mid", "high"], ordered=True))
    assert t_closeness(cat, ["g"], "level") == pytest.approx(3 / 8)
    assert t_closeness(df, ["g"], "level") == pytest.approx(0.5)  # unordered strings: equal distance
    with pytest.raises(ValueError, match="ordered lacks"):
        t_closeness(df, ["g"], "level", ordered=["low", "high"])
    with pytest.raises(ValueError, match="ordered=True needs"):
        t_closeness(df, ["g"], "level", ordered=True)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: l_diversity(THREE_DIVERSE, QI, "condition", kind="recursive"), ValueError, "kind must be"),
    (lambda: l_diversity(THREE_DIVERSE, QI, "diagnosis"), ValueError, "sensitive='diagnosis' is not a"),
    (lambda: l_diversity(THREE_DIVERSE, QI, "zip"), ValueError, "also a quasi-identifier"),
    (lambda: l_diversity(THREE_DIVERSE, QI, ["condition"]), TypeError, "sensitive must be a column name"),
    (lambda: t_closeness(THREE_DIVERSE.iloc[:0], QI, "condition"), ValueError, "at least one row"),
    (lambda: t_closeness(LEAKY, ["group"], "disease", hierarchy={"flu": ()}), TypeError, "Categorical"),
    (lambda: t_closeness(LEAKY, ["group"], "disease", hierarchy=CategoricalHierarchy.flat(["flu"])),
     ValueError, "hierarchy lacks"),
    (lambda: t_closeness(LEAKY, ["group"], "disease", hierarchy=DISEASES, ordered=True),
     ValueError, "not both"),
    (lambda: t_closeness(LEAKY, ["group"], "salary", ordered="yes"), TypeError, "ordered must be"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
