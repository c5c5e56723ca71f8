"""A question whose answer cell was stopped (time, memory, a killed process) gives that cause on
its own row, not what the checks saw afterwards ("`q2` is not defined")."""

from autograder.results.scoring import SubmissionFacts, format_table, grade
from prodev.checking.checkrun import CheckResult

NOT_DEFINED = "`q2` is not defined: run the cell where you define it, and keep its name"


def graded(skipped: dict[str, str]) -> dict:
    facts = SubmissionFacts(student="cat", sha256="0" * 64, grading_key="0" * 64)
    facts.skipped_cells = skipped
    results = [
        CheckResult("q1", "test_rows", 2, True, "", hidden=False),
        CheckResult("q2", "test_rows", 2, False, NOT_DEFINED, hidden=False),
        CheckResult("q2", "test_other", 3, False, NOT_DEFINED, hidden=True),
        CheckResult("q3", "test_rows", 1, False, "expected 4 rows, got 5", hidden=False),
    ]
    return grade(facts, results, {"q1": 2, "q2": 5, "q3": 1}, 12.0)


def test_a_stopped_cell_s_cause_is_its_question_s_reason():
    document = graded({"q2": "ran past the notebook's time limit of 10 s"})
    questions = document["questions"]
    assert questions["q2"]["reason"] == (
        "your answer cell was stopped: ran past the notebook's time limit of 10 s"
    )
    assert questions["q3"]["reason"] == "expected 4 rows, got 5"  # other rows keep their check's
    assert questions["q1"]["reason"] is None
    assert any("ran past" in note for note in document["notes"])  # and the note stays


def test_without_a_stopped_cell_the_first_failed_check_gives_the_reason():
    assert graded({})["questions"]["q2"]["reason"] == NOT_DEFINED


def test_a_partial_loss_has_its_reason_and_shows_in_the_run_table():
    facts = SubmissionFacts(student="hal", sha256="0" * 64, grading_key="0" * 64)
    results = [
        CheckResult("q1", "test_rows", 2, True, "", hidden=False),
        CheckResult("q1", "test_order", 1, False, "rows came back in another order", hidden=False),
        CheckResult("q2", "test_rows", 2, False, "expected 4 rows, got 5", hidden=False),
        CheckResult("q3", "test_rows", 1, True, "", hidden=False),
    ]
    document = grade(facts, results, {"q1": 3, "q2": 2, "q3": 1}, 1.0)
    assert document["questions"]["q1"]["reason"] == "rows came back in another order"
    assert document["questions"]["q3"]["reason"] is None
    table = format_table([document])
    assert table.splitlines()[0].split()[-2:] == ["points", "lost"]
    assert table.splitlines()[1].endswith("q1 (2/3), q2")
