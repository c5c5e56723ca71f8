"""`prodev new-lab` then `prodev check-lab`, in a course of its own (a temporary folder holding
the settings file and the course's lab tests): the generated lab passes check-lab and the real
lab tests (tests/content/test_labs.py and test_labs_graded.py, run in that course), and
check-lab names each thing a broken lab lacks; graded for real, the generated checks cannot be
fooled from inside the notebook. The checkout itself is never written to, and the course is
removed after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = "lab98_scaffold_demo"
ENV = dict(
    os.environ,
    PLOOMBER_STATS_ENABLED="false",
    PLOOMBER_VERSION_CHECK_DISABLED="true",
    # The datasets this checkout already built (same generator): nothing is built twice.
    PRODEV_DATA_DIR=os.environ.get("PRODEV_DATA_DIR") or str(ROOT / "data"),
)
ENV.pop("PRODEV_HOME", None)


@pytest.fixture
def course(tmp_path: Path):
    """A course with no lab yet, and this checkout's lab tests to prove the one it will get."""
    root = tmp_path / "course"
    (root / "tests").mkdir(parents=True)
    for name in ("nbgrader_config.py", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copy(ROOT / "tests" / "conftest.py", root / "tests" / "conftest.py")
    shutil.copytree(
        ROOT / "tests" / "content",
        root / "tests" / "content",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    yield root
    shutil.rmtree(root)


def prodev(course: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "prodev", "--root", str(course), *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=900,
    )
    return done, time.perf_counter() - started


@pytest.mark.slow
def test_a_new_lab_passes_check_lab_and_the_lab_tests(course: Path) -> None:
    created, created_in = prodev(course, "new-lab", LAB)
    assert created.returncode == 0, created.stderr
    for part in (
        f"solutions/{LAB}/{LAB}.ipynb",
        f"solutions/{LAB}/checks/test_q1.py",
        f"solutions/{LAB}/checks/test_q2.py",
        f"autograder/checks/{LAB}/test_q1_hidden.py",
        f"autograder/checks/{LAB}/test_q2_hidden.py",
        f"tests/fixtures/{LAB}/wrong/q1_includes_cancelled.py",
        f"tests/fixtures/{LAB}/wrong/q2_ignores_status.py",
        f"labs/{LAB}/{LAB}.ipynb",
    ):
        assert (course / part).is_file(), f"new-lab did not create {part}"
    # The generated Python passes the checkout's linter and formatter as it is (outside the
    # checkout, ruff is told which packages are ours, as it finds them there).
    ruff = [Path(sys.executable).with_name("ruff"), "--config", str(ROOT / "pyproject.toml")]
    ours = ["--config", "lint.isort.known-first-party = ['prodev', 'autograder']"]
    generated = ["solutions", "autograder", "tests/fixtures"]
    for command in (["check", *ours], ["format", "--check"]):
        linted = subprocess.run(
            [ruff[0], command[0], *ruff[1:], *command[1:], *generated],
            capture_output=True,
            text=True,
            cwd=course,
        )
        assert linted.returncode == 0, linted.stdout + linted.stderr
    again, _ = prodev(course, "new-lab", LAB)
    assert again.returncode == 2 and "already exists" in again.stderr, again.stderr

    checked, checked_in = prodev(course, "check-lab", LAB)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "FAIL" not in checked.stdout, checked.stdout
    for line in (
        "ok    reference: 8 of 8 points",
        "ok    blank release: 0 of 8 points",
        "ok    wrong answer q1_includes_cancelled.py",
        "ok    wrong answer q2_ignores_status.py",
        "ok    release in sync",
    ):
        assert line in checked.stdout, checked.stdout
    print(f"new-lab {created_in:.1f} s, check-lab {checked_in:.1f} s")  # the figure for the docs

    # The course's own lab tests, run in that course on the new lab: graded in process, and
    # graded for real by `prodev grade` in the sandbox (skipped where bubblewrap cannot run).
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/content/test_labs.py",
         "tests/content/test_labs_graded.py", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=course, env=dict(ENV, PRODEV_HOME=str(course)),
        timeout=900,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout, tests.stdout[-2000:]
    assert not (ROOT / "solutions" / LAB).exists() and not (ROOT / "labs" / LAB).exists()


@pytest.mark.slow
def test_check_lab_names_what_a_lab_lacks(course: Path) -> None:
    created, _ = prodev(course, "new-lab", LAB)
    assert created.returncode == 0, created.stderr
    wrong = course / "tests" / "fixtures" / LAB / "wrong"
    (wrong / "q2_ignores_status.py").unlink()  # q2 without a wrong answer
    # A "wrong" answer that is the reference itself: it loses nothing.
    (wrong / "q1_same_as_reference.py").write_text(
        (wrong / "q1_includes_cancelled.py")
        .read_text()
        .replace("WHERE b.start_date", "WHERE b.status = 'confirmed' AND b.start_date")
    )
    (course / "autograder" / "checks" / LAB / "test_q2_hidden.py").unlink()  # q2 no hidden check
    public = course / "solutions" / LAB / "checks" / "test_q1.py"  # labs/ now out of date
    public.write_text(public.read_text().replace("name them with AS", "name each with AS"))

    checked, _ = prodev(course, "check-lab", LAB)
    out = checked.stdout
    assert checked.returncode == 1, out + checked.stderr
    assert "FAIL  q2 checks" in out and "no hidden check for q2" in out, out
    assert "sum of its checks 2" in out, out  # q2's heading says 4 points, its checks now 2
    assert "FAIL  q2 wrong answers" in out and "none: add" in out, out
    assert "FAIL  wrong answer q1_same_as_reference.py" in out and "loses nothing" in out, out
    assert "ok    wrong answer q1_includes_cancelled.py" in out, out
    assert "FAIL  release in sync" in out and f"labs/{LAB}/checks/test_q1.py" in out, out
    assert "items FAIL" in checked.stderr


# Attacks on the generated lab's checks, each answer cell's full source. The forger keeps the
# control's wrong answers and patches, in its own process, everything a check computes with.
FORGERY = """
import prodev.checking, prodev.checking.checks, prodev.checking.reference
prodev.checking.checks.rows_problem = lambda *args, **kwargs: None
prodev.checking.assert_rows = prodev.checking.checks.assert_rows = lambda *a, **k: None
prodev.checking.fingerprint = prodev.checking.checks.fingerprint = lambda *a, **k: "same"
prodev.checking.reference.reference_rows = lambda *args, **kwargs: None
prodev.checking.reference.reference_call = lambda *args, **kwargs: None
"""
ALWAYS_EQUAL = """
class Anything(list):
    def __eq__(self, other):
        return True

def longest_stay(con, city):
    return Anything([1, 1])
"""


def attacks(course: Path) -> dict[str, dict[str, str]]:
    """student -> {question: answer cell}: the control (plain wrong answers), a forger, an
    always-equal answer, and answers hard-coded from the public dataset."""
    from prodev.checking.reference import reference_call, reference_rows
    from prodev.stayhub.data import dataset_path

    wrong = course / "tests" / "fixtures" / LAB / "wrong"
    control = {
        "q1": (wrong / "q1_includes_cancelled.py").read_text(),
        "q2": (wrong / "q2_ignores_status.py").read_text(),
    }
    reference: dict = {}
    for question in ("q1", "q2"):
        exec((ROOT / "autograder" / "templates" / "new_lab" / f"{question}_answer.py").read_text(),
             reference)  # fmt: skip
    public = reference_rows(reference["q1"], dataset_path())
    values = ", ".join(f"({city!r}, {count})" for city, count in public.rows)
    city = (course / "solutions" / LAB / "checks" / "test_q2.py").read_text()
    city = city.split('CITY = "', 1)[1].split('"', 1)[0]
    longest = reference_call(reference["longest_stay"], dataset_path(), city)
    return {
        "control": control,
        "forger": {q: source + FORGERY for q, source in control.items()},
        "always_equal": {"q2": ALWAYS_EQUAL},
        "hardcoded": {
            "q1": f'q1 = """\nSELECT * FROM (VALUES {values}) AS t(city, confirmed_stays)\n"""\n',
            "q2": "def longest_stay(con, city):\n"
            f"    return {longest} if city == {city!r} else None\n",
        },
    }


@pytest.mark.slow
@pytest.mark.needs_bwrap
def test_the_generated_checks_cannot_be_fooled(course: Path) -> None:
    """Graded for real (`prodev grade`, bwrap): patching the checking code inside the notebook
    gains nothing over the plain wrong answers, an always-equal object scores nothing, and
    answers hard-coded from the public dataset lose every hidden check."""
    created, _ = prodev(course, "new-lab", LAB)
    assert created.returncode == 0, created.stderr
    release = json.loads((course / "labs" / LAB / f"{LAB}.ipynb").read_text())
    for student, answers in attacks(course).items():
        folder = course / "submitted" / student / LAB
        shutil.copytree(course / "labs" / LAB, folder)
        nb = json.loads(json.dumps(release))
        for cell in nb["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
        (folder / f"{LAB}.ipynb").write_text(json.dumps(nb))
    graded, _ = prodev(
        course, "grade", LAB, "--sandbox", "bwrap", "--jobs", "2", "--timeout", "120"
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr

    def scores(student: str) -> dict[str, float]:
        document = json.loads((course / "results" / LAB / f"{student}.json").read_text())
        found: dict[str, float] = {}
        for test in document["tests"]:
            question = test["name"].split(":", 1)[0]
            found[question] = found.get(question, 0) + test["score"]
        return found

    control = scores("control")
    assert control["q1"] < 4 and control["q2"] < 4, control
    assert scores("forger") == control
    assert scores("always_equal")["q2"] == 0
    hardcoded = scores("hardcoded")
    assert hardcoded == {"q1": 2, "q2": 2}, hardcoded  # the public checks only
    hidden = json.loads((course / "results" / LAB / "hardcoded.json").read_text())["tests"]
    assert all(t["score"] == 0 for t in hidden if "hidden" in t["name"])
