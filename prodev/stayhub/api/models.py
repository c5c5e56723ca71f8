"""Django models over the StayHub tables that `prodev.stayhub.data` generates.

The tables already exist in the dataset, so the models are unmanaged (`managed = False`): Django
reads and writes them but never creates or migrates them. Primary keys are plain integers that the
API assigns on insert (see `next_id`), because the exported tables need not auto-increment.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Max


class StayHubModel(models.Model):
    class Meta:
        abstract = True
        managed = False


class User(StayHubModel):
    ROLES = [("guest", "guest"), ("host", "host"), ("admin", "admin")]

    user_id = models.IntegerField(primary_key=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=255)
    phone = models.CharField(max_length=50, null=True)
    role = models.CharField(max_length=10, choices=ROLES)
    city = models.CharField(max_length=100, null=True)
    country = models.CharField(max_length=100, null=True)
    created_at = models.DateTimeField()

    class Meta(StayHubModel.Meta):
        db_table = "users"
        ordering = ["user_id"]


class Property(StayHubModel):
    property_id = models.IntegerField(primary_key=True)
    host = models.ForeignKey(
        User, models.DO_NOTHING, db_column="host_id", related_name="properties"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(null=True)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=100)
    price_per_night = models.DecimalField(max_digits=10, decimal_places=2)
    bedrooms = models.IntegerField()
    max_guests = models.IntegerField()
    created_at = models.DateTimeField()

    class Meta(StayHubModel.Meta):
        db_table = "properties"
        ordering = ["property_id"]
        verbose_name_plural = "properties"


class Booking(StayHubModel):
    STATUSES = [("pending", "pending"), ("confirmed", "confirmed"), ("cancelled", "cancelled")]

    booking_id = models.IntegerField(primary_key=True)
    property = models.ForeignKey(
        Property, models.DO_NOTHING, db_column="property_id", related_name="bookings"
    )
    guest = models.ForeignKey(
        User, models.DO_NOTHING, db_column="guest_id", related_name="bookings"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    nights = models.IntegerField()
    status = models.CharField(max_length=10, choices=STATUSES)
    total_price = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta(StayHubModel.Meta):
        db_table = "bookings"
        ordering = ["booking_id"]


class Payment(StayHubModel):
    METHODS = [("credit_card", "credit_card"), ("paypal", "paypal"), ("stripe", "stripe")]
    STATUSES = [
        ("completed", "completed"),
        ("failed", "failed"),
        ("refunded", "refunded"),
        ("pending", "pending"),
    ]

    payment_id = models.IntegerField(primary_key=True)
    booking = models.ForeignKey(
        Booking, models.DO_NOTHING, db_column="booking_id", related_name="payments"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=20, choices=METHODS)
    status = models.CharField(max_length=10, choices=STATUSES)
    paid_at = models.DateTimeField(null=True)

    class Meta(StayHubModel.Meta):
        db_table = "payments"
        ordering = ["payment_id"]


class Review(StayHubModel):
    review_id = models.IntegerField(primary_key=True)
    booking = models.ForeignKey(
        Booking, models.DO_NOTHING, db_column="booking_id", related_name="reviews"
    )
    property = models.ForeignKey(
        Property, models.DO_NOTHING, db_column="property_id", related_name="reviews"
    )
    guest = models.ForeignKey(User, models.DO_NOTHING, db_column="guest_id", related_name="reviews")
    rating = models.IntegerField()
    comment = models.TextField(null=True)
    created_at = models.DateTimeField()

    class Meta(StayHubModel.Meta):
        db_table = "reviews"
        ordering = ["review_id"]


class Conversation(StayHubModel):
    conversation_id = models.IntegerField(primary_key=True)
    property = models.ForeignKey(
        Property, models.DO_NOTHING, db_column="property_id", related_name="conversations"
    )
    guest = models.ForeignKey(User, models.DO_NOTHING, db_column="guest_id", related_name="+")
    host = models.ForeignKey(User, models.DO_NOTHING, db_column="host_id", related_name="+")
    created_at = models.DateTimeField()

    class Meta(StayHubModel.Meta):
        db_table = "conversations"
        ordering = ["conversation_id"]


class Message(StayHubModel):
    message_id = models.IntegerField(primary_key=True)
    conversation = models.ForeignKey(
        Conversation, models.DO_NOTHING, db_column="conversation_id", related_name="messages"
    )
    sender = models.ForeignKey(User, models.DO_NOTHING, db_column="sender_id", related_name="+")
    recipient = models.ForeignKey(
        User, models.DO_NOTHING, db_column="recipient_id", related_name="+"
    )
    body = models.TextField()
    sent_at = models.DateTimeField()
    is_read = models.BooleanField()
    parent_message = models.ForeignKey(
        "self", models.DO_NOTHING, db_column="parent_message_id", null=True, related_name="replies"
    )

    class Meta(StayHubModel.Meta):
        db_table = "messages"
        ordering = ["message_id"]


def next_id(model: type[models.Model]) -> int:
    """The next free primary key of `model`'s table; call it inside the server's write lock."""
    pk = model._meta.pk.attname
    return (model.objects.aggregate(m=Max(pk))["m"] or 0) + 1
