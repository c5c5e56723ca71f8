"""Every lab in solutions/, proven both ways: the reference scores full marks on its public and
hidden checks, the blank release scores zero with messages a student can act on (both graded by
`prodev grade` in the sandbox, in the lab's batch: lab_batches.py), and each
plausible wrong answer in tests/fixtures/<lab>/wrong/ loses points on its own question only
(graded on its own question's checks; it leaves every other name of the notebook as the
reference does, and no other answer reads its names; one cross pass grades every question beside
the first wrong answer of the others; one lab is also graded in full runs to show that these
agree with grading every wrong answer on every check), while each correct rewrite in
tests/fixtures/<lab>/rewrites/ scores full marks on its question.
Also: points agree everywhere, labs/ is in sync and leaks nothing, and `prodev check` exits
as documented. New labs are picked up automatically.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from answer_independence import bound_names
from filelock import FileLock
from lab_batches import batch
from labs_harness import (
    ROOT,
    Lab,
    answer_cells,
    answer_reads,
    builds_on,
    by_question,
    check_cells,
    cross_checks,
    describe,
    discover_labs,
    grade_rewrites,
    grade_variant,
    grade_wrong_answers,
    heading_points,
    lab_grading,
    moved_names,
    question_of,
    solution_body,
)

from prodev.checking.checkrun import CheckResult
from prodev.runtime.notebook import cell_source, read_notebook

LABS = discover_labs()
WRONG_ANSWERS = [(lab, path.name) for lab in LABS for path in lab.wrong_answers()]
REWRITES = [(lab, path.name) for lab in LABS for path in lab.rewrites()]
PRODEV = [sys.executable, "-m", "prodev"]
ENV = dict(os.environ, PLOOMBER_STATS_ENABLED="false", PLOOMBER_VERSION_CHECK_DISABLED="true")
# Messages that mean a check crashed instead of judging the answer.
CRASH_WORDS = ("could not evaluate", "Traceback", "check has no @check")


def lab_ids(lab: Lab) -> str:
    return lab.name  # tests/conftest.py schedules a lab's tests on one worker by this id


def graded_for_real(lab: Lab, student: str) -> tuple[CheckResult, ...]:
    """`student`'s checks from the lab's sandboxed batch (lab_batches.py). The lab's in-process
    grading (wrong answers, rewrites) is set going first, so that it runs beside the batch."""
    lab_grading(lab.name)
    return batch(lab.name).checks(student)


@pytest.mark.needs_bwrap
@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_reference_passes_every_check(lab: Lab) -> None:
    results = graded_for_real(lab, "reference")
    assert results, f"{lab}: no checks ran"
    assert any(r.hidden for r in results), f"{lab}: no hidden checks ran"
    assert any(not r.hidden for r in results), f"{lab}: no public checks ran"
    failed = [r for r in results if not r.passed]
    assert not failed, f"{lab}: the reference fails checks:\n{describe(failed)}"


@pytest.mark.needs_bwrap
@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_blank_release_fails_every_check_with_a_readable_message(lab: Lab) -> None:
    results = graded_for_real(lab, "blank")
    assert results, f"{lab}: no checks ran on the blank release"
    passed = [r for r in results if r.passed]
    assert not passed, f"{lab}: the blank release passes checks:\n{describe(passed)}"
    unreadable = [
        r for r in results if not r.message.strip() or any(w in r.message for w in CRASH_WORDS)
    ]
    assert not unreadable, f"{lab}: messages a student cannot act on:\n{describe(unreadable)}"


@pytest.mark.parametrize(
    ("lab", "wrong"), WRONG_ANSWERS, ids=[f"{lab}-{name}" for lab, name in WRONG_ANSWERS]
)
def test_wrong_answer_loses_points_on_its_question_only(lab: Lab, wrong: str) -> None:
    question = question_of(lab.wrong_dir / wrong)
    results = by_question(grade_wrong_answers(lab.name)[wrong])
    own = results.get(question, [])
    assert own, f"{lab}: no checks for {question}, which {wrong} answers"
    assert set(results) == {question}, f"{lab}: checks of {set(results)} ran for {question}"
    assert any(not r.passed for r in own), (
        f"{lab}: the wrong answer {wrong} passes every check of {question}:\n{describe(own)}"
    )
    crashed = [r for r in own if any(w in r.message for w in CRASH_WORDS)]
    assert not crashed, f"{lab}: {wrong} crashes checks:\n{describe(crashed)}"
    moved = moved_names(lab.name, wrong)
    assert not moved, (
        f"{lab}: with the wrong answer {wrong} in place, names outside {question}'s cell moved: "
        + ", ".join(f"{name} ({how})" for name, how in sorted(moved.items()))
    )
    for cross in (c for c in cross_checks(lab.name) if wrong in c.wrong):
        lost = [r for r in cross.results if not r.passed]
        assert cross.results and not lost, (
            f"{lab}: with the wrong answers {', '.join(cross.wrong)} in place, {cross.question} "
            f"loses points:\n{describe(lost)}"
        )


@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_answers_read_no_other_questions_names(lab: Lab) -> None:
    """What makes proving wrong answers harmless one run at a time sound: no question's answer
    reads a name that only another question's cell binds, unless it is declared to build on it."""
    nb = read_notebook(lab.source)
    cells = answer_cells(nb)
    every_cell = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    reads = answer_reads(lab.name)
    for question, cell in cells.items():
        elsewhere = set().union(*(bound_names(cell_source(c)) for c in every_cell if c is not cell))
        only_here = bound_names(cell_source(cell)) - elsewhere
        readers = {
            other: sorted(reads[other] & only_here)
            for other in cells
            if other != question and question not in builds_on(lab.name, other)
        }
        readers = {other: names for other, names in readers.items() if names}
        assert not readers, (
            f"{lab}: answers of {sorted(readers)} read {question}'s names {readers}; declare "
            "that they build on it (autograder/labcheck.py BUILDS_ON) or rename"
        )


