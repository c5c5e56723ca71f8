"""Question 6: `transaction(con)` commits on success and rolls back (and re-raises) on error."""

from prodev import probes
from prodev.checking import check

PAYMENTS = {
    "payments": {
        "columns": [["payment_id", "INTEGER"], ["booking_id", "INTEGER"], ["amount", "DOUBLE"]],
        "rows": [[1, 10, 120.0], [2, 11, 80.0]],
    }
}
WRITES = [
    "INSERT INTO payments VALUES (3, 12, 45.0)",
    "UPDATE payments SET amount = amount - 20 WHERE payment_id = 1",
]


def _db():
    return probes.database(tables=PAYMENTS, snapshot=["payments"])


@check("q6", points=1)
def test_commits_when_the_body_succeeds(student):
    got = probes.probe_with(student, "transaction", _db(), sql=WRITES)
    assert probes.raised(got) == [None], f"leaving the `with` block failed: {got['outcome']}"
    rows = got["probes"]["db"]["tables"]["payments"]
    assert rows == [[1, 10, 100.0], [2, 11, 80.0], [3, 12, 45.0]], (
        "after a successful `with transaction(con):` block, other connections should see "
        f"both writes; they see {len(rows)} payments"
        + ("" if len(rows) == 3 else " (was the transaction committed?)")
    )


@check("q6", points=1)
def test_rolls_back_when_the_body_raises(student):
    got = probes.probe_with(student, "transaction", _db(), sql=WRITES, fail=True)
    rows = got["probes"]["db"]["tables"]["payments"]
    assert rows == PAYMENTS["payments"]["rows"], (
        "the `with` block wrote, then raised: the payments table should be exactly as before "
        "(roll back on error), but it changed"
    )
    # What left the `with` statement is what the grader's stand-in for the calling code was
    # told as it happened, not what the notebook's process answers afterwards.
    assert probes.raised(got) == ["BodyError"], (
        f"the exception raised in the `with` block was {got['outcome']}: roll back, then "
        "re-raise it"
    )
