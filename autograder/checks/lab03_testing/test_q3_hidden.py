"""Question 3, hidden: mutants of stay_price() (each discount boundary moved: 6, 27 and 28 nights;
the guest fee, the guest limit, rounding) and a rewritten correct stay_price()."""

import pytest

from prodev.checking import check
from prodev.probes.mutants import assert_accepts, assert_catches, component_source, mutate

SUITE, MODULE, FIXTURE = "TestStayPrice", "stayhub_pricing", "pricing"


@pytest.fixture
def reference() -> str:
    """The component as the course ships it: the grader's own copy, never the student's."""
    return component_source("lab03_testing", "stayhub_pricing.py")


@check("q3", points=1)
def test_catches_a_monthly_discount_from_29_nights(student, reference):
    mutant = mutate(reference, ("if count >= 28:", "if count > 28:"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() with a boundary of the long-stay discount moved",
        fixture=FIXTURE,
    )
    # The hint's other boundary below each discount: 6 nights (no weekly discount yet).
    mutant = mutate(reference, ("elif count >= 7:", "elif count >= 6:"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() with a boundary of the long-stay discount moved",
        fixture=FIXTURE,
    )


@check("q3", points=1)
def test_catches_a_guest_fee_charged_once(student, reference):
    mutant = mutate(
        reference, ("extra_guests * EXTRA_GUEST_FEE * count", "extra_guests * EXTRA_GUEST_FEE")
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() that gets the extra-guest fee wrong for longer stays",
        fixture=FIXTURE,
    )


@check("q3", points=1)
def test_catches_too_many_guests_accepted(student, reference):
    mutant = mutate(reference, ("if not 1 <= guests <= max_guests:", "if not 1 <= guests:"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() that lets in more guests than the property takes",
        fixture=FIXTURE,
    )


@check("q3", points=1)
def test_catches_rounding_half_to_even(student, reference):
    mutant = mutate(
        reference,
        (
            "return total.quantize(CENT, rounding=ROUND_HALF_UP)",
            "return total.quantize(CENT, rounding=ROUND_HALF_EVEN)",
        ),
        (
            "from decimal import ROUND_HALF_UP,",
            "from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP,",
        ),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a stay_price() that rounds half-cents differently",
        fixture=FIXTURE,
    )


@check("q3", points=1)
def test_passes_a_rewritten_stay_price(student, reference):
    variant = mutate(
        reference,
        (
            "    if count >= 28:\n        subtotal *= 1 - MONTHLY_DISCOUNT\n"
            "    elif count >= 7:\n        subtotal *= 1 - WEEKLY_DISCOUNT\n",
            "    tiers = ((28, MONTHLY_DISCOUNT), (7, WEEKLY_DISCOUNT), (0, 0))\n"
            "    discount = next(d for n, d in tiers if count >= n)\n"
            "    subtotal -= subtotal * discount\n",
        ),
    )
    # 27 nights: still the weekly discount (the public check's mutant moves the 7).
    mutant = mutate(reference, ("if count >= 28:", "if count >= 27:"))
    assert_accepts(
        student, SUITE, MODULE, reference, variant, mutant, fixture=FIXTURE,
        mutant_is="a stay_price() with a boundary of the long-stay discount moved",
    )  # fmt: skip
