"""Checkers for exercise 02 (anonymization and linkage): uniqueness, k-anonymity, ℓ-diversity, ZIP
generalization, and the linkage attack.

The reference answers are computed here in plain Python (equivalence classes as a dict from the tuple
of QI values, NaN mapped to one sentinel), independently of pandas' grouping rules, on hand-built
tables and on tables drawn from a seeded generator. When a learner's answer equals what a classic
mistake gives (classes instead of rows, ``dropna=True``, no ``exp``, ...), the hint names that mistake.
Messages name the input and the property that failed, never the expected output.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pandas as pd

from ..spec import CheckFailure, Exercise, Task
from ._common import expect_error

_NA = object()  # every missing value maps to this one key: NaN is a value of its own
_LINK_NAN_HINT = ("NaN is a value of its own here: a missing ZIP code matches a missing ZIP code. "
                  "float('nan') != float('nan'), so tuples holding NaN never compare equal; merge() on "
                  "the QI columns does match NaN with NaN.")
_NAN_HINT = ("NaN is a value of its own here, but pandas' groupby, value_counts and nunique drop missing "
             "values by default: pass dropna=False.")


def _norm(value):
    return _NA if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _classes(df: pd.DataFrame, qis: list[str], drop_missing: bool = False) -> list[list[int]]:
    """Row positions of each equivalence class (optionally leaving out rows with a missing QI)."""
    classes: dict[tuple, list[int]] = {}
    for pos, row in enumerate(zip(*(df[q].tolist() for q in qis))):
        key = tuple(_norm(v) for v in row)
        if drop_missing and _NA in key:
            continue
        classes.setdefault(key, []).append(pos)
    return list(classes.values())


def _number(out, call: str, kind=float) -> float:
    ok = (int, np.integer) if kind is int else (int, float, np.integer, np.floating)
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, ok):
        want = "an int" if kind is int else "a float"
        raise CheckFailure(f"{call} returned {type(out).__name__}, expected {want}")
    return float(out)


def _same(a: float, b: float) -> bool:
    """Equal up to float32 round-off (an answer may compute in float32); every mistake the checks look
    for is off by far more (a share of rows, a class size, a log base)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _call_unchanged(fn, call: str, *tables_and_args):
    """Call fn and fail if it modified any DataFrame argument."""
    copies = [(a, a.copy(deep=True)) for a in tables_and_args if isinstance(a, pd.DataFrame)]
    out = fn(*tables_and_args)
    for table, before in copies:
        if not (table.equals(before) and table.index.equals(before.index)
                and list(table.columns) == list(before.columns)):
            raise CheckFailure(f"{call} modified its input table; work on a copy or on derived objects")
    return out


def _diagnose(out: float, mistakes: list[tuple[float, str]], default: str) -> str:
    """The hint of every known mistake that gives ``out`` (several can coincide on one table)."""
    hints = list(dict.fromkeys(hint for value, hint in mistakes if _same(out, value)))
    return " Or: ".join(hints) if hints else default


# --------------------------------------------------------------------------- tables


def _patients() -> pd.DataFrame:
    """Nine patients; two classes of one row each, one of them missing its ZIP code."""
    return pd.DataFrame({
        "zip": ["02138", "02138", "02138", "02139", "02139", "02141", np.nan, np.nan, np.nan],
        "age": [34, 34, 34, 51, 51, 29, 40, 40, 62],
        "sex": ["F", "F", "F", "M", "M", "F", "M", "M", "F"],
        "diagnosis": ["flu", "asthma", "flu", "diabetes", "diabetes", "cancer", "flu", "hiv", "flu"],
    }, index=[f"p{i:02d}" for i in range(9)])


def _diverse() -> pd.DataFrame:
    """Five classes whose least diverse one differs between the distinct and the entropy measure."""
    rows = ([("021**", "30-39", d) for d in ["flu", "flu", "asthma", "cancer"]]
            + [("021**", "40-49", d) for d in ["diabetes"] * 3 + ["hiv"]]
            + [("022**", "30-39", d) for d in ["flu", "hiv", "cancer"]]
            + [("022**", "40-49", d) for d in ["flu"] * 18 + ["asthma", "hiv"]]
            + [(np.nan, "50-59", d) for d in ["flu", np.nan, "hiv"]])
    return pd.DataFrame(rows, columns=["zip3", "age_band", "diagnosis"])


