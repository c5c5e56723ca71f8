"""StayHub in PostgreSQL: the tables of `prodev.stayhub.data.schema`, filled with the rows of the
DuckDB file that the same generator writes for a seed, so both engines hold the same data.

Each seed is loaded once into a template database; `CREATE DATABASE ... TEMPLATE` then copies it
in milliseconds, for the student's own `stayhub` database or for a fresh one per submission.
Module 09's Django code works on copies of a template per dataset file whose keys the database
numbers (`ensure_django_template`)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import psycopg
from psycopg import sql

from prodev.course.paths import PUBLIC_SEED
from prodev.services.errors import ServiceError
from prodev.stayhub.data.files import GENERATOR_VERSION
from prodev.stayhub.data.schema import DDL, PRIMARY_KEYS, TABLES

LOAD_LOCK = 0x70726F64  # the advisory lock loaders of an external database take ("prod")
DJANGO_TEMPLATE_LOCK = 0x70726F65  # the advisory lock builders of Django-ready templates take
CLONE_LOCK_CLASS = 0x7072  # with a hash of the name: the lock of one clone target ("pr")
_ROWS_PER_FETCH = 10_000


def student_database(seed: int = PUBLIC_SEED) -> str:
    """The working copy `postgres()` hands out: `stayhub` for the public seed."""
    return "stayhub" if int(seed) == PUBLIC_SEED else f"stayhub_seed{int(seed)}"


def template_name(seed: int = PUBLIC_SEED, size: str = "small") -> str:
    """The template database holding StayHub for `seed` and `size`."""
    return f"stayhub_{size}_seed{int(seed)}"


def loaded_dataset(conn: psycopg.Connection) -> tuple[int, str, str] | None:
    """(seed, size, generator version) recorded by `load` in this database, or None."""
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT seed, size, generator_version FROM prodev.dataset"
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return tuple(row) if row else None


def load(
    conn: psycopg.Connection,
    seed: int = PUBLIC_SEED,
    size: str = "small",
    source_file: Path | None = None,
) -> None:
    """Create the StayHub tables in the database `conn` is connected to and copy every row of
    the DuckDB dataset for `seed` and `size` (or of the file `source_file`) into them, in one
    transaction (all or nothing)."""
    import duckdb

    from prodev.stayhub.data.files import dataset_path

    with conn.transaction():
        existing = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name = ANY(%s)",
            [TABLES],
        ).fetchall()
        if existing:
            names = ", ".join(sorted(r[0] for r in existing))
            raise ServiceError(
                f"database {conn.info.dbname!r} already has StayHub tables ({names}) that prodev "
                "did not load: point PRODEV_POSTGRES_URL at an empty database"
            )
        _skip_foreign_key_triggers(conn)
        path = source_file if source_file is not None else dataset_path(seed, size)
        source = duckdb.connect(str(path), read_only=True)
        try:
            for table in TABLES:
                conn.execute(DDL[table])
                result = source.execute(f"SELECT * FROM {table} ORDER BY {PRIMARY_KEYS[table]}")
                columns = sql.SQL(", ").join(sql.Identifier(d[0]) for d in result.description)
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), columns)
                with conn.cursor().copy(copy_sql) as copy:
                    while rows := result.fetchmany(_ROWS_PER_FETCH):
                        for row in rows:
                            copy.write_row(row)
        finally:
            source.close()
        conn.execute("CREATE SCHEMA prodev")
        conn.execute(
            "CREATE TABLE prodev.dataset (seed integer, size text, generator_version text, "
            "loaded_at timestamptz DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO prodev.dataset (seed, size, generator_version) VALUES (%s, %s, %s)",
            [int(seed), size, GENERATOR_VERSION],
        )
    conn.execute("ANALYZE")  # fresh statistics, so plans in lessons are the ones PostgreSQL picks


def _skip_foreign_key_triggers(conn: psycopg.Connection) -> None:
    """Within the load's transaction, let COPY skip the per-row foreign-key checks (most of the
    load's time): DuckDB enforced the same keys when the generator wrote the rows. Needs a
    superuser, as on the embedded server; elsewhere the rows are checked one by one."""
    try:
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        pass


def _database_exists(admin: psycopg.Connection, name: str) -> bool:
    return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def drop_database(admin: psycopg.Connection, name: str) -> None:
    """Drop database `name` if it exists, ending its sessions; a template is unmarked first."""
    if _database_exists(admin, name):
        ident = sql.Identifier(name)
        admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(ident))
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))


def ensure_template(
    admin: psycopg.Connection, url_for, seed: int = PUBLIC_SEED, size: str = "small"
) -> str:
    """Make sure the template database for `seed` and `size` exists and is current; return its
    name. `admin` is an autocommit connection; `url_for(name)` gives the URL of a database."""
    name = template_name(seed, size)
    # Recorded on the database itself, so checking it needs no session in the template (a
    # session there would make a concurrent CREATE DATABASE ... TEMPLATE fail).
    wanted = f"StayHub {size} seed {int(seed)}, generator {GENERATOR_VERSION}"
    found = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    ).fetchone()
    if found is not None:
        if found[0] == wanted:
            return name
        drop_database(admin, name)  # an older generator's rows, or a load cut short
    print(f"Loading StayHub ({size}, seed {seed}) into PostgreSQL database {name} ...")
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(url_for(name), autocommit=True) as conn:
            load(conn, seed, size)
    except BaseException:
        drop_database(admin, name)
        raise
    ident = sql.Identifier(name)
    admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(ident))
    admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(wanted)))
    return name


def clone(admin: psycopg.Connection, name: str, template: str) -> None:
    """CREATE DATABASE `name` as a copy of `template` (replacing any database called `name`).
    Two processes cloning to the same name (two kernels running module 09's setup at once) take
    turns: otherwise both drop, then the second CREATE fails on the name the first made."""
    admin.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [CLONE_LOCK_CLASS, name])
    try:
        drop_database(admin, name)
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    finally:
        admin.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [CLONE_LOCK_CLASS, name])


def give_keys_identity(conn: psycopg.Connection) -> None:
    """Let the database number new rows, as Django's AutoFields expect: each primary key gets
    `GENERATED BY DEFAULT AS IDENTITY`, starting after the rows already loaded. The only way
    the StayHub Django app's tables differ from the generator's DDL."""
    for table, key in PRIMARY_KEYS.items():
        top = conn.execute(
            sql.SQL("SELECT coalesce(max({}), 0) + 1 FROM {}").format(
                sql.Identifier(key), sql.Identifier(table)
            )
        ).fetchone()[0]
        conn.execute(
            sql.SQL(
                "ALTER TABLE {} ALTER COLUMN {} "
                "ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {})"
            ).format(sql.Identifier(table), sql.Identifier(key), sql.Literal(top))
        )


def django_template_name(dataset: Path) -> str:
    """The template database for the DuckDB file `dataset`, named by its content: the same
    seed and generator write the same bytes, so machines that share a server (grading pods on
    one managed PostgreSQL) share the template too."""
    stat = dataset.stat()
    return "prodev_orm_" + _content_digest(str(dataset.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _content_digest(path: str, mtime_ns: int, size: int) -> str:
    """The first 16 hex digits of the file's SHA-256, computed once per version of the file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def ensure_django_template(admin: psycopg.Connection, url_for, dataset: Path) -> str:
    """The template database holding the rows of the DuckDB file `dataset`, with keys the
    database numbers (`give_keys_identity`), built once per version of the file; return its
    name. `admin` is an autocommit connection that may create databases; `url_for(name)` gives
    the URL of a database. Builders on other processes or machines wait on a server-side lock."""
    name = django_template_name(dataset)
    admin.execute("SELECT pg_advisory_lock(%s)", [DJANGO_TEMPLATE_LOCK])
    try:
        if _database_exists(admin, name):
            return name
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            with psycopg.connect(url_for(name), autocommit=True) as conn:
                load(conn, source_file=dataset)
                give_keys_identity(conn)
        except BaseException:
            drop_database(admin, name)
            raise
        admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(name)))
        return name
    finally:
        admin.execute("SELECT pg_advisory_unlock(%s)", [DJANGO_TEMPLATE_LOCK])
