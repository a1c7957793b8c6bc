"""The lock files pin what pyproject.toml asks for, so a fresh machine installs exactly what was tested."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
TESTING = [Requirement(line) for line in PROJECT["optional-dependencies"]["test"]]
BUILDING = [Requirement(line) for line in PROJECT["optional-dependencies"]["build"]]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    """Package name (normalised) -> pinned version, from one lock file."""
    text = (ROOT / "deploy" / name).read_text()
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


@pytest.mark.parametrize(
    ("lock", "wanted"),
    [("requirements.lock", RUNTIME + BUILDING), ("requirements-test.lock", RUNTIME + TESTING + BUILDING)],
)
def test_every_requirement_is_pinned_within_its_range(lock: str, wanted: list[Requirement]) -> None:
    """Each dependency in pyproject.toml has a pin in the lock, and the pinned version satisfies its range."""
    pinned = pins(lock)
    for requirement in wanted:
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is missing from deploy/{lock}: regenerate it (README)"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement} but {lock} pins {version}"


def test_runtime_lock_agrees_with_the_test_lock() -> None:
    """What runs in production is exactly what the tests ran with."""
    runtime, tested = pins("requirements.lock"), pins("requirements-test.lock")
    assert {name: tested.get(name) for name in runtime} == runtime


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-test.lock"])
def test_every_pin_carries_hashes(lock: str) -> None:
    """pip installs with --require-hashes, so every pinned package must list its hashes."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "deploy" / lock).read_text().split("\n\n", 1)[-1])
    unhashed = [entry.split(" ", 1)[0] for entry in entries if "==" in entry and "--hash=sha256:" not in entry]
    assert unhashed == []
