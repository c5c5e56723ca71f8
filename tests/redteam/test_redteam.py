"""Adversarial submissions gain nothing, harm no one else, and leak nothing.

One batch (two parallel sandboxes, a 10 s notebook limit) grades every attack in corpus.py with
three controls: two reference notebooks and a blank one. The second half reads what the batch
wrote as an instructor or a student would: no hidden check's text, hidden seed, hidden input or
stored student HTML reaches results/, feedback/ or autograded/, and each containment case left
the trace it should (a reason, a cleared copy).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minicourse as mc  # noqa: E402
from conftest import ENV_MARKER, PRIVATE_MARKER  # noqa: E402
from corpus import ATTACKS, CLASS_MARKER, ECHO_MARKER, XSS_MARKER  # noqa: E402

from autograder.config import SAMPLE_HIDDEN_SEED as HIDDEN_SEED  # noqa: E402
from autograder.results.feedback import write_feedback  # noqa: E402


def question_scores(redteam, student: str) -> dict[str, float]:
    document = redteam["report"].documents[student]
    return {q: t["score"] for q, t in document["questions"].items()}


def why_scored(document: dict) -> str:
    """The reasons and notes behind a submission's scores, for a failure message."""
    reasons = {q: t.get("reason") for q, t in document["questions"].items()}
    return f"reasons {reasons}; notes {document.get('notes')}"


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_scores_its_question_like_a_blank_answer_and_nothing_else(redteam, name):
    attack = ATTACKS[name]
    blank = question_scores(redteam, "blank")
    got = question_scores(redteam, name)
    expected = {q: blank[q] if q in attack.attacked else float(p) for q, p in mc.POINTS.items()}
    document = redteam["report"].documents[name]
    assert got == expected, why_scored(document)
    for question in attack.attacked:
        assert document["questions"][question]["reason"], "a zero without a reason"


def test_the_blank_notebook_scores_zero_everywhere(redteam):
    assert set(question_scores(redteam, "blank").values()) == {0.0}


def test_other_submissions_in_the_batch_keep_full_marks(redteam):
    full = {q: float(p) for q, p in mc.POINTS.items()}
    assert question_scores(redteam, "aa_control") == full
    assert question_scores(redteam, "zz_control") == full
    assert not redteam["report"].failed


def test_looping_notebooks_are_stopped_at_their_limit(redteam):
    # The batch ends because each loop is cut off by the notebook's time limit, and says so
    # (how long that takes is the benchmarks' business, not a test's).
    notes = redteam["report"].documents["endless_loop"]["notes"]
    assert any("ran past the notebook's time limit" in note for note in notes), notes
    reason = redteam["report"].documents["endless_call"]["questions"]["q2"]["reason"]
    assert "did not answer within" in reason, reason


def test_no_process_survives_the_batch(redteam):
    assert redteam["leftovers"] == []


def test_no_file_appears_outside_the_results_folder(redteam):
    root, marker = redteam["root"], redteam["marker"]
    assert redteam["after"] == redteam["before"]
    assert not Path("/tmp", marker).exists() and not (Path.home() / marker).exists()
    assert not list(root.rglob(f"*{marker}*"))
    results = sorted(p.name for p in (root / "results" / mc.LAB).iterdir())
    students = sorted([*ATTACKS, "aa_control", "zz_control", "blank"])
    # lab-versions/: the grader's own fingerprints of the lab's files, for explaining regrades
    assert results == sorted([f"{s}.json" for s in students] + ["grades.csv", "lab-versions"])
    versions = list((root / "results" / mc.LAB / "lab-versions").iterdir())
    assert len(versions) == 1 and re.fullmatch(r"[0-9a-f]{64}\.json", versions[0].name)


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


# ---- what the batch wrote ---------------------------------------------------------------

# The hidden checks' own text, what their inputs would echo as, and the student's stored HTML.
FORBIDDEN = [
    mc.HIDDEN_MARKER,
    "SECRET_EXPECTATION",
    f"{ECHO_MARKER}-7",
    CLASS_MARKER,
    XSS_MARKER,
    "<script",
    f"seed{HIDDEN_SEED}",
]
# The seed as a number on its own (not inside a hex digest, which may contain any digits).
SEED = re.compile(rf"(?<![0-9a-fA-F]){HIDDEN_SEED}(?![0-9a-fA-F])")


