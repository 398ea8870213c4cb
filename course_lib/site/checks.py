"""Offline checks of a built site (standard library only).

``external_references(html_dir)`` lists every reference by which a page would load something from
another host: ``src=`` of scripts, images, iframes and media, ``href=`` of ``<link>`` and of inline
SVG's ``<image>``/``<use>``, CSS ``url()``
and ``@import`` (in .css files, ``<style>`` and ``style=``), and resource URLs in JavaScript (files
and inline scripts). Plain ``<a href>`` links may point anywhere and are not listed.
``broken_internal_links(html_dir)`` lists every relative ``<a href>``, ``src=`` or ``<link href>``
whose file does not exist in the site, or whose ``#fragment`` names no element of the target page.
Each problem is one line: ``page: what``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
NOT_A_FILE = re.compile(r"^\s*(?:mailto|tel|javascript|data|blob|about):", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.IGNORECASE)
JS_RESOURCE = re.compile(
    r"""(['"`])((?:https?:)?//[^'"`\s]+?"""
    r"""\.(?:m?js|css|woff2?|ttf|otf|eot|png|jpe?g|gif|svg|webp)(?:\?[^'"`\s]*)?)\1""", re.IGNORECASE)
JS_MODULE = re.compile(
    r"""(?:\bimport\s*\(\s*|\bfrom\s+|\bimportScripts\s*\(\s*)(['"`])((?:https?:)?//[^'"`\s]+)\1""")
SRC_TAGS = {"script", "img", "iframe", "source", "audio", "video", "track", "embed", "input", "frame"}


class _Page(HTMLParser):
    """The references and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []  # (what, url): fetched when the page loads
        self.links: list[str] = []  # <a href>
        self.ids: set[str] = set()
        self.css: list[str] = []
        self.js: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name") if tag in ("a", "map") else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "link" and a.get("href"):
            self.loads.append((f"<link rel={a.get('rel', '')}>", a["href"]))
        if tag in SRC_TAGS and a.get("src"):
            self.loads.append((f"<{tag} src>", a["src"]))
        for key in ("poster", "data") if tag in ("video", "object") else ():
            if a.get(key):
                self.loads.append((f"<{tag} {key}>", a[key]))
        for key in ("href", "xlink:href") if tag in ("image", "use", "feimage") else ():  # inline SVG
            if a.get(key):
                self.loads.append((f"<svg {tag} {key}>", a[key]))
        for item in (a.get("srcset") or a.get("imagesrcset") or "").split(","):
            if item.strip():
                self.loads.append((f"<{tag} srcset>", item.split()[0]))
        if a.get("style"):
            self.css.append(a["style"])
        if tag in ("style", "script") and not a.get("src"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.css.append(data)
        elif self._in == "script":
            self.js.append(data)


def _unquote(text: str) -> str:
    """Percent-decoding as a browser does it (UTF-8), e.g. a fragment naming a Chinese heading."""
    raw = re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), text.encode())
    return raw.decode(errors="replace")


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    page.close()
    return page


def _css_refs(text: str) -> list[str]:
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(text)]


def _js_refs(text: str) -> list[str]:
    return sorted({m.group(2) for rx in (JS_RESOURCE, JS_MODULE) for m in rx.finditer(text)})


def _files(html_dir: Path, *suffixes: str) -> list[Path]:
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise ValueError(f"html_dir: no folder at {html_dir}")
    return sorted(p for p in html_dir.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def external_references(html_dir: str | Path) -> list[str]:
    """Every reference in the site's HTML, CSS and JavaScript that loads something from another host."""
    root = Path(html_dir)
    found = []
    for path in _files(root, ".html", ".htm", ".css", ".js", ".mjs"):
        name = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix.lower() in (".html", ".htm"):
            page = _parse(path)
            refs = [(what, url) for what, url in page.loads]
            refs += [("css url()", url) for css in page.css for url in _css_refs(css)]
            refs += [("inline script", url) for js in page.js for url in _js_refs(js)]
        elif path.suffix.lower() == ".css":
            refs = [("css url()", url) for url in _css_refs(text)]
        else:
            refs = [("script", url) for url in _js_refs(text)]
        found += [f"{name}: {what} {url.strip()}" for what, url in refs if EXTERNAL.match(url)]
    return found


def broken_internal_links(html_dir: str | Path) -> list[str]:
    """Every relative link or resource of the site's pages that does not resolve inside the site."""
    root = Path(html_dir).resolve()
    pages = {path: _parse(path) for path in _files(root, ".html", ".htm")}
    found = []
    for path, page in pages.items():
        name = path.relative_to(root).as_posix()
        targets = [("link", url) for url in page.links] + [(what, url) for what, url in page.loads]
        for what, url in targets:
            url = url.strip()
            if not url or EXTERNAL.match(url) or NOT_A_FILE.match(url):
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE):
                continue
            rest, _, fragment = url.partition("#")
            where = _unquote(rest.partition("?")[0])
            target = path if not where else (
                (root / where.lstrip("/")) if where.startswith("/") else (path.parent / where)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root):
                found.append(f"{name}: {what} {url}: leaves the site")
            elif not target.is_file():
                found.append(f"{name}: {what} {url}: no such file")
            elif fragment and target.suffix.lower() in (".html", ".htm"):
                ids = (pages.get(target) or _parse(target)).ids
                if _unquote(fragment) not in ids:
                    found.append(f"{name}: {what} {url}: no element with id {_unquote(fragment)!r}")
    return found
