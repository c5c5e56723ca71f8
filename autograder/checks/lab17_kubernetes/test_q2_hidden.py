"""Hidden checks of question 2: other metric series, through the band's edges and down to one."""

import math

from prodev.checking import check

TOLERANCE = 0.1


def autoscaler(current, metric, target):
    """Kubernetes' rule (pkg/controller/podautoscaler): no change inside the tolerance band."""
    ratio = metric / target
    if abs(ratio - 1.0) <= TOLERANCE:
        return current
    return max(1, math.ceil(ratio * current))


def follow(student, target, metrics, start):
    """Feed the series one reading at a time, as the controller's loop does, and name the
    first step where the student's answer differs, by the kind of step it was."""
    current = start
    for metric in metrics:
        expected = autoscaler(current, metric, target)
        got = student.call("desired_replicas", current, metric, target)
        if got != expected:
            ratio = metric / target
            if expected == current:
                why = "the metric was within 10% of its target, where the autoscaler holds still"
            elif expected == 1 and ratio * current < 1:
                why = "the load fell so low that a fraction of one pod would do"
            elif expected > current:
                why = f"the metric was {ratio:.2f}x its target and the autoscaler scales up"
            else:
                why = f"the metric was {ratio:.2f}x its target and the autoscaler scales down"
            raise AssertionError(
                f"desired_replicas gave {got!r} for {current} pods where {why}: check that step"
            )
        current = expected


@check("q2", points=1)
def test_a_day_of_requests_per_second(student):
    # Requests per second per pod against a target of 50: a morning ramp, a dip, the band.
    follow(student, 50, [52, 47, 58, 95, 141, 133, 61, 35, 44, 54, 4.6, 0.4, 70], start=4)


@check("q2", points=1)
def test_a_spike_and_a_slow_decline(student):
    # CPU utilisation in percent against 70: fractions that must round up, never to nearest.
    follow(student, 70, [71.5, 150, 205, 90, 80, 65, 41, 12, 76, 300], start=1)
