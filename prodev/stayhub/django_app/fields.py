"""What the StayHub schema needs beyond Django's own fields and lookups.

The dataset stores times as TIMESTAMP (no time zone) holding UTC, and checks a booking's dates
with date arithmetic; these keep the Django app's tables identical to the generator's DDL on
PostgreSQL, and portable to SQLite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class UTCDateTimeField(models.DateTimeField):
    """A TIMESTAMP column without time zone, as the StayHub schema declares it, holding UTC.

    Django's own DateTimeField makes a `timestamp with time zone` on PostgreSQL when USE_TZ is
    on; this one keeps the dataset's column type and still gives Python aware datetimes in UTC,
    storing aware values converted to UTC."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "timestamp"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        if (
            connection.vendor == "postgresql"
            and isinstance(value, dt.datetime)
            and timezone.is_aware(value)
        ):
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # PostgreSQL hands back a naive datetime for a TIMESTAMP column; SQLite's converter has
        # already made it aware.
        if isinstance(value, dt.datetime) and timezone.is_naive(value) and settings.USE_TZ:
            return value.replace(tzinfo=dt.UTC)
        return value


class DaysAfter(models.Func):
    """`date + integer` days, as the DDL writes it on PostgreSQL (`start_date + nights`) and as
    SQLite spells it (`date(start_date, '+' || nights || ' days')`)."""

    arity = 2
    output_field = models.DateField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        (day, day_params), (count, count_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"({day} + {count})", [*day_params, *count_params]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        (day, day_params), (count, count_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"date({day}, '+' || {count} || ' days')", [*day_params, *count_params]


class Differs(models.Func):
    """`a <> b` as a condition (Django writes `NOT (a = b)`, which reads differently from the
    DDL's check)."""

    arity = 2
    output_field = models.BooleanField()
    conditional = True

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        (left, left_params), (right, right_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"{left} <> {right}", [*left_params, *right_params]
