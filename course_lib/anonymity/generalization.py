"""Full-domain generalisation and suppression: make a table k-anonymous (and ℓ-diverse) at least cost.

A *node* of the generalisation lattice gives every quasi-identifier one level of its hierarchy
(``{"age": 1, "zip": 2, "sex": 0}``); full-domain generalisation applies that level to every record
(Samarati 2001; LeFevre, DeWitt & Ramakrishnan 2005, "Incognito"). Going up the lattice only merges
classes, so if a node is k-anonymous after suppressing the records of classes smaller than k, so is
every node above it: the satisfying nodes form an upper set, and its lowest members are the
*minimal* nodes. :func:`anonymize_k` checks every node (fine for lattices of a few thousand nodes;
it and :func:`lattice` refuse, before any work, a lattice of more than ``max_nodes`` nodes, default
``MAX_NODES`` = 50,000, since time grows with the product of the hierarchies' heights), keeps those
that need at most ``max_suppression`` of the records suppressed, and releases the one with the
least information loss:

* precision loss (Sweeney 2002, 1 - Prec): ``(1 / (n |QI|)) sum_records sum_attributes level / height``,
  with a suppressed record counted as fully generalised (loss 1);
* discernibility (Bayardo & Agrawal 2005): ``DM = sum_E |E|**2 + n_suppressed * n`` — every record is
  charged the size of the class it hides in, a suppressed one the whole table.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._checks import check_fraction, check_int, check_sensitive, check_table, class_codes, codes
from .hierarchy import Generalizer, Hierarchy

METRICS = ("precision", "discernibility")
MAX_NODES = 50_000


def _check_hierarchies(hierarchies, columns=None) -> dict[str, Hierarchy]:
    if not isinstance(hierarchies, Mapping) or not hierarchies:
        raise TypeError("hierarchies must be a non-empty dict column -> Hierarchy, "
                        f"got {type(hierarchies).__name__}")
    for column, h in hierarchies.items():
        if not isinstance(h, Hierarchy):
            raise TypeError(f"hierarchies[{column!r}] must be a Hierarchy, got {type(h).__name__}")
    if columns is not None:
        missing = [c for c in hierarchies if c not in columns]
        if missing:
            raise ValueError(f"hierarchies name column(s) {missing} that the table lacks")
    return dict(hierarchies)


def _check_levels(levels, hierarchies: dict[str, Hierarchy]) -> dict[str, int]:
    if not isinstance(levels, Mapping):
        raise TypeError(f"levels must be a dict column -> level, got {type(levels).__name__}")
    out = {}
    for column, level in levels.items():
        if column not in hierarchies:
            raise ValueError(f"levels names {column!r}, which has no hierarchy "
                             f"(hierarchies: {list(hierarchies)})")
        level = check_int(level, f"levels[{column!r}]", 0)
        if level > hierarchies[column].height:
            raise ValueError(f"levels[{column!r}] must be in 0..{hierarchies[column].height}, got {level}")
        out[column] = level
    return out


def generalize(df: pd.DataFrame, hierarchies: Mapping[str, Hierarchy],
               levels: Mapping[str, int]) -> pd.DataFrame:
    """A copy of ``df`` with each column of ``levels`` generalised to its level; other columns unchanged."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    hierarchies = _check_hierarchies(hierarchies, df.columns)
    levels = _check_levels(levels, hierarchies)
    out = df.copy()
    for column, level in levels.items():
        out[column] = hierarchies[column].generalize(df[column], level)
    return out


def suppress(df: pd.DataFrame, quasi_identifiers: list[str], k: int) -> tuple[pd.DataFrame, int]:
    """Drop the records of every equivalence class smaller than ``k``; return the rest (index kept) and
    how many were dropped. What remains is k-anonymous (or empty)."""
    qi = check_table(df, quasi_identifiers, allow_empty=True)
    k = check_int(k, "k", 1)
    if len(df) == 0:
        return df.copy(), 0
    key = class_codes(df, qi)
    keep = np.bincount(key)[key] >= k
    return df[keep].copy(), int((~keep).sum())


def _check_lattice_size(hierarchies: dict[str, Hierarchy], max_nodes) -> int:
    """``prod(height + 1)``, refused up front (before any node is built) if it exceeds ``max_nodes``."""
    max_nodes = check_int(max_nodes, "max_nodes", 1)
    n_nodes = 1
    for h in hierarchies.values():
        n_nodes *= h.height + 1  # exact Python ints: a product of many heights cannot wrap around
        if n_nodes > max_nodes:
            log10 = sum(math.log10(h.height + 1) for h in hierarchies.values())
            size = f"{math.prod(h.height + 1 for h in hierarchies.values())}" if log10 < 15 \
                else f"about 10^{log10:.1f}"
            raise ValueError(
                f"the lattice of {len(hierarchies)} hierarchies has {size} nodes, more than "
                f"max_nodes={max_nodes}; every node is a full pass over the table, so use fewer "
                "attributes or levels, or pass a larger max_nodes if the time and memory are affordable"
            )
    return n_nodes


