"""prodev.checking.reference: a hidden check's expected side, in the shape a student's answer
arrives in, from a dataset file (read-only) or from planted rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from prodev.checking.reference import reference_call, reference_rows
from prodev.checking.student import duckdb_script

SCRIPT = """
CREATE TABLE stays (stay_id INTEGER, city VARCHAR, price DECIMAL(10, 2), night DATE);
INSERT INTO stays VALUES (1, 'Ghent', 10.50, DATE '2024-01-01'), (2, 'Hue', 7, DATE '2024-12-31');
"""
QUERY = "SELECT city, price, night FROM stays ORDER BY stay_id"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "stays.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute(SCRIPT)
    connection.close()
    return path


def test_rows_come_back_as_json_from_a_file_and_from_planted_rows(dataset: Path) -> None:
    expected = [["Ghent", 10.5, "2024-01-01"], ["Hue", 7.0, "2024-12-31"]]
    for data in (dataset, str(dataset), duckdb_script(SCRIPT)):
        result = reference_rows(QUERY, data)
        assert result.columns == ["city", "price", "night"]
        assert result.rows == expected


def test_a_dataset_file_is_opened_read_only(dataset: Path) -> None:
    with pytest.raises(duckdb.Error):
        reference_rows("DELETE FROM stays RETURNING stay_id", dataset)
    assert len(reference_rows(QUERY, dataset).rows) == 2


def test_a_changed_file_is_read_again(dataset: Path) -> None:
    assert len(reference_rows(QUERY, dataset).rows) == 2
    connection = duckdb.connect(str(dataset))
    connection.execute("INSERT INTO stays VALUES (3, 'Oulu', 1, DATE '2024-06-01')")
    connection.close()
    assert len(reference_rows(QUERY, dataset).rows) == 3


def test_a_function_is_called_with_a_connection_and_its_answer_made_json(dataset: Path) -> None:
    def cheapest(con, city):
        row = con.execute("SELECT stay_id, price FROM stays WHERE city = ?", [city]).fetchone()
        return row  # a tuple with a Decimal, or None

    assert reference_call(cheapest, dataset, "Ghent") == [1, 10.5]
    assert reference_call(cheapest, duckdb_script(SCRIPT), city="Hue") == [2, 7.0]
    assert reference_call(cheapest, dataset, "Atlantis") is None
