"""Build the course as a static HTML book, offline: ``python3 course.py site [--full] [--jobs N]``.

1. Execute every notebook (``notebooks/NN_*.ipynb`` and ``notebooks/zh/NN_*.ipynb``) with the course's
   runner (:func:`course_lib.nbrun.execute`, FAST mode unless ``full``), ``jobs`` at a time, into
   ``build/site/executed/{fast,full}/``; a notebook whose text and ``course_lib`` are unchanged since
   its last run is not run again.
2. Stage a Sphinx source folder ``build/site/src/``: the README as the home page (its links to
   notebooks and docs become links inside the site), the executed notebooks with launch badges, the
   Markdown pages of ``docs/`` (instructor guides, glossary, Chinese pages when present), the files
   those pages link to, and the navigation.
3. Render it with Sphinx, MyST-NB and sphinx-book-theme from the site's own virtual environment
   (``requirements-site.txt``) into ``build/site/html/``, then check that no page loads anything from
   another host and that every internal link resolves (:mod:`course_lib.site.checks`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from course_lib import launch
from course_lib.nbrun import REPO_ROOT, notebooks
from course_lib.site import checks

HERE = Path(__file__).resolve().parent
SITE = REPO_ROOT / "build" / "site"
MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
README_LINK = re.compile(r"\]\(\s*<?((?:\.\./)*)README\.md(?=[#)>\s])")
SKIP_LINK = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#|/)", re.IGNORECASE)


def site_notebooks(root: Path = REPO_ROOT) -> list[Path]:
    """The notebooks of the site, relative to ``root``: English first, then Chinese when present."""
    folder = root / "notebooks"
    return [p.relative_to(root) for p in notebooks(folder) + notebooks(folder / "zh")]


def site_docs(root: Path = REPO_ROOT) -> list[Path]:
    """The Markdown pages under docs/, relative to ``root``."""
    return sorted(p.relative_to(root) for p in (root / "docs").rglob("*.md"))


def library_digest() -> str:
    """A hash of course_lib's files (the site code aside): what every notebook's run depends on."""
    digest = hashlib.sha256()
    lib = REPO_ROOT / "course_lib"
    for path in sorted(lib.rglob("*")):
        rel = path.relative_to(lib)
        if path.is_file() and rel.parts[0] != "site" and "__pycache__" not in rel.parts:
            digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(notebook: Path, full: bool, library: str | None = None) -> str:
    """What an executed copy depends on: the notebook, the mode and course_lib (``library``: its
    :func:`library_digest`, computed here when not given)."""
    digest = hashlib.sha256(b"full" if full else b"fast")
    digest.update(Path(notebook).read_bytes())
    digest.update((library or library_digest()).encode())
    return digest.hexdigest()


def _execute_one(source: str, output: str, full: bool, time_limit: float) -> tuple[str, float, str]:
    """Run one notebook in this (worker) process; return (name, seconds, error or "")."""
    from course_lib.nbrun import NotebookError, execute

    os.environ.update(COURSE_FAST="0" if full else "1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend, so that figures reach the pages
    try:
        run = execute(source, fast=not full, seed=0, time_limit=time_limit, output=output,
                      metrics_file=Path(output).with_suffix(".metrics.json"))
    except NotebookError as exc:
        return Path(source).name, 0.0, str(exc)
    return Path(source).name, run.seconds, ""


def execute_all(out: Path, full: bool, jobs: int, time_limit: float) -> dict[Path, Path]:
    """Execute every site notebook into ``out`` (skipping unchanged ones); {relative path: executed copy}."""
    todo, done = [], {}
    library = library_digest()
    for rel in site_notebooks():
        target = out / rel
        stamp = target.with_suffix(".sha256")
        key = fingerprint(REPO_ROOT / rel, full, library)
        done[rel] = target
        if target.exists() and stamp.exists() and stamp.read_text() == key:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)
        todo.append((rel, target, stamp, key))
    print(f"executing {len(todo)} notebook(s) in {'full' if full else 'FAST'} mode, {jobs} at a time "
          f"({len(done) - len(todo)} unchanged since their last run)", flush=True)
    failures = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_execute_one, str(REPO_ROOT / rel), str(target), full, time_limit):
                   (rel, stamp, key) for rel, target, stamp, key in todo}
        for future, (rel, stamp, key) in futures.items():
            name, seconds, error = future.result()
            if error:
                failures.append(error)
                print(f"  {rel}: FAILED\n{error}", flush=True)
            else:
                stamp.write_text(key)
                print(f"  {rel}: {seconds:.1f} s", flush=True)
    if failures:
        raise RuntimeError(f"{len(failures)} notebook(s) failed; the site was not built")
    return done


def launch_repository(repository: str | None) -> str | None:
    """The GitHub URL for launch badges (``repository``, else pyproject's, else git's), or None with
    one line that says why there are none."""
    url = repository or launch.repository_url(REPO_ROOT)
    if not url:
        print("launch badges: none (no repository known: set [project.urls] Repository in pyproject.toml "
              "with `python3 course.py links --repository URL`, or pass --repository URL)")
        return None
    try:
        return launch.canonical_url(url)
    except ValueError as exc:
        print(f"launch badges: none ({exc})")
        return None


def badges(rel: Path, repository: str, branch: str) -> str:
    """HTML of the Binder and Colab badges (local images) for notebook ``rel``."""
    static = "../" * (len(rel.parts) - 1) + "_static/badges"
    path = rel.as_posix()
    return (f'<p class="course-launch">'
            f'<a href="{launch.binder_url(repository, path, branch)}">'
            f'<img src="{static}/binder.svg" alt="Launch on Binder"></a> '
            f'<a href="{launch.colab_url(repository, path, branch)}">'
            f'<img src="{static}/colab.svg" alt="Open in Colab"></a></p>')


def page_notebook(nb: dict, rel: Path, repository: str | None, branch: str) -> dict:
    """An executed notebook as shown on the site: the guard cell hidden, badges under the title, links to
    the README sent to the home page."""
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell = {**cell, "source": home_links("".join(cell["source"]), rel)}
        if launch.is_guard_cell(cell):
            tags = cell["metadata"].get("tags", [])
            cell = {**cell, "metadata": {**cell["metadata"], "tags": [*tags, "remove-cell"]}}
        cells.append(cell)
    if repository and cells and cells[0]["cell_type"] == "markdown":
        title, _, rest = cells[0]["source"].partition("\n")
        cells[0] = {**cells[0], "source": f"{title}\n\n{badges(rel, repository, branch)}\n\n{rest}"}
    return {**nb, "cells": cells}


def home_links(text: str, page: Path) -> str:
    """Markdown ``text`` of ``page`` (relative to the root) with its links to the README sent to the home
    page, which is the README under another name."""
    def swap(match: re.Match) -> str:
        home = (REPO_ROOT / page.parent / match[1]).resolve() == REPO_ROOT
        return f"]({match[1]}index.md" if home else match[0]

    return README_LINK.sub(swap, text)


def _toctree(caption: str, docs: list[Path]) -> str:
    if not docs:
        return ""
    entries = "\n".join(d.with_suffix("").as_posix() for d in docs)
    return f"\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{entries}\n```\n"


def home_page(readme: str, notebook_pages: list[Path], docs: list[Path]) -> str:
    """The README with the site's navigation (hidden toctrees) after it."""
    english = [p for p in notebook_pages if p.parts[1] != "zh"]
    chinese = [p for p in notebook_pages if p.parts[1] == "zh"]
    zh_docs = [d for d in docs if "zh" in d.parts]
    guides = sorted((d for d in docs if d.parts[:2] == ("docs", "instructor") and d not in zh_docs),
                    key=lambda d: (d.name != "README.md", d.name))
    other = [d for d in docs if d not in guides and d not in zh_docs]
    return (readme.rstrip() + "\n" + _toctree("Notebooks", english) + _toctree("Reference", other)
            + _toctree("Instructor guides", guides) + _toctree("中文 (Chinese)", chinese + zh_docs))


