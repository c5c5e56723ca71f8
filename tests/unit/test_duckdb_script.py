"""`duckdb_script(setup)`: a student's query run on planted rows in the notebook's own process,
on an in-memory DuckDB that the check's trusted script builds and that cannot reach files."""

import pytest

from prodev.checking.student import InProcessStudent, StudentError, duckdb_script

SETUP = """
CREATE TABLE stays (id INTEGER, nights INTEGER);
INSERT INTO stays VALUES (1, 2), (2, 5);
"""


def test_the_query_runs_on_the_planted_rows():
    student = InProcessStudent({"q": "SELECT id FROM stays WHERE nights > 3"})
    result = student.sql("q", duckdb_script(SETUP))
    assert (result.columns, result.rows) == (["id"], [[2]])


def test_the_query_cannot_read_or_write_files(tmp_path):
    target = tmp_path / "out.csv"
    student = InProcessStudent({"q": f"COPY stays TO '{target}'"})
    with pytest.raises(StudentError):
        student.sql("q", duckdb_script(SETUP))
    assert not target.exists()


def test_one_querys_writes_never_reach_the_next():
    # The planted database is built once per script; each query runs in a transaction that is
    # rolled back, so a query that also deletes rows leaves them for the next question.
    student = InProcessStudent(
        {
            "deletes": "DELETE FROM stays; SELECT count(*) AS n FROM stays",
            "counts": "SELECT count(*) AS n FROM stays",
        }
    )
    assert student.sql("deletes", duckdb_script(SETUP)).rows == [[0]]
    assert student.sql("counts", duckdb_script(SETUP)).rows == [[2]]


def test_another_script_gets_its_own_rows():
    student = InProcessStudent({"q": "SELECT count(*) AS n FROM stays"})
    other = SETUP + "INSERT INTO stays VALUES (3, 1);"
    assert student.sql("q", duckdb_script(other)).rows == [[3]]
    assert student.sql("q", duckdb_script(SETUP)).rows == [[2]]


def test_the_query_cannot_lift_the_lock_on_its_settings():
    student = InProcessStudent({"q": "SET enable_external_access = true; SELECT 1 AS x"})
    with pytest.raises(StudentError):
        student.sql("q", duckdb_script(SETUP))
