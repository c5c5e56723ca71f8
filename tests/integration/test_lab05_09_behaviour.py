"""The helpers behind labs 05, 06 and 09: what their checks rely on, proven on real engines.

- prodev.kits.scratchdb runs a student's SQL text only in locked-down scratch databases;
- prodev.kits.erdiagram reads Mermaid ER diagrams and their cardinalities;
- prodev.kits.normalise judges a decomposition (BCNF, dependency-preserving, lossless) on data;
- prodev.kits.plans measures plans, work and partitions;
- prodev.probes.orm observes a student's Django ORM function (queries, snapshots, failures).
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import duckdb
import pytest

from prodev.checking.student import InProcessStudent, StudentError
from prodev.kits.erdiagram import DiagramError, parse
from prodev.kits.normalise import bcnf_problems, load_booking_export, lossless_problem, user_tables
from prodev.kits.plans import (
    duckdb_profile,
    parquet_bookings,
    sqlite_memory_copy,
    sqlite_plan,
    sqlite_steps,
    stayhub_parquet,
    stayhub_sqlite,
)
from prodev.kits.scratchdb import (
    ScriptError,
    apply_script,
    duckdb_scratch,
    fetch,
    rejection_problem,
    split_statements,
    sqlite_scratch,
)
from prodev.runtime.serve import serve


@pytest.fixture(scope="module")
def stayhub() -> Path:
    from prodev.stayhub.data import dataset_path

    return dataset_path(seed=42, size="small")


# ---- scratchdb: student SQL cannot reach the file system -------------------------------------


def test_split_statements_refuses_kinds_not_allowed():
    with pytest.raises(ScriptError, match="COPY"):
        split_statements("CREATE TABLE t (a INTEGER); COPY t TO '/tmp/x.csv'")
    assert split_statements("CREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1);") == [
        "CREATE TABLE t (a INTEGER)",
        "INSERT INTO t VALUES (1)",
    ]


@pytest.mark.parametrize(
    "attack",
    [
        "CREATE TABLE stolen AS SELECT * FROM read_csv('/etc/passwd')",
        "CREATE TABLE t AS SELECT 1 AS a; ATTACH '/tmp/prodev-attack.duckdb' AS x",
    ],
)
def test_duckdb_scratch_has_no_file_access(attack, tmp_path):
    con = duckdb_scratch()
    with pytest.raises(ScriptError):
        apply_script(con, attack, ("CREATE", "ATTACH"))
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")


def test_sqlite_scratch_refuses_attach_and_pragma(tmp_path):
    con = sqlite_scratch()
    target = tmp_path / "attack.sqlite"
    with pytest.raises(sqlite3.DatabaseError):
        con.execute(f"ATTACH '{target}' AS x")
    with pytest.raises(sqlite3.DatabaseError):
        con.execute("PRAGMA foreign_keys = OFF")
    assert not target.exists()


def test_fetch_interrupts_a_runaway_query(monkeypatch):
    import prodev.kits.scratchdb as scratchdb

    monkeypatch.setattr(scratchdb, "STATEMENT_SECONDS", 0.3)
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n"
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        fetch(sqlite_scratch(), endless)


def test_rejection_names_the_constraint_on_both_engines():
    ddl = """
    CREATE TABLE users (user_id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
                        role TEXT NOT NULL CHECK (role IN ('guest', 'host')));
    CREATE TABLE props (prop_id INTEGER PRIMARY KEY,
                        host_id INTEGER NOT NULL REFERENCES users (user_id));
    """
    for engine in (duckdb_scratch, sqlite_scratch):
        con = engine()
        apply_script(con, ddl)
        ok = {"user_id": 1, "email": "a@x", "role": "host"}
        assert rejection_problem(con, "users", ok, None, "", "a host") is None
        cases = [
            ("users", {**ok, "user_id": 2}, "unique", "email"),
            ("users", {**ok, "user_id": 3, "email": None}, "not_null", "email"),
            ("users", {**ok, "user_id": 4, "email": "b@x", "role": "boss"}, "check", "role"),
            ("props", {"prop_id": 1, "host_id": 9}, "foreign_key", "host_id"),
        ]
        for table, row, kind, about in cases:
            assert rejection_problem(con, table, row, kind, about, "row") is None
        # the same bad row, expected for the wrong reason, is reported as such
        wrong = rejection_problem(con, "users", {**ok, "user_id": 5}, "check", "role", "a dup")
        assert wrong is not None and "wrong reason" in wrong


# ---- erdiagram ---------------------------------------------------------------------------------


def test_parse_reads_cardinalities_at_both_ends():
    er = parse(
        textwrap.dedent(
            """
            erDiagram
                %% a comment
                BOOKINGS ||--o| REVIEWS : "is reviewed in"
                REVIEWS {
                    int review_id PK
                    int booking_id FK
                }
            """
        )
    )
    (relation,) = er.between("REVIEWS", "BOOKINGS")
    assert relation.cardinality_at("BOOKINGS") == (1, 1)
    assert relation.cardinality_at("REVIEWS") == (0, 1)
    assert er.entities["REVIEWS"] == {"review_id": {"PK"}, "booking_id": {"FK"}}


def test_parse_says_where_the_text_is_wrong():
    with pytest.raises(DiagramError, match="line 2"):
        parse("erDiagram\n    USERS --> BOOKINGS")


# ---- normalise ---------------------------------------------------------------------------------


def test_decomposition_judged_on_data(stayhub):
    con = duckdb_scratch(lambda c: load_booking_export(c, stayhub))
    con.execute(
        "CREATE TABLE stays AS SELECT DISTINCT booking_id, start_date, end_date, status, guest_id,"
        " property_id FROM booking_export;"
        "CREATE TABLE guests AS SELECT DISTINCT guest_id, guest_email, guest_name"
        " FROM booking_export;"
        "CREATE TABLE listings AS SELECT DISTINCT property_id, property_name, property_city,"
        " property_country, host_id, host_email FROM booking_export;"
    )
    tables = user_tables(con)
    assert lossless_problem(con, tables) is None
    problems = bcnf_problems(con, tables)
    assert any("property_city -> property_country" in p for p in problems)
    assert any("host_id -> host_email" in p for p in problems)


# ---- plans -------------------------------------------------------------------------------------


def test_an_index_shows_in_the_plan_and_in_the_work(stayhub):
    con = sqlite_scratch(sqlite_memory_copy(stayhub_sqlite(stayhub)))
    query = "SELECT booking_id, total_price FROM bookings WHERE guest_id = ?"
    scan = sqlite_steps(con, query, (7,))
    assert sqlite_plan(con, query, (7,)) == ["SCAN bookings"]
    con.execute("CREATE INDEX by_guest ON bookings (guest_id)")
    assert sqlite_plan(con, query, (7,))[0].startswith("SEARCH bookings USING INDEX by_guest")
    assert sqlite_steps(con, query, (7,)) * 50 < scan


def test_partition_filters_prune_files(stayhub):
    con = duckdb.connect()
    bookings = parquet_bookings(stayhub_parquet(stayhub))
    pruned = duckdb_profile(con, f"SELECT count(*) FROM {bookings} WHERE year = 2024 AND month = 3")
    whole = duckdb_profile(
        con, f"SELECT count(*) FROM {bookings} WHERE strftime(start_date, '%Y-%m') = '2024-03'"
    )
    assert pruned.files_read == 1
    assert whole.files_read > 30 and whole.bytes_read > pruned.bytes_read


# ---- probes.orm: a Django function observed by the server, from another process -------------


ORM_PROGRAM = """
import json, sys
from prodev.stayhub.orm import setup
from prodev.probes.orm import orm_call
from prodev.checking.student import InProcessStudent, StudentError

