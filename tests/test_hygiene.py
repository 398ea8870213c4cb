"""Hygiene as tests: notebooks clean and well-formed, code lint-free, nothing downloads."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import pytest

from course_lib.grading.grader import REPO_ROOT
from course_lib.nbrun import notebooks
from course_lib.translation import notebook_id, zh_notebooks
from tests.hygiene import problems

NOTEBOOKS = notebooks() + zh_notebooks()  # the Chinese edition follows the same rules


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_introduction.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_notebook_hygiene(path):
    assert problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_exercise_named_by_a_notebook_exists(path):
    text = path.read_text(encoding="utf-8")
    for name in set(re.findall(r"exercises/(\d{2}_\w+)\.py", text)):
        assert (REPO_ROOT / "exercises" / f"{name}.py").is_file(), name


def test_notebook_numbers_are_unique():
    numbers = [p.name[:2] for p in (REPO_ROOT / "notebooks").glob("*.ipynb")]
    assert len(numbers) == len(set(numbers))


def _broken(tmp_path, name="00_introduction.ipynb", change=None):
    nb = json.loads((REPO_ROOT / "notebooks" / "00_introduction.ipynb").read_text())
    nb = copy.deepcopy(nb)
    if change:
        change(nb)
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return problems(path)


def _code_cell(source):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}


def _parameters(nb):
    return next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda nb: nb["cells"][2].update(outputs=[{"output_type": "stream", "name": "stdout",
                                                "text": "x"}]), "stored with outputs"),
    (lambda nb: nb["metadata"]["kernelspec"].update(name="course-venv"), "kernelspec"),
    (lambda nb: _parameters(nb)["metadata"].update(tags=[]), "tagged 'parameters'"),
    (lambda nb: _parameters(nb).update(source="FAST = True\n"), "set FAST and SEED"),
    (lambda nb: nb["cells"][0].update(source="Intro without a title"), "markdown title"),
    (lambda nb: nb["cells"][0].update(source="# 00 — x\nLearning objectives, prerequisites."),
     "time estimate"),
    (lambda nb: nb["cells"].insert(3, _code_cell("from solutions import x")), "imports solutions"),
    (lambda nb: nb["cells"].insert(3, _code_cell("import sys\nsys.path.insert(0, '..')")),
     "sys.path"),
    (lambda nb: nb["cells"].insert(3, _code_cell("!pip install opacus")), "downloads"),
    (lambda nb: nb["cells"].insert(3, _code_cell("from sklearn.datasets import fetch_openml\n"
                                                "fetch_openml('mnist_784')")), "downloads"),
    (lambda nb: nb["cells"].insert(3, _code_cell("x = (")), "not valid Python"),
    (lambda nb: nb.update(cells=nb["cells"][:-3]), "exercise file"),
])
def test_hygiene_rules_reject_broken_notebooks(tmp_path, change, expected):
    found = _broken(tmp_path, change=change)
    assert any(expected in p for p in found), found


def test_hygiene_rules_reject_bad_names_and_accept_a_guarded_colab_install(tmp_path):
    assert "name must look like NN_topic.ipynb" in _broken(tmp_path, "Intro.ipynb")
    guarded = _code_cell("import sys\nif 'google.colab' in sys.modules:\n    !pip install x")
    assert _broken(tmp_path, change=lambda nb: nb["cells"].insert(3, guarded)) == []


def test_ruff_passes_on_code_and_notebooks():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(REPO_ROOT)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_is_really_looking(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(bad)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert proc.returncode == 1 and "F401" in proc.stdout


def test_course_lib_downloads_nothing():
    from tests.hygiene import DOWNLOADS

    offenders = [p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "course_lib").rglob("*.py")
                 if DOWNLOADS.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
