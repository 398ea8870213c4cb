"""A learner copy of the course: everything a class needs, nothing that gives the answers away.

``python3 course.py release DIR`` copies the course into a new folder without ``solutions/``, the
mutants, the independent answer sets (correct answers among them) and the tests built on them, the
instructor guides, the environment and the caches. Before it
finishes it checks that no Python file or notebook cell in the copy holds a function identical (up to
formatting) to a reference solution's task function, and refuses otherwise. Standard library only.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

LEFT_OUT = {
    "solutions",                      # the reference answers
    "tests/exercises/mutants",        # wrong answers built from the reference ones
    "tests/exercises/answers",        # independent answers, correct ones among them
    "tests/exercises/test_answer_rates.py",  # it grades those answers
    "tests/test_grading.py", "tests/test_check.py", "tests/test_generate.py",
    "tests/grading_fixtures",         # they grade the reference answers
    "docs/instructor",                # the instructor guides discuss the answers
    ".git", ".venv", "build", ".ci",
}
IGNORED_NAMES = {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".ipynb_checkpoints"}


def _skip(rel: str, name: str) -> bool:
    return rel in LEFT_OUT or name in IGNORED_NAMES or name.endswith(".egg-info") \
        or (name.startswith("gradebook") and name.endswith(".csv"))


def _function_dumps(source: str) -> dict[str, str]:
    from .grader import _functions

    try:
        return _functions(ast.parse(source))
    except (SyntaxError, ValueError, RecursionError):
        return {}


def _reference(root: Path) -> dict[str, str]:
    """Every task function of every reference solution, as normalised AST text -> where it is from."""
    from .spec import exercise_names, get_exercise

    found = {}
    for name in exercise_names():
        path = root / "solutions" / f"{name}.py"
        if not path.is_file():
            continue
        funcs = _function_dumps(path.read_text(encoding="utf-8"))
        for task in get_exercise(name).tasks:
            if task.function in funcs:
                found[funcs[task.function]] = f"{name}.{task.function}"
    return found


def _sources(path: Path):
    if path.suffix == ".py":
        yield path.read_text(encoding="utf-8", errors="replace")
    elif path.suffix == ".ipynb":
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (ValueError, AttributeError):
            return
        for cell in cells:
            if cell.get("cell_type") == "code":
                src = cell.get("source", "")
                yield "".join(src) if isinstance(src, list) else str(src)


def leaks(folder: Path, reference: dict[str, str]) -> list[str]:
    """``file: exercise.function`` for every copy of a reference task function found in ``folder``."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".ipynb"):
            for source in _sources(path):
                for dump in _function_dumps(source).values():
                    if dump in reference:
                        out.append(f"{path.relative_to(folder)}: {reference[dump]}")
    return out


def release(root: Path, target: Path) -> Path:
    """Copy the course at ``root`` into the new folder ``target`` without the answers; return it."""
    root, target = Path(root).resolve(), Path(target).resolve()
    if not (root / "course_lib").is_dir():
        raise ValueError(f"root: {root} is not a course folder (no course_lib/)")
    if target == root or target.is_relative_to(root):
        raise ValueError(f"target must be outside the course folder, got {target}")
    if target.exists() and any(target.iterdir()):
        raise ValueError(f"target must be a new or empty folder, got {target}")

    def ignore(folder: str, names: list[str]) -> list[str]:
        rel = Path(folder).resolve().relative_to(root)
        prefix = "" if rel == Path(".") else rel.as_posix() + "/"
        return [n for n in names if _skip(prefix + n, n)]

    shutil.copytree(root, target, ignore=ignore, symlinks=True, dirs_exist_ok=True)
    found = leaks(target, _reference(root))
    if found:
        shutil.rmtree(target, ignore_errors=True)
        raise ValueError("the learner copy would contain reference solutions, so it was not written: "
                         + "; ".join(found[:10]))
    return target
