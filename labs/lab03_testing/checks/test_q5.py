"""Question 5: TestRatesClient catches a visible mutant of RatesClient."""

from prodev.checking import check
from prodev.probes.mutants import assert_catches, mutate


@check("q5", points=1)
def test_catches_a_swapped_currency_pair(student, reference):
    mutant = mutate(
        reference,
        (
            'path = f"/rates/{urllib.parse.quote(base)}/{urllib.parse.quote(quote)}"',
            'path = f"/rates/{urllib.parse.quote(quote)}/{urllib.parse.quote(base)}"',
        ),
    )
    assert_catches(
        student,
        "TestRatesClient",
        "stayhub_pricing",
        reference,
        mutant,
        "a RatesClient that asks for the pair the wrong way round (/rates/USD/EUR)",
        fixture="pricing",
        details=True,
    )
