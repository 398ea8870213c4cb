"""Sphinx configuration of the course site (copied into the staged source folder by build.py).

Everything the pages load is served from the site itself: MathJax 2.7 comes from the pinned
``jupyter-server-mathjax`` package (copied in, trimmed), and MyST-NB's widget scripts, which would
come from a CDN, are switched off. Values that vary between builds come from ``_site.json``.
"""

from __future__ import annotations

import json
import shutil
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
myst_update_mathjax = False

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    **({"repository_url": SITE["repository"], "use_repository_button": True} if SITE["repository"] else {}),
}

# MathJax 2.7 from the site itself, HTML-CSS output with the STIX web fonts that the package ships.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "processEnvironments": True},
    "HTML-CSS": {"availableFonts": [], "webFont": "STIX-Web", "imageFont": None},
    "MathMenu": {"showLocale": False},
    "showMathMenu": False,
}
MATHJAX_KEEP = ["MathJax.js", "LICENSE", "config/TeX-AMS-MML_HTMLorMML-full.js", "extensions",
                "jax/input", "jax/element", "jax/output/HTML-CSS", "fonts/HTML-CSS/STIX-Web"]
MATHJAX_DROP = {"a11y"}  # the accessibility explorer: 3.7 MB, loaded only from MathJax's own menu


def _copy_mathjax(target: Path) -> None:
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.rmtree(target, ignore_errors=True)
    for item in MATHJAX_KEEP:
        src, dst = source / item, target / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=lambda d, names: [n for n in names if n in MATHJAX_DROP])
        else:
            shutil.copy2(src, dst)


_copy_mathjax(HERE / "_static" / "mathjax")
