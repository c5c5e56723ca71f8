"""Question 6, hidden: mutants of stay_price() that each break one property the question names
(a calendar wrong in January and February, each night priced as the day after it, the guest fee
stopping after four weeks) and a rewritten correct stay_price()."""

import pytest

from prodev.checking import check
from prodev.probes.mutants import assert_accepts, assert_catches, component_source, mutate

SUITE, MODULE, FIXTURE = "TestPropertiesOfStayPrice", "stayhub_pricing", "pricing"
# The loop that sums the nightly rates, which two of the edits below replace.
NIGHTS_SUM = (
    "    subtotal = sum(\n"
    "        (nightly_rate(base_rate, check_in + timedelta(days=i)) for i in range(count)),"
    " Decimal(0)\n"
    "    )\n"
)


@pytest.fixture
def reference() -> str:
    """The component as the course ships it: the grader's own copy, never the student's."""
    return component_source("lab03_testing", "stayhub_pricing.py")


@check("q6", points=1)
def test_catches_weekdays_wrong_in_january_and_february(student, reference):
    # "No seasons": a weekday formula (Sakamoto's) that forgets to count January and February
    # with the year before, so their nights are priced as the next weekday's (two in leap years).
    mutant = mutate(
        reference,
        (
            NIGHTS_SUM,
            "    def weekday(day):\n"
            "        y = day.year\n"
            "        offsets = (0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4)\n"
            "        sunday_first = (y + y // 4 - y // 100 + y // 400 + offsets[day.month - 1]"
            " + day.day) % 7\n"
            "        return (sunday_first - 1) % 7\n"
            "    subtotal = Decimal(0)\n"
            "    for i in range(count):\n"
            "        night = check_in + timedelta(days=i)\n"
            "        weekend = weekday(night) in WEEKEND_NIGHTS\n"
            "        subtotal += base_rate * WEEKEND_UPLIFT if weekend else base_rate\n",
        ),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() whose price changes with the time of year",
        fixture=FIXTURE,
    )


@check("q6", points=1)
def test_catches_each_night_priced_as_the_next_day(student, reference):
    # "Nights add up ... whatever weekday it starts on": right whenever the first night and the
    # check-out day are both weekdays or both weekend days, as in every example of question 3.
    mutant = mutate(
        reference,
        ("for i in range(count)), Decimal(0)", "for i in range(1, count + 1)), Decimal(0)"),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() that does not charge the sum of its nights' rates for some short stays",
        fixture=FIXTURE,
    )


@check("q6", points=1)
def test_catches_a_guest_fee_that_stops_after_four_weeks(student, reference):
    # "However long the stay": the fee is right up to 28 nights.
    mutant = mutate(
        reference,
        (
            "extra_guests * EXTRA_GUEST_FEE * count",
            "extra_guests * EXTRA_GUEST_FEE * min(count, 28)",
        ),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() that gets the extra-guest fee wrong for some stays",
        fixture=FIXTURE,
    )


@check("q6", points=1)
def test_passes_a_rewritten_stay_price(student, reference):
    # Weekend nights counted, not summed night by night: whole weeks hold two each.
    variant = mutate(
        reference,
        (
            NIGHTS_SUM,
            "    weeks, rest = divmod(count, 7)\n"
            "    first = check_in.weekday()\n"
            "    weekend = 2 * weeks"
            " + sum((first + i) % 7 in WEEKEND_NIGHTS for i in range(rest))\n"
            "    subtotal = base_rate * (count - weekend) + base_rate * WEEKEND_UPLIFT * weekend\n",
        ),
    )
    # "Never negative": a long-stay discount that grows with the length of the stay (20% at 28
    # nights, as it should be; all of it at 140 nights).
    mutant = mutate(
        reference,
        ("subtotal *= 1 - MONTHLY_DISCOUNT\n", "subtotal *= 1 - MONTHLY_DISCOUNT * count / 28\n"),
    )
    assert_accepts(
        student, SUITE, MODULE, reference, variant, mutant, fixture=FIXTURE,
        mutant_is="a stay_price() that gets long stays wrong",
    )  # fmt: skip
