"""JupyterLab as a learner meets it: ``python3 course.py lab``, notebook 00, Run → Run All Cells, in Chromium.

The server runs from the repository with the course's contents manager, in FAST mode, with its runtime,
configuration, data and home folders in a temporary directory (nothing is written to the user's home).
The notebook is closed without saving, its file must be byte for byte unchanged, and the server and its
kernel are stopped (shut down, then terminated, then killed) whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, unavailable

NOTEBOOK = "notebooks/00_introduction.ipynb"
START_TIMEOUT_S = 180  # setup refreshes .venv first when requirements.txt or pyproject.toml changed
RUN_ALL_TIMEOUT_S = 240
STOP_TIMEOUT_S = 30
FEEDBACK_MARKERS = ("Exercise 00_warmup", "checked tasks pass")  # course_lib/check.py's report
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.MULTILINE)
# The learner's settings for this run (in the temporary settings folder): no autosave, so the notebook
# can be closed unsaved whatever the run's length; every cell in the page (JupyterLab otherwise leaves
# cells far off screen out of it); no news prompt over the notebook.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT/
    token: str
    log: Path
    runtime: Path
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_figures(notebook: dict) -> int:
    """Figures the notebook must show: its stored images, or its code cells that call plt.show()."""
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    stored = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
    shown = sum("plt.show()" in "".join(c["source"]) for c in code)
    return max(stored, shown)


def api(lab: Lab, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(f"{lab.url}api/{path}", method=method,
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        body = answer.read()
    return json.loads(body) if body else {}


def log_tail(lab: Lab) -> str:
    return "\n".join(lab.log.read_text(errors="replace").splitlines()[-40:])


def processes_mentioning(text: str) -> list[int]:
    """Ids of running processes whose command line contains ``text`` (Linux's /proc; else none)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


def check_course_environment() -> None:
    """Refuse to start ``course.py lab`` where it would rebuild .venv (minutes, gigabytes) or find none."""
    venv = Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
    try:
        stamp = json.loads((venv / "course-setup.json").read_text())
    except (OSError, ValueError):
        unavailable(f"the course environment {venv} is not set up: run python3 course.py setup first")
    if stamp.get("python") != platform.python_version():
        pytest.fail(f"{venv} was set up with Python {stamp.get('python')}, this test runs on "
                    f"{platform.python_version()} ({sys.executable}): course.py lab would rebuild it; "
                    "run the browser tests with the Python that set up the course", pytrace=False)


def stop(lab: Lab) -> None:
    """Shut the server down through its API (it stops its kernels); terminate, then kill, if it lingers."""
    with contextlib.suppress(OSError):
        api(lab, "shutdown", method="POST")
    try:
        lab.process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):  # course.py and JupyterLab: the group we started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.process.pid, sig)
            try:
                lab.process.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue


