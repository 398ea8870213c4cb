"""Serve a folder of HTML over HTTP and check its pages in a browser: what a reader would see broken.

``check_page`` visits one page and reports console errors, uncaught page errors, failed requests and
responses >= 400, images that did not load, math left unrendered, and every request to a host other
than the server's. ``dead_links`` then checks the internal links of all visited pages: the target must
answer 200 and hold the link's #fragment.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

HOST = "127.0.0.1"
# MathJax's output elements: v3 (mjx-container) and v2 (.MathJax*); Sphinx wraps math in .math.
MATH_OUTPUT = "mjx-container, .MathJax, .MathJax_CHTML, .MathJax_SVG, .MathJax_Display"

# Runs in the page once it has loaded: waits for MathJax (v3 or v2) and for every image (lazy ones
# are switched to eager, so a picture below the fold is checked too), then describes the page.
INSPECT_JS = """async ([mathOutput, timeoutMs]) => {
  const timeout = () => new Promise(done => setTimeout(() => done("timeout"), timeoutMs));
  const mj = window.MathJax;  // v3: its startup promise; v2: the end of its first typeset (after the
  let typeset = null;         // fast preview)
  if (mj && mj.startup && mj.startup.promise) { typeset = mj.startup.promise; }
  else if (mj && mj.Hub && mj.Hub.Register) {
    typeset = new Promise(done => mj.Hub.Register.StartupHook("End", () => mj.Hub.Queue(done)));
  }
  const mathTimedOut = typeset !== null && await Promise.race([typeset, timeout()]) === "timeout";
  const images = [...document.images];
  images.forEach(img => { img.loading = "eager"; });
  const settled = img => img.complete ? Promise.resolve() : new Promise(done => {
    img.addEventListener("load", done); img.addEventListener("error", done);
  });
  await Promise.race([Promise.all(images.map(settled)), timeout()]);
  const brokenImages = images.filter(img => !(img.complete && img.naturalWidth > 0))
                             .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 120));
  // Math: every .math element must hold MathJax output; no raw TeX delimiters may be left in the
  // page's text outside code (a $$ or \\( that MathJax never saw).
  const mathElements = [...document.querySelectorAll(".math")];
  const rendered = document.querySelectorAll(mathOutput).length;
  const unrenderedMath = mathElements.filter(el => !el.querySelector(mathOutput)
                                                   && !el.matches(mathOutput))
                                     .map(el => el.textContent.trim().slice(0, 80));
  const mathErrors = [...document.querySelectorAll(".MathJax_Error, mjx-merror, merror")]
      .concat(mathElements.filter(el => el.textContent.includes("[Math Processing Error]")))
      .map(el => "MathJax error: " + el.textContent.trim().slice(0, 80));
  const skip = "pre, code, script, style, textarea, .highlight, " + mathOutput;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    if (/\\$\\$|\\\\\\(|\\\\\\[/.test(text) && !(node.parentElement && node.parentElement.closest(skip))) {
      rawTex.push(text.trim().slice(0, 80));
    }
  }
  const links = [...document.querySelectorAll("a[href]")].map(a => a.href);
  const ids = [...document.querySelectorAll("[id]")].map(el => el.id)
      .concat([...document.querySelectorAll("a[name]")].map(a => a.name));
  return {brokenImages, mathTimedOut, mathElements: mathElements.length, rendered, unrenderedMath, rawTex,
          mathErrors, links, ids, images: images.length - brokenImages.length};
}"""


@dataclass
class PageReport:
    """What one visit of one page found; ``problems()`` lists what is wrong with it."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    unrendered_math: list[str] = field(default_factory=list)
    loaded_images: int = 0
    math_rendered: int = 0
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def problems(self) -> list[str]:
        kinds = {"console error": self.console_errors, "page error": self.page_errors,
                 "failed request": self.failed_requests, "HTTP error": self.bad_responses,
                 "request to another host": self.external_requests,
                 "image not loaded": self.broken_images, "math not rendered": self.unrendered_math}
        return [f"{self.url}: {kind}: {item}" for kind, items in kinds.items() for item in items]


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port, a thread) and yield its base URL ending in /."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder: {folder} is not a directory")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

    server = http.server.ThreadingHTTPServer((HOST, 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def html_pages(folder: Path) -> list[str]:
    """Every .html file under ``folder``, as paths relative to it with / separators, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*.html"))


def is_blank_font(text: str, url: str) -> bool:
    """MathJax 2's HTML-CSS output declares a blank font, MathJax_Blank, at about:blank on purpose (to
    time the loading of its web fonts); Chromium reports that font as a failed load. Nothing is missing."""
    return url == "about:blank" or "font at 'about:blank'" in text


def check_page(context: BrowserContext, url: str, timeout_s: float = 20) -> PageReport:
    """Load ``url`` in a new page of ``context``, wait for it to settle, and report what went wrong."""
    report = PageReport(url)
    server = urlsplit(url).netloc
    page = context.new_page()

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != server:
            report.external_requests.append(request.url)

    def on_response(response) -> None:
        if response.status >= 400:
            report.bad_responses.append(f"{response.status} {response.url}")

    def on_console(message) -> None:
        # Chromium asks for /favicon.ico by itself when a page names no icon; that is not the page's error
        if message.type == "error" and message.location.get("url") != f"http://{server}/favicon.ico" \
                and not is_blank_font(message.text, message.location.get("url", "")):
            where = message.location.get("url") or url
            report.console_errors.append(f"{message.text} (at {where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: report.page_errors.append(str(error)))
    page.on("request", on_request)
    page.on("requestfailed", lambda r: is_blank_font("", r.url) or report.failed_requests.append(
        f"{r.failure} {r.url}"))
    page.on("response", on_response)
    try:
        response = page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            report.bad_responses.append(f"{response and response.status} {url} (the page itself)")
        found = page.evaluate(INSPECT_JS, [MATH_OUTPUT, int(timeout_s * 1000)])
    finally:
        page.close()
    report.broken_images = found["brokenImages"]
    report.unrendered_math = (found["unrenderedMath"] + found["mathErrors"]
                              + [f"raw TeX in the text: {t}" for t in found["rawTex"]])
    if found["mathTimedOut"]:
        report.unrendered_math.append(f"MathJax had not finished after {timeout_s} s")
    report.loaded_images = found["images"]
    report.math_rendered = found["rendered"]
    report.links = found["links"]
    report.ids = set(found["ids"])
    return report


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _page_key(url: str) -> str:
    """The URL of the file a link points at: a folder's index.html stands for the folder."""
    return url + "index.html" if url.endswith("/") else url


def dead_links(reports: list[PageReport], base_url: str) -> list[str]:
    """Internal links (under ``base_url``) whose target does not answer 200 or lacks the #fragment.

    Pages already visited supply their ids; any other target is fetched once for its status (its
    fragments are then not checked: only HTML pages of the site have ids to look at).
    """
    visited = {_page_key(r.url): r for r in reports}
    statuses: dict[str, int] = {}
    dead = []
    for report in reports:
        for href in report.links:
            target, fragment = urldefrag(href)
            fragment = unquote(fragment)
            if not target.startswith(base_url):
                continue
            key = _page_key(target)
            if key in visited:
                if fragment and fragment not in visited[key].ids:
                    dead.append(f"{report.url}: link {href}: no element with id {fragment!r} on the target")
                continue
            if key not in statuses:
                statuses[key] = _status(target)
            if statuses[key] != 200:
                dead.append(f"{report.url}: link {href}: the target answers {statuses[key]}")
    return sorted(set(dead))
