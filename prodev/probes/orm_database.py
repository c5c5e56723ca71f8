"""A PostgreSQL role of its own, and a database it may use, for each observed ORM call (module 09).

The student's process cannot be trusted to count its own queries: it could report any number.
So every `orm_call` gets a new role in the course's PostgreSQL (`prodev.services`) that may
connect to one database only; the notebook's Django points at it, and afterwards the server's
`pg_stat_statements` says how many statements that role ran there. The checks take snapshots
themselves, as the admin user, so neither the count nor the snapshots come from the student.

A call that may write gets a fresh copy of the dataset (a template clone, about 0.3 s), so
every call starts from the same data. A call that only reads shares one copy per dataset that
no role may change: its role joins a group that may connect to that copy and SELECT from it,
which costs milliseconds, not a clone, and changes no privilege that graders running at the
same moment might be changing too (PostgreSQL refuses concurrent changes to one object).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from prodev.runtime import answers

# Statements that do not read or write data: transaction control and session settings.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET ", "SHOW ", "START ")
# Django sets the session's time zone on connecting, as this exact (normalised) statement.
SESSION_SETUP = "SELECT set_config($1, $2, $3)"
# Serialise making the read-only copies (one per dataset, shared by every call) and the
# statement-counting extension, which other graders may be making at the same moment.
READ_ONLY_LOCK = 0x70726F66
EXTENSION_LOCK = 0x70726F67
ROLE_PREFIX, DATABASE_PREFIX = "prodev_orm_role_", "prodev_orm_call_"
# A call's role says who made it, so a later grader can drop what a killed one left behind.
OWNER = "prodev orm call: host={host} pid={pid} at={at}"
# Where the maker cannot be asked (another machine or container), a call this old is over.
STALE_AFTER_SECONDS = 24 * 3600
_swept = False


@dataclass(frozen=True)
class CallDatabase:
    """One call's database and role, and where the server is."""

    admin_url: str
    host: str
    port: int
    name: str
    role: str
    password: str
    writable: bool

    def connection_settings(self, host: str, port: int) -> dict[str, Any]:
        """What the notebook's Django needs to connect (at the address exposed to it)."""
        return {
            "host": host,
            "port": port,
            "name": self.name,
            "user": self.role,
            "password": self.password,
        }

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """The database's URL, as the admin user unless another user is given."""
        parts = urlsplit(self.admin_url)
        if user is None:
            return parts._replace(path="/" + self.name).geturl()
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{self.name}"

    def snapshot(self, queries: list[str]) -> list[Any]:
        """Run read-only queries as the admin user (not counted: another role); return rows."""
        if not queries:
            return []
        out = []
        with psycopg.connect(self.url()) as conn:
            for query in queries:
                rows = conn.execute(query).fetchall()
                out.append(answers.to_json([list(r) for r in rows]))
        return out

    def change(self, statements: list[str]) -> None:
        """Run `statements` as the admin user, in one transaction, before the call: data a
        check plants (a tie, a second payment) that the dataset does not hold."""
        if not statements:
            return
        assert self.writable, "only a call's own copy may be changed, not the shared read-only one"
        with psycopg.connect(self.url()) as conn:
            for statement in statements:
                conn.execute(statement)

    def statements(self) -> list[tuple[str, int]]:
        """(statement text, times run) for every statement the call's role ran in its database,
        transaction control and session settings left out."""
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT s.query, s.calls FROM pg_stat_statements s "
                "JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid "
                "WHERE r.rolname = %s AND d.datname = %s ORDER BY s.calls DESC",
                [self.role, self.name],
            ).fetchall()
        return [
            (str(q), int(n))
            for q, n in rows
            if str(q).strip() != SESSION_SETUP and not str(q).lstrip().upper().startswith(CONTROL)
        ]

    def drop(self) -> None:
        """End the role's sessions and drop it, with the database if it was the call's own."""
        role = sql.Identifier(self.role)
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            if self.writable:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(self.name)
                    )
                )
            else:  # the role holds no privilege of its own, only its group's
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    [self.role],
                )
            admin.execute(
                "SELECT pg_stat_statements_reset(oid) FROM pg_roles WHERE rolname = %s",
                [self.role],
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


def _with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path="/" + name).geturl()


@contextlib.contextmanager
def _advisory_lock(admin: psycopg.Connection, key: int) -> Iterator[None]:
    """Hold the advisory lock `key` (in the admin's database) while the block runs."""
    admin.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        admin.execute("SELECT pg_advisory_unlock(%s)", [key])


