"""Every lab graded for real: `prodev grade` in the bwrap sandbox gives the reference notebook
full marks and the blank release zero. This proves each lab's checks work across the sandbox
boundary (services forwarded in, datasets mounted, probes decoded), not just in-process.

Each lab is graded in one batch with the red team's submissions aimed at it (lab_batches.py)."""

from __future__ import annotations

import pytest
from lab_batches import COURSE, batch

# A lab's batch is graded before its first test here: more than the suite's 600 s per test on a
# busy machine, though `prodev grade` is bounded by its own limits.
pytestmark = [pytest.mark.timeout(1800), pytest.mark.needs_bwrap]


@pytest.mark.parametrize("lab", COURSE.labs())
def test_reference_scores_full_marks_and_blank_scores_zero(lab):
    graded = batch(lab)
    assert {"reference", "blank"} <= set(graded.results), f"{lab} was not graded:\n{graded.log}"
    reference, blank = graded.results["reference"], graded.results["blank"]
    failed = [f"{t['name']}: {t.get('output', '')}" for t in reference["tests"]
              if t["score"] < t["max_score"]]  # fmt: skip
    assert reference["score"] == reference["max_score"] > 0, "\n".join(failed)
    assert blank["score"] == 0
    assert blank["max_score"] == reference["max_score"]


@pytest.mark.parametrize("lab", COURSE.labs())
def test_the_batch_grades_every_submission(lab):
    graded = batch(lab)
    assert graded.returncode == 0, graded.log[-3000:]
    assert sorted(graded.results) == sorted(graded.students)