_FILL_HINT = ("Filling missing values with a stand-in (fillna(0), fillna('')) merges them with real values "
              "equal to the stand-in; keep NaN as a value of its own (groupby(..., dropna=False)).")


def _stand_ins(which: str = "both") -> pd.DataFrame:
    """Missing values next to the real values '' and 0.0 that a stand-in for NaN would turn them into
    (k can only rise when every class of one row merges, so k gets one collision per table)."""
    rows = {"both": [("", 30.0), (np.nan, 30.0), ("A", 0.0), ("A", np.nan), ("B", 1.0), ("B", 1.0)],
            "text": [("", 30.0), (np.nan, 30.0), ("B", 1.0), ("B", 1.0)],
            "number": [("A", 0.0), ("A", np.nan), ("B", 1.0), ("B", 1.0)]}[which]
    return pd.DataFrame(rows, columns=["zip", "age"], index=[10 * i + 3 for i in range(len(rows))])


def _random_table(gen: random.Random, n: int, missing: float) -> pd.DataFrame:
    zips = ["02138", "02139", "02141", "00501", "90210"]
    rows = {
        "zip": [np.nan if gen.random() < missing else gen.choice(zips) for _ in range(n)],
        "age": [np.nan if gen.random() < missing else float(gen.randint(30, 34)) for _ in range(n)],
        "sex": [gen.choice("FM") for _ in range(n)],
        "diagnosis": [np.nan if gen.random() < missing / 2 else gen.choice(["flu", "hiv", "asthma", "cancer"])
                      for _ in range(n)],
    }
    index = gen.sample(range(10_000), n)  # labels that are not positions
    return pd.DataFrame(rows, index=index)


def _random_tables(seed: int):
    gen = random.Random(seed)
    for _ in range(25):
        n = gen.randint(8, 60)
        missing = gen.choice([0.0, 0.05, 0.2])
        qis = gen.choice([["zip", "age", "sex"], ["zip", "sex"], ["age"], ["sex", "zip"]])
        yield _random_table(gen, n, missing), qis


def _table_errors(fn, name: str, extra=()) -> None:
    df = _patients()
    expect_error(fn, (df, ["zip", "income"], *extra), (ValueError,),
                 f"{name}(df, ['zip', 'income']) where 'income' is not a column")
    expect_error(fn, (df, [], *extra), (ValueError,), f"{name}(df, []) with no quasi-identifiers")
    expect_error(fn, (df.iloc[:0], ["zip"], *extra), (ValueError,), f"{name} on a table with no rows")
    expect_error(fn, (df.to_dict(), ["zip"], *extra), (TypeError,),
                 f"{name} on a dict instead of a DataFrame")


# --------------------------------------------------------------------------- uniqueness


def check_uniqueness(fn) -> None:
    cases = [(_patients(), ["zip", "age", "sex"], "the 9-patient table"),
             (_patients(), ["sex"], "the 9-patient table"),
             (_patients().drop(index="p05"), ["zip", "age", "sex"], "the patient table without row p05"),
             (_stand_ins(), ["zip", "age"], "a table with '', 0.0 and missing values")]
    cases += [(df, qis, f"a random {len(df)}-row table") for df, qis in _random_tables(87)]
    for df, qis, what in cases:
        call = f"uniqueness({what}, {qis})"
        out = _number(_call_unchanged(fn, call, df, list(qis)), call)
        classes = _classes(df, qis)
        want = sum(len(c) == 1 for c in classes) / len(df)
        if _same(out, want):
            continue
        kept = _classes(df, qis, drop_missing=True)
        everything = _classes(df, list(df.columns))
        hint = _diagnose(out, [
            (sum(len(c) == 1 for c in classes) / len(classes),
             "Divide by the number of ROWS, not of classes: the question is what share of people stand out."),
            (sum(len(c) == 1 for c in kept) / len(df), _NAN_HINT),
            (sum(len(c) == 1 for c in kept) / max(sum(map(len, kept)), 1), _NAN_HINT),
            (len(classes) / len(df),
             "duplicated() marks only the repeats by default (keep='first'): with keep=False every row "
             "of a shared class counts as not unique."),
            (sum(len(c) == 1 for c in everything) / len(df),
             "Compare the quasi-identifier columns only, not whole rows."),
            (1 - sum(len(c) == 1 for c in classes) / len(df),
             "Count the rows that are ALONE in their class."),
        ], _FILL_HINT if "missing" in what else
            "A row is unique when no other row has the same values in all the quasi-identifiers.")
        raise CheckFailure(f"{call} returned the wrong fraction", hint=hint)
    _table_errors(fn, "uniqueness")


