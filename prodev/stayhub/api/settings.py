"""Django settings for the practice API, applied with `settings.configure` (no manage.py).

Django can be configured once per process, so the practice API owns the process's Django: if
something else configured Django first, `configure_django` refuses with an error saying what to do.
"""

from __future__ import annotations

import secrets
from typing import Any

from prodev.errors import UserError

#: Marker in the settings so that we can tell our configuration from someone else's.
MARKER = "PRODEV_PRACTICE_API"

#: Page size of page-number and cursor pagination, and the largest page a client may ask for.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class DjangoConflictError(UserError, RuntimeError):
    """Django was already configured in this process by something other than the practice API."""


def django_settings(database_path: str) -> dict[str, Any]:
    """The settings of the practice API, with `database_path` as the default SQLite database."""
    return {
        MARKER: True,
        "DEBUG": False,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "[::1]", "testserver"],
        "ROOT_URLCONF": "prodev.stayhub.api.urls",
        "USE_TZ": False,
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
            "prodev.stayhub.api.apps.StayHubConfig",
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
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": database_path,
                # Each client connection is served by its own thread, which keeps its own
                # SQLite connection (CONN_MAX_AGE=None) for as long as the client stays
                # connected; writers wait for the lock instead of failing with
                # "database is locked".
                "OPTIONS": {
                    "timeout": 30,
                    "transaction_mode": "IMMEDIATE",
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                },
                "CONN_MAX_AGE": None,
            }
        },
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


def configure_django(database_path: str) -> None:
    """Configure and set up Django for the practice API (once), or point it at another database.

    Later calls (a new server in the same process) only swap the default database file; the caller
    must have closed every connection to the previous one.
    """
    from django.conf import settings

    if settings.configured:
        if not getattr(settings, MARKER, False):
            raise DjangoConflictError(
                "Django is already configured in this process by other code, and the practice API "
                "needs its own settings. Start the API in a fresh kernel or process, or run "
                "`prodev api` in a terminal and use its URL."
            )
        from django.db import connections

        connections.close_all()
        # connections.settings is the same dict, so new connections open the new file. Engine and
        # options are set again too: other code in this process may have pointed it elsewhere.
        settings.DATABASES["default"].update(django_settings(database_path)["DATABASES"]["default"])
        return

    import logging

    import django

    settings.configure(**django_settings(database_path))
    django.setup()
    # 4xx answers are part of the lessons, not problems: log only server errors.
    logging.getLogger("django.request").setLevel(logging.ERROR)
