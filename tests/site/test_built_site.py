"""The built site (COURSE_SITE_DIR, from ``python3 course.py site``) is complete and self-contained."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from course_lib.nbrun import REPO_ROOT, notebooks
from course_lib.site.checks import broken_internal_links, external_references

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Path:
    where = os.environ.get("COURSE_SITE_DIR")
    if not where:
        pytest.skip("COURSE_SITE_DIR is not set: build and test the site with python3 course.py site --test")
    folder = Path(where)
    if not (folder / "index.html").is_file():
        pytest.fail(f"COURSE_SITE_DIR={folder} holds no index.html: build it with python3 course.py site")
    return folder


def test_nothing_loads_from_another_host(site: Path) -> None:
    assert external_references(site) == []


def test_every_internal_link_resolves(site: Path) -> None:
    assert broken_internal_links(site) == []


def test_every_notebook_has_a_page(site: Path) -> None:
    folder = REPO_ROOT / "notebooks"
    for nb in notebooks(folder) + notebooks(folder / "zh"):
        page = site / nb.relative_to(REPO_ROOT).with_suffix(".html")
        assert page.is_file(), f"no page for {nb.relative_to(REPO_ROOT)}"


def test_the_home_page_holds_the_syllabus(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \| \[notebooks/(\d\d_\w+)\.ipynb\]", readme, re.MULTILINE)
    assert len(rows) >= 14
    for number, name in rows:
        assert f'href="notebooks/{name}.html"' in home, f"syllabus row {number} does not link to its page"


def test_search_and_index_pages_exist(site: Path) -> None:
    for name in ("search.html", "searchindex.js", "genindex.html"):
        assert (site / name).is_file(), name
    assert "03_dp_mechanisms" in (site / "searchindex.js").read_text(encoding="utf-8")


def test_launch_badges_when_the_site_has_them(site: Path) -> None:
    pages = sorted((site / "notebooks").glob("[0-9][0-9]_*.html"))
    with_badges = [p for p in pages if 'class="course-launch"' in p.read_text(encoding="utf-8")]
    if not with_badges:
        pytest.skip("built without a GitHub repository, so without badges (--repository URL adds them)")
    assert with_badges == pages, "some notebook pages lack their launch badges"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for pattern in (rf'href="https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w./-]+\?labpath=notebooks/'
                        rf'{page.stem}\.ipynb"',
                        rf'href="https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w./-]+/'
                        rf'notebooks/{page.stem}\.ipynb"',
                        r'<img[^>]+src="\.\./_static/badges/binder\.svg"',
                        r'<img[^>]+src="\.\./_static/badges/colab\.svg"'):
            assert re.search(pattern, text), f"{page.name}: no match for {pattern}"
