"""Why a submission is graded again, and what a regrade changed: the lines a run prints so that
an instructor sees the reason for each regrade and every grade that moved."""

from __future__ import annotations

from collections import Counter

from autograder.results.document import ResultsDocument

# Why a submission is graded in this run (None: its last results still hold).
NEW = "new"
RESUBMITTED = "resubmitted"
CHECKS_CHANGED = "the lab's checks or hidden seed changed"
ASKED = "asked for (--force or --student)"


def why_graded(
    previous: ResultsDocument | None, sha256: str, grading_key: str, asked: bool
) -> str | None:
    """The reason to grade a submission now, or None to keep its last results."""
    if previous is None:
        return NEW
    if previous.get("submission_sha256") != sha256:
        return RESUBMITTED
    if previous.get("grading_key") != grading_key:
        return CHECKS_CHANGED
    return ASKED if asked else None


def summarise_reasons(reasons: dict[str, str]) -> str:
    """ "3 new, 4 because the lab's checks or hidden seed changed" (empty when nothing)."""
    counts = Counter(reasons.values())
    parts = []
    for reason in (NEW, RESUBMITTED, CHECKS_CHANGED, ASKED):
        if counts[reason]:
            parts.append(
                f"{counts[reason]} {reason}"
                if reason in (NEW, RESUBMITTED)
                else f"{counts[reason]} because {reason}"
            )
    return ", ".join(parts)


def describe_change(student: str, old: ResultsDocument, new: ResultsDocument) -> str | None:
    """ "ann: 28 -> 30 (q3 2 -> 4)" when a regrade moved the score or a question's points."""
    moved = []
    old_questions, new_questions = old.get("questions", {}), new.get("questions", {})
    for question in sorted(set(old_questions) | set(new_questions), key=_question_order):
        before = old_questions.get(question, {}).get("score")
        after = new_questions.get(question, {}).get("score")
        if before != after:
            moved.append(f"{question} {_points(before)} -> {_points(after)}")
    if not moved and old["score"] == new["score"]:
        return None
    total = f"{_points(old['score'])} -> {_points(new['score'])}"
    return f"{student}: {total} ({', '.join(moved)})" if moved else f"{student}: {total}"


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _question_order(question: str) -> tuple[int, str]:
    digits = "".join(ch for ch in question if ch.isdigit())
    return (int(digits) if digits else 0, question)
