"""PII detection throughput (MB/s) and precision/recall on the seeded corpus, against Presidio; and
the time of 1 MB of adversarial text.

    .venv/bin/python benchmarks/masking_detect.py [--docs 200] [--seed 0] [--repeats 5] [--adversarial-mb 1]

Measures ``course_lib.masking.detect`` and each of its recognizers on ``pii_corpus(docs, seed)``
(UTF-8 bytes of all documents / median CPU seconds of ``repeats`` passes, one thread). When
``presidio_analyzer`` is importable (the ``crosscheck`` extra: ``pip install -e '.[crosscheck]'``, no
spaCy model needed), the same corpus goes through Presidio's *pattern recognizers only*, called
directly without an NLP engine: CreditCard, Email, Iban, Ip, UsSsn, Phone (same regions as ours) and
Date. Its results are deduplicated with Presidio's own ``EntityRecognizer.remove_duplicates``, as its
analyzer does. Timings alternate between the two in every repeat; ratios are course_lib / Presidio
(above 1: course_lib is faster). Precision and recall use exact span matches
(``course_lib.masking.evaluate``) on the clean and the adversarial corpus.

Last, ``detect`` and ``detect_normalised`` run once on ``--adversarial-mb`` MB of each adversarial shape
of ``tests/masking/test_linear_time.py`` (runs of digits, digits glued to letters, hex groups and
colons, dots between digits, ``@`` and dots, digit groups with dashes or spaces, long words, ...),
which that test checks for linear growth; 0 leaves this out.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from course_lib.data import pii_corpus
from course_lib.masking import ENTITIES, Span, detect, detect_normalised, evaluate, micro_average
from course_lib.masking.recognizers import PHONE_REGIONS, RECOGNIZERS
from course_lib.nbrun import hardware


def presidio_recognizers() -> dict[str, Callable[[str], list]] | None:
    """Presidio's pattern recognizers by entity, each a function text -> RecognizerResults."""
    try:
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            DateRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
    except ImportError:
        return None
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: it falls back to its snapshot
    recognizers = {
        "CREDIT_CARD": CreditCardRecognizer(), "EMAIL_ADDRESS": EmailRecognizer(),
        "PHONE_NUMBER": PhoneRecognizer(supported_regions=PHONE_REGIONS), "IBAN_CODE": IbanRecognizer(),
        "US_SSN": UsSsnRecognizer(), "IP_ADDRESS": IpRecognizer(), "DATE_TIME": DateRecognizer(),
    }
    return {entity: (lambda text, r=r, e=entity: r.analyze(text, [e], None))
            for entity, r in recognizers.items()}


def presidio_detector(recognizers) -> Callable[[str], list[Span]]:
    from presidio_analyzer import EntityRecognizer

    def detect_presidio(text: str) -> list[Span]:
        results = [r for analyze in recognizers.values() for r in analyze(text)]
        return [Span(r.start, r.end, r.entity_type, min(1.0, r.score))
                for r in EntityRecognizer.remove_duplicates(results)]

    return detect_presidio


def seconds(fn: Callable[[str], object], texts: list[str]) -> float:
    """CPU seconds of this process (other work on the machine does not count)."""
    start = time.process_time()
    for text in texts:
        fn(text)
    return time.process_time() - start


def adversarial_timing(megabytes: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.masking.test_linear_time import ADVERSARIAL

    n = int(megabytes * 1e6)
    print(f"\nadversarial text, {n:,} characters of each shape: CPU seconds (one pass)")
    print(f"  {'shape':<28} {'detect':>8} {'normalised':>11}")
    worst = ("", 0.0)
    for shape, make in ADVERSARIAL.items():
        text = make(n)
        took = [seconds(fn, [text]) for fn in (detect, detect_normalised)]
        worst = max(worst, (shape, max(took)), key=lambda w: w[1])
        print(f"  {shape:<28} {took[0]:>8.2f} {took[1]:>11.2f}")
    print(f"  slowest: {worst[0]}, {worst[1]:.1f} s for {n / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--adversarial-mb", type=float, default=1.0)
    args = parser.parse_args()

    clean = pii_corpus(args.docs, seed=args.seed)
    adversarial = pii_corpus(args.docs, seed=args.seed, adversarial=True)
    texts = [doc.text for doc in clean]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    presidio = presidio_recognizers()

    ours = {"all (detect)": detect, **RECOGNIZERS}
    theirs = {}
    if presidio is not None:
        theirs = {"all (detect)": presidio_detector(presidio), **presidio}
    for fn in [*ours.values(), *theirs.values()]:  # warm up: compile patterns, load metadata
        fn(texts[0])
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for name in ours:
            times.setdefault(("course_lib", name), []).append(seconds(ours[name], texts))
            if name in theirs:
                times.setdefault(("presidio", name), []).append(seconds(theirs[name], texts))

    print(f"pii_corpus({args.docs}, seed={args.seed}): {megabytes * 1e3:.1f} kB; {hardware()}")
    print(f"median of {args.repeats} interleaved passes, CPU time of one thread\n")
    header = f"  {'recognizer':<16} {'course_lib MB/s':>15}"
    print(header + (f" {'Presidio MB/s':>14} {'ratio':>7}" if theirs else ""))
    for name in ours:
        ours_mbs = megabytes / statistics.median(times[("course_lib", name)])
        line = f"  {name:<16} {ours_mbs:>15.3f}"
        if name in theirs:
            theirs_mbs = megabytes / statistics.median(times[("presidio", name)])
            line += f" {theirs_mbs:>14.3f} {ours_mbs / theirs_mbs:>6.2f}x"
        print(line)
    if presidio is None:
        print("\n(presidio_analyzer is not installed: pip install -e '.[crosscheck]' to compare)")

    detectors = {"course_lib": detect}
    if theirs:
        detectors["Presidio"] = theirs["all (detect)"]
    for label, corpus in (("clean", clean), ("adversarial", adversarial)):
        print(f"\nprecision / recall, exact spans, {label} corpus")
        scores = {name: evaluate(fn, corpus) for name, fn in detectors.items()}
        print(f"  {'entity':<14} {'support':>7} " + " ".join(f"{name:>19}" for name in detectors))
        for entity in [*ENTITIES, "ALL"]:
            row = [micro_average(s) if entity == "ALL" else s[entity] for s in scores.values()]
            cells = " ".join(f"{r.precision:>9.3f} / {r.recall:<7.3f}" for r in row)
            print(f"  {entity:<14} {row[0].support:>7} {cells}")
    if args.adversarial_mb > 0:
        adversarial_timing(args.adversarial_mb)


if __name__ == "__main__":
    main()
