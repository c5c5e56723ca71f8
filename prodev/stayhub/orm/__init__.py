"""Django's ORM over StayHub in PostgreSQL, for module 09: Django from a notebook, no project.

`setup(dataset)` gives the notebook a database of its own on the course's PostgreSQL (the
embedded server of `prodev.services`, or PRODEV_POSTGRES_URL's): a copy of the StayHub dataset
whose keys the database numbers, cloned from a template in milliseconds. It then configures
Django with the course's settings and the one StayHub app (`prodev.stayhub.django_app`) on that
database. Calling it again resets the data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: The lab's database; the lesson uses another, so both notebooks can be open at once.
DEFAULT_DATABASE = "stayhub_orm"


def postgres_entry(
    name: str, user: str, password: str, host: str, port: int | str
) -> dict[str, Any]:
    """A complete DATABASES entry for a PostgreSQL database (psycopg 3 is the driver)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        "HOST": host,
        "PORT": str(int(port)),
        "OPTIONS": {},
        "CONN_MAX_AGE": 0,
    }


def configure(entry: dict[str, Any]) -> None:
    """Configure Django with the course's settings on `entry` (or switch its default database
    to it, if Django is configured already)."""
    from prodev.stayhub.api.settings import configure_django

    # A Jupyter kernel runs an asyncio event loop, so Django would refuse ORM calls from cells as
    # "async context"; the notebooks use the ORM synchronously, one cell at a time, which is safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    configure_django(entry)


def setup(dataset: str | Path, database: str = DEFAULT_DATABASE) -> str:
    """Make `database` a fresh copy of the DuckDB file `dataset` on the course's PostgreSQL,
    point Django at it and return its name. Whatever the database held before is replaced."""
    import psycopg

    from prodev.services import postgres_admin_url, provided_by_grader, stayhub_pg

    if provided_by_grader():
        # No server here: Django is set up, and each check points it at a database of its own.
        configure(postgres_entry(database, "", "", "127.0.0.1", 5432))
        return database
    admin_url = postgres_admin_url()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        template = stayhub_pg.ensure_django_template(
            admin, lambda name: _with_database(admin_url, name), Path(dataset)
        )
        stayhub_pg.clone(admin, database, template)
    parts = urlsplit(admin_url)
    configure(
        postgres_entry(
            database, parts.username or "", parts.password or "", parts.hostname, parts.port or 5432
        )
    )
    return database


def use_postgres(database: dict[str, Any]) -> None:
    """Point Django's default database at a PostgreSQL database: `host`, `port`, `name`,
    `user` and `password` (the connection settings a check sends with an observed call)."""
    configure(
        postgres_entry(
            str(database["name"]),
            str(database["user"]),
            str(database["password"]),
            str(database["host"]),
            database["port"],
        )
    )


def current_default() -> dict[str, Any] | None:
    """A copy of Django's default database entry now (None before Django is configured), so
    that code that points Django elsewhere for a while can put it back."""
    from django.conf import settings

    if not settings.configured:
        return None
    return dict(settings.DATABASES["default"])


def restore_default(entry: dict[str, Any] | None) -> None:
    """Put back an entry saved by `current_default`."""
    from prodev.stayhub.api.settings import use_default_database

    if entry is not None:
        use_default_database(entry)


def _with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path="/" + name).geturl()
