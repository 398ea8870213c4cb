"""``detect``: run every recognizer, then settle overlaps so that nothing detected is left uncovered.

Recognizers disagree: ``phonenumbers`` may read the middle of a card number or an IBAN as a phone
number, and an IPv4 address sits inside an IPv4-mapped IPv6 one. ``resolve`` settles this with one
documented, deterministic rule:

1. candidates that overlap, directly or through a chain of overlaps, form one cluster;
2. the cluster's winner is the candidate ranked first by: higher score, then longer, then earlier
   start, then the order of ``ENTITIES``;
3. the cluster becomes *one* span with the winner's entity and score, stretched to the union of the
   cluster (from its first start to its last end).

Step 3 is what a masking pipeline needs: when two candidates overlap only in part, neither alone
covers the other's characters, and an operator that replaced only the winner would leave a fragment
of the loser (a few digits of a number) in clear text. The spans returned never overlap and are
sorted by start, so operators can replace them from right to left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .recognizers import RECOGNIZERS
from .spans import ENTITIES, Span, check_entities


def rank(span: Span) -> tuple:
    """Sort key of the overlap rule: higher score, longer, earlier, then entity order first."""
    return (-span.score, -(span.end - span.start), span.start, ENTITIES.index(span.entity))


def resolve(candidates: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans, sorted by start, that cover every character of ``candidates``: each
    cluster of overlapping candidates becomes its best-ranked member stretched over the cluster."""
    candidates = list(candidates)
    for span in candidates:
        if not isinstance(span, Span):
            raise TypeError(f"candidates must be Span objects, got {type(span).__name__}")
    clusters: list[list] = []  # [start, end, members]
    for span in sorted(candidates, key=lambda s: (s.start, s.end)):
        if clusters and span.start < clusters[-1][1]:
            clusters[-1][1] = max(clusters[-1][1], span.end)
            clusters[-1][2].append(span)
        else:
            clusters.append([span.start, span.end, [span]])
    resolved = []
    for start, end, members in clusters:
        winner = min(members, key=rank)
        resolved.append(Span(start, end, winner.entity, winner.score))
    return resolved


def check_min_score(min_score) -> float:
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)):
        raise TypeError(f"min_score must be a number in [0, 1], got {type(min_score).__name__}")
    if math.isnan(min_score) or not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be in [0, 1], got {min_score!r}")
    return float(min_score)


def detect(text: str, entities=None, *, min_score: float = 0.0) -> list[Span]:
    """The personal data in ``text``: sorted, non-overlapping :class:`Span` objects.

    ``entities`` (default: all of ``ENTITIES``) chooses what is *reported*; every recognizer still
    runs, so that the digits of a card number are not reported as a phone number when only phone
    numbers are asked for. Candidates scoring below ``min_score`` are dropped before overlaps are
    resolved (``resolve``).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    wanted = check_entities(entities)
    min_score = check_min_score(min_score)
    candidates = [span for entity in ENTITIES for span in RECOGNIZERS[entity](text)
                  if span.score >= min_score]
    return [span for span in resolve(candidates) if span.entity in wanted]
