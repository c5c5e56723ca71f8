"""A student's Django data migration, run forward and backward in a scratch project (lab 09).

The answer is the text of a migration module. A check sends it, with the member rows to load,
to a job (`MIGRATION_JOB`) that builds its own Django project in a temporary folder: settings, an
`accounts` app whose models are the grader's (the field the migration must add included), the
grader's `0001_initial`, then the student's `0002`. Each step runs `manage.py`-style in a
subprocess: migrate to 0001 (the grader's own code), load the rows, migrate forward, migrate back
to 0001, and `makemigrations --check`. The student's code runs only in those subprocesses; the
job itself reads the SQLite database after each step and reports what it found, with each step's
exit status. In grading the job is a fresh child of the sandbox's warm parent, made undumpable so
the subprocesses cannot reach into it, and the subreaper of whatever they leave behind, which it
kills after each step; the grader files are written again before every step, so
a step cannot rewrite the models or the initial migration for the next one. In a self-check the
same job runs in the student's own process.

The state a migration leaves lives only in the processes that load it, and an exit status from
such a process is the student's word. So, on a copy of the database after the forward step, the
job applies a migration of its own, `0003`, that adds a NOT NULL column with a default under a
name drawn for this run: SQLite cannot add such a column in place, and Django's schema editor
rebuilds the whole table from the model as the migration state describes it (columns the state
lacks are dropped, the state's types and NOT NULL are what is written); then `0003` writes each
field down as the state has it (a Python-side default or `blank` never reaches a table). The job
reads both and compares them with what the grader's own migrations and the same `0003` leave.

Why SQLite and not the course's PostgreSQL: the job runs after the notebook's process has ended,
and the notebook's process is what forwards the grader's PostgreSQL into the sandbox.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATION_JOB = "data_migration"
FRESH_OP = "fresh"  # prodev.runtime.registry.FRESH_OP (the registry imports this module)
STEP_SECONDS = 60
APP = "accounts"
STUDENT_FILE = "0002_member_display_name.py"
CANARY_FILE = "0003_grader_canary.py"

SETTINGS = """
SECRET_KEY = "scratch"
INSTALLED_APPS = ["accounts"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "scratch.sqlite3"}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""

# The members table before the migration: imported accounts may lack their names.
INITIAL = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Member",
            fields=[
                ("user_id", models.AutoField(primary_key=True, serialize=False)),
                ("first_name", models.CharField(max_length=100, null=True, blank=True)),
                ("last_name", models.CharField(max_length=100, null=True, blank=True)),
                ("email", models.CharField(max_length=254, unique=True)),
            ],
            options={"db_table": "members"},
        ),
    ]
"""

# The model after the change: what `makemigrations --check` compares the migrations with.
MODELS = """
from django.db import models


class Member(models.Model):
    user_id = models.AutoField(primary_key=True)
    first_name = models.CharField(max_length=100, null=True, blank=True)
    last_name = models.CharField(max_length=100, null=True, blank=True)
    email = models.CharField(max_length=254, unique=True)
    display_name = models.CharField(max_length=201)

    class Meta:
        db_table = "members"
"""

# The table as the model makes it (the grader's own 0002, adding the field straight away to an
# empty table): the schema a student's migration must leave, compared column by column.
TARGET = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [
        migrations.AddField(
            "member", "display_name", models.CharField(max_length=201, default=""),
            preserve_default=False,
        ),
    ]
"""

# The grader's migration after the student's. Its column, NOT NULL with a default, SQLite's schema
# editor adds by rebuilding the table from the migration state (`_remake_table`); then it writes
# down each field as the state has it, for what never reaches a table (a Python-side default,
# `blank`). Its name and default are drawn for each run.
CANARY = """
from django.db import migrations, models


def write_down_the_fields(apps, schema_editor):
    member = apps.get_model("accounts", "Member")
    fields = [[repr(field.deconstruct())] for field in member._meta.local_fields]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute('CREATE TABLE "FIELD_fields" (field text NOT NULL)')
        cursor.executemany('INSERT INTO "FIELD_fields" (field) VALUES (%s)', fields)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_member_display_name")]
    operations = [
        migrations.AddField("member", "FIELD", models.IntegerField(default=DEFAULT)),
        migrations.RunPython(write_down_the_fields),
    ]
"""


