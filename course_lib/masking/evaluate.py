"""A PII detector is a classifier: measure it like one, per entity, on labelled text.

For one entity, over a corpus, a true span is *found* when the detector returns a span of that
entity that matches it; every returned span that matches no true span is a false positive:

* ``match="exact"``: same ``start``, ``end`` and entity. A detector that masks one character too few
  leaves it in clear text, so this is the default;
* ``match="overlap"``: same entity and at least one shared character (each true span and each
  returned span is matched at most once, in order of position).

Then ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``, ``F1`` their harmonic mean
(the Message Understanding Conference scores, as in Presidio's evaluator); ``support = TP + FN``
is the number of true spans. A ratio with a zero denominator is undefined and reported as NaN.
A span with the right bounds but the wrong entity counts as a miss of one entity and a false alarm
of the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .spans import Span, check_entities

MATCHES = ("exact", "overlap")


@dataclass(frozen=True)
class Scores:
    """Counts and ratios of one entity (NaN where a ratio's denominator is 0)."""

    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if math.isnan(p) or math.isnan(r):
            return math.nan
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Error:
    """One mistake: ``kind`` is ``"FP"`` (returned, not true) or ``"FN"`` (true, not returned)."""

    doc: int
    kind: str
    span: Span
    value: str


def _match(truth: list[Span], found: list[Span], match: str) -> tuple[list[Span], list[Span]]:
    """The unmatched true spans and the unmatched returned spans of one document and one entity."""
    if match == "exact":
        true_keys = {(s.start, s.end) for s in truth}
        found_keys = {(s.start, s.end) for s in found}
        return ([s for s in truth if (s.start, s.end) not in found_keys],
                [s for s in found if (s.start, s.end) not in true_keys])
    missed, unused = [], sorted(found, key=lambda s: (s.start, s.end))
    for t in sorted(truth, key=lambda s: (s.start, s.end)):
        hit = next((f for f in unused if f.overlaps(t)), None)
        if hit is None:
            missed.append(t)
        else:
            unused.remove(hit)
    return missed, unused


def _checked(detector, corpus, entities, match) -> tuple[Sequence, tuple[str, ...]]:
    if not callable(detector):
        raise TypeError(f"detector must be a callable text -> list[Span], got {type(detector).__name__}")
    if match not in MATCHES:
        raise ValueError(f"match must be one of {MATCHES}, got {match!r}")
    corpus = list(corpus)
    for doc in corpus:
        if not (hasattr(doc, "text") and hasattr(doc, "spans")):
            raise TypeError(f"corpus must hold documents with .text and .spans (LabelledDoc), got "
                            f"{type(doc).__name__}")
    return corpus, check_entities(entities)


def _mistakes(detector: Callable[[str], list[Span]], corpus: Iterable, entities, match: str):
    """Per document and entity: (doc index, entity, true spans, unmatched true, unmatched returned)."""
    corpus, entities = _checked(detector, corpus, entities, match)
    for i, doc in enumerate(corpus):
        found = list(detector(doc.text))
        for entity in entities:
            truth = [s for s in doc.spans if s.entity == entity]
            mine = [s for s in found if s.entity == entity]
            missed, wrong = _match(truth, mine, match)
            yield i, doc, entity, truth, missed, wrong


def evaluate(detector: Callable[[str], list[Span]], corpus: Iterable, entities=None, *,
             match: str = "exact") -> dict[str, Scores]:
    """Precision, recall, F1 and support of ``detector`` per entity on a labelled ``corpus``."""
    counts = {}
    for _, _, entity, truth, missed, wrong in _mistakes(detector, corpus, entities, match):
        tp, fp, fn = counts.get(entity, (0, 0, 0))
        counts[entity] = (tp + len(truth) - len(missed), fp + len(wrong), fn + len(missed))
    return {entity: Scores(*c) for entity, c in counts.items()}


def micro_average(scores: dict[str, Scores]) -> Scores:
    """All entities pooled: the sums of their TP, FP and FN."""
    return Scores(sum(s.tp for s in scores.values()), sum(s.fp for s in scores.values()),
                  sum(s.fn for s in scores.values()))


def errors(detector: Callable[[str], list[Span]], corpus: Iterable, entities=None, *,
           match: str = "exact") -> list[Error]:
    """Every false positive and false negative, with its document index and text, for inspection."""
    out = []
    for i, doc, _, _, missed, wrong in _mistakes(detector, corpus, entities, match):
        out += [Error(i, "FN", s, s.value(doc.text)) for s in missed]
        out += [Error(i, "FP", s, s.value(doc.text)) for s in wrong]
    return sorted(out, key=lambda e: (e.doc, e.span.start, e.kind))
