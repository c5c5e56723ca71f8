"""Grading a batch end to end: sandboxed runs, checks, results files, grades.csv, gradebook,
resuming after a kill, and the `prodev grade` / `prodev feedback` commands."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redteam import minicourse as mc

from autograder.config import Limits
from autograder.results.feedback import write_feedback
from autograder.results.gradebook import read_scores
from autograder.runner import Grader
from prodev.course.layout import CourseError

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(timeout=10, request_timeout=5)
needs_bwrap = pytest.mark.needs_bwrap


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def grader(root: Path, **options) -> Grader:
    options.setdefault("progress", open(os.devnull, "w"))  # noqa: SIM115
    options.setdefault("limits", LIMITS)
    return Grader(
        mc.LAB,
        root=root,
        jobs=2,
        sandbox="bwrap",
        dataset=mc.make_dataset(root / "data"),
        data_dirs=[root / "data"],
        **options,
    )


@pytest.fixture(scope="module")
def batch(tmp_path_factory, bwrap):
    root = mc.build_course(tmp_path_factory.mktemp("course"))
    mc.submit(root, "alice")
    mc.submit(root, "bob", answers=mc.BLANK)
    mc.submit(root, "carol", answers={"q2": "def double(x):\n    return 6\n"})
    mc.submit(root, "dave", raw=b"{ this is not json")
    before = checksums(root / "submitted")
    report = grader(root).grade(root / "submitted")
    return root, report, before


def test_every_submission_gets_the_grade_its_answers_earn(batch):
    root, report, _ = batch
    scores = {s: d["score"] for s, d in report.documents.items()}
    assert scores == {"alice": 6, "bob": 0, "carol": 5, "dave": 0}
    assert not report.failed
    carol = report.documents["carol"]["questions"]
    assert carol["q2"] == {  # a partial loss gives its reason too: the failed check's message
        "score": 1.0,
        "max_score": 2.0,
        "reason": "double should work for negative numbers too",
    }
    assert carol["q1"]["reason"] is None


def test_results_have_the_gradescope_shape_and_a_reason_for_every_zero(batch):
    root, _, _ = batch
    document = json.loads((root / "results" / mc.LAB / "bob.json").read_text())
    assert {"score", "max_score", "execution_time", "tests"} <= set(document)
    for test in document["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == "failed" and test["output"]
    for question, totals in document["questions"].items():
        assert totals["score"] == 0 and totals["reason"], question
    assert "not defined" in document["questions"]["q2"]["reason"]
    dave = json.loads((root / "results" / mc.LAB / "dave.json").read_text())
    assert "not valid notebook JSON" in dave["questions"]["q1"]["reason"]


def test_hidden_checks_appear_by_generic_names_only(batch):
    root, _, _ = batch
    text = (root / "results" / mc.LAB / "carol.json").read_text()
    assert mc.HIDDEN_MARKER not in text and "test_q2_negative" not in text
    names = [t["name"] for t in json.loads(text)["tests"]]
    assert "q2: hidden check 1" in names and "q2: test_q2_doubles" in names


def test_grades_csv_and_gradebook_hold_the_same_scores(batch):
    root, _, _ = batch
    with open(root / "results" / mc.LAB / "grades.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert rows["carol"]["score"] == "5" and rows["carol"]["q2"] == "1"
    assert read_scores(root, mc.LAB) == {"alice": 6.0, "bob": 0.0, "carol": 5.0, "dave": 0.0}


def test_the_service_a_check_starts_is_reachable_from_the_sandbox(batch):
    _, report, _ = batch
    assert report.documents["alice"]["questions"]["q4"]["score"] == 1


def test_submitted_files_are_never_modified(batch):
    root, _, before = batch
    assert checksums(root / "submitted") == before


def test_rerun_grades_only_changed_submissions(batch):
    root, _, _ = batch
    mc.submit(root, "carol")  # fixed her answer
    report = grader(root, gradebook=False).grade(root / "submitted")
    assert report.graded == ["carol"]
    assert sorted(report.reused) == ["alice", "bob", "dave"]
    assert report.documents["carol"]["score"] == 6
    assert report.reasons == {"carol": "resubmitted"}
    assert len(report.changes) == 1 and report.changes[0].startswith("carol: 5 -> 6 (q")


def test_feedback_pages_show_messages_but_nothing_hidden(batch):
    root, _, _ = batch
    pages = write_feedback(root / "results", mc.LAB)
    assert sorted(p.stem for p in pages) == ["alice", "bob", "carol", "dave"]
    bob = (root / "results" / mc.LAB / "feedback" / "bob.html").read_text()
    assert "not defined" in bob and "q2: hidden check 1" in bob
    for page in pages:
        text = page.read_text()
        assert mc.HIDDEN_MARKER not in text and "SECRET_EXPECTATION" not in text
        assert "def test_" not in text


# ---- the command line --------------------------------------------------------------------------
def prodev(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prodev", *args],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def test_unknown_lab_is_an_instructor_error_that_says_what_exists(tmp_path):
    mc.build_course(tmp_path)
    done = prodev("grade", "lab99_nope", "--root", str(tmp_path), "--submissions", str(tmp_path))
    assert done.returncode == 2
    assert "unknown lab 'lab99_nope'" in done.stderr and mc.LAB in done.stderr


def test_missing_submissions_folder_says_which_layout_is_expected(tmp_path):
    mc.build_course(tmp_path)
    done = prodev("grade", mc.LAB, "--root", str(tmp_path), "--submissions", str(tmp_path / "x"))
    assert done.returncode == 2
    assert "is not a folder" in done.stderr and f"<student>/{mc.LAB}/{mc.LAB}.ipynb" in done.stderr


def _lab04_course(tmp_path: Path) -> Path:
    """A course root holding a copy of lab04 (source and checks), so tests never touch the
    checkout's gradebook or results."""
    lab = "lab04_advanced_sql"
    if not (ROOT / "solutions" / lab / f"{lab}.ipynb").is_file():
        pytest.skip("lab04_advanced_sql is not in solutions/ yet")
    shutil.copytree(ROOT / "solutions" / lab, tmp_path / "solutions" / lab)
    hidden = ROOT / "autograder" / "checks" / lab
    if hidden.is_dir():
        shutil.copytree(hidden, tmp_path / "autograder" / "checks" / lab)
    return tmp_path


