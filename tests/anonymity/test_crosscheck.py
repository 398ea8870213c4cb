"""course_lib.anonymity agrees with pycanon (Sáinz-Pardo Díaz & López García 2022) where it is installed.

pycanon is an optional cross-check (the ``crosscheck`` extra), not a dependency: it pins exact
numpy/pandas versions. It counts classes with pandas' default grouping, which drops missing values,
so the tables here have none.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from course_lib.anonymity import k_anonymity, l_diversity, t_closeness
from course_lib.data.people import patients, population

pycanon = pytest.importorskip("pycanon.anonymity")


def _tables():
    rng = np.random.default_rng(0)
    for _ in range(5):
        n = int(rng.integers(20, 200))
        yield pd.DataFrame({
            "a": rng.integers(0, 4, n), "b": rng.choice(["x", "y", "z"], n),
            "disease": rng.choice(["flu", "HIV", "cancer", "asthma"], n, p=[0.5, 0.1, 0.2, 0.2]),
            "salary": rng.integers(1, 12, n) * 1000,
        }), ["a", "b"]
    pts = patients(500, seed=0, population=population(20_000, seed=0))
    release = pts.assign(decade=pts["birth_date"].dt.year // 10, zip3=pts["zip"].str[:3],
                         diagnosis=pts["diagnosis"].astype(str))
    yield release, ["zip3", "decade", "sex"]


@pytest.mark.parametrize("table", list(_tables()), ids=lambda t: f"{len(t[0])}rows")
def test_agrees_with_pycanon(table):
    df, qi = table
    sensitive, numeric = ("diagnosis", "visits") if "diagnosis" in df else ("disease", "salary")
    assert k_anonymity(df, qi) == pycanon.k_anonymity(df, qi)
    assert l_diversity(df, qi, sensitive) == pycanon.l_diversity(df, qi, [sensitive])
    assert math.floor(l_diversity(df, qi, sensitive, kind="entropy") + 1e-9) == \
        pycanon.entropy_l_diversity(df, qi, [sensitive])
    assert t_closeness(df, qi, sensitive) == pytest.approx(pycanon.t_closeness(df, qi, [sensitive]))
    assert t_closeness(df, qi, numeric) == pytest.approx(pycanon.t_closeness(df, qi, [numeric]))
