"""An instructor's term with nbgrader's real exchange, in a temporary folder.

`prodev release` -> `nbgrader release_assignment` -> three students `fetch_assignment`, answer and
`submit` (one after the due date) -> `nbgrader collect` -> `prodev grade` -> formgrader's data
(nbgrader's own NbGraderAPI) -> `prodev feedback` -> `nbgrader release_feedback` -> students
`fetch_feedback` -> `nbgrader export`, with nbgrader's late penalty applied to the late student
-> `prodev report` (its numbers are those of the results and the gradebook) and
`prodev similarity`.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = "lab04_advanced_sql"
COURSE_ID = "prodev-backend"
BIN = Path(sys.executable).parent
ALL = [f"q{n}" for n in range(1, 10)]
# ann answers everything on time, ben half of it on time, cat everything after the due date.
STUDENTS = {"ann": ALL, "ben": ALL[:4], "cat": ALL}


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PRODEV_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PRODEV_DATA_DIR=str(ROOT / "data"),
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
    )
    env.update(extra)
    return env


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run a command; fail the test with its output if it does not succeed."""
    done = subprocess.run(
        argv, cwd=cwd, env=_environment(**env), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def nbgrader(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run([str(BIN / "nbgrader"), *args], cwd, **env)


def prodev(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "prodev", *args], cwd, **env)


def reference_answers() -> dict[str, str]:
    """The solution of each answer cell, by grade id, from the lab's source notebook."""
    source = json.loads((ROOT / "solutions" / LAB / f"{LAB}.ipynb").read_text())
    return {
        cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell["source"])
        for cell in source["cells"]
        if cell["metadata"].get("nbgrader", {}).get("solution")
    }


def answer(notebook: Path, questions: list[str]) -> None:
    """What a student does in JupyterLab: write answers into the fetched notebook and save."""
    solutions = reference_answers()
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in questions:
            cell["source"] = solutions[grade_id]
    notebook.write_text(json.dumps(nb, indent=1))


def make_course(base: Path) -> tuple[Path, Path]:
    """A course root with lab 04 (source, public and hidden checks) and its own exchange."""
    course, exchange = base / "course", base / "exchange"
    shutil.copytree(ROOT / "solutions" / LAB, course / "solutions" / LAB)
    shutil.copytree(ROOT / "autograder" / "checks" / LAB, course / "autograder" / "checks" / LAB)
    exchange.mkdir()
    exchange.chmod(0o777)
    config = (ROOT / "nbgrader_config.py").read_text()
    config += (
        f'\nc.CourseDirectory.course_id = "{COURSE_ID}"\n'
        f'c.Exchange.root = "{exchange}"\n'
        'c.LateSubmissionPlugin.penalty_method = "zero"\n'
    )
    (course / "nbgrader_config.py").write_text(config)
    return course, exchange


@pytest.fixture(scope="module")
def term(tmp_path_factory, bwrap):
    if not (ROOT / "solutions" / LAB / f"{LAB}.ipynb").is_file():
        pytest.skip(f"{LAB} is not in solutions/")
    base = tmp_path_factory.mktemp("term")
    course, exchange = make_course(base)
    student_flags = ["--course", COURSE_ID, f"--Exchange.root={exchange}"]
    steps: dict[str, subprocess.CompletedProcess] = {}

    steps["release"] = prodev("release", LAB, cwd=course, PRODEV_HOME=str(course))
    nbgrader("release_assignment", LAB, cwd=course)
    homes = {}
    for student, questions in STUDENTS.items():
        home = homes[student] = base / "home" / student
        home.mkdir(parents=True)
        nbgrader("fetch_assignment", LAB, *student_flags, cwd=home, HOME=str(home))
        answer(home / LAB / f"{LAB}.ipynb", questions)
        nbgrader("submit", LAB, *student_flags, f"--student={student}", cwd=home, HOME=str(home))
    nbgrader("collect", LAB, cwd=course)
    # The due date falls between ben's submission and cat's (each nbgrader call takes a second
    # or more, so they are well apart).
    stamps = {
        s: datetime.strptime(
            (course / "submitted" / s / LAB / "timestamp.txt").read_text().strip(),
            "%Y-%m-%d %H:%M:%S.%f %Z",
        )
        for s in STUDENTS
    }
    assert stamps["ann"] < stamps["ben"] < stamps["cat"]
    due = stamps["ben"] + (stamps["cat"] - stamps["ben"]) / 2
    assert timedelta(0) < stamps["cat"] - due
    nbgrader(
        "db", "assignment", "add", LAB, f"--duedate={due:%Y-%m-%d %H:%M:%S.%f} UTC", cwd=course
    )

    steps["grade"] = prodev(
        "grade", LAB, "--root", str(course), "--jobs", "2", "--sandbox", "bwrap",
        "--timeout", "30", cwd=course,
    )  # fmt: skip
    steps["feedback"] = prodev("feedback", LAB, "--root", str(course), cwd=course)
    nbgrader("release_feedback", LAB, cwd=course)
    for student, home in homes.items():
        nbgrader("fetch_feedback", LAB, *student_flags, f"--student={student}", cwd=home,
                 HOME=str(home))  # fmt: skip
    nbgrader("export", cwd=course)
    root = ["--root", str(course)]
    steps["report"] = prodev("report", LAB, *root, "--json", cwd=course)
    steps["report_page"] = prodev("report", LAB, *root, cwd=course)
    steps["similarity"] = prodev("similarity", LAB, *root, "--json", cwd=course)
    steps["similarity_page"] = prodev("similarity", LAB, *root, cwd=course)
    return {"course": course, "exchange": exchange, "homes": homes, "steps": steps}


