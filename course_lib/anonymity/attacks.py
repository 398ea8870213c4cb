"""The linkage attack: put names on a de-identified release by joining it with a public table.

Sweeney (1997; 2002) bought the Cambridge, Massachusetts voter list (name, address, ZIP code, birth
date, sex) and joined it with the state's "anonymous" hospital discharge data on ZIP code, birth date
and sex; the Governor's medical record was the one that matched. :func:`linkage_attack` replays that
join and scores it. The *candidates* of a release record are the auxiliary people with the same
quasi-identifier values (after the auxiliary table is generalised like the release), and:

* a release record is **linked** when it has exactly one candidate: the attacker attaches that
  person's name (``target_column``) to it;
* a link is **one-to-one** (a *unique match*) when, besides, no other release record shares its QI
  values. A k-anonymous release with k >= 2 has no unique match, by construction;
* **attribute disclosure** (the homogeneity attack, Machanavajjhala et al. 2007) needs no link at all:
  if every release record among an auxiliary person's candidates has the same ``sensitive`` value,
  the attacker learns it — should that person be in the release, which they often know (a
  neighbour's hospital stay).

Given ``id_column`` (ground truth present in both tables, never used by the attack itself), links
and disclosures are also scored as correct or not. NaN is a value of its own in the join.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from ._checks import check_table, codes


@dataclass(frozen=True)
class LinkageResult:
    """Counts of a linkage attack; ``links`` and ``disclosures`` hold the rows behind them."""

    n_release: int
    n_auxiliary: int
    n_in_both: int | None
    n_linked: int
    n_linked_correct: int | None
    n_unique_matches: int
    n_unique_correct: int | None
    n_auxiliary_with_candidates: int
    n_disclosed: int | None
    n_disclosed_correct: int | None
    n_disclosed_without_unique_match: int | None
    links: pd.DataFrame
    disclosures: pd.DataFrame | None

    @property
    def linked_rate(self) -> float:
        """Share of release records linked to exactly one auxiliary person (0 for an empty release)."""
        return self.n_linked / self.n_release if self.n_release else 0.0

    @property
    def unique_match_rate(self) -> float:
        """Share of release records in a one-to-one match (0 for an empty release)."""
        return self.n_unique_matches / self.n_release if self.n_release else 0.0

    @property
    def disclosure_rate(self) -> float | None:
        """Share of the auxiliary people with a candidate whose sensitive value the attacker learns."""
        if self.n_disclosed is None:
            return None
        if not self.n_auxiliary_with_candidates:
            return 0.0
        return self.n_disclosed / self.n_auxiliary_with_candidates

    def summary(self) -> dict[str, float | int | None]:
        """The counts and rates as a flat dict (a row of a results table)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("links", "disclosures")}
        out.update(linked_rate=self.linked_rate, unique_match_rate=self.unique_match_rate,
                   disclosure_rate=self.disclosure_rate)
        return out


def _kind(series: pd.Series) -> str:
    dtype = series.dtype.categories.dtype if isinstance(series.dtype, pd.CategoricalDtype) else series.dtype
    if is_datetime64_any_dtype(dtype):
        return "datetime"
    if is_bool_dtype(dtype):
        return "bool"
    if is_numeric_dtype(dtype):
        return "number"
    return "text"


def _check_comparable(release: pd.DataFrame, auxiliary: pd.DataFrame, qi: list[str]) -> None:
    """Each QI must hold the same kind of value in both tables, and share at least one value."""
    hint = "generalise the auxiliary table like the release: pass generalizers= (e.g. report.generalizers)"
    for column in qi:
        a, b = _kind(release[column]), _kind(auxiliary[column])
        if a != b:
            raise ValueError(f"quasi-identifier {column!r} holds {a} values in release but {b} values in "
                             f"auxiliary; {hint}")
        if len(release) and len(auxiliary):
            mine = set(pd.unique(release[column].dropna().astype(object)))
            theirs = set(pd.unique(auxiliary[column].dropna().astype(object)))
            if mine and theirs and not mine & theirs:
                raise ValueError(f"no value of quasi-identifier {column!r} occurs in both tables (e.g. "
                                 f"{next(iter(mine))!r} vs {next(iter(theirs))!r}); {hint}")