def _linked_files(text: str, page: Path) -> set[Path]:
    """Files in the repository that a page (path relative to the root) links to by relative path."""
    found = set()
    for target in MD_LINK.findall(text):
        if SKIP_LINK.match(target):
            continue
        path = (REPO_ROOT / page.parent / target.split("#")[0].split("?")[0]).resolve()
        if path.is_file() and path.is_relative_to(REPO_ROOT):
            found.add(path.relative_to(REPO_ROOT))
    return found


def stage(src: Path, executed: dict[Path, Path], repository: str | None, branch: str) -> None:
    """Write the Sphinx source folder ``src`` (emptied first)."""
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static").mkdir(parents=True)
    shutil.copy2(HERE / "conf.py", src / "conf.py")
    shutil.copytree(HERE / "static", src / "_static", dirs_exist_ok=True)
    (src / "_site.json").write_text(json.dumps({"repository": repository or ""}), encoding="utf-8")
    docs = site_docs()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    (src / "index.md").write_text(home_page(readme, list(executed), docs), encoding="utf-8")
    linked = _linked_files(readme, Path("README.md"))
    for rel, copy in executed.items():
        nb = json.loads(copy.read_text(encoding="utf-8"))
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(json.dumps(page_notebook(nb, rel, repository, branch), ensure_ascii=False),
                               encoding="utf-8")
        text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        linked |= _linked_files(text, rel)
    for rel in docs:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        text = (REPO_ROOT / rel).read_text(encoding="utf-8")
        (src / rel).write_text(home_links(text, rel), encoding="utf-8")
        linked |= _linked_files(text, rel)
    for rel in sorted(linked):
        if rel.suffix in (".md", ".ipynb") or (src / rel).exists():
            continue
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, src / rel)


