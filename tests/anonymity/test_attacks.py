"""Tests for course_lib.anonymity.attacks: the linkage and homogeneity attacks, by hand and on the
synthetic patients and voter list before and after k-anonymisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_lib.anonymity import (
    CategoricalHierarchy,
    DateHierarchy,
    IntervalHierarchy,
    PrefixHierarchy,
    anonymize_k,
    k_anonymity,
    l_diversity,
    linkage_attack,
)
from course_lib.data.people import patients, population, voter_list

QI = ["zip", "dob", "sex"]
RELEASE = pd.DataFrame({
    "zip": ["02138", "02138", "02139", "02139"],
    "dob": pd.to_datetime(["1965-03-12", "1971-01-02", "1965-03-12", "1965-03-12"]),
    "sex": ["F", "M", "F", "F"],
    "person_id": [1, 2, 3, 4],
    "diagnosis": ["HIV", "flu", "flu", "cancer"],
}, index=[10, 11, 12, 13])
AUXILIARY = pd.DataFrame({
    "zip": ["02138", "02138", "02139", "02141"],
    "dob": pd.to_datetime(["1965-03-12", "1971-01-02", "1965-03-12", "1980-06-30"]),
    "sex": ["F", "M", "F", "M"],
    "person_id": [1, 9, 3, 7],
    "name": ["Alice", "Bob", "Carol", "Dan"],
})


def test_linkage_by_hand():
    r = linkage_attack(RELEASE, AUXILIARY, QI, id_column="person_id", target_column="name",
                       sensitive="diagnosis")
    # every release record has exactly one candidate; records 12 and 13 share theirs (Carol)
    assert (r.n_release, r.n_auxiliary, r.n_in_both) == (4, 4, 2)
    assert r.n_linked == 4 and r.n_linked_correct == 2  # Alice -> 10 and Carol -> 12 are right
    assert r.n_unique_matches == 2 and r.n_unique_correct == 1  # 10 <-> Alice right, 11 <-> Bob wrong
    links = r.links.set_index("release_index")
    assert links.loc[10, "name"] == "Alice" and links.loc[11, "name"] == "Bob"
    assert links.loc[[12, 13], "name"].tolist() == ["Carol", "Carol"]
    assert links["unique"].tolist() == [True, True, False, False]
    assert links["correct"].tolist() == [True, False, True, False]
    assert links["auxiliary_index"].tolist() == [0, 1, 2, 2]
    # homogeneity: Alice's class says HIV (and she is in the release), Bob's says flu (he is not);
    # Carol's class holds flu and cancer, Dan has no candidate
    assert r.n_auxiliary_with_candidates == 3
    assert r.n_disclosed == 2 and r.n_disclosed_correct == 1 and r.n_disclosed_without_unique_match == 0
    assert r.disclosures["value"].tolist() == ["HIV", "flu"]
    assert r.linked_rate == 1.0 and r.unique_match_rate == 0.5 and r.disclosure_rate == pytest.approx(2 / 3)
    assert r.summary()["n_linked"] == 4 and "links" not in r.summary()


def test_without_ground_truth_or_sensitive_column():
    r = linkage_attack(RELEASE, AUXILIARY, QI)
    assert r.n_linked == 4 and r.n_linked_correct is None and r.n_in_both is None
    assert r.n_disclosed is None and r.disclosures is None and r.disclosure_rate is None
    assert list(r.links.columns) == ["release_index", "auxiliary_index", "unique"]


def test_missing_values_match_each_other():
    release = pd.DataFrame({"zip": ["02138", None], "sex": ["F", "F"], "id": [1, 2]})
    aux = pd.DataFrame({"zip": [np.nan, "02138", "02138"], "sex": ["F", "F", "F"], "id": [2, 1, 5]})
    r = linkage_attack(release, aux, ["zip", "sex"], id_column="id")
    assert r.n_linked == 1 and r.links["release_index"].tolist() == [1] and r.n_linked_correct == 1


def test_empty_tables_give_zero_counts():
    empty = RELEASE.iloc[:0]
    r = linkage_attack(empty, AUXILIARY, QI, sensitive="diagnosis", id_column="person_id")
    assert (r.n_linked, r.n_disclosed, r.n_auxiliary_with_candidates, r.linked_rate) == (0, 0, 0, 0.0)
    r = linkage_attack(RELEASE, AUXILIARY.iloc[:0], QI, sensitive="diagnosis")
    assert (r.n_linked, r.n_disclosed, r.unique_match_rate, r.disclosure_rate) == (0, 0, 0.0, 0.0)


def test_homogeneity_attack_on_a_k_anonymous_but_one_diverse_release():
    release = pd.DataFrame({
        "zip": ["021**"] * 8, "age": ["[30, 40)"] * 4 + ["[40, 50)"] * 4,
        "diagnosis": ["cancer"] * 4 + ["flu", "HIV", "flu", "asthma"], "person_id": range(8),
    })
    assert k_anonymity(release, ["zip", "age"]) == 4
    assert l_diversity(release, ["zip", "age"], "diagnosis") == 1
    neighbours = pd.DataFrame({"zip": ["02139", "02141", "02138", "10001"], "age": [34, 38, 45, 36],
                               "name": ["Ann", "Ben", "Cy", "Di"], "person_id": [2, 99, 5, 98]})
    generalizers = {"zip": PrefixHierarchy().at(2), "age": IntervalHierarchy((10,)).at(1)}
    r = linkage_attack(release, neighbours, ["zip", "age"], sensitive="diagnosis", generalizers=generalizers,
                       id_column="person_id", target_column="name")
    assert r.n_unique_matches == 0  # nobody is re-identified one-to-one...
    # (Cy is the only neighbour in the [40, 50) class, so all four of its records "link" to him; one is his)
    assert r.n_linked == 4 and r.n_linked_correct == 1
    assert r.n_disclosed == 2 and r.n_disclosed_without_unique_match == 2  # ...yet Ann and Ben "have cancer"
    assert r.disclosures["value"].tolist() == ["cancer", "cancer"]
    assert r.n_disclosed_correct == 1  # Ann is in the release; Ben is not, so for him the inference is wrong
    assert r.n_auxiliary_with_candidates == 3  # Di's ZIP 10001 is outside the release


@pytest.fixture(scope="module")
def hospital():
    pop = population(100_000, seed=0)
    pts = patients(2000, seed=0, population=pop)
    voters = voter_list(pts, pop, seed=0)
    release = pts.drop(columns=["patient_id", "name", "ssn", "email", "phone"])
    release = release.rename(columns={"birth_date": "dob"})
    return release, voters.rename(columns={"birth_date": "dob"})


def test_patients_are_reidentified_from_the_voter_list(hospital):
    release, voters = hospital
    r = linkage_attack(release, voters, QI, id_column="person_id", target_column="name",
                       sensitive="diagnosis")
    assert r.n_in_both == 1600
    assert r.n_unique_correct / r.n_in_both >= 0.80  # Sweeney: most of the overlap, by name
    assert r.n_linked_correct >= r.n_unique_correct and r.n_linked_correct / r.n_linked > 0.95


@pytest.mark.parametrize("k", [2, 5])
def test_k_anonymisation_leaves_no_unique_match(hospital, k):
    release, voters = hospital
    hierarchies = {"zip": PrefixHierarchy(), "dob": DateHierarchy(),
                   "sex": CategoricalHierarchy.flat(["F", "M"])}
    anonymous, report = anonymize_k(release, QI, hierarchies, k)
    assert k_anonymity(anonymous, QI) >= k
    r = linkage_attack(anonymous, voters, QI, id_column="person_id", target_column="name",
                       sensitive="diagnosis", generalizers=report.generalizers)
    assert r.n_unique_matches == 0 and r.n_unique_correct == 0  # by construction: every class has >= k
    assert r.n_linked_correct <= r.n_linked
    assert r.n_auxiliary_with_candidates > 0.9 * len(voters)  # the join still finds the voters' classes


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"id_column": "ssn"}, ValueError, "id_column='ssn' is not a column of release"),
    ({"target_column": "phone"}, ValueError, "target_column='phone' is not a column of auxiliary"),
    ({"sensitive": "zip"}, ValueError, "is a quasi-identifier"),
    ({"sensitive": "salary"}, ValueError, "sensitive='salary' is not a column"),
    ({"generalizers": {"zip": "021**"}}, TypeError, "must be callable"),
    ({"generalizers": {"name": str.upper}}, ValueError, "not a quasi-identifier"),
    ({"generalizers": [("zip", str)]}, TypeError, "generalizers must be a dict"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        linkage_attack(RELEASE, AUXILIARY, QI, **kwargs)


def test_a_generalised_release_needs_a_generalised_auxiliary_table():
    release = RELEASE.assign(dob=RELEASE["dob"].dt.strftime("%Y"))
    with pytest.raises(ValueError, match="text values in release but datetime values in auxiliary"):
        linkage_attack(release, AUXILIARY, QI)
    coarse = RELEASE.assign(zip=RELEASE["zip"].str[:3] + "**")
    with pytest.raises(ValueError, match="no value of quasi-identifier 'zip' occurs in both"):
        linkage_attack(coarse, AUXILIARY, QI)
    r = linkage_attack(coarse, AUXILIARY, QI, generalizers={"zip": PrefixHierarchy().at(2)})
    assert r.n_linked == 1 and r.links["release_index"].tolist() == [11]  # Alice and Carol now share a class
    with pytest.raises(ValueError, match="are not columns of auxiliary"):
        linkage_attack(RELEASE, AUXILIARY.drop(columns="sex"), QI)
