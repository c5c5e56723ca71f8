"""One-line error summaries: SQL errors keep the query line they blame, long lines end at a word."""

import duckdb
import pytest

from prodev.runtime.errortext import first_line
from prodev.runtime.notebook import describe_cell_error
from prodev.runtime.serve import serve


def test_a_sql_error_keeps_the_line_duckdb_blames(tmp_path):
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    query = "SELECT booking_id\nFORM bookings"
    reply = serve(
        {"q1": query},
        {"op": "sql", "name": "q1", "database": {"__prodev__": "duckdb", "path": str(database)}},
    )
    assert "Parser Error: syntax error" in reply
    assert "(LINE 2: FORM bookings)" in reply


def test_a_cell_error_keeps_the_sql_line_too():
    with pytest.raises(duckdb.Error) as caught:
        duckdb.connect().execute("SELECT 1\nFROM range(3) WHERE x > 1")
    assert describe_cell_error(caught.value).endswith("(LINE 2: FROM range(3) WHERE x > 1)")


def test_a_syntax_error_names_its_line_not_the_cell_file():
    with pytest.raises(SyntaxError) as caught:
        compile("x = 1\ny = (\n", "<cell>", "exec")
    text = describe_cell_error(caught.value)
    assert text.startswith("SyntaxError: ") and text.endswith("(line 2)") and "<cell>" not in text


def test_long_lines_are_cut_at_a_word_with_an_ellipsis():
    text = first_line("word " * 100, limit=50)
    assert text.endswith(" …") and len(text) <= 52 and "wor …" not in text
