"""Question 3: TestStayPrice catches a visible mutant of stay_price()."""

from prodev.checking import check
from prodev.probes.mutants import assert_catches, mutate


@check("q3", points=1)
def test_catches_a_weekly_discount_from_eight_nights(student, reference):
    mutant = mutate(reference, ("elif count >= 7:", "elif count > 7:"))
    assert_catches(
        student,
        "TestStayPrice",
        "stayhub_pricing",
        reference,
        mutant,
        "a stay_price() that gives the weekly discount from 8 nights instead of 7",
        fixture="pricing",
        details=True,
    )
