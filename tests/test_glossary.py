"""The bilingual glossary: it parses, covers the course, and its loader rejects malformed rows."""

from __future__ import annotations

import re

import pytest

from course_lib.glossary import GlossaryError, load_glossary, parse_glossary, term_problems
from course_lib.translation import GLOSSARY

TERMS = load_glossary(GLOSSARY)
HEADER = "| English | 中文 | 避免使用 (variants) | 定义 |\n|---|---|---|---|\n"
GOOD = "| pruning | 剪枝 | 修剪 | 把部分权重置零或移除以缩小模型。 |\n"


def test_the_glossary_parses_with_a_chinese_term_and_definition_for_each_entry():
    assert 40 <= len(TERMS) <= 70
    for t in TERMS:
        assert re.search(r"[\u4e00-\u9fff]", t.chinese), t
        assert len(t.definition) >= 10 and re.search(r"[\u4e00-\u9fff]", t.definition), t
    assert len({t.english.lower() for t in TERMS}) == len(TERMS)
    assert len({t.chinese for t in TERMS}) == len(TERMS)


def test_the_glossary_has_the_courses_key_terms_in_the_established_chinese():
    chinese = {t.english: t.chinese for t in TERMS}
    expected = {
        "data masking": "数据脱敏", "de-identification": "去标识化", "k-anonymity": "k-匿名",
        "quasi-identifier": "准标识符", "differential privacy": "差分隐私", "privacy budget": "隐私预算",
        "sensitivity": "敏感度", "gradient clipping": "梯度裁剪",
        "membership inference attack": "成员推断攻击",
        "adversarial example": "对抗样本", "model compression": "模型压缩", "quantization": "量化",
        "pruning": "剪枝", "sparsity": "稀疏性", "federated learning": "联邦学习",
        "secure aggregation": "安全聚合", "homomorphic encryption": "同态加密", "secret sharing": "秘密共享",
    }
    assert {k: chinese.get(k) for k in expected} == expected
    for english in ("Laplace mechanism", "Gaussian mechanism", "composition", "Rényi differential privacy",
                    "privacy accountant", "DP-SGD", "shadow model", "memorisation", "exposure", "canary",
                    "evasion attack", "gradient inversion", "report card"):
        assert english in chinese, english


def test_every_notebook_has_terms_in_the_glossary():
    """Each definition ends by naming the notebooks that teach the term, e.g. （03–05、12）."""
    covered = set()
    for t in TERMS:
        refs = re.findall(r"（([^（）]*)）。?$", t.definition)
        assert refs, f"{t.english}: the definition should end with the notebooks, e.g. （03）"
        for a, b in re.findall(r"(\d{2})(?:–(\d{2}))?", refs[-1]):
            covered |= set(range(int(a), int(b or a) + 1))
    assert covered >= set(range(14)), sorted(set(range(14)) - covered)


def test_no_definition_uses_a_variant_the_glossary_avoids():
    text = "\n".join(t.definition for t in TERMS)
    assert term_problems(text, TERMS, "definitions") == []


def test_abbreviations_and_variants_are_read():
    by_name = {t.english: t for t in TERMS}
    assert by_name["differential privacy"].abbreviation == "DP"
    assert "差异隐私" in by_name["differential privacy"].variants
    assert by_name["privacy budget"].variants == ()


@pytest.mark.parametrize(("body", "expected"), [
    ("| pruning | 剪枝 | 修剪 | 置零。 | 多余 |\n", "got 5: '| pruning | 剪枝 | 修剪 | 置零。 | 多余 |'"),
    ("| pruning | 剪枝 | 修剪 |\n", "needs 4 cells"),
    ("| pruning | 剪枝 | 修剪 | |\n", "definition (定义)"),
    ("| pruning | 剪枝 | 修剪 | removes weights |\n", "definition (定义)"),
    ("| pruning | | 修剪 | 把部分权重置零。 |\n", "中文 cell"),
    ("| | 剪枝 | 修剪 | 把部分权重置零。 |\n", "English term is empty"),
    ("| pruning | 剪枝 | | 把部分权重置零。 |\n", "variants cell is empty"),
    ("| pruning | 剪枝 | 修剪、 | 把部分权重置零。 |\n", "an empty variant"),
    ("| pruning | 剪枝 | 剪 | 把部分权重置零。 |\n", "is part of the chosen term '剪枝'"),
    ("| pruning | 剪枝 | 修剪 | 把部分权重置零。\n", "must start and end with '|'"),
])
def test_the_loader_rejects_a_malformed_row_naming_it(body, expected):
    with pytest.raises(GlossaryError) as info:
        parse_glossary(HEADER + body, source="g.md")
    assert expected in str(info.value) and "g.md, line 3" in str(info.value), info.value


@pytest.mark.parametrize(("extra", "expected"), [
    ("| Pruning | 剪除 | — | 另一个定义。 |\n", "duplicate term 'pruning', already on line 3"),
    ("| weight pruning | 剪枝 | — | 另一个定义。 |\n", "duplicate term '剪枝', already on line 3"),
    ("| sparsity | 稀疏性 | 修剪 | 零元素的比例。 |\n", "variant '修剪' is listed twice"),
])
def test_the_loader_rejects_duplicates_naming_both_lines(extra, expected):
    with pytest.raises(GlossaryError, match="line 4") as info:
        parse_glossary(HEADER + GOOD + extra, source="g.md")
    assert expected in str(info.value), info.value


@pytest.mark.parametrize(("text", "expected"), [
    ("| English | Chinese | variants | definition |\n|---|---|---|---|\n" + GOOD, "header"),
    ("| English | 中文 | 避免使用 (variants) | 定义 |\n" + GOOD, "separator row"),
    ("# A glossary without a table\n", "no glossary table"),
])
def test_the_loader_rejects_a_malformed_table(text, expected):
    with pytest.raises(GlossaryError, match=re.escape(expected)):
        parse_glossary(text, source="g.md")


def test_a_good_table_parses_and_a_missing_file_is_named(tmp_path):
    (tmp_path / "g.md").write_text("# Glossary\n\n" + HEADER + GOOD + "\nText after.\n", encoding="utf-8")
    [term] = load_glossary(tmp_path / "g.md")
    assert (term.english, term.chinese, term.variants, term.line) == ("pruning", "剪枝", ("修剪",), 5)
    with pytest.raises(ValueError, match="path"):
        load_glossary(tmp_path / "missing.md")
