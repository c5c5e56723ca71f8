"""Question 1: `batched(iterable, size)` yields lists of at most `size` items, lazily."""

from prodev import probes
from prodev.checking import check


@check("q1", points=1)
def test_batches_of_a_list(student):
    got = probes.probe_call(
        student, "batched", probes.source(items=list(range(1, 8))), 3, take="all"
    )
    assert got["iterator"], (
        "`batched` should be a generator (use `yield`), not a function that returns a list"
    )
    assert got["value"] == [[1, 2, 3], [4, 5, 6], [7]], (
        f"batched([1..7], 3) gave {got['value']}: expected three lists of 3, 3 and 1 items, "
        "in the original order"
    )


@check("q1", points=1)
def test_reads_only_what_it_yields(student):
    got = probes.probe_call(student, "batched", probes.source(limit=1_000), 4, take=2)
    pulled = got["probes"]["source"]["pulled"]
    assert got["value"] == [[0, 1, 2, 3], [4, 5, 6, 7]], (
        f"the first two batches of size 4 of an endless source were {got['value']}"
    )
    assert pulled <= 9, (
        f"taking two batches of 4 read {pulled} items from the source: read one batch at a "
        "time (itertools.islice), never the whole source"
    )
