"""Question 3: `paginate(fetch_page, page_size)` yields every item, one page at a time."""

from prodev import probes
from prodev.checking import check


@check("q3", points=1)
def test_yields_every_item_in_order(student):
    got = probes.probe_call(student, "paginate", probes.pager(total=23), 5, take="all")
    assert got["value"] == list(range(23)), (
        f"with 23 items and pages of 5 you yielded {len(got['value'])} items"
        + ("" if sorted(got["value"]) == got["value"] else ", out of order")
        + ": yield each item of each page, and move the offset on by page_size"
    )


@check("q3", points=1)
def test_fetches_pages_only_when_needed(student):
    got = probes.probe_call(student, "paginate", probes.pager(total=None), 5, take=7)
    calls = got["probes"]["pager"]["calls"]
    assert got["value"] == list(range(7)), f"the first 7 items were {got['value']}"
    assert len(calls) == 2, (
        f"taking 7 items with pages of 5 requested {len(calls)} pages: ask for the next page "
        "only when the current one has been yielded"
    )
