"""Figure labels in the course's languages (course_lib.i18n)."""

from __future__ import annotations

import warnings

import pytest

from course_lib.i18n import FIGURE_LABELS_ZH, figure_labels
from course_lib.plotting import CJKFontWarning


def test_english_labels_are_the_labels():
    assert figure_labels("en")("density") == "density"


def test_chinese_labels_come_from_the_table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CJKFontWarning)  # a machine without a CJK font still translates
        T = figure_labels("zh")
    assert T("density") == "密度" and T("true privacy loss = 4") == FIGURE_LABELS_ZH["true privacy loss = 4"]
    with pytest.raises(KeyError, match="'no such label' has no Chinese translation"):
        T("no such label")


def test_an_unknown_language_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match=r"language must be one of \('en', 'zh'\), got 'fr'"):
        figure_labels("fr")


def test_chinese_figure_labels_use_the_glossary_terms():
    from course_lib.glossary import load_glossary, term_problems
    from course_lib.translation import GLOSSARY

    terms = load_glossary(GLOSSARY)
    assert term_problems("\n".join(FIGURE_LABELS_ZH.values()), terms, "figure labels") == []
    assert term_problems("原文修剪之后", terms, "a variant")  # the same check flags a variant (修剪 for 剪枝)
