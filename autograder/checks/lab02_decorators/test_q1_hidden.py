"""Hidden checks of question 1 (`logged`): failures are logged and re-raised, a Ctrl-C too."""

from prodev import probes
from prodev.checking import check


@check("q1", points=1)
def test_logs_and_reraises_errors(student):
    target = probes.target(name="refund", fail_times=1, exception="ValueError", returns=None)
    script = [{"args": [9], "kwargs": {"reason": "late"}}, {"args": [9]}]
    got = probes.probe_decorate(student, "logged", target, script, probes.log())
    first, second = got["steps"]
    assert probes.raised(got)[0] == "ValueError", (
        f"when the function raises, the same exception should propagate; got {first}"
    )
    assert probes.raised(got)[1] is None and second.get("value") is None, (
        f"a later successful call should return normally; got {second}"
    )
    records = got["probes"]["log"]["records"]
    assert len(records) == 2, f"two calls should give two records, got {len(records)}"
    assert records[0] == {
        "function": "refund",
        "args": [9],
        "kwargs": {"reason": "late"},
        "error": "ValueError",
    }, (
        "the record of a failed call is not right: it needs function, args, kwargs and the "
        "exception's class name under 'error' (and no 'result')"
    )
    assert records[1] == {"function": "refund", "args": [9], "kwargs": {}, "result": None}, (
        "the record of a call returning None is not right"
    )
    # "after the function ... raises": a Ctrl-C (KeyboardInterrupt, which is no Exception) too.
    target = probes.target(
        name="import_ical", fail_times=1, exception="KeyboardInterrupt", returns=None
    )
    got = probes.probe_decorate(student, "logged", target, [{"args": [3]}], probes.log())
    assert probes.raised(got) == ["KeyboardInterrupt"], (
        "a call interrupted by Ctrl-C should still propagate its KeyboardInterrupt"
    )
    records = got["probes"]["log"]["records"]
    assert len(records) == 1 and records[0].get("error") == "KeyboardInterrupt", (
        "a call interrupted by Ctrl-C (a KeyboardInterrupt, which is no Exception) was not "
        "logged as a failed call"
    )
