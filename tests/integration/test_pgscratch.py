"""The scratch PostgreSQL database that labs 05 and 06 apply student DDL in: the role owns its
database and nothing more, the wall-clock limit holds even when the script lifts its own
statement timeout, refusals carry their SQLSTATE, and dropping removes database and role."""

from __future__ import annotations

import psycopg
import pytest

from prodev.kits import pgscratch
from prodev.stayhub.data.files import dataset_path

SLOTS = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE slots (who integer NOT NULL, during int4range NOT NULL,
                    EXCLUDE USING gist (who WITH =, during WITH &&));
"""


@pytest.fixture
def scratch():
    with pgscratch.scratch() as database:
        yield database


def test_the_role_creates_a_trusted_extension_and_refusals_carry_their_sqlstate(scratch):
    assert scratch.apply(SLOTS) is None
    insert = "INSERT INTO slots VALUES (%s, int4range(%s, %s))"
    assert scratch.try_statement(insert, [1, 0, 10]) is None
    refusal = scratch.try_statement(insert, [1, 5, 15])
    assert refusal is not None and refusal.kind == "exclusion", refusal
    assert scratch.try_statement(insert, [1, 10, 20]) is None  # [0,10) and [10,20) only touch
    assert scratch.rows("SELECT count(*) FROM slots") == [(2,)]


def test_the_wall_clock_limit_holds_against_a_lifted_statement_timeout(scratch):
    problem = scratch.apply("SET statement_timeout = 0; SELECT pg_sleep(60)", seconds=1)
    assert problem is not None and "time limit" in problem, problem


@pytest.mark.parametrize(
    "script",
    [
        "CREATE ROLE intruder",
        "CREATE DATABASE elsewhere",
        "CREATE TABLE t (line text); COPY t FROM '/etc/passwd'",
        "ALTER ROLE CURRENT_USER SET temp_file_limit = -1",
    ],
)
def test_the_role_may_do_nothing_beyond_its_database(scratch, script):
    assert scratch.apply(script) is not None


def test_two_sessions_race_and_the_second_waits_on_the_constraint(scratch):
    assert scratch.apply(SLOTS) is None
    insert = "INSERT INTO slots VALUES (%s, int4range(%s, %s))"
    outcome = pgscratch.race(scratch, (insert, [2, 0, 10]), (insert, [2, 5, 15]))
    assert outcome.second_waited
    assert outcome.second is not None and outcome.second.sqlstate == "23P01"


def test_a_dataset_copy_is_the_roles_to_index_and_dropping_removes_everything():
    database = pgscratch.create(dataset_path(42, "small"))
    try:
        count = "SELECT count(*) FROM pg_indexes WHERE tablename = 'bookings'"
        before = database.rows(count)[0][0]
        assert database.apply("CREATE INDEX ON bookings (guest_id)") is None
        assert database.rows(count)[0][0] == before + 1
    finally:
        database.drop()
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        left = admin.execute(
            "SELECT (SELECT count(*) FROM pg_database WHERE datname = %s), "
            "(SELECT count(*) FROM pg_roles WHERE rolname = %s)",
            [database.name, database.role],
        ).fetchone()
    assert left == (0, 0)
