"""Plausible wrong answers to exercise 02; every one must be rejected by its task's checker.

Each mutant is a mistake learners (or tutorials on k-anonymity) really make, most of them pandas'
``dropna=True`` default or counting over the wrong thing. Keys are task names.
"""

from __future__ import annotations

import math

import numpy as np


def _sol():
    from tests.exercises.impl import load_solution

    return load_solution("02_anonymization")


def _qis(df, quasi_identifiers):
    return _sol()._check_table(df, quasi_identifiers)


# --------------------------------------------------------------------------- uniqueness


def uniqueness_over_classes(df, quasi_identifiers):
    """Share of CLASSES of size one, not share of rows."""
    sizes = df.groupby(_qis(df, quasi_identifiers), dropna=False).size()
    return float((sizes == 1).mean())


def uniqueness_dropna(df, quasi_identifiers):
    """groupby's default dropna=True: rows missing a QI vanish and are never counted as unique."""
    sizes = df.groupby(_qis(df, quasi_identifiers)).size()
    return float((sizes == 1).sum() / len(df))


def uniqueness_all_columns(df, quasi_identifiers):
    """duplicated() over every column: the sensitive column makes rows look unique."""
    _qis(df, quasi_identifiers)
    return float((~df.duplicated(keep=False)).mean())


def uniqueness_keep_first(df, quasi_identifiers):
    """duplicated() with its default keep='first': the first row of every class counts as unique."""
    return float((~df.duplicated(subset=_qis(df, quasi_identifiers))).mean())


# --------------------------------------------------------------------------- k_anonymity


def k_max_class(df, quasi_identifiers):
    """The LARGEST class: the best-protected person, not the worst."""
    return int(df.groupby(_qis(df, quasi_identifiers), dropna=False).size().max())


def k_number_of_classes(df, quasi_identifiers):
    """Counts classes instead of rows in the smallest class."""
    return int(df.groupby(_qis(df, quasi_identifiers), dropna=False).ngroups)


def k_dropna(df, quasi_identifiers):
    """groupby's default dropna=True: a class of rows missing their ZIP code is ignored."""
    return int(df.groupby(_qis(df, quasi_identifiers)).size().min())


def k_per_column(df, quasi_identifiers):
    """Smallest value count of each QI on its own, instead of the QIs together."""
    return int(min(df[q].value_counts(dropna=False).min() for q in _qis(df, quasi_identifiers)))


# --------------------------------------------------------------------------- l_diversity


def _l_args(df, quasi_identifiers, sensitive, kind):
    qis = _qis(df, quasi_identifiers)
    if sensitive not in df.columns or sensitive in qis or kind not in ("distinct", "entropy"):
        raise ValueError("sensitive or kind")
    return qis


def _class_entropies(df, qis, sensitive, log=math.log, dropna=False):
    out = []
    for _, values in df.groupby(qis, dropna=False)[sensitive]:
        p = values.value_counts(normalize=True, dropna=dropna)
        out.append(float(-sum(x * log(x) for x in p)))
    return out


def l_global_distinct(df, quasi_identifiers, sensitive, kind="distinct"):
    """Distinct sensitive values in the whole table, not within each class."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    if kind == "entropy":
        return _sol().l_diversity(df, qis, sensitive, kind)
    return float(df[sensitive].nunique(dropna=False))


def l_no_exp(df, quasi_identifiers, sensitive, kind="distinct"):
    """Returns the minimum entropy itself, not exp of it."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    if kind == "distinct":
        return _sol().l_diversity(df, qis, sensitive, kind)
    return min(_class_entropies(df, qis, sensitive))


def l_log2_exp(df, quasi_identifiers, sensitive, kind="distinct"):
    """Entropy in bits (log2), then exp: the bases do not match."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    if kind == "distinct":
        return _sol().l_diversity(df, qis, sensitive, kind)
    return math.exp(min(_class_entropies(df, qis, sensitive, log=math.log2)))


def l_average(df, quasi_identifiers, sensitive, kind="distinct"):
    """Averages over classes: one homogeneous class hides behind the diverse ones."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    groups = df.groupby(qis, dropna=False)[sensitive]
    if kind == "distinct":
        return float(groups.nunique(dropna=False).mean())
    return math.exp(float(np.mean(_class_entropies(df, qis, sensitive))))


