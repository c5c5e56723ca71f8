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
