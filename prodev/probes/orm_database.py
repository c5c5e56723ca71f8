"""A PostgreSQL database and role of its own for each observed ORM call (module 09, grading).

The student's process cannot be trusted to count its own queries: it could report any number.
So when grading, every `orm_call` gets a fresh copy of the dataset in the course's PostgreSQL
(a template clone) and a new role that may connect to that copy only; the notebook's Django
points at it, and afterwards the server's `pg_stat_statements` says how many statements that
role ran there. The grader takes the snapshots itself, as the server's superuser, so neither the
count nor the snapshots come from the student's reply.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from prodev.runtime import answers

# Statements that do not read or write data: transaction control and session settings.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET ", "SHOW ", "START ")
# Django sets the session's time zone on connecting, as this exact (normalised) statement.
SESSION_SETUP = "SELECT set_config($1, $2, $3)"


@dataclass(frozen=True)
class CallDatabase:
    """One call's database: its name, the role that may use it, and the server's address."""

    admin_url: str
    port: int
    name: str
    role: str
    password: str

    def connection_settings(self, host: str, port: int) -> dict[str, Any]:
        """What the notebook's Django needs to connect (at the address exposed to it)."""
        return {
            "host": host,
            "port": port,
            "name": self.name,
            "user": self.role,
            "password": self.password,
        }

    def snapshot(self, queries: list[str]) -> list[Any]:
        """Run read-only queries as the superuser (not counted: another role) and return rows."""
        out = []
        with psycopg.connect(_with_database(self.admin_url, self.name)) as conn:
            for query in queries:
                rows = conn.execute(query).fetchall()
                out.append(answers.to_json([list(r) for r in rows]))
        return out

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
        """Drop the database (ending the notebook's sessions in it) and the role."""
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(self.role)))


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _server() -> tuple[str, int]:
    """The course's embedded PostgreSQL (started if need be): its admin URL and port."""
    from prodev.services import postgres_server
    from prodev.services.lifecycle import locked

    with locked(postgres_server.NAME):
        state = postgres_server.ensure_running()
    port, password = int(state["port"]), state["password"]
    return postgres_server.url(port, password, "postgres"), port


def _template_for(admin: psycopg.Connection, admin_url: str, dataset: Path) -> str:
    """The template database holding `dataset` with Django-ready keys, built once per file."""
    from prodev.services import stayhub_pg
    from prodev.services.lifecycle import locked
    from prodev.stayhub.data.schema import PRIMARY_KEYS

    stamp = f"{dataset.resolve()}:{dataset.stat().st_mtime_ns}:{dataset.stat().st_size}"
    name = "prodev_orm_" + hashlib.sha256(stamp.encode()).hexdigest()[:16]
    with locked("postgres-orm-templates"):
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if found:
            return name
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            with psycopg.connect(_with_database(admin_url, name), autocommit=True) as conn:
                stayhub_pg.load(conn, source_file=dataset)
                # Django's AutoField lets the database number new rows: give each key a
                # default that starts after the rows loaded.
                for table, key in PRIMARY_KEYS.items():
                    top = conn.execute(
                        sql.SQL("SELECT coalesce(max({}), 0) + 1 FROM {}").format(
                            sql.Identifier(key), sql.Identifier(table)
                        )
                    ).fetchone()[0]
                    conn.execute(
                        sql.SQL(
                            "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED BY DEFAULT AS IDENTITY "
                            "(START WITH {})"
                        ).format(sql.Identifier(table), sql.Identifier(key), sql.Literal(top))
                    )
        except BaseException:
            stayhub_pg.drop_database(admin, name)
            raise
        admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(name)))
    return name


def create(dataset: str | Path) -> CallDatabase:
    """A fresh copy of `dataset` in PostgreSQL and a new role that may use only that copy."""
    admin_url, port = _server()
    token = secrets.token_hex(6)
    call = CallDatabase(
        admin_url=admin_url,
        port=port,
        name=f"prodev_orm_call_{token}",
        role=f"prodev_orm_role_{token}",
        password=secrets.token_urlsafe(18),
    )
    db, role = sql.Identifier(call.name), sql.Identifier(call.role)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        template = _template_for(admin, admin_url, Path(dataset))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(call.password))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(db, sql.Identifier(template))
        )
        admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        admin.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, role))
    with psycopg.connect(_with_database(admin_url, call.name), autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        conn.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(role)
        )
        conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(role))
    return call
