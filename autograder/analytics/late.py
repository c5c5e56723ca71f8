"""Which submissions came in after the due date.

A submission's time is nbgrader's timestamp.txt, which grading copies into its results document
(`timestamp`). The due date comes from `prodev report --due`, else from nbgrader's gradebook
(`nbgrader db assignment add LAB --duedate=...`), where a student's extension and the late
penalty nbgrader applied are found too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from autograder.results.document import ResultsDocument
from autograder.results.gradebook import SubmissionTime


def parse_time(text: str | None) -> datetime | None:
    """A time as nbgrader writes it ("2026-03-20 17:00:00.000000 UTC") or in ISO 8601, in UTC
    without a time zone (as nbgrader's gradebook keeps it); None if it does not parse."""
    if not isinstance(text, str) or not text.strip():
        return None
    import dateutil.parser
    import dateutil.tz

    parts = text.strip().split(" ")
    try:
        if len(parts) == 3 and not parts[2][:1].isdigit():
            zone = dateutil.tz.gettz(parts[2])
            if zone is None:
                return None
            when = dateutil.parser.parse(" ".join(parts[:2])).replace(tzinfo=zone)
        else:
            when = dateutil.parser.parse(text.strip())
    except (ValueError, OverflowError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def format_time(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%d %H:%M:%S UTC")


def lateness(
    documents: dict[str, ResultsDocument],
    due: datetime | None,
    due_from: str | None,
    gradebook: dict[str, SubmissionTime],
) -> dict:
    """The late submissions, latest first, and the students whose time is unknown."""
    late, without, on_time = [], [], 0
    for student, document in sorted(documents.items()):
        known = gradebook.get(student)
        submitted = parse_time(document.get("timestamp"))
        if submitted is None and known is not None:
            submitted = known.timestamp
        deadline = due
        if known is not None and known.duedate is not None and due_from == "gradebook":
            deadline = known.duedate  # the student's extension is in there
        if submitted is None:
            without.append(student)
            continue
        if deadline is None or submitted <= deadline:
            on_time += 1
            continue
        late.append(
            {
                "student": student,
                "submitted": format_time(submitted),
                "due": format_time(deadline),
                "hours_late": round((submitted - deadline).total_seconds() / 3600, 2),
                "penalty": known.penalty if known is not None else None,
                "score": document["score"],
            }
        )
    late.sort(key=lambda row: (-row["hours_late"], row["student"]))
    return {
        "due": format_time(due),
        "due_from": due_from,
        "late": late,
        "on_time": on_time if due is not None else None,
        "without_time": without,
    }
