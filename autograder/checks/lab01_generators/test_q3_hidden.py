"""Hidden checks of question 3 (`paginate`): no wasted requests."""

from prodev import probes
from prodev.checking import check


@check("q3", points=1)
def test_stops_at_the_first_short_page(student):
    for total, size, pages in ((31, 10, 4), (12, 4, 4), (0, 3, 1), (2, 5, 1)):
        got = probes.probe_call(student, "paginate", probes.pager(total=total), size, take="all")
        calls = got["probes"]["pager"]["calls"]
        assert got["value"] == list(range(total)), (
            f"with {total} items and pages of {size}, {len(got['value'])} items were yielded"
        )
        assert len(calls) == pages, (
            f"with {total} items and pages of {size}, {len(calls)} pages were requested: a "
            "page shorter than page_size is the last one, so stop without asking for another"
        )
