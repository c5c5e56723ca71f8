"""Question 7: one statement that spends a voucher use and records the redemption."""

from prodev.checking import check
from prodev.kits.redemptions import redeem, state, statement, vouchers


@check("q7", points=1)
def test_uses_are_counted_and_never_overspent(student):
    text = statement(student)
    with vouchers({"SPRING": 2}) as database:
        for booking in (1, 2, 3):
            problem = redeem(database, text, "SPRING", booking)
            assert problem is None, f"the statement failed: {problem}"
        left, recorded = state(database, "SPRING")
        assert (left, recorded) == (0, 2), (
            f"three redemptions of a voucher with 2 uses left it with {left} uses and "
            f"{recorded} redemptions recorded; expected 0 uses and 2 redemptions"
        )
