"""`prodev new-lab` then `prodev check-lab`, in a course of its own (a temporary folder holding
the settings file and the course's lab tests): the generated lab passes check-lab and the real
lab tests (tests/content/test_labs.py and test_labs_graded.py, run in that course), and
check-lab names each thing a broken lab lacks. The checkout itself is never written to, and the
course is removed after."""

from __future__ import annotations

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
