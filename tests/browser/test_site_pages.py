"""The built site (COURSE_SITE_DIR, written by ``python3 course.py site``), every page in Chromium.

The folder is served over HTTP on 127.0.0.1 (search needs HTTP, not file://). Each HTML page is visited
once: no console or page errors, no failed request or HTTP error, every image loaded, math rendered by
MathJax, no request to another host; then every internal link must lead to a page that answers 200
and holds the link's #fragment. Search must find a term, and two screenshots are kept.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import unavailable
from tests.browser.pagecheck import PageReport, check_page, dead_links, html_pages, serve

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
MATH_PAGE = "notebooks/03_dp_mechanisms.html"  # notebook 03 (the Laplace mechanism): math on its page
SEARCH_TERM = "Laplace"


@dataclass
class Visit:
    folder: Path
    base: str
    reports: dict[str, PageReport]  # by path relative to the folder
    seconds: float


@pytest.fixture(scope="module")
def site(browser) -> Iterator[Visit]:
    """Serve COURSE_SITE_DIR and visit each of its pages once."""
    where = os.environ.get("COURSE_SITE_DIR")
    if not where:
        unavailable("COURSE_SITE_DIR is not set: build and test the site with python3 course.py site --test")
    folder = Path(where)
    if not (folder / "index.html").is_file():
        unavailable(f"COURSE_SITE_DIR={folder} holds no index.html: build it with python3 course.py site")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    with serve(folder) as base:
        started = time.perf_counter()
        reports = {name: check_page(context, base + name) for name in html_pages(folder)}
        yield Visit(folder, base, reports, time.perf_counter() - started)
    context.close()


def test_every_page_loads_cleanly(site: Visit, capsys: pytest.CaptureFixture) -> None:
    count = len(site.reports)
    with capsys.disabled():
        print(f"\nsite: visited {count} HTML pages of {site.folder} in {site.seconds:.1f} s "
              f"({site.seconds / max(count, 1):.2f} s a page), "
              f"{sum(r.loaded_images for r in site.reports.values())} images, "
              f"{sum(r.math_rendered for r in site.reports.values())} math elements rendered")
    assert count > 0, "the site has no HTML page"
    problems = [p for report in site.reports.values() for p in report.problems()]
    assert not problems, f"{len(problems)} problems on the site's pages:\n" + "\n".join(problems)


def test_no_page_asks_another_host(site: Visit) -> None:
    """Everything a page loads comes from the site itself: it works offline and tells nobody it was read."""
    external = {url for report in site.reports.values() for url in report.external_requests}
    assert not external, "pages request other hosts:\n" + "\n".join(sorted(external))


def test_internal_links_resolve(site: Visit) -> None:
    dead = dead_links(list(site.reports.values()), site.base)
    assert not dead, f"{len(dead)} internal links lead nowhere:\n" + "\n".join(dead)


def test_math_is_rendered(site: Visit) -> None:
    assert MATH_PAGE in site.reports, f"no page {MATH_PAGE} among {sorted(site.reports)}"
    report = site.reports[MATH_PAGE]
    assert report.math_rendered > 0, f"{MATH_PAGE}: MathJax rendered no math (is MathJax loaded?)"
    assert not report.unrendered_math, f"{MATH_PAGE}: math left unrendered: {report.unrendered_math}"


def test_search_finds_a_term(site: Visit, browser) -> None:
    """Type a term into the search page, as a reader would, and see results listed."""
    if "search.html" not in site.reports:
        pytest.fail(f"the site has no search.html; its pages: {sorted(site.reports)}")
    page = browser.new_page()
    try:
        page.goto(site.base + "search.html")
        box = page.locator("input[name='q']:visible").first
        box.fill(SEARCH_TERM)
        box.press("Enter")
        results = page.locator("#search-results li, ul.search li")
        results.first.wait_for(timeout=30_000)
        assert results.count() > 0
        assert SEARCH_TERM.lower() in results.first.inner_text().lower() or results.count() > 1
    finally:
        page.close()


def test_screenshots(site: Visit, browser, screenshots: Path) -> None:
    """build/screenshots/site-home.png and site-notebook.png, the latter at a notebook's figure."""
    notebooks = [name for name, r in sorted(site.reports.items())
                 if Path(name).name[:2].isdigit() and r.loaded_images > 0]
    assert notebooks, "no notebook page has a figure"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site.base + "index.html")
        page.screenshot(path=screenshots / "site-home.png")
        page.goto(site.base + notebooks[0])
        outputs = page.locator(".cell_output img, .output img")  # MyST-NB's cell outputs
        figure = (outputs if outputs.count() else page.locator("main img, article img, img")).first
        figure.scroll_into_view_if_needed()
        page.screenshot(path=screenshots / "site-notebook.png")
    finally:
        page.close()
    for name in ("site-home.png", "site-notebook.png"):
        assert (screenshots / name).stat().st_size > 1000, name