def l_nunique_dropna(df, quasi_identifiers, sensitive, kind="distinct"):
    """nunique() and groupby() with their defaults: missing values are dropped on both sides."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    groups = df.groupby(qis)[sensitive]
    if kind == "distinct":
        return float(groups.nunique().min())
    return math.exp(min(float(-(p * np.log(p)).sum())
                        for p in (v.value_counts(normalize=True) for _, v in groups)))


# --------------------------------------------------------------------------- generalize_zip


def _zip_args(zip_code, digits_kept):
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if len(zip_code) != 5 or not all(c in "0123456789" for c in zip_code) or not 0 <= digits_kept <= 5 \
            or not isinstance(digits_kept, int):
        raise ValueError("zip_code or digits_kept")


def zip_through_int(zip_code, digits_kept):
    """int() first (as a CSV reader does): '02138' becomes '2138' and the wrong digits are kept."""
    _zip_args(zip_code, digits_kept)
    s = str(int(zip_code))
    return s[:digits_kept] + "*" * (5 - digits_kept)


def zip_no_padding(zip_code, digits_kept):
    """Truncates without padding: '021' instead of '021**'."""
    _zip_args(zip_code, digits_kept)
    return zip_code[:digits_kept]


def zip_zero_padding(zip_code, digits_kept):
    """Pads with zeros: '02100' is a real ZIP code somewhere else."""
    _zip_args(zip_code, digits_kept)
    return zip_code[:digits_kept].ljust(5, "0")


def zip_accepts_int(zip_code, digits_kept):
    """Converts whatever it gets with str(): an int ZIP code has already lost its leading zero."""
    zip_code = str(zip_code)
    _zip_args(zip_code, digits_kept) if len(zip_code) == 5 else None
    return zip_code[:digits_kept] + "*" * (len(zip_code) - digits_kept)


def zip_keeps_last(zip_code, digits_kept):
    """Keeps the LAST digits: the coarse part of a ZIP code is at the front."""
    _zip_args(zip_code, digits_kept)
    return "*" * (5 - digits_kept) + zip_code[5 - digits_kept:]


# --------------------------------------------------------------------------- linkage_attack


def _link_args(release, auxiliary, quasi_identifiers, name_column):
    qis = _sol()._check_table(release, quasi_identifiers, "release")
    _sol()._check_table(auxiliary, qis, "auxiliary")
    if name_column not in auxiliary.columns:
        raise ValueError("name_column")
    return qis


def link_first_match(release, auxiliary, quasi_identifiers, name_column):
    """Several matches? Takes the first: an ambiguous row is 'linked' to a coin flip."""
    qis = _link_args(release, auxiliary, quasi_identifiers, name_column)
    merged = release[qis].assign(_i=release.index).merge(auxiliary[[*qis, name_column]], on=qis)
    merged = merged.drop_duplicates(subset="_i", keep="first")
    return dict(zip(merged["_i"], merged[name_column]))


def link_inner_join(release, auxiliary, quasi_identifiers, name_column):
    """A plain inner join turned into a dict: duplicates silently overwrite each other."""
    qis = _link_args(release, auxiliary, quasi_identifiers, name_column)
    merged = release[qis].assign(_i=release.index).merge(auxiliary[[*qis, name_column]], on=qis)
    return dict(zip(merged["_i"], merged[name_column]))


def link_subset_of_qis(release, auxiliary, quasi_identifiers, name_column):
    """Matches on all but the last QI (sex forgotten)."""
    qis = _link_args(release, auxiliary, quasi_identifiers, name_column)
    return _sol().linkage_attack(release, auxiliary, qis[:-1] or qis, name_column)


def link_positions(release, auxiliary, quasi_identifiers, name_column):
    """reset_index(): the keys are row positions, not the release's index labels."""
    _link_args(release, auxiliary, quasi_identifiers, name_column)
    return _sol().linkage_attack(release.reset_index(drop=True), auxiliary, quasi_identifiers, name_column)


def link_unique_in_release(release, auxiliary, quasi_identifiers, name_column):
    """Requires the row to be unique in the RELEASE instead of its match to be unique in the auxiliary."""
    qis = _link_args(release, auxiliary, quasi_identifiers, name_column)
    unique = release[~release.duplicated(subset=qis, keep=False)]
    merged = unique[qis].assign(_i=unique.index).merge(auxiliary[[*qis, name_column]], on=qis)
    merged = merged.drop_duplicates(subset="_i")
    return dict(zip(merged["_i"], merged[name_column]))


