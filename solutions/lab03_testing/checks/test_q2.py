"""Question 2: TestNightlyRate catches a visible mutant of nightly_rate()."""

from prodev.checking import check
from prodev.probes.mutants import assert_catches, mutate


@check("q2", points=1)
def test_catches_saturday_and_sunday_as_the_weekend(student, reference):
    mutant = mutate(reference, ("WEEKEND_NIGHTS = (4, 5)", "WEEKEND_NIGHTS = (5, 6)"))
    assert_catches(
        student,
        "TestNightlyRate",
        "stayhub_pricing",
        reference,
        mutant,
        "a nightly_rate() that treats Saturday and Sunday nights as the weekend",
        fixture="pricing",
        details=True,
    )
