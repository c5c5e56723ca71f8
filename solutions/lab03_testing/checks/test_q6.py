"""Question 6: TestPropertiesOfStayPrice catches a visible mutant of stay_price() that only long
stays show."""

from prodev.checking import check
from prodev.probes.mutants import assert_catches, mutate


@check("q6", points=1)
def test_catches_a_long_stay_discount_that_grows_every_28_nights(student, reference):
    # 28 to 55 nights are priced right; 140 nights cost nothing, 168 and more less than nothing.
    mutant = mutate(
        reference,
        (
            "subtotal *= 1 - MONTHLY_DISCOUNT\n",
            "subtotal *= 1 - MONTHLY_DISCOUNT * (count // 28)\n",
        ),
    )
    assert_catches(
        student,
        "TestPropertiesOfStayPrice",
        "stayhub_pricing",
        reference,
        mutant,
        "a stay_price() that takes 20% more off for every 28 nights, so stays of five months "
        "and more cost nothing or less",
        fixture="pricing",
        details=True,
    )
