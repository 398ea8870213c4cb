"""The site's offline checks on tiny hand-made sites: each accepts a good one and flags a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_lib.site.checks import broken_internal_links, external_references

GOOD = {
    "index.html": """<!doctype html><html><head>
        <link rel="stylesheet" href="_static/site.css"><script src="_static/app.js"></script>
        <script>var doc = "https://example.org/not-loaded";</script></head>
        <body><a href="https://github.com/a/b">source</a> <a href="notebooks/one.html#results">results</a>
        <a href="#top" id="top">top</a> <img src="_static/logo.svg" alt="logo">
        <a href="mailto:someone@example.org">mail</a> <a href="notebooks/">folder</a></body></html>""",
    "notebooks/one.html": '<html><body><h2 id="results">Results</h2><a href="../index.html">home</a>'
                          "</body></html>",
    "notebooks/index.html": '<html><body><h2 id="中文简介">中文</h2><a href="one.html?x=1#results">r</a>'
                            '<a href="#%E4%B8%AD%E6%96%87%E7%AE%80%E4%BB%8B">zh</a></body></html>',
    "_static/site.css": "body { background: url('logo.svg'); }\n"
                        "@font-face { src: url(data:font/woff2;base64,AA); }",
    "_static/app.js": 'const help = "see https://example.org/docs for help"; load("_static/x.js");',
    "_static/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'></svg>",
}


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_good_site_passes_both_checks(tmp_path):
    site = _site(tmp_path, GOOD)
    assert external_references(site) == []
    assert broken_internal_links(site) == []


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("cdn.html", '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>',
     "cdn.html: <script src> https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"),
    ("proto.html", '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Lato">',
     "proto.html: <link rel=stylesheet> //fonts.googleapis.com/css?family=Lato"),
    ("_static/fonts.css", "@import url('https://fonts.googleapis.com/css2?family=Roboto');",
     "_static/fonts.css: css url() https://fonts.googleapis.com/css2?family=Roboto"),
    ("_static/plain.css", '@import "https://fonts.googleapis.com/css2?family=Roboto";',
     "_static/plain.css: css url() https://fonts.googleapis.com/css2?family=Roboto"),
    ("face.css", "@font-face { src: url(https://example.org/f.woff2) format('woff2'); }",
     "face.css: css url() https://example.org/f.woff2"),
    ("frame.html", '<iframe src="https://www.youtube.com/embed/x"></iframe>',
     "frame.html: <iframe src> https://www.youtube.com/embed/x"),
    ("img.html", '<img srcset="small.png 1x, https://example.org/big.png 2x">',
     "img.html: <img srcset> https://example.org/big.png"),
    ("style.html", '<div style="background: url(https://example.org/bg.png)"></div>',
     "style.html: css url() https://example.org/bg.png"),
    ("inline.html", '<script>s.src = "https://unpkg.com/require.js";</script>',
     "inline.html: inline script https://unpkg.com/require.js"),
    ("svg.html", '<svg><image href="https://example.org/chart.png"/></svg>',
     "svg.html: <svg image href> https://example.org/chart.png"),
    ("use.html", '<svg><use xlink:href="https://example.org/icons.svg#x"/></svg>',
     "use.html: <svg use xlink:href> https://example.org/icons.svg#x"),
    ("preload.html", '<link rel="preload" as="image" imagesrcset="https://example.org/a.png 1x">',
     "preload.html: <link srcset> https://example.org/a.png"),
    ("_static/loader.js", 'import("https://esm.sh/lib")',
     "_static/loader.js: script https://esm.sh/lib"),
])
def test_external_references_are_flagged(tmp_path, name, text, expected):
    site = _site(tmp_path, {**GOOD, name: text})
    assert external_references(site) == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ('<a href="notebooks/two.html">two</a>', "no such file"),
    ('<a href="notebooks/one.html#absent">x</a>', "no element with id 'absent'"),
    ('<a href="#nowhere">x</a>', "no element with id 'nowhere'"),
    ('<a href="notebooks/index.html#%E4%B8%AD">x</a>', "no element with id '中'"),
    ('<img src="_static/missing.png">', "<img src> _static/missing.png: no such file"),
    ('<script src="_static/gone.js"></script>', "no such file"),
    ('<link rel="stylesheet" href="_static/gone.css">', "no such file"),
    ('<a href="../../etc/passwd">x</a>', "leaves the site"),
])
def test_broken_internal_links_are_flagged(tmp_path, text, expected):
    site = _site(tmp_path, {**GOOD, "bad.html": f"<html><body>{text}</body></html>"})
    found = broken_internal_links(site)
    assert len(found) == 1 and found[0].startswith("bad.html: ") and expected in found[0], found


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ValueError, match="html_dir"):
        external_references(tmp_path / "absent")
    with pytest.raises(ValueError, match="html_dir"):
        broken_internal_links(tmp_path / "absent")