def default_site_python() -> Path:
    venv = Path(os.environ.get("COURSE_SITE_VENV", REPO_ROOT / ".venv-site"))
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def render(src: Path, html: Path, site_python: Path, jobs: int) -> list[str]:
    """Run Sphinx; return its warnings."""
    shutil.rmtree(html, ignore_errors=True)
    doctrees = html.parent / "doctrees"
    shutil.rmtree(doctrees, ignore_errors=True)
    cmd = [str(site_python), "-m", "sphinx", "-b", "html", "-q", "-j", str(jobs), "-d", str(doctrees),
           str(src), str(html)]
    print("rendering: " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    warnings = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    if proc.returncode != 0:
        raise RuntimeError("Sphinx failed:\n" + "\n".join(warnings[-30:]))
    return warnings


def build(out: Path = SITE, full: bool = False, jobs: int = 2, repository: str | None = None,
          branch: str = "main", site_python: Path | None = None, time_limit: float | None = None) -> int:
    """Execute, stage, render and check the site; return 0 when both checks pass."""
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    site_python = Path(site_python or default_site_python())
    if not site_python.exists():
        raise ValueError(f"site_python: no interpreter at {site_python} (python3 course.py site makes it)")
    start = time.monotonic()
    executed = execute_all(out / "executed" / ("full" if full else "fast"), full, jobs,
                           time_limit or (900.0 if full else 300.0))
    ran = time.monotonic()
    repository = launch_repository(repository)
    stage(out / "src", executed, repository, branch)
    html = out / "html"
    warnings = render(out / "src", html, site_python, jobs)
    for template in html.glob("_static/*macros.html"):  # the themes' Jinja macros, copied as if static
        template.unlink()
    (out / "sphinx-warnings.txt").write_text("\n".join(warnings) + "\n", encoding="utf-8")
    if warnings:
        print(f"Sphinx: {len(warnings)} warning(s), in {out / 'sphinx-warnings.txt'}; the first:\n  "
              + "\n  ".join(warnings[:5]))
    external, broken = checks.external_references(html), checks.broken_internal_links(html)
    pages = sum(1 for _ in html.rglob("*.html"))
    size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    end = time.monotonic()
    print(f"site: {html / 'index.html'} ({pages} pages, {size / 1e6:.1f} MB); notebooks "
          f"{ran - start:.0f} s, rendering {end - ran:.0f} s, in all {end - start:.0f} s")
    for title, found in (("references to other hosts", external), ("broken internal links", broken)):
        print(f"{title}: {len(found)}" + "".join(f"\n  {f}" for f in found[:20]))
    return 1 if external or broken else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 course.py site", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="execute the notebooks in full mode")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at a time (default 2)")
    parser.add_argument("--repository", help="GitHub URL for the launch badges (default: pyproject, git)")
    parser.add_argument("--branch", default="main", help="branch the launch badges open (default main)")
    parser.add_argument("--out", type=Path, default=SITE, help="output folder (default build/site)")
    parser.add_argument("--site-python", type=Path, default=None, help="python of the site's venv")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    try:
        return build(args.out, args.full, args.jobs, args.repository, args.branch, args.site_python)
    except (RuntimeError, ValueError) as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
