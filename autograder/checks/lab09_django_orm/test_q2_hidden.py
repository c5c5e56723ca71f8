"""Question 2, hidden: host_league on unseen data and other years (one with no stays at all);
in one year the grader first gives two hosts the same revenue, so only the tie-break orders
them, and hosts with several properties count every booking."""

from prodev.checking import check
from prodev.probes.orm import orm_call

EXPECTED = """
SELECT u.user_id, u.email, count(*), round(sum(b.total_price), 2)
FROM users u
JOIN properties p ON p.host_id = u.user_id
JOIN bookings b ON b.property_id = p.property_id
WHERE b.status = 'confirmed' AND extract(year FROM b.start_date) = {year}
GROUP BY u.user_id, u.email ORDER BY 4 DESC, 1 LIMIT {top}
"""

# The league of a year, by revenue; used to plant a tie between places `a` and `b` (from 1).
LEAGUE = """
SELECT p.host_id, sum(b.total_price) AS revenue, min(b.booking_id) AS first_booking
FROM bookings b JOIN properties p ON p.property_id = b.property_id
WHERE b.status = 'confirmed' AND extract(year FROM b.start_date) = {year}
GROUP BY p.host_id ORDER BY revenue DESC, p.host_id
"""


def tie(year: int, higher: int, lower: int) -> str:
    """Raise the revenue of the host at place `lower` to that of place `higher` (one booking
    costs more), so that the two tie."""
    league = LEAGUE.format(year=int(year))
    return (
        f"WITH league AS ({league}), "
        f"up AS (SELECT revenue FROM league OFFSET {higher - 1} LIMIT 1), "
        f"down AS (SELECT revenue, first_booking FROM league OFFSET {lower - 1} LIMIT 1) "
        "UPDATE bookings SET total_price = total_price + (up.revenue - down.revenue) "
        "FROM up, down WHERE booking_id = down.first_booking"
    )


def rounded(rows):
    return [[r[0], r[1], r[2], round(float(r[3]), 2)] if len(r) == 4 else r for r in rows]


@check("q2", points=1)
def test_unseen_data(student, stayhub_unseen):
    cases = [((2023, 7), []), ((2025, 4), [tie(2025, 2, 3), tie(2025, 2, 4)]), ((2019, 5), [])]
    for (year, top), prepare in cases:
        call = orm_call(
            student,
            "host_league",
            stayhub_unseen,
            year,
            top,
            writes=False,
            prepare=prepare,
            snapshot=[EXPECTED.format(year=int(year), top=int(top))],
        )
        got, want = call.result(), rounded(call.before[0])
        assert isinstance(got, list), "host_league should return a list of rows"
        assert len(got) == len(want), (
            f"on other data, host_league(year, {top}) returns the wrong number of rows"
        )
        got = rounded(got)
        same_rows = sorted(got, key=repr) == sorted(want, key=repr)
        assert not same_rows or got == want, (
            f"on other data, host_league(year, {top}) has the right rows in the wrong order "
            "(some hosts have the same revenue)"
        )
        assert got == want, (
            f"on other data, host_league(year, {top}) is not right: a host's stays, revenue "
            "or email, or which hosts are in the league"
        )
        call.within_budget(1, "host_league")
