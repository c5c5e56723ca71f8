"""A race on an ORM function, observed by PostgreSQL: behind the gate, every call waits on the
server; a row lock makes them take turns (one booking of the same nights), no lock lets them
all write, and calls a notebook puts in order itself never wait together."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from prodev.checking.student import InProcessStudent, StudentError
from prodev.probes.orm_race import Waits, orm_race
from prodev.stayhub.data import dataset_path

START, NIGHTS = "2031-05-01", 3
NEW_STAYS = (
    "SELECT b.start_date, count(p.payment_id) FROM bookings b "
    "LEFT JOIN payments p ON p.booking_id = b.booking_id "
    "WHERE b.property_id = 1 AND b.start_date >= DATE '2031-01-01' "
    "GROUP BY b.booking_id, b.start_date ORDER BY b.booking_id"
)


def booking(lock: bool, python_lock: threading.Lock | None = None):
    """A book_stay for property 1, with or without the row lock, or behind a Python lock."""
    from django.db import transaction
    from django.utils import timezone

    from prodev.stayhub.django_app.models import Booking, Payment, Property

    def book_stay(guest_id: int, start_date: str, nights: int) -> int:
        start = dt.date.fromisoformat(start_date)
        end = start + dt.timedelta(days=nights)
        if python_lock is not None:
            python_lock.acquire()
        try:
            with transaction.atomic():
                found = Property.objects.select_for_update() if lock else Property.objects
                home = found.get(property_id=1)
                if home.bookings.active().overlapping(start, end).exists():
                    raise ValueError("taken")
                total = home.price_per_night * nights
                made = Booking.objects.create(
                    property=home, guest_id=guest_id, start_date=start, end_date=end,
                    nights=nights, status="pending", total_price=total, created_at=timezone.now(),
                )  # fmt: skip
                Payment.objects.create(
                    booking=made, amount=total, method="paypal", status="pending"
                )
            return made.booking_id
        finally:
            if python_lock is not None:
                python_lock.release()

    return book_stay


@pytest.fixture(scope="module")
def dataset():
    from prodev.stayhub.orm import setup

    path = dataset_path(seed=42, size="small")
    setup(path, database="stayhub_orm_race_test")
    return path


def race(dataset, fn, patience: float = 3.0):
    calls = [[guest, START, NIGHTS] for guest in (2, 3, 4, 5)]
    student = InProcessStudent({"book_stay": fn})
    return orm_race(
        student, "book_stay", dataset, calls, gates=["bookings", "payments"],
        snapshot=[NEW_STAYS], patience=patience,
    )  # fmt: skip


def test_a_row_lock_lets_one_booking_of_the_same_nights_through(dataset):
    report = race(dataset, booking(lock=True))
    at_start, writing = report.gates
    # All four sessions waited on the server together: one at the gate, three for its row lock.
    assert at_start.waiting == 4 and at_start.behind_another == 3
    assert at_start.events.get("relation") == 1
    # The winner was held at the payments gate, the three still waited for its lock.
    assert writing.waiting == 4 and writing.behind_another == 3
    assert report.after == [[[START, 1]]]  # one booking, with its payment
    assert len(report.succeeded) == 1 and report.errors("ValueError") == 3
    assert report.before == [[]]


def test_without_a_lock_every_booking_is_written(dataset):
    report = race(dataset, booking(lock=False))
    for waits in report.gates:  # only ever waiting at the gates, never for each other
        assert waits == Waits(waiting=4, behind_another=0, events={"relation": 4})
    assert report.after == [[[START, 1]] * 4]
    assert len(report.succeeded) == 4


def test_calls_a_python_lock_puts_in_order_never_wait_together(dataset):
    report = race(dataset, booking(lock=False, python_lock=threading.Lock()), patience=0.5)
    # One call at a time reached each gate: the others waited in the notebook, unseen.
    assert [(w.waiting, w.behind_another) for w in report.gates] == [(1, 0), (1, 0)]
    assert report.after == [[[START, 1]]]  # and so the data alone would look right


def test_a_python_lock_taken_after_reaching_the_database_still_never_queues_there(dataset):
    """Every call reads the gated table first (all wait at the first gate), then takes turns
    in Python: at the second gate only the one inside is seen, behind no one."""
    from prodev.stayhub.django_app.models import Booking

    honest = booking(lock=False)
    turns = threading.Lock()

    def book_stay(*args):
        Booking.objects.exists()
        with turns:
            return honest(*args)

    report = race(dataset, book_stay, patience=0.5)
    assert report.gates[0].waiting == 4
    assert report.gates[1].waiting == 1 and report.gates[1].behind_another == 0
    assert report.after == [[[START, 1]]]


def test_a_blank_answer_is_unanswered(dataset):
    def book_stay(*args):
        raise NotImplementedError()

    with pytest.raises(StudentError, match="not answered yet"):
        race(dataset, book_stay, patience=0.5)
