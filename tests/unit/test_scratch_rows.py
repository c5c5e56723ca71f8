"""The scratch job's `rows` probe and `answer_rows`: a student's query run on planted tables,
its rows returned in the query's own order."""

from __future__ import annotations

import pytest

from prodev.checking.student import InProcessStudent, StudentError
from prodev.kits.scratchdb import ScriptError
from prodev.kits.scratchplan import answer_rows, queries_rows

SETUP = """
CREATE TABLE stays (stay_id INTEGER, nights INTEGER);
INSERT INTO stays VALUES (1, 3), (2, 1), (3, 2)
"""


def test_rows_come_back_in_the_order_the_query_gives() -> None:
    student = InProcessStudent({"q": "SELECT stay_id, nights FROM stays ORDER BY nights DESC"})
    result = answer_rows(student, "q", SETUP)
    assert result.columns == ["stay_id", "nights"]
    assert result.rows == [[1, 3], [3, 2], [2, 1]]


def test_one_job_answers_several_queries_and_keeps_their_errors_apart() -> None:
    student = InProcessStudent({})
    found = queries_rows(
        student,
        {"good": "SELECT count(*) AS n FROM stays", "bad": "SELECT missing FROM stays"},
        SETUP,
    )
    assert found["good"].rows == [[3]]
    assert isinstance(found["bad"], ScriptError)
    assert "`bad`" in str(found["bad"])


def test_an_unanswered_question_is_a_student_error() -> None:
    student = InProcessStudent({"q": "-- YOUR CODE HERE\nraise NotImplementedError()"})
    with pytest.raises(StudentError, match="no query yet"):
        answer_rows(student, "q", SETUP)
