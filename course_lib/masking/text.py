"""Anonymise free text: detect the personal data, then replace every detected value.

``anonymize(text, {"US_SSN": "mask", "EMAIL_ADDRESS": pseudonymize_with(key)})`` runs ``detect``
(unless ``spans`` are given) and replaces each span by its entity's operator. Two rules keep it safe:

* every detected value is replaced: an entity without an entry in ``operators`` gets ``default``
  (``"replace"``, the ``<ENTITY>`` tag); the only way to leave a value as it is, is to say ``"keep"``;
* an unkeyed operator (a mask, a callable of your own) whose output still contains the whole value
  is an error, not a silent leak. (Keyed outputs are pseudo-random: a short value turning up
  inside one by chance is no leak, so they are not checked.)

The output is assembled from the untouched text between spans and the replacements, all sliced
from the original string, so a replacement of a different length never shifts the offsets of the
spans still to come (the same reason Presidio's anonymizer works from right to left).
"""

from __future__ import annotations

from dataclasses import dataclass

from .operators import NAMED, Operator, as_operator
from .spans import Span, check_entities

KEEP = NAMED["keep"]


@dataclass(frozen=True)
class Replacement:
    """The value at ``source`` in the input became ``text[start:end]`` of the output."""

    entity: str
    operator: str
    source: Span
    start: int
    end: int


@dataclass(frozen=True)
class Anonymized:
    """The anonymised ``text`` and one :class:`Replacement` per detected value, in order."""

    text: str
    items: tuple[Replacement, ...]

    def __str__(self) -> str:
        return self.text


def resolve_operators(operators, default) -> tuple[dict[str, Operator], Operator]:
    """Check an entity -> operator map and the default operator; names become :class:`Operator`."""
    if operators is None:
        operators = {}
    if not isinstance(operators, dict):
        raise TypeError(f"operators must be a dict mapping entity names to operators, "
                        f"got {type(operators).__name__}")
    if operators:
        check_entities(tuple(operators))
    resolved = {entity: as_operator(op) for entity, op in operators.items()}
    default_op = as_operator(default)
    for entity, op in (*resolved.items(), ("default", default_op)):
        if op.by is not None:
            raise ValueError(f"operator {op.name!r} for {entity} works on table columns only "
                             f"(it needs the column {op.by!r})")
    return resolved, default_op


def _check_spans(text: str, spans, entities: tuple[str, ...]) -> list[Span]:
    if isinstance(spans, Span) or not hasattr(spans, "__iter__"):
        raise TypeError(f"spans must be a list of Span, got {type(spans).__name__}")
    spans = list(spans)
    for s in spans:
        if not isinstance(s, Span):
            raise TypeError(f"spans must all be Span objects, got {type(s).__name__}")
        if s.end > len(text):
            raise ValueError(f"span {s.start}-{s.end} ends beyond the text (length {len(text)})")
    spans = sorted(s for s in spans if s.entity in entities)
    for a, b in zip(spans, spans[1:]):
        if a.overlaps(b):
            raise ValueError(f"spans must not overlap: {a.entity} at {a.start}-{a.end} and {b.entity} at "
                             f"{b.start}-{b.end}; merge them or choose one")
    return spans


def anonymize(text: str, operators: dict | None = None, *, entities=None, spans=None,
              default="replace", min_score: float = 0.0) -> Anonymized:
    """Replace every detected value in ``text`` by the operator of its entity.

    ``operators`` maps entity names to ``"mask"``, ``"redact"``, ``"replace"``, ``"keep"``, an
    :class:`~course_lib.masking.operators.Operator` (``pseudonymize_with(key)``, ...) or a callable
    ``f(value, entity) -> str``; entities without an entry get ``default``. ``entities`` limits what
    is detected (``None``: all); ``spans`` skips detection and uses these non-overlapping spans
    (those of other entities than ``entities`` are left alone); ``min_score`` is passed to ``detect``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    wanted = check_entities(entities)
    resolved, default_op = resolve_operators(operators, default)
    if spans is None:
        from .detect import detect

        spans = detect(text, wanted, min_score=min_score)
    spans = _check_spans(text, spans, wanted)
    pieces: list[str] = []
    items: list[Replacement] = []
    position = length = 0
    for span in spans:
        before = text[position:span.start]
        pieces.append(before)
        length += len(before)
        op = resolved.get(span.entity, default_op)
        value = span.value(text)
        new = op(value, span.entity)
        if not isinstance(new, str):
            raise TypeError(f"operator {op.name!r} for {span.entity} must return a str, got "
                            f"{type(new).__name__}")
        if op is not KEEP and not op.keyed and value in new:
            raise ValueError(f"operator {op.name!r} for {span.entity} returned output that still contains "
                             f"the value; use 'keep' to keep a value on purpose")
        pieces.append(new)
        items.append(Replacement(span.entity, op.name, span, length, length + len(new)))
        length += len(new)
        position = span.end
    pieces.append(text[position:])
    return Anonymized("".join(pieces), tuple(items))


def anonymize_with(operators: dict | None = None, *, entities=None, default="replace",
                   min_score: float = 0.0) -> Operator:
    """:func:`anonymize` as an operator for a free-text table column (it returns the text only)."""
    resolved, default_op = resolve_operators(operators, default)
    wanted = check_entities(entities)
    deterministic = all(op.deterministic for op in (*resolved.values(), default_op))
    keyed = any(op.keyed for op in (*resolved.values(), default_op))

    def run(value, entity):
        return anonymize(value, resolved, entities=wanted, default=default_op, min_score=min_score).text

    return Operator("anonymize", run, keyed=keyed, deterministic=deterministic)
