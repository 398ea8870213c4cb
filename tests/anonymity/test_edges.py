"""Adversarial edges of course_lib.anonymity: a size cap on the generalisation lattice, and interval
labels that are exact (every value lies inside its printed label, different bands never share one,
levels nest exactly)."""

from __future__ import annotations

import itertools
import math
import sys
import time
import tracemalloc
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib._intervals import decimal_param, edge_text, first_float_at_or_above
from course_lib.anonymity import (
    CategoricalHierarchy,
    IntervalHierarchy,
    PrefixHierarchy,
    anonymize_k,
    lattice,
)
from course_lib.anonymity.generalization import MAX_NODES

# ------------------------------------------------------------------------------ the lattice cap


def _prefixes(n_columns: int, length: int = 3) -> dict[str, PrefixHierarchy]:
    return {f"c{i}": PrefixHierarchy(length) for i in range(n_columns)}


@pytest.mark.parametrize("hierarchies", [
    _prefixes(8, 4),  # 5**8 = 390,625 nodes
    _prefixes(64, 3),  # 4**64 = 2**128: np.prod in int64 wraps this around to 0
    _prefixes(1000, 10**6),  # about 10**6000: no exact count is printed
])
def test_a_too_large_lattice_is_refused_up_front_naming_the_limit(hierarchies):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"more than max_nodes={MAX_NODES}\b"):
        lattice(hierarchies)  # the call itself refuses: nothing is enumerated first
    with pytest.raises(ValueError, match="max_nodes"):
        lattice(hierarchies, max_nodes=1000)
    assert time.perf_counter() - start < 2.0


def test_anonymize_k_refuses_a_lattice_whose_size_overflows_int64():
    df = pd.DataFrame({f"c{i}": ["02138", "02139"] for i in range(64)})
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"max_nodes={MAX_NODES}"):
        anonymize_k(df, list(df.columns), _prefixes(64, 5), k=2)
    assert time.perf_counter() - start < 5.0


def test_max_nodes_is_an_argument_of_both():
    hierarchies = {"zip": PrefixHierarchy(), "sex": CategoricalHierarchy.flat(["F", "M"])}  # 12 nodes
    assert len(list(lattice(hierarchies, max_nodes=12))) == 12
    with pytest.raises(ValueError, match=r"has 12 nodes, more than max_nodes=11"):
        lattice(hierarchies, max_nodes=11)
    df = pd.DataFrame({"zip": ["02138", "02139"] * 3, "sex": ["F", "M"] * 3})
    with pytest.raises(ValueError, match="max_nodes=11"):
        anonymize_k(df, ["zip", "sex"], hierarchies, k=2, max_nodes=11)
    assert anonymize_k(df, ["zip", "sex"], hierarchies, k=2, max_nodes=12)[1].nodes_checked == 12
    for bad, error in ((0, ValueError), (True, TypeError), (10.0, TypeError), ("5", TypeError)):
        with pytest.raises(error, match="max_nodes"):
            lattice(hierarchies, max_nodes=bad)


def test_nodes_are_generated_one_at_a_time_in_the_documented_order():
    hierarchies = {"a": PrefixHierarchy(3), "b": IntervalHierarchy((1, 2, 4)),
                   "c": CategoricalHierarchy.flat(["x"]), "d": PrefixHierarchy(1)}
    expected = sorted(itertools.product(range(4), range(5), range(2), range(2)), key=lambda t: (sum(t), t))
    assert [tuple(node.values()) for node in lattice(hierarchies)] == expected
    big = _prefixes(20, 1)  # 2**20 nodes: sorting them all first took about 100 MB
    tracemalloc.start()
    try:
        nodes = lattice(big, max_nodes=2**20)
        first = [next(nodes) for _ in range(25)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert first[0] == dict.fromkeys(big, 0) and sum(first[1].values()) == 1


# ------------------------------------------------------------------------- exact interval labels


def _edges(label: str) -> tuple[str, str]:
    assert label[0] == "[" and label[-1] == ")", label
    lo, hi = label[1:-1].split(", ")
    return lo, hi


def _contains(label: str, x) -> bool:
    """``x`` lies in ``[lo, hi)`` read with float() and read as exact decimals."""
    lo, hi = _edges(label)
    exact_x = Fraction(*x.as_integer_ratio()) if not isinstance(x, int) else Fraction(x)
    by_float = float(lo) <= x < float(hi) if not isinstance(x, int) or abs(x) <= 2**53 else True
    return by_float and Fraction(Decimal(lo)) <= exact_x < Fraction(Decimal(hi))


def _band(x, width, origin=0) -> int:
    w, o = decimal_param(width), decimal_param(origin)
    return math.floor((Fraction(*x.as_integer_ratio()) - o) / w)


def _adversarial(widths, origin=0) -> list[float]:
    """Values at, just below and just above band edges (the floats nearest each edge), tiny and huge."""
    out = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1.7e308, -1.7e308, 1e20, -1e20]
    for w in widths:
        for n in (-7, -3, -1, 0, 1, 2, 3, 7, 10**6, 10**15):
            edge = decimal_param(origin) + n * decimal_param(w)
            if abs(edge) < 1e308:
                out += [float(edge), np.nextafter(float(edge), np.inf), np.nextafter(float(edge), -np.inf)]
    return [float(v) for v in out if math.isfinite(v)]