@pytest.mark.parametrize(
    ("lab", "rewrite"), REWRITES, ids=[f"{lab}-{name}" for lab, name in REWRITES]
)
def test_rewrite_passes_every_check_of_its_question(lab: Lab, rewrite: str) -> None:
    """A correct answer written another way (the similarity tests' independent answers) scores
    full marks: the hidden checks accept a correct rewrite."""
    results = grade_rewrites(lab.name)[rewrite]
    assert results, f"{lab}: no checks ran for {rewrite}"
    failed = [r for r in results if not r.passed]
    assert not failed, f"{lab}: the rewrite {rewrite} fails checks:\n{describe(failed)}"


def comparable(result: CheckResult) -> tuple:
    """A result with the measured numbers in its message masked (a real clock's readings)."""
    message = re.sub(r"\d+\.\d+(e-?\d+)?", "<number>", result.message)
    return (result.question, result.name, result.points, result.passed, result.hidden, message)


EQUIVALENCE_LAB = "lab02_decorators"  # cheap to grade in full: one full run per wrong answer


@pytest.mark.parametrize(
    "lab", [lab for lab in LABS if lab.name == EQUIVALENCE_LAB], ids=lab_ids
)  # the lab's id in the test's: it runs on the worker that grades that lab
def test_grading_wrong_answers_apart_agrees_with_full_runs(lab: Lab) -> None:
    """A full run (whole notebook, every check) of each wrong answer gives the same results on
    its question as the own-question grading, and full marks elsewhere, as the cross pass says."""
    apart = grade_wrong_answers(lab.name)
    assert apart, f"{lab} has no wrong answers"
    for wrong, own in apart.items():
        full = grade_variant(lab.name, wrong)
        question = question_of(lab.wrong_dir / wrong)
        assert [comparable(r) for r in full if r.question == question] == [
            comparable(r) for r in own
        ], wrong
        elsewhere = [
            r
            for r in full
            if r.question != question and question not in builds_on(lab.name, r.question)
        ]
        assert all(r.passed for r in elsewhere), wrong
    assert all(r.passed for cross in cross_checks(lab.name) for r in cross.results)


@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_every_question_has_a_wrong_answer(lab: Lab) -> None:
    questions = set(answer_cells(read_notebook(lab.source)))
    covered = {question_of(p) for p in lab.wrong_answers()}
    missing = sorted(questions - covered)
    assert not missing, f"{lab}: add a plausible wrong answer to {lab.wrong_dir} for {missing}"


@pytest.mark.needs_bwrap
@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_points_agree_in_heading_check_cell_and_checks(lab: Lab) -> None:
    nb = read_notebook(lab.source)
    headings = heading_points(nb)
    cells = {
        gid.removesuffix("_check"): float(c["metadata"]["nbgrader"].get("points", 0))
        for gid, c in check_cells(nb).items()
    }
    reference = by_question(graded_for_real(lab, "reference"))
    checks = {q: sum(r.points for r in rs) for q, rs in reference.items()}
    assert headings == cells == checks, (
        f"{lab}: points differ (question headings {headings}, check cells {cells}, "
        f"sum of check points {checks})"
    )


