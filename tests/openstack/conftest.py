"""Fixtures of the instance-HA tests: a real Nova per test (slow tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from iha_box import NovaBox, ensure_nova_venv


def pytest_configure(config: pytest.Config) -> None:
    # openstacksdk warns about its own deprecations on every resource access.
    config.addinivalue_line("filterwarnings", "ignore::Warning:openstack.*")


@pytest.fixture(scope="session")
def nova_venv() -> Path:
    """The python of .venv-nova, built on first use (once across xdist workers)."""
    return ensure_nova_venv()


@pytest.fixture
def nova_box(nova_venv: Path, tmp_path: Path) -> Iterator[NovaBox]:
    """A fresh Nova (API, conductor, scheduler, placement, host1..host3) for one test."""
    box = NovaBox(tmp_path, hosts=3)
    try:
        yield box
    finally:
        box.close()
