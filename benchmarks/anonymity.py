"""Sweeney's uniqueness on the synthetic population, the linkage attack before and after k-anonymity,
and the speed of course_lib.anonymity's measures against pycanon's (when it is installed), in one run.

    .venv/bin/python benchmarks/anonymity.py [--size 1000000] [--repeats 3] [--seed 0]

pycanon is optional (it pins its own numpy/pandas); without it only course_lib's times are printed.
"""

from __future__ import annotations

import argparse
import statistics
import time

from course_lib.anonymity import (
    CategoricalHierarchy,
    DateHierarchy,
    PrefixHierarchy,
    anonymize_k,
    k_anonymity,
    l_diversity,
    linkage_attack,
    t_closeness,
    uniqueness,
)
from course_lib.data.people import (
    POPULATION_SIZE_FAST,
    birth_date_distribution,
    patients,
    population,
    uniqueness_model,
    voter_list,
)
from course_lib.nbrun import hardware

QI = ["zip", "birth_date", "sex"]


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(hardware())

    print("\nSweeney: share unique on (zip, birth_date, sex)   [US 1990 census: 87 %]")
    for n in (args.size, POPULATION_SIZE_FAST):
        seconds = median_time(lambda n=n: population(n, args.seed), args.repeats)
        pop = population(n, args.seed)
        model = uniqueness_model(pop["zip"].value_counts(), birth_date_distribution())
        print(f"  n={n:>9,}  ZIPs={pop['zip'].nunique():>4}  generated in {seconds:.2f} s   "
              f"empirical {uniqueness(pop, QI):.2%}   model {model:.2%}")

    pop = population(POPULATION_SIZE_FAST, args.seed)
    pts = patients(2000, args.seed, population=pop)
    voters = voter_list(pts, pop, args.seed)
    release = pts.drop(columns=["patient_id", "name", "ssn", "email", "phone"])
    hierarchies = {"zip": PrefixHierarchy(), "birth_date": DateHierarchy(),
                   "sex": CategoricalHierarchy.flat(["F", "M"])}
    print(f"\nLinkage: {len(release)} patients against {len(voters):,} voters "
          f"({int(voters['person_id'].isin(pts['person_id']).sum())} patients on the list)")
    rows = [("as released", release, None)]
    for k in (2, 5, 10):
        anonymous, report = anonymize_k(release, QI, hierarchies, k)
        rows.append((f"k={k} {report.levels}", anonymous, report.generalizers))
    for label, table, generalizers in rows:
        r = linkage_attack(table, voters, QI, id_column="person_id", target_column="name",
                           sensitive="diagnosis", generalizers=generalizers)
        share = r.n_unique_correct / r.n_in_both
        print(f"  {label:<52} one-to-one correct {r.n_unique_correct:>5} ({share:6.1%} "
              f"of the overlap)   linked {r.n_linked:>5}   diagnosis learned {r.n_disclosed:>6,} "
              f"(correct {r.n_disclosed_correct})")

    big = population(args.size, args.seed)
    big = big.assign(zip3=big["zip"].str[:3], decade=big["birth_date"].dt.year // 10)
    qi, sensitive = ["zip3", "decade", "sex"], "race"
    ours = {
        "k-anonymity": lambda: k_anonymity(big, qi),
        "distinct l-diversity": lambda: l_diversity(big, qi, sensitive),
        "entropy l-diversity": lambda: l_diversity(big, qi, sensitive, kind="entropy"),
        "t-closeness": lambda: t_closeness(big, qi, sensitive),
    }
    try:
        from pycanon import anonymity as pycanon
    except ImportError:
        pycanon = None
        print(f"\nMeasures on {len(big):,} rows, QI {qi}, sensitive {sensitive!r} (pycanon not installed)")
    else:
        print(f"\nMeasures on {len(big):,} rows, QI {qi}, sensitive {sensitive!r}: course_lib vs pycanon")
    theirs = {} if pycanon is None else {
        "k-anonymity": lambda: pycanon.k_anonymity(big, qi),
        "distinct l-diversity": lambda: pycanon.l_diversity(big, qi, [sensitive]),
        "entropy l-diversity": lambda: pycanon.entropy_l_diversity(big, qi, [sensitive]),
        "t-closeness": lambda: pycanon.t_closeness(big, qi, [sensitive]),
    }
    for name, fn in ours.items():
        mine = median_time(fn, args.repeats)
        line = f"  {name:<22} {fn()!s:>8.8}  {mine * 1e3:8.1f} ms"
        if name in theirs:
            ref = median_time(theirs[name], args.repeats)
            line += f"   pycanon {theirs[name]()!s:>8.8}  {ref * 1e3:8.1f} ms   ratio {mine / ref:.2f}"
        print(line)


if __name__ == "__main__":
    main()
