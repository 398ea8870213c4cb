"""Report cards: the article's four evaluation criteria — leakage, resistance to attacks, the privacy
guarantee, performance — measured on one model, rendered, and compared across models."""

from .card import (
    CRITERIA,
    Measure,
    ReportCard,
    accuracy_measure,
    auc_measure,
    compare,
    guarantee_measures,
    leakage_measures,
    membership_measures,
    performance_measures,
    plot_tradeoff,
    report_card,
    robustness_measures,
)

__all__ = ["CRITERIA", "Measure", "ReportCard", "accuracy_measure", "auc_measure", "compare",
           "guarantee_measures", "leakage_measures", "membership_measures", "performance_measures",
           "plot_tradeoff", "report_card", "robustness_measures"]
