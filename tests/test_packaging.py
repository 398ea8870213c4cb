"""The pins, the conda environment, pyproject and the README agree with each other and with what
is installed."""

from __future__ import annotations

import importlib.util
import re
import sys
from importlib.metadata import PackageNotFoundError, version

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from course_lib.grading.grader import REPO_ROOT

try:
    import tomllib
except ImportError:  # Python 3.10: the same parser, vendored by pip
    from pip._vendor import tomli as tomllib
from course_lib.nbrun import notebooks

# name==version, optionally `; marker` (requirements.txt pins a package per Python that way), then a comment
PIN = re.compile(r"^\s*(?:-\s*)?([A-Za-z0-9][A-Za-z0-9_.-]*)==([^\s#;]+)\s*(?:;([^#]*))?(?:#.*)?$")


def pins(text: str, python: str | None = None) -> dict[str, str]:
    """The pinned version of each package for one Python ("3.10"; None: this interpreter)."""
    env = None if python is None else {"python_version": python, "python_full_version": python + ".0"}
    found = {}
    for line in text.splitlines():
        m = PIN.match(line)
        if not m or (m.group(3) and not Marker(m.group(3)).evaluate(env)):
            continue
        name = canonicalize_name(m.group(1))
        if name in found:
            raise ValueError(f"{name} is pinned twice for Python {python or 'this one'}")
        found[name] = m.group(2)
    return found


def _course_script():
    spec = importlib.util.spec_from_file_location("course_script", REPO_ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COURSE = _course_script()
SUPPORTED = [f"3.{minor}" for minor in range(COURSE.MIN_PYTHON[1], COURSE.MAX_PYTHON[1] + 1)]
REQUIREMENTS_TEXT = (REPO_ROOT / "requirements.txt").read_text()
REQUIREMENTS = pins(REQUIREMENTS_TEXT)  # what this interpreter installs
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
ENVIRONMENT_YML = (REPO_ROOT / "environment.yml").read_text()


def test_every_requirement_line_is_an_exact_pin():
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert PIN.match(line), f"not an exact pin: {line!r}"
    assert len(REQUIREMENTS) >= 10


def test_markers_choose_one_version_per_python():
    text = 'a==1.0; python_version >= "3.11"\na==0.9; python_version < "3.11"  # older Pythons\nb==2.0\n'
    assert pins(text, "3.10") == {"a": "0.9", "b": "2.0"}
    assert pins(text, "3.13") == {"a": "1.0", "b": "2.0"}
    with pytest.raises(ValueError, match="pinned twice"):
        pins("a==1.0\na==0.9; python_version < '3.11'\n", "3.10")


@pytest.mark.parametrize("python", SUPPORTED)
def test_every_supported_python_gets_exactly_one_version_of_every_package(python):
    assert set(pins(REQUIREMENTS_TEXT, python)) == set(REQUIREMENTS)


def test_environment_yml_has_the_pins_for_its_python():
    """Conda files have no markers: environment.yml lists the versions its own Python gets."""
    python = re.search(r"^\s*-\s*python=(3\.\d+)\s*$", ENVIRONMENT_YML, re.MULTILINE).group(1)
    assert python in SUPPORTED
    assert pins(ENVIRONMENT_YML) == pins(REQUIREMENTS_TEXT, python)


def test_pins_helper_sees_a_difference():
    changed = ENVIRONMENT_YML.replace("numpy==2.2.6", "numpy==2.3.0")
    assert pins(changed) != pins(ENVIRONMENT_YML)


# Optional cross-check libraries (Presidio, pycanon) pin their own exact numpy/pandas versions, so they
# live in this extra, outside the pinned course environment; tests that use them skip when absent.
UNPINNED_EXTRAS = {"crosscheck", "federated"}  # federated: flwr needs packaging<26, pinned here at 26


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


@pytest.mark.parametrize("python", SUPPORTED)
def test_pyproject_declares_every_pin_and_every_pin_satisfies_it(python):
    declared = {canonicalize_name(r.name): r for r in _declared()}
    pinned = pins(REQUIREMENTS_TEXT, python)
    assert set(declared) == set(pinned)
    for name, req in declared.items():
        assert req.specifier.contains(pinned[name], prereleases=True), (name, req)


def test_the_supported_pythons_agree_everywhere():
    """course.py's check, pyproject, ruff's target, the README and CI name the same range."""
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    low, high = SUPPORTED[0], SUPPORTED[-1]
    assert [v for v in ["3.9", *SUPPORTED, "3.14"] if requires.contains(v + ".0")] == SUPPORTED
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py" + low.replace(".", "")
    assert f"Python {low}–{high}" in README and f"on {low} and {high}" in README
    assert f"(Python {low}-{high})" in REQUIREMENTS_TEXT.splitlines()[0]
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    legs = re.search(r"^\s*for\s+version\s+in\s+([\d. ]+);", ci, re.MULTILINE)
    assert legs and legs.group(1).split() == [low, high], "CI tests the oldest and newest supported Python"


def test_the_readme_names_every_package_pinned_differently_by_python():
    differing = {name for name in REQUIREMENTS
                 if len({pins(REQUIREMENTS_TEXT, python)[name] for python in SUPPORTED}) > 1}
    for name in differing:
        versions = sorted({pins(REQUIREMENTS_TEXT, python)[name] for python in SUPPORTED})
        assert name in README and all(v in README for v in versions[:-1]), (name, versions)


def test_this_python_is_a_supported_one():
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in SUPPORTED


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
