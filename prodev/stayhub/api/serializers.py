"""JSON shapes of the StayHub resources, and the rules for creating bookings and payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from prodev.stayhub.django_app.models import Booking, Payment, Property, Review, User


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "user_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "city",
            "country",
            "created_at",
        ]


class PropertySerializer(serializers.ModelSerializer):
    host_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Property
        fields = [
            "property_id",
            "host_id",
            "name",
            "description",
            "city",
            "country",
            "price_per_night",
            "bedrooms",
            "max_guests",
            "created_at",
        ]


class ReviewSerializer(serializers.ModelSerializer):
    booking_id = serializers.IntegerField(read_only=True)
    property_id = serializers.IntegerField(read_only=True)
    guest_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "review_id",
            "booking_id",
            "property_id",
            "guest_id",
            "rating",
            "comment",
            "created_at",
        ]


class BookingSerializer(serializers.ModelSerializer):
    """Clients send property_id, guest_id, start_date, end_date (and optionally status); the
    API works out nights and total_price, and refuses dates that overlap another booking."""

    property_id = serializers.PrimaryKeyRelatedField(
        source="property", queryset=Property.objects.all()
    )
    guest_id = serializers.PrimaryKeyRelatedField(source="guest", queryset=User.objects.all())
    status = serializers.ChoiceField(
        choices=["pending", "confirmed"], default="pending", required=False
    )

    class Meta:
        model = Booking
        fields = [
            "booking_id",
            "property_id",
            "guest_id",
            "start_date",
            "end_date",
            "nights",
            "status",
            "total_price",
            "created_at",
        ]
        read_only_fields = ["booking_id", "nights", "total_price", "created_at"]

    def to_representation(self, instance: Booking) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["status"] = instance.status  # cancelled bookings too
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs["start_date"], attrs["end_date"]
        if end <= start:
            raise serializers.ValidationError({"end_date": ["must be after start_date"]})
        if (end - start).days > 365:
            raise serializers.ValidationError({"end_date": ["a booking lasts at most 365 nights"]})
        overlapping = Booking.objects.filter(
            property=attrs["property"], start_date__lt=end, end_date__gt=start
        ).exclude(status="cancelled")
        if overlapping.exists():
            raise serializers.ValidationError(
                {"non_field_errors": ["the property is already booked for some of these dates"]}
            )
        return attrs

    def create(self, validated: dict[str, Any]) -> Booking:
        nights = (validated["end_date"] - validated["start_date"]).days
        # The database numbers the new row (after the highest id), inside the server's write lock.
        return Booking.objects.create(
            nights=nights,
            total_price=validated["property"].price_per_night * nights,
            created_at=timezone.now().replace(microsecond=0),
            **validated,
        )


class PaymentSerializer(serializers.ModelSerializer):
    """Clients send booking_id, amount and method; the API records it as completed, now."""

    booking_id = serializers.PrimaryKeyRelatedField(
        source="booking", queryset=Booking.objects.all()
    )
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=False
    )

    class Meta:
        model = Payment
        fields = ["payment_id", "booking_id", "amount", "method", "status", "paid_at"]
        read_only_fields = ["payment_id", "status", "paid_at"]

    def validate_booking_id(self, booking: Booking) -> Booking:
        if booking.status == "cancelled":
            raise serializers.ValidationError("cannot pay for a cancelled booking")
        return booking

    def create(self, validated: dict[str, Any]) -> Payment:
        return Payment.objects.create(
            status="completed",
            paid_at=timezone.now().replace(microsecond=0),
            **validated,
        )
