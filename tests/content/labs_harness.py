"""Find every lab and grade variants of its notebook, for test_labs.py.

Where a lab's parts live comes from the course model (`prodev.course.layout`): the source
notebook and public checks (solutions/), the release (labs/), the hidden checks (autograder/checks/
unless the course's settings say otherwise); its wrong answers are in `tests/fixtures/`. Grading a
variant (the reference with a wrong answer or a rewrite swapped in) runs its code cells with
`prodev.runtime.notebook.run_cells` and then the public and hidden checks with
`prodev.checking.checkrun.run_checks`, exactly as a self-check does, plus the hidden part.
A lab's variants are graded once per test session, side by side in a small process pool. The
reference and the blank release themselves are graded for real, by `prodev grade` in the
sandbox (lab_batches.py); here the reference's cells only run, for what they leave behind.

Running a lab's cells takes a fraction of a second once a process has imported what they use
(lab 04: 0.5 s); its checks take most of the time (lab 03: about a minute per pass). So a wrong
answer is graded on its own question's checks only (`grade_wrong_answers`). That it costs nothing
elsewhere is proven for each wrong answer from the same run (`moved_names`, `answer_reads`: see
answer_independence.py) and sampled by one pass of every question's checks with the first wrong
answer of every other question in place (`cross_checks`).
"""

from __future__ import annotations

import atexit
import copy
import functools
import gc
import multiprocessing
import os
import re
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import answer_independence as independence

from autograder.config import hidden_seed

# Questions built from earlier answers (lab 02 q6): their wrong answers are not put beside those
# questions' checks. Defined once, in `prodev check-lab`, which judges wrong answers the same way.
from autograder.labcheck import builds_on
from prodev.checking.checkrun import CheckResult, ChecksPlugin, run_checks
from prodev.checking.student import InProcessStudent
from prodev.course import layout
from prodev.course.paths import PUBLIC_SEED
from prodev.runtime.notebook import cell_source, code_to_run, read_notebook, run_cells

ROOT = Path(__file__).resolve().parents[2]
COURSE = layout.Course.load(ROOT)
# The seed the grader runs hidden checks on, so the tests prove what grading will see.
HIDDEN_SEED = hidden_seed(COURSE)

HEADING = re.compile(r"^###\s+Question\s+(\d+[a-z]?)\s+\((\d+(?:\.\d+)?)\s+points?\)", re.M)


@dataclass(frozen=True)
class Lab:
    """A lab of this checkout: its parts where the course model puts them, and its wrong answers."""

    name: str

    @property
    def layout(self) -> layout.Lab:
        return layout.Lab(COURSE, self.name)

    @property
    def source_dir(self) -> Path:
        return self.layout.source_dir

    @property
    def source(self) -> Path:
        return self.layout.source_notebook

    @property
    def release_dir(self) -> Path:
        return self.layout.release_dir

    @property
    def release(self) -> Path:
        return self.layout.release_notebook

    @property
    def hidden_dir(self) -> Path:
        return self.layout.hidden_checks

    @property
    def wrong_dir(self) -> Path:
        return ROOT / "tests" / "fixtures" / self.name / "wrong"

    def wrong_answers(self) -> list[Path]:
        """The plausible wrong answers, `qN_<what>.py`, each the full source of answer cell qN."""
        return sorted(self.wrong_dir.glob("q*_*.py")) if self.wrong_dir.is_dir() else []

    def rewrites(self) -> list[Path]:
        """Correct answers written another way than the reference, `qN_<how>.py` (the
        independent answers of the similarity tests)."""
        folder = ROOT / "tests" / "fixtures" / self.name / "rewrites"
        return sorted(folder.glob("q*_*.py")) if folder.is_dir() else []

    def __str__(self) -> str:
        return self.name


