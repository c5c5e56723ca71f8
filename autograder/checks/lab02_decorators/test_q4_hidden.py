"""Hidden checks of question 4 (`transactional`): arguments, name, a failure mid-way, and a
KeyboardInterrupt mid-way."""

from prodev import probes
from prodev.checking import check

TABLES = {
    "reviews": {
        "columns": [["review_id", "INTEGER"], ["rating", "INTEGER"]],
        "rows": [[1, 4], [2, 5], [3, 2]],
    }
}


@check("q4", points=1)
def test_passes_arguments_and_undoes_partial_work(student):
    target = probes.target(
        name="moderate",
        doc="Hide abusive reviews.",
        sql=["DELETE FROM reviews WHERE rating < 3", "UPDATE reviews SET rating = 5"],
    )
    db = probes.database(tables=TABLES, snapshot=["reviews"])
    got = probes.probe_decorate(
        student,
        "transactional",
        target,
        [{"args": [db, 3], "kwargs": {"dry_run": False}}],
        factory=False,
    )
    step = got["steps"][0]
    assert step.get("value") == {"args": [3], "kwargs": {"dry_run": False}, "call": 1}, (
        "the wrapped function did not receive the connection and the other arguments unchanged"
    )
    assert got["wrapper"]["name"] == "moderate" and got["wrapper"]["doc"] == (
        "Hide abusive reviews."
    ), "the decorated function lost its name or docstring"
    assert got["probes"]["db"]["tables"]["reviews"] == [[1, 5], [2, 5]], "writes not committed"

    failing = probes.target(
        name="moderate", sql=["DELETE FROM reviews"], fail_after_sql=True, exception="KeyError"
    )
    db = probes.database(tables=TABLES, snapshot=["reviews"])
    got = probes.probe_decorate(student, "transactional", failing, [{"args": [db]}], factory=False)
    assert probes.raised(got) == ["KeyError"], "the function's exception was not re-raised"
    assert got["probes"]["db"]["tables"]["reviews"] == TABLES["reviews"]["rows"], (
        "a failed call's delete was not undone"
    )

    # "If the function raises": a Ctrl-C too. The first call is interrupted after its delete;
    # the second runs the same delete and returns, so exactly one delete is committed.
    interrupted = probes.target(
        name="moderate",
        sql=["DELETE FROM reviews WHERE rating < 3"],
        fail_times=1,
        exception="KeyboardInterrupt",
    )
    db = probes.database(tables=TABLES, snapshot=["reviews"])
    script = [{"args": [db]}, {"args": [probes.same_database()]}]
    got = probes.probe_decorate(student, "transactional", interrupted, script, factory=False)
    first, second = got["steps"]
    assert probes.raised(got)[0] == "KeyboardInterrupt", (
        "a Ctrl-C (KeyboardInterrupt) in the function was not re-raised"
    )
    assert "value" in second and got["probes"]["db"]["tables"]["reviews"] == [[1, 4], [2, 5]], (
        "after a call interrupted by Ctrl-C (a KeyboardInterrupt, which is no Exception), the "
        "next call's writes were not committed: roll back whatever the function raises"
    )
