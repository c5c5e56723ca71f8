"""Question 2: `desired_replicas` follows the HorizontalPodAutoscaler's rule on a metric series."""

from prodev.checking import check

# (current replicas, metric, target, what the autoscaler asks for): CPU in millicores per pod
# against a target of 600m, as the example in the question.
SERIES = [
    (2, 600, 600, 2),
    (2, 640, 600, 2),
    (2, 900, 600, 3),
    (3, 1300, 600, 7),
    (7, 400, 600, 5),
    (5, 100, 600, 1),
]


@check("q2", points=1)
def test_follows_the_example_series(student):
    for step, (current, metric, target, expected) in enumerate(SERIES, 1):
        got = student.call("desired_replicas", current, metric, target)
        assert got == expected, (
            f"step {step}: {current} pods at {metric}m against a target of {target}m gave "
            f"{got!r}, expected {expected}"
        )
