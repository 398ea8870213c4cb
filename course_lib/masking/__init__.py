"""Finding and transforming personal data in text and tables (notebook 01).

Detection (``detect`` and its validators) is kept apart from transformation (operators); a
:class:`Span` is what passes between them.
"""

from .spans import ENTITIES, Span, check_entities

__all__ = ["ENTITIES", "Span", "check_entities"]
