"""The results document of one submission: its type, its JSON Schema, and reading and writing it.

Every module that reads or writes OUT/LAB/<student>.json goes through here. A document is
checked against results.schema.json (beside this file) when it is written and when it is read for
a merge, so a truncated, hand-edited or foreign file is refused with a message that names the
file and the field, instead of turning into a wrong grade further on.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from prodev.course.layout import CourseError

RESULTS_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class TestResult(TypedDict):
    """One check's outcome, as Gradescope shows a test."""

    name: str
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str
    visibility: Visibility


class QuestionTotal(TypedDict):
    score: float
    max_score: float
    reason: str | None  # why the question fell short of full marks; None when it did not


class Lateness(TypedDict):
    """The submission's time as nbgrader's gradebook sees it, and the grade it exports."""

    due: str | None  # ISO 8601, UTC
    submitted: str | None
    seconds_late: float
    penalty: float
    final_score: float


class ResultsDocument(TypedDict):
    """Gradescope's results.json shape plus per-question totals and what resuming needs."""

    score: float
    max_score: float
    execution_time: float
    output: str
    visibility: Visibility
    stdout_visibility: Visibility
    tests: list[TestResult]
    questions: dict[str, QuestionTotal]
    student: str
    notes: list[str]
    cell_errors: list[str]
    notebook_seconds: float
    check_seconds: float
    submission_sha256: str
    grading_key: str
    results_version: int
    timestamp: NotRequired[str]
    late: NotRequired[Lateness]
    stopped_cells: NotRequired[dict[str, str]]  # label -> why the grader stopped that cell
    time_limit: NotRequired[float]  # the notebook's time limit when it was graded


class ResultsError(CourseError):
    """A results file that is not a valid results document; the message names file and field."""


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(document: Any) -> list[str]:
    """Every way `document` differs from the schema, one line each (empty when it is valid)."""
    found = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path)
        found.append(f"{error.message} (at {where or 'the top level'})")
    return found


def validate(document: Any, where: str | Path) -> ResultsDocument:
    """`document` typed as a ResultsDocument; ResultsError naming `where` and the first problems."""
    found = problems(document)
    if found:
        shown = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        raise ResultsError(
            f"{where} is not a valid results document: {shown}. Regrade that submission "
            "(`prodev grade LAB --force`) rather than editing results files by hand"
        )
    return document


def write_results(path: Path, document: ResultsDocument) -> None:
    """Validate `document` and write it so that readers see the old file or the new one."""
    validate(document, path)
    write_json_atomically(path, document)


def write_json_atomically(path: Path, document: Any) -> None:
    """Write `document` as JSON so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, allow_nan=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_results(path: Path) -> ResultsDocument:
    """The results document in `path`; ResultsError if it is unreadable or not valid."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultsError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ResultsError(f"{path} is not JSON ({exc}): regrade that submission") from None
    return validate(document, path)


def read_results_if_valid(path: Path) -> ResultsDocument | None:
    """The results document in `path`, or None if it is absent or not valid (then it is
    graded again rather than trusted)."""
    try:
        return read_results(path)
    except ResultsError:
        return None


def results_files(folder: Path) -> list[Path]:
    """The per-student results files of a lab's results folder, sorted by student."""
    if not Path(folder).is_dir():
        return []
    return sorted(p for p in Path(folder).glob("*.json") if not p.name.startswith("."))
