"""Attribute disclosure: how much a class gives away about its sensitive values (ℓ-diversity, t-closeness).

k-anonymity hides *who* a record is, not *what* it says: if every record of a class has the same
diagnosis, an attacker who places Bob in that class learns Bob's diagnosis (the homogeneity attack).

* Distinct ℓ-diversity: every class holds at least ℓ distinct sensitive values; ``l_diversity``
  returns the smallest number of distinct values in any class.
* Entropy ℓ-diversity (Machanavajjhala, Kifer, Gehrke & Venkitasubramaniam 2007): every class has
  entropy ``H(E) = -sum_s p(E, s) ln p(E, s) >= ln ℓ``; ``l_diversity(kind="entropy")`` returns the
  largest such ℓ, ``exp(min_E H(E))``, the "effective number" of values of the least diverse class.
  Always ``1 <= entropy ℓ <= distinct ℓ``.
* t-closeness (Li, Li & Venkatasubramanian 2007): the distribution ``P`` of the sensitive value in
  every class is within Earth Mover's Distance ``t`` of its distribution ``Q`` in the whole table;
  ``t_closeness`` returns ``max_E EMD(P_E, Q)``, in [0, 1]. With ``r_i = p_i - q_i``:

  - equal distance (categories with no order): ``EMD = 1/2 sum_i |r_i|``;
  - ordered distance (numbers, ordinal values ``v_1 < ... < v_m``, ground distance
    ``|i - j| / (m - 1)``): ``EMD = 1/(m - 1) sum_{i=1}^{m} |r_1 + ... + r_i|``;
  - hierarchical distance (a category tree of height ``H``; two leaves are ``level / H`` apart,
    ``level`` the height of their lowest common ancestor): ``EMD = sum_N height(N)/H *
    min(pos_extra(N), neg_extra(N))``, where ``extra`` of a leaf is ``r_i``, of a node the sum over its
    leaves, and ``pos_extra``/``neg_extra`` sum the positive/negative extras of its children.

A missing sensitive value is a value of its own (it is what the attacker sees); for the ordered
distance it has no place in the order, so it is a ``ValueError`` there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ._checks import check_sensitive, check_table, class_codes, codes
from .hierarchy import CategoricalHierarchy

L_KINDS = ("distinct", "entropy")


def _class_value_counts(df: pd.DataFrame, qi: list[str], sensitive: str) -> tuple[np.ndarray, np.ndarray]:
    """Counts ``C[E, s]`` of each sensitive value ``s`` (columns, NaN its own) in each class ``E`` (rows)."""
    key = class_codes(df, qi)
    value, uniques = codes(df[sensitive])
    counts = np.zeros((key.max() + 1, len(uniques)), dtype=np.int64)
    np.add.at(counts, (key, value), 1)
    return counts, uniques


def l_diversity(df: pd.DataFrame, quasi_identifiers: list[str], sensitive: str,
                kind: str = "distinct") -> float:
    """ℓ of the least diverse class: its number of distinct ``sensitive`` values (``kind="distinct"``)
    or ``exp`` of its entropy in nats (``kind="entropy"``). 1.0 means some class gives its value away."""
    qi = check_table(df, quasi_identifiers)
    sensitive = check_sensitive(df, sensitive, qi)
    if kind not in L_KINDS:
        raise ValueError(f"kind must be one of {L_KINDS}, got {kind!r}")
    counts, _ = _class_value_counts(df, qi, sensitive)
    if kind == "distinct":
        return float((counts > 0).sum(axis=1).min())
    p = counts / counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return float(np.exp(entropy.min()))


def _order(column: pd.Series, uniques: np.ndarray, ordered) -> np.ndarray | None:
    """Rank of each distinct value for the ordered distance, or ``None`` for the equal distance."""
    is_ordered_cat = isinstance(column.dtype, pd.CategoricalDtype) and column.dtype.ordered
    numeric = is_numeric_dtype(column.dtype) and not is_bool_dtype(column.dtype)
    if ordered is None:
        ordered = bool(numeric or is_ordered_cat)
    if ordered is False:
        return None
    if pd.isna(pd.Series(uniques, dtype=object)).any():
        raise ValueError("the ordered distance cannot place a missing sensitive value; drop or fill NaN "
                         "first, or pass ordered=False")
    if ordered is True:
        if is_ordered_cat:
            return np.asarray([column.cat.categories.get_loc(u) for u in uniques])
        if not numeric and not pd.api.types.is_datetime64_any_dtype(column.dtype):
            raise ValueError(f"ordered=True needs a numeric, datetime or ordered categorical column; "
                             f"{column.name!r} is {column.dtype}: pass the order as a list instead")
        return np.argsort(np.argsort(np.asarray(list(uniques)), kind="stable"), kind="stable")
    if isinstance(ordered, (str, bytes)) or not isinstance(ordered, Sequence):
        raise TypeError(f"ordered must be None, True, False or a list of values in order, got {ordered!r}")
    position = {v: i for i, v in enumerate(ordered)}
    unknown = [u for u in uniques if u not in position]
    if unknown:
        raise ValueError(f"ordered lacks the sensitive value(s) {unknown[:5]}; list every value in order")
    return np.asarray([position[u] for u in uniques])


def _hierarchical_emd(p: np.ndarray, q: np.ndarray, uniques: np.ndarray,
                      hierarchy: CategoricalHierarchy) -> np.ndarray:
    """EMD of each row of ``p`` to ``q`` under the hierarchical ground distance of ``hierarchy``."""
    height = hierarchy.height
    unknown = [u for u in uniques if u not in hierarchy.mapping]
    if unknown:
        raise ValueError(f"hierarchy lacks the sensitive value(s) {unknown[:5]}")
    extra = p - q[None, :]  # one column per leaf
    # nodes[j][i]: the level-j ancestor of leaf i (level 0 = the leaf itself, level H = the root)
    nodes = [np.arange(len(uniques))]
    for level in range(1, height):
        paths = [tuple(hierarchy.mapping[u][level - 1:]) for u in uniques]  # a node is its path to the root
        nodes.append(pd.factorize(pd.Series(paths, dtype=object))[0])
    nodes.append(np.zeros(len(uniques), dtype=np.int64))
    cost = np.zeros(len(p))
    child_extra = extra
    for level in range(1, height + 1):
        child = nodes[level - 1]
        parent_of_child = np.zeros(child.max() + 1, dtype=np.int64)
        parent_of_child[child] = nodes[level]
        n_parents = nodes[level].max() + 1
        pos = np.zeros((len(p), n_parents))
        neg = np.zeros((len(p), n_parents))
        np.add.at(pos.T, parent_of_child, np.clip(child_extra, 0, None).T)
        np.add.at(neg.T, parent_of_child, np.clip(-child_extra, 0, None).T)
        cost += level / height * np.minimum(pos, neg).sum(axis=1)
        child_extra = pos - neg
    return cost


def t_closeness(df: pd.DataFrame, quasi_identifiers: list[str], sensitive: str, *, ordered=None,
                hierarchy: CategoricalHierarchy | None = None) -> float:
    """The largest Earth Mover's Distance between a class's ``sensitive`` distribution and the table's.

    ``ordered``: ``None`` (default) uses the ordered distance for numeric and ordered-categorical
    columns and the equal distance otherwise; ``True``/``False`` force it; a list gives the order of
    ordinal values. ``hierarchy``: use the hierarchical distance of this category tree instead. Only
    the values present in the table count as its domain (``m`` above), as in Li et al. (2007).
    """
    qi = check_table(df, quasi_identifiers)
    sensitive = check_sensitive(df, sensitive, qi)
    if hierarchy is not None and not isinstance(hierarchy, CategoricalHierarchy):
        raise TypeError(f"hierarchy must be a CategoricalHierarchy, got {type(hierarchy).__name__}")
    if hierarchy is not None and ordered not in (None, False):
        raise ValueError("pass either hierarchy= or ordered=, not both")
    counts, uniques = _class_value_counts(df, qi, sensitive)
    p = counts / counts.sum(axis=1, keepdims=True)
    q = counts.sum(axis=0) / counts.sum()
    if hierarchy is not None:
        distance = _hierarchical_emd(p, q, uniques, hierarchy)
    else:
        rank = _order(df[sensitive], uniques, ordered)
        if rank is None:
            distance = 0.5 * np.abs(p - q[None, :]).sum(axis=1)
        else:
            ranks = np.unique(rank)  # tied ranks (equal values) share one position
            where = np.searchsorted(ranks, rank)
            m = len(ranks)
            if m == 1:
                return 0.0
            r = np.zeros((len(p), m))
            np.add.at(r.T, where, (p - q[None, :]).T)
            distance = np.abs(np.cumsum(r, axis=1)).sum(axis=1) / (m - 1)
    return float(np.clip(distance.max(), 0.0, 1.0))