# --------------------------------------------------------------------------- k_anonymity


def check_k_anonymity(fn) -> None:
    big = pd.DataFrame({"zip": ["021**"] * 7 + ["022**"] * 5, "sex": ["F", "M"] * 6})
    cases = [(_patients(), ["zip", "age", "sex"], "the 9-patient table"),
             (_patients().drop(index="p05"), ["zip", "age", "sex"], "the patient table without row p05"),
             (_patients(), ["sex"], "the 9-patient table"),
             (big, ["zip", "sex"], "a 12-row generalized table"),
             (_stand_ins("text"), ["zip", "age"], "a table with '' and missing values"),
             (_stand_ins("number"), ["zip", "age"], "a table with 0.0 and missing values")]
    cases += [(df, qis, f"a random {len(df)}-row table") for df, qis in _random_tables(2002)]
    for df, qis, what in cases:
        call = f"k_anonymity({what}, {qis})"
        raw = _call_unchanged(fn, call, df, list(qis))
        out = _number(raw, call, kind=int)
        sizes = [len(c) for c in _classes(df, qis)]
        if out == min(sizes):
            continue
        kept = [len(c) for c in _classes(df, qis, drop_missing=True)] or [0]
        per_column = min(min(Counter(_norm(v) for v in df[q].tolist()).values()) for q in qis)
        hint = _diagnose(out, [
            (min(kept), _NAN_HINT),
            (max(sizes), "k is the size of the SMALLEST class: the weakest-protected person sets the level."),
            (per_column, "Group by all the quasi-identifiers together, not one column at a time."),
            (len(sizes), "k counts rows in a class, not the number of classes."),
        ], _FILL_HINT if "missing" in what else
            "Group by all the quasi-identifiers together and take the smallest group size.")
        raise CheckFailure(f"{call} returned the wrong k", hint=hint)
    _table_errors(fn, "k_anonymity")


# --------------------------------------------------------------------------- l_diversity


def _entropy(values: list) -> float:
    counts = Counter(values).values()
    total = sum(counts)
    return -sum(c / total * math.log(c / total) for c in counts)