def _ensure_counting(admin: psycopg.Connection) -> None:
    """pg_stat_statements in the admin's database, created once."""
    found = "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
    if admin.execute(found).fetchone():
        return
    with _advisory_lock(admin, EXTENSION_LOCK):
        admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def _read_only_copy(admin: psycopg.Connection, admin_url: str, template: str) -> tuple[str, str]:
    """The copy of `template` that read-only calls share, and the group whose members may
    connect to it and read it (nobody else may), both made once."""
    name, group = f"{template}_read", f"{template}_reader"
    db, members = sql.Identifier(name), sql.Identifier(group)
    with _advisory_lock(admin, READ_ONLY_LOCK):
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(db, sql.Identifier(template))
            )
            admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [group]).fetchone():
            admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(members))
            admin.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, members))
            with psycopg.connect(_with_database(admin_url, name), autocommit=True) as conn:
                conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(members))
                conn.execute(
                    sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(members)
                )
    return name, group


def _is_stale(comment: str | None, now: float) -> bool:
    """Whether the call that made a role with this comment is over: its grader process is gone
    (same host), or it is a day old (another host)."""
    fields = dict(part.split("=", 1) for part in (comment or "").split() if "=" in part)
    try:
        pid, at = int(fields["pid"]), float(fields["at"])
    except (KeyError, ValueError):
        return True  # no owner: a role this module did not finish making, or made before owners
    if fields.get("host") == socket.gethostname():
        return not Path("/proc", str(pid)).exists()
    return now - at > STALE_AFTER_SECONDS


def sweep_stale(admin: psycopg.Connection) -> list[str]:
    """Drop the per-call databases and roles that killed graders left behind; return their
    names. A role is made and labelled in one transaction, so a role without a label is one
    no running grader is using; a call database goes with its role."""
    now = time.time()
    # Databases first: a grader makes a call's role before its database, so every database
    # listed here has its role in the list read next, unless that role is gone.
    databases = admin.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [DATABASE_PREFIX]
    ).fetchall()
    roles = admin.execute(
        "SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles "
        "WHERE starts_with(rolname, %s)",
        [ROLE_PREFIX],
    ).fetchall()
    live = {name.removeprefix(ROLE_PREFIX) for name, note in roles if not _is_stale(note, now)}
    dropped = []
    for (name,) in databases:
        if name.removeprefix(DATABASE_PREFIX) not in live:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            dropped.append(name)
    for name, _ in roles:
        if name.removeprefix(ROLE_PREFIX) in live:
            continue
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name]
        )
        admin.execute(
            "SELECT pg_stat_statements_reset(oid) FROM pg_roles WHERE rolname = %s", [name]
        )
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        dropped.append(name)
    return dropped


def create(dataset: str | Path, writable: bool = True) -> CallDatabase:
    """A new role and a database it alone may use: a fresh copy of `dataset` it may change
    (`writable`), or the shared copy it may only read."""
    from prodev.services import postgres_admin_url, stayhub_pg

    admin_url = postgres_admin_url()
    parts = urlsplit(admin_url)
    token = secrets.token_hex(6)
    role_name = f"{ROLE_PREFIX}{token}"
    password = secrets.token_urlsafe(18)
    role = sql.Identifier(role_name)
    login = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password))
    owner = OWNER.format(host=socket.gethostname(), pid=os.getpid(), at=int(time.time()))
    label = sql.SQL("COMMENT ON ROLE {} IS {}").format(role, sql.Literal(owner))
    global _swept
    with psycopg.connect(admin_url, autocommit=True) as admin:
        _ensure_counting(admin)
        if not _swept:  # once per grader process
            sweep_stale(admin)
            _swept = True
        template = stayhub_pg.ensure_django_template(
            admin, lambda name: _with_database(admin_url, name), Path(dataset)
        )
        if not writable:
            name, group = _read_only_copy(admin, admin_url, template)
            with admin.transaction():
                admin.execute(sql.SQL("{} IN ROLE {}").format(login, sql.Identifier(group)))
                admin.execute(label)
        else:
            name = f"{DATABASE_PREFIX}{token}"
            db = sql.Identifier(name)
            with admin.transaction():
                admin.execute(login)
                admin.execute(label)
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(db, sql.Identifier(template))
            )
            admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
            admin.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, role))
    if writable:
        with psycopg.connect(_with_database(admin_url, name), autocommit=True) as conn:
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
            conn.execute(
                sql.SQL(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
                ).format(role)
            )
            conn.execute(
                sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
            )
    return CallDatabase(
        admin_url=admin_url,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        name=name,
        role=role_name,
        password=password,
        writable=writable,
    )
