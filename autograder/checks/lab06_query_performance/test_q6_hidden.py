"""Question 6, hidden: on other data the index holds the pending bookings only, and it still
answers alone for the property with the most pending bookings and for one with none."""

from prodev.checking import check
from prodev.kits import pgplans


@check("q6", points=1)
def test_partial_and_alone_on_other_data(student, stayhub_unseen):
    database = pgplans.with_index(student, stayhub_unseen)
    try:
        found = pgplans.indexes(database)
        assert found, "no index was created on bookings"
        pending = database.rows("SELECT count(*) FROM bookings WHERE status = 'pending'")[0][0]
        plans = [
            pgplans.explain(database, pgplans.PENDING, [prop])
            for prop in (
                pgplans.busiest_pending_property(database),
                database.rows(
                    "SELECT min(property_id) FROM properties WHERE property_id NOT IN "
                    "(SELECT property_id FROM bookings WHERE status = 'pending')"
                )[0][0],
            )
        ]
        own = {index["name"] for index in found}
        for plan in plans:
            problem = pgplans.plan_problem(plan, own)
            assert problem is None, f"on other data, {problem}"
        used = {n.get("Index Name") for plan in plans for n in pgplans.nodes(plan)}
        sizes = [index for index in found if index["name"] in used]
        assert all(index["partial"] and index["entries"] <= pending for index in sizes), (
            "the index the query uses holds an entry for every booking, though the query only "
            "ever asks for pending ones"
        )
    finally:
        database.drop()
