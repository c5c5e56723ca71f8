"""Question 4, hidden: mutants of price_in() and a rewritten correct price_in()."""

import pytest

from prodev.checking import check
from prodev.probes.mutants import assert_accepts, assert_catches, component_source, mutate

# The branch that answers euros without asking the rates service.
EUROS = '    if currency == "EUR":\n        return amount.quantize(CENT, rounding=ROUND_HALF_UP)\n'

SUITE, MODULE, FIXTURE = "TestPriceIn", "stayhub_pricing", "pricing"


@pytest.fixture
def reference() -> str:
    """The component as the course ships it: the grader's own copy, never the student's."""
    return component_source("lab03_testing", "stayhub_pricing.py")


ASK = 'rate = rates.rate("EUR", currency)'


@check("q4", points=1)
def test_catches_the_pair_reversed(student, reference):
    mutant = mutate(reference, (ASK, 'rate = 1 / rates.rate(currency, "EUR")'))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a price_in() that asks the rates service a different question",
        fixture=FIXTURE,
    )


@check("q4", points=1)
def test_catches_asking_twice(student, reference):
    mutant = mutate(reference, (ASK, ASK + '\n    rate = rates.rate("EUR", currency)'))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a price_in() that calls the rates service more often than it needs",
        fixture=FIXTURE,
    )


@check("q4", points=1)
def test_catches_no_rounding(student, reference):
    mutant = mutate(
        reference,
        ("return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)", "return amount * rate"),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a price_in() that does not round its result",
        fixture=FIXTURE,
    )


@check("q4", points=1)
def test_passes_a_rewritten_price_in(student, reference):
    variant = mutate(
        reference,
        (
            "return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)",
            "cents = (amount * rate * 100).to_integral_value(rounding=ROUND_HALF_UP)\n"
            "    return cents / 100",
        ),
    )
    mutant = mutate(reference, (EUROS, ""))
    assert_accepts(student, SUITE, MODULE, reference, variant, mutant, fixture=FIXTURE)
