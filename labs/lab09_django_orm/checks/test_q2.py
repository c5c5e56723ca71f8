"""Question 2: host_league with annotate, in one query."""

from prodev.checking import check, fingerprint
from prodev.probes.orm import orm_call


def returned_types(types, what):
    """Fail unless the rows came back as lists with a float revenue, as the question asks (JSON,
    which the check receives, turns tuples into lists and Decimals into floats)."""
    rows = types.get("items", []) if isinstance(types, dict) else []
    for row in rows:
        kind = row.get("type") if isinstance(row, dict) else row
        assert kind == "list", f"{what} returns its rows as {kind}s; the question asks for lists"
        revenue = row["items"][3] if len(row.get("items", [])) > 3 else None
        assert revenue == "float", (
            f"{what} returns revenue as {revenue}, not float: a sum of a DecimalField comes back "
            "from the database as a Decimal"
        )


CASES = [((2024, 5), 5, "2974ebbc98b4c6b0"), ((2023, 10), 10, "2990306dd1c1860b")]


@check("q2", points=1)
def test_results_and_one_query(student, stayhub):
    for args, count, digest in CASES:
        call = orm_call(student, "host_league", stayhub, *args, writes=False)
        got = call.result()
        assert isinstance(got, list) and all(isinstance(r, list) and len(r) == 4 for r in got), (
            "host_league should return a list of [host_id, email, stays, revenue] rows"
        )
        assert len(got) == count, f"host_league{args} returns {len(got)} rows; expected {count}"
        returned_types(call.types, f"host_league{args}")
        assert fingerprint(got, ordered=True) == digest, (
            f"host_league{args} is not right: only confirmed stays starting in that year count, "
            "revenue is their total_price, highest first"
        )
        call.within_budget(1, "host_league")
