"""Split a class into shards graded separately, and merge the shards' results into one folder.

Assignment is round-robin over the students sorted by id: shard I of N grades the students at
positions I, I + N, I + 2N, ... of that sorted list. Every shard reads the same submissions
folder, so N shards run separately grade every submission exactly once, and shard sizes differ
by at most one. (Round-robin balances a small class better than a hash of the student id would.)

Merging reads every shard's OUT/LAB/<student>.json, refuses a file that is not a valid results
document (autograder/results/results.schema.json) and a student graded twice with different
results, and writes the union as if one unsharded run had produced it: the per-student files,
grades.csv, and the course's nbgrader gradebook.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from autograder.results.document import (
    ResultsDocument,
    read_results,
    read_results_if_valid,
    results_files,
    write_results,
)
from autograder.results.scoring import write_grades_csv
from prodev.course.layout import CourseError
from prodev.errors import UserError

SHARD_USAGE = "--shard takes I/N with 0 <= I < N, e.g. 0/4"
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

# Keys of a results document that vary from one run to the next without changing the grade.
_TIMING_KEYS = frozenset({"execution_time", "notebook_seconds", "check_seconds"})

T = TypeVar("T")


class ShardError(UserError, ValueError):
    """A --shard value that cannot be used; the message says what is expected."""


@dataclass(frozen=True)
class Shard:
    """Shard `index` (zero-based, like a Kubernetes JOB_COMPLETION_INDEX) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, students: Sequence[str]) -> list[str]:
        """The students this shard grades: round-robin over the sorted ids."""
        return [
            s for position, s in enumerate(sorted(students)) if position % self.count == self.index
        ]


def parse_shard(text: str) -> Shard:
    """Read `I/N` (for example `0/4`); ShardError with the expected form if it is not one."""
    match = _SHARD.match(text or "")
    if not match:
        raise ShardError(f"{SHARD_USAGE}; got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 0 <= index < count:
        raise ShardError(f"{SHARD_USAGE}; got {text!r}")
    return Shard(index, count)


def select_submissions(submissions: Sequence[T], shard: Shard | None, student_of: Any) -> list[T]:
    """The submissions of `shard` (all of them when `shard` is None), in their original order."""
    if shard is None:
        return list(submissions)
    mine = set(shard.select([student_of(s) for s in submissions]))
    return [s for s in submissions if student_of(s) in mine]


def _grade_content(document: ResultsDocument) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in _TIMING_KEYS}


@dataclass
class MergeReport:
    """What a merge found and wrote."""

    lab: str
    out: Path
    sources: list[Path] = field(default_factory=list)  # the shard folders read
    documents: dict[str, ResultsDocument] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)  # student -> shard folder
    duplicates: list[str] = field(default_factory=list)  # graded in two shards, same result
    removed: list[str] = field(default_factory=list)  # stale files of OUT/LAB deleted


def find_shard_folders(sources: Sequence[Path], lab: str, out: Path | None = None) -> list[Path]:
    """Shard folders (each holding LAB/) among `sources` and their sub-folders, never `out`."""
    out = Path(out).resolve() if out is not None else None
    found: list[Path] = []
    for source in sources:
        source = Path(source).resolve()
        if not source.is_dir():
            raise CourseError(f"{source} is not a folder: pass --from the folder the shards wrote")
        candidates = [source] + sorted(p for p in source.iterdir() if p.is_dir())
        for folder in candidates:
            if folder == out or not (folder / lab).is_dir() or folder in found:
                continue
            found.append(folder)
    if not found:
        raise CourseError(
            f"no shard results for {lab} in {', '.join(str(s) for s in sources)}: expected "
            f"folders like shard-0/{lab}/<student>.json (what `prodev grade {lab} --out "
            "DIR/shard-I --shard I/N` writes)"
        )
    return found


def read_shards(sources: Sequence[Path], lab: str, out: Path | None = None) -> MergeReport:
    """The union of the shards' results of `lab`, checked as a merge checks them, without
    writing anything (`out`, the merge's target, is never read as a shard).

    Every results file must be a valid results document (ResultsError names the file and the
    field otherwise), and a student found in two shards must have the same grade in both
    (timings aside); otherwise CourseError names the student and both folders."""
    report = MergeReport(lab, Path(out).resolve() / lab if out is not None else Path())
    report.sources = find_shard_folders(sources, lab, out)
    versions: dict[str, set[Path]] = {}  # grading key -> the shard folders graded with it
    for folder in report.sources:
        for path in results_files(folder / lab):
            document = read_results(path)
            student = document["student"]
            if student != path.stem:
                raise CourseError(
                    f"{path} holds the results of {student!r}, not {path.stem!r}: "
                    "regrade that shard instead of renaming results files"
                )
            if student in report.documents:
                if _grade_content(report.documents[student]) != _grade_content(document):
                    raise CourseError(
                        f"{student} was graded in two shards with different results: "
                        f"{report.origin[student] / lab / path.name} and {path}. Delete the "
                        "wrong one (or regrade that student with --force) and merge again"
                    )
                report.duplicates.append(student)
                continue
            report.documents[student] = document
            report.origin[student] = folder
            versions.setdefault(str(document.get("grading_key")), set()).add(folder)
    if len(versions) > 1:
        raise CourseError(_versions_message(lab, versions))
    return report


def _versions_message(lab: str, versions: dict[str, set[Path]]) -> str:
    """Every shard folder, grouped by the version of the lab it graded, oldest group first
    (by when its results were last written)."""

    def newest(folders: set[Path]) -> float:
        return max(p.stat().st_mtime for f in folders for p in results_files(f / lab))

    groups = sorted(versions.values(), key=newest)
    described = []
    for i, folders in enumerate(groups):
        when = datetime.fromtimestamp(newest(folders)).strftime("%Y-%m-%d %H:%M")
        age = "the newest" if i == len(groups) - 1 else "older"
        names = ", ".join(str(f) for f in sorted(folders))
        described.append(f"{names} (graded up to {when}, {age})")
    return (
        f"the shards graded {len(groups)} different versions of {lab} (the lab's notebook or "
        f"checks changed between them): {'; '.join(described)}. Regrade the older shards with "
        "the current lab, then merge again"
    )


def merge_results(sources: Sequence[Path], lab: str, out: Path) -> MergeReport:
    """Join the shards' results into OUT/LAB/: per-student JSON and grades.csv.

    Every results file must be a valid results document (ResultsError names the file and the
    field otherwise), and a student found in two shards must have the same grade in both
    (timings aside); otherwise CourseError names the student and both folders. Running it again
    gives the same files.
    """
    report = read_shards(sources, lab, Path(out))
    if not report.documents:
        raise CourseError(f"the shard folders hold no results files for {lab}")
    report.out.mkdir(parents=True, exist_ok=True)
    for student, document in sorted(report.documents.items()):
        target = report.out / f"{student}.json"
        if read_results_if_valid(target) != document:
            write_results(target, document)
    for stale in results_files(report.out):
        if stale.stem not in report.documents:
            stale.unlink()
            report.removed.append(stale.name)
    write_grades_csv(report.out / "grades.csv", list(report.documents.values()))
    return report