def _nodes(heights: list[int], suffix: list[int], total: int, i: int = 0) -> Iterator[tuple[int, ...]]:
    """Levels for ``heights[i:]`` summing to ``total``, in lexicographic order (``suffix[j]`` is
    ``sum(heights[j:])``; one generator per attribute is alive at a time)."""
    if i == len(heights) - 1:
        yield (total,)
        return
    for level in range(max(0, total - suffix[i + 1]), min(heights[i], total) + 1):
        for tail in _nodes(heights, suffix, total - level, i + 1):
            yield (level, *tail)


def lattice(hierarchies: Mapping[str, Hierarchy], max_nodes: int = MAX_NODES) -> Iterator[dict[str, int]]:
    """Every node ``{column: level}`` of the full-domain generalisation lattice, lowest total level first
    (ties in lexicographic order); ``prod(height + 1)`` nodes in all.

    A lattice of more than ``max_nodes`` nodes (default ``MAX_NODES`` = 50,000, the limit of
    :func:`anonymize_k`) is a ``ValueError`` raised by this call, before anything is enumerated; the
    nodes are then generated one at a time (memory does not grow with the lattice).
    """
    hierarchies = _check_hierarchies(hierarchies)
    _check_lattice_size(hierarchies, max_nodes)
    columns = list(hierarchies)
    heights = [hierarchies[c].height for c in columns]

    suffix = [sum(heights[j:]) for j in range(len(heights) + 1)]

    def nodes() -> Iterator[dict[str, int]]:
        for total in range(suffix[0] + 1):
            for node in _nodes(heights, suffix, total):
                yield dict(zip(columns, node))

    return nodes()


def precision_loss(levels: Mapping[str, int], hierarchies: Mapping[str, Hierarchy], n_records: int,
                   n_suppressed: int = 0) -> float:
    """1 - Prec (Sweeney 2002): mean ``level / height`` over attributes, suppressed records counting 1."""
    hierarchies = _check_hierarchies(hierarchies)
    levels = _check_levels(levels, hierarchies)
    n_records = check_int(n_records, "n_records", 1)
    n_suppressed = check_int(n_suppressed, "n_suppressed", 0)
    if n_suppressed > n_records:
        raise ValueError(f"n_suppressed must be at most n_records={n_records}, got {n_suppressed}")
    per_record = float(np.mean([levels.get(c, 0) / h.height for c, h in hierarchies.items()]))
    return ((n_records - n_suppressed) * per_record + n_suppressed) / n_records


def discernibility(df: pd.DataFrame, quasi_identifiers: list[str], n_suppressed: int = 0) -> int:
    """``sum_E |E|**2`` over the classes of the released ``df`` plus ``n_suppressed * n`` with
    ``n = len(df) + n_suppressed`` the size of the table before suppression."""
    qi = check_table(df, quasi_identifiers, allow_empty=True)
    n_suppressed = check_int(n_suppressed, "n_suppressed", 0)
    sizes = np.bincount(class_codes(df, qi)) if len(df) else np.zeros(0, dtype=np.int64)
    return int((sizes.astype(np.int64) ** 2).sum()) + n_suppressed * (len(df) + n_suppressed)


@dataclass(frozen=True)
class AnonymizationReport:
    """What :func:`anonymize_k` released and why."""

    levels: dict[str, int]
    k: int
    l: int | None  # noqa: E741 - the ℓ of ℓ-diversity
    sensitive: str | None
    n_records: int
    n_suppressed: int
    achieved_k: int
    achieved_l: int | None
    precision_loss: float
    discernibility: int
    metric: str
    minimal_nodes: list[dict[str, int]]
    n_satisfying: int
    nodes_checked: int
    hierarchies: dict[str, Hierarchy] = field(repr=False)

    @property
    def suppression_rate(self) -> float:
        return self.n_suppressed / self.n_records

    @property
    def generalizers(self) -> dict[str, Generalizer]:
        """``{column: callable}`` applying the released levels, e.g. to an attacker's auxiliary table."""
        return {c: self.hierarchies[c].at(level) for c, level in self.levels.items()}


