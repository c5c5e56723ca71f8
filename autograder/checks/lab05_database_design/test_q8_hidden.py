"""Question 8, hidden: other prices (a few cents, thousands), and both releases *updating*
prices between the expand and the contract: each update must carry over to the other column,
and an update that changes only the name must leave both prices alone."""

from decimal import Decimal

from prodev.checking import check
from prodev.kits import evolution as ev

SEED = {7: "0.05", 8: "1234.56", 9: "99.99", 10: "310.10"}


@check("q8", points=1)
def test_updates_by_either_release_keep_both_columns_in_step(student):
    sql = ev.scripts(student)
    with ev.listings(SEED) as database:
        assert ev.step(database, sql["expand_sql"]) is None, "expand_sql failed on other data"
        writes = [
            (ev.OLD_UPDATE, "75.40", 7),  # the old release reprices a listing
            (ev.NEW_UPDATE, 4999, 8),  # the new release reprices another
            (ev.RENAME, "renamed", 9),  # a change that touches no price
            (ev.OLD_INSERT, 201, "hut", "0.10"),
            (ev.NEW_INSERT, 202, "yurt", 123456),
        ]
        for statement, *params in writes:
            assert ev.write(database, statement, *params) is None, (
                "on other data, a release's insert or update was refused after the expand"
            )
        found = ev.prices(database)
        assert found[7][1] == 7540 and found[8][0] == Decimal("49.99"), (
            "after the expand, a price one release updated did not reach the other release's column"
        )
        assert found[9][0] == Decimal("99.99") and found[9][1] in (None, 9999), (
            "an update that changed only a listing's name changed its price"
        )
        assert ev.step(database, sql["backfill_sql"]) is None, "backfill_sql failed on other data"
        behind = ev.out_of_step(ev.prices(database))
        assert not behind, "on other data, after the backfill some listings' two prices differ"
        assert ev.step(database, sql["contract_sql"]) is None, "contract_sql failed on other data"
        assert ev.write(database, ev.NEW_UPDATE, 2500, 10) is None, (
            "after the contract, the new release's update was refused"
        )
        cents = {k: v[1] for k, v in ev.prices(database).items()}
        assert cents == {7: 7540, 8: 4999, 9: 9999, 10: 2500, 201: 10, 202: 123456}, (
            "on other data, after the contract some listings hold the wrong number of cents"
        )
