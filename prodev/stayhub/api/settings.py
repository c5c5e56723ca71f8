"""Django settings of the course, applied with `settings.configure` (no manage.py).

Django can be configured once per process, so one configuration serves every use the course
makes of Django: the practice API (on a SQLite copy of StayHub) and the module 09 notebooks
(`prodev.stayhub.orm`, on PostgreSQL) share these settings and the one StayHub app, and each
points the default database where it needs. If something else configured Django first,
`configure_django` refuses with an error saying what to do.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from prodev.errors import UserError

#: Marker in the settings so that we can tell our configuration from someone else's.
MARKER = "PRODEV_PRACTICE_API"

#: Page size of page-number and cursor pagination, and the largest page a client may ask for.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class DjangoConflictError(UserError, RuntimeError):
    """Django was already configured in this process by code other than the course's."""


def sqlite_database(path: str | Path) -> dict[str, Any]:
    """The default database entry for the practice API's SQLite file at `path`."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        # Each client connection is served by its own thread, which keeps its own SQLite
        # connection (CONN_MAX_AGE=None) for as long as the client stays connected; writers
        # wait for the lock instead of failing with "database is locked".
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        "CONN_MAX_AGE": None,
    }


def django_settings(database: str | Path | dict[str, Any]) -> dict[str, Any]:
    """The course's settings, with `database` as the default database: a SQLite file's path
    (the practice API) or a complete DATABASES entry (PostgreSQL for module 09)."""
    entry = database if isinstance(database, dict) else sqlite_database(database)
    return {
        MARKER: True,
        "DEBUG": False,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "[::1]", "testserver"],
        "ROOT_URLCONF": "prodev.stayhub.api.urls",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "USE_I18N": False,
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "rest_framework.authtoken",
            "rest_framework_simplejwt",
            "django_filters",
            "drf_spectacular",
            "prodev.stayhub.django_app.apps.StayHubConfig",
        ],
        "MIDDLEWARE": [
            "django.middleware.common.CommonMiddleware",
        ],
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {},
            }
        ],
        "DATABASES": {"default": entry},
        "PASSWORD_HASHERS": [
            # PBKDF2 with fewer iterations than Django's default: see prodev/stayhub/api/hashers.py.
            "prodev.stayhub.api.hashers.PracticePBKDF2PasswordHasher",
        ],
        "LOGGING_CONFIG": None,
        "REST_FRAMEWORK": {
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "rest_framework.authentication.TokenAuthentication",
                "rest_framework_simplejwt.authentication.JWTAuthentication",
            ],
            "DEFAULT_PERMISSION_CLASSES": ["prodev.stayhub.api.auth.SwitchableAuthPermission"],
            "DEFAULT_FILTER_BACKENDS": [
                "django_filters.rest_framework.DjangoFilterBackend",
                "rest_framework.filters.SearchFilter",
                "rest_framework.filters.OrderingFilter",
            ],
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
            "COERCE_DECIMAL_TO_STRING": False,
            "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
        },
        "SIMPLE_JWT": {
            "AUTH_HEADER_TYPES": ("Bearer",),
            "UPDATE_LAST_LOGIN": False,
        },
        "SPECTACULAR_SETTINGS": {
            "TITLE": "StayHub practice API",
            "DESCRIPTION": "The ProDev Backend course's practice API over the StayHub dataset.",
            "VERSION": "1.0.0",
            "SERVE_INCLUDE_SCHEMA": False,
        },
    }


def configure_django(database: str | Path | dict[str, Any]) -> None:
    """Configure and set up Django with the course's settings (once), or point the default
    database at `database` (see `django_settings`).

    Later calls (a new server, a notebook's ORM) only swap the default database; connections
    this thread opened to the previous one are closed, other threads must have closed theirs.
    """
    from django.conf import settings

    if settings.configured:
        if not getattr(settings, MARKER, False):
            raise DjangoConflictError(
                "Django is already configured in this process by other code, and the course "
                "needs its own settings. Start the practice API or the StayHub models in a fresh "
                "kernel or process, or run `prodev api` in a terminal and use its URL."
            )
        use_default_database(django_settings(database)["DATABASES"]["default"])
        return

    import logging

    import django

    settings.configure(**django_settings(database))
    django.setup()
    # 4xx answers are part of the lessons, not problems: log only server errors.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def use_default_database(entry: dict[str, Any]) -> None:
    """Make `entry` the default database: this thread's connection to the previous one is
    closed, and the next query opens a connection of the new kind (SQLite or PostgreSQL)."""
    from django.conf import settings
    from django.db import connections

    connections["default"].close()
    # Keep the keys Django filled in at configure time (TIME_ZONE, TEST, ...) under the new
    # entry; connections.settings is the same dict as settings.DATABASES.
    merged = {**connections["default"].settings_dict, **entry}
    settings.DATABASES["default"] = merged
    connections.settings["default"] = merged
    del connections["default"]