def check_l_diversity(fn) -> None:
    cases = [(_diverse(), ["zip3", "age_band"], "diagnosis", "a 34-row generalized table"),
             (_diverse().iloc[:11], ["zip3", "age_band"], "diagnosis", "an 11-row generalized table"),
             (_patients(), ["sex"], "diagnosis", "the 9-patient table"),
             (_patients(), ["zip", "age", "sex"], "diagnosis", "the 9-patient table")]
    cases += [(df, qis, "diagnosis", f"a random {len(df)}-row table") for df, qis in _random_tables(2007)]
    for df, qis, sensitive, what in cases:
        values = df[sensitive].tolist()
        classes = _classes(df, qis)
        groups = [[_norm(values[i]) for i in c] for c in classes]
        entropies = [_entropy(g) for g in groups]
        for kind in ("distinct", "entropy"):
            call = f"l_diversity({what}, {qis}, {sensitive!r}, kind={kind!r})"
            out = _number(_call_unchanged(fn, call, df, list(qis), sensitive, kind), call)
            dropped = [[v for v in g if v is not _NA] for g in groups]
            qi_dropped = [[_norm(values[i]) for i in c] for c in _classes(df, qis, drop_missing=True)]
            if kind == "distinct":
                want = min(len(set(g)) for g in groups)
                mistakes = [
                    (len({_norm(v) for v in values}),
                     "Count distinct values WITHIN each class and take the minimum, not over the table."),
                    (min(len(set(g)) for g in dropped), _NAN_HINT),
                    (min((len(set(g)) for g in qi_dropped), default=-1), _NAN_HINT),
                    (sum(len(set(g)) for g in groups) / len(groups),
                     "Take the MINIMUM over classes: the least diverse class is the one attacked."),
                    (max(len(set(g)) for g in groups), "Take the MINIMUM over classes, not the maximum."),
                ]
            else:
                want = math.exp(min(entropies))
                mistakes = [
                    (min(entropies), "ℓ is exp(entropy): the entropy itself is in nats, not a count."),
                    (math.exp(min(entropies) / math.log(2)),
                     "Use the natural log inside the entropy when you exponentiate with exp."),
                    (math.exp(min(entropies) / math.log(10)),
                     "Use the natural log inside the entropy when you exponentiate with exp."),
                    (2 ** min(entropies), "Use exp, the inverse of the natural log, not 2 **."),
                    (math.exp(sum(entropies) / len(entropies)),
                     "Take the MINIMUM entropy over classes, not the average."),
                    (math.exp(max(entropies)), "Take the MINIMUM entropy over classes, not the maximum."),
                    (math.exp(_entropy(list(map(_norm, values)))),
                     "Compute the entropy within each class, not over the whole table."),
                    (math.exp(min(_entropy(g) for g in dropped if g)) if all(dropped) else -1, _NAN_HINT),
                ]
            if not _same(out, want):
                hint = _diagnose(out, mistakes, "Group by the quasi-identifiers; measure each class's "
                                 "sensitive values; report the least diverse class.")
                raise CheckFailure(f"{call} returned the wrong ℓ", hint=hint)
    df = _diverse()
    expect_error(fn, (df, ["zip3"], "income", "distinct"), (ValueError,),
                 "l_diversity(df, ['zip3'], 'income') where 'income' is not a column")
    expect_error(fn, (df, ["zip3", "diagnosis"], "diagnosis", "distinct"), (ValueError,),
                 "l_diversity with the sensitive column among the quasi-identifiers")
    expect_error(fn, (df, ["zip3"], "diagnosis", "recursive"), (ValueError,),
                 "l_diversity(..., kind='recursive')")
    _table_errors(fn, "l_diversity", extra=("diagnosis", "distinct"))


# --------------------------------------------------------------------------- generalize_zip


def check_generalize_zip(fn) -> None:
    gen = random.Random(2138)
    cases = [("02138", 3), ("02138", 0), ("02138", 5), ("90210", 2), ("00501", 1), ("00501", 4), ("10001", 3)]
    cases += [("".join(gen.choice("0123456789") for _ in range(5)), gen.randint(0, 5)) for _ in range(40)]
    for zip_code, k in cases:
        call = f"generalize_zip({zip_code!r}, {k})"
        out = fn(zip_code, k)
        if not isinstance(out, str):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a str",
                               hint="ZIP codes are strings; so are generalized ZIP codes.")
        if out == zip_code[:k] + "*" * (5 - k):
            continue
        if len(out) != 5:
            hint = "Pad with '*' so that every generalized code keeps five characters."
        elif k < 5 and out == "*" * (5 - k) + zip_code[5 - k:]:
            hint = "Keep the FIRST digits: the coarse part of a ZIP code (the region) is at the front."
        elif out[:k] != zip_code[:k]:
            hint = "Keep the first digits exactly as they are, leading zeros included (never go through int)."
        elif out[k:] == "0" * (5 - k):
            hint = "Pad with '*', not '0': '02100' is a real ZIP code somewhere else."
        else:
            hint = "Keep the FIRST digits_kept digits and replace the rest by '*'."
        raise CheckFailure(f"{call} returned a wrong generalization", hint=hint)
    for args, kinds, what in [
        ((2138, 3), (TypeError,), "generalize_zip(2138, 3) (an int: its leading zero is already lost)"),
        (("2138", 3), (ValueError,), "generalize_zip('2138', 3) (four digits)"),
        (("02138-4711", 3), (ValueError,), "generalize_zip('02138-4711', 3) (ZIP+4)"),
        (("0213a", 3), (ValueError,), "generalize_zip('0213a', 3)"),
        (("٠٢١٣٨", 3), (ValueError,), "generalize_zip('٠٢١٣٨', 3) (Arabic-Indic digits)"),
        (("0213²", 3), (ValueError,), "generalize_zip('0213²', 3) (a superscript two)"),
        (("02138\n", 3), (ValueError,), "generalize_zip('02138\\n', 3) (a trailing newline, which "
         "re's '$' lets through: use re.fullmatch)"),
        (("02138", -1), (ValueError,), "generalize_zip('02138', -1)"),
        (("02138", 6), (ValueError,), "generalize_zip('02138', 6)"),
        (("02138", 2.5), (ValueError, TypeError), "generalize_zip('02138', 2.5)"),
    ]:
        expect_error(fn, args, kinds, what)


