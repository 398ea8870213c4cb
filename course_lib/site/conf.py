"""Sphinx configuration of the course site (copied into the staged source folder by build.py).

Everything the pages load is served from the site itself: MathJax 3 is vendored in static/mathjax
(one script and its fonts), and MyST-NB's widget scripts, which would come from a CDN, are switched
off. Values that vary between builds come from ``_site.json``."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = json.loads((HERE / "_site.json").read_text(encoding="utf-8"))

project = "AI Model Security & Privacy"
author = "the course authors"
copyright = "the course authors, MIT licence"
extensions = ["myst_nb", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "_site.json", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
language = "en"
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

nb_execution_mode = "off"  # executed beforehand by the course's own runner (course_lib.nbrun)
nb_ipywidgets_js = {}  # no require.js or widget scripts from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image", "html_admonition"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_context = {"default_mode": "auto"}  # else the theme's script reports an empty mode on a first visit
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    **({"repository_url": SITE["repository"], "use_repository_button": True} if SITE["repository"] else {}),
}

# MathJax 3 from the site itself (_static/mathjax, vendored: see its SOURCE.txt). No context menu: it
# would offer accessibility tools that MathJax loads on demand, and the site does not ship them.
mathjax_path = "mathjax/tex-chtml-full.js"
mathjax3_config = {"options": {"enableMenu": False}}