def anonymize_k(df: pd.DataFrame, quasi_identifiers: list[str], hierarchies: Mapping[str, Hierarchy], k: int,
                max_suppression: float = 0.05, sensitive: str | None = None, l: int | None = None,  # noqa: E741
                metric: str = "precision",
                max_nodes: int = MAX_NODES) -> tuple[pd.DataFrame, AnonymizationReport]:
    """Release ``df`` k-anonymous (and distinct ℓ-diverse in ``sensitive`` if ``l`` is given).

    Every node of the lattice of ``hierarchies`` (one per quasi-identifier) is tried: its classes
    smaller than ``k`` (or with fewer than ``l`` distinct ``sensitive`` values) are suppressed, and
    the node qualifies if that removes at most ``max_suppression`` of the records and leaves at least
    one. Of the qualifying nodes the one with the least ``metric`` (``"precision"`` loss or
    ``"discernibility"``) is released; ties go to the lower node. Returns the generalised table
    without its suppressed records (original index kept; other columns untouched, so drop direct
    identifiers first) and an :class:`AnonymizationReport`. A ``ValueError`` says so when no node
    qualifies, and (before any work) when the lattice has more than ``max_nodes`` nodes.
    """
    qi = check_table(df, quasi_identifiers)
    hierarchies = _check_hierarchies(hierarchies, df.columns)
    missing = [c for c in qi if c not in hierarchies]
    extra = [c for c in hierarchies if c not in qi]
    if missing or extra:
        raise ValueError("hierarchies must cover exactly the quasi_identifiers: "
                         f"missing {missing}, extra {extra}")
    k = check_int(k, "k", 1)
    max_suppression = check_fraction(max_suppression, "max_suppression")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if (l is None) != (sensitive is None):
        raise ValueError("pass sensitive and l together (or neither)")
    if l is not None:
        sensitive = check_sensitive(df, sensitive, qi)
        l = check_int(l, "l", 1)  # noqa: E741
    n_nodes = _check_lattice_size({c: hierarchies[c] for c in qi}, max_nodes)

    n = len(df)
    allowed = int(np.floor(max_suppression * n + 1e-9))
    level_codes = {c: [codes(hierarchies[c].generalize(df[c], level))[0]
                       for level in range(hierarchies[c].height + 1)] for c in qi}
    s_codes = codes(df[sensitive])[0] if l is not None else None

    satisfying = []
    for node in lattice({c: hierarchies[c] for c in qi}, max_nodes):
        key = np.zeros(n, dtype=np.int64)
        for c in qi:
            part = level_codes[c][node[c]]
            key = np.unique(key * (part.max() + 1) + part, return_inverse=True)[1].ravel()
        sizes = np.bincount(key)
        ok = sizes >= k
        if l is not None:
            pairs = np.unique(key * (s_codes.max() + 1) + s_codes)
            ok &= np.bincount(pairs // (s_codes.max() + 1), minlength=len(sizes)) >= l
        n_sup = int(sizes[~ok].sum())
        if n_sup <= allowed and n_sup < n:
            kept = sizes[ok]
            satisfying.append({
                "node": node, "n_suppressed": n_sup, "achieved_k": int(kept.min()),
                "precision": precision_loss(node, {c: hierarchies[c] for c in qi}, n, n_sup),
                "discernibility": int((kept.astype(np.int64) ** 2).sum()) + n_sup * n,
            })
    if not satisfying:
        need = f"k={k}" + (f" and l={l} distinct values of {sensitive!r}" if l is not None else "")
        raise ValueError(f"no generalisation reaches {need} while suppressing at most "
                         f"{max_suppression:.1%} of the {n} records (even the top node, one class of all "
                         "records, fails)")

    def below(a: dict, b: dict) -> bool:
        return a != b and all(a[c] <= b[c] for c in qi)

    minimal = [s["node"] for s in satisfying if not any(below(t["node"], s["node"]) for t in satisfying)]
    best = min(satisfying, key=lambda s: (s[metric], sum(s["node"].values()), tuple(s["node"].values())))
    levels = best["node"]
    generalized = generalize(df, hierarchies, levels)
    release, n_sup = suppress(generalized, qi, k)
    if l is not None:  # also drop the classes that are too uniform in the sensitive value
        key = class_codes(release, qi)
        distinct = pd.Series(release[sensitive].to_numpy()).groupby(key, dropna=False).nunique(dropna=False)
        keep = distinct.to_numpy()[key] >= l
        n_sup += int((~keep).sum())
        release = release[keep]
    if n_sup != best["n_suppressed"]:  # the release must be exactly the node the search judged
        raise RuntimeError(f"released suppression {n_sup} differs from the lattice search's "
                           f"{best['n_suppressed']}")
    report = AnonymizationReport(
        levels=levels, k=k, l=l, sensitive=sensitive, n_records=n, n_suppressed=n_sup,
        achieved_k=best["achieved_k"],
        achieved_l=None if l is None else int(_min_distinct(release, qi, sensitive)),
        precision_loss=best["precision"], discernibility=best["discernibility"], metric=metric,
        minimal_nodes=minimal, n_satisfying=len(satisfying), nodes_checked=n_nodes,
        hierarchies={c: hierarchies[c] for c in qi},
    )
    return release, report


def _min_distinct(df: pd.DataFrame, qi: list[str], sensitive: str) -> int:
    key = class_codes(df, qi)
    s = codes(df[sensitive])[0]
    pairs = np.unique(key * (s.max() + 1) + s)
    return int(np.bincount(pairs // (s.max() + 1)).min())
