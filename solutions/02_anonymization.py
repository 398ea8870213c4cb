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
    # BEGIN SOLUTION
    qis = _check_table(df, quasi_identifiers)
    alone = ~df.duplicated(subset=qis, keep=False)
    return float(alone.mean())
    # END SOLUTION


def k_anonymity(df: pd.DataFrame, quasi_identifiers: list[str]) -> int:
    """The largest ``k`` for which ``df`` is k-anonymous: the size of its SMALLEST equivalence class.

    Every row then hides among at least ``k`` rows with the same QI values (Sweeney 2002). NaN is a
    value of its own, so rows missing a QI form classes too — and often the smallest ones.
    """
    # BEGIN SOLUTION
    qis = _check_table(df, quasi_identifiers)
    return int(df.groupby(qis, dropna=False).size().min())
    # END SOLUTION


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
    # BEGIN SOLUTION
    qis = _check_table(df, quasi_identifiers)
    if sensitive not in df.columns or sensitive in qis:
        raise ValueError("sensitive must be a column of df that is not a quasi-identifier, "
                         f"got {sensitive!r}")
    if kind not in ("distinct", "entropy"):
        raise ValueError(f"kind must be 'distinct' or 'entropy', got {kind!r}")
    groups = df.groupby(qis, dropna=False)[sensitive]
    if kind == "distinct":
        return float(groups.nunique(dropna=False).min())

    def entropy(values: pd.Series) -> float:
        p = values.value_counts(normalize=True, dropna=False)
        return float(-(p * p.map(math.log)).sum())

    return math.exp(min(entropy(values) for _, values in groups))
    # END SOLUTION


def generalize_zip(zip_code: str, digits_kept: int) -> str:
    """Keep the first ``digits_kept`` digits of a 5-digit US ZIP code and replace the others by ``*``.

    ``generalize_zip("02138", 3) == "021**"``: the result keeps the length, so generalized codes of
    one level compare equal. ZIP codes are strings — ``int("02138")`` is 2138, and the leading zero
    (all of New England) is gone. ``zip_code`` must be a ``str`` of exactly five ASCII digits
    (``TypeError`` for another type, ``ValueError`` otherwise) and ``digits_kept`` an int in 0..5.
    """
    # BEGIN SOLUTION
    if not isinstance(zip_code, str):
        raise TypeError("zip_code must be a str (ZIP codes have leading zeros), "
                        f"got {type(zip_code).__name__}")
    if len(zip_code) != 5 or any(ch not in "0123456789" for ch in zip_code):
        raise ValueError(f"zip_code must be five digits 0-9, got {zip_code!r}")
    if isinstance(digits_kept, bool) or not isinstance(digits_kept, int) or not 0 <= digits_kept <= 5:
        raise ValueError(f"digits_kept must be an int in 0..5, got {digits_kept!r}")
    return zip_code[:digits_kept] + "*" * (5 - digits_kept)
    # END SOLUTION


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
    # BEGIN SOLUTION
    qis = _check_table(release, quasi_identifiers, "release")
    _check_table(auxiliary, qis, "auxiliary")
    if name_column not in auxiliary.columns:
        raise ValueError(f"name_column must be a column of auxiliary, got {name_column!r}")
    matches = auxiliary.groupby(qis, dropna=False)[name_column].agg(["size", "first"])
    unique = matches[matches["size"] == 1]["first"].rename("_linked_name").reset_index()
    left = release[qis].assign(_release_index=release.index)
    linked = left.merge(unique, on=qis, how="inner")
    return dict(zip(linked["_release_index"], linked["_linked_name"]))
    # END SOLUTION
