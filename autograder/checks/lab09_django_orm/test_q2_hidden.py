"""Question 2, hidden: host_league on unseen data and other years."""

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call


def expected(dataset, year, top):
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        rows = con.execute(
            """
            SELECT u.user_id, u.email, count(*) AS stays, sum(b.total_price) AS revenue
            FROM users u
            JOIN properties p ON p.host_id = u.user_id
            JOIN bookings b ON b.property_id = p.property_id
            WHERE b.status = 'confirmed' AND year(b.start_date) = ?
            GROUP BY ALL ORDER BY revenue DESC, u.user_id LIMIT ?
            """,
            [year, top],
        ).fetchall()
    finally:
        con.close()
    return [[r[0], r[1], r[2], round(float(r[3]), 2)] for r in rows]


@check("q2", points=1)
def test_unseen_data(student, stayhub_unseen):
    for year, top in ((2023, 7), (2025, 3), (2019, 5)):
        call = orm_call(student, "host_league", stayhub_unseen, year, top, writes=False)
        got = call.result()
        want = expected(stayhub_unseen, year, top)
        assert isinstance(got, list), "host_league should return a list of rows"
        assert len(got) == len(want), (
            f"on other data, host_league(year, {top}) returns the wrong number of rows"
        )
        rounded = [[r[0], r[1], r[2], round(float(r[3]), 2)] if len(r) == 4 else r for r in got]
        assert rounded == want, f"on other data, host_league(year, {top}) is not right"
        call.within_budget(1, "host_league")
