"""Audits of a masking pipeline on labelled text, as notebook 01 runs them.

Each function answers one question about a masker, a detector or an operator, measured on labelled
documents (anything with ``.text`` and ``.spans``, such as ``pii_corpus``'s ``LabelledDoc``; some also
read ``.decoys`` or ``.perturbations``):

* ``leak(masker, docs)``: how many planted values a masker leaves unchanged, and how many of their
  digits stay visible (the article's ``data_masking``, section 1);
* ``luhn_only(text)``: a naive card detector, every card-shaped number that passes Luhn, to show what
  the issuer check adds; ``what_it_was(doc, span)`` says what a false alarm really was;
* ``name_form(value)`` and ``every_known_name(text)``: how a missed name was written, and a naive
  gazetteer that flags every run of capitalised known names;
* ``measure_operator(...)``: an operator's properties measured by calling it (deterministic,
  joinable, reversible, keyed), to compare with the flags it declares;
* ``distinct_expected(n, m)``: the birthday problem, the number of distinct values expected when
  ``n`` draws fall uniformly on ``m`` values;
* ``recall_by_disguise(detector, docs)``: recall per kind of disguise on ``pii_corpus(adversarial=True)``;
* ``survivors(docs, detector, operators)``: the planted values still in the anonymised text, written as
  they were or in a compact form (``536-22-1234`` sought as ``536221234`` too);
* ``same_day_kept(before, after, date, person)``: of the pairs of different people who share a date,
  the share who still share it after the dates were shifted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from .person import known_name
from .spans import Span
from .text import anonymize
from .validators import ascii_digits, luhn_valid

Detector = Callable[[str], list[Span]]


def _docs(docs: Iterable) -> list:
    docs = list(docs)
    for doc in docs:
        if not (hasattr(doc, "text") and hasattr(doc, "spans")):
            raise TypeError(f"docs must hold documents with .text and .spans (LabelledDoc), got "
                            f"{type(doc).__name__}")
    return docs


def _callable(fn, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be callable, got {type(fn).__name__}")


def visible_digits(text: str) -> int:
    """How many characters of ``text`` are digits (of any script)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return sum(ch.isdigit() for ch in text)


@dataclass(frozen=True)
class Leak:
    """What a masker left of the planted values: counts, and the two shares they give."""

    planted: int
    unchanged: int
    digits: int
    digits_left: int

    @property
    def unchanged_share(self) -> float:
        return self.unchanged / self.planted if self.planted else float("nan")

    @property
    def digits_left_share(self) -> float:
        return self.digits_left / self.digits if self.digits else float("nan")


def leak(masker: Callable[[str], str], docs: Iterable) -> Leak:
    """Run ``masker`` (text -> text of the same length) on every document and compare each planted
    value with the characters at its place in the output."""
    _callable(masker, "masker")
    planted = unchanged = digits = digits_left = 0
    for doc in _docs(docs):
        masked = masker(doc.text)
        if not isinstance(masked, str) or len(masked) != len(doc.text):
            raise ValueError("masker must return a str of the same length as its input, so that spans "
                             "still point at the same values")
        for span in doc.spans:
            value, after = span.value(doc.text), masked[span.start:span.end]
            planted += 1
            unchanged += value == after
            digits += visible_digits(value)
            digits_left += visible_digits(after)
    return Leak(planted, unchanged, digits, digits_left)


CARD_SHAPED = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")


def luhn_only(text: str) -> list[Span]:
    """Every run of 13 to 19 digits (spaces or dashes between them) that passes Luhn, as a card."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return [Span(m.start(), m.end(), "CREDIT_CARD")
            for m in CARD_SHAPED.finditer(text) if luhn_valid(m.group())]


def what_it_was(doc, span: Span) -> str:
    """What a detected span of ``doc`` really covers: a decoy (``"decoy: order"``), part of a planted
    value (``"part of a planted IBAN_CODE"``), or ``"other text"``."""
    for start, end, kind in getattr(doc, "decoys", ()):
        if start < span.end and span.start < end:
            return f"decoy: {kind}"
    return next((f"part of a planted {s.entity}" for s in doc.spans if s.overlaps(span)), "other text")


def name_form(value: str) -> str:
    """How a name is written: ``"lower case"``, ``"FAMILY, Given"`` or ``"other"``."""
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    if value.islower():
        return "lower case"
    family = value.split(",")[0]
    return "FAMILY, Given" if "," in value and family.isupper() else "other"


_CAPITALISED_RUN = re.compile(r"[A-Z]\w+(?: [A-Z]\w+)*")


def every_known_name(text: str) -> list[Span]:
    """A naive name detector: every run of capitalised words that are all in the gazetteer."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return [Span(m.start(), m.end(), "PERSON") for m in _CAPITALISED_RUN.finditer(text)
            if all(known_name(w) for w in m.group().split())]


