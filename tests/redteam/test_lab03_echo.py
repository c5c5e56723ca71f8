"""Lab 03, the echo attack: a test that fails with the source of every module it was handed
(captured by re-registering the notebook's module decoder) would copy the hidden mutants, word
for word, into the failure message that a hidden check reports. Graded in the sandbox next to a
control whose extra test fails with a plain message; neither may leak a mutant, and the attack
may not score more than the control.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from autograder.config import Limits
from autograder.isolation.sandbox import bwrap_works
from autograder.runner import Grader
from prodev.course.paths import project_root

LAB = "lab03_testing"
# Edits only the hidden checks make to the component (see autograder/checks/lab03_testing/).
MUTANT_LINES = [
    "if exc.code == 410:",
    'return Decimal("1")',
    "tiers = ((28, MONTHLY_DISCOUNT)",
    "cents = (amount * rate * 100)",
    'if night.strftime("%w")',
    "return abs((check_out - check_in).days)",
    "EXTRA_GUEST_FEE * min(count, 28)",
    "y + y // 4 - y // 100",
    "for i in range(1, count + 1)",
    "MONTHLY_DISCOUNT * count / 28",
]

CAPTURE = """

from prodev.runtime.registry import default_registry as _registry

_sources = []
_build = _registry().decoders["module"]


def _capture(spec):
    _sources.append(spec["source"])
    return _build(spec)


_registry().register_decoder("module", _capture)


def _leak(self, pricing):
    raise AssertionError(" || ".join(_sources)[-4000:])


TestRatesClient.test_zz_report = _leak
"""

CONTROL = """


def _fails(self, pricing):
    raise AssertionError("this test always fails")


TestRatesClient.test_zz_report = _fails
"""


def submit(folder: Path, student: str, extra: str) -> None:
    source = project_root() / "solutions" / LAB / f"{LAB}.ipynb"
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q5":
            cell["source"] = "".join(cell["source"]) + extra
    target = folder / student / LAB / f"{LAB}.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(notebook))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    ok, why = bwrap_works()
    if not ok:
        pytest.skip(f"bubblewrap unusable here: {why}")
    folder = tmp_path_factory.mktemp("lab03-echo")
    submit(folder / "submitted", "echo_attack", CAPTURE)
    submit(folder / "submitted", "echo_control", CONTROL)
    report = Grader(
        LAB, out=folder / "results", jobs=2, sandbox="bwrap", gradebook=False,
        limits=Limits(timeout=60, request_timeout=20), progress=open(os.devnull, "w"),  # noqa: SIM115
    ).grade(folder / "submitted")  # fmt: skip
    return folder, report


def test_the_attack_scores_no_more_than_its_control(graded):
    _folder, report = graded
    attack, control = report.documents["echo_attack"], report.documents["echo_control"]
    assert attack["questions"]["q5"]["score"] <= control["questions"]["q5"]["score"]
    assert attack["score"] <= control["score"]


def test_no_hidden_mutant_reaches_results(graded):
    folder, _report = graded
    texts = [p.read_text() for p in (folder / "results").rglob("*") if p.is_file()]
    assert texts
    for text in texts:
        for line in MUTANT_LINES:
            assert line not in text and json.dumps(line)[1:-1] not in text, line