dataset = sys.argv[1]
setup(dataset)
from django.db import transaction
from prodev.stayhub.django_app.models import Booking, Payment


def emails_n_plus_one():
    return [b.guest.email for b in Booking.objects.order_by("booking_id")[:20]]


def emails_joined():
    joined = Booking.objects.select_related("guest").order_by("booking_id")[:20]
    return [b.guest.email for b in joined]


def half_written(atomic):
    def write():
        b = Booking.objects.get(booking_id=1)
        Payment.objects.create(booking=b, amount=1, method="stripe", status="pending")
        Payment.objects.create(booking=b, amount=1, method="cash", status="pending")
    if atomic:
        with transaction.atomic():
            write()
    else:
        write()


def unanswered():
    raise NotImplementedError()


student = InProcessStudent(globals())
count = ["SELECT count(*) FROM payments"]
Booking.objects.filter(booking_id=1).delete()  # a change to the notebook's own copy
before = Booking.objects.count()
out = {
    "n_plus_one": orm_call(student, "emails_n_plus_one", dataset, writes=False).queries,
    "joined": orm_call(student, "emails_joined", dataset, writes=False).queries,
    "same": orm_call(student, "emails_n_plus_one", dataset, writes=False).value
    == orm_call(student, "emails_joined", dataset).value,
    "read_only": orm_call(student, "half_written", dataset, True, writes=False).error,
    "setup_kept": Booking.objects.count() == before,
}
for atomic in (False, True):
    call = orm_call(student, "half_written", dataset, atomic, snapshot=count)
    out[f"atomic={atomic}"] = [call.error is not None, call.before == call.after]
