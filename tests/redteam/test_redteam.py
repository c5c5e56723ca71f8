"""Adversarial submissions gain nothing, harm no one else, and leak nothing.

One batch (two parallel sandboxes, a 10 s notebook limit) grades every attack in corpus.py with
three controls: two reference notebooks and a blank one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minicourse as mc  # noqa: E402
from conftest import ENV_MARKER, PRIVATE_MARKER  # noqa: E402
from corpus import ATTACKS  # noqa: E402

from autograder.results.feedback import write_feedback  # noqa: E402


def question_scores(redteam, student: str) -> dict[str, float]:
    document = redteam["report"].documents[student]
    return {q: t["score"] for q, t in document["questions"].items()}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_scores_its_question_like_a_blank_answer_and_nothing_else(redteam, name):
    attack = ATTACKS[name]
    blank = question_scores(redteam, "blank")
    got = question_scores(redteam, name)
    expected = {q: blank[q] if q in attack.attacked else float(p) for q, p in mc.POINTS.items()}
    assert got == expected
    document = redteam["report"].documents[name]
    for question in attack.attacked:
        assert document["questions"][question]["reason"], "a zero without a reason"


def test_the_blank_notebook_scores_zero_everywhere(redteam):
    assert set(question_scores(redteam, "blank").values()) == {0.0}


def test_other_submissions_in_the_batch_keep_full_marks(redteam):
    full = {q: float(p) for q, p in mc.POINTS.items()}
    assert question_scores(redteam, "aa_control") == full
    assert question_scores(redteam, "zz_control") == full
    assert not redteam["report"].failed


def test_the_batch_finishes_within_its_limits(redteam):
    # Two looping notebooks cost one 10 s limit each (plus a re-run); everything else is quick.
    assert redteam["wall"] < 240, f"the batch took {redteam['wall']:.0f} s"


def test_no_process_survives_the_batch(redteam):
    assert redteam["leftovers"] == []


def test_no_file_appears_outside_the_results_folder(redteam):
    root, marker = redteam["root"], redteam["marker"]
    assert redteam["after"] == redteam["before"]
    assert not Path("/tmp", marker).exists() and not (Path.home() / marker).exists()
    assert not list(root.rglob(f"*{marker}*"))
    results = sorted(p.name for p in (root / "results" / mc.LAB).iterdir())
    students = sorted([*ATTACKS, "aa_control", "zz_control", "blank"])
    assert results == sorted([f"{s}.json" for s in students] + ["grades.csv"])


def test_no_connection_reaches_the_grader_host(redteam):
    assert redteam["listener"].connections == 0


def test_nothing_secret_reaches_results_or_feedback(redteam):
    root = redteam["root"]
    pages = write_feedback(root / "results", mc.LAB)
    texts = [p.read_text() for p in pages]
    texts += [p.read_text() for p in (root / "results" / mc.LAB).glob("*.json")]
    texts += [(root / "results" / mc.LAB / "grades.csv").read_text()]
    secrets = [
        mc.HIDDEN_MARKER,
        mc.GRADEBOOK_MARKER,
        PRIVATE_MARKER,
        ENV_MARKER,
        "SECRET_EXPECTATION",
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    # The attack did run, and what it could see went into its results: only its own environment.
    reads = redteam["report"].documents["reads_secrets"]
    assert any("RuntimeError" in e for e in reads["cell_errors"])
