"""Detection takes time linear in the length of the text, on inputs built to make patterns backtrack.

Each adversarial shape repeats a small unit (a digit, digits glued to a letter, hex groups and
colons, dots between digits, ``@`` and dots, dashes or spaces between digit groups, long words, ...)
to 10 000 and to 100 000 characters. A pattern that retries from every position of a long run, or
whose nested quantifiers can split a run in many ways, takes about 100 times longer on the longer
text; a linear one about 10 times. The growth is asserted by ratio (below 30), never by absolute
time: CPU time of this process, the best of a few runs.
``benchmarks/masking_detect.py`` times 1 MB of each shape.
"""

from __future__ import annotations

import gc
import time

import pytest

from course_lib.masking import detect, detect_normalised


def repeat(unit: str, suffix: str = ""):
    return lambda n: (unit * (n // len(unit) + 1))[:n] + suffix


# A family of shapes, each aimed at a kind of pattern: a run of one kind of character that a
# pattern reads, glued at its end to a character that makes the match fail at the last moment.
ADVERSARIAL = {
    "digits": repeat("1"),
    "digits glued to a letter": repeat("1", "a"),
    "letter then digits": lambda n: "a" + "1" * n,
    "digit groups and dashes": repeat("12-", "x"),
    "digits and dashes": repeat("1-", "_"),
    "digit groups and spaces": repeat("1234 ", "a"),
    "digits and spaces": repeat("1 ", ":"),
    "hex groups and colons": repeat("ab:", "x"),
    "digits and colons": repeat("1:", "x"),
    "double colons": repeat("::", "g"),
    "dotted digits and colons": repeat("1.1:", "x"),
    "dots between digits": repeat("1.", "x"),
    "dotted quads": repeat("1.1.1.1.", "a"),
    "letters and dots before @": repeat("a.", "@"),
    "@ and letters": repeat("a@"),
    "@ then labels": lambda n: "a@" + repeat("a.", "-")(n),
    "labels on both sides of @": lambda n: repeat("a.")(n // 2) + "@" + repeat("b.", "_")(n // 2),
    "slashes between digits": repeat("1/", "x"),
    "plus signs": repeat("+1"),
    "brackets": repeat("(1)"),
    "long word": repeat("a"),
    "month names": repeat("Dec "),
    "day and month": repeat("31 of "),
    "a digit then spaces": lambda n: "1" + " " * n + "x",
    "slashed dates": repeat("12/12/"),
    "IBAN starts": repeat("DE12 "),
    "SSN starts": repeat("123-45-"),
    "other scripts' digits": repeat("４ "),
    "zero-width spaces": repeat("1\u200b"),
    "soft hyphens": repeat("1\u00ad"),
    "extensions": repeat("1 x "),
    "phone numbers": repeat("(201) 555-"),
    "time stamps": repeat("2024-12-31 14:30:"),
    "line breaks": repeat("1\n"),
}
SIZES = (10_000, 100_000)


def cpu_seconds(fn, text: str, repeats: int) -> float:
    """Best CPU time of ``repeats`` runs, with the garbage collector paused (its passes grow with
    every object alive, not with this call), and at least 5 ms: a short text whose time is mostly
    fixed costs must not make a linear detector look quadratic."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.process_time()
            fn(text)
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return max(best, 0.005)


@pytest.mark.parametrize("detector", [detect, detect_normalised], ids=["detect", "detect_normalised"])
@pytest.mark.parametrize("shape", ADVERSARIAL)
def test_detection_time_grows_linearly_with_the_length_of_adversarial_text(shape, detector):
    small, large = (ADVERSARIAL[shape](n) for n in SIZES)
    detector(small)  # compiled patterns and caches warm
    growth = cpu_seconds(detector, large, 2) / cpu_seconds(detector, small, 3)
    assert growth < 30, f"{shape}: 10x the text took {growth:.0f}x the time"

