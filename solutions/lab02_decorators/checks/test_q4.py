"""Question 4: `transactional` commits a call's writes, or rolls all of them back."""

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


def _run(student, **target_options):
    target = probes.target(name="confirm_booking", sql=WRITES, **target_options)
    db = probes.database(tables=TABLES, snapshot=["bookings", "payments"])
    return probes.probe_decorate(student, "transactional", target, [{"args": [db]}], factory=False)


@check("q4", points=1)
def test_commits_and_returns(student):
    got = _run(student, returns="confirmed")
    step = got["steps"][0]
    assert step.get("value") == "confirmed", (
        f"the decorated function should return the function's result, got {step}"
    )
    tables = got["probes"]["db"]["tables"]
    assert tables["payments"] == [[1, 240.0]] and [1, "confirmed"] in tables["bookings"], (
        "after a successful call, other connections should see its writes: was it committed?"
    )


@check("q4", points=1)
def test_rolls_back_and_reraises(student):
    got = _run(student, fail_after_sql=True, exception="ValueError")
    step = got["steps"][0]
    tables = got["probes"]["db"]["tables"]
    assert tables == {"bookings": TABLES["bookings"]["rows"], "payments": []}, (
        "the function wrote to both tables, then raised: both should be exactly as before "
        "(roll back on error)"
    )
    assert probes.raised(got) == ["ValueError"], (
        f"the function's ValueError should propagate after the rollback; the call gave {step}"
    )
