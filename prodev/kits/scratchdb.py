"""Fresh, locked-down scratch databases in which checks run a student's DDL and DML text.

Some labs ask for SQL that writes (CREATE TABLE, INSERT, CREATE INDEX). Writing SQL is data, not
code, but a database engine can still touch files (COPY, ATTACH, read_csv, extensions). So the
trusted check runs such text only here: in an in-memory DuckDB whose file-system access and
configuration are locked, or an in-memory SQLite whose authorizer refuses ATTACH, PRAGMA and
extension loading; only an allow-list of statement kinds runs, and every statement has a time limit.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from prodev.errors import UserError

# Statement kinds a student's script may contain, by default: DDL and plain DML.
DEFAULT_ALLOWED = ("CREATE", "INSERT", "DROP", "ALTER")
# Wall-clock seconds one statement may run before it is interrupted.
STATEMENT_SECONDS = 10.0
# Memory a scratch database's engine may use (DuckDB's memory_limit, SQLite's hard heap limit);
# the sandbox's address-space limit stands behind it.
MEMORY_LIMIT_MB = 1024


class ScriptError(UserError, AssertionError):
    """A student's SQL script was refused or failed; the message is written for the student."""


@dataclass(frozen=True)
class Rejection:
    """Why a database refused a row: `kind` is not_null, unique, check or foreign_key."""

    kind: str
    column: str | None
    message: str


