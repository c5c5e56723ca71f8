"""The per-call PostgreSQL database of a graded ORM call: the server counts the role's
statements, the role reaches only its own database, and dropping removes both."""

from __future__ import annotations

import psycopg
import pytest

from prodev.probes import orm_database
from prodev.stayhub.data.files import dataset_path


@pytest.fixture
def call_database():
    database = orm_database.create(dataset_path(42, "small"))
    yield database
    database.drop()


def _role_url(database, name: str) -> str:
    return f"postgresql://{database.role}:{database.password}@127.0.0.1:{database.port}/{name}"


def test_the_server_counts_the_roles_data_statements(call_database):
    with psycopg.connect(_role_url(call_database, call_database.name)) as conn:
        for user in (1, 2, 3):
            conn.execute("SELECT email FROM users WHERE user_id = %s", [user]).fetchone()
        conn.execute(
            "INSERT INTO reviews (booking_id, property_id, guest_id, rating, comment, created_at) "
            "SELECT booking_id, property_id, guest_id, 5, 'ok', now() FROM bookings LIMIT 1"
        )
    statements = call_database.statements()
    assert sum(n for _, n in statements) == 4, statements
    assert not any(q.upper().startswith(("BEGIN", "COMMIT")) for q, _ in statements)


def test_the_snapshot_runs_as_another_role_and_is_not_counted(call_database):
    assert call_database.snapshot(["SELECT count(*) FROM users"])[0][0][0] > 0
    assert call_database.statements() == []


def test_the_role_reaches_no_other_database(call_database):
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_role_url(call_database, "prodev_orm_call_other")).close()
    other = orm_database.create(dataset_path(42, "small"))
    try:
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(_role_url(call_database, other.name)).close()
    finally:
        other.drop()


def test_drop_removes_the_database_and_the_role():
    database = orm_database.create(dataset_path(42, "small"))
    database.drop()
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        found = admin.execute(
            "SELECT (SELECT count(*) FROM pg_database WHERE datname = %s), "
            "(SELECT count(*) FROM pg_roles WHERE rolname = %s)",
            [database.name, database.role],
        ).fetchone()
    assert found == (0, 0)


def test_a_read_only_call_shares_one_copy_and_may_not_write():
    first = orm_database.create(dataset_path(42, "small"), writable=False)
    second = orm_database.create(dataset_path(42, "small"), writable=False)
    try:
        assert first.name == second.name and first.role != second.role
        with psycopg.connect(_role_url(first, first.name)) as conn:
            assert conn.execute("SELECT count(*) FROM users").fetchone()[0] > 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM reviews")
        with psycopg.connect(_role_url(first, first.name)) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM properties WHERE property_id = 1 FOR UPDATE")
        assert [n for _, n in first.statements()] == [1]  # only the count succeeded and counts
        assert second.statements() == []
    finally:
        first.drop()
        second.drop()


def test_dropping_a_read_only_call_ends_its_session_and_role_but_keeps_the_copy():
    database = orm_database.create(dataset_path(42, "small"), writable=False)
    notebook = psycopg.connect(_role_url(database, database.name), autocommit=True)
    database.drop()
    with pytest.raises(psycopg.OperationalError):
        notebook.execute("SELECT 1")
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        found = admin.execute(
            "SELECT (SELECT count(*) FROM pg_database WHERE datname = %s), "
            "(SELECT count(*) FROM pg_roles WHERE rolname = %s)",
            [database.name, database.role],
        ).fetchone()
    assert found == (1, 0)


def test_calls_made_at_the_same_moment_by_several_graders_do_not_collide():
    """Two graders (--jobs 2, or shards on one server) make and drop calls' roles at once:
    PostgreSQL refuses concurrent changes to one object, so nothing shared may be changed."""
    from concurrent.futures import ThreadPoolExecutor

    def make_and_drop(writable: bool) -> int:
        database = orm_database.create(dataset_path(42, "small"), writable=writable)
        try:
            with psycopg.connect(_role_url(database, database.name)) as conn:
                return conn.execute("SELECT count(*) FROM properties").fetchone()[0]
        finally:
            database.drop()

    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(make_and_drop, [False] * 10 + [True] * 2))
    assert len(set(counts)) == 1 and counts[0] > 0


def test_a_killed_graders_call_is_swept_and_a_running_ones_is_kept():
    import subprocess
    import sys

    left = subprocess.run(
        [sys.executable, "-c",
         "import os\n"
         "from prodev.probes import orm_database\n"
         "from prodev.stayhub.data.files import dataset_path\n"
         "d = orm_database.create(dataset_path(42, 'small'))\n"
         "print(d.name, d.role, flush=True)\n"
         "os._exit(0)  # killed before it could drop them\n"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    running = orm_database.create(dataset_path(42, "small"))
    try:
        with psycopg.connect(running.admin_url, autocommit=True) as admin:
            dropped = orm_database.sweep_stale(admin)
            names = {row[0] for row in admin.execute("SELECT datname FROM pg_database")}
            names |= {row[0] for row in admin.execute("SELECT rolname FROM pg_roles")}
        # Every grader process sweeps once, on its first call: one starting meanwhile (a lab
        # test's pool process, say) may have swept these first. Either way they are gone, and the
        # running call is kept.
        assert not set(left) & names, f"left behind: {set(left) & names}"
        assert running.name in names and running.role in names
        assert running.name not in dropped and running.role not in dropped
    finally:
        running.drop()


def test_kernels_cloning_to_one_name_at_once_take_turns():
    """Two notebooks running module 09's setup at the same moment both replace one database:
    without taking turns, the later CREATE DATABASE fails on the name the other just made."""
    import threading
    from pathlib import Path

    from prodev.services import postgres_admin_url, stayhub_pg
    from prodev.stayhub.orm import _with_database

    url = postgres_admin_url()
    with psycopg.connect(url, autocommit=True) as admin:
        template = stayhub_pg.ensure_django_template(
            admin, lambda name: _with_database(url, name), Path(dataset_path(42, "small"))
        )
    errors: list[Exception] = []

    def clone() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as admin:
                stayhub_pg.clone(admin, "prodev_clone_turns_test", template)
        except Exception as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=clone) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with psycopg.connect(url, autocommit=True) as admin:
        made = admin.execute(
            "SELECT count(*) FROM pg_database WHERE datname = 'prodev_clone_turns_test'"
        ).fetchone()
        stayhub_pg.drop_database(admin, "prodev_clone_turns_test")
    assert errors == [] and made == (1,)
