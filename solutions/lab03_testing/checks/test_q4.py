"""Question 4: TestPriceIn catches a visible mutant of price_in()."""

from prodev.checking import check
from prodev.probes.mutants import assert_catches, mutate

# The branch that answers euros without asking the rates service.
EUROS = '    if currency == "EUR":\n        return amount.quantize(CENT, rounding=ROUND_HALF_UP)\n'


@check("q4", points=1)
def test_catches_asking_for_a_rate_for_euros(student, reference):
    mutant = mutate(reference, (EUROS, ""))
    assert_catches(
        student,
        "TestPriceIn",
        "stayhub_pricing",
        reference,
        mutant,
        "a price_in() that asks the rates service even for euros",
        fixture="pricing",
        details=True,
    )
