"""An empty PostgreSQL database and a role of its own, for applying a student's DDL (module 05).

A check that needs PostgreSQL's own constraints (an exclusion constraint, say) cannot use the
DuckDB and SQLite scratch databases of `prodev.kits.scratchjob`. It asks for a scratch database
here instead: made on the course's PostgreSQL (the grader's when grading, the student's own in a
self-check), owned by a new role that may do nothing else (no superuser, no new databases or
roles, two connections), with per-role limits the role cannot lift (temporary files) and a
wall-clock limit kept by the admin connection, which ends the role's sessions when it runs out.
The student's SQL therefore runs in the database server under limits, never in the grader's
Python process; what the check reads back (which inserts were refused, with which SQLSTATE) is
observed by the server. Names and labels follow `prodev.probes.orm_database`, so a grader killed
in the middle leaves nothing that the next grader's sweep does not drop.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from prodev.probes import orm_database

# Seconds the student's script may run in all; a probe (one insert) gets its own, shorter limit.
SCRIPT_SECONDS = 10.0
PROBE_SECONDS = 5.0
# What the role may write to temporary files per session (sorts and hashes that spill).
TEMP_FILE_LIMIT = "64MB"
_swept = False


@dataclass(frozen=True)
class Refusal:
    """Why PostgreSQL refused a statement: its SQLSTATE, constraint name and first line."""

    sqlstate: str
    constraint: str | None
    message: str

    @property
    def kind(self) -> str:
        """The kind of constraint, from the SQLSTATE class 23 codes."""
        return {
            "23502": "not_null",
            "23503": "foreign_key",
            "23505": "unique",
            "23514": "check",
            "23P01": "exclusion",
        }.get(self.sqlstate, "other")


def _refusal(exc: psycopg.Error) -> Refusal:
    diag = exc.diag
    first = (diag.message_primary or str(exc)).strip().splitlines()
    return Refusal(
        str(diag.sqlstate or exc.sqlstate or ""),
        diag.constraint_name,
        (first[0] if first else type(exc).__name__)[:300],
    )


@dataclass(frozen=True)
class PgScratch:
    """One scratch database, the role that owns it, and the admin URL that made both."""

    admin_url: str
    name: str
    role: str
    password: str

    def url(self) -> str:
        """The database's URL as the role (what the student's SQL runs as)."""
        parts = urlsplit(self.admin_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 5432
        return f"postgresql://{self.role}:{self.password}@{host}:{port}/{self.name}"

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        """A connection as the role, in autocommit unless told otherwise."""
        kwargs.setdefault("autocommit", True)
        return psycopg.connect(self.url(), connect_timeout=10, **kwargs)

    def _end_sessions(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [self.role],
            )

    @contextlib.contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """End every session of the role if the block is still running after `seconds`
        (the role could lift a statement_timeout itself; it cannot stop this)."""
        timer = threading.Timer(seconds, self._end_sessions)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def apply(self, script: str, seconds: float = SCRIPT_SECONDS) -> str | None:
        """Run the student's `script` as the role; None, or the first line of the error."""
        try:
            with self.deadline(seconds), self.connect() as conn:
                conn.execute(script.encode())  # bytes: no client-side placeholder parsing
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and "terminat" in str(exc):
                return f"the SQL ran past the time limit ({seconds:.0f} s)"
            return _refusal(exc).message
        return None

    def try_statement(
        self, statement: str, params: Any = (), seconds: float = PROBE_SECONDS
    ) -> Refusal | None:
        """Run one statement (an insert the check plants) as the role: None if it went
        through, else why it was refused."""
        try:
            with self.deadline(seconds), self.connect() as conn:
                conn.execute(statement, params)
        except psycopg.Error as exc:
            return _refusal(exc)
        return None

    def admin_database_url(self) -> str:
        """The database's URL as the admin user (for the check's own trusted statements)."""
        return urlsplit(self.admin_url)._replace(path="/" + self.name).geturl()

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple]:
        """A trusted query's rows, read as the admin user."""
        with psycopg.connect(self.admin_database_url(), autocommit=True) as admin:
            return admin.execute(query, list(params)).fetchall()

    def drop(self) -> None:
        """Drop the database (ending its sessions) and the role."""
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [self.role],
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(self.role)))


