"""The course's bilingual glossary (English ↔ 中文), read from ``docs/glossary.md``, and the check that
Chinese pages use its terms.

The glossary is Markdown: one or more tables, each with exactly the header
``| English | 中文 | 避免使用 (variants) | 定义 |``. A row gives the English term (an abbreviation may
follow in parentheses: ``differential privacy (DP)``), the Chinese term the course uses, the variants
to avoid (separated by ``、``; ``—`` for none) and a one-sentence definition in Chinese.
:func:`load_glossary` is strict: a malformed row, a duplicate term, an empty definition or a variant
that is part of a chosen term raises :class:`GlossaryError` naming the line and the row.

:func:`term_problems` checks a Chinese page against the glossary: no variant to avoid appears, and an
English key term given in parentheses right after Chinese (``差分隐私（differential privacy）``) follows
the glossary's Chinese term. A parenthesis counts as such a gloss from its first part on, for as long as
its parts (separated by commas) name glossary terms: ``（DP-SGD，笔记本 05）`` is checked,
``（机制、隐私核算、DP-SGD）`` is a list, not a gloss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADER = ("English", "中文", "避免使用 (variants)", "定义")
NONE = "—"
CJK = re.compile(r"[\u3400-\u9fff]")
ABBREVIATION = re.compile(r"^(?P<term>.+?)\s*\((?P<abbr>[^()]+)\)$")


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the line and the row."""


@dataclass(frozen=True)
class Term:
    english: str
    chinese: str
    variants: tuple[str, ...]
    definition: str
    abbreviation: str | None = None
    line: int = 0

    def names(self) -> tuple[str, ...]:
        """The English forms a page may give in parentheses: the term and its abbreviation."""
        return (self.english,) + ((self.abbreviation,) if self.abbreviation else ())


def _cells(line: str) -> list[str]:
    inner = line.strip()
    if not (inner.startswith("|") and inner.endswith("|")) or len(inner) < 2:
        raise ValueError("a table row must start and end with '|'")
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner[1:-1])]


def parse_glossary(text: str, source: str = "glossary") -> list[Term]:
    """Parse glossary Markdown (see the module docstring); raise GlossaryError on any bad row."""
    terms: list[Term] = []
    lines = text.splitlines()
    in_table = False
    for number, line in enumerate(lines, start=1):
        where = f"{source}, line {number}"
        if not line.lstrip().startswith("|"):
            in_table = False
            continue
        try:
            cells = _cells(line)
        except ValueError as exc:
            raise GlossaryError(f"{where}: {exc}: {line!r}") from None
        if not in_table:
            if tuple(cells) != HEADER:
                raise GlossaryError(f"{where}: a glossary table must have the header "
                                    f"'| {' | '.join(HEADER)} |', got {line!r}")
            nxt = lines[number] if number < len(lines) else ""
            if not re.fullmatch(r"\s*\|(\s*:?-+:?\s*\|){4}\s*", nxt):
                raise GlossaryError(f"{source}, line {number + 1}: the header must be followed by a "
                                    f"separator row '|---|---|---|---|'")
            in_table = True
            continue
        if set("".join(cells)) <= set("-: "):
            continue  # the separator row
        terms.append(_term(cells, where, line, number))
    if not terms:
        raise GlossaryError(f"{source}: no glossary table with the header '| {' | '.join(HEADER)} |'")
    _check_unique(terms, source)
    return terms


