"""Write grades into nbgrader's gradebook, so formgrader and `nbgrader export` show them.

The lab's notebook and its graded cells are registered from the source notebook (points from
there, never from a submission); each student gets a submission whose check cells (`qN_check`)
carry the question's score from the checks as nbgrader's auto score. A results document's
`timestamp` (nbgrader's submission time) becomes the submission's timestamp, and nbgrader's own
late-penalty plugin, configured in the course's nbgrader_config.py, sets the penalty.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autograder.results.document import Lateness, ResultsDocument
from autograder.submissions import LabSource
from prodev.course.layout import Course, Lab, load_settings
from prodev.course.nbgrader_setup import prepare_nbgrader


def _as_course(course: Course | Path) -> Course:
    return course if isinstance(course, Course) else Course.load(course)


def gradebook_url(course: Course | Path) -> str:
    """The course's gradebook: its `CourseDirectory.db_url`, by default <root>/gradebook.db."""
    return _as_course(course).db_url


def _open(course: Course | Path) -> Any:
    from nbgrader.api import Gradebook

    prepare_nbgrader()
    return Gradebook(gradebook_url(course))


def _register_lab(gb: Any, lab: str, source: LabSource) -> None:
    gb.update_or_create_assignment(lab)
    gb.update_or_create_notebook(lab, lab)
    for cell in source.cells:
        if cell.kind == "check":
            gb.update_or_create_grade_cell(
                cell.grade_id, lab, lab, max_score=cell.points, cell_type="code"
            )
        elif cell.kind == "answer":
            gb.update_or_create_solution_cell(cell.grade_id, lab, lab)


def _late_penalties(course: Course) -> Any:
    """nbgrader's AssignLatePenalties, configured from the course's nbgrader_config.py."""
    from nbgrader.preprocessors import AssignLatePenalties

    assigner = AssignLatePenalties(config=load_settings(course.root))
    assigner.init_plugin()
    return assigner


def _apply_late_penalty(gb: Any, assigner: Any, lab: str, student: str) -> None:
    """What nbgrader's autograde does after scoring: penalise a late submission's notebook."""
    submission = gb.find_submission(lab, student)
    notebook = gb.find_submission_notebook(lab, lab, student)
    notebook.late_submission_penalty = None
    seconds_late = submission.total_seconds_late
    if seconds_late > 0:
        penalty = assigner.plugin_inst.late_submission_penalty(
            student, notebook.score, seconds_late
        )
        if penalty is not None:
            # clamped to [0, score], as nbgrader does
            notebook.late_submission_penalty = min(max(float(penalty), 0.0), notebook.score)


@dataclass(frozen=True)
class KeptManualScore:
    """A score an instructor gave in formgrader, which a regrade leaves in place."""

    student: str
    question: str
    manual: float
    auto: float

    def __str__(self) -> str:
        return (
            f"kept manual score: {self.student} {self.question} "
            f"({self.manual:g}; the checks now give {self.auto:g})"
        )


@dataclass
class GradebookReport:
    """What recording a batch in the gradebook found: the manual scores it kept, and each
    student's lateness and final grade as nbgrader exports it."""

    kept: list[KeptManualScore]
    late: dict[str, Lateness]


def _iso(moment: datetime | None) -> str | None:
    """nbgrader's times (naive UTC) as ISO 8601 with a Z."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def _lateness(gb: Any, lab: str, student: str) -> Lateness:
    submission = gb.find_submission(lab, student)
    penalty = float(submission.late_submission_penalty or 0.0)
    return {
        "due": _iso(submission.duedate),
        "submitted": _iso(submission.timestamp),
        "seconds_late": float(submission.total_seconds_late or 0.0),
        "penalty": penalty,
        "final_score": max(0.0, float(submission.score) - penalty),
    }


def record_grades(
    course: Course | Path, lab: str, source: LabSource, documents: list[ResultsDocument]
) -> GradebookReport:
    """Set every student's auto scores for `lab` from their results documents, and each
    question's reason as the auto comment of its answer cell. Scores an instructor set by hand
    in formgrader stay, as nbgrader's own autograde leaves them: the report lists them, with
    each student's lateness and final grade once nbgrader's late penalty is applied."""
    from nbgrader.api import Comment, Grade, MissingEntry
    from nbgrader.utils import parse_utc

    course = _as_course(course)
    assigner = _late_penalties(course)
    kept: list[KeptManualScore] = []

    with _open(course) as gb, warnings.catch_warnings():
        # nbgrader's add_submission trips a harmless SQLAlchemy autoflush warning.
        warnings.simplefilter("ignore")
        _register_lab(gb, lab, source)
        for document in documents:
            student = document["student"]
            gb.update_or_create_student(student)
            submitted_at = _submitted_at(document.get("timestamp"), parse_utc)
            submission = gb.update_or_create_submission(lab, student, **submitted_at)
            notebook = gb.find_submission_notebook(lab, lab, student)
            questions = document.get("questions", {})
            for grade_id, cell in source.check_cells.items():
                question = grade_id.removesuffix("_check")
                earned = float(questions.get(question, {}).get("score", 0.0))
                try:
                    grade = gb.find_grade(grade_id, lab, lab, student)
                except MissingEntry:  # the cell was added to the lab after this submission
                    grade_cell = gb.find_grade_cell(grade_id, lab, lab)
                    grade = Grade(cell_id=grade_cell.id, notebook=notebook)
                    gb.db.add(grade)
                grade.auto_score = min(earned, cell.points)
                if grade.manual_score is not None:
                    kept.append(
                        KeptManualScore(student, question, grade.manual_score, grade.auto_score)
                    )
                grade.needs_manual_grade = False
            for answer in source.answers:
                reason = questions.get(answer, {}).get("reason")
                try:
                    comment = gb.find_comment(answer, lab, lab, student)
                except MissingEntry:
                    solution_cell = gb.find_solution_cell(answer, lab, lab)
                    comment = Comment(cell_id=solution_cell.id, notebook=notebook)
                    gb.db.add(comment)
                comment.auto_comment = reason or None
            submission.flagged = False
        gb.db.commit()
        for document in documents:  # scores are committed, so the notebooks' totals are current
            _apply_late_penalty(gb, assigner, lab, document["student"])
        gb.db.commit()
        late = {d["student"]: _lateness(gb, lab, d["student"]) for d in documents}
    return GradebookReport(kept, late)


def _submitted_at(stamp: Any, parse_utc: Any) -> dict[str, Any]:
    """The submission's time for nbgrader, or nothing if `stamp` does not parse (the grader has
    already written why on that student's grade; one bad file never stops the batch)."""
    if not isinstance(stamp, str):
        return {}
    try:
        return {"timestamp": parse_utc(stamp)}
    except Exception:  # dateutil raises several kinds for text that is not a date
        return {}


