"""Tests for course_lib.data.people: the population reproduces Sweeney's uniqueness, the model predicts it,
and patients and voters are drawn consistently from the population."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from course_lib.anonymity import uniqueness
from course_lib.data import people
from course_lib.data.people import (
    CENSUS_DAY,
    POPULATION_SIZE,
    POPULATION_SIZE_FAST,
    age_distribution,
    birth_date_distribution,
    patients,
    population,
    uniqueness_model,
    voter_list,
    zip_sizes,
)

QI = ["zip", "birth_date", "sex"]


@pytest.fixture(scope="module")
def fast_population() -> pd.DataFrame:
    return population(POPULATION_SIZE_FAST, seed=0)


@pytest.fixture(scope="module")
def linked() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    pop = population(POPULATION_SIZE_FAST, seed=0)
    pts = patients(2000, seed=0, population=pop)
    return pop, pts, voter_list(pts, pop, seed=0)


# ------------------------------------------------------------------------------ population
def test_population_columns_and_types(fast_population):
    pop = fast_population
    assert list(pop.columns) == ["person_id", "zip", "birth_date", "sex", "race"]
    assert len(pop) == POPULATION_SIZE_FAST and pop["person_id"].is_unique
    assert pop["zip"].map(lambda z: isinstance(z, str) and len(z) == 5 and z.isdigit()).all()
    assert pop["zip"].str.startswith("0").all()  # New England codes: an int column would lose the zero
    assert pd.api.types.is_datetime64_any_dtype(pop["birth_date"])
    assert set(pop["sex"]) == {"F", "M"} and set(pop["race"]) <= set(people.RACES)
    assert pop["birth_date"].max() <= pd.Timestamp(CENSUS_DAY)


def test_population_is_seeded(fast_population):
    again = population(POPULATION_SIZE_FAST, seed=0)
    pd.testing.assert_frame_equal(fast_population, again)
    other = population(POPULATION_SIZE_FAST, seed=1)
    assert not other["birth_date"].equals(fast_population["birth_date"])


def test_population_demographics_look_like_a_census(fast_population):
    pop = fast_population
    age_years = (pd.Timestamp(CENSUS_DAY) - pop["birth_date"]).dt.days / 365.2425
    assert 0.24 < (age_years < 18).mean() < 0.28  # US 2000: 25.7 % under 18
    assert 0.11 < (age_years >= 65).mean() < 0.14  # and 12.4 % aged 65 or more
    assert 0.50 < (pop["sex"] == "F").mean() < 0.52
    sizes = pop["zip"].value_counts()
    assert sizes.min() > 1_000 and sizes.max() < 30_000 and sizes.max() / sizes.min() > 5  # sizes vary


def test_age_and_birth_date_distributions_are_probabilities():
    p = age_distribution()
    assert p.shape == (100,) and np.isclose(p.sum(), 1) and np.all(p > 0)
    assert p[40] > p[70] > p[90]  # a pyramid, not a uniform spread
    bd = birth_date_distribution()
    assert np.isclose(bd.sum(), 1) and bd.index.is_monotonic_decreasing
    assert bd.index[0] == pd.Timestamp(CENSUS_DAY)


def test_zip_sizes_sum_to_n_with_the_same_mix_at_any_scale():
    small, large = zip_sizes(POPULATION_SIZE_FAST), zip_sizes(POPULATION_SIZE)
    assert small.sum() == POPULATION_SIZE_FAST and large.sum() == POPULATION_SIZE
    assert np.all(np.diff(small) >= 0)  # increasing unless shuffled
    assert abs(np.median(small) - np.median(large)) / np.median(large) < 0.05
    assert sorted(zip_sizes(1000, seed=3)) == sorted(zip_sizes(1000))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sweeney_uniqueness_is_reproduced_in_fast_mode(seed):
    pop = population(POPULATION_SIZE_FAST, seed=seed)
    empirical = uniqueness(pop, QI)
    model = uniqueness_model(pop["zip"].value_counts(), birth_date_distribution())
    assert 0.85 <= empirical <= 0.88  # Sweeney (2000): 87 %
    assert abs(model - empirical) < 0.02


def test_sweeney_uniqueness_is_reproduced_at_full_size():
    pop = population(POPULATION_SIZE, seed=0)
    empirical = uniqueness(pop, QI)
    assert 0.85 <= empirical <= 0.88
    assert abs(uniqueness_model(pop["zip"].value_counts(), birth_date_distribution()) - empirical) < 0.02
    # with a million people the table's own birth-date frequencies are good enough too
    plug_in = uniqueness_model(pop["zip"].value_counts(), pop["birth_date"].value_counts(normalize=True),
                               pop["sex"].value_counts(normalize=True))
    assert abs(plug_in - empirical) < 0.02


def test_uniqueness_model_limits():
    # one ZIP of one person: always unique; huge ZIPs over two cells: nobody unique
    assert uniqueness_model([1], [1.0]) == pytest.approx(1.0)
    assert uniqueness_model([1000], [0.5, 0.5], [1.0]) == pytest.approx(0.0, abs=1e-12)
    # two people, d equally likely dates and one sex: unique unless they share a date, 1 - 1/d
    assert uniqueness_model([2], np.full(10, 0.1), [1.0]) == pytest.approx(0.9)


def test_uniqueness_model_rejects_bad_input():
    with pytest.raises(ValueError, match="zip_sizes"):
        uniqueness_model([], [1.0])
    with pytest.raises(ValueError, match="zip_sizes"):
        uniqueness_model([0, 5], [1.0])
    with pytest.raises(ValueError, match="birth_date_probabilities"):
        uniqueness_model([5], [0.5, 0.6])
    with pytest.raises(ValueError, match="sex_probabilities"):
        uniqueness_model([5], [1.0], [0.5, -0.5, 1.0])


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: population(0), ValueError, "n must be an int >= 1"),
    (lambda: population(10.5), TypeError, "n must be an int"),
    (lambda: population(10, seed=-1), ValueError, "seed"),
    (lambda: population(10, median_zip_size=0), ValueError, "median"),
    (lambda: zip_sizes(10, log_sd=float("nan")), ValueError, "log_sd"),
    (lambda: patients(0), ValueError, "n must be an int >= 1"),
    (lambda: patients(10, population="people"), TypeError, "population must be a pandas DataFrame"),
    (lambda: patients(10, population=pd.DataFrame({"zip": ["02138"]})), ValueError, "lacks the column"),
])
def test_generators_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -------------------------------------------------------------------------------- patients
def test_patients_are_adults_drawn_from_the_population(linked):
    pop, pts, _ = linked
    assert len(pts) == 2000 and pts["person_id"].is_unique
    merged = pts.merge(pop, on=["person_id", "zip", "birth_date", "sex"], how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert pts["age"].min() >= 18 and pts["age"].max() < 110
    age_now = ((pts["admission_date"] - pts["birth_date"]).dt.days / 365.2425).astype(int)
    assert (abs(age_now - pts["age"]) <= 1).all()
    assert pts["age"].mean() > 45  # older people are admitted more often than a random adult is drawn


def test_patients_identifiers_have_valid_formats_and_are_distinct(linked):
    _, pts, _ = linked
    for column in ("patient_id", "ssn", "email", "phone"):
        assert pts[column].is_unique, column
    ssn = pts["ssn"].str.extract(r"^(\d{3})-(\d{2})-(\d{4})$").astype(float)
    assert ssn.notna().all().all()
    area, group, serial = ssn[0], ssn[1], ssn[2]
    assert area.between(1, 899).all() and (area != 666).all()
    assert group.between(1, 99).all() and serial.between(1, 9999).all()
    assert pts["email"].str.match(r"^[a-z]+\.[a-z]+\d+(\.\d+)?@example\.(com|org|net)$").all()
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "US")) for p in pts["phone"])
    assert pts["zip"].str.fullmatch(r"\d{5}").all()


def test_patients_diagnoses_are_skewed_and_tilted_by_age(linked):
    _, pts, _ = linked
    share = pts["diagnosis"].value_counts(normalize=True)
    assert set(share.index) == set(people.DIAGNOSES)
    assert share["flu"] > 0.15 and share["HIV"] < 0.05  # realistic skew
    old, young = pts[pts["age"] >= 65], pts[pts["age"] < 35]
    assert (old["diagnosis"] == "heart disease").mean() > (young["diagnosis"] == "heart disease").mean()
    assert set(people.DIAGNOSIS_CATEGORY) == set(people.DIAGNOSES)
    assert (pts["visits"] >= 1).all()


def test_patients_are_seeded():
    pop = population(20_000, seed=4)
    pd.testing.assert_frame_equal(patients(50, 4, population=pop), patients(50, 4, population=pop))
    other = patients(50, 5, population=pop)
    assert not patients(50, 4, population=pop)["person_id"].equals(other["person_id"])


# ------------------------------------------------------------------------------ voter list
def test_voter_list_holds_the_overlap_under_the_same_names(linked):
    _, pts, voters = linked
    assert voters["voter_id"].is_unique and voters["person_id"].is_unique
    on_list = voters.merge(pts, on="person_id", suffixes=("_v", "_p"))
    assert len(on_list) == round(0.8 * len(pts))
    for column in ("name", "zip", "birth_date", "sex"):
        assert (on_list[f"{column}_v"] == on_list[f"{column}_p"]).all(), column
    assert (voters["registration_date"] >= voters["birth_date"] + pd.DateOffset(years=18)).all()
    assert (voters["registration_date"] <= pd.Timestamp(people.VOTER_LIST_DAY)).all()


def test_voter_list_extras_are_adults_who_are_not_patients(linked):
    pop, pts, voters = linked
    extra = voters[~voters["person_id"].isin(pts["person_id"])]
    adults = pop[(pd.Timestamp(CENSUS_DAY) - pop["birth_date"]).dt.days >= 18 * 365.2425 + 1]
    assert len(extra) >= len(adults) - len(pts)  # a full roll by default
    assert ((pd.Timestamp(CENSUS_DAY) - extra["birth_date"]).dt.days >= 18 * 365).all()


def test_voter_list_size_options_and_errors(linked):
    pop, pts, _ = linked
    small = voter_list(pts, pop, seed=1, overlap=0.5, n_extra=300)
    assert len(small) == 1000 + 300 and small["person_id"].isin(pts["person_id"]).sum() == 1000
    assert len(voter_list(pts, pop, seed=1, overlap=0.0, n_extra=0)) == 0
    with pytest.raises(ValueError, match="overlap"):
        voter_list(pts, pop, overlap=1.5)
    with pytest.raises(ValueError, match="n_extra must be at most"):
        voter_list(pts, pop, n_extra=10**7)
    with pytest.raises(ValueError, match="not drawn from this population"):
        voter_list(pts, population(POPULATION_SIZE_FAST, seed=1))
    with pytest.raises(ValueError, match="lacks the column"):
        voter_list(pts.drop(columns="name"), pop)


def test_default_population_links_patients_and_voters_of_one_seed():
    pts = patients(30, seed=7)
    voters = voter_list(pts, seed=7, n_extra=10)
    assert voters["person_id"].isin(pts["person_id"]).sum() == 24
    assert re.fullmatch(r"V\d{7}", voters["voter_id"].iloc[0])


def test_age_probabilities_change_the_calibration_and_the_model_follows():
    college = np.zeros(100)
    college[18:23] = 0.6 / 5  # a college town: 60 % of residents aged 18-22
    college[23:] = 0.4 / 77
    pop = population(POPULATION_SIZE_FAST, 0, age_probabilities=college)
    age_years = (pd.Timestamp(CENSUS_DAY) - pop["birth_date"]).dt.days / 365.2425
    assert 0.58 < ((age_years >= 18) & (age_years < 23)).mean() < 0.62
    measured = uniqueness(pop, ["zip", "birth_date", "sex"])
    model = uniqueness_model(pop["zip"].value_counts(), birth_date_distribution(college))
    assert abs(measured - model) < 0.01 and 0.5 < measured < 0.65  # far below the census pyramid's 87 %
    with pytest.raises(ValueError, match="age_probabilities"):
        population(100, 0, age_probabilities=[1.0])
    with pytest.raises(ValueError, match="age_probabilities"):
        birth_date_distribution(np.full(100, 0.02))
