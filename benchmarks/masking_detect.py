"""PII detection throughput (MB/s) and precision/recall on the seeded corpus, against Presidio.

    .venv/bin/python benchmarks/masking_detect.py [--docs 200] [--seed 0] [--repeats 5]

Measures ``course_lib.masking.detect`` and each of its recognizers on ``pii_corpus(docs, seed)``
(UTF-8 bytes of all documents / median seconds of ``repeats`` passes). When ``presidio_analyzer`` is
importable (the ``crosscheck`` extra: ``pip install -e '.[crosscheck]'``, no spaCy model needed), the
same corpus goes through Presidio's *pattern recognizers only*, called directly without an NLP
engine: CreditCard, Email, Iban, Ip, UsSsn, Phone (same regions as ours) and Date. Its results are
deduplicated with Presidio's own ``EntityRecognizer.remove_duplicates``, as its analyzer does.
Timings alternate between the two in every repeat; ratios are course_lib / Presidio (above 1:
course_lib is faster). Precision and recall use exact span matches (``course_lib.masking.evaluate``)
on the clean and the adversarial corpus.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable

from course_lib.data import pii_corpus
from course_lib.masking import ENTITIES, Span, detect, evaluate, micro_average
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
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
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
    print(f"median of {args.repeats} interleaved passes\n")
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


if __name__ == "__main__":
    main()
