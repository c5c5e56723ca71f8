"""Question 6: `retried_transaction` retries a call, each attempt in a transaction of its own.

Everything scored is what the grader's database holds afterwards and what the grader's target
and sleep recorded: how many attempts ran and how long each wait was."""

from prodev import probes
from prodev.checking import check

TABLES = {
    "bookings": {
        "columns": [["booking_id", "INTEGER"], ["status", "VARCHAR"]],
        "rows": [[1, "pending"], [2, "pending"]],
    },
    "payments": {"columns": [["booking_id", "INTEGER"], ["amount", "DOUBLE"]], "rows": []},
}
WRITES = [
    "UPDATE bookings SET status = 'confirmed' WHERE booking_id = 1",
    "INSERT INTO payments VALUES (1, 240.0)",
]


def run(student, attempts, **target_options):
    """Decorate a target that writes, then may fail, and call it once on a probe database."""
    target = probes.target(name="confirm_booking", sql=WRITES, **target_options)
    db = probes.database(tables=TABLES, snapshot=["bookings", "payments"])
    return probes.probe_decorate(
        student, "retried_transaction", target, [{"args": [db]}], attempts, probes.sleep()
    )


@check("q6", points=1)
def test_a_failed_attempt_leaves_nothing_behind(student):
    got = run(student, 3, fail_times=1, exception="ConnectionError", returns="confirmed")
    tables = got["probes"]["db"]["tables"]
    calls = len(got["probes"]["target"]["calls"])
    assert calls == 2, f"the work failed once with ConnectionError, then ran {calls} times in all"
    assert tables["payments"] == [[1, 240.0]], (
        f"the first attempt wrote, then failed; the second wrote and succeeded. The payments "
        f"table holds {len(tables['payments'])} rows instead of 1: the failed attempt's writes "
        "stayed (were they in the same transaction as the retry, or in none?)"
    )
    assert got["steps"][0].get("value") == "confirmed", (
        f"the decorated function should return the successful attempt's result: {got['steps']}"
    )


@check("q6", points=1)
def test_when_every_attempt_fails_nothing_is_left(student):
    got = run(student, 3, fail_times=10, exception="ConnectionError")
    tables = got["probes"]["db"]["tables"]
    calls = len(got["probes"]["target"]["calls"])
    assert calls == 3, f"with attempts=3 the work ran {calls} times"
    assert tables == {"bookings": TABLES["bookings"]["rows"], "payments": []}, (
        "every attempt wrote and then failed, yet the tables changed: each attempt's writes "
        "must be undone"
    )
