"""GraphQL at /graphql (strawberry): the StayHub resources with filters and pagination, and
mutations to create and cancel bookings. Errors use the standard `errors` list, with
`extensions.code` set to UNAUTHENTICATED, NOT_FOUND or BAD_USER_INPUT."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import strawberry
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError
from rest_framework.exceptions import AuthenticationFailed
from strawberry.django.views import GraphQLView
from strawberry.extensions import QueryDepthLimiter
from strawberry.types import Info

from prodev.stayhub.api import state
from prodev.stayhub.api.auth import authenticate
from prodev.stayhub.api.serializers import BookingSerializer
from prodev.stayhub.django_app.models import Booking, Payment, Property, Review, User

MAX_FIRST = 100


def _error(message: str, code: str, **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


@strawberry.type
class UserType:
    user_id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    role: str
    city: str | None
    country: str | None
    created_at: dt.datetime


@strawberry.type
class ReviewType:
    review_id: int
    booking_id: int
    property_id: int
    guest_id: int
    rating: int
    comment: str | None
    created_at: dt.datetime

    @strawberry.field
    def guest(self) -> UserType:
        return self.guest  # type: ignore[attr-defined]  (self is the Review row)

    @strawberry.field
    def booking(self) -> BookingType:
        return self.booking  # type: ignore[attr-defined]

    @strawberry.field
    def property(self) -> PropertyType:
        return self.property  # type: ignore[attr-defined]


@strawberry.type
class PaymentType:
    payment_id: int
    booking_id: int
    method: str
    status: str
    paid_at: dt.datetime | None

    @strawberry.field
    def amount(self) -> float:
        return float(self.amount)  # type: ignore[attr-defined]


@strawberry.type
class BookingType:
    booking_id: int
    property_id: int
    guest_id: int
    start_date: dt.date
    end_date: dt.date
    nights: int
    status: str
    created_at: dt.datetime

    @strawberry.field
    def total_price(self) -> float:
        return float(self.total_price)  # type: ignore[attr-defined]

    @strawberry.field
    def guest(self) -> UserType:
        return self.guest  # type: ignore[attr-defined]

    @strawberry.field
    def property(self) -> PropertyType:
        return self.property  # type: ignore[attr-defined]

    @strawberry.field
    def payments(self) -> list[PaymentType]:
        return list(self.payments.all())  # type: ignore[attr-defined]


@strawberry.type
class PropertyType:
    property_id: int
    host_id: int
    name: str
    description: str | None
    city: str
    country: str
    bedrooms: int
    max_guests: int
    created_at: dt.datetime

    @strawberry.field
    def price_per_night(self) -> float:
        return float(self.price_per_night)  # type: ignore[attr-defined]

    @strawberry.field
    def host(self) -> UserType:
        return self.host  # type: ignore[attr-defined]

    @strawberry.field(description="This property's reviews, newest first.")
    def reviews(self, first: int = 10) -> list[ReviewType]:
        rows = self.reviews.order_by("-created_at", "-review_id")  # type: ignore[attr-defined]
        return list(rows[: _check_first(first)])


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def _page_type(name: str, item: type) -> type:
    return strawberry.type(
        type(
            name,
            (),
            {"__annotations__": {"total_count": int, "items": list[item], "page_info": PageInfo}},
        ),
        description=f"A page of {item.__name__.removesuffix('Type').lower()} rows.",
    )


UserPage = _page_type("UserPage", UserType)
PropertyPage = _page_type("PropertyPage", PropertyType)
BookingPage = _page_type("BookingPage", BookingType)
ReviewPage = _page_type("ReviewPage", ReviewType)
PaymentPage = _page_type("PaymentPage", PaymentType)


def _check_first(first: int) -> int:
    if not 1 <= first <= MAX_FIRST:
        raise _error(f"first must be between 1 and {MAX_FIRST}, got {first}", "BAD_USER_INPUT")
    return first


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    try:
        kind, value = base64.b64decode(after.encode(), validate=True).decode().split(":")
        assert kind == "offset" and int(value) >= 0
        return int(value) + 1
    except Exception as exc:
        raise _error(f"invalid cursor {after!r}", "BAD_USER_INPUT") from exc


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _paginate(page_type: type, rows: QuerySet, first: int, after: str | None) -> Any:
    """Slice `rows` after the cursor `after`; cursors are opaque offsets."""
    start = _offset(after)
    first = _check_first(first)
    items = list(rows[start : start + first + 1])
    has_next = len(items) > first
    items = items[:first]
    end = _cursor(start + len(items) - 1) if items else None
    return page_type(
        total_count=rows.count(),
        items=items,
        page_info=PageInfo(has_next_page=has_next, end_cursor=end),
    )


def _apply(rows: QuerySet, where: Any, lookups: dict[str, str]) -> QuerySet:
    """Filter `rows` by the fields of the input object `where` that are set."""
    if where is None:
        return rows
    for field, lookup in lookups.items():
        value = getattr(where, field)
        if value is not None:
            rows = rows.filter(**{lookup: value})
    return rows


def _order(rows: QuerySet, order_by: str | None, allowed: set[str]) -> QuerySet:
    if order_by is None:
        return rows
    if order_by.lstrip("-") not in allowed:
        raise _error(
            f"cannot order by {order_by!r}; use one of {sorted(allowed)} (prefix - for descending)",
            "BAD_USER_INPUT",
        )
    return rows.order_by(order_by, rows.model._meta.pk.name)


def _get(model: type, pk: int) -> Any:
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist:
        raise _error(f"{model.__name__} {pk} does not exist", "NOT_FOUND") from None


@strawberry.input
class UserFilter:
    role: str | None = None
    city: str | None = None
    country: str | None = None


@strawberry.input
class PropertyFilter:
    city: str | None = None
    country: str | None = None
    host_id: int | None = None
    min_price: float | None = None
    max_price: float | None = None
    min_bedrooms: int | None = None
    guests: int | None = None


@strawberry.input
class BookingFilter:
    status: str | None = None
    property_id: int | None = None
    guest_id: int | None = None


@strawberry.input
class ReviewFilter:
    property_id: int | None = None
    guest_id: int | None = None
    min_rating: int | None = None


@strawberry.input
class PaymentFilter:
    status: str | None = None
    method: str | None = None
    booking_id: int | None = None


@strawberry.type
class Query:
    @strawberry.field
    def user(self, id: int) -> UserType:  # noqa: A002
        return _get(User, id)

    @strawberry.field
    def users(
        self,
        where: UserFilter | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: str | None = None,
    ) -> UserPage:  # type: ignore[valid-type]
        rows = _apply(
            User.objects.all(),
            where,
            {"role": "role", "city": "city__iexact", "country": "country__iexact"},
        )
        rows = _order(rows, order_by, {"user_id", "last_name", "created_at"})
        return _paginate(UserPage, rows, first, after)

    @strawberry.field
    def property(self, id: int) -> PropertyType:  # noqa: A002
        return _get(Property, id)

    @strawberry.field
    def properties(
        self,
        where: PropertyFilter | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: str | None = None,
    ) -> PropertyPage:  # type: ignore[valid-type]
        rows = _apply(
            Property.objects.all(),
            where,
            {
                "city": "city__iexact",
                "country": "country__iexact",
                "host_id": "host_id",
                "min_price": "price_per_night__gte",
                "max_price": "price_per_night__lte",
                "min_bedrooms": "bedrooms__gte",
                "guests": "max_guests__gte",
            },
        )
        rows = _order(
            rows,
            order_by,
            {"property_id", "price_per_night", "bedrooms", "max_guests", "created_at"},
        )
        return _paginate(PropertyPage, rows, first, after)

    @strawberry.field
    def booking(self, id: int) -> BookingType:  # noqa: A002
        return _get(Booking, id)

    @strawberry.field
    def bookings(
        self,
        where: BookingFilter | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: str | None = None,
    ) -> BookingPage:  # type: ignore[valid-type]
        rows = _apply(
            Booking.objects.all(),
            where,
            {"status": "status", "property_id": "property_id", "guest_id": "guest_id"},
        )
        rows = _order(rows, order_by, {"booking_id", "start_date", "total_price", "created_at"})
        return _paginate(BookingPage, rows, first, after)

    @strawberry.field
    def review(self, id: int) -> ReviewType:  # noqa: A002
        return _get(Review, id)

    @strawberry.field
    def reviews(
        self,
        where: ReviewFilter | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: str | None = None,
    ) -> ReviewPage:  # type: ignore[valid-type]
        rows = _apply(
            Review.objects.all(),
            where,
            {
                "property_id": "property_id",
                "guest_id": "guest_id",
                "min_rating": "rating__gte",
            },
        )
        rows = _order(rows, order_by, {"review_id", "rating", "created_at"})
        return _paginate(ReviewPage, rows, first, after)

    @strawberry.field
    def payment(self, id: int) -> PaymentType:  # noqa: A002
        return _get(Payment, id)

    @strawberry.field
    def payments(
        self,
        where: PaymentFilter | None = None,
        first: int = 20,
        after: str | None = None,
        order_by: str | None = None,
    ) -> PaymentPage:  # type: ignore[valid-type]
        rows = _apply(
            Payment.objects.all(),
            where,
            {"status": "status", "method": "method", "booking_id": "booking_id"},
        )
        rows = _order(rows, order_by, {"payment_id", "amount", "paid_at"})
        return _paginate(PaymentPage, rows, first, after)


@strawberry.input
class BookingInput:
    property_id: int
    guest_id: int
    start_date: dt.date
    end_date: dt.date


def _require_user(info: Info) -> Any:
    try:
        user = authenticate(info.context.request)
    except AuthenticationFailed as exc:
        raise _error(str(exc.detail), "UNAUTHENTICATED") from None
    if user is None:
        raise _error("Authentication credentials were not provided.", "UNAUTHENTICATED")
    return user


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Book a property; needs a token or JWT.")
    def create_booking(self, info: Info, input: BookingInput) -> BookingType:  # noqa: A002
        _require_user(info)
        data = {
            "property_id": input.property_id,
            "guest_id": input.guest_id,
            "start_date": input.start_date.isoformat(),
            "end_date": input.end_date.isoformat(),
        }
        serializer = BookingSerializer(data=data)
        with state.current().write_lock:
            if not serializer.is_valid():
                fields = {k: [str(m) for m in v] for k, v in serializer.errors.items()}
                message = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
                raise _error(f"invalid booking: {message}", "BAD_USER_INPUT", fields=fields)
            return serializer.save()

    @strawberry.mutation(description="Cancel a booking; needs a token or JWT.")
    def cancel_booking(self, info: Info, id: int) -> BookingType:  # noqa: A002
        _require_user(info)
        with state.current().write_lock:
            booking = _get(Booking, id)
            booking.status = "cancelled"
            booking.save(update_fields=["status"])
            return booking


MAX_DEPTH = 6


class StayHubSchema(strawberry.Schema):
    """Logs only unexpected exceptions: a client's bad query is an answer, not a server fault."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        unexpected = [
            e
            for e in errors
            if e.original_error is not None and not isinstance(e.original_error, GraphQLError)
        ]
        super().process_errors(unexpected, execution_context)


schema = StayHubSchema(
    query=Query, mutation=Mutation, extensions=[lambda: QueryDepthLimiter(max_depth=MAX_DEPTH)]
)


class StayHubGraphQLView(GraphQLView):
    """Strawberry's Django view, refusing anonymous requests while `require_auth` is on."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if state.current().board.switches.require_auth:
            try:
                user = authenticate(request)
            except AuthenticationFailed as exc:
                return _unauthenticated(str(exc.detail))
            if user is None:
                return _unauthenticated("Authentication credentials were not provided.")
        return super().dispatch(request, *args, **kwargs)


def _unauthenticated(message: str) -> HttpResponse:
    body = {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}],
    }
    response = JsonResponse(body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


graphql_view = csrf_exempt(StayHubGraphQLView.as_view(schema=schema, graphql_ide=None))
