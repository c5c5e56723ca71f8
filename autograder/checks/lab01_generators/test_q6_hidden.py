"""Hidden checks of question 6 (`transaction`): one transaction per block, failures undone."""

from prodev import probes
from prodev.checking import check

TABLES = {
    "availability": {
        "columns": [["property_id", "INTEGER"], ["day", "DATE"], ["free", "BOOLEAN"]],
        "rows": [[7, "2026-05-01", True], [7, "2026-05-02", True]],
    }
}


@check("q6", points=1)
def test_binds_the_connection_and_undoes_every_write(student):
    db = probes.database(tables=TABLES, snapshot=["availability"])
    writes = [
        "UPDATE availability SET free = false WHERE day = DATE '2026-05-01'",
        "DELETE FROM availability WHERE day = DATE '2026-05-02'",
    ]
    got = probes.probe_with(student, "transaction", db, sql=writes, fail=True)
    assert got["entered"] == "connection", (
        f"`with transaction(con) as c` should bind the connection, it bound {got['entered']!r}"
    )
    assert got["probes"]["db"]["tables"]["availability"] == [
        [7, "2026-05-01", True],
        [7, "2026-05-02", True],
    ], "a failed block's writes were not all undone"
    assert probes.raised(got) == ["BodyError"], (
        "the block's exception did not leave the `with` statement unchanged: re-raise it"
    )
    ok = probes.probe_with(
        student,
        "transaction",
        probes.database(tables=TABLES, snapshot=["availability"]),
        sql=writes[1:],
    )
    assert probes.raised(ok) == [None] and len(ok["probes"]["db"]["tables"]["availability"]) == 1, (
        "a successful block was not committed"
    )
