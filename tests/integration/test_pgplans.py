"""What lab 06's PostgreSQL checks read from the server (`prodev.kits.pgplans`): the indexes of a
table with their leading column and size, the size of the same index without its WHERE, and plans
read on the check's own search path whatever default the database's owner set."""

from __future__ import annotations

import pytest

from prodev.kits import pgplans, pgscratch

# A small inbox: one message in eight unread, recipients 0 to 99.
INBOX = """
CREATE TABLE messages (message_id integer PRIMARY KEY, sender_id integer NOT NULL,
                       recipient_id integer NOT NULL, sent_at timestamp NOT NULL,
                       is_read boolean NOT NULL);
INSERT INTO messages
SELECT n, n % 37, n % 100, timestamp '2025-01-01' + n * interval '1 minute', n % 8 <> 0
FROM generate_series(1, 20000) AS n;
"""


@pytest.fixture
def inbox():
    with pgscratch.scratch() as database:
        assert database.apply(INBOX) is None
        yield database


def test_indexes_report_partial_leading_column_and_size_against_a_full_one(inbox):
    ddl = "CREATE INDEX unread ON messages (recipient_id, sent_at) WHERE NOT is_read"
    assert inbox.apply(ddl) is None
    [found] = pgplans.indexes(inbox, "messages")
    assert found["name"] == "unread" and found["partial"] and found["leading"] == "recipient_id"
    full = pgplans.size_without_predicate(inbox, "unread")
    assert found["bytes"] * 3 < full  # an eighth of the entries
    assert [i["name"] for i in pgplans.indexes(inbox, "messages")] == ["unread"]  # counterpart gone
    plan = pgplans.explain(inbox, pgplans.UNREAD, [7], "messages")
    assert "unread" in pgplans.index_names(plan)
    assert pgplans.unread_problem(plan, [found]) is None


def test_an_index_led_by_another_column_is_reported_as_read_end_to_end(inbox):
    ddl = "CREATE INDEX unread ON messages (sent_at, recipient_id) WHERE NOT is_read"
    assert inbox.apply(ddl) is None
    found = pgplans.indexes(inbox, "messages")
    plan = pgplans.explain(inbox, pgplans.UNREAD, [7], "messages")
    problem = pgplans.unread_problem(plan, found)
    assert problem is not None and "first column" in problem, problem


def test_a_default_search_path_set_by_the_owner_does_not_redirect_the_checks(inbox):
    decoy = """
    CREATE SCHEMA decoy;
    CREATE TABLE decoy.messages AS SELECT * FROM public.messages WHERE NOT is_read;
    CREATE INDEX decoy_index ON decoy.messages (recipient_id, sent_at);
    DO $$ BEGIN
        EXECUTE format('ALTER DATABASE %I SET search_path = decoy, public', current_database());
    END $$;
    """
    assert inbox.apply(decoy) is None
    assert pgplans.indexes(inbox, "messages") == []
    plan = pgplans.explain(inbox, pgplans.UNREAD, [7], "messages")
    assert "decoy_index" not in pgplans.index_names(plan)
