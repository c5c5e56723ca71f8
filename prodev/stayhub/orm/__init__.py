"""Django's ORM over StayHub, for module 09: configure Django from a notebook, no project needed.

`setup(dataset)` builds (once) a SQLite copy of a StayHub dataset shaped by the app's migration,
copies it to a private working file, and configures Django to use it. Django's settings belong
to a process: `setup` configures them on first use, or, where other course code configured
compatible settings first (the practice API), adds the StayHub app to them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

APP = "prodev.stayhub.orm.stayhub"
APP_LABEL = "stayhub_orm"
_work_dir: Path | None = None


def django_settings(database: str | Path) -> dict[str, Any]:
    """The whole configuration: one SQLite database and the StayHub app."""
    return {
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        "INSTALLED_APPS": ["django.contrib.contenttypes", APP],
        "USE_TZ": False,
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        "SECRET_KEY": "module-09-notebooks-only",
        "DEBUG": False,
    }


def ensure_configured() -> None:
    """Configure Django with the StayHub app (once per process), or add the app if need be."""
    import django
    from django.conf import settings

    # A Jupyter kernel runs an asyncio event loop, so Django would refuse ORM calls from cells as
    # "async context"; the notebooks use the ORM synchronously, one cell at a time, which is safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not settings.configured:
        settings.configure(**django_settings(":memory:"))
        django.setup()
        return
    from django.apps import apps

    if not apps.is_installed(APP):
        apps.set_installed_apps([*settings.INSTALLED_APPS, APP])


def database_for(dataset: str | Path) -> Path:
    """The migrated SQLite copy of a StayHub DuckDB file (`<name>_django.sqlite` beside it, or in
    the temp folder), rebuilt when the dataset is newer."""
    from prodev.stayhub.data.derived import derived_file
    from prodev.stayhub.orm.build import build

    dataset = Path(dataset).resolve()
    target = dataset.with_name(f"{dataset.stem}_django.sqlite")
    return derived_file(target, lambda temp: build(dataset, temp), sources=[dataset])


def working_copy(dataset: str | Path) -> Path:
    """A fresh private copy of the migrated database that code may change freely.

    Only the newest copy is kept: making one deletes the copies made before (with SQLite's
    journal files), which every caller has stopped using by then, since each call, or each
    `setup`, switches Django to the new one. Without this, every observed ORM call would leave
    a full database behind until a size-capped /tmp is full.
    """
    global _work_dir
    if _work_dir is None or not _work_dir.is_dir():
        _work_dir = Path(tempfile.mkdtemp(prefix="prodev-orm-"))
    source = database_for(dataset)
    for old in _work_dir.iterdir():
        with contextlib.suppress(OSError):
            old.unlink()
    fd, name = tempfile.mkstemp(suffix=".sqlite", dir=_work_dir)
    os.close(fd)
    shutil.copyfile(source, name)
    return Path(name)


def setup(dataset: str | Path) -> Path:
    """Configure Django on a fresh working copy of `dataset` and return the copy's path.

    Calling it again points the default database at a new fresh copy, which resets the data.
    """
    ensure_configured()
    path = working_copy(dataset)
    use_database(path)
    return path


def activate(path: str | Path) -> None:
    """Make Django use the database at `path` with the StayHub app installed."""
    ensure_configured()
    use_database(path)


def use_postgres(database: dict[str, Any]) -> None:
    """Point Django's default database at a PostgreSQL database: `host`, `port`, `name`,
    `user` and `password` (the connection settings a grader sends with an observed call)."""
    ensure_configured()
    _replace_default(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": str(database["name"]),
            "USER": str(database["user"]),
            "PASSWORD": str(database["password"]),
            "HOST": str(database["host"]),
            "PORT": str(int(database["port"])),
            "OPTIONS": {},  # SQLite's options (a busy timeout) mean nothing to psycopg
        }
    )


def _replace_default(entry: dict[str, Any]) -> None:
    """Give the default database a new engine: Django makes a connection of the new kind."""
    from django.conf import settings
    from django.db import connections

    connections["default"].close()
    merged = {**connections["default"].settings_dict, **entry}
    settings.DATABASES["default"] = merged
    connections.settings["default"] = merged
    del connections["default"]


def use_database(path: str | Path) -> None:
    """Point Django's default database at `path` (closing the current connection first)."""
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "sqlite":
        sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
        _replace_default({**sqlite, "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""})
        return
    connection.close()
    connection.settings_dict["NAME"] = str(path)
    settings.DATABASES["default"]["NAME"] = str(path)
