"""prodev.checking: comparisons that say what is wrong without giving the answer away."""

import pytest

from prodev.checking import assert_rows, check, fingerprint, rows_problem
from prodev.checking.student import QueryResult

EXPECTED = [["Lisbon", 3, 120.5], ["Porto", 1, 80.0]]


def result(rows, columns=("city", "n", "avg_price")):
    return QueryResult(list(columns), [list(r) for r in rows])


def test_same_rows_in_any_order_match_unless_order_is_asked():
    shuffled = result(reversed(EXPECTED))
    assert rows_problem(shuffled, EXPECTED) is None
    assert "wrong order" in rows_problem(shuffled, EXPECTED, ordered=True)


def test_floats_compare_after_rounding():
    assert rows_problem(result([["Lisbon", 3, 120.5000001], ["Porto", 1, 80]]), EXPECTED) is None
    assert rows_problem(result([["Lisbon", 3, 120.6], ["Porto", 1, 80]]), EXPECTED) is not None


def test_messages_count_without_revealing_values():
    message = rows_problem(result(EXPECTED[:1]), EXPECTED)
    assert message == "expected 2 rows, got 1"
    wrong = rows_problem(result([["Lisbon", 3, 120.5], ["Faro", 1, 80.0]]), EXPECTED)
    assert wrong == "1 of 2 rows differ from the expected result" and "Porto" not in wrong
    assert "columns" in rows_problem(
        result(EXPECTED, ("city", "count", "avg")), EXPECTED, columns=["city", "n", "avg_price"]
    )


def test_assert_rows_appends_the_hint():
    with pytest.raises(AssertionError, match="expected 2 rows, got 1: are cancelled"):
        assert_rows(result(EXPECTED[:1]), EXPECTED, hint="are cancelled bookings excluded?")


def test_fingerprint_ignores_order_and_float_noise_but_not_values():
    assert fingerprint(EXPECTED) == fingerprint(list(reversed(EXPECTED)))
    assert fingerprint(EXPECTED, ordered=True) != fingerprint(
        list(reversed(EXPECTED)), ordered=True
    )
    assert fingerprint([["Lisbon", 3, 120.500001]]) == fingerprint([["Lisbon", 3, 120.5]])
    assert fingerprint([["Lisbon", 3, 120.5]]) != fingerprint([["Lisbon", 4, 120.5]])


def test_a_check_must_be_worth_points():
    with pytest.raises(ValueError, match="positive number of points"):
        check("q1", points=0)
