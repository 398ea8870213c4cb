"""Generate ``exercises/*.py`` from ``solutions/*.py``, the single source of truth.

Code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (inclusive) becomes one
``raise NotImplementedError(...)`` line at the marker's indentation; everything else — imports,
signatures, docstrings — is copied unchanged, so a stub reads exactly like the solution's spec.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
BANNER = (
    "# Exercise file: write your code where it says NotImplementedError, then check it with\n"
    "#     python3 course.py check {name}\n"
    "# (generated from solutions/{name}.py by `python3 course.py exercises`)\n"
)
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(")


class MarkerError(ValueError):
    """The solution file's BEGIN/END SOLUTION markers are unbalanced or misplaced."""


def make_exercise(source: str, name: str) -> str:
    """The exercise text for one solution file's ``source``."""
    out = [BANNER.format(name=name)]
    inside = None  # line number of the open BEGIN marker
    function = None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        match = _DEF.match(line)
        if match and inside is None:
            function = match.group(1)
        if stripped == BEGIN:
            if inside is not None:
                raise MarkerError(f"{name}: line {number}: BEGIN SOLUTION inside another block "
                                  f"(opened at line {inside})")
            inside = number
            indent = line[: len(line) - len(line.lstrip())]
            what = f"{function}()" if function else "this part"
            out.append(f'{indent}raise NotImplementedError("write {what} here")\n')
        elif stripped == END:
            if inside is None:
                raise MarkerError(f"{name}: line {number}: END SOLUTION without BEGIN")
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise MarkerError(f"{name}: BEGIN SOLUTION at line {inside} is never closed")
    return "".join(out)


def expected_exercises(root: Path) -> dict[Path, str]:
    """Map each ``exercises/NN_topic.py`` path to the text it should have."""
    solutions = sorted((root / "solutions").glob("[0-9][0-9]_*.py"))
    return {
        root / "exercises" / s.name: make_exercise(s.read_text(encoding="utf-8"), s.stem)
        for s in solutions
    }


def write_exercises(root: Path) -> list[Path]:
    """(Re)write every exercise file whose text is out of date; return the paths written."""
    written = []
    for path, text in expected_exercises(root).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def _committed(root: Path, path: Path) -> str | None:
    """The file's text at git HEAD, or None (not a git checkout, git missing, not committed)."""
    import subprocess

    try:
        proc = subprocess.run(["git", "show", f"HEAD:{path.relative_to(root).as_posix()}"],
                              cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def stale_exercises(root: Path) -> list[str]:
    """Names of exercise files that do not match their solution (or have no solution).

    A learner's own edits are not staleness: a file that differs on disk but whose committed
    version is up to date counts as the learner's work in progress.
    """
    expected = expected_exercises(root)
    stale = []
    for path, text in expected.items():
        on_disk = path.read_text(encoding="utf-8") if path.exists() else None
        if on_disk == text or (on_disk is not None and _committed(root, path) == text):
            continue
        stale.append(path.name)
    known = {p.name for p in expected}
    stale += sorted(p.name for p in (root / "exercises").glob("*.py") if p.name not in known)
    return stale
