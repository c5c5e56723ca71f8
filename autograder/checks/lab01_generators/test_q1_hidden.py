"""Hidden checks of question 1 (`batched`): edge cases."""

from prodev import probes
from prodev.checking import check


@check("q1", points=1)
def test_edge_sizes_and_empty_input(student):
    one = probes.probe_call(
        student, "batched", probes.source(items=["x", "y", "z"]), 1, take="all"
    )["value"]
    assert one == [["x"], ["y"], ["z"]], "batches of size 1 are not right"
    big = probes.probe_call(student, "batched", probes.source(items=[5, 6]), 10, take="all")[
        "value"
    ]
    assert big == [[5, 6]], "when size exceeds the input, expected a single short batch"
    empty = probes.probe_call(student, "batched", probes.source(items=[]), 3, take="all")
    assert empty["value"] == [], "an empty input should yield no batches (not an empty batch)"
    try:
        probes.probe_call(student, "batched", probes.source(items=[1]), 0, take="all")
    except AssertionError as exc:
        assert "ValueError" in str(exc), (
            "batched(..., 0) should raise ValueError; it raised something else"
        )
    else:
        raise AssertionError("batched(..., 0) should raise ValueError, not yield")