@pytest.mark.needs_bwrap
@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_answer_and_check_cells_pair_up(lab: Lab) -> None:
    nb = read_notebook(lab.source)
    answers = set(answer_cells(nb))
    checked = {gid.removesuffix("_check") for gid in check_cells(nb)}
    with_checks = set(by_question(graded_for_real(lab, "reference")))
    assert answers == checked, f"{lab}: answer cells {answers} vs check cells {checked}"
    assert answers <= with_checks, f"{lab}: answers without checks: {answers - with_checks}"
    for gid, cell in check_cells(nb).items():
        source = cell_source(cell).strip()
        assert source == f'prodev.check("{gid.removesuffix("_check")}")', (
            f"{lab}: check cell {gid} should only run prodev.check, not {source!r}"
        )


@functools.cache
def release_check(*labs: str) -> subprocess.CompletedProcess:
    """`prodev release --check LAB...`, run once per set of labs."""
    return subprocess.run(
        [*PRODEV, "release", "--check", *labs], capture_output=True, text=True, env=ENV
    )


@pytest.fixture(scope="session")
def every_release_checked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, str]:
    """The exit status and output of `prodev release --check` on every lab (nbgrader starts
    once for all), run once per test session: the first worker to ask leaves them for the
    others."""
    session = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # an xdist worker (not a pytest it started)
        session = session.parent  # the workers' folders share this one
    kept = session / "release-check.json"
    with FileLock(session / ".release-check.lock"):
        if not kept.is_file():
            done = release_check(*[lab.name for lab in LABS])
            kept.write_text(json.dumps([done.returncode, done.stderr]))
    returncode, stderr = json.loads(kept.read_text())
    return returncode, stderr


@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_release_is_in_sync(lab: Lab, every_release_checked: tuple[int, str]) -> None:
    returncode, stderr = every_release_checked
    if returncode not in (0, 1):  # some lab cannot be released: judge this one alone
        done = release_check(lab.name)
        returncode, stderr = done.returncode, done.stderr
    assert returncode in (0, 1), f"prodev release --check {lab} failed:\n{stderr}"
    stale = [line.strip() for line in stderr.splitlines() if f"labs/{lab.name}/" in line]
    assert not stale, f"{lab}: labs/ is out of date, run `prodev release {lab}`: {stale}"


@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_release_has_stubs_and_no_solution(lab: Lab) -> None:
    source, release = read_notebook(lab.source), read_notebook(lab.release)
    text = lab.release.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    released = answer_cells(release)
    for gid, cell in answer_cells(source).items():
        assert gid in released, f"{lab}: answer cell {gid} is missing from the release"
        stub = cell_source(released[gid])
        assert "raise NotImplementedError()" in stub, f"{lab}: {gid} has no stub"
        stub_lines = {line.strip() for line in stub.splitlines()}
        body_lines = {line.strip() for line in solution_body(cell_source(cell)).splitlines()}
        leaked = {line for line in body_lines & stub_lines if len(line) > 3}
        assert not leaked, f"{lab}: {gid} leaks solution lines into the release: {leaked}"


@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_release_ships_no_hidden_check(lab: Lab) -> None:
    hidden = {p.read_bytes(): p.name for p in lab.hidden_dir.rglob("*") if p.is_file()}
    for path in lab.release_dir.rglob("*"):
        if path.is_file():
            assert path.name not in hidden.values(), f"{path} has a hidden check's name"
            assert path.read_bytes() not in hidden, f"{path} is a copy of a hidden check"


def prodev_check(notebook: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*PRODEV, "check", str(notebook), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.parametrize("lab", LABS, ids=lab_ids)
def test_prodev_check_passes_the_reference_in_a_folder_of_its_own(lab: Lab, tmp_path: Path) -> None:
    """The reference beside a copy of its public checks, as a student's finished lab would be,
    checked by the command a student runs: every cell runs from that folder and the checks
    beside it are found and pass. One question's checks show that; all of them are graded in
    process and in the sandbox (test_labs_graded.py)."""
    shutil.copy(lab.source, tmp_path / lab.source.name)
    shutil.copytree(lab.layout.public_checks, tmp_path / "checks")
    first = sorted(answer_cells(read_notebook(lab.source)))[0]
    run = prodev_check(tmp_path / lab.source.name, "-q", first)
    assert run.returncode == 0, run.stdout
    assert "FAILED" not in run.stdout and "passed" in run.stdout, run.stdout


CLI_BLANK_LAB = "lab02_decorators"  # the exit status is the command's, not the lab's: one is enough


@pytest.mark.skipif(
    CLI_BLANK_LAB not in {lab.name for lab in LABS}, reason=f"{CLI_BLANK_LAB} is not here"
)
def test_prodev_check_exits_1_on_the_blank_release() -> None:
    run = prodev_check(Lab(CLI_BLANK_LAB).release)
    assert run.returncode == 1, run.stdout
    assert run.stdout.splitlines()[-1].startswith("public checks: 0 of"), run.stdout
