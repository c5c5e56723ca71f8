"""Fresh jobs in the bwrap sandbox: run where no student code ran, leave nothing for the next one,
and answer from the warm parent, whatever the notebook's own process does."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from autograder.config import Limits
from autograder.isolation.sandbox import (
    SERVICES_DIR_INSIDE,
    LocalProcess,
    SandboxPlan,
    bwrap_command,
    bwrap_works,
)
from autograder.isolation.session import RemoteStudent, WorkerSlot

BWRAP_OK, BWRAP_WHY = bwrap_works()
pytestmark = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")

COMPONENT = "def double(x):\n    return 2 * x\n"
MUTANT = "def double(x):\n    return x + x + (x == 3)\n"
SETUP = "import pytest\nfrom pathlib import Path\n"
# A class that passes only the first time it runs in a sandbox whose /tmp is not wiped.
ONCE = """
class TestDouble:
    def test_first_run_here(self, component):
        note = Path("/tmp/ran-before")
        assert not note.exists(), "a run before this one left a note"
        note.write_text("x")
        assert component.double(2) == 4
"""
# The notebook's process tries to answer fresh jobs itself.
FORGE = """
from prodev.runtime.registry import default_registry
default_registry().register_op("fresh", lambda *a: {"exit": 0, "timed_out": False, "report": {}})
"""


@pytest.fixture(scope="module")
def slot():
    limits = Limits(timeout=30, request_timeout=10)
    work = Path(tempfile.mkdtemp(prefix="prodev-fresh-"))
    os.chmod(work, 0o755)
    services = work / "services"
    services.mkdir()
    os.chmod(services, 0o755)
    argv = bwrap_command(SandboxPlan.for_this_python([]), 0, limits, services)
    slot = WorkerSlot(lambda: LocalProcess(argv, limits), limits, services, SERVICES_DIR_INSIDE)
    slot.start()
    yield slot
    slot.stop()


def suite_job(student: RemoteStudent, source: str = COMPONENT) -> dict:
    return student.ask(
        {
            "op": "fresh",
            "job": "suite",
            "with_cells": True,
            "payload": {"suite": "TestDouble", "module": "component", "source": source},
        }
    )


def test_runs_share_no_files(slot):
    slot.run([SETUP, ONCE])
    student = RemoteStudent(slot)
    assert [suite_job(student)["exit"] for _ in range(3)] == [0, 0, 0]


def test_a_job_gets_the_locked_and_answer_cells_only(slot):
    slot.run([SETUP, ONCE], job_cells=[0])  # the class sits in an extra cell
    assert suite_job(RemoteStudent(slot))["exit"] == 3  # missing


def test_the_notebook_cannot_answer_for_a_job(slot):
    slot.run([SETUP, FORGE, "class TestDouble:\n    pass\n"], job_cells=[0, 2])
    student = RemoteStudent(slot)
    assert suite_job(student)["exit"] == 5  # no tests, said by the job, not the notebook
    reply = json.loads(slot.ask({"op": "has", "name": "TestDouble"}))
    assert reply == {"ok": True, "value": True}  # the notebook ran again for ordinary requests


def test_the_verdict_follows_the_implementation(slot):
    tests = (
        "class TestDouble:\n    def test_three(self, component):\n"
        "        assert component.double(3) == 6\n"
    )
    slot.run([SETUP, tests])
    student = RemoteStudent(slot)
    assert suite_job(student, COMPONENT)["exit"] == 0
    assert suite_job(student, MUTANT)["exit"] == 1
