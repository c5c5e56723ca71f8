"""Question 7: a partial PostgreSQL index for a user's unread messages, judged by the plan and
the index's size on disk, both read from the server."""

from prodev.checking import check
from prodev.kits import pgplans

# A partial index earns its keep by holding a fraction of the rows: at most this share of the
# bytes of the same index without its WHERE. Unread messages are about one in eight, but a full
# index of few distinct keys shrinks by deduplication, so the share is measured, not one eighth.
MAX_SHARE = 0.4


@check("q7", points=1)
def test_the_inbox_query_searches_the_index_by_recipient(student, stayhub):
    database = pgplans.with_index(student, stayhub, "unread_index")
    try:
        found = pgplans.indexes(database, "messages")
        assert found, "no index was created on messages"
        user = pgplans.busiest_unread_recipient(database)
        plan = pgplans.explain(database, pgplans.UNREAD, [user], "messages")
        problem = pgplans.unread_problem(plan, found)
        assert problem is None, problem
    finally:
        database.drop()


@check("q7", points=1)
def test_the_index_is_a_fraction_of_a_full_one(student, stayhub):
    database = pgplans.with_index(student, stayhub, "unread_index")
    try:
        found = pgplans.indexes(database, "messages")
        assert found, "no index was created on messages"
        user = pgplans.busiest_unread_recipient(database)
        plan = pgplans.explain(database, pgplans.UNREAD, [user], "messages")
        used = [i for i in found if i["name"] in pgplans.index_names(plan)]
        assert used, "the inbox query uses none of your indexes, so there is no size to judge"
        for index in used:
            assert index["partial"], (
                f"{index['name']} has an entry for every message, read or not, though the inbox "
                "query only ever asks for unread ones"
            )
            full = pgplans.size_without_predicate(database, index["name"])
            share = index["bytes"] / full
            assert share <= MAX_SHARE, (
                f"{index['name']} takes {share:.0%} of the bytes of the same index without its "
                f"WHERE (at most {MAX_SHARE:.0%} expected): its WHERE keeps too many messages"
            )
    finally:
        database.drop()