def test_close_edges_and_six_digit_collisions_get_distinct_labels():
    h = IntervalHierarchy((1e-7,), origin=1.0)
    labels = h.generalize(pd.Series([1.0, 1.0 + 1e-7, 1.0 + 2.5e-7]), 1).tolist()
    assert len(set(labels)) == 3, labels  # six significant digits made all three "[1, 1)"
    labels = IntervalHierarchy((1,)).generalize(pd.Series([1234567.0, 1234568.0]), 1).tolist()
    assert labels == ["[1234567, 1234568)", "[1234568, 1234569)"]
    ints = pd.Series(np.array([2**53, 2**53 + 1, 2**63 - 1], dtype=np.int64))  # not all floats
    labels = IntervalHierarchy((1,)).generalize(ints, 1).tolist()
    assert labels == ["[9007199254740992, 9007199254740993)", "[9007199254740993, 9007199254740994)",
                      "[9.223372036854775807e+18, 9.223372036854775808e+18)"]


@pytest.mark.parametrize(("widths", "origin"), [
    ((0.1, 0.3, 0.9), 0), ((1e-7, 1e-6), 1.0), ((5, 10, 20), 0), ((0.7,), -0.35), ((1e300, 1e301), 0),
    ((1e-300,), 0), ((2.5, 5), 0.1), ((1 / 3,), 0),
])
def test_every_value_lies_in_its_label_and_labels_match_bands_exactly(widths, origin):
    h = IntervalHierarchy(widths, origin=origin)
    values = pd.Series(_adversarial(widths, origin))
    for level, width in enumerate(widths, start=1):
        labels = h.generalize(values, level).tolist()
        band_of = {}
        for x, label in zip(values, labels):
            assert _contains(label, x), (x, label)
            band_of.setdefault(label, set()).add(_band(x, width, origin))
        assert all(len(bands) == 1 for bands in band_of.values())  # a label is one band
        assert len(band_of) == len({b for bands in band_of.values() for b in bands})  # a band one label


def test_levels_nest_exactly_with_decimal_widths():
    # 0.3 / 0.1 is 2.9999999999999996 in floats: the float bands of width 0.1 straddled those of 0.3,
    # so a class could split on the way up the lattice (k-anonymity would not be monotone)
    h = IntervalHierarchy((0.1, 0.3, 0.9))
    values = pd.Series(_adversarial((0.1, 0.3, 0.9)) + list(np.linspace(-2, 2, 4001)))
    for level in (1, 2):
        below, above = h.generalize(values, level), h.generalize(values, level + 1)
        parents = pd.DataFrame({"b": below, "a": above}).groupby("b")["a"].nunique()
        assert (parents == 1).all(), parents[parents > 1]
    assert h.generalize(pd.Series([0.3]), 1).iloc[0] == "[0.2, 0.30000000000000004)"  # 0.3 < 3/10
    assert h.generalize(pd.Series([0.3]), 2).iloc[0] == "[0, 0.30000000000000004)"
    with pytest.raises(ValueError, match="whole multiple"):
        IntervalHierarchy((0.1, 0.25))


def test_interval_hierarchy_dtypes_and_bad_columns():
    h = IntervalHierarchy((0.5,))
    assert h.generalize(pd.Series(np.array([0.3, 65504, np.nan], dtype=np.float16)), 1).tolist()[:2] == \
        ["[0, 0.5)", "[65504, 65504.5)"]
    assert IntervalHierarchy((1,)).generalize(pd.Series([5, None], dtype="Int64"), 1).tolist()[0] == "[5, 6)"
    assert IntervalHierarchy((0.1,)).generalize(pd.Series([3], dtype="int64"), 1).tolist() == ["[3, 3.1)"]
    assert IntervalHierarchy((1,)).generalize(pd.Series([], dtype=float), 1).tolist() == []
    with pytest.raises(TypeError, match="numeric"):
        h.generalize(pd.Series([1 + 2j]), 1)
    values = pd.Series([0.3, np.nan, 7.0], index=["b", "a", "b"], name="x")
    before = values.copy()
    out = h.generalize(values, 1)
    assert out.index.equals(values.index) and out.name == "x" and pd.isna(out.iloc[1])
    assert values.equals(before)  # input untouched


# ------------------------------------------------------------------------------- edge_text itself

@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**30), 10**30), st.integers(0, 40), st.integers(-320, 300))
def test_edge_text_reads_back_as_the_first_float_and_never_above_it(digits, places, exponent):
    edge = Fraction(digits, 10**places) * Fraction(10) ** exponent
    text = edge_text(edge)
    f = first_float_at_or_above(edge)
    if edge < -Fraction(sys.float_info.max):  # no float below the edge: the text excludes none either
        assert Fraction(Decimal(text)) <= edge and float(text) <= -sys.float_info.max
    elif math.isfinite(f):
        assert float(text) == f and Fraction(Decimal(text)) <= Fraction(f)
        below = np.nextafter(f, -np.inf)
        assert Fraction(Decimal(text)) > Fraction(float(below)) or below == -np.inf
    else:  # no float reaches the edge: the text reads as inf and lies above every float
        assert float(text) == math.inf and Fraction(Decimal(text)) >= edge