def linkage_attack(release: pd.DataFrame, auxiliary: pd.DataFrame, quasi_identifiers: list[str], *,
                   id_column: str | None = None, target_column: str | None = None,
                   sensitive: str | None = None,
                   generalizers: Mapping[str, Callable[[pd.Series], pd.Series]] | None = None,
                   ) -> LinkageResult:
    """Join ``release`` with ``auxiliary`` on ``quasi_identifiers`` and score what the attacker learns.

    ``generalizers`` maps a QI to a function applied to the auxiliary column first (the release's
    generalisation, e.g. ``AnonymizationReport.generalizers``); ``target_column`` is the auxiliary
    column the attacker is after (a name), copied into ``links``; ``sensitive`` is the release column
    the homogeneity attack reads; ``id_column`` is ground truth in both tables for scoring.

    ``links`` has one row per linked release record: ``release_index``, ``auxiliary_index``,
    ``unique`` (one-to-one), the target value, and ``correct``. ``disclosures`` has one row per
    auxiliary person whose sensitive value is learned: ``auxiliary_index``, ``value``,
    ``unique_match`` and ``correct`` (that person is in the release, so the value is theirs).
    """
    qi = check_table(release, quasi_identifiers, "release", allow_empty=True)
    check_table(auxiliary, qi, "auxiliary", allow_empty=True)
    for name, column, table, where in (("id_column", id_column, release, "release"),
                                       ("id_column", id_column, auxiliary, "auxiliary"),
                                       ("target_column", target_column, auxiliary, "auxiliary"),
                                       ("sensitive", sensitive, release, "release")):
        if column is not None and column not in table.columns:
            raise ValueError(f"{name}={column!r} is not a column of {where}")
    if sensitive is not None and sensitive in qi:
        raise ValueError(f"sensitive={sensitive!r} is a quasi-identifier; it must be another column")
    aux_qi = auxiliary[qi].copy()
    if generalizers is not None:
        if not isinstance(generalizers, Mapping):
            raise TypeError("generalizers must be a dict column -> callable, "
                            f"got {type(generalizers).__name__}")
        for column, fn in generalizers.items():
            if column not in qi:
                raise ValueError(f"generalizers names {column!r}, which is not a quasi-identifier {qi}")
            if not callable(fn):
                raise TypeError(f"generalizers[{column!r}] must be callable, got {type(fn).__name__}")
            aux_qi[column] = fn(auxiliary[column]).to_numpy()
    _check_comparable(release, aux_qi, qi)

    nr, na = len(release), len(auxiliary)
    both = pd.concat([release[qi].reset_index(drop=True), aux_qi.reset_index(drop=True)], ignore_index=True)
    key = np.zeros(nr + na, dtype=np.int64)
    for column in qi:
        part = codes(both[column].astype(object))[0]
        key = np.unique(key * (part.max() + 1 if len(part) else 1) + part, return_inverse=True)[1].ravel()
    kr, ka = key[:nr], key[nr:]
    n_keys = int(key.max()) + 1 if len(key) else 0
    in_release = np.bincount(kr, minlength=n_keys)
    in_aux = np.bincount(ka, minlength=n_keys)
    only_aux = np.full(n_keys, -1, dtype=np.int64)
    only_aux[ka] = np.arange(na)  # meaningful where in_aux == 1

    linked = in_aux[kr] == 1
    unique = linked & (in_release[kr] == 1)
    link_rows = np.flatnonzero(linked)
    aux_rows = only_aux[kr[link_rows]]
    links = pd.DataFrame({"release_index": release.index[link_rows],
                          "auxiliary_index": auxiliary.index[aux_rows], "unique": unique[link_rows]})
    if target_column is not None:
        links[target_column] = auxiliary[target_column].to_numpy()[aux_rows]

    n_in_both = n_linked_correct = n_unique_correct = None
    if id_column is not None:
        release_ids = release[id_column].to_numpy()
        aux_ids = auxiliary[id_column].to_numpy()
        links["correct"] = release_ids[link_rows] == aux_ids[aux_rows]
        n_in_both = int(pd.Index(aux_ids).isin(release_ids).sum())
        n_linked_correct = int(links["correct"].sum())
        n_unique_correct = int((links["correct"] & links["unique"]).sum())

    has_candidates = in_release[ka] > 0
    disclosures = n_disclosed = n_disclosed_correct = n_without = None
    if sensitive is not None:
        s, s_values = codes(release[sensitive])
        width = s.max() + 1 if len(s) else 1
        pairs = np.unique(kr * width + s)
        distinct = np.bincount(pairs // width, minlength=n_keys)
        value_of = np.zeros(n_keys, dtype=np.int64)
        value_of[pairs // width] = pairs % width  # the value, where a class has only one
        learned = has_candidates & (distinct[ka] == 1)
        rows = np.flatnonzero(learned)
        one_to_one = (in_release[ka[rows]] == 1) & (in_aux[ka[rows]] == 1)
        disclosures = pd.DataFrame({"auxiliary_index": auxiliary.index[rows],
                                    "value": s_values[value_of[ka[rows]]], "unique_match": one_to_one})
        n_disclosed = len(rows)
        n_without = int((~one_to_one).sum())
        if id_column is not None:  # correct: the person is in the release and that value is theirs
            true_code = pd.Series(s, index=release[id_column].to_numpy())
            true_code = true_code[~true_code.index.duplicated()]
            theirs = true_code.reindex(auxiliary[id_column].to_numpy()[rows]).to_numpy()
            disclosures["correct"] = theirs == value_of[ka[rows]]  # NaN (not in release) compares False
            n_disclosed_correct = int(disclosures["correct"].sum())

    return LinkageResult(
        n_release=nr, n_auxiliary=na, n_in_both=n_in_both,
        n_linked=int(linked.sum()), n_linked_correct=n_linked_correct,
        n_unique_matches=int(unique.sum()), n_unique_correct=n_unique_correct,
        n_auxiliary_with_candidates=int(has_candidates.sum()),
        n_disclosed=n_disclosed, n_disclosed_correct=n_disclosed_correct,
        n_disclosed_without_unique_match=n_without, links=links, disclosures=disclosures,
    )
