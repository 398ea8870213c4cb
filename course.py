#!/usr/bin/env python3
"""The course's commands (standard library only; the course needs Python 3.10 to 3.13).

The two you need:

    python3 course.py lab     set up if needed, then open the course in JupyterLab
    python3 course.py test    set up if needed, then run every test (notebooks included)

Others:

    python3 course.py setup                     create/refresh .venv from requirements.txt
    python3 course.py check 00_warmup [TASK]    check your exercise file
    python3 course.py grade FOLDER --exercise 00_warmup [--out gradebook.csv]
    python3 course.py release DIR               write a learner copy of the course without solutions/
    python3 course.py exercises                 regenerate exercises/ from solutions/ (maintainers)
    python3 course.py full [00 ...]             run notebooks in full mode into build/ (instructors)
    python3 course.py site [--full] [--jobs N]  build the course as a static HTML book in build/site/html
    python3 course.py site --test [--no-build]  ... then test it in headless Chromium (tests/browser)
    python3 course.py links [--repository URL]  set the GitHub URL for Colab/Binder (maintainers)

Setup creates a virtual environment in .venv (or $COURSE_VENV), installs the pinned packages,
installs course_lib, and registers the `python3` Jupyter kernel there. It records what it installed
in .venv/course-setup.json and does nothing the next time unless requirements.txt, pyproject.toml
or the Python version changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
STAMP = VENV / "course-setup.json"
MIN_PYTHON = (3, 10)
MAX_PYTHON = (3, 13)  # the newest Python that every pin in requirements.txt has wheels for


def venv_python(venv_dir: Path | None = None) -> Path:
    """The python of the environment ``venv_dir`` (the course's, VENV, by default)."""
    return (venv_dir or VENV) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def wanted_stamp(inputs: tuple[str, ...] = ("requirements.txt", "pyproject.toml")) -> dict:
    """What an environment built from the files ``inputs`` records: their hash, Python, the course root."""
    digest = hashlib.sha256()
    for name in inputs:
        digest.update((ROOT / name).read_bytes())
    return {"inputs": digest.hexdigest(), "python": platform.python_version(), "root": str(ROOT)}


def read_stamp(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run(cmd: list, **kwargs) -> None:
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if result.returncode != 0:
        sys.exit(f"setup failed: the command above exited with {result.returncode}")


def unsupported_python(version=None) -> str | None:
    """None if this Python can run the course, else what to do instead."""
    version = tuple(version or sys.version_info)
    have = version[:2]
    if MIN_PYTHON <= have <= MAX_PYTHON:
        return None
    low, high = (".".join(map(str, v)) for v in (MIN_PYTHON, MAX_PYTHON))
    why = ("is too old" if have < MIN_PYTHON else
           "is newer than the pinned packages support (they have no wheels for it yet)")
    return (f"The course needs Python {low} to {high}; this Python ({'.'.join(map(str, version[:3]))}, "
            f"{sys.executable}) {why}.\n"
            f"Run the same command with a supported interpreter, for example\n"
            f"    python{high} course.py lab        (Linux, macOS)\n"
            f"    py -{high} course.py lab          (Windows)\n"
            f"No such interpreter? Install one from python.org or your package manager, "
            f"or with `pyenv install {high}` or `uv python install {high}`.")


def setup(quiet_if_ready: bool = False) -> Path:
    """Make .venv match requirements.txt; return its python. Idempotent and fast when up to date."""
    problem = unsupported_python()
    if problem:
        sys.exit(problem)
    want = wanted_stamp()
    python = venv_python()
    have = read_stamp(STAMP)
    if have == want and python.exists():
        if not quiet_if_ready:
            print(f"environment up to date ({VENV})")
        return python
    if python.exists() and (have or {}).get("python") not in (None, want["python"]):
        print(f"Python changed ({have.get('python')} -> {want['python']}): rebuilding {VENV}")
        shutil.rmtree(VENV)
    if not python.exists():
        print(f"creating a virtual environment in {VENV} ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except Exception as exc:  # e.g. Debian without python3-venv
            sys.exit(f"could not create {VENV}: {exc}\n"
                     "On Debian/Ubuntu install the venv module first: sudo apt install python3-venv")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    # Not quiet: the first install downloads up to about 2.8 GB (PyPI's PyTorch brings CUDA libraries
    # on Linux), and a learner should see each package arrive rather than minutes of silence.
    print("installing the pinned packages of requirements.txt; the first time this downloads up to "
          "about 2.8 GB (see the README) and takes some minutes; pip lists each package as it arrives",
          flush=True)
    run([*pip, "install", "-r", ROOT / "requirements.txt"])
    run([*pip, "install", "-q", "--no-deps", "-e", ROOT])
    run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
         "--display-name", "Python 3 (course)"], stdout=subprocess.DEVNULL)
    STAMP.write_text(json.dumps(want, indent=2) + "\n")
    print(f"environment ready ({VENV})")
    return python


SITE_VENV = Path(os.environ.get("COURSE_SITE_VENV", ROOT / ".venv-site"))


def site_setup() -> Path:
    """Make .venv-site match requirements-site.txt (the site's toolchain); return its python."""
    if sys.version_info < (3, 11):
        sys.exit("the course site needs Python 3.11 or newer (Sphinx 9): run python3.11 course.py site")
    python = venv_python(SITE_VENV)
    stamp = SITE_VENV / "course-site-setup.json"
    want = wanted_stamp(("requirements-site.txt", "pyproject.toml"))
    if read_stamp(stamp) == want and python.exists():
        return python
    print(f"setting up the site's toolchain in {SITE_VENV} (requirements-site.txt) ...", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(SITE_VENV)
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "-q", "-r", ROOT / "requirements-site.txt"])
    run([*pip, "install", "-q", "--no-deps", "-e", ROOT])
    stamp.write_text(json.dumps(want, indent=2) + "\n")
    return python


