"""StayHub as Django models: every table of the course dataset, with its relations and checks.

Column names, types, nullability, keys and CHECK constraints are those of the generator's DDL
(`prodev.stayhub.data.schema`), so raw SQL from earlier modules runs on the same tables and the
rows the generator writes load as they are; `tests/integration/test_django_app.py` compares the
two column by column. Two things are Django's own: primary keys are AutoFields (the database
numbers new rows after the ones loaded), and times are aware datetimes in UTC (USE_TZ = True)
stored in TIMESTAMP columns. Foreign keys have no index of their own, as in the DDL: module 06
teaches when one is worth adding.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import F, Q

from prodev.stayhub.django_app.fields import DaysAfter, Differs, UTCDateTimeField


def _check(table: str, condition: Q | models.Expression, column: str = "") -> models.Constraint:
    """A CHECK constraint named as PostgreSQL names the DDL's (`users_role_check`)."""
    name = f"{table}_{column}_check" if column else f"{table}_check"
    return models.CheckConstraint(condition=condition, name=name)


def _key(
    to: type[models.Model] | str, column: str, related_name: str, **options
) -> models.ForeignKey:
    """A foreign key on the DDL's column, without an index of its own."""
    options.setdefault("on_delete", models.PROTECT)
    return models.ForeignKey(
        to, db_column=column, related_name=related_name, db_index=False, **options
    )


class User(models.Model):
    class Role(models.TextChoices):
        GUEST = "guest"
        HOST = "host"
        ADMIN = "admin"

    user_id = models.AutoField(primary_key=True)
    first_name = models.CharField()
    last_name = models.CharField()
    email = models.CharField()
    phone = models.CharField(null=True, blank=True)
    role = models.CharField(choices=Role.choices)
    city = models.CharField()
    country = models.CharField()
    created_at = UTCDateTimeField()

    class Meta:
        db_table = "users"
        ordering = ["user_id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="users_email_key"),
            _check("users", Q(role__in=["guest", "host", "admin"]), "role"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"


class Property(models.Model):
    property_id = models.AutoField(primary_key=True)
    host = _key(User, "host_id", "properties")
    name = models.CharField()
    description = models.CharField()
    city = models.CharField()
    country = models.CharField()
    price_per_night = models.DecimalField(max_digits=10, decimal_places=2)
    bedrooms = models.IntegerField()
    max_guests = models.IntegerField()
    created_at = UTCDateTimeField()

    class Meta:
        db_table = "properties"
        ordering = ["property_id"]
        verbose_name_plural = "properties"
        constraints = [
            _check("properties", Q(price_per_night__gt=0), "price_per_night"),
            _check("properties", Q(bedrooms__gte=1), "bedrooms"),
            _check("properties", Q(max_guests__gte=1), "max_guests"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class BookingQuerySet(models.QuerySet):
    """Booking queries with names: `Booking.objects.confirmed().overlapping(start, end)`."""

    def confirmed(self) -> BookingQuerySet:
        return self.filter(status=Booking.Status.CONFIRMED)

    def active(self) -> BookingQuerySet:
        """Bookings that hold the property: pending or confirmed."""
        return self.exclude(status=Booking.Status.CANCELLED)

    def overlapping(self, start: date, end: date) -> BookingQuerySet:
        """Stays that share at least one night with [start, end)."""
        return self.filter(start_date__lt=end, end_date__gt=start)


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        CANCELLED = "cancelled"

    booking_id = models.AutoField(primary_key=True)
    property = _key(Property, "property_id", "bookings")
    guest = _key(User, "guest_id", "bookings")
    start_date = models.DateField()
    end_date = models.DateField()
    nights = models.IntegerField()
    status = models.CharField(choices=Status.choices)
    total_price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = UTCDateTimeField()

    objects = BookingQuerySet.as_manager()

    class Meta:
        db_table = "bookings"
        ordering = ["booking_id"]
        constraints = [
            _check("bookings", Q(nights__gte=1), "nights"),
            _check("bookings", Q(status__in=["pending", "confirmed", "cancelled"]), "status"),
            _check("bookings", Q(total_price__gte=0), "total_price"),
            _check("bookings", Q(end_date=DaysAfter(F("start_date"), F("nights")))),
        ]

    def __str__(self) -> str:
        return f"booking {self.booking_id}: {self.start_date} +{self.nights} ({self.status})"


class Payment(models.Model):
    class Method(models.TextChoices):
        CREDIT_CARD = "credit_card"
        PAYPAL = "paypal"
        STRIPE = "stripe"

    class Status(models.TextChoices):
        COMPLETED = "completed"
        FAILED = "failed"
        REFUNDED = "refunded"
        PENDING = "pending"

    payment_id = models.AutoField(primary_key=True)
    booking = _key(Booking, "booking_id", "payments", on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    method = models.CharField(choices=Method.choices)
    status = models.CharField(choices=Status.choices)
    paid_at = UTCDateTimeField(null=True, blank=True)

    class Meta:
        db_table = "payments"
        ordering = ["payment_id"]
        constraints = [
            _check("payments", Q(amount__gte=0), "amount"),
            _check("payments", Q(method__in=["credit_card", "paypal", "stripe"]), "method"),
            _check(
                "payments",
                Q(status__in=["completed", "failed", "refunded", "pending"]),
                "status",
            ),
        ]


class Review(models.Model):
    review_id = models.AutoField(primary_key=True)
    # One review per booking: the DDL's UNIQUE booking_id, so `booking.review` in Python.
    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, db_column="booking_id", related_name="review"
    )
    property = _key(Property, "property_id", "reviews", on_delete=models.CASCADE)
    guest = _key(User, "guest_id", "reviews", on_delete=models.CASCADE)
    rating = models.IntegerField()
    comment = models.CharField(null=True, blank=True)
    created_at = UTCDateTimeField()

    class Meta:
        db_table = "reviews"
        ordering = ["review_id"]
        constraints = [
            _check("reviews", Q(rating__gte=1, rating__lte=5), "rating"),
        ]


class Conversation(models.Model):
    conversation_id = models.AutoField(primary_key=True)
    property = _key(Property, "property_id", "conversations", null=True, blank=True)
    guest = _key(User, "guest_id", "+")
    host = _key(User, "host_id", "+")
    created_at = UTCDateTimeField()

    class Meta:
        db_table = "conversations"
        ordering = ["conversation_id"]


class Message(models.Model):
    message_id = models.AutoField(primary_key=True)
    conversation = _key(Conversation, "conversation_id", "messages", on_delete=models.CASCADE)
    sender = _key(User, "sender_id", "+")
    recipient = _key(User, "recipient_id", "+")
    body = models.CharField()
    sent_at = UTCDateTimeField()
    is_read = models.BooleanField()
    parent_message = _key("self", "parent_message_id", "replies", null=True, blank=True)

    class Meta:
        db_table = "messages"
        ordering = ["message_id"]
        constraints = [
            _check("messages", Differs(F("sender"), F("recipient"))),
        ]