def read_scores(course: Course | Path, lab: str) -> dict[str, float]:
    """Each student's total score for `lab` as the gradebook has it (for checks and tests)."""
    with _open(course) as gb:
        return {s.student.id: float(s.score) for s in gb.assignment_submissions(lab)}


# What of a collected folder goes to autograded/: nbgrader's two files, and notebooks.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


def copy_for_formgrader(lab: Lab, collected: dict[str, Path]) -> list[Path]:
    """Copy each student's collected folder (submitted/<student>/LAB/, with nbgrader's
    timestamp.txt) to the course's autograded/<student>/LAB/: formgrader lists a submission as
    graded, and opens it, only when that folder exists with the same timestamp as the gradebook's.

    Notebooks are copied with their outputs cleared (nbgrader's ClearOutput), so formgrader never
    renders HTML or scripts a student's notebook stored; other files are not copied, and neither
    is anything behind a symbolic link (the student's folder itself included)."""
    copied = []
    for student, folder in sorted(collected.items()):
        folder = Path(folder)
        if (
            folder.is_symlink()
            or folder.parent.is_symlink()
            or not (folder / "timestamp.txt").is_file()
        ):
            continue
        target = lab.autograded(student)
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for path in sorted(folder.iterdir()):
            if path.is_symlink() or not path.is_file():
                continue
            if path.name in NBGRADER_FILES:
                shutil.copyfile(path, target / path.name)
            elif path.suffix == ".ipynb":
                _copy_without_outputs(path, target / path.name)
        copied.append(target)
    return copied


def _copy_without_outputs(source: Path, target: Path) -> None:
    """Write `source` to `target` through nbgrader's ClearOutput; a notebook that cannot be read
    is not copied (its grade already says why)."""
    import nbformat
    from nbgrader.preprocessors import ClearOutput

    from autograder.submissions import MAX_NOTEBOOK_BYTES

    try:
        if source.stat().st_size > MAX_NOTEBOOK_BYTES:
            return
        with warnings.catch_warnings():  # cells without ids: nbformat adds them, and says so
            warnings.simplefilter("ignore")
            notebook = nbformat.read(str(source), as_version=4)
            notebook, _ = ClearOutput().preprocess(notebook, {})
            nbformat.write(notebook, str(target))
    except Exception:  # nbformat raises many kinds for a file that is not a notebook
        target.unlink(missing_ok=True)


@dataclass(frozen=True)
class SubmissionTime:
    """What the gradebook knows of when one student submitted a lab."""

    timestamp: datetime | None  # UTC, without a time zone, as nbgrader stores it
    duedate: datetime | None  # the lab's due date plus the student's extension, if any
    seconds_late: float
    penalty: float  # nbgrader's late penalty, in points


def read_submission_times(
    course: Course | Path, lab: str
) -> tuple[datetime | None, dict[str, SubmissionTime]]:
    """The lab's due date and each student's submission time, lateness and penalty, as the
    course's gradebook has them; (None, {}) when there is no gradebook or it does not know the
    lab. A gradebook that does not exist is not created."""
    from sqlalchemy.engine import make_url

    course = _as_course(course)
    url = make_url(course.db_url)
    if url.drivername.startswith("sqlite") and not (url.database and Path(url.database).is_file()):
        return None, {}
    from nbgrader.api import MissingEntry

    with _open(course) as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return None, {}
        times = {
            s.student.id: SubmissionTime(
                s.timestamp,
                s.duedate,
                float(s.total_seconds_late),
                float(s.late_submission_penalty or 0),
            )
            for s in assignment.submissions
        }
        return assignment.duedate, times
