"""Question 1, hidden: mutants of nights() (a zero-night stay, reversed dates, a stay across the
end of a month) and a rewritten correct nights()."""

import pytest

from prodev.checking import check
from prodev.probes.mutants import assert_accepts, assert_catches, component_source, mutate

SUITE, MODULE, FIXTURE = "TestNights", "stayhub_pricing", "pricing"


@pytest.fixture
def reference() -> str:
    """The component as the course ships it: the grader's own copy, never the student's."""
    return component_source("lab03_testing", "stayhub_pricing.py")


DAYS = "return (check_out - check_in).days"


@check("q1", points=1)
def test_catches_accepting_a_zero_night_stay(student, reference):
    mutant = mutate(reference, ("if check_out <= check_in:", "if check_out < check_in:"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a nights() that accepts a check-out on the check-in day",
        fixture=FIXTURE,
    )


@check("q1", points=1)
def test_catches_accepting_reversed_dates(student, reference):
    mutant = mutate(
        reference,
        ("if check_out <= check_in:", "if check_out == check_in:"),
        (DAYS, "return abs((check_out - check_in).days)"),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a nights() that accepts a check-out before the check-in",
        fixture=FIXTURE,
    )


@check("q1", points=1)
def test_passes_a_rewritten_nights(student, reference):
    variant = mutate(reference, (DAYS, "return check_out.toordinal() - check_in.toordinal()"))
    # Right inside a month, wrong across its end: the stay the question names.
    mutant = mutate(reference, (DAYS, "return check_out.day - check_in.day"))
    assert_accepts(
        student, SUITE, MODULE, reference, variant, mutant, fixture=FIXTURE,
        mutant_is="a nights() that is wrong for stays across the end of a month",
    )  # fmt: skip
