"""The SQLite files the practice API serves.

The StayHub data comes from `prodev.stayhub.data` (DuckDB), exported once to SQLite. A
*template* adds what
Django's auth needs (users, tokens) and the demo account; it is built once per dataset and cached
next to it. Each server then works on its own copy of the template in a temporary folder, so the
bookings and payments that clients POST never touch the shared dataset and vanish with the server.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from prodev.errors import UserError

#: The demo account every server has; `api.username` / `api.password` / `api.token`.
DEMO_USERNAME = "student"
DEMO_PASSWORD = "stayhub-practice"

#: Bump when what the template contains changes, so that cached templates are rebuilt.
TEMPLATE_VERSION = "2"

STAYHUB_TABLES = (
    "users",
    "properties",
    "bookings",
    "payments",
    "reviews",
    "conversations",
    "messages",
)


class DatasetError(UserError, RuntimeError):
    """The StayHub data the API needs is missing or not a StayHub database."""


def seed_sqlite(seed: int, size: str) -> Path:
    """The SQLite export of the StayHub dataset for `seed` and `size`, made once and cached."""
    try:
        from prodev.stayhub.data import dataset_path, sqlite_copy
    except ImportError as exc:  # pragma: no cover - depends on the checkout
        raise DatasetError(
            f"prodev.stayhub.data is not available ({exc}); pass sqlite_path= to use an existing "
            "StayHub SQLite file"
        ) from exc
    return sqlite_copy(dataset_path(seed=seed, size=size))


def check_stayhub(path: Path) -> None:
    """Raise DatasetError unless `path` is a SQLite file with every StayHub table."""
    if not path.is_file():
        raise DatasetError(f"{path} does not exist; build the data with `prodev data`")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise DatasetError(f"{path} is not a SQLite database: {exc}") from exc
    missing = [t for t in STAYHUB_TABLES if t not in names]
    if missing:
        raise DatasetError(f"{path} is not a StayHub database: tables {missing} are missing")


def template_path(source: Path) -> Path:
    """Where the template for `source` is cached: next to it (`<name>.api.sqlite`)."""
    return source.with_name(f"{source.stem}.api.sqlite")


def build_template(source: Path) -> Path:
    """The template for `source`: the StayHub tables plus Django's auth tables and the demo
    account. Rebuilt when the source is newer or TEMPLATE_VERSION changes; built once when
    processes race (a derived file, see prodev.stayhub.data.derived)."""
    from prodev.stayhub.data.derived import derived_file

    check_stayhub(source)
    return derived_file(
        template_path(source),
        lambda partial: _write_template(source, partial),
        sources=[source],
        stamp=TEMPLATE_VERSION,
    )


def _write_template(source: Path, partial: Path) -> None:
    from django.core.management import call_command
    from django.db import connections

    from prodev.stayhub.api.settings import configure_django

    shutil.copyfile(source, partial)
    configure_django(str(partial))
    try:
        # Only the apps whose tables the template adds (the StayHub tables are there already): a
        # process that also set up another app on the same tables must not migrate it here.
        for app in ("contenttypes", "auth", "authtoken"):
            call_command("migrate", app, verbosity=0, interactive=False)
        from django.contrib.auth.models import User
        from rest_framework.authtoken.models import Token

        user = User.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
        Token.objects.create(user=user)
    finally:
        connections.close_all()
    con = sqlite3.connect(partial)
    try:
        con.execute("PRAGMA journal_mode=DELETE")  # leave a single self-contained file
    finally:
        con.close()


def server_copy(template: Path) -> Path:
    """A private copy of `template` for one server, in a fresh temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="prodev-api-"))
    copy = folder / "stayhub.sqlite"
    try:
        shutil.copyfile(template, copy)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return copy
