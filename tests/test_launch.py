"""Launch links (Binder, Colab) and the Colab guard cell that every notebook carries."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import sys
import types

import pytest

from course_lib import launch
from course_lib.grading.grader import REPO_ROOT

NOTEBOOKS = launch.course_notebooks(REPO_ROOT)


@pytest.mark.parametrize("url", ["https://github.com/alice/course", "https://github.com/alice/course.git",
                                 "git@github.com:alice/course.git", "ssh://git@github.com/alice/course",
                                 "https://www.github.com/alice/course/"])
def test_github_urls_in_https_and_ssh_forms(url):
    assert launch.github_repository(url) == ("alice", "course")
    assert launch.binder_url(url, "notebooks/03_dp.ipynb") == \
        "https://mybinder.org/v2/gh/alice/course/main?labpath=notebooks/03_dp.ipynb"
    assert launch.colab_url(url, "notebooks/03_dp.ipynb", branch="dev") == \
        "https://colab.research.google.com/github/alice/course/blob/dev/notebooks/03_dp.ipynb"


@pytest.mark.parametrize("url", ["https://gitlab.com/alice/course", "git@bitbucket.org:a/b.git",
                                 "https://github.com/alice", "/srv/git/course", ""])
def test_other_remotes_are_refused_by_name(url):
    with pytest.raises(ValueError, match="url: .* not a GitHub repository URL"):
        launch.binder_url(url, "notebooks/00_introduction.ipynb")


def test_notebook_paths_must_stay_inside_the_repository():
    with pytest.raises(ValueError, match="notebook"):
        launch.colab_url("https://github.com/a/b", "../x.ipynb")


def test_repository_from_pyproject_then_git_remote(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.x]\ny = 1\n')
    assert launch.repository_url(tmp_path) == ""  # not a git repository, no URL
    assert launch.set_pyproject_repository(tmp_path / "pyproject.toml", "git@github.com:a/b.git")
    text = (tmp_path / "pyproject.toml").read_text()
    assert '[project.urls]\nRepository = "https://github.com/a/b"\n\n[tool.x]' in text
    assert launch.repository_url(tmp_path) == "https://github.com/a/b"
    assert not launch.set_pyproject_repository(tmp_path / "pyproject.toml", "https://github.com/a/b")
    launch.set_pyproject_repository(tmp_path / "pyproject.toml", "https://github.com/c/d")
    assert launch.pyproject_repository(tmp_path / "pyproject.toml") == "https://github.com/c/d"
    assert (tmp_path / "pyproject.toml").read_text().count("Repository") == 1
    with pytest.raises(ValueError, match="not a GitHub"):
        launch.set_pyproject_repository(tmp_path / "pyproject.toml", "https://example.org/x")


def test_the_guard_cell_compiles_for_a_url_and_for_none():
    for url in ("", "https://github.com/a/b"):
        compile(launch.guard_cell_source(url), "guard", "exec")
    assert 'COURSE_REPOSITORY = "https://github.com/a/b"' in launch.guard_cell_source("git@github.com:a/b")


def _guard_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return cells, [i for i, c in enumerate(cells) if launch.is_guard_cell(c)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_every_notebook_has_the_same_guard_cell_after_its_title(path):
    cells, where = _guard_cells(path)
    assert where == [1], f"{path.name}: the guard cell must be cell 2, once"
    assert cells[0]["cell_type"] == "markdown"
    assert "parameters" in cells[2]["metadata"].get("tags", [])
    url = launch.pyproject_repository(REPO_ROOT / "pyproject.toml")
    assert cells[1] == launch.guard_cell(url), f"{path.name}: run python3 course.py links"


def _run_guard(url: str) -> str:
    out = io.StringIO()
    cwd = os.getcwd()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        exec(compile(launch.guard_cell_source(url), "guard", "exec"), {})
    assert os.getcwd() == cwd
    return out.getvalue()


def test_the_guard_does_nothing_off_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)  # even without course_lib
    assert _run_guard("") == ""
    assert _run_guard("https://github.com/a/b") == ""


def test_the_guard_does_nothing_on_colab_when_the_course_is_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert _run_guard("https://github.com/a/b") == ""


def test_the_guard_says_how_to_set_a_missing_url_on_colab(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(RuntimeError, match="course.py links --repository"):
        _run_guard("")


def test_refresh_is_idempotent_and_moves_a_misplaced_cell(tmp_path):
    original = REPO_ROOT / "notebooks" / "03_dp_mechanisms.ipynb"
    nb = json.loads(original.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if not launch.is_guard_cell(c)]
    nb["cells"].insert(4, launch.guard_cell("https://github.com/old/one"))
    path = tmp_path / original.name
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert launch.refresh_guard_cell(path, "https://github.com/a/b")
    cells, where = _guard_cells(path)
    assert where == [1] and cells[1] == launch.guard_cell("https://github.com/a/b")
    before = path.read_bytes()
    assert not launch.refresh_guard_cell(path, "https://github.com/a/b")
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="path"):
        launch.refresh_guard_cell(tmp_path / "absent.ipynb", "")


def test_links_command_writes_pyproject_and_every_notebook(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    source = (REPO_ROOT / "notebooks" / "00_introduction.ipynb").read_text(encoding="utf-8")
    for name in ("notebooks/00_a.ipynb", "notebooks/zh/00_a.ipynb"):
        (tmp_path / name).write_text(source, encoding="utf-8")
    assert launch.main(["--root", str(tmp_path), "--repository", "git@github.com:a/b.git"]) == 0
    for name in ("notebooks/00_a.ipynb", "notebooks/zh/00_a.ipynb"):
        cells, where = _guard_cells(tmp_path / name)
        assert where == [1] and 'COURSE_REPOSITORY = "https://github.com/a/b"' in "".join(cells[1]["source"])
    with pytest.raises(SystemExit):
        launch.main(["--root", str(tmp_path), "--repository", "https://gitlab.com/a/b"])


def test_on_colab_the_guard_clones_installs_and_changes_directory(monkeypatch, tmp_path):
    dest = tmp_path / "course"
    (dest / "notebooks").mkdir(parents=True)
    (dest / "requirements.txt").write_text("numpy==2.2.6\nno-such-package-here==1.0  # a comment\n\n")
    monkeypatch.setattr(launch, "COLAB_DIR", str(dest))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    calls = []
    import subprocess

    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    monkeypatch.chdir(tmp_path)
    exec(compile(launch.guard_cell_source("https://github.com/a/b"), "guard", "exec"), {})
    assert os.getcwd() == str(dest / "notebooks")
    assert len(calls) == 1, "the clone is skipped when the folder is there"
    assert calls[0][1:] == ["-m", "pip", "install", "-q", "-c", f"{dest}/colab-constraints.txt", str(dest)]
    assert "-e" not in calls[0]
    assert (dest / "colab-constraints.txt").read_text() == "no-such-package-here==1.0\n"  # numpy is there
