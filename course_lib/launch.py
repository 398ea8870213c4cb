"""Opening a notebook elsewhere: Binder and Colab links, and the Colab guard cell.

``guard_cell_source(url)`` is the code cell that every notebook carries right after its title: on
Google Colab, where ``course_lib`` is not installed, it clones the course repository ``url`` into
/content/course, installs it (not editable, so it imports without a kernel restart) with the pinned
versions of whatever Colab lacks, and changes to its notebooks folder; anywhere else it does nothing
and prints nothing. ``refresh_guard_cell(path, url)`` writes or refreshes that cell in one notebook
file (idempotent). ``binder_url`` and ``colab_url`` build the launch links from a GitHub repository,
``repository_url(root)`` finds it (pyproject's ``[project.urls] Repository``, else ``git remote``).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

GUARD_TAG = "colab-guard"
GUARD_ID = "colab-guard"
COLAB_DIR = "/content/course"
_GITHUB = re.compile(
    r"^(?:https?://(?:www\.)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<owner>[A-Za-z0-9][A-Za-z0-9-]{0,38})/(?P<repo>[A-Za-z0-9._-]+?)(?:\.git)?/?$"
)
_URLS_SECTION = re.compile(r"^\[project\.urls\]\s*$", re.MULTILINE)
_REPOSITORY_LINE = re.compile(r'^Repository[ \t]*=[ \t]*"(?P<url>[^"]*)"[ \t]*$', re.MULTILINE)

_GUARD = '''# Google Colab only: fetch and install the course (anywhere else this cell does nothing).
import importlib.util
import sys

COURSE_REPOSITORY = {url}
if "google.colab" in sys.modules and importlib.util.find_spec("course_lib") is None:
    import os
    import re
    import subprocess
    from importlib import metadata

    if not COURSE_REPOSITORY:
        raise RuntimeError(
            "COURSE_REPOSITORY is empty, so Colab cannot fetch the course. Set it in this cell to the "
            "course's GitHub URL, or (maintainers) run `python3 course.py links --repository URL`."
        )
    if not os.path.isdir("{dest}"):
        subprocess.run(["git", "clone", "--depth", "1", COURSE_REPOSITORY, "{dest}"], check=True)

    def _missing(requirement):
        name = re.split(r"[\\s=<>!~;\\[]", requirement, maxsplit=1)[0]
        try:
            metadata.version(name)
            return False
        except metadata.PackageNotFoundError:
            return True

    with open("{dest}/requirements.txt") as f:
        pins = [ln.split("#")[0].strip() for ln in f if ln.split("#")[0].strip()]
    constraints = "{dest}/colab-constraints.txt"  # the pinned versions of what Colab lacks
    with open(constraints, "w") as f:
        f.write("\\n".join(p for p in pins if _missing(p)) + "\\n")
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-c", constraints, "{dest}"], check=True)  # not editable: no restart
    os.chdir("{dest}/notebooks")
'''


def github_repository(url: str) -> tuple[str, str]:
    """(owner, repo) of a GitHub URL in https or ssh form; ValueError naming ``url`` otherwise."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, got {type(url).__name__}")
    match = _GITHUB.match(url.strip())
    if not match:
        raise ValueError(f"url: {url!r} is not a GitHub repository URL (https://github.com/OWNER/REPO "
                         "or git@github.com:OWNER/REPO.git); Binder and Colab links need one")
    return match["owner"], match["repo"]


def canonical_url(url: str) -> str:
    """https://github.com/OWNER/REPO for any accepted form of a GitHub URL."""
    owner, repo = github_repository(url)
    return f"https://github.com/{owner}/{repo}"


def _notebook_path(notebook: str) -> str:
    if not notebook or notebook.startswith("/") or ".." in notebook.split("/"):
        raise ValueError(f"notebook: expected a path inside the repository like notebooks/NAME.ipynb, "
                         f"got {notebook!r}")
    return notebook


def binder_url(url: str, notebook: str, branch: str = "main") -> str:
    """mybinder.org link that opens ``notebook`` (a path in the repository) in JupyterLab."""
    owner, repo = github_repository(url)
    return f"https://mybinder.org/v2/gh/{owner}/{repo}/{branch}?labpath={_notebook_path(notebook)}"


def colab_url(url: str, notebook: str, branch: str = "main") -> str:
    """Google Colab link that opens ``notebook`` (a path in the repository) from GitHub."""
    owner, repo = github_repository(url)
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{_notebook_path(notebook)}"


def pyproject_repository(pyproject: Path) -> str:
    """``[project.urls] Repository`` of a pyproject.toml, or "" when unset."""
    text = Path(pyproject).read_text(encoding="utf-8")
    section = _URLS_SECTION.search(text)
    if not section:
        return ""
    body = text[section.end():]
    body = body[: m.start()] if (m := re.search(r"^\[", body, re.MULTILINE)) else body
    found = _REPOSITORY_LINE.search(body)
    return found["url"] if found else ""