def canary_migration() -> tuple[str, str]:
    """A fresh canary: its field's name, and the text of the migration that adds it."""
    field = f"canary_{secrets.token_hex(6)}"
    default = str(secrets.randbelow(10**6))
    return field, CANARY.replace("FIELD", field).replace("DEFAULT", default)


# Runs one management command in the scratch project; its exit status is the command's verdict.
COMMAND = (
    "import sys, django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command(*sys.argv[1:])"
)


def display_name(first: str | None, last: str | None, email: str) -> str:
    """The grader's rule: the names, stripped, the missing ones (NULL, empty, spaces) left out,
    joined by one space; with neither, the email's part before the '@'."""
    parts = [(p or "").strip() for p in (first, last)]
    return " ".join(p for p in parts if p) or email.split("@", 1)[0]


# ---- the job (where the student's migration runs) ---------------------------------------------

PR_SET_CHILD_SUBREAPER = 36
# Set in grading, where the job is a fresh process: every child it has between steps is a stray.
_adopting_strays = False


def _adopt_strays() -> None:
    """Make the job the parent of every process a step leaves behind, however it left the
    step's session (a double fork and `setsid`), so that `_end_strays` finds it. Only in
    grading: in a self-check the job runs in the student's own process, whose children are not
    its to kill."""
    global _adopting_strays
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        _adopting_strays = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError, ValueError):
            pids += [int(pid) for pid in (task / "children").read_text().split()]
    return pids


def _end_strays() -> None:
    """Kill every child of the job, then the children those leave to it, until none is left:
    no process from a step may still run while the job reads the database or sets up the next
    step (a stray could plant a `django` package in the canary's folder, or rewrite its table)."""
    for _ in range(1000):
        strays = _children()
        if not strays:
            return
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _write_project(project: Path, migration: str | None, canary: str | None = None) -> None:
    """(Re)write every file of the scratch project; the student's migration and the grader's
    canary only if given."""
    files = {
        "scratch_settings.py": SETTINGS,
        f"{APP}/__init__.py": "",
        f"{APP}/models.py": MODELS,
        f"{APP}/migrations/__init__.py": "",
        f"{APP}/migrations/0001_initial.py": INITIAL,
    }
    if migration is not None:
        files[f"{APP}/migrations/{STUDENT_FILE}"] = migration
    if canary is not None:
        files[f"{APP}/migrations/{CANARY_FILE}"] = canary
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for stale in (project / APP / "migrations").glob("*.py"):
        if f"{APP}/migrations/{stale.name}" not in files:
            stale.unlink()  # a migration file a step wrote is not part of the answer
    for cache in project.rglob("__pycache__"):
        for compiled in cache.iterdir():
            compiled.unlink()


def _step(
    project: Path, migration: str | None, *command: str, canary: str | None = None
) -> dict[str, Any]:
    """Run one management command in a subprocess; its exit status and last error line."""
    _write_project(project, migration, canary)
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin:/bin"]),
        "PYTHONPATH": str(project),
        "DJANGO_SETTINGS_MODULE": "scratch_settings",
        "HOME": str(project),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", COMMAND, *command],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, stderr = child.communicate(timeout=STEP_SECONDS)
    except subprocess.TimeoutExpired:
        return {"exit": None, "error": f"did not finish in {STEP_SECONDS} s"}
    finally:
        # Nothing the step started may outlive it and change the database behind the next read.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        if _adopting_strays:
            _end_strays()
    lines = stderr.decode(errors="replace").strip().splitlines()
    return {"exit": child.returncode, "error": lines[-1][:300] if lines else ""}


