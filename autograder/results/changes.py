"""Why a submission is graded again, and what a regrade changed: the lines a run prints so that
an instructor sees the reason for each regrade and every grade that moved."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from autograder.results.document import ResultsDocument

# Why a submission is graded in this run (None: its last results still hold).
NEW = "new"
RESUBMITTED = "resubmitted"
CHECKS_CHANGED = "the lab's checks or hidden seed changed"
ASKED = "asked for (--force or --student)"

# Beside a lab's results: one file per lab version graded (grading key -> file fingerprints).
VERSIONS_FOLDER = "lab-versions"


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


def save_lab_version(results: Path, key: str, files: dict[str, str]) -> None:
    """Keep the fingerprints of the files graded under `key`, for a later run to compare."""
    folder = Path(results) / VERSIONS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key}.json"
    if not target.is_file():
        tmp = folder / f".{key}.tmp"
        tmp.write_text(json.dumps(files, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, target)


def _lab_version(results: Path, key: str) -> dict[str, str] | None:
    try:
        files = json.loads((Path(results) / VERSIONS_FOLDER / f"{key}.json").read_text())
    except (OSError, ValueError):
        return None
    return files if isinstance(files, dict) else None


def lab_changed_labels(results: Path, old_key: str, files: dict[str, str]) -> list[str] | None:
    """The labels of the files that differ between the lab version graded under `old_key` and
    `files` (added, removed or changed); None when that version's files were not kept."""
    before = _lab_version(results, old_key)
    if before is None:
        return None
    return [
        label for label in sorted(set(before) | set(files)) if before.get(label) != files.get(label)
    ]


def lab_changes(results: Path, old_key: str, files: dict[str, str]) -> str | None:
    """ "hidden/test_q5_hidden.py changed, public/test_q9.py added" between the lab version
    graded under `old_key` and `files`; None when that version's files were not kept."""
    labels = lab_changed_labels(results, old_key, files)
    if labels is None:
        return None
    before = _lab_version(results, old_key) or {}
    changes = []
    for label in labels:
        if label not in files:
            changes.append(f"{label} removed")
        elif label not in before:
            changes.append(f"{label} added")
        else:
            changes.append(f"{label} changed")
    return ", ".join(changes) or "no file changed, so the hidden seed (or the results format) did"
