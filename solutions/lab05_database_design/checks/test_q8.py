"""Question 8: price_per_night becomes nightly_price_cents while the old and new releases both
write; each step is run on PostgreSQL and the rows are read back from the server."""

from decimal import Decimal

from prodev.checking import check
from prodev.kits import evolution as ev

SEED = {1: "120.00", 2: "89.50", 3: "45.99"}


@check("q8", points=1)
def test_both_releases_write_after_the_expand(student):
    sql = ev.scripts(student)
    with ev.listings(SEED) as database:
        problem = ev.step(database, sql["expand_sql"])
        assert problem is None, f"expand_sql failed on a table with rows: {problem}"
        refused = ev.write(database, ev.OLD_INSERT, 101, "loft", "150.25")
        assert refused is None, (
            f"after the expand, the old release's insert was refused ({refused})"
        )
        refused = ev.write(database, ev.NEW_INSERT, 102, "barn", 8950)
        assert refused is None, (
            f"after the expand, the new release's insert (nightly_price_cents only) was refused "
            f"({refused}): the old column still needs a value"
        )
        found = ev.prices(database)
        assert found[101] == (Decimal("150.25"), 15025), (
            "a listing the old release inserted at 150.25 a night does not read 15025 cents"
        )
        assert found[102] == (Decimal("89.50"), 8950), (
            "a listing the new release inserted at 8950 cents does not read 89.50 a night in "
            "price_per_night, which the old release still reads"
        )


@check("q8", points=1)
def test_backfill_then_contract(student):
    sql = ev.scripts(student)
    with ev.listings(SEED) as database:
        assert ev.step(database, sql["expand_sql"]) is None, "expand_sql failed"
        ev.write(database, ev.OLD_INSERT, 101, "loft", "150.25")
        problem = ev.step(database, sql["backfill_sql"])
        assert problem is None, f"backfill_sql failed: {problem}"
        behind = ev.out_of_step(ev.prices(database))
        assert not behind, (
            f"after the backfill, listings {behind} have no nightly_price_cents, or one that is "
            "not 100 times price_per_night"
        )
        problem = ev.step(database, sql["contract_sql"])
        assert problem is None, f"contract_sql failed: {problem}"
        assert "price_per_night" not in ev.columns_of(database), (
            "after the contract, price_per_night is still there"
        )
        refused = ev.write(database, ev.NEW_INSERT, 103, "mill", 7000)
        assert refused is None, (
            f"after the contract, the new release's insert was refused ({refused}): does "
            "anything still refer to the dropped column?"
        )
        assert ev.write(database, ev.NEW_INSERT, 104, "shed", None) == "not_null", (
            "after the contract, a listing with no nightly_price_cents got in"
        )
        assert ev.write(database, ev.NEW_INSERT, 105, "tent", 0) == "check", (
            "after the contract, a listing at 0 cents got in (price_per_night had to be positive)"
        )
        assert ev.prices(database)[1][1] == 12000, "a listing's price changed during the steps"