@contextlib.contextmanager
def course_lab(tmp: Path) -> Iterator[Lab]:
    """``python3 course.py lab`` on a free port with a fresh token, until it answers; stopped afterwards."""
    check_course_environment()
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the notebook's figures must show
    folders = {name: tmp / name.lower() for name in (
        "HOME", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR", "MPLCONFIGDIR")}
    for folder in folders.values():
        folder.mkdir()
    env.update({name: str(folder) for name, folder in folders.items()})
    env.update(COURSE_FAST="1", OMP_NUM_THREADS="1")
    for plugin, values in SETTINGS.items():
        path = folders["JUPYTERLAB_SETTINGS_DIR"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    log = tmp / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "course.py", "lab", "--no-browser", "--port", str(port), "--ip", "127.0.0.1",
             f"--ServerApp.token={token}", "--ServerApp.port_retries=0"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}/", token, log, folders["JUPYTER_RUNTIME_DIR"], process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"course.py lab exited ({process.returncode}):\n{log_tail(lab)}", pytrace=False)
            with contextlib.suppress(OSError, urllib.error.URLError):
                api(lab, "status")
                break
            if time.monotonic() > deadline:
                pytest.fail(f"course.py lab did not answer within {START_TIMEOUT_S} s:\n{log_tail(lab)}",
                            pytrace=False)
            time.sleep(0.5)
        yield lab
    finally:
        stop(lab)


@contextlib.contextmanager
def removing_new_checkpoints(notebook: Path) -> Iterator[None]:
    """Remove the checkpoint JupyterLab makes on opening ``notebook`` (and its folder) if they are new."""
    folder = notebook.parent / ".ipynb_checkpoints"
    checkpoint = folder / f"{notebook.stem}-checkpoint{notebook.suffix}"
    had_folder, had_checkpoint = folder.exists(), checkpoint.exists()
    try:
        yield
    finally:
        if not had_checkpoint:
            checkpoint.unlink(missing_ok=True)
        if not had_folder and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def wait_until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout_s} s", pytrace=False)
        time.sleep(0.5)


def menu(page, menu_name: str, item: str) -> None:
    """Click a menu of the menu bar, then one of its items, as a person would."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(f"^{re.escape(menu_name)}$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
    page.locator(".lm-Menu-item", has=label).click()


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_notebook_00_runs_all_cells_in_jupyterlab(browser, screenshots: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    notebook_file = ROOT / NOTEBOOK
    before = notebook_file.read_bytes()
    stored = json.loads(before)
    sources = ["".join(c["source"]) for c in stored["cells"] if c["cell_type"] == "code"]
    code_cells = len(sources)
    check_cells = sum('check("00_warmup"' in source for source in sources)
    figures = expected_figures(stored)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with course_lab(tmp_path) as lab, removing_new_checkpoints(notebook_file):
        timings["server start"] = time.perf_counter() - started
        served = api(lab, f"contents/{NOTEBOOK}")["content"]["metadata"]
        assert "version" in served.get("language_info", {}), (
            "the server does not send notebooks with the kernel's metadata: is it running the course's "
            f"contents manager (course_lib.labcontents)? language_info: {served.get('language_info')}")

        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.set_default_timeout(60_000)
        page.goto(f"{lab.url}lab/tree/{NOTEBOOK}?token={lab.token}")
        status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle\s*$"))
        status.first.wait_for(timeout=120_000)
        timings["notebook open, kernel idle"] = time.perf_counter() - started
        page.wait_for_timeout(1000)  # JupyterLab writes the kernel's metadata into the model now
        dirty = page.locator(".lm-TabBar-tab.jp-mod-dirty")
        assert dirty.count() == 0, "opening the notebook marked it modified (the course's contents manager " \
                                   "should send the kernel's metadata)"

        run_started = time.perf_counter()
        menu(page, "Run", "Run All Cells")
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")

        def finished() -> bool:
            texts = prompts.all_inner_texts()
            return (len(texts) == code_cells and all(re.fullmatch(r"\[\d+\]:", t.strip()) for t in texts)
                    and status.count() > 0)

        wait_until(finished, RUN_ALL_TIMEOUT_S, "every code cell getting an execution count, kernel idle")
        timings["Run All Cells"] = time.perf_counter() - run_started
        counts = [int(t.strip()[1:-2]) for t in prompts.all_inner_texts()]
        assert counts == list(range(1, code_cells + 1)), f"cells did not run once each, in order: {counts}"

        stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        texts = stderr.all_inner_texts()
        tracebacks = [t for t in texts if TRACEBACK.search(t)]
        assert not tracebacks, "cells failed:\n" + "\n---\n".join(tracebacks)
        warnings = [t for t in texts if t not in tracebacks]

        widths = page.locator(".jp-RenderedImage img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
        assert len(widths) >= figures and all(w > 0 for w in widths), (
            f"figures: {len(widths)} shown (natural widths {widths}), the notebook draws {figures}")

        feedback = [cell.locator(".jp-OutputArea").inner_text()
                    for cell in page.locator(".jp-Notebook .jp-CodeCell").all()
                    if 'check("00_warmup"' in cell.locator(".cm-content").inner_text()]
        assert len(feedback) == check_cells > 0, f"{len(feedback)} check() cells found, {check_cells} stored"
        for text in feedback:
            assert all(marker in text for marker in FEEDBACK_MARKERS), f"check() gave no feedback:\n{text}"

        page.locator(".jp-RenderedImage img").last.scroll_into_view_if_needed()
        page.screenshot(path=screenshots / "jupyterlab-run-all.png")

        assert dirty.count() == 1, "running the cells should have marked the notebook modified"
        menu(page, "File", "Close Tab")
        dialog = page.locator(".jp-Dialog")
        dialog.locator("button", has_text=re.compile(r"^(Discard|Don't Save)$")).click()  # "Save your work?"
        dialog.wait_for(state="detached")
        page.locator(".lm-TabBar-tab", has_text="00_introduction.ipynb").wait_for(state="detached")
        page.close()
        assert not page_errors, f"JupyterLab raised errors in the page: {page_errors}"
    timings["total, server stopped"] = time.perf_counter() - started

    assert lab.process.poll() is not None, "the server is still running"
    assert not processes_mentioning(str(lab.runtime)), "a kernel of the test's server is still running"
    assert notebook_file.read_bytes() == before, f"{NOTEBOOK} changed although it was closed unsaved"
    with capsys.disabled():
        print("\njupyterlab: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
              + f"; {code_cells} cells, {len(widths)} figures, {len(warnings)} warnings on stderr")


def test_a_traceback_is_told_from_a_warning() -> None:
    assert TRACEBACK.search("Traceback (most recent call last):\n  File ...\nValueError: bad")
    assert TRACEBACK.search("---------\nZeroDivisionError                 Traceback (most recent call last)")
    assert TRACEBACK.search("NameError: name 'x' is not defined")
    assert not TRACEBACK.search("/x/y.py:3: UserWarning: an Error in the text\n  warnings.warn(msg)")
    assert not TRACEBACK.search("/x/y.py:7: RuntimeWarning: divide by zero encountered in log")


def test_expected_figures_counts_stored_images_or_plt_show() -> None:
    def cell(source: str, outputs: list) -> dict:
        return {"cell_type": "code", "source": [source], "outputs": outputs}

    png = {"output_type": "display_data", "data": {"image/png": "..."}}
    assert expected_figures({"cells": [cell("plt.show()", []), cell("x = 1", [])]}) == 1
    assert expected_figures({"cells": [cell("plot()", [png, png]), cell("plt.show()", [])]}) == 2
    assert expected_figures({"cells": [{"cell_type": "markdown", "source": ["plt.show()"]}]}) == 0


def test_the_contents_manager_check_would_notice_a_plain_server() -> None:
    """A plain server sends the file's metadata; the test asks for the kernel's (a full language_info)."""
    stored = json.loads((ROOT / NOTEBOOK).read_text())["metadata"]
    assert "version" not in stored.get("language_info", {}), (
        f"{NOTEBOOK} stores a full language_info: the check that the course's contents manager "
        "serves it would pass on any server")
