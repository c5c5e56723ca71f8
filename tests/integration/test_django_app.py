"""The one StayHub Django app: its migration makes the generator's tables, column by column, on
PostgreSQL and on SQLite; times are aware datetimes in UTC; and one process holds one model per
table, whoever (the practice API, module 09) set Django up."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from prodev.stayhub.data.export import sqlite_ddl
from prodev.stayhub.data.schema import DDL, PRIMARY_KEYS, TABLES

COLUMNS = """
SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision,
       numeric_scale, datetime_precision, is_nullable, column_default, is_identity
FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(%s)
"""
CONSTRAINTS = """
SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text = ANY(%s)
"""
INDEXES = (
    "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)"
)
# Django declares every foreign key deferrable (checked at commit), the DDL's are checked at once.
DEFERRED = " DEFERRABLE INITIALLY DEFERRED"


def _configured() -> None:
    from django.conf import settings

    if not settings.configured:
        from prodev.stayhub.api.settings import configure_django

        configure_django(":memory:")


@contextlib.contextmanager
def extra_database(entry: dict[str, Any]) -> Iterator[str]:
    """A database alias for `entry` while the block runs (the default database is left alone)."""
    from django.db import connections

    _configured()
    alias = f"stayhub_test_{secrets.token_hex(3)}"
    connections.settings[alias] = connections.configure_settings({"default": {}, alias: entry})[
        alias
    ]
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def migrate(entry: dict[str, Any]) -> None:
    """Apply the StayHub app's migrations to the database `entry` names."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    with extra_database(dict(entry)) as alias:
        executor = MigrationExecutor(connections[alias])
        executor.migrate([k for k in executor.loader.graph.leaf_nodes() if k[0] == "stayhub"])