def discover_labs() -> list[Lab]:
    """Every lab with a source notebook in solutions/."""
    return [Lab(name) for name in COURSE.labs()]


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(nb: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """grade_id -> cell, for the cells students write in (nbgrader `solution: true`)."""
    return {
        nbgrader_meta(c)["grade_id"]: c
        for c in nb["cells"]
        if c.get("cell_type") == "code" and nbgrader_meta(c).get("solution")
    }


def check_cells(nb: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """grade_id -> cell, for the graded check cells (`grade: true`, not a solution)."""
    return {
        nbgrader_meta(c)["grade_id"]: c
        for c in nb["cells"]
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }


def heading_points(nb: dict[str, Any]) -> dict[str, float]:
    """Question id -> points announced in its `### Question N (P points)` heading."""
    points: dict[str, float] = {}
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        for number, value in HEADING.findall(cell_source(cell)):
            points[f"q{number}"] = float(value)
    return points


def solution_body(source: str) -> str:
    """The text between `### BEGIN SOLUTION` and `### END SOLUTION` (all blocks joined)."""
    blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, flags=re.S)
    return "".join(blocks)


def with_answer(nb: dict[str, Any], question: str, source: str) -> dict[str, Any]:
    """A copy of `nb` whose answer cell `question` holds `source` instead."""
    changed = copy.deepcopy(nb)
    cell = answer_cells(changed)[question]
    cell["source"] = source
    return changed


def question_of(wrong_answer: Path) -> str:
    """`q3_status_in_where.py` -> `q3`."""
    return wrong_answer.name.split("_", 1)[0]


def _dataset(seed: int, size: str) -> Path:
    from autograder.runner import grading_dataset  # the files grading uses, named as it names them

    return grading_dataset(seed=seed, size=size)


def cells_to_grade(nb: dict[str, Any]) -> list[str]:
    """The code cells to run before the checks: all but check cells, and without the final
    `prodev.check()` cell, which would only run the public checks a second time."""
    return code_to_run(nb)


@dataclass(frozen=True)
class Graded:
    """A variant's check results, and what its notebook run left in the namespace."""

    results: tuple[CheckResult, ...]
    fingerprint: dict[str, str]  # name -> digest (answer_independence.fingerprint)
    reads: dict[str, set[str]]  # question -> global names its answer's functions can read


def grade(
    nb: dict[str, Any],
    workdir: Path,
    public_dir: Path,
    hidden_dir: Path | None,
    questions: Iterable[str] | None = None,
) -> Graded:
    """Run the notebook's code cells, then its public and (if given) hidden checks; only the
    checks of `questions` if given."""
    execution = run_cells(cells_to_grade(nb), workdir)
    namespace = execution.namespace
    found = independence.fingerprint(namespace)
    reads = {
        q: independence.global_reads(namespace, independence.bound_names(cell_source(cell)))
        for q, cell in answer_cells(nb).items()
    }
    try:
        if questions is not None and not questions:
            return Graded((), found, reads)  # the cells only: what they leave in the namespace
        plugin = ChecksPlugin(
            InProcessStudent(execution.namespace),
            _dataset,
            public_seed=PUBLIC_SEED,
            hidden_seed=HIDDEN_SEED if hidden_dir else None,
            hidden_roots=[hidden_dir] if hidden_dir else [],
            questions=questions,
        )
        paths = [public_dir] + ([hidden_dir] if hidden_dir and hidden_dir.is_dir() else [])
        return Graded(tuple(run_checks(paths, plugin)), found, reads)
    finally:
        _close_sql_connections()


def _close_sql_connections() -> None:
    from prodev.runtime import notebook

    close = getattr(notebook, "close_sql_connections", None)
    if close is not None:
        close()


# Grading a variant mostly waits (on the checks' timers, stub servers, PostgreSQL): one lab's
# variants are graded side by side in a few processes of their own. A process grades variants one
# after another, as the test process itself once did (`grade` closes the notebook's SQL
# connections after each); `spawn`, because the test process has threads.
PROCESSES = int(os.environ.get("PRODEV_LAB_TEST_PROCESSES", "3"))


@functools.cache
def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"))


_FROZEN_LABS: set[str] = set()  # labs whose first variant this pool process has graded


def _grade_in_worker(lab_name: str, answers: dict[str, str], questions: list[str] | None) -> Graded:
    """Runs in a pool process: the reference with `answers` (question -> wrong answer or rewrite
    file) swapped in, graded on `questions` (all if None; none if empty: the cells only)."""
    lab = Lab(lab_name)
    nb = read_notebook(lab.source)
    for question, path in answers.items():
        nb = with_answer(nb, question, Path(path).read_text(encoding="utf-8"))
    graded = grade(
        nb, lab.source_dir, lab.layout.public_checks, lab.hidden_dir, questions=questions
    )
    if lab_name not in _FROZEN_LABS:
        # Every variant's notebook starts with IPython's reset, which collects garbage over the
        # whole heap. Frozen once the lab's modules are imported, those objects are not scanned
        # again: a variant costs about half as much CPU (lab 02: 0.20 to 0.11 s).
        if not _FROZEN_LABS:
            atexit.register(gc.unfreeze)  # collected at exit, as extension modules expect
        _FROZEN_LABS.add(lab_name)
        gc.collect()
        gc.freeze()
    return graded


def _submit(lab: str, answers: dict[str, Path], questions=None) -> Future:
    named = {q: str(path) for q, path in answers.items()}
    return _pool().submit(_grade_in_worker, lab, named, questions)


@dataclass(frozen=True)
class CrossCheck:
    """One question's checks run with wrong answers in place for other questions."""

    question: str
    wrong: tuple[str, ...]  # file names of the wrong answers in the notebook
    results: tuple[CheckResult, ...]


def cross_plan(lab_name: str) -> list[tuple[str, dict[str, Path]]]:
    """One pass over every question's checks, each run on the reference with the first wrong
    answer of every other question swapped in (and none of the questions it builds on): a
    question whose reference answer passes there lost nothing to any of those wrong answers.
    Every other wrong answer is proven harmless from its own run (`moved_names`)."""
    lab = Lab(lab_name)
    wrong = wrong_answers_by_question(lab)
    plan = []
    for question in sorted(answer_cells(read_notebook(lab.source))):
        answers = {
            q: paths[0]
            for q, paths in wrong.items()
            if q != question and q not in builds_on(lab_name, question)
        }
        if answers:
            plan.append((question, answers))
    return plan


@dataclass(frozen=True)
class LabGrading:
    """Everything test_labs.py grades of one lab, submitted to the pool at once (so the pool
    stays busy) the first time any of it is asked for."""

    reference: Future  # the reference's cells alone: what they leave in the namespace
    reference_again: Future  # the same, run again: which names vary from run to run
    wrong: dict[str, Future]  # wrong answer file name -> its own question's results
    rewrites: dict[str, Future]  # rewrite file name -> its own question's results
    cross: list[tuple[str, dict[str, Path], Future]]


@functools.cache
def lab_grading(lab_name: str) -> LabGrading:
    lab = Lab(lab_name)
    reference = _submit(lab_name, {}, [])
    reference_again = _submit(lab_name, {}, [])
    wrong = {p.name: _submit(lab_name, {question_of(p): p}, [question_of(p)])
             for p in lab.wrong_answers()}  # fmt: skip
    cross = [(q, answers, _submit(lab_name, answers, [q]))
             for q, answers in cross_plan(lab_name)]  # fmt: skip
    rewrites = {p.name: _submit(lab_name, {question_of(p): p}, [question_of(p)])
                for p in lab.rewrites()}  # fmt: skip
    return LabGrading(reference, reference_again, wrong, rewrites, cross)


@functools.cache
def grade_variant(lab_name: str, variant: str) -> tuple[CheckResult, ...]:
    """Grade the reference with the wrong answer `variant` (a file name in
    tests/fixtures/<lab>/wrong/) in place, in a full run (every check), once per session."""
    lab = Lab(lab_name)
    wrong = lab.wrong_dir / variant
    return _submit(lab_name, {question_of(wrong): wrong}).result().results


def grade_wrong_answers(lab_name: str) -> dict[str, tuple[CheckResult, ...]]:
    """Wrong answer -> the results of its own question's checks (public and hidden)."""
    return {name: f.result().results for name, f in lab_grading(lab_name).wrong.items()}


def grade_rewrites(lab_name: str) -> dict[str, tuple[CheckResult, ...]]:
    """Correct rewrite -> the results of its own question's checks (public and hidden)."""
    return {name: f.result().results for name, f in lab_grading(lab_name).rewrites.items()}


def cross_checks(lab_name: str) -> tuple[CrossCheck, ...]:
    """The cross pass of `cross_plan`, graded."""
    return tuple(
        CrossCheck(question, tuple(p.name for p in answers.values()), future.result().results)
        for question, answers, future in lab_grading(lab_name).cross
    )


def moved_names(lab_name: str, wrong: str) -> dict[str, str]:
    """Name -> how it moved, for each name outside the wrong answer's own cell that holds
    something else after the notebook ran with `wrong` in place than after the reference ran.
    Names whose value varies between two runs of the reference itself are left out."""
    lab = Lab(lab_name)
    grading = lab_grading(lab_name)
    first, second = grading.reference.result(), grading.reference_again.result()
    ran = grading.wrong[wrong].result()
    question = question_of(lab.wrong_dir / wrong)
    own = independence.bound_names(cell_source(answer_cells(read_notebook(lab.source))[question]))
    own |= independence.bound_names((lab.wrong_dir / wrong).read_text(encoding="utf-8"))
    moved = {}
    for name, digest in first.fingerprint.items():
        if name in own or second.fingerprint.get(name) != digest:
            continue
        if name not in ran.fingerprint:
            moved[name] = "no longer defined"
        elif ran.fingerprint[name] != digest:
            moved[name] = "holds something else"
    return moved


def answer_reads(lab_name: str) -> dict[str, set[str]]:
    """Question -> the global names its reference answer's functions and classes can read."""
    return lab_grading(lab_name).reference.result().reads


def wrong_answers_by_question(lab: Lab) -> dict[str, list[Path]]:
    grouped: dict[str, list[Path]] = {}
    for path in lab.wrong_answers():
        grouped.setdefault(question_of(path), []).append(path)
    return grouped


def by_question(results: Iterable[CheckResult]) -> dict[str, list[CheckResult]]:
    """Results grouped by question id, in the order they ran."""
    grouped: dict[str, list[CheckResult]] = {}
    for r in results:
        grouped.setdefault(r.question, []).append(r)
    return grouped


def describe(results: Iterable[CheckResult]) -> str:
    """One line per check, for assertion messages."""
    return "\n".join(
        f"  {r.question} {r.name} {'passed' if r.passed else 'FAILED'}"
        f"{' (hidden)' if r.hidden else ''}{': ' + r.message if r.message else ''}"
        for r in results
    )


def public_fingerprints(lab_name: str) -> dict[str, dict[str, Any]]:
    """For each SQL answer of the reference: row count and fingerprints on the public dataset.

    What a lab's public checks pin down; run this module to print them after the dataset
    generator changes (`python tests/content/labs_harness.py lab04_advanced_sql`).
    """
    from prodev.checking import fingerprint

    lab = Lab(lab_name)
    nb = read_notebook(lab.source)
    execution = run_cells(cells_to_grade(nb), lab.source_dir)
    student = InProcessStudent(execution.namespace)
    found: dict[str, dict[str, Any]] = {}
    try:
        for question in answer_cells(nb):
            if not isinstance(execution.namespace.get(question), str):
                continue  # a function answer: its checks pin other things down
            result = student.sql(question, _dataset(PUBLIC_SEED, "small"))
            found[question] = {
                "columns": result.columns,
                "ROWS": len(result.rows),
                "FINGERPRINT": fingerprint(result.rows),
                "FINGERPRINT_IN_ORDER": fingerprint(result.rows, ordered=True),
            }
    finally:
        _close_sql_connections()
    return found


if __name__ == "__main__":
    import json
    import sys

    for name in sys.argv[1:] or [lab.name for lab in discover_labs()]:
        print(name, json.dumps(public_fingerprints(name), indent=2))
