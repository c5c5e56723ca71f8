"""Find submissions, read them without trusting them, and decide which cells run.

Cells are matched to the lab's source notebook (`Lab.source_notebook`, solutions/LAB/LAB.ipynb
in this repository) by nbgrader grade id.
Locked cells (setup and the like) always run as the source has them, whatever the submission
says; answer cells come from the submission (the first cell with that grade id); check cells
never run in the sandbox, since checks run in the grader. Points and questions come only from
the source notebook and the checks, never from the submission's metadata.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodev.course.layout import CourseError
from prodev.runtime.notebook import NotebookError, cell_source, is_self_check_call, read_notebook

# Bigger notebooks are not run (a lab with outputs is well under this).
MAX_NOTEBOOK_BYTES = 20_000_000
# A locked cell that only runs the self-check (like "check all"): checks run in the grader.
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$")


@dataclass(frozen=True)
class Submission:
    """One student's notebook for a lab."""

    student: str
    path: Path | None  # None when the student's lab folder holds no notebook

    def read_bytes(self) -> bytes:
        return self.path.read_bytes() if self.path else b""

    def sha256(self) -> str:
        try:
            return hashlib.sha256(self.read_bytes()).hexdigest()
        except OSError as exc:  # graded as unreadable; the hash only needs to be stable
            return hashlib.sha256(f"unreadable: {exc}".encode()).hexdigest()


@dataclass(frozen=True)
class SourceCell:
    grade_id: str
    kind: str  # "locked" (runs as in the source), "answer", "check" (never runs)
    cell_type: str
    source: str
    points: float = 0.0
    read_only: bool = False  # nbgrader's "locked": the student may not edit it


@dataclass
class LabSource:
    """The parts of the source notebook that grading relies on."""

    lab: str
    cells: list[SourceCell]

    @property
    def answers(self) -> list[str]:
        return [c.grade_id for c in self.cells if c.kind == "answer"]

    @property
    def check_cells(self) -> dict[str, SourceCell]:
        return {c.grade_id: c for c in self.cells if c.kind == "check"}

    def question_points(self) -> dict[str, float]:
        """Points of each question, from the source notebook's check cells (`qN_check`)."""
        return {
            gid.removesuffix("_check"): c.points
            for gid, c in self.check_cells.items()
            if gid.endswith("_check")
        }


def read_lab_source(path: Path) -> LabSource:
    """Read a lab's source notebook; raise CourseError if it cannot be used for grading."""
    try:
        nb = read_notebook(path)
    except NotebookError as exc:
        raise CourseError(f"the lab's source notebook cannot be read: {exc}") from None
    import nbformat
    from nbgrader.utils import is_grade, is_solution  # imported here: it takes seconds

    cells: list[SourceCell] = []
    for index, raw in enumerate(nb["cells"], start=1):
        cell = nbformat.from_dict({"metadata": {}, **raw})
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id") or f"cell{index}"
        if is_solution(cell):
            kind = "answer"
        elif is_grade(cell):
            kind = "check"
        else:
            kind = "locked"
        cells.append(
            SourceCell(
                grade_id=str(grade_id),
                kind=kind,
                cell_type=str(cell.get("cell_type")),
                source=cell_source(cell),
                points=float(meta.get("points") or 0),
                read_only=bool(meta.get("locked")),
            )
        )
    return LabSource(lab=path.stem, cells=cells)


@dataclass
class Assembled:
    """The cells to run for one submission, and what was wrong with the submission's cells."""

    cells: list[str]
    labels: list[str]  # per cell to run: its grade id, or "extra cell N"
    missing: dict[str, str] = field(default_factory=dict)  # answer grade id -> reason
    notes: list[str] = field(default_factory=list)


def _grade_id(cell: Any) -> str | None:
    if not isinstance(cell, dict):
        return None
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return gid if isinstance(gid, str) else None


def _same_code(a: str, b: str) -> bool:
    return [line.rstrip() for line in a.strip().splitlines()] == [
        line.rstrip() for line in b.strip().splitlines()
    ]


def integrity_notes(source: LabSource, notebook: dict[str, Any]) -> list[str]:
    """What the student changed that grading ignores anyway (locked code and check cells, and
    the points), said so that an instructor sees the attempt: "integrity: ..." notes."""
    found: dict[str, dict[str, Any]] = {}
    for cell in notebook["cells"]:
        gid = _grade_id(cell)
        if gid and gid not in found:
            found[gid] = cell
    notes = []
    for mine in source.cells:
        if not mine.read_only or mine.kind == "answer" or mine.cell_type != "code":
            continue
        theirs = found.get(mine.grade_id)
        if theirs is None:
            notes.append(
                f"integrity: the locked cell `{mine.grade_id}` was deleted; the lab's own "
                "version was used"
            )
            continue
        if not _same_code(cell_source(theirs), mine.source):
            notes.append(
                f"integrity: the locked cell `{mine.grade_id}` was edited; the lab's own "
                "version was used"
            )
        points = theirs.get("metadata", {}).get("nbgrader", {}).get("points")
        if mine.kind == "check" and points is not None and points != mine.points:
            notes.append(
                f"integrity: the points of `{mine.grade_id}` were changed from {mine.points:g} "
                f"to {points}; the lab's own points count"
            )
    return notes


