"""`prodev check-lab LAB`: prove a lab both ways before students see it.

Graded, each in a process of its own: the reference (the source notebook) must score full marks
on public and hidden checks; the blank release must score zero with messages a student can act
on; each wrong answer in `tests/fixtures/LAB/wrong/qN_<what>.py` (the full source of answer cell
qN) must lose points on question qN and on no other question, and each correct rewrite in
`tests/fixtures/LAB/rewrites/` must score full marks. Also: every question has public
checks, hidden checks and a wrong answer; its heading, check cell and checks agree on its points;
and labs/ is in sync with solutions/. This is what the course's own lab tests demand of a lab.

The notebook runs in the checking process, not in the sandbox: it is the author's own reference
and wrong answers. Grading students' submissions is `prodev grade`.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodev.checking.checkrun import CheckResult
from prodev.course.layout import Course, Lab

HEADING = re.compile(r"^###\s+Question\s+(\d+[a-z]?)\s+\((\d+(?:\.\d+)?)\s+points?\)", re.M)
# Messages that mean a check crashed instead of judging the answer.
CRASH_WORDS = ("could not evaluate", "Traceback", "check has no @check")
# Questions whose answer is built from earlier answers, as their wording says (lab 02 q6 composes
# the student's own retry and transactional): a wrong answer there rightly costs points here too.
# The course's lab tests read this too (tests/content/labs_harness.py).
BUILDS_ON: dict[str, dict[str, set[str]]] = {"lab02_decorators": {"q6": {"q3", "q4"}}}


def builds_on(lab_name: str, question: str) -> set[str]:
    """The questions whose answers `question` of `lab_name` is built from."""
    return BUILDS_ON.get(lab_name, {}).get(question, set())


@dataclass
class Item:
    """One thing check-lab verified: what, whether it holds, and why not."""

    name: str
    ok: bool
    detail: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = f"{'ok  ' if self.ok else 'FAIL'}  {self.name}"
        text += f": {self.detail}" if self.detail else ""
        return "\n".join([text, *[f"        - {p}" for p in self.problems]])


def fixtures(course: Course, lab: str, kind: str) -> list[Path]:
    """The lab's wrong answers (`kind` "wrong") or correct rewrites ("rewrites"):
    tests/fixtures/LAB/KIND/qN_<what>.py in the course, each the full source of answer cell qN."""
    folder = course.root / "tests" / "fixtures" / lab / kind
    return sorted(folder.glob("q*_*.py")) if folder.is_dir() else []


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_ids(nb: dict[str, Any]) -> list[str]:
    return [
        _meta(c)["grade_id"]
        for c in nb["cells"]
        if c.get("cell_type") == "code" and _meta(c).get("solution")
    ]


def _declared_points(nb: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """Question -> points, as the headings say and as the check cells say."""
    from prodev.runtime.notebook import cell_source

    headings: dict[str, float] = {}
    cells: dict[str, float] = {}
    for cell in nb["cells"]:
        meta = _meta(cell)
        if cell.get("cell_type") == "markdown":
            for number, value in HEADING.findall(cell_source(cell)):
                headings[f"q{number}"] = float(value)
        elif meta.get("grade") and not meta.get("solution"):
            cells[meta["grade_id"].removesuffix("_check")] = float(meta.get("points", 0))
    return headings, cells


def grade_variant(
    root: str, lab_name: str, variant: str, answer: str | None = None
) -> list[CheckResult]:
    """Runs in a pool process: grade the reference, the blank release ("blank"), or the reference
    with the file `answer` (a wrong answer or a rewrite) in place of its question's answer cell,
    on every check."""
    from autograder.config import hidden_seed
    from autograder.runner import grading_dataset
    from prodev.checking.checkrun import ChecksPlugin, run_checks
    from prodev.checking.student import InProcessStudent
    from prodev.course.paths import PUBLIC_SEED
    from prodev.runtime.notebook import close_sql_connections, code_to_run, read_notebook, run_cells

    course = Course.load(root)
    lab = Lab(course, lab_name)
    if variant == "blank":
        nb, workdir, public = (
            read_notebook(lab.release_notebook),
            lab.release_dir,
            lab.released_checks,
        )
    else:
        nb, workdir, public = read_notebook(lab.source_notebook), lab.source_dir, lab.public_checks
    if answer is not None:
        question = Path(answer).name.split("_", 1)[0]
        for cell in nb["cells"]:
            if _meta(cell).get("solution") and _meta(cell).get("grade_id") == question:
                cell["source"] = Path(answer).read_text(encoding="utf-8")
    execution = run_cells(code_to_run(nb), workdir)
    try:
        hidden = [lab.hidden_checks] if lab.hidden_checks.is_dir() else []
        plugin = ChecksPlugin(
            InProcessStudent(execution.namespace),
            grading_dataset,
            public_seed=PUBLIC_SEED,
            hidden_seed=hidden_seed(course),
            hidden_roots=hidden,
        )
        paths = [p for p in (public, *hidden) if p.is_dir()]
        return run_checks(paths, plugin) if paths else []
    finally:
        close_sql_connections()


def _by_question(results: list[CheckResult]) -> dict[str, list[CheckResult]]:
    grouped: dict[str, list[CheckResult]] = {}
    for r in results:
        grouped.setdefault(r.question, []).append(r)
    return grouped


def _points(results: list[CheckResult]) -> str:
    return f"{sum(r.score for r in results):g} of {sum(r.points for r in results):g} points"


def _failed(results: list[CheckResult]) -> list[str]:
    return [
        f"{r.question} {r.name}{' (hidden)' if r.hidden else ''}: {r.message}"
        for r in results
        if not r.passed
    ]


def judge_reference(results: list[CheckResult], questions: list[str], nb: dict) -> list[Item]:
    items = [Item("reference", bool(results) and all(r.passed for r in results), _points(results))]
    items[0].problems = _failed(results) or ([] if results else ["no check ran"])
    grouped = _by_question(results)
    headings, cells = _declared_points(nb)
    for q in questions:
        own = grouped.get(q, [])
        public = [r for r in own if not r.hidden]
        hidden = [r for r in own if r.hidden]
        checks = sum(r.points for r in own)
        problems = []
        if not public:
            problems.append(f"no public check for {q} (solutions/.../checks/test_{q}.py)")
        if not hidden:
            problems.append(f"no hidden check for {q} (the hidden checks' test_{q}_hidden.py)")
        if not headings.get(q) == cells.get(q) == checks:
            heading, cell = (f"{p[q]:g}" if q in p else "none" for p in (headings, cells))
            problems.append(
                f"points differ: heading {heading}, check cell {cell}, sum of its checks {checks:g}"
            )
        detail = f"{len(public)} public and {len(hidden)} hidden checks, {checks:g} points"
        items.append(Item(f"{q} checks", not problems, detail, problems))
    strays = sorted(set(grouped) - set(questions))
    if strays:
        items.append(
            Item("checks", False, "", [f"checks for {q}, which has no answer cell" for q in strays])
        )
    return items


def judge_blank(results: list[CheckResult]) -> Item:
    problems = [f"{r.question} {r.name} passes on the blank release" for r in results if r.passed]
    problems += [
        f"{r.question} {r.name}: a message a student cannot act on: {r.message or '(empty)'}"
        for r in results
        if not r.passed and (not r.message.strip() or any(w in r.message for w in CRASH_WORDS))
    ]
    if not results:
        problems.append("no check ran on the blank release")
    return Item("blank release", not problems, _points(results), problems)


def judge_wrong(
    lab_name: str, path: Path, results: list[CheckResult], questions: list[str]
) -> Item:
    question = path.name.split("_", 1)[0]
    grouped = _by_question(results)
    own = grouped.get(question, [])
    problems = []
    if question not in questions:
        problems.append(f"{question} is not a question of this lab (no answer cell {question})")
    elif all(r.passed for r in own):
        problems.append(f"loses nothing: every check of {question} passes")
    problems += [
        f"{r.question} {r.name}: the check crashed: {r.message}"
        for r in own
        if any(w in r.message for w in CRASH_WORDS)
    ]
    for other, rs in grouped.items():
        if other == question or question in builds_on(lab_name, other):
            continue  # its own question, or one whose answer is built from this one
        if not all(r.passed for r in rs):
            problems.append(f"also costs points on {other}: " + "; ".join(_failed(rs)))
    detail = f"{question} {_points(own)}"
    return Item(f"wrong answer {path.name}", not problems, detail, problems)


def judge_rewrite(path: Path, results: list[CheckResult]) -> Item:
    """A correct answer written another way scores full marks on every check."""
    question = path.name.split("_", 1)[0]
    own = [r for r in results if r.question == question]
    problems = _failed(results) or ([] if own else [f"no check of {question} ran"])
    return Item(f"rewrite {path.name}", not problems, f"{question} {_points(own)}", problems)


def check_lab(
    name: str,
    root: Path | None = None,
    jobs: int = 2,
    report: Callable[[Item], None] | None = None,
) -> list[Item]:
    """Verify lab `name` of the course at `root`; each item is passed to `report` when known."""
    from prodev.course.release import stale_files
    from prodev.runtime.notebook import read_notebook

    course = Course.load(root)
    lab = course.lab(name)
    nb = read_notebook(lab.source_notebook)
    questions = answer_ids(nb)
    wrong = fixtures(course, name, "wrong")
    rewrites = fixtures(course, name, "rewrites")
    items: list[Item] = []

    def add(item: Item) -> None:
        items.append(item)
        if report is not None:
            report(item)

    root_text = str(course.root)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no state carried over
    with ProcessPoolExecutor(max(1, jobs), mp_context=context) as pool:
        reference = pool.submit(grade_variant, root_text, name, "reference")
        blank: Future | None = None
        if lab.release_notebook.is_file():
            blank = pool.submit(grade_variant, root_text, name, "blank")
        graded = {p: pool.submit(grade_variant, root_text, name, "wrong", str(p)) for p in wrong}
        rewritten = {
            p: pool.submit(grade_variant, root_text, name, "rewrite", str(p)) for p in rewrites
        }
        # nbgrader releases a fresh copy here while the pool grades.
        stale = stale_files([name], course.root) if blank is not None else []
        for item in judge_reference(reference.result(), questions, nb):
            add(item)
        if blank is None:
            add(
                Item("blank release", False, "", [f"no {lab.release_notebook}: run prodev release"])
            )
        else:
            add(judge_blank(blank.result()))
        covered = {p.name.split("_", 1)[0] for p in wrong}
        for q in questions:
            if q not in covered:
                folder = course.root / "tests" / "fixtures" / name / "wrong"
                add(Item(f"{q} wrong answers", False, "", [f"none: add {folder}/{q}_<what>.py"]))
        for path, future in graded.items():
            add(judge_wrong(name, path, future.result(), questions))
        for path, future in rewritten.items():
            add(judge_rewrite(path, future.result()))
    if blank is not None:
        add(
            Item(
                "release in sync",
                not stale,
                "",
                [f"{s}: run `prodev release {name}`" for s in stale],
            )
        )
    return items
