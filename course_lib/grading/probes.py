"""Argument objects that watch how a learner's function uses them, for checkers that need to know.

A probe crosses to the grading child as plain data (``wire_state``), is rebuilt there
(``from_wire``), and after the call reports what it saw as plain data (``wire_report``), which the
grader's own probe takes in (``wire_absorb``). They live here, not among the checkers, because the
child may import this module but is not shown the checkers.
"""

from __future__ import annotations


class Counter:
    """How many times candidates were encoded (each hash needs one encode)."""

    encoded = 0


class CountedStr(str):
    """A candidate that counts how often it is encoded."""

    __slots__ = ()

    def encode(self, *args, **kwargs):
        Counter.encoded += 1
        return super().encode(*args, **kwargs)


class OnceIterable:
    """An iterable of candidates that, like a generator or a file, can be read only once."""

    def __init__(self, values):
        self.values = [CountedStr(v) for v in values]
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return iter(self.values if self.passes == 1 else [])

    def wire_state(self) -> list[str]:
        self.encoded_at_call = Counter.encoded
        return [str(v) for v in self.values]

    @classmethod
    def from_wire(cls, values) -> OnceIterable:
        made = cls([v for v in values if isinstance(v, str)])
        made.encoded_before = Counter.encoded
        return made

    def wire_report(self) -> dict:
        return {"passes": self.passes, "encoded": Counter.encoded - getattr(self, "encoded_before", 0)}

    def wire_absorb(self, report) -> None:
        if isinstance(report, dict):
            self.passes = int(report.get("passes", self.passes))
            Counter.encoded = self.encoded_at_call + int(report.get("encoded", 0))