def written_files(root: Path, pages: Path) -> list[Path]:
    write_feedback(root / "results", mc.LAB, target=pages)  # as students will see them
    folders = [root / "results", root / "feedback", root / "autograded", pages]
    return [p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()]


def test_nothing_hidden_or_student_html_reaches_any_written_file(redteam, tmp_path):
    root = redteam["root"]
    files = written_files(root, tmp_path / "feedback")
    assert len([p for p in files if p.is_relative_to(tmp_path)]) == len(redteam["report"].documents)
    assert any(p.is_relative_to(root / "autograded") for p in files)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in FORBIDDEN:
            assert secret not in text, f"{secret!r} reached {path}"
        assert not SEED.search(text), f"the hidden seed reached {path}"


def test_the_containment_attacks_ran_as_written(redteam):
    # An attack whose cell fails to run proves nothing: these must run without an error.
    for name in ("hidden_names", "half_request", "nan_answer", "exception_echo", "html_output"):
        assert redteam["report"].documents[name]["cell_errors"] == [], name


def test_a_public_check_may_still_show_the_exception_message(redteam):
    # The public check calls double(3): its message is the student's own, truncated.
    document = redteam["report"].documents["exception_echo"]
    public = [t["output"] for t in document["tests"] if t["visibility"] == "visible"]
    assert any(f"{ECHO_MARKER}3" in out for out in public)
    hidden = [t["output"] for t in document["tests"] if t["visibility"] != "visible"]
    assert "your code raised ValueError" in hidden


def test_an_exception_class_of_the_notebooks_own_is_not_named_in_hidden_output(redteam):
    document = redteam["report"].documents["exception_class_name"]
    hidden = [t["output"] for t in document["tests"] if t["visibility"] != "visible"]
    assert "your code raised an exception" in hidden


def test_the_autograded_copy_has_no_outputs(redteam):
    copy = redteam["root"] / "autograded" / "html_output" / mc.LAB
    notebook = json.loads((copy / f"{mc.LAB}.ipynb").read_text())
    assert all(not c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code")
    assert (copy / "timestamp.txt").is_file()
    assert sorted(p.name for p in copy.iterdir()) == [f"{mc.LAB}.ipynb", "timestamp.txt"]


def test_a_timestamp_that_does_not_parse_is_a_reason_not_a_crash(redteam):
    document = redteam["report"].documents["bad_timestamp"]
    assert "timestamp" not in document
    assert any("timestamp.txt" in note for note in document["notes"])
    assert document["score"] == document["max_score"]


def test_a_symlinked_student_folder_is_skipped_with_a_reason(redteam):
    document = redteam["report"].documents["symlinked_folder"]
    assert document["score"] == 0
    assert "symbolic link" in document["output"]
    assert not (redteam["root"] / "autograded" / "symlinked_folder").exists()


def test_a_notebook_that_answers_slowly_is_cut_off_by_the_checking_deadline(redteam):
    # Its ~9 requests at 4 s each would hold the batch's checks for over 36 s; the deadline is 20.
    document = redteam["report"].documents["slow_answers"]
    assert any("ran past their limit of 20 s" in n for n in document["notes"])
    # ... and only that submission: the control graded after it kept its full marks.
    assert redteam["report"].documents["zz_control"]["score"] == sum(mc.POINTS.values())


def test_tampering_is_neutralised_and_reported(redteam):
    notes = redteam["report"].documents["edited_points_and_locked_cells"]["notes"]
    integrity = [n for n in notes if n.startswith("integrity:")]
    assert any("`setup` was edited" in n for n in integrity), notes
    assert any("`q3_check` was edited" in n for n in integrity), notes
    assert any("points of `q1_check` were changed from" in n and "to 1000" in n for n in integrity)
    assert not any(
        n.startswith("integrity:") for n in redteam["report"].documents["aa_control"]["notes"]
    )
