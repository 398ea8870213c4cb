"""Equivalence classes and the identity-disclosure measures built on them.

Rows that agree on every quasi-identifier (QI) form an *equivalence class*: an attacker who knows a
person's QIs can narrow them down to their class and no further. With ``|E(r)|`` the size of record
``r``'s class in a table of ``n`` records:

* ``uniqueness``  = share of records with ``|E(r)| = 1`` (Sweeney 2000: 87 % of the US population on
  ZIP code, birth date and sex);
* ``k_anonymity`` = ``min_r |E(r)|``: the table is k-anonymous for every k up to it (Samarati &
  Sweeney 1998; Sweeney 2002);
* prosecutor risk (the attacker knows the target is in the table): record risk ``1 / |E(r)|``, its
  maximum ``1 / k`` and its mean ``(number of classes) / n`` (El Emam & Dankar 2008);
* journalist risk (the target is anyone in a wider ``population``): ``1 / |F(r)|`` with ``F(r)`` the
  matching class in the population;
* marketer risk (re-identify as many as possible): the expected share re-identified,
  ``(1/n) sum_r 1 / |F(r)|`` (with no population, ``F = E``).

A missing value (NaN/None) in a QI is a value of its own: rows that both lack a ZIP code are in the
same class. pandas' ``groupby`` drops such rows by default, which would hide the smallest classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._checks import check_table, class_codes


def equivalence_classes(df: pd.DataFrame, quasi_identifiers: list[str]) -> pd.DataFrame:
    """One row per equivalence class: its QI values and its ``size``, smallest classes first."""
    qi = check_table(df, quasi_identifiers, allow_empty=True)
    if "size" in qi:
        raise ValueError("a quasi-identifier named 'size' clashes with the class-size column; rename it")
    classes = df.groupby(qi, dropna=False, sort=False, observed=True).size().rename("size").reset_index()
    return classes.sort_values("size", kind="stable").reset_index(drop=True)


def class_sizes(df: pd.DataFrame, quasi_identifiers: list[str]) -> pd.Series:
    """``|E(r)|`` for every record, aligned with ``df.index``."""
    qi = check_table(df, quasi_identifiers)
    key = class_codes(df, qi)
    return pd.Series(np.bincount(key)[key], index=df.index, name="class_size")


def uniqueness(df: pd.DataFrame, quasi_identifiers: list[str]) -> float:
    """Share of records alone in their equivalence class, in [0, 1]; 0 exactly when k >= 2."""
    return float((class_sizes(df, quasi_identifiers) == 1).mean())


def k_anonymity(df: pd.DataFrame, quasi_identifiers: list[str]) -> int:
    """The size of the smallest equivalence class (``ValueError`` for an empty table)."""
    return int(class_sizes(df, quasi_identifiers).min())


def record_risk(df: pd.DataFrame, quasi_identifiers: list[str],
                population: pd.DataFrame | None = None) -> pd.Series:
    """Re-identification probability of each record: ``1 / |E(r)|``, or ``1 / |F(r)|`` with ``F(r)`` the
    class of ``r`` in ``population`` (which must contain every record's QI combination)."""
    qi = check_table(df, quasi_identifiers)
    if population is None:
        return (1.0 / class_sizes(df, qi)).rename("risk")
    check_table(population, qi, "population")
    keys = df[qi].merge(
        population.groupby(qi, dropna=False, sort=False, observed=True).size().rename("_F").reset_index(),
        on=qi, how="left")
    if keys["_F"].isna().any():
        raise ValueError(f"population lacks the QI combination of {int(keys['_F'].isna().sum())} record(s) "
                         "of df; it must be a superset of df (df's people are part of the population)")
    return pd.Series(1.0 / keys["_F"].to_numpy(), index=df.index, name="risk")


@dataclass(frozen=True)
class Risk:
    """Highest and mean record risk of a table, and how many records carry the highest."""

    highest: float
    mean: float
    n_at_highest: int
    n_records: int


def _summary(risk: pd.Series) -> Risk:
    highest = float(risk.max())
    return Risk(highest=highest, mean=float(risk.mean()), n_at_highest=int((risk == highest).sum()),
                n_records=len(risk))


def prosecutor_risk(df: pd.DataFrame, quasi_identifiers: list[str]) -> Risk:
    """The attacker knows their target is in ``df``: highest ``1/k``, mean ``n_classes / n``."""
    return _summary(record_risk(df, quasi_identifiers))


def journalist_risk(df: pd.DataFrame, quasi_identifiers: list[str], population: pd.DataFrame) -> Risk:
    """The target is anyone in ``population`` (a superset of ``df``): record risk ``1 / |F(r)|``."""
    return _summary(record_risk(df, quasi_identifiers, population))


def marketer_risk(df: pd.DataFrame, quasi_identifiers: list[str],
                  population: pd.DataFrame | None = None) -> float:
    """Expected share of ``df`` an attacker re-identifies by matching every record: mean record risk."""
    return float(record_risk(df, quasi_identifiers, population).mean())
