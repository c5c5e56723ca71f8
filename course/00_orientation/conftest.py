"""Keep the project's own test run out of checks/: those are the practice question's checks,
which `prodev.check()` runs with the fixtures they need (`student`, `stayhub`)."""

from pathlib import Path


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    """Skip checks/ unless pytest was started by prodev's check runner (its own ini file)."""
    started_by_prodev = config.inipath is not None and config.inipath.name == "checks.ini"
    if collection_path.name == "checks" and not started_by_prodev:
        return True
    return None