def unknown_names(docs: Iterable) -> list[tuple[int, Span]]:
    """(document index, span) of every planted name none of whose words the gazetteer knows."""
    return [(i, s) for i, d in enumerate(_docs(docs)) for s in d.spans
            if s.entity == "PERSON" and not any(known_name(w.strip(",.")) for w in s.value(d.text).split())]


def measure_operator(op: Callable, values: Sequence[str], entity: str, *, other_key_op: Callable,
                     opener: Callable[[str], str] | None = None) -> dict[str, object]:
    """An operator's properties, measured on ``values`` of one ``entity``.

    * ``deterministic``: a second call gives the same outputs;
    * ``joinable``: deterministic, and as many distinct outputs as distinct values;
    * ``reversible``: ``opener`` (given, say, a key) turns every output back into its value;
    * ``keyed``: ``other_key_op`` (the same operator made with another key) shares no output with it.
    """
    _callable(op, "op")
    _callable(other_key_op, "other_key_op")
    if opener is not None:
        _callable(opener, "opener")
    values = list(values)
    if not values:
        raise ValueError("values must not be empty")
    out = [op(v, entity) for v in values]
    deterministic = out == [op(v, entity) for v in values]
    return {
        "distinct outputs": len(set(out)),
        "deterministic": deterministic,
        "joinable": deterministic and len(set(out)) == len(set(values)),
        "reversible": opener is not None and all(opener(o) == v for o, v in zip(out, values)),
        "keyed": not set(out) & {other_key_op(v, entity) for v in values},
    }


def distinct_expected(n: int, m: int) -> float:
    """Expected number of distinct values among ``n`` uniform draws from ``m`` (the birthday problem)."""
    for value, name in ((n, "n"), (m, "m")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return m * (1 - (1 - 1 / m) ** n)


def recall_by_disguise(detector: Detector, docs: Iterable) -> dict[str, float]:
    """Exact-span recall of ``detector`` per kind of disguise (``doc.perturbations``), in the order
    the kinds first appear."""
    _callable(detector, "detector")
    found: Counter = Counter()
    total: Counter = Counter()
    for doc in _docs(docs):
        spans = {(s.start, s.end, s.entity) for s in detector(doc.text)}
        for span, kind in zip(doc.spans, doc.perturbations, strict=True):
            total[kind] += 1
            found[kind] += (span.start, span.end, span.entity) in spans
    return {kind: found[kind] / total[kind] for kind in total}


def compact(text: str) -> str:
    """Only the letters and digits of ``text``, digits in ASCII: ``'536-22-1234'`` -> ``'536221234'``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return "".join(ch for ch in ascii_digits(text) if ch.isalnum())


def survivors(docs: Iterable, detector: Detector, operators: Mapping | None = None, *,
              min_compact: int = 8) -> list[tuple[int, str, str]]:
    """(document index, entity, value) of every planted value still in the document after
    ``anonymize(text, operators, spans=detector(text))``: found as written, or (when its compact form
    has at least ``min_compact`` characters) in the compact form of the output."""
    _callable(detector, "detector")
    left = []
    for i, doc in enumerate(_docs(docs)):
        out = anonymize(doc.text, operators, spans=detector(doc.text)).text
        flat = compact(out)
        for span in doc.spans:
            value = span.value(doc.text)
            short = compact(value)
            if value in out or (len(short) >= min_compact and short in flat):
                left.append((i, span.entity, value))
    return left


def same_day_kept(before: pd.DataFrame, after: pd.DataFrame, date: str, person: str) -> tuple[int, float]:
    """(pairs, share): the number of pairs of rows of different people with the same ``date`` in
    ``before``, and the share of those pairs whose dates are still equal in ``after`` (same rows, in
    the same order)."""
    if not (isinstance(before, pd.DataFrame) and isinstance(after, pd.DataFrame)):
        raise TypeError("before and after must be pandas DataFrames")
    if len(before) != len(after):
        raise ValueError(f"before and after must have the same rows, got {len(before)} and {len(after)}")
    rows = pd.DataFrame({"row": range(len(before)), "date": before[date].to_numpy(),
                         "person": before[person].to_numpy()})
    pairs = rows.merge(rows, on="date")
    pairs = pairs[pairs["person_x"] < pairs["person_y"]]  # different people, each pair once
    if pairs.empty:
        return 0, float("nan")
    moved = after[date].to_numpy()
    kept = moved[pairs["row_x"].to_numpy()] == moved[pairs["row_y"].to_numpy()]
    return len(pairs), float(kept.mean())