def _term(cells: list[str], where: str, line: str, number: int) -> Term:
    if len(cells) != 4:
        raise GlossaryError(f"{where}: a row needs 4 cells (English, 中文, variants, 定义), "
                            f"got {len(cells)}: {line!r}")
    english, chinese, variants, definition = cells
    row = f"{where} (row {english or line!r})"
    if not english:
        raise GlossaryError(f"{row}: the English term is empty")
    if not CJK.search(chinese):
        raise GlossaryError(f"{row}: the 中文 cell must hold a Chinese term, got {chinese!r}")
    if not definition or not CJK.search(definition):
        raise GlossaryError(f"{row}: the definition (定义) must be a sentence in Chinese, got {definition!r}")
    if not variants:
        raise GlossaryError(f"{row}: the variants cell is empty; write '{NONE}' when there are none")
    found = () if variants == NONE else tuple(v.strip() for v in variants.split("、"))
    if any(not v for v in found):
        raise GlossaryError(f"{row}: an empty variant in {variants!r} (separate variants with '、')")
    match = ABBREVIATION.match(english)
    term, abbr = (match["term"], match["abbr"]) if match else (english, None)
    return Term(term, chinese, found, definition, abbr, number)


def _check_unique(terms: list[Term], source: str) -> None:
    seen: dict[str, Term] = {}
    for t in terms:
        for key in [n.lower() for n in t.names()] + [t.chinese]:
            if key in seen:
                raise GlossaryError(f"{source}, line {t.line} (row {t.english!r}): duplicate term "
                                    f"{key!r}, already on line {seen[key].line}")
            seen[key] = t
    for t in terms:
        for v in t.variants:
            for other in terms:
                if v in other.chinese:
                    raise GlossaryError(f"{source}, line {t.line} (row {t.english!r}): the variant {v!r} "
                                        f"is part of the chosen term {other.chinese!r} (line {other.line})")
            if v in seen:
                raise GlossaryError(f"{source}, line {t.line} (row {t.english!r}): the variant {v!r} is "
                                    f"listed twice (also on line {seen[v].line})")
            seen[v] = t


def load_glossary(path: str | Path) -> list[Term]:
    """Read and validate the glossary at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no glossary file at {path}")
    return parse_glossary(path.read_text(encoding="utf-8"), source=path.name)


def _prose(text: str) -> str:
    """Text with code blocks, inline code, HTML comments and link targets blanked (lines kept)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    text = re.sub(r"```.*?```", blank, text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->", blank, text, flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", blank, text)
    return re.sub(r"\]\([^)\s]*\)", lambda m: "]" + blank(m)[1:], text)


def _normal(english: str) -> str:
    return re.sub(r"[\s\-‐–]+", " ", english.strip().lower())


PAREN = re.compile(r"[（(]([^（）()\n]{1,80})[）)]")
CLAUSE_END = re.compile(r"[。，；：！？,;:!?（）()\n]")


def term_problems(text: str, terms: list[Term], page: str) -> list[str]:
    """What a Chinese page does against the glossary: variants to avoid, and English key terms in
    parentheses after Chinese that is not the glossary's term. Each problem names the page and line."""
    prose = _prose(text)
    out = []

    def line_of(pos: int) -> int:
        return prose.count("\n", 0, pos) + 1

    for t in terms:
        for v in t.variants:
            for m in re.finditer(re.escape(v), prose, flags=re.IGNORECASE):
                out.append(f"{page}, line {line_of(m.start())}: uses {v!r}; the glossary's term for "
                           f"{t.english!r} is {t.chinese!r}")
    by_name = {_normal(n): t for t in terms for n in t.names()}
    for m in PAREN.finditer(prose):
        before = prose[: m.start()].rstrip(" *_")
        if not before or not CJK.match(before[-1]):
            continue
        clause = CLAUSE_END.split(before)[-1]
        for part in re.split(r"[,，;；/、]", m.group(1)):  # the leading parts that name glossary terms
            key = _normal(part.strip(" *_"))
            t = by_name.get(key) or (by_name.get(key[:-1]) if key.endswith("s") else None)
            if t is None:
                break
            if t.chinese not in clause:
                out.append(f"{page}, line {line_of(m.start())}: '{clause.strip()}{m.group(0)}' — the "
                           f"glossary's Chinese for {t.english!r} is {t.chinese!r}")
    return out
