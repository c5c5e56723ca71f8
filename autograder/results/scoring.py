"""Turn check results into a submission's grade: results.json, per-question totals, grades.csv.

The results file has Gradescope's `results.json` shape (`score`, `max_score`, `execution_time`,
`tests[]` with `name`, `score`, `max_score`, `status`, `output`, `visibility`) plus `questions`
(score, max_score and, for every question short of full marks, a one-line reason) and what
grading needs to resume; its type and JSON Schema are in autograder/results/document.py.
Hidden checks appear under generic names with their messages only.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.results.document import (
    RESULTS_VERSION,
    Lateness,
    QuestionTotal,
    ResultsDocument,
    TestResult,
    write_results,
)
from prodev.checking.checkrun import CheckResult


@dataclass
class SubmissionFacts:
    """What stage A found out about one submission, beside the check results."""

    student: str
    sha256: str
    grading_key: str  # changes when the lab's checks or source notebook change
    unreadable: str | None = None  # why the notebook could not be run at all
    missing: dict[str, str] | None = None  # answer grade id -> reason
    skipped_cells: dict[str, str] | None = None  # cell label -> why it was skipped
    cell_errors: list[str] | None = None
    notes: list[str] | None = None
    seconds: float = 0.0  # the notebook's own run time in the sandbox
    check_seconds: float = 0.0  # time spent inside check functions (answers included)
    output_truncated: bool = False
    time_limit: float | None = None  # the notebook's time limit in seconds


def _question_key(question: str) -> tuple:
    digits = "".join(ch for ch in question if ch.isdigit())
    return (int(digits) if digits else 10**6, question)


def grade(
    facts: SubmissionFacts,
    results: list[CheckResult],
    question_points: dict[str, float],
    execution_time: float,
) -> ResultsDocument:
    """The results.json document for one submission."""
    tests: list[TestResult] = []
    hidden_counter: dict[str, int] = {}
    totals: dict[str, QuestionTotal] = {}
    missing = facts.missing or {}
    for r in sorted(results, key=lambda r: _question_key(r.question)):
        passed = r.passed and r.question not in missing
        message = r.message
        if r.question in missing:
            message = missing[r.question]
        elif facts.unreadable:
            message = facts.unreadable
        if r.hidden:
            hidden_counter[r.question] = hidden_counter.get(r.question, 0) + 1
            name = f"{r.question}: hidden check {hidden_counter[r.question]}"
        else:
            name = f"{r.question}: {r.name}"
        score = r.points if passed else 0.0
        tests.append(
            {
                "name": name,
                "score": score,
                "max_score": r.points,
                "status": "passed" if passed else "failed",
                "output": "" if passed else message,
                "visibility": "after_published" if r.hidden else "visible",
            }
        )
        t = totals.setdefault(r.question, QuestionTotal(score=0.0, max_score=0.0, reason=None))
        t["score"] += score
        t["max_score"] += r.points
        if not passed and t["reason"] is None:
            t["reason"] = message.splitlines()[0][:300] if message else "a check failed"
    for question, points in question_points.items():
        t = totals.setdefault(question, QuestionTotal(score=0.0, max_score=points, reason=None))
        if t["max_score"] == 0 and points:
            t["max_score"] = points
            t["reason"] = t["reason"] or "no checks were found for this question"
    skipped = facts.skipped_cells or {}
    for question, t in totals.items():
        if t["score"] >= t["max_score"]:
            t["reason"] = None
        elif question in skipped:
            # The checks only saw what the unfinished cell left ("`q3` is not defined"); the
            # cause belongs on the question's own row.
            t["reason"] = f"your answer cell was stopped: {skipped[question]}"
        elif t["reason"] is None:
            t["reason"] = missing.get(question) or facts.unreadable or "no check passed"
    questions = {q: totals[q] for q in sorted(totals, key=_question_key)}
    score = sum(t["score"] for t in questions.values())
    max_score = sum(t["max_score"] for t in questions.values())
    notes = list(facts.notes or [])
    notes += [f"{label}: {why}" for label, why in (facts.skipped_cells or {}).items()]
    document: ResultsDocument = {
        "score": score,
        "max_score": max_score,
        "execution_time": round(execution_time, 3),
        "output": _summary(facts, notes),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "questions": questions,
        "student": facts.student,
        "notes": notes,
        "cell_errors": list(facts.cell_errors or []),
        "notebook_seconds": round(facts.seconds, 3),
        "check_seconds": round(facts.check_seconds, 3),
        "submission_sha256": facts.sha256,
        "grading_key": facts.grading_key,
        "results_version": RESULTS_VERSION,
        "stopped_cells": dict(skipped),
    }
    if facts.time_limit is not None:
        document["time_limit"] = facts.time_limit
    return document


def _summary(facts: SubmissionFacts, notes: list[str]) -> str:
    if facts.unreadable:
        return f"This notebook could not be graded: {facts.unreadable}"
    lines = ["Graded in a sandbox; scores come from the lab's checks."]
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


def final_score(document: ResultsDocument) -> float:
    """The grade nbgrader exports: the score less the late penalty, once the gradebook step
    has recorded it (the score itself before that)."""
    late = document.get("late")
    return late["final_score"] if late else document["score"]


def write_grades_csv(path: Path, documents: Iterable[ResultsDocument]) -> None:
    """One row per student: the checks' total, maximum, late penalty and final score (as
    `nbgrader export` gives them), and one column per question."""
    documents = sorted(documents, key=lambda d: d["student"])
    questions: list[str] = []
    for d in documents:
        for q in d.get("questions", {}):
            if q not in questions:
                questions.append(q)
    questions.sort(key=_question_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["student", "score", "max_score", "late_penalty", "final_score", *questions]
        )
        for d in documents:
            per_q = d.get("questions", {})
            penalty = d["late"]["penalty"] if "late" in d else 0.0
            writer.writerow(
                [d["student"], f"{d['score']:g}", f"{d['max_score']:g}"]
                + [f"{penalty:g}", f"{final_score(d):g}"]
                + [f"{per_q[q]['score']:g}" if q in per_q else "" for q in questions]
            )
    os.replace(tmp, path)


def format_table(documents: list[ResultsDocument]) -> str:
    """The final table printed after a batch: student, score, and why points were lost."""
    rows = [("student", "score", "time", "points lost")]
    for d in sorted(documents, key=lambda d: d["student"]):
        questions = d.get("questions", {})
        lost = [_lost(q, t) for q, t in questions.items() if t["score"] < t["max_score"]]
        rows.append(
            (
                d["student"],
                f"{d['score']:g}/{d['max_score']:g}",
                f"{d.get('execution_time', 0):.1f}s",
                ", ".join(lost) if lost else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
        for r in rows
    )


def _lost(question: str, total: QuestionTotal) -> str:
    """`q3` for a question that earned nothing, `q4 (3/5)` for a partial loss."""
    if total["score"] <= 0:
        return question
    return f"{question} ({total['score']:g}/{total['max_score']:g})"


def record_lateness(
    results_dir: Path, documents: list[ResultsDocument], late: dict[str, Lateness]
) -> list[ResultsDocument]:
    """Each document with its student's lateness from the gradebook, rewritten in
    `results_dir` where it changed, so that feedback and grades.csv show the final grade."""
    updated = []
    for document in documents:
        lateness = late.get(document["student"])
        if lateness is not None and document.get("late") != lateness:
            document = {**document, "late": lateness}  # type: ignore[typeddict-item]
            write_results(results_dir / f"{document['student']}.json", document)
        updated.append(document)
    return updated
