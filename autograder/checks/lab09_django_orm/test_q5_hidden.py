"""Question 5, hidden: back-to-back stays, cancelled and pending bookings, on unseen data; and
a real race: several bookings of the same nights at once, judged from what PostgreSQL saw."""

import datetime as dt

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call
from prodev.probes.orm_race import orm_race

COUNTS = "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM payments)"


def booking_with(dataset, status):
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        row = con.execute(
            "SELECT b.property_id, b.guest_id, b.start_date, b.end_date FROM bookings b "
            "WHERE b.status = ? AND b.nights >= 2 AND NOT EXISTS ("
            "  SELECT 1 FROM bookings o WHERE o.property_id = b.property_id "
            "  AND o.booking_id <> b.booking_id AND o.status <> 'cancelled' "
            "  AND o.start_date < b.end_date + 3 AND o.end_date > b.start_date - 3) "
            "ORDER BY b.booking_id LIMIT 1",
            [status],
        ).fetchone()
    finally:
        con.close()
    return row[0], row[1], row[2], row[3]


@check("q5", points=1)
def test_edges_on_unseen_data(student, stayhub_unseen):
    data = stayhub_unseen
    prop, guest, start, end = booking_with(data, "confirmed")
    back_to_back = orm_call(
        student,
        "book_stay",
        data,
        guest,
        prop,
        end.isoformat(),
        2,
        "credit_card",
        snapshot=[COUNTS],
    )
    assert back_to_back.error is None, (
        "a stay starting the day another ends was refused: the nights do not overlap"
    )
    assert back_to_back.after[0][0] == [
        back_to_back.before[0][0][0] + 1,
        back_to_back.before[0][0][1] + 1,
    ]
    prop, guest, start, _ = booking_with(data, "confirmed")
    before_arrival = orm_call(
        student,
        "book_stay",
        data,
        guest,
        prop,
        (start - dt.timedelta(days=2)).isoformat(),
        2,
        "stripe",
    )
    assert before_arrival.error is None, (
        "a stay ending the day another starts was refused: the nights do not overlap"
    )
    prop, guest, start, _ = booking_with(data, "cancelled")
    over_cancelled = orm_call(
        student, "book_stay", data, guest, prop, start.isoformat(), 2, "paypal"
    )
    assert over_cancelled.error is None, "nights held only by a cancelled booking were refused"
    prop, guest, start, _ = booking_with(data, "pending")
    over_pending = orm_call(
        student,
        "book_stay",
        data,
        guest,
        prop,
        (start + dt.timedelta(days=1)).isoformat(),
        1,
        "paypal",
        snapshot=[COUNTS],
    )
    assert over_pending.error is not None and over_pending.error.startswith("ValueError"), (
        "nights held by a pending booking should raise ValueError"
    )
    assert over_pending.after == over_pending.before, "a refused booking changed the data"
    failing = orm_call(
        student, "book_stay", data, guest, prop, "2027-02-01", 4, "cash", snapshot=[COUNTS]
    )
    assert failing.error is not None and failing.after == failing.before, (
        "on other data, a failing payment left data behind"
    )


# Three calls race for the same nights; a fourth books the stay that starts the day they end.
RACE_START, RACE_NIGHTS = dt.date(2030, 3, 1), 3
NEXT_START, NEXT_NIGHTS = RACE_START + dt.timedelta(days=RACE_NIGHTS), 2
RACERS = 3


def quiet_property_and_guests(dataset):
    """A property with no booking from 2030 on, and four guests."""
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        prop = con.execute(
            "SELECT property_id FROM properties p WHERE NOT EXISTS (SELECT 1 FROM bookings b "
            "WHERE b.property_id = p.property_id AND b.end_date > DATE '2030-01-01') "
            "ORDER BY property_id LIMIT 1"
        ).fetchone()[0]
        guests = [
            r[0]
            for r in con.execute(
                "SELECT user_id FROM users WHERE role = 'guest' ORDER BY user_id LIMIT 4"
            ).fetchall()
        ]
    finally:
        con.close()
    return prop, guests


def new_stays(prop):
    """The property's bookings from 2030 on, each with how many payments it has and whether
    they pay its total."""
    return (
        "SELECT b.booking_id, b.start_date, b.end_date, "
        "(SELECT count(*) FROM payments p WHERE p.booking_id = b.booking_id), "
        "(SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.booking_id = b.booking_id) "
        "= b.total_price "
        f"FROM bookings b WHERE b.property_id = {int(prop)} AND b.start_date >= DATE '2030-01-01' "
        "ORDER BY b.start_date, b.booking_id"
    )


@check("q5", points=1)
def test_a_race_books_the_same_nights_once(student, stayhub_unseen):
    prop, guests = quiet_property_and_guests(stayhub_unseen)
    start = RACE_START.isoformat()
    same_nights = [[g, prop, start, RACE_NIGHTS, "paypal"] for g in guests[:RACERS]]
    next_stay = [guests[RACERS], prop, NEXT_START.isoformat(), NEXT_NIGHTS, "stripe"]
    race = orm_race(
        student,
        "book_stay",
        stayhub_unseen,
        [*same_nights, next_stay],
        gates=["bookings", "payments"],
        snapshot=[new_stays(prop), COUNTS],
    )
    calls = len(same_nights) + 1
    others = calls - len(race.succeeded) - race.errors("ValueError")
    assert others == 0, (
        "when several bookings ran at once, some calls raised an exception other than "
        "ValueError (or did not finish)"
    )
    at_start, writing = race.gates
    assert at_start.waiting == calls, (
        f"the {calls} bookings made at the same moment did not all reach the database "
        "together: something outside PostgreSQL made them take turns (a lock in Python, say), "
        "which a second server process would not share"
    )
    stays = race.after[0]
    raced = [s for s in stays if s[1] == RACE_START.isoformat()]
    unlocked = "" if writing.behind_another else "; none waited at the database for another's lock"
    assert len(raced) <= 1, (
        f"{len(raced)} bookings of the same nights were written by bookings made at the same "
        f"moment: each checked before any had booked{unlocked}"
    )
    assert writing.waiting == calls and writing.behind_another == calls - 1, (
        "while one booking was being written, the others did not wait for its lock at the "
        "database: something outside PostgreSQL made them take turns (a lock in Python, say), "
        "which a second server process would not share"
    )
    assert stays, "no booking was written while several ran at once"
    assert [s[1:3] for s in stays] == [
        [RACE_START.isoformat(), NEXT_START.isoformat()],
        [NEXT_START.isoformat(), (NEXT_START + dt.timedelta(days=NEXT_NIGHTS)).isoformat()],
    ], (
        "of two stays that touch (one starts the day the other ends), booked at the same "
        "moment, only one was written: touching stays do not overlap"
    )
    assert all(s[3] == 1 and s[4] for s in stays), (
        "a booking made during the race has no payment of its total (or more than one)"
    )
    (bookings_before, payments_before), (bookings_after, payments_after) = (
        race.before[1][0],
        race.after[1][0],
    )
    assert bookings_after - bookings_before == payments_after - payments_before == len(stays), (
        "the race left rows behind besides the bookings and their payments"
    )
    returned = race.succeeded
    written = sorted(s[0] for s in stays)
    assert all(isinstance(i, int) for i in returned) and sorted(returned) == written, (
        "the booking ids returned do not match the bookings written"
    )
    assert race.errors("ValueError") == RACERS - 1, (
        "every booking that lost the race should raise ValueError"
    )