def _observe(database: Path) -> dict[str, Any]:
    """The members table as the database holds it: columns (name -> NOT NULL) and rows."""
    con = sqlite3.connect(database)
    try:
        columns = {row[1]: bool(row[3]) for row in con.execute("PRAGMA table_info(members)")}
        names = [c for c in ("user_id", "first_name", "last_name", "email", "display_name")
                 if c in columns]  # fmt: skip
        rows = con.execute(f"SELECT {', '.join(names)} FROM members ORDER BY user_id").fetchall()
        applied = [
            r[0]
            for r in con.execute(
                "SELECT name FROM django_migrations WHERE app = ? ORDER BY id", [APP]
            )
        ]
    finally:
        con.close()
    return {"columns": columns, "names": names, "rows": [list(r) for r in rows],
            "applied": applied}  # fmt: skip


def _schema(database: Path) -> list[Any]:
    """The members table's columns (name, type, NOT NULL, default, key) and its indexes (unique,
    columns), as SQLite describes them."""
    con = sqlite3.connect(database)
    try:
        columns = [list(r[1:]) for r in con.execute("PRAGMA table_info(members)")]
        indexes = sorted(
            [bool(r[2]), [c[2] for c in con.execute(f"PRAGMA index_info('{r[1]}')")]]
            for r in con.execute("PRAGMA index_list(members)")
        )
    finally:
        con.close()
    return [columns, indexes]


def _canary_view(database: Path, field: str) -> dict[str, Any]:
    """After the canary: the members table as Django rebuilt it, and the fields as the state
    had them (None if the canary never wrote them down)."""
    con = sqlite3.connect(database)
    try:
        fields = [r[0] for r in con.execute(f'SELECT field FROM "{field}_fields" ORDER BY rowid')]
    except sqlite3.Error:
        fields = None
    finally:
        con.close()
    return {"schema": _schema(database), "fields": fields}


def _model_tables(field: str, canary: str) -> tuple[list[Any], dict[str, Any]] | None:
    """The model's table as the grader's own migrations make it, and what the canary sees after
    them; built before any student code runs, in a folder gone before it does."""
    with tempfile.TemporaryDirectory(prefix="scratch-model-") as tmp:
        model = Path(tmp)
        if _step(model, TARGET, "migrate", APP, "--no-input")["exit"] != 0:
            return None
        plain = _schema(model / "scratch.sqlite3")
        if _step(model, TARGET, "migrate", APP, "--no-input", canary=canary)["exit"] != 0:
            return None
        return plain, _canary_view(model / "scratch.sqlite3", field)


