"""Question 1: read_plan(lines) summarises a SQLite EXPLAIN QUERY PLAN."""

from prodev.checking import check

EXAMPLES = [
    (
        [
            "SEARCH b USING INDEX bookings_guest (guest_id=?)",
            "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)",
            "SCAN r",
            "USE TEMP B-TREE FOR ORDER BY",
        ],
        {"full_scans": ["r"], "indexes": ["bookings_guest"], "temp_btrees": 1},
    ),
    (
        ["SCAN bookings"],
        {"full_scans": ["bookings"], "indexes": [], "temp_btrees": 0},
    ),
    (
        [
            "SCAN b USING COVERING INDEX by_status",
            "SEARCH u USING AUTOMATIC COVERING INDEX (user_id=?)",
            "USE TEMP B-TREE FOR GROUP BY",
            "USE TEMP B-TREE FOR DISTINCT",
        ],
        {"full_scans": [], "indexes": ["by_status"], "temp_btrees": 2},
    ),
]


@check("q1", points=1)
def test_examples(student):
    for lines, expected in EXAMPLES:
        got = student.call("read_plan", lines)
        assert isinstance(got, dict), f"read_plan should return a dict, not {type(got).__name__}"
        assert set(got) == set(expected), (
            f"read_plan should return the keys {sorted(expected)}, got {sorted(got)}"
        )
        for key in expected:
            assert got[key] == expected[key], (
                f"for the plan {lines}, {key!r} should be {expected[key]!r}, got {got[key]!r}"
            )
