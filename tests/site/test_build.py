"""The site builder's staging steps (no Sphinx needed): badges, home page, links, notebooks found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_lib import launch
from course_lib.nbrun import REPO_ROOT
from course_lib.site import build

NB = Path("notebooks/03_dp_mechanisms.ipynb")


def _notebook() -> dict:
    return json.loads((REPO_ROOT / NB).read_text(encoding="utf-8"))


def test_badges_link_to_binder_and_colab_with_local_images():
    page = build.page_notebook(_notebook(), NB, "https://github.com/alice/course", "main")
    assert len(page["cells"]) == len(_notebook()["cells"])
    title, _, html = page["cells"][0]["source"].partition("\n\n")
    assert title == "# 03 — Differential-privacy mechanisms" and html.startswith('<p class="course-launch">')
    assert ('href="https://mybinder.org/v2/gh/alice/course/main?'
            'labpath=notebooks/03_dp_mechanisms.ipynb"') in html
    assert ('href="https://colab.research.google.com/github/alice/course/blob/main/'
            'notebooks/03_dp_mechanisms.ipynb"') in html
    assert 'src="../_static/badges/binder.svg"' in html and 'src="../_static/badges/colab.svg"' in html
    assert "shields.io" not in html
    zh = build.badges(Path("notebooks/zh/00_introduction.ipynb"), "https://github.com/a/b", "dev")
    assert 'src="../../_static/badges/colab.svg"' in zh and "/blob/dev/notebooks/zh/" in zh
    for name in ("binder.svg", "colab.svg"):
        assert (build.HERE / "static" / "badges" / name).is_file()


def test_no_repository_no_badges_and_the_guard_cell_hidden():
    page = build.page_notebook(_notebook(), NB, None, "main")
    assert not any("course-launch" in "".join(c["source"]) for c in page["cells"])
    guard = [c for c in page["cells"] if launch.is_guard_cell(c)]
    assert guard and all("remove-cell" in c["metadata"]["tags"] for c in guard)


@pytest.mark.parametrize(("given", "expected", "said"), [
    ("git@github.com:alice/course.git", "https://github.com/alice/course", ""),
    ("https://gitlab.com/alice/course", None, "launch badges: none (url: 'https://gitlab.com/alice/course' "
                                              "is not a GitHub repository URL"),
])
def test_the_repository_for_badges(capsys, given, expected, said):
    assert build.launch_repository(given) == expected
    out = capsys.readouterr().out
    assert out.startswith(said) and (out.count("\n") == 1 if said else out == "")


def test_unknown_repository_is_said_in_one_line(capsys, monkeypatch):
    monkeypatch.setattr(launch, "repository_url", lambda root: "")
    assert build.launch_repository(None) is None
    out = capsys.readouterr().out
    assert out.startswith("launch badges: none (no repository known") and out.count("\n") == 1


def test_the_home_page_is_the_readme_with_navigation():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    pages = [Path("notebooks/00_introduction.ipynb"), Path("notebooks/zh/00_introduction.ipynb")]
    docs = [Path("docs/glossary.md"), Path("docs/instructor/README.md"), Path("docs/instructor/00_intro.md")]
    home = build.home_page(readme, pages, docs)
    assert home.startswith(readme.rstrip())
    assert ":caption: Notebooks\n\nnotebooks/00_introduction\n```" in home
    assert "docs/instructor/README\ndocs/instructor/00_intro\n" in home
    assert "notebooks/zh/00_introduction" in home and "docs/glossary" in home
    assert build.home_page(readme, pages[:1], []).count("{toctree}") == 1  # nothing Chinese: no section


def test_links_to_the_readme_go_to_the_home_page():
    text = "[a](../../README.md#troubleshooting), [b](README.md#x), [c](../README.md)"
    assert build.home_links(text, Path("docs/instructor/00.md")) == \
        "[a](../../index.md#troubleshooting), [b](README.md#x), [c](../README.md)"


def test_the_site_takes_every_notebook_and_page():
    names = [p.as_posix() for p in build.site_notebooks()]
    assert names[0] == "notebooks/00_introduction.ipynb"
    assert "notebooks/13_language_models_memorise.ipynb" in names
    assert Path("docs/instructor/README.md") in build.site_docs()
    linked = build._linked_files("[ex](../../exercises/03_dp_mechanisms.py) [w](https://x.org/a.py)",
                                 Path("docs/instructor/03.md"))
    assert linked == {Path("exercises/03_dp_mechanisms.py")}


def test_fingerprint_follows_the_notebook_the_mode_and_the_library(tmp_path):
    nb = tmp_path / "00_x.ipynb"
    nb.write_text("{}")
    fast = build.fingerprint(nb, full=False)
    assert fast == build.fingerprint(nb, full=False) != build.fingerprint(nb, full=True)
    nb.write_text('{"cells": []}')
    assert build.fingerprint(nb, full=False) != fast
    # ... and course_lib: by default its current files, and a changed library is a new fingerprint
    assert build.fingerprint(nb, False) == build.fingerprint(nb, False, build.library_digest())
    assert build.fingerprint(nb, False, "a" * 64) != build.fingerprint(nb, False, "b" * 64)


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="jobs"):
        build.build(tmp_path, jobs=0)
    with pytest.raises(ValueError, match="site_python"):
        build.build(tmp_path, site_python=tmp_path / "no-python")