def _lab04_submissions(root: Path, students: dict[str, bool]) -> None:
    """Reference answers (True) or the released stubs (False) for each student."""
    lab = "lab04_advanced_sql"
    source = json.loads((root / "solutions" / lab / f"{lab}.ipynb").read_text())
    for student, answered in students.items():
        nb = json.loads(json.dumps(source))
        if not answered:
            for cell in nb["cells"]:
                if cell["metadata"].get("nbgrader", {}).get("solution"):
                    cell["source"] = "# YOUR CODE HERE\nraise NotImplementedError()\n"
        path = root / "submitted" / student / lab / f"{lab}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb))


@needs_bwrap
@pytest.mark.slow
def test_lab04_grading_survives_a_kill_and_finishes_on_rerun(tmp_path, wait_until):
    lab = "lab04_advanced_sql"
    root = _lab04_course(tmp_path)
    _lab04_submissions(root, {"ann": True, "ben": False, "cat": True, "dan": False})
    before = checksums(root / "submitted")
    out = root / "results" / lab
    argv = [sys.executable, "-m", "prodev", "grade", lab, "--root", str(root), "--jobs", "1",
            "--sandbox", "bwrap", "--timeout", "30"]  # fmt: skip
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)  # fmt: skip
    wait_until(lambda: list(out.glob("*.json")) or first.poll() is not None, timeout=240,
               interval=0.2, what="a first result (or the end of the run)")  # fmt: skip
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished_before_kill = {p.stem for p in out.glob("*.json")}
    assert finished_before_kill, "no result was written before the kill"
    done = prodev(*argv[3:])
    assert done.returncode == 0, done.stderr
    results = sorted(p.stem for p in out.glob("*.json"))
    assert results == ["ann", "ben", "cat", "dan"]
    assert not list(out.glob(".*")), "a temporary file was left behind"
    assert not list(Path("/tmp").glob(f"prodev-grade-{first.pid}-*")), "the killed run's sockets"
    assert f"{len(finished_before_kill)} unchanged since the last run" in done.stdout
    scores = {s: json.loads((out / f"{s}.json").read_text()) for s in results}
    assert scores["ann"]["score"] == scores["ann"]["max_score"] > 0
    assert scores["ben"]["score"] == 0
    with open(out / "grades.csv", newline="") as handle:
        assert sorted(r["student"] for r in csv.DictReader(handle)) == results
    assert checksums(root / "submitted") == before
    feedback = prodev("feedback", lab, "--root", str(root))
    assert feedback.returncode == 0 and len(feedback.stdout.split()) == 4


def test_a_second_run_on_the_same_lab_and_folder_is_refused(mini_course: Path):
    from filelock import FileLock

    from autograder.runner import GradingBusyError

    run = grader(mini_course)
    with FileLock(run.out.with_name(f".{run.out.name}.grading.lock")):  # a run in progress
        with pytest.raises(GradingBusyError, match="another `prodev grade` is grading"):
            run.grade(mini_course / "submitted")
    assert not run.out.exists() or not list(run.out.glob("*.json"))


def test_a_changed_check_says_why_everyone_is_regraded_and_one_student_can_go_first(batch):
    root, _, _ = batch
    hidden = root / "autograder" / "checks" / mc.LAB / "test_hidden.py"
    original = hidden.read_text()
    hidden.write_text(original + "\n# reworded\n")
    try:
        out = root / "results" / mc.LAB
        before = {p.name: p.read_bytes() for p in out.glob("*.json")}
        said = io.StringIO()
        planned = grader(root, gradebook=False, dry_run=True, progress=said).grade(
            root / "submitted"
        )
        assert planned.graded == [] and set(planned.reasons.values()) == {
            "the lab's checks or hidden seed changed"
        }
        # which file changed, from the fingerprints kept when the batch was graded
        assert "  what changed: hidden/test_hidden.py changed\n" in said.getvalue()
        assert {p.name: p.read_bytes() for p in out.glob("*.json")} == before  # nothing written
        only_bob = grader(root, gradebook=False, students=frozenset({"bob"}))
        report = only_bob.grade(root / "submitted")
        assert report.graded == ["bob"] and report.changes == []  # same grade as before
        with pytest.raises(CourseError, match="no submission of lab90_mini from zed"):
            grader(root, students=frozenset({"zed"})).grade(root / "submitted")
    finally:
        hidden.write_text(original)


