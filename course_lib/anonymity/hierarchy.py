"""Generalisation hierarchies: each quasi-identifier gets coarser level by level, up to ``*``.

Level 0 is the value as recorded; the top level (``height``) replaces every value by ``*`` (the
attribute is suppressed). Each level is a function of the one below it, so records that agree at a
level still agree at every higher level: classes only merge on the way up, which is what makes
k-anonymity monotone over the lattice of levels (Samarati 2001).

=========================  ====================================================================
``IntervalHierarchy``       numbers into nested bands: 37 -> [35, 40) -> [30, 40) -> [20, 40) -> *
``PrefixHierarchy``         strings lose their last characters: 02138 -> 0213* -> 021** -> ... -> *****
``DateHierarchy``           dates: 1965-03-12 -> 1965-03 -> 1965 -> 1960s -> *
``CategoricalHierarchy``    a category tree: HIV -> infectious -> *; F/M -> *
=========================  ====================================================================

A missing value (NaN/NaT/None) stays missing below the top level (it is a value of its own) and becomes
``*`` at the top. A value a hierarchy cannot generalise (a ZIP code of the wrong length, a category
missing from the tree) is an error, never passed through unchanged.
"""

from __future__ import annotations

import math
import sys
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from pandas.api.types import (
    is_bool_dtype,
    is_complex_dtype,
    is_datetime64_any_dtype,
    is_integer_dtype,
    is_numeric_dtype,
)

from .._intervals import (
    _first_float,
    band_index,
    decimal_param,
    decimal_text,
    edge_text,
    exact,
    first_float_at_or_above,
    float_edge_text,
    is_finite_real,
)
from ._checks import check_int

TOP = "*"


class Hierarchy(ABC):
    """Levels ``0..height`` of one attribute; subclasses say how to generalise to a middle level."""

    height: int

    @property
    def top(self) -> str:
        """The label of the top level, where nothing about the value is left."""
        return TOP

    @abstractmethod
    def _check(self, values: pd.Series) -> None:
        """Raise unless every non-missing value can be generalised by this hierarchy."""

    @abstractmethod
    def _generalize(self, values: pd.Series, level: int) -> pd.Series:
        """Values at ``0 < level < height``; missing values stay missing."""

    @abstractmethod
    def level_names(self) -> tuple[str, ...]:
        """A short name for each level ``0..height``."""

    def generalize(self, values: pd.Series, level: int) -> pd.Series:
        """``values`` generalised to ``level`` (0: unchanged copy; ``height``: all ``top``)."""
        if not isinstance(values, pd.Series):
            raise TypeError(f"values must be a pandas Series, got {type(values).__name__}")
        level = check_int(level, "level", 0)
        if level > self.height:
            raise ValueError(f"level must be in 0..{self.height} for {self!r}, got {level}")
        self._check(values)
        if level == 0:
            return values.copy()
        if level == self.height:
            return pd.Series(self.top, index=values.index, dtype=object, name=values.name)
        return self._generalize(values, level).rename(values.name)

    def at(self, level: int) -> Generalizer:
        """A callable that generalises a Series to ``level`` (what ``linkage_attack`` applies to the
        auxiliary table so that it speaks the release's language)."""
        level = check_int(level, "level", 0)
        if level > self.height:
            raise ValueError(f"level must be in 0..{self.height} for {self!r}, got {level}")
        return Generalizer(self, level)


@dataclass(frozen=True)
class Generalizer:
    """``hierarchy.generalize(values, level)`` as a one-argument callable."""

    hierarchy: Hierarchy
    level: int

    def __call__(self, values: pd.Series) -> pd.Series:
        return self.hierarchy.generalize(values, self.level)


def _check_numeric(values: pd.Series) -> None:
    if not is_numeric_dtype(values.dtype) or is_bool_dtype(values.dtype) or is_complex_dtype(values.dtype):
        raise TypeError(f"column {values.name!r} must be numeric (real numbers) for an IntervalHierarchy, "
                        f"got {values.dtype}")
    finite = values.dropna()
    if not np.all(np.isfinite(finite.to_numpy(dtype=np.float64))):
        raise ValueError(f"column {values.name!r} contains infinite values; an interval cannot hold them")