def tampered_checks(submitted: Path, released_checks: Path) -> list[str]:
    """The public check files of the student's folder that differ from the released ones
    (grading runs the lab's own copies): "integrity: ..." notes."""
    theirs = submitted / "checks"
    if not theirs.is_dir() or not released_checks.is_dir():
        return []
    notes = []
    for released in sorted(released_checks.glob("*.py")):
        copy = theirs / released.name
        try:
            same = copy.read_bytes() == released.read_bytes()
        except OSError:
            same = True  # deleted or unreadable: the lab's own file runs, nothing to say
        if copy.exists() and not same:
            notes.append(
                f"integrity: checks/{released.name} differs from the released one; the lab's "
                "own checks ran"
            )
    return notes


def renamed_notebook(sub: Submission, lab: str) -> list[str]:
    """A note when the graded notebook is not LAB.ipynb (the folder's only notebook was taken)."""
    if sub.path is None or sub.path.name == f"{lab}.ipynb":
        return []
    return [
        f"the notebook was named {sub.path.name}, not {lab}.ipynb; it was graded as the lab "
        "because it is the folder's only notebook"
    ]


def assemble(source: LabSource, notebook: dict[str, Any]) -> Assembled:
    """The cells to run: the source's locked code, the student's answers and extra cells."""
    known = {c.grade_id: c for c in source.cells}
    answers: dict[str, str] = {}
    duplicates: set[str] = set()
    # Extra code cells of the student's, attached to the grade id of the cell they follow.
    extras: dict[str | None, list[str]] = {}
    after: str | None = None
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        gid = _grade_id(cell)
        mine = known.get(gid) if gid else None
        if mine is not None:
            if mine.kind == "answer" and cell.get("cell_type") == "code":
                if gid in answers:
                    duplicates.add(gid)
                else:
                    answers[gid] = cell_source(cell)
            after = gid
            continue
        if cell.get("cell_type") == "code":
            extras.setdefault(after, []).append(cell_source(cell))
    result = Assembled(cells=[], labels=[])
    first_answer = next((c.grade_id for c in source.cells if c.kind == "answer"), None)
    extra_count = 0

    def add_extras(key: str | None) -> None:
        nonlocal extra_count
        for code in extras.pop(key, []):
            extra_count += 1
            result.cells.append(code)
            result.labels.append(f"extra cell {extra_count}")

    for cell in source.cells:
        if cell.grade_id == first_answer:
            add_extras(None)  # cells added before any known cell run after the setup
        if (
            cell.cell_type == "code"
            and cell.kind == "locked"
            and not is_self_check_call(cell.source)
        ):
            result.cells.append(cell.source)
            result.labels.append(cell.grade_id)
        elif cell.kind == "answer":
            if cell.grade_id in answers:
                result.cells.append(answers[cell.grade_id])
                result.labels.append(cell.grade_id)
            else:
                result.missing[cell.grade_id] = (
                    f"the answer cell `{cell.grade_id}` is missing from the submission (deleted, "
                    "or changed into another kind of cell): this question gets no points"
                )
        add_extras(cell.grade_id)
    for key in list(extras):
        add_extras(key)
    for gid in sorted(duplicates):
        result.notes.append(f"the answer cell `{gid}` appears more than once; the first one ran")
    result.notes += integrity_notes(source, notebook)
    return result


def load_submission(path: Path | None) -> dict[str, Any]:
    """Parse a submitted notebook; NotebookError with a one-line reason if it cannot be used."""
    if path is None:
        raise NotebookError("no notebook was submitted")
    if path.parent.parent.is_symlink():  # submitted/<student> itself points elsewhere
        raise NotebookError(
            f"the folder {path.parent.parent.name}/ is a symbolic link, so it was skipped: "
            "collect the student's own folder"
        )
    if path.is_symlink() or path.parent.is_symlink():
        raise NotebookError(f"{path.name} is a symbolic link, not a notebook: submit the file")
    try:
        return read_notebook(path, max_bytes=MAX_NOTEBOOK_BYTES)
    except OSError as exc:
        raise NotebookError(f"{path.name} cannot be read ({exc.strerror})") from None


def read_timestamp(submission: Submission) -> str | None:
    """The submission time nbgrader recorded (timestamp.txt beside the notebook), if any."""
    if submission.path is None:
        return None
    try:
        text = (submission.path.parent / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text[:64] or None


def find_submissions(folder: Path, lab: str) -> list[Submission]:
    """Every DIR/<student>/<LAB>/ folder, with its LAB.ipynb (or its only notebook)."""
    if not folder.is_dir():
        raise CourseError(
            f"{folder} is not a folder: pass --submissions DIR, laid out as "
            f"DIR/<student>/{lab}/{lab}.ipynb (nbgrader's submitted/ layout)"
        )
    try:
        students = sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError as exc:
        raise CourseError(f"cannot read {folder}: {exc}") from None
    found = []
    for student_dir in students:
        if student_dir.name.startswith(".") or not _STUDENT_ID.match(student_dir.name):
            continue
        lab_dir = student_dir / lab
        if not lab_dir.is_dir():
            continue
        notebook = lab_dir / f"{lab}.ipynb"
        if not notebook.is_file():
            others = sorted(p for p in lab_dir.glob("*.ipynb") if p.is_file())
            notebook = others[0] if len(others) == 1 else None
        found.append(Submission(student_dir.name, notebook))
    return found
