"""Forged probe observations gain nothing: each forgery in probe_forgeries.py, graded by `prodev
grade` in the bwrap sandbox beside its control (the same wrong answer without the trick) and the
reference, scores no more on its question than the control, and the control scores less than
the reference (so the comparison means something)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labs_harness import with_answer  # noqa: E402
from probe_forgeries import FORGERIES, ROOT, Forgery  # noqa: E402

from autograder.isolation.sandbox import bwrap_works  # noqa: E402
from prodev.course.paths import data_dir  # noqa: E402

BWRAP_OK, BWRAP_WHY = bwrap_works()
pytestmark = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")


def _submit(root: Path, student: str, lab: str, nb: dict) -> None:
    folder = root / "submitted" / student / lab
    shutil.copytree(ROOT / "labs" / lab, folder)
    (folder / f"{lab}.ipynb").write_text(json.dumps(nb))


@functools.cache
def graded(lab: str, root: Path) -> dict[str, dict[str, float]]:
    """Per student, per question: the score of one `prodev grade` batch of the lab's
    reference and of each forgery and its control."""
    shutil.copytree(ROOT / "solutions" / lab, root / "solutions" / lab)
    shutil.copytree(ROOT / "autograder" / "checks" / lab, root / "autograder" / "checks" / lab)
    reference = json.loads((ROOT / "solutions" / lab / f"{lab}.ipynb").read_text())
    _submit(root, "reference", lab, reference)
    for forgery in (f for f in FORGERIES if f.lab == lab):
        control = with_answer(reference, forgery.question, forgery.control_source())
        attack = with_answer(reference, forgery.question, forgery.attack_source())
        _submit(root, f"control_{forgery.name}", lab, control)
        _submit(root, forgery.name, lab, attack)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prodev",
            "grade",
            lab,
            "--root",
            str(root),
            "--jobs",
            "2",
            "--sandbox",
            "bwrap",
            "--timeout",
            "120",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=900,
        # The checkout's data folder, as the in-process graders of the other tests use: the
        # course's PostgreSQL runs as its own user, which cannot reach a folder under pytest's
        # private temporary root (mode 0700).
        env={**os.environ, "PRODEV_DATA_DIR": str(data_dir())},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    scores: dict[str, dict[str, float]] = {}
    for path in (root / "results" / lab).glob("*.json"):
        tests = json.loads(path.read_text())["tests"]
        per_question: dict[str, float] = {}
        for test in tests:
            question = test["name"].split(":", 1)[0]
            per_question[question] = per_question.get(question, 0.0) + float(test["score"])
        scores[path.stem] = per_question
    return scores


def _param(forgery: Forgery):
    marks = []
    if forgery.known_gap:
        marks.append(pytest.mark.xfail(reason=forgery.known_gap, strict=True))
    return pytest.param(forgery, id=f"{forgery.lab}-{forgery.name}", marks=marks)


@pytest.mark.parametrize("forgery", [_param(f) for f in FORGERIES])
def test_a_forged_observation_scores_no_more_than_the_same_answer_without_it(
    forgery: Forgery, tmp_path_factory
):
    scores = graded(forgery.lab, tmp_path_factory.getbasetemp() / f"forging_{forgery.lab}")
    q = forgery.question
    full, control, attack = (
        scores["reference"][q],
        scores[f"control_{forgery.name}"][q],
        scores[forgery.name][q],
    )
    assert control < full, f"the control {forgery.wrong} does not lose points on {q}"
    assert attack <= control, (
        f"{forgery.name} scored {attack} on {q}, more than the same answer without the trick "
        f"({control})"
    )
