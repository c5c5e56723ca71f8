"""StayHub as Django models: the tables of the course dataset, with relations and constraints.

Table and column names are the dataset's own (`db_table`, `db_column`), so raw SQL from earlier
modules still works on the same file. Ids are AutoFields: rows copied from the dataset keep their
ids, new rows get the next one.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import F, Q


class User(models.Model):
    class Role(models.TextChoices):
        GUEST = "guest"
        HOST = "host"
        ADMIN = "admin"

    user_id = models.AutoField(primary_key=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=40, null=True, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "users"
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["guest", "host", "admin"]), name="user_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"


class Property(models.Model):
    property_id = models.AutoField(primary_key=True)
    host = models.ForeignKey(
        User, on_delete=models.PROTECT, db_column="host_id", related_name="properties"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=100)
    price_per_night = models.DecimalField(max_digits=10, decimal_places=2)
    bedrooms = models.IntegerField()
    max_guests = models.IntegerField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "properties"
        verbose_name_plural = "properties"
        constraints = [
            models.CheckConstraint(condition=Q(price_per_night__gt=0), name="property_price"),
            models.CheckConstraint(condition=Q(max_guests__gte=1), name="property_guests"),
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
    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, db_column="property_id", related_name="bookings"
    )
    guest = models.ForeignKey(
        User, on_delete=models.PROTECT, db_column="guest_id", related_name="bookings"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    nights = models.IntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    total_price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField()

    objects = BookingQuerySet.as_manager()

    class Meta:
        db_table = "bookings"
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="booking_dates"),
            models.CheckConstraint(condition=Q(nights__gte=1), name="booking_nights"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "cancelled"]), name="booking_status"
            ),
            models.CheckConstraint(condition=Q(total_price__gte=0), name="booking_total"),
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
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, db_column="booking_id", related_name="payments"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "payments"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount"),
            models.CheckConstraint(
                condition=Q(method__in=["credit_card", "paypal", "stripe"]), name="payment_method"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["completed", "failed", "refunded", "pending"]),
                name="payment_status",
            ),
        ]


class Review(models.Model):
    review_id = models.AutoField(primary_key=True)
    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, db_column="booking_id", related_name="review"
    )
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, db_column="property_id", related_name="reviews"
    )
    guest = models.ForeignKey(
        User, on_delete=models.CASCADE, db_column="guest_id", related_name="reviews"
    )
    rating = models.IntegerField()
    comment = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "reviews"
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating"),
        ]
