"""Question 1: TestNights catches a visible mutant of nights()."""

from prodev.checking import check
from prodev.probes.mutants import assert_catches, mutate


@check("q1", points=1)
def test_catches_counting_the_check_out_day(student, reference):
    mutant = mutate(
        reference, ("return (check_out - check_in).days", "return (check_out - check_in).days + 1")
    )
    assert_catches(
        student,
        "TestNights",
        "stayhub_pricing",
        reference,
        mutant,
        "a nights() that counts the check-out day as a night too",
        fixture="pricing",
        details=True,
    )
