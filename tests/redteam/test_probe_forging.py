"""Forged probe observations gain nothing: each forgery in probe_forgeries.py, graded by `prodev
grade` in the bwrap sandbox beside its control (the same wrong answer without the trick) and the
reference, in its lab's one batch (tests/content/lab_batches.py), scores no more on its question
than the control, and the control scores less than the reference (so the comparison means
something)."""

from __future__ import annotations

import pytest
from lab_batches import batch
from redteam.probe_forgeries import FORGERIES, Forgery

from autograder.grader_reach import findings

pytestmark = [pytest.mark.timeout(1800), pytest.mark.needs_bwrap]


def _param(forgery: Forgery):
    marks = []
    if forgery.known_gap:
        marks.append(pytest.mark.xfail(reason=forgery.known_gap, strict=True))
    return pytest.param(forgery, id=f"{forgery.lab}-{forgery.name}", marks=marks)


@pytest.mark.parametrize("forgery", [_param(f) for f in FORGERIES])
def test_a_forged_observation_scores_no_more_than_the_same_answer_without_it(forgery: Forgery):
    graded = batch(forgery.lab)
    q = forgery.question
    full, control, attack = (
        graded.scores("reference")[q],
        graded.scores(f"control_{forgery.name}")[q],
        graded.scores(forgery.name)[q],
    )
    assert control < full, f"the control {forgery.wrong} does not lose points on {q}"
    assert attack <= control, (
        f"{forgery.name} scored {attack} on {q}, more than the same answer without the trick "
        f"({control})"
    )


@pytest.mark.parametrize(
    "forgery",
    [pytest.param(f, id=f"{f.lab}-{f.name}") for f in FORGERIES if findings(f.trick)],
)
def test_a_forgery_that_reaches_into_the_grader_is_named_for_review(forgery: Forgery):
    graded = batch(forgery.lab)
    notes = graded.document(forgery.name)["notes"]
    assert any(n.startswith("integrity:") and f"`{forgery.question}" in n for n in notes), notes
    control = graded.document(f"control_{forgery.name}")["notes"]
    assert not any(n.startswith("integrity:") for n in control), control
