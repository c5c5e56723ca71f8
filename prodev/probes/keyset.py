"""Checks for lab 01's keyset walk over the practice API's bookings (question 7).

The checks add bookings of their own, years after the dataset's last one, so they know every
row a walk from their first day must yield. They may change those rows between two pages, in
the server's thread after a page is ready and before the client has it, and they read which
pages the walk asked for from the server's request log. Nothing the student's process says
about itself is used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

BOOKINGS = "/api/bookings/"
GUEST_ID = 12  # any guest: the walk never looks at who booked

Key = tuple[str, int]  # (start_date, booking_id): the walk's order


def _orm(work: Callable[[], Any]) -> Any:
    """Run Django ORM work in a thread of its own (a Jupyter kernel's main thread runs an
    asyncio loop, where Django refuses to), closing that thread's connection afterwards."""

    def run() -> Any:
        from django.db import connections

        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1, thread_name_prefix="prodev-keyset") as pool:
        return pool.submit(run).result()


def _new_booking(start: dt.date, property_id: int) -> Any:
    from django.utils import timezone

    from prodev.stayhub.django_app.models import Booking

    return Booking(
        property_id=property_id,
        guest_id=GUEST_ID,
        start_date=start,
        end_date=start + dt.timedelta(days=1),
        nights=1,
        status=Booking.Status.CONFIRMED,
        total_price=100,
        created_at=timezone.now().replace(microsecond=0),
    )


def add_bookings(first_day: str, per_day: Sequence[int]) -> list[Key]:
    """Add `per_day[i]` one-night bookings starting `i` days after `first_day`, each on a
    property of its own that day; return their keys in the walk's order. Call it while the
    practice API runs: the rows go into that server's copy of the data."""

    def add() -> list[Key]:
        from prodev.stayhub.django_app.models import Booking

        start = dt.date.fromisoformat(first_day)
        rows = [
            _new_booking(start + dt.timedelta(days=day), property_id)
            for day, count in enumerate(per_day)
            for property_id in range(1, count + 1)
        ]
        made = Booking.objects.bulk_create(rows)  # SQLite returns the new ids
        return sorted((b.start_date.isoformat(), b.booking_id) for b in made)

    return _orm(add)


def insert_booking(day: str, property_id: int) -> Key:
    """Add one booking now, from the server's own thread (inside an `after_page` change)."""
    booking = _new_booking(dt.date.fromisoformat(day), property_id)
    booking.save()
    return (day, booking.booking_id)


def delete_booking(booking_id: int) -> None:
    """Delete one booking now, from the server's own thread (inside an `after_page` change)."""
    from prodev.stayhub.django_app.models import Booking

    Booking.objects.filter(booking_id=booking_id).delete()


@contextlib.contextmanager
def after_page(api: Any, page: int, change: Callable[[], Any]) -> Iterator[list[Any]]:
    """Run `change()` once, when the walk's `page`-th page of bookings (1 for the first) has
    been answered and before the client has it. Yields a list that gets `change`'s result."""
    done: list[Any] = []
    seen = 0

    def listener(record: Any) -> None:
        nonlocal seen
        if record.method != "GET" or record.path != BOOKINGS or record.status != 200:
            return
        seen += 1
        if seen == page:
            done.append(change())

    with api.on_answer(listener):
        yield done


def pages_asked(api: Any) -> list[dict[str, str]]:
    """The query parameters of every list request for bookings, oldest first."""
    records = sorted(
        (r for r in api.requests if r.method == "GET" and r.path == BOOKINGS),
        key=lambda r: r.started,
    )
    return [dict(parse_qsl(r.query)) for r in records]


def other_requests(api: Any) -> list[str]:
    """Requests that were not a GET of the bookings list, as 'METHOD path': a walk needs none,
    and data fetched some other way would hide how the walk really paged."""
    return [
        f"{r.method} {r.path}"
        for r in api.requests
        if not (r.method == "GET" and r.path == BOOKINGS)
    ]


def wrong_page_sizes(pages: list[dict[str, str]], page_size: int) -> list[str]:
    """The page sizes asked for that are not `page_size` (missing ones as '')."""
    return [p.get("page_size", "") for p in pages if p.get("page_size") != str(page_size)]


def repeated_pages(pages: list[dict[str, str]]) -> int:
    """How many requests asked again for a page that had been asked for already."""
    distinct = {tuple(sorted(p.items())) for p in pages}
    return len(pages) - len(distinct)


def pages_for(keys: Sequence[Key], since: str, page_size: int, take: int | None) -> int:
    """How many pages a lazy keyset walk asks for before it has yielded `take` bookings (all
    of them if None): each page starts at the last yielded day (the API's `start_after` is
    inclusive), its rows up to the last yielded one are skipped, and a short page is the last."""
    keys = sorted(keys)
    yielded, last, pages = 0, None, 0
    while True:
        page = [k for k in keys if k[0] >= since][:page_size]
        pages += 1
        fresh = [key for key in page if last is None or key > last]
        for key in fresh:
            last = key
            yielded += 1
            if take is not None and yielded == take:
                return pages
        if len(page) < page_size or not fresh:
            return pages
        since = last[0]


def ids_of(value: Any, function: str) -> list[Any]:
    """The booking ids of what the walk yielded, or an AssertionError a student can act on."""
    if not isinstance(value, list):
        raise AssertionError(f"{function} should yield bookings, got a {type(value).__name__}")
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict) or "booking_id" not in item:
            raise AssertionError(
                f"item {position} is not a booking (a dict as the API sends it, with "
                f"booking_id) but a {type(item).__name__}: yield each booking of each page"
            )
    return [item["booking_id"] for item in value]


def walk_problems(got: list[Any], expected: Sequence[Key]) -> str:
    """What is wrong with the ids a walk yielded, in words that never list the expected ids
    ('' when they are exactly the expected ones, in order)."""
    wanted = [booking_id for _day, booking_id in expected]
    if got == wanted:
        return ""
    problems = []
    repeats = len(got) - len(set(got))
    if repeats:
        problems.append(f"{repeats} booking(s) came twice")
    missing = len(set(wanted) - set(got))
    if missing:
        problems.append(f"{missing} booking(s) never came")
    extra = len(set(got) - set(wanted))
    if extra:
        problems.append(f"{extra} booking(s) came that the walk should not have seen")
    if not problems:
        problems.append("the bookings came out of (start_date, booking_id) order")
    return ", ".join(problems)
