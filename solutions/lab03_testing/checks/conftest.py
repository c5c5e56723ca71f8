"""Fixtures for the public checks of lab 03: the source of the correct component."""

from pathlib import Path

import pytest

from prodev.probes.mutants import component_source

LAB_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def reference() -> str:
    """The source of stayhub_pricing.py, the correct implementation the lab ships."""
    try:
        return component_source("lab03_testing", "stayhub_pricing.py", beside=LAB_DIR)
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
