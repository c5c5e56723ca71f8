"""Question 2, hidden: mutants of nightly_rate() (a weekend of the wrong nights, a fixed uplift)
and a rewritten correct nightly_rate()."""

import pytest

from prodev.checking import check
from prodev.probes.mutants import assert_accepts, assert_catches, component_source, mutate

SUITE, MODULE, FIXTURE = "TestNightlyRate", "stayhub_pricing", "pricing"


@pytest.fixture
def reference() -> str:
    """The component as the course ships it: the grader's own copy, never the student's."""
    return component_source("lab03_testing", "stayhub_pricing.py")


@check("q2", points=1)
def test_catches_saturday_only(student, reference):
    mutant = mutate(reference, ("WEEKEND_NIGHTS = (4, 5)", "WEEKEND_NIGHTS = (5,)"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a nightly_rate() with one weekend night a week",
        fixture=FIXTURE,
    )


@check("q2", points=1)
def test_catches_a_fixed_uplift(student, reference):
    mutant = mutate(reference, ("return base_rate * WEEKEND_UPLIFT", "return base_rate + 25"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a nightly_rate() whose weekend uplift is right only for some base rates",
        fixture=FIXTURE,
    )


@check("q2", points=1)
def test_passes_a_rewritten_nightly_rate(student, reference):
    variant = mutate(
        reference,
        ("if night.weekday() in WEEKEND_NIGHTS:", 'if night.strftime("%w") in ("5", "6"):'),
    )
    # "Every day of a week": a weekend that starts on Thursday night is caught only there
    # (Saturday and Sunday, the public check's mutant, is caught on Friday or Sunday).
    mutant = mutate(reference, ("WEEKEND_NIGHTS = (4, 5)", "WEEKEND_NIGHTS = (3, 4, 5)"))
    assert_accepts(
        student, SUITE, MODULE, reference, variant, mutant, fixture=FIXTURE,
        mutant_is="a nightly_rate() with one weekend night too many",
    )  # fmt: skip
