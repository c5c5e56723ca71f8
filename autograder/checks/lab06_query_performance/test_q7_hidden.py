"""Question 7, hidden: on other data the index still serves the user with the most unread
messages and one with none, stays a fraction of a full index, and every query outside its
predicate (the read tab, the whole inbox) returns the same rows as before the statement ran."""

from prodev.checking import check
from prodev.kits import pgplans

MAX_SHARE = 0.4


def _answers(database, users):
    # Sorted: rows tied on sent_at may come in another order from another plan.
    return [
        sorted(pgplans.rows(database, query, [user]))
        for user in users
        for query in pgplans.OUTSIDE_UNREAD
    ]


@check("q7", points=1)
def test_serves_other_data_and_changes_no_answer(student, stayhub_unseen):
    seen = {}

    def remember(database):
        seen["users"] = (
            pgplans.busiest_unread_recipient(database),
            pgplans.all_read_recipient(database),
        )
        seen["answers"] = _answers(database, seen["users"])

    database = pgplans.with_index(student, stayhub_unseen, "unread_index", before=remember)
    try:
        assert _answers(database, seen["users"]) == seen["answers"], (
            "on other data, after your statement ran, queries on messages (read ones, unread "
            "ones, counts) returned different rows: the answer should only add an index"
        )
        found = pgplans.indexes(database, "messages")
        assert found, "no index was created on messages"
        used = set()
        for user in seen["users"]:
            plan = pgplans.explain(database, pgplans.UNREAD, [user], "messages")
            problem = pgplans.unread_problem(plan, found)
            assert problem is None, f"on other data, {problem}"
            used |= pgplans.index_names(plan)
        for index in (i for i in found if i["name"] in used):
            share = index["bytes"] / pgplans.size_without_predicate(database, index["name"])
            assert index["partial"] and share <= MAX_SHARE, (
                "on other data, the index the inbox query uses is not a small fraction of a "
                "full index on the same columns"
            )
    finally:
        database.drop()
