"""What the red-team batch wrote, read as an instructor or a student would: no hidden check's
text, hidden seed, hidden input or stored student HTML reaches results/, feedback/ or autograded/,
and each containment case left the trace it should (a reason, a cleared copy).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minicourse as mc  # noqa: E402
from conftest import LIMITS  # noqa: E402
from corpus import CLASS_MARKER, ECHO_MARKER, XSS_MARKER  # noqa: E402

from autograder.config import SAMPLE_HIDDEN_SEED as HIDDEN_SEED  # noqa: E402
from autograder.results.feedback import write_feedback  # noqa: E402

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
    assert document["check_seconds"] < LIMITS.checking_seconds + 6
    # ... and only that submission: the control graded after it kept its full marks.
    assert redteam["report"].documents["zz_control"]["score"] == sum(mc.POINTS.values())