def _apply_canary(
    database: Path, migration: str, field: str, canary: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the canary after the student's migration, on a copy of `database` in a fresh
    folder: the step's exit status, and what the canary saw of the state."""
    with tempfile.TemporaryDirectory(prefix="scratch-canary-") as tmp:
        copy = Path(tmp)
        shutil.copyfile(database, copy / "scratch.sqlite3")
        step = _step(copy, migration, "migrate", APP, "--no-input", canary=canary)
        return step, _canary_view(copy / "scratch.sqlite3", field)


def run_migration_job(payload: dict[str, Any], namespace: Any = None) -> tuple[int, dict[str, Any]]:
    """The job: build the project, load the rows, then forward, the canary, backward and
    `makemigrations --check`."""
    if namespace is None:
        from prodev.kits.workflows import _undumpable

        _undumpable()
        _adopt_strays()
    migration = str(payload.get("migration") or "")
    rows = [list(r) for r in payload.get("rows") or []]
    canary_field, canary = canary_migration()
    model = _model_tables(canary_field, canary)
    if model is None:
        return 1, {"setup": {"error": "the model's own table could not be built"}}
    with tempfile.TemporaryDirectory(prefix="scratch-migration-") as tmp:
        project = Path(tmp)
        database = project / "scratch.sqlite3"
        initial = _step(project, None, "migrate", APP, "0001", "--no-input")
        if initial["exit"] != 0:
            return 1, {"setup": initial}
        con = sqlite3.connect(database)
        with con:
            con.executemany(
                "INSERT INTO members (user_id, first_name, last_name, email) VALUES (?, ?, ?, ?)",
                rows,
            )
        con.close()
        report: dict[str, Any] = {"before": _observe(database)}
        report["forward"] = _step(project, migration, "migrate", APP, "--no-input")
        report["after_forward"] = _observe(database)
        report["schema_forward"] = _schema(database)
        report["canary"], report["after_canary"] = _apply_canary(
            database, migration, canary_field, canary
        )
        report["backward"] = _step(project, migration, "migrate", APP, "0001", "--no-input")
        report["after_backward"] = _observe(database)
        report["drift"] = _step(project, migration, "makemigrations", APP, "--check", "--dry-run")
    report["schema_model"], report["model_after_canary"] = model
    report["canary_field"] = canary_field
    return 0, report


JOBS = {MIGRATION_JOB: run_migration_job}


# ---- the grader's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationRun:
    """What the job observed: each step's exit status, and the table after each step."""

    report: dict[str, Any]

    def step(self, name: str) -> dict[str, Any]:
        return self.report.get(name) or {}

    def table(self, name: str) -> dict[str, Any]:
        return self.report.get(name) or {"columns": {}, "names": [], "rows": [], "applied": []}

    @property
    def canary_applied(self) -> bool:
        """The grader's migration after the student's went through: its column is in the table
        Django rebuilt, and it wrote the fields down (a process that ended itself early did
        neither)."""
        seen = self.report.get("after_canary") or {}
        columns = (seen.get("schema") or [[]])[0]
        added = any(c and c[0] == self.report.get("canary_field") for c in columns)
        return self.step("canary").get("exit") == 0 and added and seen.get("fields") is not None

    @property
    def state_matches_the_model(self) -> bool:
        """The state the student's migration leaves is the model's, as the canary saw it: the
        table Django rebuilt from it and the fields it holds are those the grader's own
        migrations give."""
        return self.canary_applied and (
            self.report.get("after_canary") == self.report.get("model_after_canary")
        )

    @property
    def schema_matches_the_model(self) -> bool:
        """The table after the forward step is the one the model makes (types, NOT NULL,
        defaults, indexes), as the job read it from the database."""
        return self.report.get("schema_forward") == self.report.get("schema_model")

    def wrong_names(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Ids of members whose display_name after the forward step is not the rule's."""
        table = self.table("after_forward")
        if "display_name" not in table["names"]:
            return [r[0] for r in rows]
        at = table["names"].index("display_name")
        got = {r[0]: r[at] for r in table["rows"]}
        return [r[0] for r in rows if got.get(r[0]) != display_name(r[1], r[2], r[3])]


def run_migration(student: Any, migration: Any, rows: Iterable[Sequence[Any]]) -> MigrationRun:
    """Have the job run `migration` (the student's text) on `rows`; fail if it could not run."""
    if not isinstance(migration, str) or not migration.strip():
        raise AssertionError("the answer should be the text of a migration module, as a string")
    if "raise NotImplementedError()" in migration:
        raise AssertionError(
            "not answered yet: replace `raise NotImplementedError()` with your migration"
        )
    payload = {"migration": migration, "rows": [list(r) for r in rows]}
    reply = student.ask({"op": FRESH_OP, "job": MIGRATION_JOB, "payload": payload})
    report = reply.get("report") if isinstance(reply, dict) else None
    if reply.get("timed_out") or not isinstance(report, dict) or reply.get("exit") != 0:
        raise AssertionError(
            "the scratch project could not run your migration (it took too long, or the job "
            "that runs it stopped)"
        )
    return MigrationRun(report)