try:
    orm_call(student, "unanswered", dataset)
except StudentError as exc:
    out["unanswered"] = str(exc)
print(json.dumps(out))
"""


def test_orm_probe_counts_queries_and_sees_what_a_failure_left(stayhub, tmp_path):
    import subprocess
    import sys

    script = tmp_path / "orm_probe.py"
    script.write_text(ORM_PROGRAM)
    done = subprocess.run(
        [sys.executable, str(script), str(stayhub)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["n_plus_one"] == 21 and out["joined"] == 1 and out["same"]
    assert "permission denied" in out["read_only"]  # a read-only call may not write
    assert out["setup_kept"]  # after the calls, Django is back on the notebook's database
    assert out["atomic=False"] == [True, False]  # raised, and one payment was left behind
    assert out["atomic=True"] == [True, True]  # raised, and nothing changed
    assert out["unanswered"].startswith("not answered yet")


def test_orm_probe_is_registered_with_the_answer_server():
    reply = json.loads(serve({}, {"op": "orm_call", "name": "missing", "dataset": "x"}))
    assert reply["ok"] is False and "not defined" in reply["message"]
    with pytest.raises(StudentError):
        InProcessStudent({}).ask({"op": "orm_call", "name": "missing", "dataset": "x"})


# ---- scratchjob: a student's SQL is applied where the student's code runs ----------------------


def test_a_scratch_job_reports_columns_rejections_and_script_errors():
    from prodev.kits.scratchjob import run_scratch_job
    from prodev.kits.scratchplan import ScratchPlan

    ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL CHECK (n > 0));"
    plan = ScratchPlan().database("db", "sqlite", script=ddl, label="ddl")
    plan.database("bad", "duckdb", script="CREATE TABLE t (id INTEGER REFERENCES nowhere(id));")
    columns = plan.probe("db", "columns", table="t")
    accepted = plan.probe("db", "insert", table="t", row={"id": 1, "n": 2})
    refused = plan.probe("db", "insert", table="t", row={"id": 2, "n": 0})
    skipped = plan.probe("bad", "columns", table="t")
    status, report = run_scratch_job({"databases": plan.databases, "probes": plan.probes})
    assert status == 0
    assert report["results"][columns] == ["id", "n"]
    assert report["results"][accepted] is None
    assert report["results"][refused]["kind"] == "check"
    assert report["results"][skipped] is None and "statement 1" in report["errors"]["bad"]


def test_a_scratch_job_bounds_the_memory_a_script_may_take():
    from prodev.kits.scratchjob import run_scratch_job
    from prodev.kits.scratchplan import ScratchPlan

    greedy = "CREATE TABLE big AS SELECT repeat('x', 1000) AS s FROM range(5000000);"
    plan = ScratchPlan().database("db", "duckdb", script=greedy, allowed=("CREATE",))
    _, report = run_scratch_job({"databases": plan.databases, "probes": plan.probes})
    assert "db" in report["errors"]  # refused for memory, not built in a gigabyte or more


def test_checks_of_labs_05_and_06_apply_no_student_sql_themselves():
    """Student SQL reaches an engine only through the scratch job (run in the sandbox)."""
    root = Path(__file__).resolve().parents[2]
    folders = [
        root / "solutions" / "lab05_database_design" / "checks",
        root / "solutions" / "lab06_query_performance" / "checks",
        root / "autograder" / "checks" / "lab05_database_design",
        root / "autograder" / "checks" / "lab06_query_performance",
    ]
    files = [path for folder in folders for path in folder.glob("test_*.py")]
    assert len(files) >= 10, f"the checks of labs 05 and 06 were not found under {root}"
    for path in files:
        text = path.read_text()
        for call in ("apply_script(", "fetch(", ".executescript(student"):
            assert call not in text, f"{path.name} calls {call}..."