# --------------------------------------------------------------------------- linkage_attack


def _hospital_and_voters() -> tuple[pd.DataFrame, pd.DataFrame]:
    release = pd.DataFrame({
        "zip": ["02138", "02138", "02139", "02141", "02141", np.nan, "02138", "02142"],
        "birth_date": ["1945-07-31", "1962-03-14", "1980-11-02", "1971-05-20", "1971-05-20", "1990-01-01",
                       "1945-07-31", "1955-09-09"],
        "sex": ["M", "F", "F", "M", "F", "F", "M", "M"],
        "diagnosis": ["heart", "flu", "asthma", "hiv", "flu", "cancer", "heart", "diabetes"],
    }, index=[f"r{i:02d}" for i in range(1, 9)])
    voters = pd.DataFrame({
        "name": ["Gus Wahl", "Ann Lee", "William Weld", "Finn Holt", "Beth Lee", "Carl Diaz", "Dana Roe",
                 "Eve Park"],
        "zip": ["02142", "02138", "02138", "02139", "02138", "02141", np.nan, "02142"],
        "birth_date": ["1955-09-09", "1962-03-14", "1945-07-31", "1980-11-02", "1962-03-14", "1971-05-20",
                       "1990-01-01", "1955-09-09"],
        "sex": ["F", "F", "M", "M", "F", "M", "F", "M"],
        "party": ["D", "R", "R", "D", "D", "U", "D", "R"],
    })
    return release, voters


def _link_reference(release, auxiliary, qis, name_column) -> dict:
    names: dict[tuple, list] = {}
    for row, name in zip(zip(*(auxiliary[q].tolist() for q in qis)), auxiliary[name_column].tolist()):
        names.setdefault(tuple(_norm(v) for v in row), []).append(name)
    linked = {}
    for label, row in zip(release.index, zip(*(release[q].tolist() for q in qis))):
        key = tuple(_norm(v) for v in row)
        if len(names.get(key, [])) == 1:
            linked[label] = names[key][0]
    return linked


