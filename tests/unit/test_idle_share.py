"""prodev.probes.practice.idle_share: how much of a concurrency limit a client left unused."""

from dataclasses import dataclass

from prodev.probes.practice import idle_share


@dataclass
class Record:
    started: float
    ended: float


def test_slots_refilled_at_once_leave_nothing_idle():
    # Two slots; each request is replaced the moment it is answered.
    records = [Record(0, 1), Record(0, 3), Record(1, 2), Record(2, 4), Record(3, 4)]
    assert idle_share(records, 2) == 0.0


def test_batches_leave_slots_idle_while_the_slow_one_is_out():
    # Batches of two: the fast request of each batch ends at 1, its slot waits until 3.
    records = [Record(0, 1), Record(0, 3), Record(3, 4), Record(3, 6), Record(6, 7)]
    # From 0 to 6 (the last start): one slot empty from 1 to 3 and from 4 to 6.
    assert idle_share(records, 2) == (2 + 2) / (2 * 6)


def test_one_slot_short_of_the_limit_is_a_third_idle():
    records = [Record(i, i + 1) for i in range(4)] + [Record(i, i + 1) for i in range(4)]
    assert abs(idle_share(records, 3) - 1 / 3) < 1e-9
