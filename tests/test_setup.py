"""The two commands: setup is idempotent and fast when done, and `lab` really serves the course."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course_lib.grading.grader import REPO_ROOT

COURSE_PY = REPO_ROOT / "course.py"


@pytest.fixture
def course(tmp_path, monkeypatch):
    """course.py loaded as a module, with its virtual environment pointed at a scratch folder."""
    spec = importlib.util.spec_from_file_location("course_script", COURSE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    venv = tmp_path / "venv"
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "STAMP", venv / "course-setup.json")
    calls = []
    monkeypatch.setattr(module, "run", lambda cmd, **kw: calls.append([str(c) for c in cmd]))

    def fake_create(self, path):
        python = Path(path) / "bin" / "python"
        python.parent.mkdir(parents=True, exist_ok=True)
        python.write_text("")
        calls.append(["create", str(path)])

    monkeypatch.setattr(module.venv.EnvBuilder, "create", fake_create)
    monkeypatch.setattr(module.os, "name", "posix")
    module.calls = calls
    return module


def test_first_setup_creates_installs_and_registers_the_kernel(course):
    course.setup()
    steps = [" ".join(c) for c in course.calls]
    assert steps[0].startswith("create ")
    assert any("pip" in s and "-r" in s and s.endswith("requirements.txt") for s in steps)
    assert any("--no-deps -e" in s for s in steps)
    assert any("ipykernel install --sys-prefix --name python3" in s for s in steps)
    assert json.loads(course.STAMP.read_text()) == course.wanted_stamp()


def test_second_setup_does_nothing(course, capsys):
    course.setup()
    course.calls.clear()
    course.setup()
    assert course.calls == []
    assert "environment up to date" in capsys.readouterr().out


def test_changed_pins_trigger_an_install(course, monkeypatch):
    course.setup()
    course.calls.clear()
    stamp = json.loads(course.STAMP.read_text())
    stamp["inputs"] = "something else"
    course.STAMP.write_text(json.dumps(stamp))
    course.setup()
    assert course.calls and not any(c[0] == "create" for c in course.calls)


def test_a_new_python_rebuilds_the_environment(course):
    course.setup()
    stamp = json.loads(course.STAMP.read_text())
    stamp["python"] = "3.9.0"
    course.STAMP.write_text(json.dumps(stamp))
    course.calls.clear()
    course.setup()
    assert course.calls[0][0] == "create"


@pytest.mark.parametrize("version, why", [((3, 9, 18), "is too old"), ((3, 14, 0), "is newer than")])
def test_an_unsupported_python_is_refused_with_the_range_and_how_to_pick_another(course, monkeypatch,
                                                                                 version, why):
    monkeypatch.setattr(course.sys, "version_info", version)
    with pytest.raises(SystemExit) as refused:
        course.setup()
    message = str(refused.value.code)
    assert "The course needs Python 3.10 to 3.13" in message
    assert f"this Python ({'.'.join(map(str, version))}, " in message and why in message
    assert "python3.13 course.py lab" in message and "py -3.13 course.py lab" in message
    assert "pyenv install 3.13" in message and "uv python install 3.13" in message
    assert course.calls == [] and not course.VENV.exists()  # refused before touching anything


def test_every_python_of_the_range_is_accepted_and_only_those(course):
    assert (course.MIN_PYTHON, course.MAX_PYTHON) == ((3, 10), (3, 13))
    accepted = [v for v in [(3, 8), (3, 9), (3, 10), (3, 11), (3, 12), (3, 13), (3, 14), (4, 0)]
                if course.unsupported_python((*v, 0)) is None]
    assert accepted == [(3, 10), (3, 11), (3, 12), (3, 13)]
    assert course.unsupported_python() is None  # the one running these tests


def test_an_old_python_gets_the_message_not_a_traceback(tmp_path):
    """What a learner sees with the oldest Python this machine offers below the range."""
    import glob

    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    olds = sorted(glob.glob(f"{pyenv}/versions/3.[789].*/bin/python3"))
    if not olds:
        pytest.skip("no Python 3.7-3.9 on this machine")
    proc = subprocess.run([olds[0], str(COURSE_PY), "setup"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COURSE_VENV": str(tmp_path / "venv")})
    assert proc.returncode == 1
    assert proc.stderr.startswith("The course needs Python 3.10 to 3.13;"), proc.stderr
    assert not (tmp_path / "venv").exists()


def test_real_setup_is_fast_when_already_done():
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(COURSE_PY), "setup"], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "environment up to date" in proc.stdout
    assert time.monotonic() - started < 10


def test_unknown_command_is_refused():
    proc = subprocess.run([sys.executable, str(COURSE_PY), "lab-please"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "unknown command" in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
        return json.loads(response.read())


def test_lab_serves_the_course_with_the_course_kernel(tmp_path):
    port, token = _free_port(), "course-test-token"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen(
        [sys.executable, str(COURSE_PY), "lab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         "--ServerApp.port_retries=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(f"{base}/status?token={token}")
                break
            except OSError:
                assert proc.poll() is None, "JupyterLab exited"
                assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
                time.sleep(0.5)
        specs = _get(f"{base}/kernelspecs?token={token}")
        assert specs["default"] == "python3"
        spec = specs["kernelspecs"]["python3"]["spec"]
        assert spec["display_name"] == "Python 3 (course)"  # the kernel setup registered
        assert Path(spec["argv"][0]).parent.parent == Path(sys.prefix)  # ... running the course venv
        listing = _get(f"{base}/contents/notebooks?token={token}")
        names = {item["name"] for item in listing["content"]}
        assert "00_introduction.ipynb" in names
        root = _get(f"{base}/contents?token={token}")
        assert {"notebooks", "exercises", "course_lib"} <= {i["name"] for i in root["content"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
