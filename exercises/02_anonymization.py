# Exercise file: write your code where it says NotImplementedError, then check it with
#     python3 course.py check 02_anonymization
# (generated from solutions/02_anonymization.py by `python3 course.py exercises`)
"""Exercise 02 — anonymization and linkage: measure re-identification risk, generalize, and attack.

Notebook 02 builds each idea. Tables are pandas DataFrames; the *quasi-identifiers* (QIs) are
columns that are harmless alone but identify people together (Sweeney: ZIP code, birth date and sex
single out 87 % of the US population). Rows that agree on every QI form an *equivalence class*.

One rule holds throughout: a missing value (NaN) is a value of its own. Two rows that agree on every
QI, including being both missing the same one, are in the same class. Beware: pandas' ``groupby``,
``value_counts`` and ``nunique`` silently DROP missing values unless you pass ``dropna=False``.

Check your work with

    python3 course.py check 02_anonymization [task]

Start each function with ``_check_table`` (given below), which rejects a bad table or QI list.
"""

from __future__ import annotations

import math

import pandas as pd


def _check_table(df: pd.DataFrame, quasi_identifiers: list[str], name: str = "df") -> list[str]:
    """Raise unless ``df`` is a non-empty DataFrame and ``quasi_identifiers`` a non-empty list (or tuple)
    of distinct column names of ``df``; return the QIs as a list."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError(f"{name} must have at least one row")
    if not isinstance(quasi_identifiers, (list, tuple)):
        raise TypeError("quasi_identifiers must be a list of column names, "
                        f"got {type(quasi_identifiers).__name__}")
    qis = list(quasi_identifiers)
    if not qis or len(set(qis)) != len(qis):
        raise ValueError(f"quasi_identifiers must be a non-empty list of distinct column names, got {qis}")
    missing = [q for q in qis if q not in df.columns]
    if missing:
        raise ValueError(f"quasi_identifiers {missing} are not columns of {name} "
                         f"(columns: {list(df.columns)})")
    return qis


def uniqueness(df: pd.DataFrame, quasi_identifiers: list[str]) -> float:
    """The fraction of ROWS that are alone in their equivalence class (their QI values are unique).

    This is the share of people an attacker who knows their QIs can single out (Sweeney 2000;
    Golle 2006). A row whose QI values appear in no other row counts; NaN is a value of its own.
    """
    raise NotImplementedError("write uniqueness() here")


def k_anonymity(df: pd.DataFrame, quasi_identifiers: list[str]) -> int:
    """The largest ``k`` for which ``df`` is k-anonymous: the size of its SMALLEST equivalence class.

    Every row then hides among at least ``k`` rows with the same QI values (Sweeney 2002). NaN is a
    value of its own, so rows missing a QI form classes too — and often the smallest ones.
    """
    raise NotImplementedError("write k_anonymity() here")


def l_diversity(df: pd.DataFrame, quasi_identifiers: list[str], sensitive: str,
                kind: str = "distinct") -> float:
    """How diverse the ``sensitive`` values are within the LEAST diverse equivalence class.

    - ``kind="distinct"``: the smallest number of distinct sensitive values in any class.
    - ``kind="entropy"``: ``exp(min over classes of H)``, with ``H = -sum p ln p`` the entropy (natural
      log) of the class's sensitive values, ``p`` their frequencies within the class. ``exp(H)`` is the
      "effective number" of values: 2 for two equally frequent values, less when one dominates
      (Machanavajjhala et al. 2007).

    A class with a single sensitive value (ℓ = 1) tells an attacker that value outright, however large
    the class is: the homogeneity attack. NaN is a value of its own, in the QIs and in ``sensitive``.
    Return a float. ``sensitive`` must be a column of ``df`` that is not a QI, and ``kind`` one of
    ``"distinct"`` or ``"entropy"`` (``ValueError`` otherwise).
    """
    raise NotImplementedError("write l_diversity() here")


def generalize_zip(zip_code: str, digits_kept: int) -> str:
    """Keep the first ``digits_kept`` digits of a 5-digit US ZIP code and replace the others by ``*``.

    ``generalize_zip("02138", 3) == "021**"``: the result keeps the length, so generalized codes of
    one level compare equal. ZIP codes are strings — ``int("02138")`` is 2138, and the leading zero
    (all of New England) is gone. ``zip_code`` must be a ``str`` of exactly five ASCII digits
    (``TypeError`` for another type, ``ValueError`` otherwise) and ``digits_kept`` an int in 0..5.
    """
    raise NotImplementedError("write generalize_zip() here")


def linkage_attack(release: pd.DataFrame, auxiliary: pd.DataFrame, quasi_identifiers: list[str],
                   name_column: str) -> dict:
    """Re-identify ``release`` rows by matching their QIs against a named ``auxiliary`` table.

    This is Sweeney's attack: the "anonymized" hospital release had no names, the voter list had
    names, and both had ZIP code, birth date and sex. Return a dict that maps the index label of every
    release row matching EXACTLY ONE auxiliary row on ALL the QIs to that auxiliary row's
    ``name_column`` value. A release row matching several auxiliary rows is ambiguous and one matching
    none is safe: neither appears in the result. NaN is a value of its own (it matches NaN).
    Neither table is modified. Both tables must pass ``_check_table`` and ``name_column`` must be a
    column of ``auxiliary`` (``ValueError`` otherwise).
    """
    raise NotImplementedError("write linkage_attack() here")
