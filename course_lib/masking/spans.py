"""What a detector returns: a typed, half-open span of text.

Detection (finding PII) is kept apart from transformation (operators that mask, pseudonymise or
tokenise it), as in Microsoft Presidio's recognizer/operator split: a :class:`Span` is the only thing
that travels from one to the other.
"""

from __future__ import annotations

from dataclasses import dataclass

ENTITIES: tuple[str, ...] = (
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "DATE_TIME",
    "PERSON",
)


@dataclass(frozen=True, order=True)
class Span:
    """``text[start:end]`` is a detected ``entity`` (``end`` exclusive); ``score`` is in [0, 1]."""

    start: int
    end: int
    entity: str
    score: float = 1.0

    def __post_init__(self) -> None:
        if self.entity not in ENTITIES:
            raise ValueError(f"entity must be one of {', '.join(ENTITIES)}, got {self.entity!r}")
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or not 0 <= self.start < self.end:
            raise ValueError(f"need integers 0 <= start < end, got start={self.start!r}, end={self.end!r}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score!r}")

    def value(self, text: str) -> str:
        """The detected characters, ``text[start:end]``."""
        return text[self.start:self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def check_entities(entities) -> tuple[str, ...]:
    """Validate an ``entities`` argument: ``None`` means all of :data:`ENTITIES`."""
    if entities is None:
        return ENTITIES
    if isinstance(entities, str):
        entities = (entities,)
    entities = tuple(entities)
    unknown = [e for e in entities if e not in ENTITIES]
    if unknown:
        raise ValueError(f"unknown entity name(s) {unknown}; valid names: {', '.join(ENTITIES)}")
    if not entities:
        raise ValueError(f"entities must name at least one of {', '.join(ENTITIES)} (or be None for all)")
    return entities
