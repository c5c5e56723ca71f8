"""Query-string filters for each resource (django-filter), e.g. `?city=Lisbon&min_price=80`."""

from __future__ import annotations

import django_filters as df

from prodev.stayhub.django_app.models import Booking, Payment, Property, Review, User


class UserFilter(df.FilterSet):
    role = df.ChoiceFilter(choices=User.Role.choices)
    city = df.CharFilter(lookup_expr="iexact")
    country = df.CharFilter(lookup_expr="iexact")

    class Meta:
        model = User
        fields = ["role", "city", "country"]


class PropertyFilter(df.FilterSet):
    city = df.CharFilter(lookup_expr="iexact")
    country = df.CharFilter(lookup_expr="iexact")
    host_id = df.NumberFilter(field_name="host_id")
    min_price = df.NumberFilter(field_name="price_per_night", lookup_expr="gte")
    max_price = df.NumberFilter(field_name="price_per_night", lookup_expr="lte")
    min_bedrooms = df.NumberFilter(field_name="bedrooms", lookup_expr="gte")
    guests = df.NumberFilter(
        field_name="max_guests", lookup_expr="gte", label="fits this many guests"
    )

    class Meta:
        model = Property
        fields = ["city", "country", "host_id"]


class BookingFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=Booking.Status.choices)
    property_id = df.NumberFilter(field_name="property_id")
    guest_id = df.NumberFilter(field_name="guest_id")
    start_after = df.DateFilter(field_name="start_date", lookup_expr="gte")
    start_before = df.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Booking
        fields = ["status", "property_id", "guest_id"]


class ReviewFilter(df.FilterSet):
    property_id = df.NumberFilter(field_name="property_id")
    guest_id = df.NumberFilter(field_name="guest_id")
    rating = df.NumberFilter()
    min_rating = df.NumberFilter(field_name="rating", lookup_expr="gte")

    class Meta:
        model = Review
        fields = ["property_id", "guest_id", "rating"]


class PaymentFilter(df.FilterSet):
    status = df.ChoiceFilter(choices=Payment.Status.choices)
    method = df.ChoiceFilter(choices=Payment.Method.choices)
    booking_id = df.NumberFilter(field_name="booking_id")
    min_amount = df.NumberFilter(field_name="amount", lookup_expr="gte")

    class Meta:
        model = Payment
        fields = ["status", "method", "booking_id"]
