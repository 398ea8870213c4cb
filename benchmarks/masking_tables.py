"""Throughput of table masking per operator, against the article's regex mask, in one run; and the
speed of the dictionary attack on unsalted SHA-256.

    .venv/bin/python benchmarks/masking_tables.py [--rows 100000] [--repeats 5] [--seed 0] [--area 123]

The table is ``course_lib.data.people.patients`` (``rows`` patients from a population of twice that
size), or a seeded NumPy table of the same columns where that generator is not available. Each
repeat runs every operator once, interleaved, on one column through ``mask_table``; the script
prints the median values/s, the spread (min-max), and the time relative to the article's
``data_masking`` applied to every cell of the same SSN column. Deterministic operators run once per
distinct value: the ``distinct`` column says how many there were.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from course_lib.article import data_masking
from course_lib.masking import (
    bucket_with,
    demo_key,
    dictionary_attack,
    encrypt_with,
    mask_table,
    mask_with,
    naive_hash,
    pseudonymize_with,
    replace_with,
    shift_dates_with,
    ssn_candidates,
    tokenize_with,
    truncate_zip_with,
)
from course_lib.nbrun import hardware


def table(rows: int, seed: int) -> pd.DataFrame:
    try:
        from course_lib.data.people import patients, population
    except ImportError:
        rng = np.random.default_rng(seed)
        ids = [f"P{i:06d}" for i in range(1, rows + 1)]
        return pd.DataFrame({
            "patient_id": ids,
            "name": [f"Patient {i}" for i in rng.integers(0, 10_000, rows)],
            "ssn": [f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(
                rng.integers(1, 900, rows), rng.integers(1, 100, rows), rng.integers(1, 10_000, rows))],
            "email": [f"{i.lower()}@example.org" for i in ids],
            "zip": [f"{z:05d}" for z in rng.integers(1000, 99_999, rows) // 3000 * 3000],
            "age": rng.integers(18, 100, rows),
            "admission_date": pd.to_datetime("2000-04-01") + pd.to_timedelta(rng.integers(0, 365, rows), "D"),
        })
    return patients(rows, seed, population=population(2 * rows, seed))


def operators(key) -> dict[str, tuple[str, object]]:
    """name -> (column, operator)."""
    return {
        "article data_masking (reference)": ("ssn", lambda v, e: data_masking(v)),
        "mask ssn": ("ssn", mask_with()),
        "replace name": ("name", replace_with(label="PATIENT_NAME")),
        "pseudonymize ssn (HMAC)": ("ssn", pseudonymize_with(key, "US_SSN")),
        "pseudonymize email": ("email", pseudonymize_with(key, "EMAIL_ADDRESS")),
        "tokenize ssn (AES-SIV)": ("ssn", tokenize_with(key, "US_SSN")),
        "encrypt ssn (AES-GCM)": ("ssn", encrypt_with(key, "US_SSN")),
        "truncate zip": ("zip", truncate_zip_with()),
        "bucket age": ("age", bucket_with(10, top=90)),
        "shift admission_date": ("admission_date", shift_dates_with(key, by="patient_id")),
    }


def time_table(df: pd.DataFrame, ops: dict, repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in ops}
    for _ in range(repeats):
        for name, (column, op) in ops.items():
            start = time.perf_counter()
            mask_table(df, {column: op})
            times[name].append(time.perf_counter() - start)
    return times


def time_attack(area: int) -> tuple[int, float, int]:
    """Invert three planted SSNs of ``area`` plus one that is not there (so every candidate is tried)."""
    planted = [f"{area:03d}-{g:02d}-{s:04d}" for g, s in ((1, 17), (50, 5000), (99, 9999))]
    hashes = [naive_hash(v) for v in planted] + [naive_hash("not an SSN")]
    candidates = list(ssn_candidates(area))
    start = time.perf_counter()
    found = dictionary_attack(hashes, candidates)
    return len(candidates), time.perf_counter() - start, len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--area", type=int, default=123)
    args = parser.parse_args()

    df = table(args.rows, args.seed)
    key = demo_key("benchmark", args.seed)
    ops = operators(key)
    time_table(df.head(1000), ops, 1)  # warm-up: imports, key derivation, caches
    times = time_table(df, ops, args.repeats)

    print(hardware())
    print(f"{len(df):,} rows, median of {args.repeats} interleaved repeats\n")
    reference = statistics.median(times["article data_masking (reference)"])
    print(f"{'operator':36s} {'distinct':>9s} {'values/s':>11s} {'min-max values/s':>23s} "
          f"{'time vs ref':>11s}")
    for name, (column, _) in ops.items():
        t = times[name]
        median = statistics.median(t)
        spread = f"{len(df) / max(t):,.0f}-{len(df) / min(t):,.0f}"
        print(f"{name:36s} {df[column].nunique():9,d} {len(df) / median:11,.0f} {spread:>23s} "
              f"{median / reference:10.2f}x")

    n, seconds, found = time_attack(args.area)
    print(f"\ndictionary attack on unsalted SHA-256: {n:,} SSN candidates of area {args.area} in "
          f"{seconds:.2f} s = {n / seconds:,.0f} candidates/s; recovered {found} of 3 planted SSNs")


if __name__ == "__main__":
    main()