def site(args: list[str]) -> int:
    """Build the site (unless --no-build); with --test, run the browser tests on it."""
    test, build = "--test" in args, "--no-build" not in args
    args = [a for a in args if a not in ("--test", "--no-build")]
    site_python = site_setup()
    if build:
        code = in_venv(["-m", "course_lib.site.build", "--site-python", site_python, *args])
        if code or not test:
            return code
    out = Path(args[args.index("--out") + 1]).resolve() if "--out" in args[:-1] else ROOT / "build" / "site"
    env = course_env()
    env["COURSE_SITE_DIR"] = str(out / "html")
    return subprocess.run([str(site_python), "-m", "pytest", "-m", "browser", "tests/browser", "tests/site",
                           "-rs"], cwd=ROOT, env=env).returncode


def course_env() -> dict:
    """Environment for everything run inside the course: its own kernel first, quiet Jupyter."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(VENV / "share" / "jupyter"), env.get("JUPYTER_PATH", "")) if p)
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def in_venv(args: list, extra_env: dict | None = None) -> int:
    python = setup(quiet_if_ready=True)
    env = course_env()
    env.update(extra_env or {})
    return subprocess.run([str(python), *map(str, args)], cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "setup":
        setup()
        return 0
    if command == "lab":
        # Containers and CI often run as root, which JupyterLab refuses without --allow-root.
        as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        # Notebooks are sent with the metadata the course's kernel reports, so opening one does not
        # mark it modified (course_lib/labcontents.py); the files change only when saved.
        return in_venv(["-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
                        "--LabApp.default_url=/lab/tree/notebooks",
                        "--ServerApp.contents_manager_class=course_lib.labcontents.CourseContentsManager",
                        *as_root, *rest])
    if command == "test":
        # FAST mode, one thread per process (notebooks must not fight over 2 cores), no display.
        return in_venv(["-m", "pytest", *rest], {
            "COURSE_FAST": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
        })
    if command == "check":
        return in_venv(["-m", "course_lib.grading", "check", *rest], {"COURSE_CALLER_CWD": os.getcwd()})
    if command == "grade":
        return in_venv(["-m", "course_lib.grading", "grade", *rest])
    if command == "release":
        rest = [a if a.startswith("-") else str(Path(a).resolve()) for a in rest]  # relative to here
        return in_venv(["-m", "course_lib.grading", "release", "--root", ROOT, *rest])
    if command == "exercises":
        return in_venv(["-m", "course_lib.grading", "generate", "--root", ROOT, *rest])
    if command == "full":
        return in_venv(["-m", "course_lib.nbrun", "--full", *rest])
    if command == "site":
        return site(rest)
    if command == "links":
        return in_venv(["-m", "course_lib.launch", *rest])
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
