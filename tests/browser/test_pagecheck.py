"""The page checker itself, on a tiny hand-made site: it must catch what it claims to catch."""

from __future__ import annotations

import struct
import urllib.request
import zlib
from pathlib import Path

import pytest

from tests.browser.pagecheck import PageReport, check_page, dead_links, html_pages, serve


def png(width: int = 2, height: int = 2) -> bytes:
    """A small grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


PAGES = {
    "index.html": """<h1>Home</h1><a href="good.html#part">part</a> <a href="sub/">sub</a>
        <img src="ok.png" alt="ok"><span class="math"><mjx-container>x</mjx-container></span>
        <pre>$$ in code is fine \\(</pre>""",
    "good.html": '<h2 id="part">Part</h2><a href="index.html">home</a><a href="ok.png">picture</a>',
    "sub/index.html": '<p>below</p><a href="../good.html#part">up</a>',
    # MathJax 3 stand-ins: one typesets after a while (the checker must wait for it), one never finishes
    "late.html": """<span class="math">\\(x\\)</span><script>window.MathJax = {startup: {promise:
        new Promise(done => setTimeout(() => { document.querySelector(".math").innerHTML =
        "<mjx-container>x</mjx-container>"; done(); }, 500))}};</script>""",
    "texerror.html": '<span class="math"><mjx-container><mjx-merror>\\frak</mjx-merror>'
                     "</mjx-container></span>",
    "stuck.html": '<span class="math"><mjx-container>x</mjx-container></span>'
                  "<script>window.MathJax = {startup: {promise: new Promise(() => {})}};</script>",
    "bad.html": """<script>console.error("boom")</script>
        <script>window.addEventListener("load", () => { throw new Error("uncaught"); });</script>
        <script src="https://cdn.example.invalid/lib.js"></script>
        <img src="missing.png" alt="gone"><img src="ok.png" loading="lazy" style="margin-top:3000px">
        <a href="nowhere.html">dead</a> <a href="good.html#absent">no such part</a>
        <span class="math notranslate">\\(x^2\\)</span><p>left as typed: $$y$$</p>""",
}


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    for name, body in PAGES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"<!doctype html><html><head><title>{name}</title></head>"
                                   f"<body>{body}</body></html>")
    (folder / "ok.png").write_bytes(png())
    return folder


@pytest.mark.browser
def test_the_checker_passes_good_pages_and_catches_every_fault(browser, tiny_site: Path) -> None:
    context = browser.new_context()
    with serve(tiny_site) as base:
        reports = {name: check_page(context, base + name, timeout_s=3)
                   for name in html_pages(tiny_site)}
        dead = dead_links(list(reports.values()), base)
    context.close()

    for name in ("index.html", "good.html", "sub/index.html", "late.html"):
        assert reports[name].problems() == [], name
    assert reports["late.html"].math_rendered == 1
    assert reports["texerror.html"].unrendered_math == ["MathJax error: \\frak"]
    assert reports["stuck.html"].unrendered_math == ["MathJax had not finished after 3 s"]
    assert reports["index.html"].math_rendered == 1 and reports["index.html"].loaded_images == 1

    bad = reports["bad.html"]
    assert bad.console_errors and any("boom" in e for e in bad.console_errors)
    assert any("uncaught" in e for e in bad.page_errors)
    assert bad.external_requests == ["https://cdn.example.invalid/lib.js"]
    assert any("missing.png" in r for r in bad.bad_responses)
    assert [src.rsplit("/", 1)[1] for src in bad.broken_images] == ["missing.png"]  # the lazy one loaded
    assert any("x^2" in m for m in bad.unrendered_math) and any("$$y$$" in m for m in bad.unrendered_math)
    assert len(bad.problems()) >= 6

    assert dead == [f"{base}bad.html: link {base}good.html#absent: no element with id 'absent' on the target",
                    f"{base}bad.html: link {base}nowhere.html: the target answers 404"]


def test_dead_links_needs_no_browser_for_visited_pages() -> None:
    base = "http://127.0.0.1:1/"
    home = PageReport(base + "index.html", links=[base + "a.html#x", base + "a.html#y", "https://example.org/#z"])
    target = PageReport(base + "a.html", ids={"x"})
    assert dead_links([home, target], base) == [
        f"{base}index.html: link {base}a.html#y: no element with id 'y' on the target"]


def test_serve_refuses_a_missing_folder_and_serves_a_real_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folder"), serve(tmp_path / "absent"):
        pass
    (tmp_path / "a.html").write_text("hello")
    with serve(tmp_path) as base:
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "a.html", timeout=10) as answer:
            assert answer.read() == b"hello"
    assert html_pages(tmp_path) == ["a.html"]


def test_a_missing_browser_skips_or_fails_as_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.browser.conftest import find_browser, unavailable

    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_browser() is None
    monkeypatch.delenv("COURSE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install"):
        unavailable("no Chromium found: install it")
    monkeypatch.setenv("COURSE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="COURSE_REQUIRE_BROWSER=1"):
        unavailable("no Chromium found: install it")
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHROMIUM", str(fake))
    assert find_browser() == str(fake)