def test_students_fetch_the_release_without_solutions(term):
    released = term["course"] / "labs" / LAB / f"{LAB}.ipynb"
    assert released.is_file(), "prodev release wrote the lab into the course's labs/"
    text = released.read_text()
    assert "BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text
    outbound = term["exchange"] / COURSE_ID / "outbound" / LAB / f"{LAB}.ipynb"
    assert outbound.read_text() == text
    assert not (term["exchange"] / COURSE_ID / "outbound" / LAB / "autograder").exists()


def test_grade_reads_what_nbgrader_collected(term):
    out = term["steps"]["grade"]
    assert "3 submissions, 3 to grade" in out.stderr
    assert "3 graded, 0 unchanged since the last run, 0 without a grade" in out.stdout
    results = term["course"] / "results" / LAB
    documents = {s: json.loads((results / f"{s}.json").read_text()) for s in STUDENTS}
    assert {s: d["score"] for s, d in documents.items()} == {"ann": 45, "ben": 18, "cat": 45}
    for student, document in documents.items():
        stamp = (term["course"] / "submitted" / student / LAB / "timestamp.txt").read_text()
        assert document["timestamp"] == stamp.strip()


def test_formgrader_lists_every_grade(term, monkeypatch):
    """What formgrader shows comes from nbgrader's own API over the gradebook and folders."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    course = term["course"]
    config = PyFileConfigLoader("nbgrader_config.py", str(course)).load_config()
    config.CourseDirectory.root = str(course)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")  # for alembic
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    listed = {s["student"]: s for s in api.get_submissions(LAB)}
    assert {s: (d["score"], d["max_score"]) for s, d in listed.items()} == {
        "ann": (45.0, 45.0),
        "ben": (18.0, 45.0),
        "cat": (45.0, 45.0),
    }
    assert all(d["autograded"] and d["submitted"] for d in listed.values())
    assert [(s["name"], s["score"]) for s in api.get_student_submissions("ben")] == [(LAB, 18.0)]
    assignment = api.get_assignment(LAB)
    assert assignment["num_submissions"] == 3 and assignment["max_score"] == 45.0


def test_students_fetch_their_feedback_page(term):
    assert "3 copied to" in term["steps"]["feedback"].stderr
    for student, home in term["homes"].items():
        pages = list((home / LAB / "feedback").glob(f"*/{LAB}.html"))
        assert len(pages) == 1, f"{student} fetched {pages}"
        text = pages[0].read_text()
        assert f"Feedback for {student}" in text
        if student == "cat":  # late, and the course's penalty is "zero"
            assert "Checks: 45 / 45. Submitted" in text and "late penalty 45" in text
            assert "Final score: 0 / 45" in text
        else:
            assert f"Score: {'18 / 45' if student == 'ben' else '45 / 45'}" in text
    ben = next((term["homes"]["ben"] / LAB / "feedback").glob(f"*/{LAB}.html")).read_text()
    assert "Checks that failed" in ben and "q5" in ben


def test_export_penalises_only_the_late_submission(term):
    with open(term["course"] / "grades.csv", newline="") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    exported = {
        s: (float(r["raw_score"]), float(r["late_submission_penalty"]), float(r["score"]))
        for s, r in rows.items()
    }
    assert exported == {
        "ann": (45.0, 0.0, 45.0),  # on time
        "ben": (18.0, 0.0, 18.0),  # on time, first four answered
        "cat": (45.0, 45.0, 0.0),  # late: penalty_method = "zero"
    }
    assert all(r["duedate"] for r in rows.values())
    # The course's own grades.csv gives the same final grades, and says why cat's is 0.
    with open(term["course"] / "results" / LAB / "grades.csv", newline="") as handle:
        ours = {
            r["student"]: (float(r["score"]), float(r["late_penalty"]), float(r["final_score"]))
            for r in csv.DictReader(handle)
        }
    assert ours == exported


def test_report_numbers_are_those_of_the_results_and_the_gradebook(term):
    numbers = json.loads(term["steps"]["report"].stdout)
    results = term["course"] / "results" / LAB
    documents = {s: json.loads((results / f"{s}.json").read_text()) for s in STUDENTS}
    assert numbers["students"] == 3 and numbers["left_out"] == {}
    assert numbers["scores"]["by_student"] == {s: d["score"] for s, d in documents.items()}
    questions = {q["question"]: q for q in numbers["questions"]}
    assert all(questions[q]["full_marks"] == 3 and questions[q]["zero"] == 0 for q in ALL[:4])
    assert all(questions[q]["full_marks"] == 2 and questions[q]["zero"] == 1 for q in ALL[4:])
    assert not any(q["flagged"] for q in numbers["questions"])
    late = numbers["late"]
    assert late["due_from"] == "gradebook" and late["on_time"] == 2
    assert [(r["student"], r["penalty"]) for r in late["late"]] == [("cat", 45.0)]
    assert numbers["time"]["hit_limit"] == []
    page = (results / "report.html").read_text()
    assert "data:image/png;base64," in page and "cat" in page
    assert str(results / "report.html") in term["steps"]["report_page"].stdout


def test_similarity_sees_that_everyone_wrote_the_reference(term):
    found = json.loads(term["steps"]["similarity"].stdout)
    assert found["students"] == 3
    assert found["pairs"] == []  # what two share, the third (or the reference) shares too
    for question in ALL[:4]:
        assert found["questions"][question]["identical"] == [["ann", "ben", "cat"]]
        assert found["questions"][question]["identical_to_reference"] == ["ann", "ben", "cat"]
    for question in ALL[4:]:
        assert found["questions"][question]["blank"] == ["ben"]
        assert found["questions"][question]["identical"] == [["ann", "cat"]]
    assert "no pair stands out" in term["steps"]["similarity_page"].stdout
    assert (term["course"] / "results" / LAB / "similarity.html").is_file()


def test_formgraders_autograde_and_feedback_buttons_grade_with_prodev(term, monkeypatch):
    """Formgrader's Autograde and Generate Feedback buttons call nbgrader's own API; with the
    course's configuration they regrade in the sandbox and write prodev's page. Last in this
    file: it regrades ben."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    course = term["course"]
    config = PyFileConfigLoader("nbgrader_config.py", str(course)).load_config()
    config.CourseDirectory.root = str(course)
    for name, value in _environment().items():
        monkeypatch.setenv(name, value)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    before = json.loads((course / "results" / LAB / "ben.json").read_text())

    graded = api.autograde(LAB, "ben")
    assert graded["success"], graded.get("error", "") + graded.get("log", "")
    assert "prodev grade" not in graded.get("error", "")
    after = json.loads((course / "results" / LAB / "ben.json").read_text())
    assert after["score"] == before["score"] == 18
    listed = {s["student"]: s for s in api.get_submissions(LAB)}
    assert listed["ben"]["autograded"] and listed["ben"]["score"] == 18.0
    copy = json.loads((course / "autograded" / "ben" / LAB / f"{LAB}.ipynb").read_text())
    assert all(not c.get("outputs") for c in copy["cells"] if c["cell_type"] == "code")

    page = course / "feedback" / "ben" / LAB / f"{LAB}.html"
    made = api.generate_feedback(LAB, "ben")
    assert made["success"], made.get("error", "") + made.get("log", "")
    text = page.read_text()
    assert "18" in text and before["questions"]["q5"]["reason"].split(":")[0] in text
    assert text == (course / "results" / LAB / "feedback" / "ben.html").read_text()
