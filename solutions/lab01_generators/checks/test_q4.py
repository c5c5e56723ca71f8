"""Question 4: `booking_stats(rows)` aggregates a stream of bookings in bounded memory."""

from prodev import probes
from prodev.checking import check

# How much the process may grow while reading 50,000 rows: a few batches, never all of them.
MEMORY_LIMIT = 3_000_000
ROWS = [
    ["confirmed", 3, 300.0],
    ["cancelled", 2, 150.5],
    ["confirmed", 1, 99.5],
    ["pending", 4, 410.0],
]


@check("q4", points=1)
def test_stats_per_status(student):
    got = probes.probe_call(student, "booking_stats", probes.source(items=ROWS))["value"]
    assert isinstance(got, dict), f"return a dict keyed by status, not a {type(got).__name__}"
    assert sorted(got) == ["cancelled", "confirmed", "pending"], (
        f"expected one entry per status seen, got the keys {sorted(got)}"
    )
    confirmed = got["confirmed"]
    assert isinstance(confirmed, dict) and sorted(confirmed) == ["bookings", "nights", "revenue"], (
        f"each status maps to a dict with 'bookings', 'nights' and 'revenue', got {confirmed!r}"
    )
    assert [confirmed["bookings"], confirmed["nights"]] == [2, 4], (
        "the 'confirmed' bookings and nights are not right: count rows and add up nights"
    )
    assert round(confirmed["revenue"], 2) == 399.5, (
        "the 'confirmed' revenue is not right: add up total_price"
    )


@check("q4", points=1)
def test_memory_stays_bounded(student):
    # The rows come from the grader 500 at a time; at each delivery the process's memory is
    # measured from outside it. Running totals stay flat; storing 50,000 rows grows by ~10 MB.
    got = probes.probe_call(
        student,
        "booking_stats",
        probes.source(bookings=50_000, seed=7, chunk=500),
        measure_memory=True,
    )
    growth = got["memory_growth"]
    assert got["probes"]["source"]["exhausted"], "every row of the stream should be read"
    assert growth is not None and growth < MEMORY_LIMIT, (
        f"while aggregating 50,000 streamed rows the process grew by "
        f"{(growth or 0) / 1e6:.1f} MB: keep running totals per status instead of storing the "
        "rows (no list(rows))"
    )
