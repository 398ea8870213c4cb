"""Headless Chromium for the browser tests (marker ``browser``), driven by Playwright for Python.

The browser is the system's Chromium: $CHROMIUM, else ``chromium``, ``chromium-browser`` or
``google-chrome`` on PATH (Playwright's own browser download is not used). Without it, or without
Playwright, the tests are skipped and say what to install; with COURSE_REQUIRE_BROWSER=1 (CI) they
fail instead, so that a run cannot pass by skipping. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM to a Chromium "
                "or Chrome executable, and Playwright for Python (pip install playwright==1.65.2; "
                "python3 course.py site --test sets it up)")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for ``reason``; fail it when COURSE_REQUIRE_BROWSER=1 (CI must not pass by skipping)."""
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER=1, so this fails instead of being skipped)",
                    pytrace=False)
    pytest.skip(reason)


def find_browser() -> str | None:
    """The Chromium executable to use: $CHROMIUM (a path or a name on PATH), else the first name found."""
    wanted = os.environ.get("CHROMIUM")
    if wanted:
        return shutil.which(wanted)
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable(f"Playwright for Python is not installed: {INSTALL_HINT}")
    executable = find_browser()
    if executable is None:
        where = f"CHROMIUM={os.environ['CHROMIUM']} is not an executable" if os.environ.get("CHROMIUM") \
            else f"none of {', '.join(BROWSER_NAMES)} is on PATH"
        unavailable(f"no Chromium found ({where}): {INSTALL_HINT}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """build/screenshots/, created if needed."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
