"""bucket(): the printed label always contains its value, at and next to floating-point edges,
for negative, tiny and huge values (read with float() and read as exact decimals)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib._intervals import decimal_param
from course_lib.masking.generalize import bucket, bucket_with, generalize_date


def _exact(x) -> Fraction:
    return Fraction(x) if isinstance(x, int) else Fraction(*x.as_integer_ratio())


def _contains(label: str, x) -> bool:
    """Whether ``x`` lies in ``label`` ("lo-hi" integers, "[lo, hi)" or "top+")."""
    if label.endswith("+"):
        lo = label[:-1]
        return Fraction(Decimal(lo)) <= _exact(x) and (not isinstance(x, float) or float(lo) <= x)
    if label.startswith("["):
        lo, hi = label[1:-1].split(", ")
        exact_ok = Fraction(Decimal(lo)) <= _exact(x) < Fraction(Decimal(hi))
        return exact_ok and (not isinstance(x, float) or float(lo) <= x < float(hi))
    m = re.fullmatch(r"(-?\d+)-(-?\d+)", label)
    return m is not None and int(m[1]) <= x <= int(m[2])


WIDTHS = (0.1, 0.3, 0.7, 1 / 3, 2.5, 1e-7, 1e-300, 5e-324, 1e300, 3.3)
STARTS = (0, 0.1, -7.3, 1e10)


def _near_edges(width, start) -> list[float]:
    out = []
    for n in (-10**6, -3, -1, 0, 1, 2, 3, 7, 10**6):
        edge = decimal_param(start) + n * decimal_param(width)
        if abs(edge) < 1e308:
            e = float(edge)
            out += [e, np.nextafter(e, np.inf), np.nextafter(e, -np.inf)]
    return [float(v) for v in out] + [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1.7e308, -1.7e308, 0.3, 0.7]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("start", STARTS)
def test_bucket_label_contains_values_at_and_next_to_edges(width, start):
    labels = {}
    for x in _near_edges(width, start):
        label = bucket(x, width, start=start)
        assert _contains(label, x), (x, width, start, label)
        n = math.floor((_exact(x) - decimal_param(start)) / decimal_param(width))
        assert labels.setdefault(label, n) == n  # one label, one range
        assert _contains(bucket(x, width, start=start, top=0.3), x)


def test_the_classic_floating_point_edge_cases():
    assert bucket(0.3, 0.1) == "[0.2, 0.30000000000000004)"  # was "[0.2, 0.3)", which 0.3 is not in
    assert bucket(0.7, 0.1) == "[0.60000000000000008, 0.70000000000000006)"
    assert bucket(1234567.5, 1.0) == "[1234567, 1234568)"  # six digits printed "[1.23457e+06, 1.23457e+06)"
    assert bucket(37.5, 10) == "[30, 40)" and bucket(-1e-300, 0.1) == "[-0.099999999999999992, 0)"
    assert bucket(1, 0.3) == "[0.9, 1.2)"  # an int value gets the exact decimal edges
    assert bucket(1.7e308, 1e308) == "[1e+308, 2e+308)"  # past the largest float, still contains it
    assert bucket(10**400, 10) == f"{10**400}-{10**400 + 9}"  # exact ints, no OverflowError
    assert bucket(0.3, 0.1, top=0.3) == "[0.2, 0.30000000000000004)"  # 0.3 < 3/10: not top-coded
    assert bucket(0.5, 0.1, top=0.3) == "0.30000000000000004+" and bucket(95, 10, top=90) == "90+"


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False),
       st.floats(min_value=5e-324, max_value=1e300, allow_nan=False, allow_infinity=False),
       st.one_of(st.just(0), st.floats(-1e6, 1e6)), st.booleans())
def test_bucket_contains_arbitrary_values(x, width, start, nudge):
    if nudge:
        x = math.nextafter(x, math.inf)
        if not math.isfinite(x):
            return
    assert _contains(bucket(x, width, start=start), x)


@settings(max_examples=200, deadline=None)
@given(st.integers(-(10**30), 10**30), st.integers(1, 10**6), st.integers(-1000, 1000))
def test_integer_buckets_are_exact(x, width, start):
    label = bucket(x, width, start=start)
    assert _contains(label, x)
    lo = int(label.split("-")[0] if not label.startswith("-") else "-" + label[1:].split("-")[0])
    assert (lo - start) % width == 0


def test_bucket_operator_and_bad_input():
    op = bucket_with(0.1)
    assert op(0.3, None) == "[0.2, 0.30000000000000004)"
    with pytest.raises(ValueError, match="value must be finite"):
        bucket(math.inf, 1)
    with pytest.raises(ValueError, match="width must be finite"):
        bucket(1, math.nan)
    with pytest.raises(ValueError, match="width must be > 0"):
        bucket(1, -0.5)
    with pytest.raises(ValueError, match="missing"):
        generalize_date(pd.NaT)