def split_statements(script: str, allowed: Iterable[str] = DEFAULT_ALLOWED) -> list[str]:
    """Split `script` into statements with DuckDB's parser; refuse kinds not in `allowed`."""
    if not isinstance(script, str) or not script.strip():
        raise ScriptError("no SQL yet: write your statements in the string")
    if "NotImplementedError" in script:
        raise ScriptError("not answered yet: replace the placeholder with your SQL")
    try:
        statements = duckdb.extract_statements(script)
    except duckdb.Error as exc:
        raise ScriptError(f"the SQL does not parse: {_first_line(exc)}") from None
    allowed = {a.upper() for a in allowed}
    out: list[str] = []
    for number, statement in enumerate(statements, start=1):
        kind = statement.type.name
        if kind not in allowed:
            raise ScriptError(
                f"statement {number} is a {kind} statement; only "
                f"{', '.join(sorted(allowed))} statements are accepted here"
            )
        out.append(statement.query.strip().rstrip(";"))
    if not out:
        raise ScriptError("the string holds no SQL statement")
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def duckdb_scratch(setup: Callable[[Any], None] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB; `setup` (trusted) runs first, then file access is locked away."""
    con = duckdb.connect(":memory:")
    if setup is not None:
        setup(con)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
    # No spilling to a temp folder: past the limit a script fails instead of filling the disk.
    con.execute("SET temp_directory = ''")
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
    return con


_SQLITE_DENIED = {
    sqlite3.SQLITE_ATTACH,
    sqlite3.SQLITE_DETACH,
    sqlite3.SQLITE_PRAGMA,
}


def _sqlite_authorizer(action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
    if action in _SQLITE_DENIED:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in {"load_extension", "readfile"}:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def sqlite_scratch(setup: Callable[[sqlite3.Connection], None] | None = None) -> sqlite3.Connection:
    """An in-memory SQLite with foreign keys on; ATTACH, PRAGMA and extensions are refused."""
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    # Process-wide in SQLite: a script that builds enormous indexes fails with "out of memory".
    con.execute(f"PRAGMA hard_heap_limit = {MEMORY_LIMIT_MB * 1024 * 1024}")
    if setup is not None:
        setup(con)
    if hasattr(con, "enable_load_extension"):  # absent when Python is built without it
        con.enable_load_extension(False)
    con.set_authorizer(_sqlite_authorizer)
    return con


def engine_name(con: Any) -> str:
    return "SQLite" if isinstance(con, sqlite3.Connection) else "DuckDB"


def execute(con: Any, statement: str, params: Iterable[Any] = ()) -> Any:
    """Run one statement with a wall-clock limit (the engine is interrupted when it expires)."""
    return _limited(con, lambda: con.execute(statement, _params(con, params)))


def fetch(con: Any, query: str, params: Iterable[Any] = ()) -> tuple[list[str], list[tuple]]:
    """Run a query and fetch all its rows within the time limit: (column names, rows)."""

    def run() -> tuple[list[str], list[tuple]]:
        cursor = con.execute(query, _params(con, params))
        columns = [d[0].lower() for d in cursor.description or []]
        return columns, [tuple(r) for r in cursor.fetchall()]

    return _limited(con, run)


def _params(con: Any, params: Iterable[Any]) -> Any:
    return tuple(params) if isinstance(con, sqlite3.Connection) else list(params)


def _limited(con: Any, work: Callable[[], Any]) -> Any:
    """Do `work` on `con`, interrupting the engine after STATEMENT_SECONDS."""
    if isinstance(con, sqlite3.Connection):
        deadline = threading.Event()
        timer = threading.Timer(STATEMENT_SECONDS, deadline.set)
        con.set_progress_handler(lambda: 1 if deadline.is_set() else 0, 10_000)
        timer.start()
        try:
            return work()
        finally:
            timer.cancel()
            con.set_progress_handler(None, 0)
    timer = threading.Timer(STATEMENT_SECONDS, con.interrupt)
    timer.start()
    try:
        return work()
    finally:
        timer.cancel()


def apply_script(
    con: Any, script: str, allowed: Iterable[str] = DEFAULT_ALLOWED, label: str = "your SQL"
) -> None:
    """Run a student's script statement by statement; fail with the statement and the error."""
    for number, statement in enumerate(split_statements(script, allowed), start=1):
        try:
            execute(con, statement)
        except (duckdb.Error, sqlite3.Error) as exc:
            preview = " ".join(statement.split())[:80]
            raise ScriptError(
                f"{label}: statement {number} ({preview}...) failed on {engine_name(con)}: "
                f"{_first_line(exc)}"
            ) from None


_COLUMN_PATTERNS = (
    re.compile(r"NOT NULL constraint failed: \w+\.(\w+)"),
    re.compile(r"UNIQUE constraint failed: \w+\.(\w+)"),
    re.compile(r'Duplicate key "(\w+):'),
)


def classify(message: str) -> Rejection:
    """Name the constraint behind an engine's integrity error (DuckDB's or SQLite's wording)."""
    text = message.replace("\n", " ")
    lower = text.lower()
    if "not null" in lower:
        kind = "not_null"
    elif "foreign key" in lower:
        kind = "foreign_key"
    elif "check constraint" in lower:
        kind = "check"
    elif "unique" in lower or "primary key" in lower or "duplicate key" in lower:
        kind = "unique"
    else:
        kind = "other"
    column = None
    for pattern in _COLUMN_PATTERNS:
        match = pattern.search(text)
        if match:
            column = match.group(1).lower()
            break
    return Rejection(kind, column, text)


def try_insert(con: Any, table: str, row: Mapping[str, Any]) -> Rejection | None:
    """Insert one row (trusted table and column names); None if accepted, else why it was not."""
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    try:
        execute(con, f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
    except (duckdb.ConstraintException, sqlite3.IntegrityError) as exc:
        return classify(str(exc))
    except (duckdb.Error, sqlite3.Error) as exc:
        return Rejection("error", None, _first_line(exc))
    return None


def table_columns(con: Any, table: str) -> list[str] | None:
    """Column names of `table` (a trusted name) in declaration order, or None if it is missing."""
    try:
        cursor = con.execute(f"SELECT * FROM {table} LIMIT 0")
    except (duckdb.Error, sqlite3.Error):
        return None
    return [d[0].lower() for d in cursor.description]


def rejection_problem(
    con: Any, table: str, row: Mapping[str, Any], kind: str | None, about: str, description: str
) -> str | None:
    """Insert `row`; say what is wrong if it is not refused by a `kind` constraint about `about`.

    `kind` None means the row must be accepted. `description` names the row for the student
    ("a user whose role is 'owner'"), so hidden checks can describe a row without showing it.
    """
    return judge_rejection(engine_name(con), try_insert(con, table, row), kind, about, description)


def judge_rejection(
    engine: str, rejection: Rejection | None, kind: str | None, about: str, description: str
) -> str | None:
    """What is wrong with how a database (`engine`, by name) treated a row, or None.

    `rejection` is what inserting the row gave (None: accepted); see `rejection_problem`.
    """
    if kind is None:
        if rejection is None:
            return None
        return f"on {engine}, {description} was refused, but it is valid: {rejection.message[:200]}"
    if rejection is None:
        return f"on {engine}, {description} was accepted: a {_KIND_NAMES[kind]} should refuse it"
    wrong_column = rejection.column is not None and rejection.column != about.lower()
    if kind == "check" and about.lower() not in rejection.message.lower():
        wrong_column = True
    if rejection.kind != kind or wrong_column:
        return (
            f"on {engine}, {description} was refused for the wrong reason "
            f"({rejection.message[:160]}): a {_KIND_NAMES[kind]} about {about} should refuse it"
        )
    return None


_KIND_NAMES = {
    "not_null": "NOT NULL constraint",
    "unique": "UNIQUE or PRIMARY KEY constraint",
    "check": "CHECK constraint",
    "foreign_key": "FOREIGN KEY constraint",
}
