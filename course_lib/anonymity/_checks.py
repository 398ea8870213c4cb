"""Argument checks shared by the anonymity modules.

A bad argument is a ``TypeError`` (wrong kind) or ``ValueError`` (wrong value) whose message names the
argument and what it should be. Missing values (NaN/None) in a quasi-identifier are *not* an error:
everywhere in this package a missing value is a value of its own, so rows that both lack a ZIP code
fall in the same class (``groupby(..., dropna=False)``; pandas drops them by default).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def check_table(df, quasi_identifiers, name: str = "df", *, allow_empty: bool = False) -> list[str]:
    """``df`` a DataFrame (non-empty unless ``allow_empty``), ``quasi_identifiers`` a non-empty list of
    distinct column names of it; returns the list."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    if isinstance(quasi_identifiers, str) or not isinstance(quasi_identifiers, Sequence):
        raise TypeError("quasi_identifiers must be a list of column names, "
                        f"got {type(quasi_identifiers).__name__}")
    qi = list(quasi_identifiers)
    if not qi:
        raise ValueError("quasi_identifiers must name at least one column")
    if len(set(qi)) != len(qi):
        raise ValueError(f"quasi_identifiers must be distinct, got {qi}")
    missing = [c for c in qi if c not in df.columns]
    if missing:
        raise ValueError(f"quasi_identifiers {missing} are not columns of {name} "
                         f"(columns: {list(df.columns)})")
    if not allow_empty and len(df) == 0:
        raise ValueError(f"{name} must have at least one row")
    return qi


def check_sensitive(df: pd.DataFrame, sensitive, quasi_identifiers: list[str]) -> str:
    """``sensitive`` is one column of ``df`` that is not a quasi-identifier."""
    if not isinstance(sensitive, str):
        raise TypeError(f"sensitive must be a column name (str), got {type(sensitive).__name__}")
    if sensitive not in df.columns:
        raise ValueError(f"sensitive={sensitive!r} is not a column of df (columns: {list(df.columns)})")
    if sensitive in quasi_identifiers:
        raise ValueError(f"sensitive={sensitive!r} is also a quasi-identifier; it must be another column")
    return sensitive


def check_int(value, name: str, low: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {low}, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value}")
    return int(value)


def check_fraction(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return float(value)


def codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` with NaN as a value of its own, and the distinct values."""
    c, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(c, dtype=np.int64), np.asarray(uniques, dtype=object)


def class_codes(df: pd.DataFrame, quasi_identifiers: list[str]) -> np.ndarray:
    """Equivalence-class id ``0..n_classes-1`` of every row (NaN is a value of its own)."""
    key = np.zeros(len(df), dtype=np.int64)
    for column in quasi_identifiers:
        c, uniques = codes(df[column])
        key = key * max(len(uniques), 1) + c
        key = np.unique(key, return_inverse=True)[1].astype(np.int64).ravel()  # dense again: no overflow
    return key