def set_pyproject_repository(pyproject: Path, url: str) -> bool:
    """Write ``Repository = url`` under ``[project.urls]`` (added after [project] when absent); True if
    the file changed."""
    url = canonical_url(url)
    path = Path(pyproject)
    text = path.read_text(encoding="utf-8")
    line = f'Repository = "{url}"'
    section = _URLS_SECTION.search(text)
    if section:
        rest = text[section.end():]
        end = section.end() + (m.start() if (m := re.search(r"^\[", rest, re.MULTILINE)) else len(rest))
        body = text[section.end():end]
        found = _REPOSITORY_LINE.search(body)
        body = (body[: found.start()] + line + body[found.end():] if found
                else "\n" + line + body if body.startswith("\n") else "\n" + line + "\n" + body)
        new = text[: section.end()] + body + text[end:]
    else:
        project = re.search(r"^\[project\]\s*$", text, re.MULTILINE)
        if not project:
            raise ValueError(f"pyproject: {path} has no [project] table")
        nxt = re.search(r"^\[", text[project.end():], re.MULTILINE)
        at = project.end() + nxt.start() if nxt else len(text)
        new = text[:at] + f"[project.urls]\n{line}\n\n" + text[at:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def repository_url(root: Path) -> str:
    """The course repository: pyproject's ``[project.urls] Repository``, else ``git remote get-url
    origin``, else "" (unknown). Not checked to be GitHub: ``github_repository`` does that."""
    root = Path(root)
    url = pyproject_repository(root / "pyproject.toml") if (root / "pyproject.toml").exists() else ""
    if url:
        return url
    try:
        out = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def guard_cell_source(url: str) -> str:
    """The Colab guard cell's code for repository ``url`` ("" when unknown: on Colab it then raises)."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, got {type(url).__name__}")
    return _GUARD.format(url=json.dumps(canonical_url(url) if url else ""), dest=COLAB_DIR).rstrip("\n")


def guard_cell(url: str) -> dict:
    """The guard cell as a notebook cell (nbformat 4.5), the same in every notebook."""
    return {"cell_type": "code", "execution_count": None, "id": GUARD_ID,
            "metadata": {"tags": [GUARD_TAG]}, "outputs": [],
            "source": guard_cell_source(url).splitlines(keepends=True)}


def is_guard_cell(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and GUARD_TAG in cell.get("metadata", {}).get("tags", [])


def with_guard_cell(nb: dict, url: str) -> dict:
    """``nb`` with exactly one guard cell, right after its first (title) markdown cell."""
    cells = [c for c in nb.get("cells", []) if not is_guard_cell(c)]
    if not cells or cells[0].get("cell_type") != "markdown":
        raise ValueError("nb: a course notebook starts with a markdown title cell")
    return {**nb, "cells": [cells[0], guard_cell(url), *cells[1:]]}


def dumps_notebook(nb: dict) -> str:
    """A notebook as nbformat writes it (sorted keys, one-space indent, UTF-8), so diffs stay small."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def refresh_guard_cell(path: Path, url: str) -> bool:
    """Write or refresh the guard cell in the notebook at ``path``; True if the file changed."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no notebook at {path}")
    text = path.read_text(encoding="utf-8")
    new = dumps_notebook(with_guard_cell(json.loads(text), url))
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def course_notebooks(root: Path) -> list[Path]:
    """Every notebook that carries the guard cell: notebooks/NN_*.ipynb and notebooks/zh/NN_*.ipynb."""
    folder = Path(root) / "notebooks"
    return sorted(folder.glob("[0-9][0-9]_*.ipynb")) + sorted(folder.glob("zh/[0-9][0-9]_*.ipynb"))


def links(root: Path, repository: str | None = None) -> int:
    """``course.py links``: record ``repository`` in pyproject (when given) and refresh every guard cell."""
    root = Path(root)
    if repository:
        canonical_url(repository)  # a clear error before anything is written
        if set_pyproject_repository(root / "pyproject.toml", repository):
            print(f"pyproject.toml: [project.urls] Repository = {canonical_url(repository)}")
    url = pyproject_repository(root / "pyproject.toml")
    if not url:
        print("no [project.urls] Repository in pyproject.toml: the guard cells get an empty URL "
              "(on Colab they say how to set it); pass --repository https://github.com/OWNER/REPO")
    changed = [p for p in course_notebooks(root) if refresh_guard_cell(p, url)]
    print(f"guard cell refreshed in {len(changed)} notebook(s)" +
          (": " + ", ".join(p.relative_to(root).as_posix() for p in changed) if changed else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python3 course.py links", description=links.__doc__)
    parser.add_argument("--repository", help="the course's GitHub URL (https or ssh form)")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return links(Path(args.root), args.repository)
    except ValueError as exc:
        parser.error(f"--repository: {exc}" if args.repository else str(exc))
        return 2


if __name__ == "__main__":
    import sys

    sys.exit(main())
