"""Shared by every test folder: the checkout's root, the `needs_bwrap` marker, the `wait_until`
fixture (the one way tests poll for something to happen) and the mini-course fixtures.

Tiers: tests/unit (pure functions and file checks), tests/integration (real DuckDB, Django and
HTTP servers on 127.0.0.1 in this process), tests/system (whole commands, the sandbox, the
bundle, the browser), tests/content (every lesson and lab graded or executed), tests/redteam
(attacks on the grader, graded in one batch) and tests/docker (images; needs a Docker engine).
pyproject.toml puts tests/ and tests/content/ on sys.path, so helper modules (`redteam.minicourse`,
`labs_harness`) import from any folder.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent

# pytest-xdist workers grade at the same time: each gets its own range of sandbox uids (read by
# autograder.config on import), so one worker's limits and clean-up never touch another's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and "PRODEV_SANDBOX_UID" not in os.environ:
    os.environ["PRODEV_SANDBOX_UID"] = str(61000 + 100 * (int(_WORKER[2:]) + 1))

T = TypeVar("T")


@functools.cache
def bwrap_status() -> tuple[bool, str]:
    """Whether the bubblewrap sandbox works on this machine, and why not (probed once)."""
    from autograder.isolation.sandbox import bwrap_works

    return bwrap_works()


def skip_without_bwrap() -> None:
    ok, why = bwrap_status()
    if not ok:
        pytest.skip(f"bubblewrap cannot run the grading sandbox here ({why}); install bubblewrap "
                    "and allow unprivileged user namespaces to run this test")  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `needs_bwrap` skip before their fixtures build anything."""
    if item.get_closest_marker("needs_bwrap") is not None:
        skip_without_bwrap()


# Test files whose tests grade each lab on its own, and whose ids start with the lab's name, as
# in `test_x[lab04_advanced_sql-q1_wrong.py]`: a lab's tests in all of them go to one worker,
# which grades the lab's variants in its pool (tests/content/labs_harness.py) and its sandboxed
# batch (tests/content/lab_batches.py) once each, side by side.
_PER_LAB_FILES = {
    "tests/content/test_labs.py",
    "tests/content/test_labs_graded.py",
    "tests/redteam/test_probe_forging.py",
    "tests/redteam/test_lab_attacks.py",
}
_LAB_ID = re.compile(r"\[(lab\d+_\w+?)(?:-|\])")


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadfile` (make test), with one refinement: a test file's tests stay on one
    worker (its fixtures are built once, a notebook's cells share a kernel), except that the
    tests of `_PER_LAB_FILES` are scheduled lab by lab, across those files, so the labs spread
    over the workers (each worker then grades only the labs it was given)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ByFileAndLab(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path, _, rest = nodeid.partition("::")
            lab = _LAB_ID.search(rest) if path in _PER_LAB_FILES else None
            return f"lab::{lab.group(1)}" if lab else path

    return ByFileAndLab(config, log)


@pytest.fixture(scope="session")
def bwrap() -> None:
    """For fixtures that grade in the sandbox: skips every test using them where it cannot run."""
    skip_without_bwrap()


def _wait_until(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and return
    that; fail the test after `timeout` seconds, saying what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:g} s: {what or predicate.__name__} never happened")
        time.sleep(interval)


@pytest.fixture(scope="session")
def wait_until() -> Callable[..., object]:
    """`wait_until(predicate, timeout=10, interval=0.05, what="")`: poll until truthy."""
    return _wait_until


@pytest.fixture
def mini_course(tmp_path: Path) -> Path:
    """A scratch course root holding the mini lab (tests/redteam/minicourse.py)."""
    from redteam import minicourse

    return minicourse.build_course(tmp_path)


@pytest.fixture
def mini_dataset(mini_course: Path) -> Callable[..., Path]:
    """`dataset(seed, size)` building the mini lab's tiny DuckDB files under the course root."""
    from redteam import minicourse

    return minicourse.make_dataset(mini_course / "data")
