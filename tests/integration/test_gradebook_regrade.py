"""Grades in nbgrader's gradebook across regrades: formgrader's manual scores stay (and are
reported), and each question's reason becomes its answer cell's auto comment."""

from __future__ import annotations

from pathlib import Path

from redteam import minicourse as mc

from autograder.results.gradebook import record_grades
from autograder.submissions import read_lab_source


def _document(student: str, scores: dict[str, float], reasons: dict[str, str]) -> dict:
    return {
        "student": student,
        "score": sum(scores.values()),
        "max_score": sum(mc.POINTS.values()),
        "questions": {
            q: {"score": scores.get(q, 0.0), "max_score": p, "reason": reasons.get(q)}
            for q, p in mc.POINTS.items()
        },
    }


def _set_manual(root: Path, student: str, question: str, points: float) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade(f"{question}_check", mc.LAB, mc.LAB, student)
        grade.manual_score = points
        gb.db.commit()


def _graded(root: Path, student: str) -> tuple[dict[str, tuple], dict[str, str | None]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        scores = {
            q: (
                gb.find_grade(f"{q}_check", mc.LAB, mc.LAB, student).auto_score,
                gb.find_grade(f"{q}_check", mc.LAB, mc.LAB, student).manual_score,
            )
            for q in mc.POINTS
        }
        comments = {q: gb.find_comment(q, mc.LAB, mc.LAB, student).auto_comment for q in mc.POINTS}
        total = gb.find_submission(mc.LAB, student).score
    return {**scores, "total": total}, comments


def test_a_regrade_keeps_manual_scores_and_says_so(mini_course: Path):
    source = read_lab_source(mini_course / "solutions" / mc.LAB / f"{mc.LAB}.ipynb")
    first = _document("hal", {"q1": 2, "q2": 0, "q3": 1}, {"q2": "double(3) returned 5"})
    assert record_grades(mini_course, mc.LAB, source, [first]).kept == []
    _set_manual(mini_course, "hal", "q2", 1.5)  # the instructor gives partial credit

    second = _document("hal", {"q1": 2, "q2": 0, "q3": 0}, {"q3": "GREETING is not 'hello'"})
    kept = record_grades(mini_course, mc.LAB, source, [second]).kept
    assert [str(k) for k in kept] == ["kept manual score: hal q2 (1.5; the checks now give 0)"]

    scores, comments = _graded(mini_course, "hal")
    assert scores["q2"] == (0.0, 1.5)
    assert scores["q3"] == (0.0, None)
    assert scores["total"] == 2 + 1.5  # nbgrader counts the manual score over the auto one
    assert comments["q3"] == "GREETING is not 'hello'"
    assert comments["q2"] is None  # the reason of the first run is not left behind