def test_ctrl_c_saves_what_was_graded_and_says_so_in_one_line(tmp_path, wait_until):
    lab = "lab04_advanced_sql"
    root = _lab04_course(tmp_path)
    _lab04_submissions(root, {"ann": True, "ben": False, "cat": True, "dan": False})
    # cat's first answer loops until the 30 s limit: the interrupt always finds work in progress
    looping = root / "submitted" / "cat" / lab / f"{lab}.ipynb"
    nb = json.loads(looping.read_text())
    first = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    first["source"] = "while True:\n    pass\n"
    looping.write_text(json.dumps(nb))
    out = root / "results" / lab
    argv = [sys.executable, "-m", "prodev", "grade", lab, "--root", str(root), "--jobs", "1",
            "--sandbox", "bwrap", "--timeout", "30"]  # fmt: skip

    # A terminal's process gets Ctrl-C; a pytest-xdist worker ignores SIGINT, and a child
    # inherits that, so the run is started with the default disposition, as a shell starts it.
    def as_a_shell_starts_it() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, preexec_fn=as_a_shell_starts_it)  # fmt: skip
    # Students are graded in name order with one job: ann and ben, then cat's loop.
    wait_until(lambda: len(list(out.glob("*.json"))) >= 2 or run.poll() is not None,
               timeout=240, interval=0.2, what="two results (or the end of the run)")  # fmt: skip
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    _stdout, stderr = run.communicate(timeout=120)
    saved = sorted(p.stem for p in out.glob("*.json"))
    assert run.returncode == 130, stderr
    assert "cat" not in saved and "dan" not in saved
    assert "Traceback" not in stderr and "pytest exit" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == (
        f"interrupted: {len(saved)} of 4 saved; rerun to finish"
    )
    with open(out / "grades.csv", newline="") as handle:  # written for what was saved
        assert sorted(r["student"] for r in csv.DictReader(handle)) == saved


def test_a_regrade_for_changed_checks_does_not_run_a_looping_cell_again(
    mini_course: Path, monkeypatch
):
    """A cell that ran past the time limit is not run again when only checks changed (it
    would use the whole limit again); it is when the limit grows or the notebook changes."""
    from autograder.isolation.session import WorkerSlot

    told: list[dict] = []  # the cells each run was told not to run, as the slot received them
    run = WorkerSlot.run

    def recording_run(self, cells, job_cells=None, stopped=None):
        told.append(dict(stopped or {}))
        return run(self, cells, job_cells, stopped=stopped)

    monkeypatch.setattr(WorkerSlot, "run", recording_run)
    root = mini_course
    mc.submit(root, "ann")
    # A loop that waits, not one that spins: the limit is what is tested, not a busy core.
    mc.submit(root, "lou", answers={"q2": "import time\nwhile True:\n    time.sleep(0.05)\n"})
    limits = Limits(timeout=4, request_timeout=4)
    first = grader(root, gradebook=False, limits=limits).grade(root / "submitted")
    lou = first.documents["lou"]
    assert lou["stopped_cells"] == {"q2": "ran past the notebook's time limit of 4 s"}
    hidden = root / "autograder" / "checks" / mc.LAB / "test_hidden.py"
    hidden.write_text(hidden.read_text() + "\n# reworded\n")

    told.clear()
    again = grader(root, gradebook=False, limits=limits).grade(root / "submitted")
    lou_again = again.documents["lou"]
    assert sorted(again.graded) == ["ann", "lou"]
    notes = lou_again["notes"]
    assert any(n.startswith("not run again: q2 ran past the time limit") for n in notes)
    # the loop was not run: the slot was told to skip exactly that cell (ann's run skips none)
    assert sorted(len(t) for t in told) == [0, 1]
    (skipped,) = [t for t in told if t]
    assert list(skipped.values()) == ["ran past the notebook's time limit of 4 s"]
    assert lou_again["score"] == lou["score"] and lou_again["questions"] == lou["questions"]
    assert again.documents["ann"]["stopped_cells"] == {}

    longer = Limits(timeout=6, request_timeout=4)
    hidden.write_text(hidden.read_text() + "\n# reworded again\n")
    third = grader(root, gradebook=False, limits=longer).grade(root / "submitted")
    lou_third = third.documents["lou"]
    assert not any(n.startswith("not run again") for n in lou_third["notes"])
    assert lou_third["stopped_cells"] == {"q2": "ran past the notebook's time limit of 6 s"}
