"""Question 6: a partial, covering PostgreSQL index for a property's pending bookings."""

from prodev.checking import check
from prodev.kits import pgplans


@check("q6", points=2)
def test_answered_from_the_index_alone_in_order(student, stayhub):
    database = pgplans.with_index(student, stayhub)
    try:
        own = {index["name"] for index in pgplans.indexes(database)}
        assert own, "no index was created on bookings"
        prop = pgplans.busiest_pending_property(database)
        plan = pgplans.explain(database, pgplans.PENDING, [prop])
        problem = pgplans.plan_problem(plan, own)
        assert problem is None, problem
    finally:
        database.drop()
