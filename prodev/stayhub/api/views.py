"""REST endpoints under /api/: list and detail for every resource, POST for bookings and
payments, ETags on detail responses, Idempotency-Key on payments."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from prodev.stayhub.api import state
from prodev.stayhub.api.filters import (
    BookingFilter,
    PaymentFilter,
    PropertyFilter,
    ReviewFilter,
    UserFilter,
)
from prodev.stayhub.api.pagination import PageNumberWithLinks, paginator_for
from prodev.stayhub.api.serializers import (
    BookingSerializer,
    PaymentSerializer,
    PropertySerializer,
    ReviewSerializer,
    UserSerializer,
)
from prodev.stayhub.django_app.models import Booking, Payment, Property, Review, User

IDEMPOTENCY_WAIT = 30.0  # seconds a request waits for a concurrent one with the same key


class StayHubViewSet(viewsets.GenericViewSet):
    """Shared behaviour: choice of pagination per request, ETag/304 on detail responses."""

    pagination_class = PageNumberWithLinks  # what the OpenAPI schema describes
    default_ordering: str = ""

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_chosen_paginator"):
            self._chosen_paginator = paginator_for(self.request.query_params, self.default_ordering)
        return self._chosen_paginator

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "pagination",
                str,
                enum=["page", "cursor"],
                description="page (default): ?page=N with count; cursor: opaque ?cursor= links",
            )
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return mixins.ListModelMixin.list(self, request, *args, **kwargs)

    def filter_queryset(self, queryset: Any) -> Any:
        # Query-string filters and ordering shape lists; a detail URL names one row.
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(self.get_object()).data
        return Response(data, headers={"Cache-Control": "no-cache"})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Detail responses get Django's conditional GET: a strong ETag (a hash of the body) and
        304 Not Modified when If-None-Match names it (weak comparison, `*` matches any)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.action != "retrieve" or response.status_code != status.HTTP_200_OK:
            return response
        set_response_etag(response.render())
        return get_conditional_response(request, etag=response["ETag"], response=response)


class UserViewSet(StayHubViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["first_name", "last_name", "email"]
    ordering_fields = ["user_id", "last_name", "created_at"]
    ordering = ["user_id"]
    default_ordering = "user_id"


class PropertyViewSet(StayHubViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Property.objects.all()
    serializer_class = PropertySerializer
    filterset_class = PropertyFilter
    search_fields = ["name", "description"]
    ordering_fields = ["property_id", "price_per_night", "bedrooms", "max_guests", "created_at"]
    ordering = ["property_id"]
    default_ordering = "property_id"


class ReviewViewSet(StayHubViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    search_fields = ["comment"]
    ordering_fields = ["review_id", "rating", "created_at"]
    ordering = ["review_id"]
    default_ordering = "review_id"


class BookingViewSet(
    StayHubViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    queryset = Booking.objects.all()
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["booking_id", "start_date", "total_price", "created_at"]
    ordering = ["booking_id"]
    default_ordering = "booking_id"

    def perform_create(self, serializer: BookingSerializer) -> None:
        # One writer at a time: the overlap check and the new id must see every earlier booking.
        with state.current().write_lock:
            serializer.is_valid(raise_exception=True)
            serializer.save()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # fast 400 outside the lock
        serializer = self.get_serializer(data=request.data)
        self.perform_create(serializer)
        location = request.build_absolute_uri(f"{serializer.instance.booking_id}/")
        return Response(
            serializer.data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class IdempotencyConflict(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request body."
    default_code = "idempotency_key_reused"


class PaymentViewSet(
    StayHubViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """POST with an `Idempotency-Key` header is safe to retry: the first successful response for
    a key is stored and replayed (header `Idempotent-Replayed: true`), and no second payment is
    made. The same key with a different body is refused with 422."""

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["payment_id", "amount", "paid_at"]
    ordering = ["payment_id"]
    default_ordering = "payment_id"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return self._create(request)
        if len(key) > 255:
            raise ValidationError({"Idempotency-Key": ["at most 255 characters"]})
        server = state.current()
        scope = (request.user.pk, key)
        fingerprint = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, default=str).encode()
        ).hexdigest()
        with server.idempotency_lock:
            entry = server.idempotency.get(scope)
            first = entry is None
            if first:
                entry = server.idempotency[scope] = state.IdempotentResult(fingerprint)
        if entry.fingerprint != fingerprint:
            raise IdempotencyConflict()
        if not first:
            if not entry.done.wait(IDEMPOTENCY_WAIT) or entry.status is None:
                return self.create(request, *args, **kwargs)  # the first attempt failed: retry
            return Response(
                entry.data, status=entry.status, headers={"Idempotent-Replayed": "true"}
            )
        try:
            response = self._create(request)
        except BaseException:
            with server.idempotency_lock:  # a failed attempt does not use the key up
                server.idempotency.pop(scope, None)
            entry.done.set()
            raise
        entry.status, entry.data = response.status_code, response.data
        entry.done.set()
        return response

    def _create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with state.current().write_lock:
            serializer.save()
        location = request.build_absolute_uri(f"{serializer.instance.payment_id}/")
        return Response(
            serializer.data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


@extend_schema(responses=inline_serializer("Health", fields={"status": serializers.CharField()}))
@api_view(["GET"])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    """Liveness: 200 while the server answers."""
    return Response({"status": "ok"})


def index(request: HttpRequest) -> JsonResponse:
    """What the server offers, at /."""
    return JsonResponse(
        {"api": "/api/", "graphql": "/graphql", "schema": "/api/schema/", "health": "/api/health/"}
    )


@csrf_exempt
def graphql(request: HttpRequest) -> Any:
    """GraphQL at /graphql. Strawberry is imported on first use (the server warms it up in the
    background as soon as it starts), which keeps the start-up of the REST API fast."""
    from prodev.stayhub.api.graphql_schema import graphql_view

    return graphql_view(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        {"detail": f"No route for {request.path}; see /api/ and /graphql."}, status=404
    )


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)
