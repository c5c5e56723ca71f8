"""One `prodev grade` batch per lab, in the bwrap sandbox, shared by every test that grades a lab
for real: the reference and the blank release (test_labs.py, test_labs_graded.py), and the red
team's submissions aimed at that lab, each beside its control (tests/redteam/test_probe_forging.py
and test_lab_attacks.py). A lab's grader and sandboxes start once, and its reference is graded
once: in-process grading (labs_harness.py) is for the wrong answers and rewrites.

tests/conftest.py schedules the tests of these files lab by lab, so that one worker holds all of a
lab's tests and grades its batch once (`batch` is cached per process), while the same lab's
in-process grading runs beside it in the worker's pool. A course without the red
team's folder (the scratch course of `prodev new-lab`'s test) grades the reference and the blank.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev.checking.checkrun import CheckResult
from prodev.course.layout import Course
from prodev.course.paths import data_dir
from prodev.runtime.notebook import cell_source, read_notebook

ROOT = Path(__file__).resolve().parents[2]
COURSE = Course.load(ROOT)
REDTEAM = ROOT / "tests" / "redteam"
JOBS = 2
NOTEBOOK_SECONDS = 120


@dataclass(frozen=True)
class Batch:
    """A lab's batch, graded: every submission's results document by student id."""

    lab: str
    root: Path  # the scratch course it was graded in
    students: tuple[str, ...]  # every submission asked for, by name
    results: dict[str, dict[str, Any]]  # by name (two names of one notebook share a grading)
    returncode: int
    log: str  # what `prodev grade` printed
    peak_mb: float  # the grader process's peak resident memory

    def document(self, student: str) -> dict[str, Any]:
        """The student's results document; the test fails with the grader's output if none."""
        if student not in self.results:
            why = f"exit {self.returncode}:\n{self.log[-3000:]}"
            raise AssertionError(f"{self.lab}: {student} was not graded ({why})")
        return self.results[student]

    def scores(self, student: str) -> dict[str, float]:
        """Question -> points the student scored."""
        return {q: float(t["score"]) for q, t in self.document(student)["questions"].items()}

    def checks(self, student: str) -> tuple[CheckResult, ...]:
        """The student's results document read back as check results (a hidden check is named
        by its number, as the document names it)."""
        return tuple(
            CheckResult(
                question=test["name"].split(":", 1)[0],
                name=test["name"].split(":", 1)[1].strip(),
                points=float(test["max_score"]),
                passed=test["status"] == "passed",
                message=test["output"],
                hidden=test["visibility"] != "visible",
            )
            for test in self.document(student)["tests"]
        )


def _release_with(lab: str, answers: dict[str, str]) -> dict:
    """The blank release of `lab` with the given answer cells filled in."""
    nb = read_notebook(COURSE.lab(lab).release_notebook)
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell["cell_type"] == "code":
            cell["source"] = answers[grade_id]
    return nb


def submissions(lab: str) -> dict[str, dict]:
    """Student id -> notebook: the reference, the blank release, and the red team's attacks on
    this lab with their controls.

    An attack and its control answer one question (and the reference answers the questions it
    builds on); the rest is the blank release, whose checks fail at once. Their scores are
    compared on that question only, so the batch grades the lab's other checks twice, not once
    per submission."""
    from labs_harness import answer_cells, with_answer

    from autograder.labcheck import builds_on

    reference = read_notebook(COURSE.lab(lab).source_notebook)
    found = {"reference": reference, "blank": read_notebook(COURSE.lab(lab).release_notebook)}
    if not REDTEAM.is_dir():
        return found
    from redteam.labcorpus import cases
    from redteam.probe_forgeries import FORGERIES

    answers = {q: cell_source(cell) for q, cell in answer_cells(reference).items()}
    for forgery in (f for f in FORGERIES if f.lab == lab):
        base = _release_with(lab, {q: answers[q] for q in builds_on(lab, forgery.question)})
        found[f"control_{forgery.name}"] = with_answer(
            base, forgery.question, forgery.control_source()
        )
        found[forgery.name] = with_answer(base, forgery.question, forgery.attack_source())
    for name, case in cases().items():
        if case.lab == lab:
            found[f"{name}_control"] = _release_with(lab, case.control)
            found[name] = _release_with(lab, case.attack)
    return found


def _one_name_per_notebook(students: dict[str, dict]) -> dict[str, str]:
    """Name -> the name its notebook is graded under: controls shared by several attacks on one
    wrong answer are the same notebook, graded once."""
    first: dict[str, str] = {}
    return {
        name: first.setdefault(json.dumps(nb, sort_keys=True), name)
        for name, nb in sorted(students.items())
    }


def _peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a running process, in MB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@functools.cache
def batch(lab: str) -> Batch:
    """Grade `lab`'s submissions in a scratch course of their own (never the checkout's
    gradebook or results), once per process."""
    root = Path(tempfile.mkdtemp(prefix=f"batch-{lab}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    layout = COURSE.lab(lab)
    shutil.copytree(layout.source_dir, root / "solutions" / lab)
    if layout.hidden_checks.is_dir():
        shutil.copytree(layout.hidden_checks, root / "autograder" / "checks" / lab)
    students = submissions(lab)
    graded_as = _one_name_per_notebook(students)
    for student in set(graded_as.values()):
        nb = students[student]
        folder = root / "submitted" / student / lab
        shutil.copytree(layout.release_dir, folder)  # the whole released folder, as collected
        (folder / f"{lab}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    # The checkout's datasets, built once for every lab: the course's PostgreSQL runs as its own
    # user, which cannot reach a folder under pytest's private temporary root.
    env = dict(os.environ, PRODEV_DATA_DIR=str(data_dir()), PLOOMBER_STATS_ENABLED="false",
               PLOOMBER_VERSION_CHECK_DISABLED="true")  # fmt: skip
    command = [sys.executable, "-m", "prodev", "--root", str(root), "grade", lab, "--jobs",
               str(JOBS), "--sandbox", "bwrap", "--timeout", str(NOTEBOOK_SECONDS)]  # fmt: skip
    with open(root / "grade.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
        peak = [0.0]

        def watch() -> None:  # VmHWM only grows: the last reading before exit is the peak
            while process.poll() is None:
                peak[0] = max(peak[0], _peak_rss_mb(process.pid))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        returncode = process.wait(timeout=1500)
        watcher.join()
    results = {}
    for student in students:
        path = root / "results" / lab / f"{graded_as[student]}.json"
        if path.is_file():
            results[student] = json.loads(path.read_text(encoding="utf-8"))
    log_text = (root / "grade.log").read_text(encoding="utf-8")
    return Batch(lab, root, tuple(students), results, returncode, log_text, peak[0])
