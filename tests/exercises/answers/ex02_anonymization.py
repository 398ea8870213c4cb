"""Answers to exercise 02 written from its docstrings: CORRECT ones the checkers must accept, WRONG
ones they must reject."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd


def _check(df, qis, name="df"):
    if not isinstance(df, pd.DataFrame):
        raise TypeError(name)
    if len(df) == 0:
        raise ValueError(name)
    if not isinstance(qis, (list, tuple)):
        raise TypeError("quasi_identifiers")
    qis = list(qis)
    if not qis or len(set(qis)) != len(qis) or any(q not in df.columns for q in qis):
        raise ValueError("quasi_identifiers")
    return qis


_NAN = object()


def _keys(df, qis):
    """One hashable key per row, NaN replaced by a marker of its own."""
    return [tuple(_NAN if (isinstance(v, float) and math.isnan(v)) or v is None or v is pd.NA
                  or v is pd.NaT else v for v in row) for row in df[qis].itertuples(index=False)]


# --------------------------------------------------------------------------- uniqueness


def uniq_counter(df, quasi_identifiers):
    qis = _check(df, quasi_identifiers)
    keys = _keys(df, qis)
    counts = Counter(keys)
    return sum(counts[k] == 1 for k in keys) / len(keys)


def uniq_groupby(df, quasi_identifiers):
    qis = _check(df, quasi_identifiers)
    sizes = df.groupby(qis, dropna=False)[qis[0]].transform("size")
    return float((sizes == 1).sum() / len(df))


def uniq_value_counts(df, quasi_identifiers):
    qis = _check(df, quasi_identifiers)
    counts = df[qis].value_counts(dropna=False)
    return float((counts == 1).sum()) / len(df)


def uniq_float32(df, quasi_identifiers):
    """Correct: a float32 fraction (good to ~1e-7)."""
    qis = _check(df, quasi_identifiers)
    alone = ~df.duplicated(subset=qis, keep=False).to_numpy()
    return np.float32(alone.sum()) / np.float32(len(df))


def uniq_dropna(df, quasi_identifiers):  # WRONG: rows missing a QI vanish
    qis = _check(df, quasi_identifiers)
    counts = df.groupby(qis).size()
    return float((counts == 1).sum() / len(df))


def uniq_per_class(df, quasi_identifiers):  # WRONG: share of classes, not rows
    qis = _check(df, quasi_identifiers)
    counts = df.groupby(qis, dropna=False).size()
    return float((counts == 1).mean())


def uniq_count(df, quasi_identifiers):  # WRONG: a count, not a fraction
    qis = _check(df, quasi_identifiers)
    return int((~df.duplicated(subset=qis, keep=False)).sum())


def uniq_distinct(df, quasi_identifiers):  # WRONG: distinct combinations / rows
    qis = _check(df, quasi_identifiers)
    return len(df.drop_duplicates(subset=qis)) / len(df)


def uniq_keep_first(df, quasi_identifiers):  # WRONG: first of each class counted
    qis = _check(df, quasi_identifiers)
    return float((~df.duplicated(subset=qis)).mean())


def uniq_complement(df, quasi_identifiers):  # WRONG
    return 1.0 - uniq_counter(df, quasi_identifiers)


def uniq_fillna(df, quasi_identifiers):  # WRONG: NaN filled with 0 collides with a real 0
    qis = _check(df, quasi_identifiers)
    return float((~df[qis].fillna(0).duplicated(keep=False)).mean())


def uniq_nan_distinct(df, quasi_identifiers):  # WRONG: NaN never equals NaN
    qis = _check(df, quasi_identifiers)
    keys = [tuple(float("nan") if isinstance(v, float) and v != v else v for v in row)
            for row in df[qis].itertuples(index=False)]
    counts = Counter(keys)
    return sum(counts[k] == 1 for k in keys) / len(keys)


# --------------------------------------------------------------------------- k_anonymity


def k_counter(df, quasi_identifiers):
    qis = _check(df, quasi_identifiers)
    return min(Counter(_keys(df, qis)).values())


def k_value_counts(df, quasi_identifiers):
    qis = _check(df, quasi_identifiers)
    return int(df.value_counts(subset=qis, dropna=False).min())


def k_numpy_int(df, quasi_identifiers):
    qis = _check(df, quasi_identifiers)
    return df.groupby(qis, dropna=False).size().to_numpy().min()  # a NumPy integer


def k_dropna(df, quasi_identifiers):  # WRONG
    qis = _check(df, quasi_identifiers)
    return int(df.groupby(qis).size().min())


def k_max(df, quasi_identifiers):  # WRONG: largest class
    qis = _check(df, quasi_identifiers)
    return int(df.groupby(qis, dropna=False).size().max())


def k_n_classes(df, quasi_identifiers):  # WRONG
    qis = _check(df, quasi_identifiers)
    return int(df.groupby(qis, dropna=False).ngroups)


def k_fillna(df, quasi_identifiers):  # WRONG: NaN filled with "" collides with a real ""
    qis = _check(df, quasi_identifiers)
    return int(df[qis].fillna("").value_counts().min())


def k_float(df, quasi_identifiers):  # WRONG: a float
    return float(k_counter(df, quasi_identifiers))


def k_no_check(df, quasi_identifiers):  # WRONG: a str QI is read as a list of letters... or not checked
    return int(df.groupby(list(quasi_identifiers), dropna=False).size().min())


# --------------------------------------------------------------------------- l_diversity


def _l_args(df, qis, sensitive, kind):
    qis = _check(df, qis)
    if sensitive not in df.columns or sensitive in qis:
        raise ValueError("sensitive")
    if kind not in ("distinct", "entropy"):
        raise ValueError("kind")
    return qis


def _classes(df, qis, sensitive):
    groups: dict = {}
    for key, value in zip(_keys(df, qis), df[sensitive], strict=True):
        value = _NAN if isinstance(value, float) and math.isnan(value) else value
        groups.setdefault(key, []).append(value)
    return list(groups.values())


def l_python(df, quasi_identifiers, sensitive, kind="distinct"):
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    classes = _classes(df, qis, sensitive)
    if kind == "distinct":
        return float(min(len(set(c)) for c in classes))
    best = math.inf
    for c in classes:
        n = len(c)
        h = -sum(m / n * math.log(m / n) for m in Counter(c).values())
        best = min(best, h)
    return math.exp(best)


def l_scipy(df, quasi_identifiers, sensitive, kind="distinct"):
    from scipy.stats import entropy
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    values = []
    for _, g in df.groupby(qis, dropna=False):
        counts = g[sensitive].value_counts(dropna=False)
        values.append(len(counts) if kind == "distinct" else math.exp(entropy(counts.to_numpy())))
    return float(min(values))


def _l_wrong(df, qis, sensitive, kind, *, log=math.log, dropna=False, agg=min, raw_h=False,
             counts_not_p=False):
    qis = _l_args(df, qis, sensitive, kind)
    values = []
    for _, g in df.groupby(qis, dropna=dropna):
        counts = g[sensitive].value_counts(dropna=dropna)
        if kind == "distinct":
            values.append(float(len(counts)))
            continue
        p = counts.to_numpy() / (1 if counts_not_p else counts.sum())
        h = -sum(x * log(x) for x in p)
        values.append(h if raw_h else math.exp(h))
    return float(agg(values))


def l_float32(df, quasi_identifiers, sensitive, kind="distinct"):
    """Correct: the entropy computed in float32."""
    qis = _l_args(df, quasi_identifiers, sensitive, kind)
    if kind == "distinct":
        return l_python(df, quasi_identifiers, sensitive, kind)
    best = np.float32(np.inf)
    for c in _classes(df, qis, sensitive):
        p = np.array(list(Counter(c).values()), dtype=np.float32) / np.float32(len(c))
        best = min(best, np.float32(-(p * np.log(p)).sum()))
    return np.exp(best)


def l_log2(df, qis, sensitive, kind="distinct"):  # WRONG
    return _l_wrong(df, qis, sensitive, kind, log=math.log2)


def l_dropna_sensitive(df, qis, sensitive, kind="distinct"):  # WRONG: NaN dropped everywhere
    return _l_wrong(df, qis, sensitive, kind, dropna=True)


def l_max(df, qis, sensitive, kind="distinct"):  # WRONG
    return _l_wrong(df, qis, sensitive, kind, agg=max)


def l_mean(df, qis, sensitive, kind="distinct"):  # WRONG
    return _l_wrong(df, qis, sensitive, kind, agg=lambda v: sum(v) / len(v))


def l_raw_entropy(df, qis, sensitive, kind="distinct"):  # WRONG: H, not exp(H)
    return _l_wrong(df, qis, sensitive, kind, raw_h=True)


def l_counts(df, qis, sensitive, kind="distinct"):  # WRONG: counts, not frequencies
    return _l_wrong(df, qis, sensitive, kind, counts_not_p=True)


def l_nunique(df, qis, sensitive, kind="distinct"):  # WRONG: nunique() drops NaN sensitive values
    q = _l_args(df, qis, sensitive, kind)
    if kind == "distinct":
        return float(df.groupby(q, dropna=False)[sensitive].nunique().min())
    return l_python(df, qis, sensitive, kind)


def l_no_sensitive_check(df, qis, sensitive, kind="distinct"):  # WRONG: sensitive may be a QI
    q = _check(df, qis)
    if kind not in ("distinct", "entropy"):
        raise ValueError("kind")
    if sensitive not in df.columns:
        raise ValueError("sensitive")
    groups = df.groupby(q, dropna=False)[sensitive]
    if kind == "distinct":
        return float(groups.nunique(dropna=False).min())
    return l_python(df, qis, sensitive, kind) if sensitive not in q else 1.0


def l_any_kind(df, qis, sensitive, kind="distinct"):  # WRONG: unknown kinds mean "entropy"
    q = _check(df, qis)
    if sensitive not in df.columns or sensitive in q:
        raise ValueError("sensitive")
    return l_python(df, qis, sensitive, "distinct" if kind == "distinct" else "entropy")


def l_int(df, qis, sensitive, kind="distinct"):  # WRONG: rounded to an int
    return int(round(l_python(df, qis, sensitive, kind)))


# --------------------------------------------------------------------------- generalize_zip


def _zip_ok(zip_code, digits_kept):
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if not re.fullmatch(r"[0-9]{5}", zip_code):
        raise ValueError("zip_code")
    if not isinstance(digits_kept, int) or isinstance(digits_kept, bool) or not 0 <= digits_kept <= 5:
        raise ValueError("digits_kept")


def zip_ljust(zip_code, digits_kept):
    _zip_ok(zip_code, digits_kept)
    return zip_code[:digits_kept].ljust(5, "*")


def zip_ascii_flag(zip_code, digits_kept):
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if re.fullmatch(r"\d{5}", zip_code, flags=re.ASCII) is None:
        raise ValueError("zip_code")
    if digits_kept not in range(6) or isinstance(digits_kept, bool):
        raise ValueError("digits_kept")
    return "".join(c if i < digits_kept else "*" for i, c in enumerate(zip_code))


def zip_isdigit(zip_code, digits_kept):  # WRONG: "٠٢١٣٨" and "²" pass isdigit
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if len(zip_code) != 5 or not zip_code.isdigit():
        raise ValueError("zip_code")
    if not isinstance(digits_kept, int) or not 0 <= digits_kept <= 5:
        raise ValueError("digits_kept")
    return zip_code[:digits_kept] + "*" * (5 - digits_kept)


def zip_isdecimal(zip_code, digits_kept):  # WRONG: Arabic-Indic digits pass isdecimal
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if len(zip_code) != 5 or not zip_code.isdecimal():
        raise ValueError("zip_code")
    if not isinstance(digits_kept, int) or not 0 <= digits_kept <= 5:
        raise ValueError("digits_kept")
    return zip_code[:digits_kept] + "*" * (5 - digits_kept)


def zip_dollar(zip_code, digits_kept):  # WRONG: "$" matches before a final newline
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if not re.match(r"[0-9]{5}$", zip_code):
        raise ValueError("zip_code")
    if not isinstance(digits_kept, int) or not 0 <= digits_kept <= 5:
        raise ValueError("digits_kept")
    return zip_code[:digits_kept] + "*" * (5 - digits_kept)


def zip_from_right(zip_code, digits_kept):  # WRONG
    _zip_ok(zip_code, digits_kept)
    return "*" * (5 - digits_kept) + zip_code[5 - digits_kept:]


def zip_short(zip_code, digits_kept):  # WRONG: length not kept
    _zip_ok(zip_code, digits_kept)
    return zip_code[:digits_kept]


def zip_int(zip_code, digits_kept):  # WRONG: through int, the leading zero is lost
    _zip_ok(zip_code, digits_kept)
    z = str(int(zip_code))
    return (z[:digits_kept] + "*" * 5)[:5]


def zip_no_kept_check(zip_code, digits_kept):  # WRONG: 6 or -1 accepted
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if not re.fullmatch(r"[0-9]{5}", zip_code):
        raise ValueError("zip_code")
    return zip_code[:digits_kept] + "*" * max(0, 5 - digits_kept)


def zip_accepts_int(zip_code, digits_kept):  # WRONG: an int ZIP is zero-padded
    if isinstance(zip_code, int):
        zip_code = f"{zip_code:05d}"
    return zip_ljust(zip_code, digits_kept)


def zip_any_length(zip_code, digits_kept):  # WRONG: ZIP+4 accepted
    if not isinstance(zip_code, str):
        raise TypeError("zip_code")
    if not zip_code[:5].isascii() or not zip_code[:5].isdigit():
        raise ValueError("zip_code")
    if not isinstance(digits_kept, int) or not 0 <= digits_kept <= 5:
        raise ValueError("digits_kept")
    return zip_code[:digits_kept] + "*" * (5 - digits_kept)


def zip_hash_char(zip_code, digits_kept):  # WRONG
    return zip_ljust(zip_code, digits_kept).replace("*", "X")


# --------------------------------------------------------------------------- linkage_attack


def _link_ok(release, auxiliary, qis, name_column):
    qis = _check(release, qis, "release")
    _check(auxiliary, qis, "auxiliary")
    if name_column not in auxiliary.columns:
        raise ValueError("name_column")
    return qis


def link_loops(release, auxiliary, quasi_identifiers, name_column):
    qis = _link_ok(release, auxiliary, quasi_identifiers, name_column)
    aux_keys = _keys(auxiliary, qis)
    names = list(auxiliary[name_column])
    count = Counter(aux_keys)
    name_of = {k: n for k, n in zip(aux_keys, names, strict=True) if count[k] == 1}
    return {label: name_of[k] for label, k in zip(release.index, _keys(release, qis), strict=True)
            if k in name_of}


def link_merge(release, auxiliary, quasi_identifiers, name_column):
    qis = _link_ok(release, auxiliary, quasi_identifiers, name_column)
    aux = auxiliary[qis + [name_column]].copy()
    aux["_n"] = aux.groupby(qis, dropna=False)[name_column].transform("size")
    aux = aux[aux["_n"] == 1].drop(columns="_n")
    rel = release[qis].copy()
    rel["_label"] = list(release.index)
    merged = rel.merge(aux, on=qis, how="inner")
    return {row["_label"]: row[name_column] for _, row in merged.iterrows()}


def link_dropna(release, auxiliary, quasi_identifiers, name_column):  # WRONG: NaN never matches
    qis = _link_ok(release, auxiliary, quasi_identifiers, name_column)
    out = link_loops(release, auxiliary, qis, name_column)
    missing = release[qis].isna().any(axis=1)
    return {k: v for k, v in out.items() if not missing.loc[k]}


def link_first_match(release, auxiliary, quasi_identifiers, name_column):  # WRONG: ambiguous kept
    qis = _link_ok(release, auxiliary, quasi_identifiers, name_column)
    first = {}
    for k, n in zip(_keys(auxiliary, qis), auxiliary[name_column], strict=True):
        first.setdefault(k, n)
    return {label: first[k] for label, k in zip(release.index, _keys(release, qis), strict=True)
            if k in first}


def link_positions(release, auxiliary, quasi_identifiers, name_column):  # WRONG: positions, not labels
    out = link_loops(release, auxiliary, quasi_identifiers, name_column)
    where = {label: i for i, label in enumerate(release.index)}
    return {where[label]: name for label, name in out.items()}


def link_modifies(release, auxiliary, quasi_identifiers, name_column):  # WRONG: adds a column
    out = link_loops(release, auxiliary, quasi_identifiers, name_column)
    release["linked_name"] = pd.Series(out)
    return out


def link_first_qi(release, auxiliary, quasi_identifiers, name_column):  # WRONG: only one QI
    return link_loops(release, auxiliary, list(quasi_identifiers)[:1], name_column)


def link_names_to_labels(release, auxiliary, quasi_identifiers, name_column):  # WRONG direction
    return {v: k for k, v in link_loops(release, auxiliary, quasi_identifiers, name_column).items()}


def link_unique_in_release_too(release, auxiliary, quasi_identifiers, name_column):  # WRONG
    qis = _link_ok(release, auxiliary, quasi_identifiers, name_column)
    out = link_loops(release, auxiliary, qis, name_column)
    counts = Counter(_keys(release, qis))
    keys = dict(zip(release.index, _keys(release, qis), strict=True))
    return {k: v for k, v in out.items() if counts[keys[k]] == 1}


def link_no_name_check(release, auxiliary, quasi_identifiers, name_column):  # WRONG: KeyError
    qis = _check(release, quasi_identifiers, "release")
    _check(auxiliary, qis, "auxiliary")
    return link_loops(release, auxiliary, qis, name_column) if name_column in auxiliary else \
        auxiliary[name_column]


def link_numpy_labels(release, auxiliary, quasi_identifiers, name_column):
    """Correct: labels and names as NumPy scalars compare and hash like the plain values."""
    out = link_loops(release, auxiliary, quasi_identifiers, name_column)
    return {np.int64(k) if isinstance(k, int) else k: v for k, v in out.items()}


CORRECT = {
    "uniqueness": [uniq_counter, uniq_groupby, uniq_value_counts, uniq_float32],
    "k_anonymity": [k_counter, k_value_counts, k_numpy_int],
    "l_diversity": [l_python, l_scipy, l_float32],
    "generalize_zip": [zip_ljust, zip_ascii_flag],
    "linkage_attack": [link_loops, link_merge, link_numpy_labels],
}

WRONG = {
    "uniqueness": [uniq_dropna, uniq_per_class, uniq_count, uniq_distinct, uniq_keep_first, uniq_complement,
                   uniq_fillna, uniq_nan_distinct],
    "k_anonymity": [k_dropna, k_max, k_n_classes, k_fillna, k_float, k_no_check],
    "l_diversity": [l_log2, l_dropna_sensitive, l_max, l_mean, l_raw_entropy, l_counts, l_nunique,
                    l_no_sensitive_check, l_any_kind, l_int],
    "generalize_zip": [zip_isdigit, zip_isdecimal, zip_dollar, zip_from_right, zip_short, zip_int,
                       zip_no_kept_check, zip_accepts_int, zip_any_length, zip_hash_char],
    "linkage_attack": [link_dropna, link_first_match, link_positions, link_modifies, link_first_qi,
                       link_names_to_labels, link_unique_in_release_too, link_no_name_check],
}
