"""Question 7, hidden: two redemptions of a voucher's last use at the same moment, from two
sessions; and a voucher with no use left from the start (nothing changes, nothing raised)."""

from prodev.checking import check
from prodev.kits import pgscratch
from prodev.kits.redemptions import redeem, state, statement, vouchers


@check("q7", points=1)
def test_last_use_redeemed_twice_at_once(student):
    text = statement(student)
    with vouchers({"LAST": 1, "OTHER": 3}) as database:
        pgscratch.race(
            database,
            (text, {"code": "LAST", "booking_id": 10}),
            (text, {"code": "LAST", "booking_id": 11}),
        )
        left, recorded = state(database, "LAST")
        assert (left, recorded) == (0, 1), (
            f"two redemptions of a voucher's last use, at the same moment, left {left} uses and "
            f"{recorded} redemptions recorded; exactly one use should be spent, and recorded once"
        )
        assert redeem(database, text, "OTHER", 12) is None
        assert state(database, "OTHER") == (2, 1), "another voucher's uses were changed"


@check("q7", points=1)
def test_a_voucher_with_no_use_left(student):
    text = statement(student)
    with vouchers({"USED": 0}) as database:
        problem = redeem(database, text, "USED", 20)
        assert state(database, "USED") == (0, 0), (
            "a voucher with no use left was redeemed (or its uses went below zero)"
        )
        assert problem is None, (
            "redeeming a voucher with no use left raised an error: it should change nothing and "
            "raise nothing"
        )