def create(dataset: str | Path | None = None) -> PgScratch:
    """A new role and a database it owns (and may create trusted extensions in): empty, or a
    copy of the StayHub `dataset` file whose tables the role owns (so it may index them)."""
    from prodev.services import postgres_admin_url, stayhub_pg

    global _swept
    admin_url = postgres_admin_url()
    token = secrets.token_hex(6)
    role_name = f"{orm_database.ROLE_PREFIX}{token}"
    name = f"{orm_database.DATABASE_PREFIX}{token}"
    password = secrets.token_urlsafe(18)
    role, db = sql.Identifier(role_name), sql.Identifier(name)
    owner = orm_database.OWNER.format(
        host=socket.gethostname(), pid=os.getpid(), at=int(time.time())
    )
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not _swept:  # once per grader process, as orm_database does (best effort)
            with contextlib.suppress(psycopg.Error):
                orm_database.sweep_stale(admin)
            _swept = True
        with admin.transaction():
            # Two sessions at a time are all a check uses (a race); the headroom is for a
            # session just closed, whose server process still counts until it has exited.
            admin.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT 4 "
                    "PASSWORD {}"
                ).format(role, sql.Literal(password))
            )
            admin.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(role, sql.Literal(owner)))
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            # Only a superuser may set it, and then the role cannot change it (an external
            # server's admin may not be one: the wall-clock limit still holds).
            admin.execute(
                sql.SQL("ALTER ROLE {} SET temp_file_limit = {}").format(
                    role, sql.Literal(TEMP_FILE_LIMIT)
                )
            )
        if dataset is None:
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(db, role)
            )
        else:
            # The dataset file, not its seed: a hidden dataset's file name does not tell it.
            template = stayhub_pg.ensure_django_template(
                admin,
                lambda other: urlsplit(admin_url)._replace(path="/" + other).geturl(),
                Path(dataset),
            )
            stayhub_pg.clone(admin, name, template)
            admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, role))
        admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
    database = PgScratch(admin_url, name, role_name, password)
    if dataset is not None:
        with psycopg.connect(database.admin_database_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(role))
            for (table,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall():
                conn.execute(
                    sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), role)
                )
    return database


@contextlib.contextmanager
def scratch(dataset: str | Path | None = None) -> Iterator[PgScratch]:
    """A scratch database and role for the block (a copy of `dataset`), dropped after."""
    database = create(dataset)
    try:
        yield database
    finally:
        database.drop()


@dataclass(frozen=True)
class RaceOutcome:
    """Two sessions writing at once, as the server saw it."""

    second_waited: bool  # the second statement waited on a lock the first one held
    second: Refusal | None  # why the second was refused, or None if it went through


def race(
    database: PgScratch,
    first: tuple[str, Any],
    second: tuple[str, Any],
    patience: float = 3.0,
) -> RaceOutcome:
    """Run `first` in a transaction left open, then `second` from another session; watch from
    the admin side whether the second waits on a lock, then commit the first and see how the
    second ends. Both statements are the check's own (trusted) inserts."""
    outcome: dict[str, Refusal | None] = {}
    with (
        database.deadline(patience * 3),
        database.connect(autocommit=False) as holder,
        database.connect() as other,
    ):
        holder.execute(first[0], first[1])

        def run_second() -> None:
            try:
                other.execute(second[0], second[1])
                outcome["second"] = None
            except psycopg.Error as exc:
                outcome["second"] = _refusal(exc)

        thread = threading.Thread(target=run_second, daemon=True)
        thread.start()
        waited = _waits_on_lock(database, other.info.backend_pid, thread, patience)
        holder.commit()
        thread.join(patience)
    return RaceOutcome(waited, outcome.get("second"))


def _waits_on_lock(
    database: PgScratch, pid: int, thread: threading.Thread, patience: float
) -> bool:
    """Whether session `pid` is seen waiting on a lock before `thread` ends or time runs out."""
    deadline = time.monotonic() + patience
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        while thread.is_alive() and time.monotonic() < deadline:
            row = admin.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.01)
    return False
