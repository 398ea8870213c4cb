"""JupyterLab opens an untouched course notebook without marking it modified.

JupyterLab writes the running kernel's ``language_info`` (with Python's exact version) and display name
into a notebook's metadata when the kernel starts; if that differs from what it was sent, the notebook
shows as modified. ``course.py lab`` serves notebooks through ``CourseContentsManager``, which sends
them with exactly that metadata and leaves the files alone.
"""

from __future__ import annotations

import asyncio
import json
import platform
import shutil

import pytest

from course_lib.labcontents import CourseContentsManager, describe_kernel, kernel_metadata
from course_lib.nbrun import notebooks


def test_kernel_metadata_is_what_the_kernel_reports():
    from ipykernel.ipkernel import IPythonKernel

    kernelspec, language_info = kernel_metadata()
    assert kernelspec["name"] == "python3" and kernelspec["language"] == "python"
    assert language_info == IPythonKernel.language_info
    assert language_info["version"] == platform.python_version()  # the piece no stored file can match


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_every_notebook_is_sent_with_the_kernels_metadata_and_left_unchanged_on_disk(path, tmp_path):
    shutil.copy(path, tmp_path / path.name)
    before = (tmp_path / path.name).read_bytes()
    manager = CourseContentsManager(root_dir=str(tmp_path))
    model = asyncio.run(manager.get(path.name))
    kernelspec, language_info = kernel_metadata()
    assert model["content"]["metadata"]["kernelspec"] == kernelspec
    assert model["content"]["metadata"]["language_info"] == language_info
    assert (tmp_path / path.name).read_bytes() == before
    stored = json.loads(before)["metadata"]
    assert stored["kernelspec"]["name"] == "python3"
    assert describe_kernel(stored) is True  # what a plain server would have sent differs


def test_other_kernels_and_listings_are_left_alone(tmp_path):
    other = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"},
             "language_info": {"name": "R"}}
    assert describe_kernel(dict(other)) is False
    notebook = {"cells": [], "metadata": dict(other), "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "r.ipynb").write_text(json.dumps(notebook))
    manager = CourseContentsManager(root_dir=str(tmp_path))
    assert asyncio.run(manager.get("r.ipynb"))["content"]["metadata"] == other
    listing = asyncio.run(manager.get(""))
    assert listing["type"] == "directory" and [c["name"] for c in listing["content"]] == ["r.ipynb"]
    untouched = asyncio.run(manager.get("r.ipynb", content=False))
    assert untouched["content"] is None
