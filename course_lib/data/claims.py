"""Benefit claims for the synthetic patients: one row per visit, keyed by SSN (notebook 01).

``claims(people, seed)`` writes, for every patient of ``patients(...)``, one claim per visit: a claim
id, the patient's SSN (the only link to the patient table, as between two organisations), an
admission date within 300 days after the patient's first admission, a gamma-distributed amount and
a discharge 0-14 days after admission. It also returns, kept apart, the patient id each claim belongs
to, so that a join on masked SSNs can be checked against the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib._validate import check_int

COLUMNS = ("claim_id", "ssn", "admitted", "amount", "discharged")


def claims(people: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """(claims table, the patient id of each claim indexed by claim id) for ``people``, which needs
    the columns ``patient_id``, ``ssn``, ``visits`` and ``admission_date``."""
    if not isinstance(people, pd.DataFrame):
        raise TypeError(f"people must be a pandas DataFrame, got {type(people).__name__}")
    missing = {"patient_id", "ssn", "visits", "admission_date"} - set(people.columns)
    if missing:
        raise ValueError(f"people lacks the column(s) {sorted(missing)}")
    seed = check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    per_visit = people.loc[people.index.repeat(people["visits"])]
    n = len(per_visit)
    table = pd.DataFrame({
        "claim_id": [f"C{i:07d}" for i in range(n)],
        "ssn": per_visit["ssn"].to_numpy(),
        "admitted": (per_visit["admission_date"].to_numpy()
                     + pd.to_timedelta(rng.integers(0, 300, n), "D").to_numpy()),
        "amount": rng.gamma(2.0, 400.0, n).round(2),
    })
    table["discharged"] = table["admitted"] + pd.to_timedelta(rng.integers(0, 15, n), "D")
    owners = pd.Series(per_visit["patient_id"].to_numpy(), index=table["claim_id"], name="patient_id")
    return table, owners
