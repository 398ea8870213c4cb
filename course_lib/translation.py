"""The Chinese edition's pages, what English each one translates, and whether it is still up to date.

Two kinds of translation record, each holding a SHA-256 of the English text at the time of translating:

* A notebook, ``notebooks/zh/NN_topic.ipynb``, keeps in its metadata
  ``course.translation_of = {"path": "notebooks/NN_topic.ipynb", "sha256": ...}``, the hash of the
  English notebook's markdown cells (:func:`markdown_hash`). Code cells are not hashed: a translated
  notebook's code cells must equal the English ones byte for byte (:func:`code_differences`), but
  for the value of ``LANGUAGE`` in the parameters cell (the language of the figures' labels).
* A Markdown page (README's ``## 中文简介`` section, ``docs/zh/*.md``) holds an HTML comment
  ``<!-- translation-of: README.md#two-commands,syllabus sha256=... -->``: the English file, the
  anchors (GitHub-style heading slugs) of the sections it translates, and the hash of those sections
  (:func:`sections_hash`). A section runs from its heading to the next heading of any level.

When the English text changes, :func:`stale_records` names the page and what to update. After updating
the translation, record the new hash with ``python -m course_lib.translation stamp PATH``;
``python -m course_lib.translation check`` lists every problem of every Chinese page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ZH_NOTEBOOKS = REPO_ROOT / "notebooks" / "zh"
ZH_DOCS = REPO_ROOT / "docs" / "zh"
GLOSSARY = REPO_ROOT / "docs" / "glossary.md"
README_SECTION = "中文简介"
RECORD = re.compile(r"<!--\s*translation-of:\s*(?P<path>[^#\s]+)#(?P<anchors>[^\s]+)\s+"
                    r"sha256=(?P<sha>[0-9a-f]*)\s*-->")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class Page:
    """One Chinese page: a name to report, its Markdown text, and the file it lives in."""

    name: str
    text: str
    path: Path


def zh_notebooks() -> list[Path]:
    """The Chinese edition's notebooks, in syllabus order."""
    return sorted(ZH_NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def notebook_id(path: Path) -> str:
    """A notebook's id in test reports: its name, after ``zh/`` for the Chinese edition."""
    return f"zh/{path.name}" if path.parent.name == "zh" else path.name


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _read(notebook: str | Path | dict) -> dict:
    if isinstance(notebook, dict):
        return notebook
    path = Path(notebook)
    if not path.is_file():
        raise ValueError(f"notebook: no file at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def markdown_hash(notebook: str | Path | dict) -> str:
    """SHA-256 of a notebook's markdown cell sources, in order (JSON list of strings, UTF-8)."""
    sources = [_source(c) for c in _read(notebook)["cells"] if c["cell_type"] == "markdown"]
    return hashlib.sha256(json.dumps(sources, ensure_ascii=False).encode("utf-8")).hexdigest()


LANGUAGE_LINE = re.compile(r'^LANGUAGE = "(?P<language>[a-z]+)"', re.MULTILINE)


def notebook_language(notebook: str | Path | dict) -> str | None:
    """The ``LANGUAGE = "..."`` set in a notebook's ``parameters`` cell (None where it sets none)."""
    for c in _read(notebook)["cells"]:
        if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", []):
            match = LANGUAGE_LINE.search(_source(c))
            return match["language"] if match else None
    return None


def code_cells(notebook: str | Path | dict) -> list[tuple[str, tuple[str, ...]]]:
    """Each code cell's source and tags, in order. In the ``parameters`` cell the value of the
    ``LANGUAGE = "..."`` line (the figures' language, :mod:`course_lib.i18n`) is left out: it is the one
    difference a translation's code may have."""
    out = []
    for c in _read(notebook)["cells"]:
        if c["cell_type"] != "code":
            continue
        tags = tuple(c.get("metadata", {}).get("tags", []))
        src = _source(c)
        if "parameters" in tags:
            src = LANGUAGE_LINE.sub('LANGUAGE = "…"', src)
        out.append((src, tags))
    return out


def code_differences(english: str | Path | dict, translated: str | Path | dict) -> list[str]:
    """Where a translated notebook's code cells differ from the English notebook's (source or tags)."""
    ours, theirs = code_cells(english), code_cells(translated)
    out = [f"code cell {i}: {what} differs from the English notebook's"
           for i, (a, b) in enumerate(zip(ours, theirs), start=1)
           for what, differ in (("source", a[0] != b[0]), ("tags", a[1] != b[1])) if differ]
    if len(ours) != len(theirs):
        out.append(f"{len(theirs)} code cells where the English notebook has {len(ours)}")
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def sections(markdown: str) -> dict[str, str]:
    """Each heading's anchor and its section's text (the heading line up to the next heading)."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in markdown.splitlines():
        fenced ^= line.lstrip().startswith("```")
        match = None if fenced else HEADING.match(line)
        if match:
            current = out.setdefault(slug(match.group(2)), [])
        if current is not None:
            current.append(line.rstrip())
    return {k: "\n".join(v).strip() + "\n" for k, v in out.items()}


def sections_hash(markdown: str, anchors: list[str], source: str = "markdown") -> str:
    """SHA-256 of the named sections' text, in the order given (JSON list of strings, UTF-8)."""
    found = sections(markdown)
    missing = [a for a in anchors if a not in found]
    if missing:
        raise ValueError(f"anchors: {source} has no section {', '.join(map(repr, missing))}")
    texts = [found[a] for a in anchors]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode("utf-8")).hexdigest()


def readme_section(readme: str) -> str:
    """README's Chinese section, from ``## 中文简介`` to the next level-2 heading ('' if absent)."""
    match = re.search(rf"^## {README_SECTION}\s*$(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    return match.group(0) if match else ""


def chinese_pages(root: Path = REPO_ROOT) -> list[Page]:
    """Every Chinese page: README's Chinese section, docs/zh/*.md, notebooks/zh/*.ipynb (markdown)."""
    pages = [Page("README.md#" + README_SECTION,
                  readme_section((root / "README.md").read_text(encoding="utf-8")), root / "README.md")]
    pages += [Page(p.relative_to(root).as_posix(), p.read_text(encoding="utf-8"), p)
              for p in sorted((root / "docs" / "zh").glob("**/*.md"))]
    for p in sorted((root / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb")):
        cells = _read(p)["cells"]
        pages.append(Page(p.relative_to(root).as_posix(),
                          "\n\n".join(_source(c) for c in cells if c["cell_type"] == "markdown"), p))
    return pages


def stale_records(page: Page, root: Path = REPO_ROOT) -> list[str]:
    """What is out of date or missing in a Chinese page's translation records."""
    if page.path.suffix == ".ipynb":
        record = _read(page.path).get("metadata", {}).get("course", {}).get("translation_of")
        if not record or not {"path", "sha256"} <= set(record):
            return [f"{page.name}: no translation record; metadata course.translation_of must name the "
                    f"English notebook ('path') and its markdown hash ('sha256')"]
        english = root / record["path"]
        if not english.is_file():
            return [f"{page.name}: translates {record['path']}, which does not exist"]
        if markdown_hash(english) != record["sha256"]:
            return [f"{page.name} is out of date: the markdown cells of {record['path']} changed since it "
                    f"was translated. Update its markdown cells to match, then run "
                    f"`python -m course_lib.translation stamp {page.name}`"]
        return []
    out = []
    for m in RECORD.finditer(page.text):
        english = root / m["path"]
        if not english.is_file():
            out.append(f"{page.name}: translates {m['path']}, which does not exist")
            continue
        anchors = m["anchors"].split(",")
        try:
            now = sections_hash(english.read_text(encoding="utf-8"), anchors, m["path"])
        except ValueError as exc:
            out.append(f"{page.name}: {exc}")
            continue
        if now != m["sha"]:
            out.append(f"{page.name} is out of date: section(s) {', '.join(anchors)} of {m['path']} changed "
                       f"since it was translated. Update the translation to match, then run "
                       f"`python -m course_lib.translation stamp {page.path.relative_to(root).as_posix()}`")
    if page.name.startswith("README.md") and not RECORD.search(page.text):
        out.append(f"{page.name}: no record <!-- translation-of: README.md#ANCHORS sha256=... -->")
    return out


def stamp(path: Path, root: Path = REPO_ROOT) -> None:
    """Record the current hash of the English text in a Chinese page's translation record(s)."""
    path = Path(path).resolve()
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(path, as_version=4)
        record = nb.metadata.get("course", {}).get("translation_of")
        if not record or "path" not in record:
            raise ValueError(f"path: {path} has no metadata course.translation_of.path to stamp")
        record["sha256"] = markdown_hash(root / record["path"])
        nbformat.write(nb, path)
        return
    text = path.read_text(encoding="utf-8")

    def fresh(m: re.Match) -> str:
        english = (root / m["path"]).read_text(encoding="utf-8")
        sha = sections_hash(english, m["anchors"].split(","), m["path"])
        return f"<!-- translation-of: {m['path']}#{m['anchors']} sha256={sha} -->"

    new, count = RECORD.subn(fresh, text)
    if not count:
        raise ValueError(f"path: {path} holds no <!-- translation-of: ... --> record to stamp")
    path.write_text(new, encoding="utf-8")


def problems(root: Path = REPO_ROOT) -> list[str]:
    """Every problem of every Chinese page: stale records, glossary terms, code cells."""
    from course_lib.glossary import load_glossary, term_problems

    terms = load_glossary(root / "docs" / "glossary.md")
    out = []
    for page in chinese_pages(root):
        out += stale_records(page, root) + term_problems(page.text, terms, page.name)
        if page.path.suffix == ".ipynb":
            english = root / "notebooks" / page.path.name
            out += [f"{page.name}: {d}" for d in code_differences(english, page.path)]
            if english.is_file() and (language := notebook_language(page.path)) != "zh":
                out.append(f'{page.name}: its parameters cell sets LANGUAGE = {language!r}; a Chinese '
                           f'notebook sets LANGUAGE = "zh" (its figures\' labels)')
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.translation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="list the problems of every Chinese page")
    st = sub.add_parser("stamp", help="record the English text's current hash in a translated page")
    st.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "stamp":
        for p in args.paths:
            stamp(p)
            print(f"stamped {p}")
        return 0
    found = problems()
    print("\n".join(found) or "every Chinese page is up to date and uses the glossary's terms")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
