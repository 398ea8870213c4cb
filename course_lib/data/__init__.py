"""Offline datasets: scikit-learn's bundled sets and seeded synthetic generators.

Nothing here downloads. ``bundled`` splits scikit-learn's digits and breast-cancer sets; the
synthetic generators (patients, a voter list, a census-like population, free text with planted PII, card
transactions with memos)
each take an explicit seed, so every run of a notebook sees the same people.
"""

from .bundled import Split, load_breast_cancer_split, load_digits_split, rng
from .people import patients, population, uniqueness_model, voter_list
from .pii_text import LabelledDoc, pii_corpus
from .transactions import fraud_features, transactions

__all__ = ["Split", "load_breast_cancer_split", "load_digits_split", "rng", "LabelledDoc", "pii_corpus",
           "patients", "population", "uniqueness_model", "voter_list", "transactions", "fraud_features"]
