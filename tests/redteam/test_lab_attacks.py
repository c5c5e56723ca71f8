"""Attacks on how labs 03, 06, 16, 17 and 18 gather evidence, each graded beside its control.

Lab 03: a notebook that redefines `run_tests`, a test that recognises the shipped module by its
code, a test that raises the module it was given, and a test that fails with the source of
every module it was handed (the echo attack). Lab 06: indexes whose keys eat memory.
Lab 16: a notebook that answers the grader's job requests itself, reporting a clean stop for a
program that ignores SIGTERM. Labs 16, 17 and 18: YAML answers whose aliases expand to 10**10
values, for the grader's validators and linters to walk.
Each lab is graded once with `prodev grade` in the bwrap sandbox, in its one batch
(tests/content/lab_batches.py); every attack scores no more than its control on every question,
and no hidden mutant's text reaches results or feedback.
"""

from __future__ import annotations

import json

import pytest
from lab_batches import batch
from redteam.labcorpus import HIDDEN_MUTANT_MARKERS, cases

CASES = cases()
LABS = sorted({case.lab for case in CASES.values()})
pytestmark = [pytest.mark.timeout(1800), pytest.mark.needs_bwrap]


@pytest.mark.parametrize(("lab", "name"), sorted((case.lab, name) for name, case in CASES.items()))
def test_an_attack_scores_no_more_than_its_control(lab, name):
    graded = batch(lab)
    attack, control = graded.scores(name), graded.scores(f"{name}_control")
    assert set(attack) == set(control)
    raised = {q: (attack[q], control[q]) for q in attack if attack[q] > control[q]}
    assert not raised, f"{name} scores more than its control: {raised}"


@pytest.mark.parametrize("lab", LABS)
def test_no_hidden_mutant_reaches_results_or_feedback(lab):
    from autograder.results.feedback import write_feedback

    graded = batch(lab)
    pages = write_feedback(graded.root / "results", lab)
    texts = [p.read_text() for p in pages]
    texts += [p.read_text() for p in (graded.root / "results" / lab).glob("*.json")]
    for marker in HIDDEN_MUTANT_MARKERS:
        escaped = json.dumps(marker)[1:-1]  # as it would stand inside a JSON string
        assert not any(marker in text or escaped in text for text in texts), marker


@pytest.mark.parametrize("lab", LABS)
def test_the_grader_keeps_its_memory(lab):
    # Lab 06 once applied students' indexes in the grader: 181 MB grew to 903 MB for one student.
    graded = batch(lab)
    assert graded.peak_mb < 700, f"the grader peaked at {graded.peak_mb:.0f} MB"
