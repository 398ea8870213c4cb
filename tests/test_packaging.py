"""The pins, the conda environment, pyproject and the README agree with each other and with what
is installed."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from course_lib.grading.grader import REPO_ROOT

try:
    import tomllib
except ImportError:  # Python 3.10: the same parser, vendored by pip
    from pip._vendor import tomli as tomllib
from course_lib.nbrun import notebooks

PIN = re.compile(r"^\s*(?:-\s*)?([A-Za-z0-9][A-Za-z0-9_.-]*)==([^\s#;]+)\s*(?:#.*)?$")


def pins(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        m = PIN.match(line)
        if m:
            found[canonicalize_name(m.group(1))] = m.group(2)
    return found


REQUIREMENTS = pins((REPO_ROOT / "requirements.txt").read_text())
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def test_every_requirement_line_is_an_exact_pin():
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert PIN.match(line), f"not an exact pin: {line!r}"
    assert len(REQUIREMENTS) >= 10


def test_environment_yml_has_the_same_pins():
    env = pins((REPO_ROOT / "environment.yml").read_text())
    assert env == REQUIREMENTS


def test_pins_helper_sees_a_difference():
    changed = (REPO_ROOT / "environment.yml").read_text().replace("numpy==2.2.6", "numpy==2.3.0")
    assert pins(changed) != REQUIREMENTS


# Optional cross-check libraries (Presidio, pycanon) pin their own exact numpy/pandas versions, so they
# live in this extra, outside the pinned course environment; tests that use them skip when absent.
UNPINNED_EXTRAS = {"crosscheck"}


def _declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    reqs = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        if name not in UNPINNED_EXTRAS:
            reqs += extra
    return [Requirement(r) for r in reqs]


def test_crosscheck_extra_stays_out_of_the_pinned_environment():
    extra = PYPROJECT["project"].get("optional-dependencies", {}).get("crosscheck", [])
    names = {canonicalize_name(Requirement(r).name) for r in extra}
    assert not names & set(REQUIREMENTS), "a cross-check library leaked into requirements.txt"


def test_pyproject_declares_every_pin_and_every_pin_satisfies_it():
    declared = {canonicalize_name(r.name): r for r in _declared()}
    assert set(declared) == set(REQUIREMENTS)
    for name, req in declared.items():
        assert req.specifier.contains(REQUIREMENTS[name], prereleases=True), (name, req)


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_installed_versions_are_the_pinned_ones(name):
    try:
        installed = Version(version(name))
    except PackageNotFoundError:
        pytest.fail(f"{name} is pinned but not installed: run `python3 course.py setup`")
    assert installed.public == Version(REQUIREMENTS[name]).public, name


def test_torch_pin_is_the_cpu_build_that_the_course_expects():
    assert REQUIREMENTS["torch"] == "2.13.0"


README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands_and_ci_calls_the_test_one():
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", README, re.DOTALL)
    commands = [ln.strip() for b in blocks[:1] for ln in b.splitlines()
                if ln.strip() and not ln.strip().startswith("#")]
    assert commands == ["python3 course.py lab", "python3 course.py test"]
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "python3 course.py test" in ci


def test_readme_syllabus_lists_every_notebook():
    for nb in notebooks():
        assert f"notebooks/{nb.name}" in README, f"README syllabus misses {nb.name}"
    rows = re.findall(r"^\|\s*(\d{2})\s*\|", README, re.MULTILINE)
    assert rows[:8] == ["00", "01", "02", "03", "04", "05", "06", "07"]
