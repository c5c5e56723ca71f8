"""Every lab graded for real: `prodev grade` in the bwrap sandbox gives the reference notebook
full marks and the blank release zero. This proves each lab's checks work across the sandbox
boundary (services forwarded in, datasets mounted, probes decoded), not just in-process.

Each lab is graded in a scratch course of its own (never the checkout's gradebook or results),
a few labs at a time: grading mostly waits on the checks' timers and servers, so labs side by
side finish sooner than one after the other on the same cores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prodev.course.layout import Course
from prodev.course.paths import data_dir

ROOT = Path(__file__).resolve().parents[2]
COURSE = Course.load(ROOT)
LABS = COURSE.labs()
LABS_AT_ONCE = 3
# The module's fixture grades every lab before its first test runs: more than the suite's 600 s
# per test on a busy machine, though each `prodev grade` is bounded by its own limits.
pytestmark = pytest.mark.timeout(1800)
STUDENTS = ("reference", "blank")


def add_lab(root: Path, lab: str) -> None:
    """The lab's source, public and hidden checks, and two submissions of the whole released
    folder (as nbgrader collects it): the reference notebook and the blank release."""
    shutil.copytree(COURSE.lab(lab).source_dir, root / "solutions" / lab)
    hidden = COURSE.lab(lab).hidden_checks
    if hidden.is_dir():
        shutil.copytree(hidden, root / "autograder" / "checks" / lab)
    for student, notebook in (
        ("reference", ROOT / "solutions" / lab / f"{lab}.ipynb"),
        ("blank", ROOT / "labs" / lab / f"{lab}.ipynb"),
    ):
        folder = root / "submitted" / student / lab
        shutil.copytree(ROOT / "labs" / lab, folder)
        shutil.copy(notebook, folder / f"{lab}.ipynb")


def start_grading(root: Path, lab: str, index: int) -> subprocess.Popen:
    """`prodev grade` of one lab's course, its output in grade.log. Its sandboxes get uids of
    their own: graders side by side need disjoint uid ranges (autograder/config.py), here inside
    this test worker's range. The datasets are the checkout's, built once for every lab."""
    base = int(os.environ.get("PRODEV_SANDBOX_UID", "61000"))
    env = dict(os.environ, PRODEV_SANDBOX_UID=str(base + 4 * (index + 1)),
               PRODEV_DATA_DIR=str(data_dir()), PLOOMBER_STATS_ENABLED="false",
               PLOOMBER_VERSION_CHECK_DISABLED="true")  # fmt: skip
    command = [sys.executable, "-m", "prodev", "--root", str(root), "grade", lab,
               "--jobs", "2", "--sandbox", "bwrap", "--timeout", "120"]  # fmt: skip
    with open(root / "grade.log", "w") as log:  # the child keeps its own copy of the handle
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)


def results_of(root: Path, lab: str) -> dict:
    """student -> results document, and "log" -> what `prodev grade` printed."""
    found: dict = {"log": (root / "grade.log").read_text(encoding="utf-8")}
    for student in STUDENTS:
        path = root / "results" / lab / f"{student}.json"
        if path.is_file():
            found[student] = json.loads(path.read_text(encoding="utf-8"))
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bwrap) -> dict[str, dict]:
    """lab -> {student: results document}, LABS_AT_ONCE labs graded at a time."""
    roots = {lab: tmp_path_factory.mktemp(lab) for lab in LABS}
    for lab, root in roots.items():
        add_lab(root, lab)
    waiting, running, found = list(enumerate(LABS)), {}, {}
    while waiting or running:
        while waiting and len(running) < LABS_AT_ONCE:
            index, lab = waiting.pop(0)
            running[lab] = start_grading(roots[lab], lab, index)
        for lab in [lab for lab, process in running.items() if process.poll() is not None]:
            del running[lab]
            found[lab] = results_of(roots[lab], lab)
        time.sleep(0.2)
    return found


@pytest.mark.parametrize("lab", LABS)
def test_reference_scores_full_marks_and_blank_scores_zero(lab, graded):
    assert set(STUDENTS) <= set(graded[lab]), f"{lab} was not graded:\n{graded[lab]['log']}"
    reference, blank = graded[lab]["reference"], graded[lab]["blank"]
    failed = [f"{t['name']}: {t.get('output', '')}" for t in reference["tests"]
              if t["score"] < t["max_score"]]  # fmt: skip
    assert reference["score"] == reference["max_score"] > 0, "\n".join(failed)
    assert blank["score"] == 0
    assert blank["max_score"] == reference["max_score"]