def _check_param(value, name: str) -> Fraction:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not is_finite_real(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return decimal_param(value)


class IntervalHierarchy(Hierarchy):
    """Numbers into half-open bands ``[lo, lo + w)`` with ``lo = origin + w * floor((x - origin) / w)``.

    ``widths`` are the band widths of levels ``1..len(widths)``, strictly increasing, each a whole
    multiple of the one before (so a band lies inside exactly one band of the next level); the level
    above the last width is ``*``. Default: 5-, 10- and 20-year age bands.

    Exact: ``widths`` and ``origin`` are read as the decimals they print as (``0.1`` is one tenth, so
    ``(0.1, 0.3)`` nest exactly), each value as the exact number it is (an int64 column is not
    rounded to float), and the band is found with exact arithmetic. For a float column, labels write
    each edge with the digits it needs for the label to hold exactly the floats of its band, read with
    ``float()`` or as exact decimals (see ``course_lib._intervals``): ``[35, 40)``,
    ``[0.2, 0.30000000000000004)`` (no float equals three tenths); an integer column gets the exact
    decimal edges (``[0.2, 0.3)``). Different bands never share a label.
    """

    def __init__(self, widths: Sequence[float] = (5, 10, 20), *, origin: float = 0) -> None:
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
            raise TypeError(f"widths must be a non-empty list of numbers, got {widths!r}")
        exact_widths = []
        for w in widths:
            if isinstance(w, (bool, np.bool_)) or not isinstance(w, (int, float, np.integer, np.floating)) \
                    or not is_finite_real(w) or w <= 0:
                raise ValueError(f"widths must be finite numbers > 0, got {widths!r}")
            exact_widths.append(decimal_param(w))
        for small, big in zip(exact_widths, exact_widths[1:]):
            ratio = big / small
            if ratio <= 1 or ratio.denominator != 1:
                raise ValueError(f"each width must be a whole multiple (> 1) of the one before (as decimals: "
                                 f"{decimal_text(big)} / {decimal_text(small)} = {float(ratio):.17g}), "
                                 f"got {widths!r}")
        self._widths = tuple(exact_widths)
        self._origin = _check_param(origin, "origin")
        self.widths = tuple(float(w) for w in exact_widths)
        self.origin = float(self._origin)
        self.height = len(exact_widths) + 1

    def __repr__(self) -> str:
        return (f"IntervalHierarchy(widths={tuple(decimal_text(w) for w in self._widths)}, "
                f"origin={decimal_text(self._origin)})")

    def level_names(self) -> tuple[str, ...]:
        return ("value", *(f"width {decimal_text(w)}" for w in self._widths), TOP)

    def _check(self, values: pd.Series) -> None:
        _check_numeric(values)

    def _generalize(self, values: pd.Series, level: int) -> pd.Series:
        w = self._widths[level - 1]
        # an integer column is labelled with the exact decimal edges (its values are ints, which the
        # exact edges contain); a float column with the edges written for floats (module docstring)
        integer = is_integer_dtype(values.dtype)
        codes, uniques = pd.factorize(values)  # missing values get code -1
        labels = np.empty(len(uniques) + 1, dtype=object)
        labels[-1] = np.nan  # missing values stay missing
        labels[:-1] = _band_labels(np.asarray(uniques), self._origin, w, integer)
        return pd.Series(labels[codes], index=values.index, dtype=object)


def _band_labels(values: np.ndarray, origin: Fraction, width: Fraction, integer: bool) -> np.ndarray:
    """The label ``[lo, hi)`` of the band of each (distinct, present) value, found exactly.

    Fast path: a float guess ``floor((x - origin) / width)`` per value and one exact pair of edges
    per distinct guess; for a float ``x``, ``x >= E`` exactly when ``x`` is ``>=`` the first float at
    or above ``E``, so float comparisons check the guess exactly. Values whose guess is off (rounding
    next to an edge) or not exact in a float (|guess| >= 2**52, ints beyond 2**53) are placed with
    exact rational arithmetic. Integer columns get exact decimal edges, float columns edges written
    for floats (``course_lib._intervals``)."""
    texts: dict = {}

    def text(edge: Fraction, f: float | None = None) -> str:
        """Cached by the first float at or above the edge (float columns) or the edge itself."""
        f = first_float_at_or_above(edge) if f is None and not integer else f
        if integer or not -sys.float_info.max < f < math.inf:  # beyond the floats: by the edge
            if edge not in texts:
                texts[edge] = decimal_text(edge) if integer else edge_text(edge)
            return texts[edge]
        f = float(f)
        if f not in texts:
            texts[f] = float_edge_text(f)
        return texts[f]

    out = np.empty(len(values), dtype=object)
    if values.dtype.kind in "iu":
        usable = (values >= -(2**53)) & (values <= 2**53)
    elif values.dtype.kind == "f":
        usable = values.astype(np.float64) == values  # False only for a longdouble beyond float64
    else:
        usable = np.zeros(len(values), dtype=bool)
    if usable.any():
        as_float = np.where(usable, values, 0).astype(np.float64)
        with np.errstate(all="ignore"):
            guess = np.floor((as_float - float(origin)) / float(width))
        usable &= np.isfinite(guess) & (np.abs(guess) < 2.0**52)
        idx = np.flatnonzero(usable)
        bands, where = np.unique(guess[idx], return_inverse=True)
        # edge n is (a d + n c b) / (b d) for origin a/b and width c/d: integer arithmetic
        a, b, c, d = origin.numerator, origin.denominator, width.numerator, width.denominator
        lo_f = np.array([_first_float(a * d + int(n) * c * b, b * d) for n in bands], dtype=np.float64)
        hi_f = np.array([_first_float(a * d + (int(n) + 1) * c * b, b * d) for n in bands], dtype=np.float64)
        x = as_float[idx]
        inside = (lo_f[where] <= x) & (x < hi_f[where])
        band_labels = np.empty(len(bands), dtype=object)
        for n in np.unique(where[inside]):
            lo = origin + int(bands[n]) * width
            band_labels[n] = f"[{text(lo, lo_f[n])}, {text(lo + width, hi_f[n])})"
        out[idx[inside]] = band_labels[where[inside]]
        usable[idx[~inside]] = False
    for i in np.flatnonzero(~usable):
        lo = origin + band_index(exact(values[i]), origin, width) * width
        out[i] = f"[{text(lo)}, {text(lo + width)})"
    return out


class PrefixHierarchy(Hierarchy):
    """Fixed-length codes (ZIP codes by default) lose one trailing character per level to ``mask``.

    ``"02138"`` -> ``"0213*"`` -> ``"021**"`` -> ``"02***"`` -> ``"0****"`` -> ``"*****"`` (levels 0..5).
    Values must be strings of exactly ``length`` characters: an integer ZIP column has already lost
    its leading zeros, so it is a ``TypeError``.
    """

    def __init__(self, length: int = 5, mask: str = TOP) -> None:
        self.length = check_int(length, "length", 1)
        if not isinstance(mask, str) or len(mask) != 1:
            raise ValueError(f"mask must be a single character, got {mask!r}")
        self.mask = mask
        self.height = self.length

    def __repr__(self) -> str:
        return f"PrefixHierarchy(length={self.length})"

    @property
    def top(self) -> str:
        return self.mask * self.length

    def level_names(self) -> tuple[str, ...]:
        return tuple(f"{self.length - i} kept" for i in range(self.length)) + (self.top,)

    def _check(self, values: pd.Series) -> None:
        present = values.dropna().astype(object)
        not_str = present[~present.map(lambda v: isinstance(v, str)).astype(bool)]
        if len(not_str):
            raise TypeError(f"column {values.name!r} must hold strings of length {self.length} (ZIP codes "
                            f"keep their leading zeros as text), got {type(not_str.iloc[0]).__name__} "
                            f"{not_str.iloc[0]!r}; convert with .astype(str).str.zfill({self.length})")
        wrong = present[present.str.len() != self.length]
        if len(wrong):
            raise ValueError(f"column {values.name!r} must hold strings of exactly {self.length} characters; "
                             f"{len(wrong)} value(s) do not, e.g. {wrong.iloc[0]!r}")

    def _generalize(self, values: pd.Series, level: int) -> pd.Series:
        return values.astype(object).str[: self.length - level] + self.mask * level


DATE_STEPS = ("month", "year", "decade")


class DateHierarchy(Hierarchy):
    """Dates coarsened step by step: ``1965-03-12`` -> ``"1965-03"`` -> ``"1965"`` -> ``"1960s"`` -> ``*``.

    ``steps`` is an ordered selection of ``("month", "year", "decade")``; level ``i`` applies
    ``steps[i - 1]`` and the level above the last is ``*``. Values must be a datetime column.
    """

    def __init__(self, steps: Sequence[str] = DATE_STEPS) -> None:
        if isinstance(steps, str) or not isinstance(steps, Sequence) or not steps:
            raise TypeError(f"steps must be a non-empty list drawn from {DATE_STEPS}, got {steps!r}")
        steps = tuple(steps)
        if any(s not in DATE_STEPS for s in steps) or list(steps) != sorted(steps, key=DATE_STEPS.index) \
                or len(set(steps)) != len(steps):
            raise ValueError(f"steps must be distinct values of {DATE_STEPS} in that order, got {steps!r}")
        self.steps = steps
        self.height = len(steps) + 1

    def __repr__(self) -> str:
        return f"DateHierarchy(steps={self.steps})"

    def level_names(self) -> tuple[str, ...]:
        return ("day", *self.steps, TOP)

    def _check(self, values: pd.Series) -> None:
        if not is_datetime64_any_dtype(values.dtype):
            raise TypeError(f"column {values.name!r} must be datetime64 for a DateHierarchy, "
                            f"got {values.dtype}; convert it with pd.to_datetime")

    def _generalize(self, values: pd.Series, level: int) -> pd.Series:
        step = self.steps[level - 1]
        if step == "month":
            out = values.dt.strftime("%Y-%m")
        elif step == "year":
            out = values.dt.strftime("%Y")
        else:
            decade = values.dt.year // 10 * 10
            out = decade.map(lambda y: f"{int(y)}s", na_action="ignore")
        return out.astype(object).where(values.notna(), np.nan)


class CategoricalHierarchy(Hierarchy):
    """A category tree given as ``{value: (parent, grandparent, ...)}``; the root ``*`` is implicit.

    Every value lists the same number of ancestors (height = that number + 1), and a node always has
    the same parent (it is a tree). ``CategoricalHierarchy({"F": (), "M": ()})`` only suppresses.
    A value absent from the tree is a ``ValueError``, so nothing escapes generalisation unnoticed.
    """

    def __init__(self, mapping: Mapping[Hashable, Sequence[str]]) -> None:
        if not isinstance(mapping, Mapping) or not mapping:
            raise TypeError("mapping must be a non-empty dict value -> ancestors, "
                            f"got {type(mapping).__name__}")
        paths = {}
        for value, ancestors in mapping.items():
            if isinstance(ancestors, str) or not isinstance(ancestors, Sequence):
                raise TypeError(f"mapping[{value!r}] must be a tuple of ancestors, got {ancestors!r}")
            paths[value] = tuple(ancestors)
        depths = {len(p) for p in paths.values()}
        if len(depths) != 1:
            raise ValueError("every value must list the same number of ancestors, "
                             f"got depths {sorted(depths)}")
        for level in range(len(next(iter(paths.values()))) - 1):
            parent: dict = {}
            for path in paths.values():
                if parent.setdefault(path[level], path[level + 1]) != path[level + 1]:
                    raise ValueError(f"{path[level]!r} has two parents, {parent[path[level]]!r} and "
                                     f"{path[level + 1]!r}; a hierarchy must be a tree")
        self.mapping = paths
        self.height = depths.pop() + 1

    @classmethod
    def from_parents(cls, *parents: Mapping[Hashable, str]) -> CategoricalHierarchy:
        """Build from one ``{child: parent}`` dict per level, leaves first:
        ``from_parents({"HIV": "infectious", ...}, {"infectious": "disease", ...})``."""
        if not parents:
            raise ValueError("from_parents needs at least one {child: parent} mapping")
        mapping = {}
        for leaf, parent in parents[0].items():
            path = [parent]
            for level, up in enumerate(parents[1:], start=1):
                if path[-1] not in up:
                    raise ValueError(f"level {level + 1} mapping lacks {path[-1]!r} (parent of {leaf!r})")
                path.append(up[path[-1]])
            mapping[leaf] = tuple(path)
        return cls(mapping)

    @classmethod
    def flat(cls, values: Sequence[Hashable]) -> CategoricalHierarchy:
        """Just the value and ``*`` (e.g. sex: ``flat(["F", "M"])``)."""
        return cls({v: () for v in values})

    def __repr__(self) -> str:
        return f"CategoricalHierarchy({len(self.mapping)} values, height={self.height})"

    def level_names(self) -> tuple[str, ...]:
        return ("value", *(f"ancestor {i}" for i in range(1, self.height)), TOP)

    def _check(self, values: pd.Series) -> None:
        present = pd.unique(values.dropna().astype(object))
        unknown = [v for v in present if v not in self.mapping]
        if unknown:
            raise ValueError(f"column {values.name!r} has value(s) missing from the hierarchy, "
                             f"e.g. {unknown[:5]}; add them to the tree")

    def _generalize(self, values: pd.Series, level: int) -> pd.Series:
        return values.astype(object).map(lambda v: self.mapping[v][level - 1], na_action="ignore")
