"""Every lab graded for real: the grading engine in the bwrap sandbox gives the reference notebook
full marks and the blank release zero. This proves each lab's checks work across the sandbox
boundary (services forwarded in, datasets mounted, probes decoded), not just in-process.

One scratch course holds every lab, graded in one batch by one process (datasets prepared once,
no interpreter started per lab); the engine still starts its sandboxes once per lab."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograder.config import Limits
from autograder.runner import Grader
from prodev.course.layout import Course

ROOT = Path(__file__).resolve().parents[2]
COURSE = Course.load(ROOT)
LABS = COURSE.labs()


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


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bwrap) -> dict[str, dict]:
    """lab -> {student: results document}, every lab graded in a scratch course (never the
    checkout's gradebook or results)."""
    root = tmp_path_factory.mktemp("course")
    for lab in LABS:
        add_lab(root, lab)
    found = {}
    with open(os.devnull, "w") as quiet:
        for lab in LABS:
            report = Grader(
                lab, root=root, jobs=2, sandbox="bwrap", limits=Limits().with_timeout(120),
                progress=quiet,
            ).grade(root / "submitted")  # fmt: skip
            found[lab] = dict(report.documents)
    return found


@pytest.mark.parametrize("lab", LABS)
def test_reference_scores_full_marks_and_blank_scores_zero(lab, graded):
    reference, blank = graded[lab]["reference"], graded[lab]["blank"]
    failed = [f"{t['name']}: {t.get('output', '')}" for t in reference["tests"]
              if t["score"] < t["max_score"]]  # fmt: skip
    assert reference["score"] == reference["max_score"] > 0, "\n".join(failed)
    assert blank["score"] == 0
    assert blank["max_score"] == reference["max_score"]