def _random_linkage(gen: random.Random):
    people = [{"zip": gen.choice(["02138", "02139", "02141", np.nan]), "birth_year": gen.randint(1950, 1954),
               "sex": gen.choice("FM"), "name": f"person {i}"} for i in range(gen.randint(20, 60))]
    release = pd.DataFrame(gen.sample(people, len(people) // 2)).drop(columns="name")
    release.index = [f"rec{gen.randrange(10**6):06d}" for _ in range(len(release))]
    release = release[~release.index.duplicated()]
    auxiliary = pd.DataFrame(gen.sample(people, len(people) * 2 // 3)).sample(frac=1.0, random_state=1)
    return release, auxiliary


def check_linkage_attack(fn) -> None:
    release, voters = _hospital_and_voters()
    qis = ["zip", "birth_date", "sex"]
    cases = [(release, voters, qis, "the hospital release and the voter list")]
    gen = random.Random(1997)
    for _ in range(20):
        rel, aux = _random_linkage(gen)
        cases.append((rel, aux, ["zip", "birth_year", "sex"], f"a random {len(rel)}-row release"))
    for rel, aux, keys, what in cases:
        name_column = "name"
        call = f"linkage_attack({what}, {keys}, {name_column!r})"
        out = _call_unchanged(fn, call, rel, aux, list(keys), name_column)
        if not isinstance(out, dict):
            raise CheckFailure(f"{call} returned {type(out).__name__}, expected a dict")
        want = _link_reference(rel, aux, keys, name_column)
        if out == want:
            continue
        if set(out) - set(rel.index):
            raise CheckFailure(f"{call}: some keys are not index labels of the release",
                               hint="Key the result by release.index labels, not by row positions "
                               "(reset_index() throws the labels away).")
        for label, name in out.items():
            if name not in set(aux[name_column]):
                raise CheckFailure(f"{call} maps release row {label!r} to something that is not a name in "
                                   "the auxiliary table")
        extra, missed = set(out) - set(want), set(want) - set(out)
        if extra:
            label = sorted(extra, key=str)[0]
            row = tuple(_norm(rel.at[label, q]) for q in keys)
            n_match = sum(tuple(_norm(v) for v in r) == row for r in zip(*(aux[q].tolist() for q in keys)))
            hint = ("A release row matching SEVERAL auxiliary rows is ambiguous: link only unique matches."
                    if n_match > 1 else "Match on ALL the quasi-identifiers at once.")
            raise CheckFailure(f"{call} linked release row {label!r}, which does not match exactly one "
                               "auxiliary row on all the quasi-identifiers", hint=hint)
        if missed:
            label = sorted(missed, key=str)[0]
            hint = _LINK_NAN_HINT if any(_NA is _norm(rel.at[label, q]) for q in keys) else (
                "Uniqueness is counted in the AUXILIARY table: a release row may repeat (two visits of one "
                "patient) and still link.")
            raise CheckFailure(f"{call} did not link release row {label!r}, which matches exactly one "
                               "auxiliary row", hint=hint)
        raise CheckFailure(f"{call} linked a release row to the wrong name",
                           hint="Take the name from the one auxiliary row that matches.")
    expect_error(fn, (release, voters, qis, "full_name"), (ValueError,),
                 "linkage_attack(..., name_column='full_name') which is not a column of auxiliary")
    expect_error(fn, (release, voters.drop(columns="sex"), qis, "name"), (ValueError,),
                 "linkage_attack with a quasi-identifier missing from the auxiliary table")
    expect_error(fn, (release, voters, [], "name"), (ValueError,), "linkage_attack with no quasi-identifiers")
    expect_error(fn, (release.iloc[:0], voters, qis, "name"), (ValueError,),
                 "linkage_attack with an empty release")


EXERCISE = Exercise(
    name="02_anonymization",
    title="Anonymization and linkage: uniqueness, k-anonymity, ℓ-diversity, generalization, linkage",
    tasks=(
        Task("uniqueness", "uniqueness", check_uniqueness, notebook="02_anonymization",
             hint="Share of rows whose quasi-identifier values no other row has; NaN is a value."),
        Task("k_anonymity", "k_anonymity", check_k_anonymity, notebook="02_anonymization",
             hint="Size of the smallest equivalence class (group by all QIs, dropna=False)."),
        Task("l_diversity", "l_diversity", check_l_diversity, notebook="02_anonymization",
             hint="Per class: distinct sensitive values, or exp(entropy in nats); report the minimum."),
        Task("generalize_zip", "generalize_zip", check_generalize_zip, notebook="02_anonymization",
             hint="Keep the first digits of the string, pad with '*' to five characters."),
        Task("linkage_attack", "linkage_attack", check_linkage_attack, notebook="02_anonymization",
             hint="Count auxiliary rows per QI combination; link release rows whose combination occurs "
             "exactly once."),
    ),
)