def link_tuples_nan(release, auxiliary, quasi_identifiers, name_column):
    """Dict of QI tuples: NaN != NaN, so rows missing a QI never match."""
    qis = _link_args(release, auxiliary, quasi_identifiers, name_column)
    seen: dict[tuple, list] = {}
    for row, name in zip(auxiliary[qis].itertuples(index=False), auxiliary[name_column]):
        key = tuple(float("nan") if isinstance(v, float) and math.isnan(v) else v for v in row)
        seen.setdefault(key, []).append(name)
    out = {}
    for label, row in zip(release.index, release[qis].itertuples(index=False)):
        key = tuple(float("nan") if isinstance(v, float) and math.isnan(v) else v for v in row)
        if len(seen.get(key, [])) == 1:
            out[label] = seen[key][0]
    return out


# --------------------------------------------------------------------------- found by measuring


def uniqueness_fillna_zero(df, quasi_identifiers):
    """Fills NaN with 0 before comparing: a missing age now equals a real age of 0."""
    qis = _qis(df, quasi_identifiers)
    return float((~df[qis].fillna(0).duplicated(keep=False)).mean())


def k_fillna_empty(df, quasi_identifiers):
    """Fills NaN with '' so that value_counts keeps the rows: a missing ZIP now equals a real ''."""
    qis = _qis(df, quasi_identifiers)
    return int(df[qis].fillna("").value_counts().min())


def zip_dollar_anchor(zip_code, digits_kept):
    """re.match(r'[0-9]{5}$'): '$' also matches before a final newline, so '02138\\n' passes."""
    import re

    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if not re.match(r"[0-9]{5}$", zip_code):
        raise ValueError("zip_code")
    if isinstance(digits_kept, bool) or not isinstance(digits_kept, int) or not 0 <= digits_kept <= 5:
        raise ValueError("digits_kept")
    return zip_code[:digits_kept] + "*" * (5 - digits_kept)


MUTANTS = {
    "uniqueness": [uniqueness_over_classes, uniqueness_dropna, uniqueness_all_columns, uniqueness_keep_first,
                   uniqueness_fillna_zero],
    "k_anonymity": [k_max_class, k_number_of_classes, k_dropna, k_per_column, k_fillna_empty],
    "l_diversity": [l_global_distinct, l_no_exp, l_log2_exp, l_average, l_nunique_dropna],
    "generalize_zip": [zip_through_int, zip_no_padding, zip_zero_padding, zip_accepts_int, zip_keeps_last,
                       zip_dollar_anchor],
    "linkage_attack": [link_first_match, link_inner_join, link_subset_of_qis, link_positions,
                       link_unique_in_release, link_tuples_nan],
}


# --------------------------------------------------------------------------- correct, written differently


def uniqueness_value_counts(df, quasi_identifiers):
    """value_counts(dropna=False) mapped back to rows."""
    qis = _qis(df, quasi_identifiers)
    sizes = df.groupby(qis, dropna=False)[qis[0]].transform("size")
    return float((sizes == 1).sum() / len(df))


def k_fillna(df, quasi_identifiers):
    """Fills missing values with a marker first (on a copy), then groups with the defaults."""
    qis = _qis(df, quasi_identifiers)
    filled = df[qis].astype(object).where(df[qis].notna(), "<missing>")
    return int(filled.groupby(qis).size().min())


def l_numpy_entropy(df, quasi_identifiers, sensitive, kind="distinct"):
    """Entropy with numpy over value counts; distinct via sets of the class values."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    best = math.inf
    for _, values in df.groupby(qis, dropna=False)[sensitive]:
        counts = values.value_counts(dropna=False).to_numpy(dtype=float)
        if kind == "distinct":
            best = min(best, len(counts))
        else:
            p = counts / counts.sum()
            best = min(best, float(np.exp(-(p * np.log(p)).sum())))
    return float(best)


def link_counts(release, auxiliary, quasi_identifiers, name_column):
    """value_counts of the auxiliary QIs, then a left merge and a filter."""
    qis = _link_args(release, auxiliary, quasi_identifiers, name_column)
    counts = auxiliary.groupby(qis, dropna=False).size().rename("_n").reset_index()
    aux = auxiliary[[*qis, name_column]].merge(counts, on=qis)
    aux = aux[aux["_n"] == 1]
    merged = release[qis].reset_index(names="_label").merge(aux, on=qis, how="left")
    merged = merged[merged["_n"] == 1]
    return {label: name for label, name in zip(merged["_label"], merged[name_column])}


EQUIVALENTS = {
    "uniqueness": [uniqueness_value_counts],
    "k_anonymity": [k_fillna],
    "l_diversity": [l_numpy_entropy],
    "linkage_attack": [link_counts],
}