@pytest.fixture(scope="module")
def postgres_pair() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Two empty databases on the course's PostgreSQL: one made by the DDL, one by the app's
    migration; yields their URLs and the second's Django entry."""
    from prodev.services import postgres_admin_url
    from prodev.stayhub.orm import postgres_entry

    admin_url = postgres_admin_url()
    token = secrets.token_hex(4)
    names = (f"test_ddl_{token}", f"test_django_{token}")
    urls = [urlsplit(admin_url)._replace(path="/" + n).geturl() for n in names]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(urls[0], autocommit=True) as conn:
            for table in TABLES:
                conn.execute(DDL[table])
        parts = urlsplit(admin_url)
        entry = postgres_entry(names[1], parts.username, parts.password, parts.hostname, parts.port)
        migrate(entry)
        yield urls[0], urls[1], entry
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def _described(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        columns = conn.execute(COLUMNS, [TABLES]).fetchall()
        constraints = conn.execute(CONSTRAINTS, [TABLES]).fetchall()
        indexes = conn.execute(INDEXES, [TABLES]).fetchall()
    # Foreign keys are compared by what they say: Django names them with a hash, PostgreSQL
    # names the DDL's `<table>_<column>_fkey`. Other constraints keep the DDL's names.
    return {
        "columns": {(r[0], r[1]): r[2:] for r in columns},
        "constraints": {(r[0], r[1]): (r[2], r[3]) for r in constraints if r[2] != "f"},
        "foreign_keys": sorted((r[0], r[3]) for r in constraints if r[2] == "f"),
        "indexes": sorted(indexes),
    }


def test_the_migration_makes_the_ddls_tables_on_postgresql(postgres_pair):
    ddl, django = (_described(url) for url in postgres_pair[:2])
    assert set(django["columns"]) == set(ddl["columns"]), "the tables' columns differ"
    keys = {(table, key) for table, key in PRIMARY_KEYS.items()}
    for name, wanted in ddl["columns"].items():
        got = django["columns"][name]
        if name in keys:  # the one difference: Django's AutoField lets the database number rows
            assert wanted[-1] == "NO" and got[-1] == "YES", name
            got, wanted = got[:-1], wanted[:-1]
        assert got == wanted, f"column {name}: the app makes {got}, the DDL {wanted}"
    assert set(django["constraints"]) == set(ddl["constraints"]), "constraint names differ"
    for name, wanted in ddl["constraints"].items():
        got = django["constraints"][name]
        assert got == wanted, f"constraint {name}: the app makes {got}, the DDL {wanted}"
    assert all(definition.endswith(DEFERRED) for _, definition in django["foreign_keys"])
    keys = [
        (table, definition.removesuffix(DEFERRED)) for table, definition in django["foreign_keys"]
    ]
    assert keys == ddl["foreign_keys"], "the foreign keys differ"
    assert django["indexes"] == ddl["indexes"], "the app indexes other columns than the DDL"


def test_the_migrated_tables_number_rows_and_check_the_nights(postgres_pair):
    """Plain SQL on the migrated tables: the database numbers new rows, and a booking whose end
    is not start + nights is refused by the DDL's check."""
    _, django_url, _ = postgres_pair
    with psycopg.connect(django_url) as conn:
        user = conn.execute(
            "INSERT INTO users (first_name, last_name, email, role, city, country, created_at) "
            "VALUES ('Ada', 'L', 'ada@example.org', 'host', 'Lisbon', 'PT', now()) "
            "RETURNING user_id"
        ).fetchone()[0]
        home = conn.execute(
            "INSERT INTO properties (host_id, name, description, city, country, price_per_night, "
            "bedrooms, max_guests, created_at) VALUES (%s, 'Flat', 'A flat', 'Lisbon', 'PT', 80, "
            "1, 2, now()) RETURNING property_id",
            [user],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO bookings (property_id, guest_id, start_date, end_date, nights, status, "
            "total_price, created_at) VALUES (%s, %s, '2026-05-01', '2026-05-04', 3, 'pending', "
            "240, now())",
            [home, user],
        )
        with pytest.raises(psycopg.errors.CheckViolation, match="bookings_check"):
            conn.execute(
                "INSERT INTO bookings (property_id, guest_id, start_date, end_date, nights, "
                "status, total_price, created_at) VALUES (%s, %s, '2026-06-01', '2026-06-03', 3, "
                "'pending', 240, now())",
                [home, user],
            )


def _sqlite_described(path: Path) -> dict[str, Any]:
    con = sqlite3.connect(path)
    try:
        found = {}
        for table in TABLES:
            # A primary key is the rowid, never NULL, whether the DDL says NOT NULL or not.
            columns = {
                name: (_affinity(kind), bool(notnull or pk), pk)
                for _, name, kind, notnull, _, pk in con.execute(f"PRAGMA table_info({table})")
            }
            keys = sorted(r[2:5] for r in con.execute(f"PRAGMA foreign_key_list({table})"))
            unique = sorted(
                tuple(c[2] for c in con.execute(f"PRAGMA index_info('{index[1]}')"))
                for index in con.execute(f"PRAGMA index_list({table})")
                if index[2] and index[3] != "pk"
            )
            found[table] = {"columns": columns, "keys": keys, "unique": unique}
        return found
    finally:
        con.close()


def _affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (its rules, section 3.1)."""
    kind = declared.upper()
    if "INT" in kind:
        return "INTEGER"
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not kind or "BLOB" in kind:
        return "BLOB"
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def test_the_migration_makes_the_ddls_tables_on_sqlite(tmp_path):
    by_ddl, by_django = tmp_path / "ddl.sqlite", tmp_path / "django.sqlite"
    con = sqlite3.connect(by_ddl)
    for table in TABLES:
        con.execute(sqlite_ddl(table))
    con.close()
    migrate({"ENGINE": "django.db.backends.sqlite3", "NAME": str(by_django)})
    ddl, django = _sqlite_described(by_ddl), _sqlite_described(by_django)
    for table in TABLES:
        assert django[table] == ddl[table], f"{table}: the app makes {django[table]}"


def test_rows_the_generator_wrote_load_into_the_apps_sqlite_tables(tmp_path):
    """Every row of the dataset's SQLite copy fits the migrated tables, checks included."""
    from prodev.stayhub.data import dataset_path, sqlite_copy

    stayhub = dataset_path(seed=42, size="small")
    target = tmp_path / "django.sqlite"
    migrate({"ENGINE": "django.db.backends.sqlite3", "NAME": str(target)})
    con = sqlite3.connect(target)
    try:
        con.execute("ATTACH DATABASE ? AS source", [f"file:{sqlite_copy(stayhub)}?mode=ro"])
        for table in TABLES:  # by name: the migration orders some columns differently
            names = [r[1] for r in con.execute(f"PRAGMA source.table_info({table})")]
            listed = ", ".join(names)
            con.execute(f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM source.{table}")
        con.commit()
        counts = [con.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0] for t in TABLES]
    finally:
        con.close()
    assert all(n > 0 for n in counts), counts


def test_times_are_aware_utc_and_stored_as_utc(tmp_path):
    """USE_TZ = True: a time read back is aware, in UTC; one written in another zone is stored
    as its UTC wall-clock time in the TIMESTAMP column."""
    from django.conf import settings

    from prodev.stayhub.django_app.models import User

    path = tmp_path / "times.sqlite"
    entry = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    migrate(entry)
    assert settings.USE_TZ
    summer_in_lisbon = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with extra_database(entry) as alias:
        made = User.objects.using(alias).create(
            first_name="Ada", last_name="L", email="ada@example.org", role="guest",
            city="Lisbon", country="PT", created_at=summer_in_lisbon,
        )  # fmt: skip
        back = User.objects.using(alias).get(pk=made.pk).created_at
    assert back.utcoffset() == dt.timedelta(0)
    assert back == dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)
    stored = sqlite3.connect(path).execute("SELECT created_at FROM users").fetchone()[0]
    assert stored.startswith("2026-07-01 08:30:00")


def test_times_on_postgresql_keep_the_timestamp_column_and_utc(postgres_pair):
    from prodev.stayhub.django_app.models import User

    _, django_url, entry = postgres_pair
    evening_in_new_york = dt.datetime(
        2026, 1, 15, 23, 0, tzinfo=dt.timezone(-dt.timedelta(hours=5))
    )
    with extra_database(dict(entry)) as alias:
        made = User.objects.using(alias).create(
            first_name="Bo", last_name="K", email="bo@example.org", role="guest", city="Oslo",
            country="NO", created_at=evening_in_new_york,
        )  # fmt: skip
        back = User.objects.using(alias).get(pk=made.pk).created_at
    assert back == dt.datetime(2026, 1, 16, 4, 0, tzinfo=dt.UTC)
    assert back.utcoffset() == dt.timedelta(0)
    with psycopg.connect(django_url) as conn:
        conn.execute("SET TimeZone = 'Asia/Tokyo'")  # a naive column ignores the session's zone
        stored = conn.execute(
            "SELECT created_at FROM users WHERE email = 'bo@example.org'"
        ).fetchone()[0]
    assert stored == dt.datetime(2026, 1, 16, 4, 0)


def test_one_model_per_table_whoever_set_django_up():
    from django.apps import apps

    _configured()
    import prodev.stayhub.api.views  # noqa: F401  (the practice API's modules)
    import prodev.stayhub.orm  # noqa: F401  (module 09's)

    models = [m for m in apps.get_models() if m._meta.db_table in TABLES]
    assert sorted(m._meta.db_table for m in models) == sorted(TABLES)
    assert {m._meta.app_label for m in models} == {"stayhub"}


def test_the_migrations_describe_the_models_as_they_are():
    """The tables compared above come from the migrations: they must say what models.py says
    (what `makemigrations --check` asks, without a database)."""
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.state import ProjectState

    _configured()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    detector = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps))
    changes = detector.changes(graph=loader.graph, trim_to_apps={"stayhub"})
    assert "stayhub" not in changes, (
        f"models.py changed without a migration: {[str(m) for m in changes['stayhub']]}"
    )
