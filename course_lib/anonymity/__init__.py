"""Anonymisation and linkage: how quasi-identifiers single people out, and what generalisation buys.

- ``metrics``         equivalence classes, uniqueness, k-anonymity, prosecutor/journalist/marketer risk
- ``diversity``       ℓ-diversity (distinct, entropy) and t-closeness (equal, ordered, hierarchical EMD)
- ``hierarchy``       generalisation hierarchies: number bands, ZIP prefixes, dates, category trees
- ``generalization``  generalise, suppress, the lattice of levels, ``anonymize_k`` with information loss
- ``attacks``         the linkage attack (Sweeney) and the homogeneity attack, scored against ground truth
- ``models``          the expected share of unique rows on independent columns, without looking at a row

Every function takes a pandas DataFrame and a list of quasi-identifier column names; a missing value
in a quasi-identifier is a value of its own. The synthetic population, patients and voter list live in
``course_lib.data.people``.
"""

from .attacks import LinkageResult, linkage_attack
from .diversity import l_diversity, t_closeness
from .generalization import (
    AnonymizationReport,
    anonymize_k,
    discernibility,
    generalize,
    lattice,
    precision_loss,
    suppress,
)
from .hierarchy import (
    CategoricalHierarchy,
    DateHierarchy,
    Generalizer,
    Hierarchy,
    IntervalHierarchy,
    PrefixHierarchy,
)
from .metrics import (
    Risk,
    class_sizes,
    equivalence_classes,
    journalist_risk,
    k_anonymity,
    marketer_risk,
    prosecutor_risk,
    record_risk,
    uniqueness,
)
from .models import expected_uniqueness

__all__ = [
    "AnonymizationReport", "CategoricalHierarchy", "DateHierarchy", "Generalizer", "Hierarchy",
    "IntervalHierarchy", "LinkageResult", "PrefixHierarchy", "Risk", "anonymize_k", "class_sizes",
    "discernibility", "equivalence_classes", "expected_uniqueness", "generalize", "journalist_risk",
    "k_anonymity", "l_diversity",
    "lattice", "linkage_attack", "marketer_risk", "precision_loss", "prosecutor_risk", "record_risk",
    "suppress", "t_closeness", "uniqueness",
]
