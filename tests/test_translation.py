"""The Chinese edition: its pages use the glossary's terms, are up to date with the English they
translate, keep notebook 00's code cells, and figures can draw Chinese text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import warnings

import pytest

from course_lib import translation as tr
from course_lib.glossary import load_glossary, term_problems
from course_lib.grading.grader import REPO_ROOT
from tests.hygiene import problems as hygiene_problems

TERMS = load_glossary(tr.GLOSSARY)
ENGLISH_00 = REPO_ROOT / "notebooks" / "00_introduction.ipynb"
ZH_00 = REPO_ROOT / "notebooks" / "zh" / "00_introduction.ipynb"
PAGES = tr.chinese_pages()


def test_the_chinese_pages_are_there():
    names = [p.name for p in PAGES]
    assert names[0] == "README.md#中文简介" and "notebooks/zh/00_introduction.ipynb" in names
    readme = PAGES[0].text
    assert "python3 course.py lab" in readme and "python3 course.py test" in readme
    for link in ("notebooks/zh/00_introduction.ipynb", "docs/glossary.md", "notebooks/13_"):
        assert f"]({link}" in readme, link


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_chinese_page_uses_the_glossarys_terms(page):
    assert term_problems(page.text, TERMS, page.name) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_chinese_page_is_up_to_date_with_the_english_it_translates(page):
    assert tr.stale_records(page) == []


def test_the_term_checks_flag_a_bad_page_and_pass_a_good_one():
    bad = "# 页面\n\n我们使用差异隐私。\n\n隐私差分（differential privacy）保护个人。\n"
    found = term_problems(bad, TERMS, "bad.md")
    assert found == [
        "bad.md, line 3: uses '差异隐私'; the glossary's term for 'differential privacy' is '差分隐私'",
        "bad.md, line 5: '隐私差分（differential privacy）' — the glossary's Chinese for 'differential "
        "privacy' is '差分隐私'",
    ], found
    assert term_problems("**对抗性样本** (adversarial examples)。", TERMS, "p")[1].endswith("'对抗样本'")
    good = ("差分隐私（differential privacy, DP）很重要；**量化**（quantization）和剪枝（pruning）。\n"
            "差分隐私（机制、隐私核算、DP-SGD）是一个列表，不是注释。`差异隐私` 在代码里不算。\n"
            "```python\nlabel = '差异隐私'\n```\n")
    assert term_problems(good, TERMS, "good.md") == []


def _copy_course(tmp_path):
    """The files the Chinese pages and their records refer to, in a scratch course folder."""
    for rel in ("README.md", "docs/glossary.md", "notebooks/00_introduction.ipynb",
                "notebooks/zh/00_introduction.ipynb", *[p.relative_to(REPO_ROOT).as_posix()
                                                        for p in (REPO_ROOT / "docs" / "zh").glob("*.md")]):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / rel, tmp_path / rel)
    return tmp_path


def _edit_notebook(path, change):
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_changed_english_notebook_flags_its_translation_until_stamped(tmp_path):
    root = _copy_course(tmp_path)
    assert tr.problems(root) == []
    english = root / "notebooks" / "00_introduction.ipynb"
    _edit_notebook(english, lambda nb: nb["cells"][0]["source"].append("\nOne more sentence."))
    assert tr.problems(root) == [
        "notebooks/zh/00_introduction.ipynb is out of date: the markdown cells of "
        "notebooks/00_introduction.ipynb changed since it was translated. Update its markdown cells to "
        "match, then run `python -m course_lib.translation stamp notebooks/zh/00_introduction.ipynb`"]
    before = (root / "notebooks" / "zh" / "00_introduction.ipynb").read_bytes()
    tr.stamp(root / "notebooks" / "zh" / "00_introduction.ipynb", root)
    assert tr.problems(root) == []
    after = (root / "notebooks" / "zh" / "00_introduction.ipynb").read_bytes()
    assert len(after.splitlines()) == len(before.splitlines())  # only the hash changed


def test_a_changed_readme_section_flags_the_chinese_section_until_stamped(tmp_path):
    root = _copy_course(tmp_path)
    readme = root / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("| 30 min |", "| 35 min |", 1),
                      encoding="utf-8")
    [message] = tr.problems(root)
    assert message.startswith("README.md#中文简介 is out of date: section(s) ") and "syllabus" in message
    assert message.endswith("`python -m course_lib.translation stamp README.md`")
    tr.stamp(readme, root)
    assert tr.problems(root) == []
    # An English section outside the translated ones changes nothing.
    readme.write_text(readme.read_text(encoding="utf-8").replace("## Troubleshooting", "## Trouble shooting"),
                      encoding="utf-8")
    assert tr.problems(root) == []


def test_records_that_point_nowhere_or_are_missing_are_flagged(tmp_path):
    root = _copy_course(tmp_path)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("#ai-model", "#no-such-section,ai-model"), encoding="utf-8")
    assert any("has no section 'no-such-section'" in p for p in tr.problems(root))
    readme.write_text(tr.RECORD.sub("", text), encoding="utf-8")
    assert any("README.md#中文简介: no record" in p for p in tr.problems(root))
    zh = root / "notebooks" / "zh" / "00_introduction.ipynb"
    _edit_notebook(zh, lambda nb: nb["metadata"].pop("course"))
    assert any("no translation record" in p for p in tr.problems(root))


def test_the_zh_notebook_has_notebook_00s_code_cells():
    assert tr.code_differences(ENGLISH_00, ZH_00) == []
    english, zh = (json.loads(p.read_text(encoding="utf-8")) for p in (ENGLISH_00, ZH_00))
    assert [c["cell_type"] for c in zh["cells"]] == [c["cell_type"] for c in english["cells"]]
    assert zh["metadata"]["course"]["translation_of"]["path"] == "notebooks/00_introduction.ipynb"
    md = [c for c in zh["cells"] if c["cell_type"] == "markdown"]
    assert all(re.search(r"[\u4e00-\u9fff]", "".join(c["source"])) for c in md), "every cell translated"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda nb: nb["cells"][3].update(source="import numpy as np\n"), "source differs"),
    (lambda nb: nb["cells"][2]["metadata"].update(tags=[]), "tags differs"),
    (lambda nb: nb["cells"].pop(), "code cells where the English notebook has"),
    (lambda nb: nb["cells"][2].update(source="".join(nb["cells"][2]["source"]) + "\nSEED = 3\n"),
     "source differs"),
])
def test_a_tampered_zh_notebook_is_flagged(tmp_path, change, expected):
    root = _copy_course(tmp_path)
    zh = root / "notebooks" / "zh" / "00_introduction.ipynb"
    _edit_notebook(zh, change)
    found = tr.code_differences(root / "notebooks" / "00_introduction.ipynb", zh)
    assert any(expected in p for p in found), found
    assert any(p.startswith("notebooks/zh/00_introduction.ipynb: ") and expected in p
               for p in tr.problems(root))


def test_the_markdown_hash_ignores_code_cells():
    nb = json.loads(ENGLISH_00.read_text(encoding="utf-8"))
    before = tr.markdown_hash(nb)
    nb["cells"][2]["source"] = "FAST = True\nSEED = 3\n"
    assert tr.markdown_hash(nb) == before
    nb["cells"][0]["source"] = "# changed"
    assert tr.markdown_hash(nb) != before


def test_sections_run_to_the_next_heading_and_skip_code_fences():
    text = "# Title\nintro\n## Two commands\n```bash\n# not a heading\n```\n### Sub\nx\n## Next\ny\n"
    found = tr.sections(text)
    assert list(found) == ["title", "two-commands", "sub", "next"]
    assert "# not a heading" in found["two-commands"] and "x" not in found["two-commands"]
    with pytest.raises(ValueError, match="anchors: m.md has no section 'missing'"):
        tr.sections_hash(text, ["title", "missing"], "m.md")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda nb: nb["cells"][0].update(source=nb["cells"][0]["source"].replace("学习目标", "目的")),
     "learning objectives"),
    (lambda nb: nb["cells"][0].update(source=nb["cells"][0]["source"].replace("先修要求", "准备")),
     "prerequisites"),
    (lambda nb: nb["cells"][0].update(source=nb["cells"][0]["source"].replace("30 分钟", "半小时")),
     "time estimate"),
    (lambda nb: nb["cells"][-2].update(source=nb["cells"][-2]["source"].replace("## 小结", "## 回顾")),
     "Summary"),
])
def test_the_hygiene_rules_hold_the_chinese_edition_too(tmp_path, change, expected):
    assert hygiene_problems(ZH_00) == []
    nb = json.loads(ZH_00.read_text(encoding="utf-8"))
    nb["cells"] = [dict(c, source="".join(c["source"])) for c in nb["cells"]]
    change(nb)
    (tmp_path / "00_introduction.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    found = hygiene_problems(tmp_path / "00_introduction.ipynb")
    assert any(expected in p for p in found), found


def test_the_check_command_passes_on_the_course():
    proc = subprocess.run([sys.executable, "-m", "course_lib.translation", "check"], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# Chinese text in figures ------------------------------------------------------------------------------

def _missing_glyphs(title: str) -> list[str]:
    import matplotlib.pyplot as plt

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title(title)
        fig.canvas.draw()
        plt.close(fig)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_without_a_cjk_font_chinese_text_is_tofu_and_use_cjk_font_says_what_to_install(monkeypatch):
    import matplotlib as mpl
    from matplotlib import font_manager as fm

    from course_lib.plotting import CJKFontWarning, use_cjk_font

    latin_only = [f for f in fm.fontManager.ttflist if f.name.startswith("DejaVu")]
    monkeypatch.setattr(fm.fontManager, "ttflist", latin_only)
    monkeypatch.setattr(fm, "findSystemFonts", lambda *a, **k: [])
    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        assert _missing_glyphs("差分隐私"), "DejaVu Sans has no Chinese glyphs: the check must see that"
        with pytest.warns(CJKFontWarning, match="fonts-noto-cjk"):
            assert use_cjk_font() is None


def test_use_cjk_font_draws_chinese_without_missing_glyphs():
    import matplotlib as mpl

    from course_lib.plotting import CJK_FONT_PACKAGES, find_cjk_font, use_cjk_font

    if find_cjk_font() is None:
        pytest.skip(f"no CJK font installed (Debian/Ubuntu: {CJK_FONT_PACKAGES})")
    with mpl.rc_context():
        name = use_cjk_font()
        assert name and mpl.rcParams["font.family"][-1] == name
        assert _missing_glyphs("差分隐私 differential privacy, ε = 1") == []


def test_the_zh_notebook_draws_its_figures_in_chinese(tmp_path):
    assert tr.notebook_language(ENGLISH_00) == "en" and tr.notebook_language(ZH_00) == "zh"
    root = _copy_course(tmp_path)
    zh = root / "notebooks" / "zh" / "00_introduction.ipynb"
    _edit_notebook(zh, lambda nb: nb["cells"][2].update(
        source="".join(nb["cells"][2]["source"]).replace('LANGUAGE = "zh"', 'LANGUAGE = "en"')))
    # the one change a translation may make to the code
    assert tr.code_differences(root / "notebooks" / "00_introduction.ipynb", zh) == []
    assert any("LANGUAGE = 'en'" in p for p in tr.problems(root))


def test_every_figure_label_of_a_translated_notebook_has_its_translation():
    from course_lib.i18n import FIGURE_LABELS_ZH

    used = set()
    for cell in json.loads(ENGLISH_00.read_text(encoding="utf-8"))["cells"]:
        used |= set(re.findall(r'\bT\("((?:[^"\\]|\\.)*)"\)', "".join(cell["source"])))
    assert used and used <= set(FIGURE_LABELS_ZH), used - set(FIGURE_LABELS_ZH)
