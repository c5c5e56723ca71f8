"""Hidden checks of question 3: other loads and databases, small and large."""

import math

from prodev.checking import check


def replicas(rate, latency_ms, workers, utilisation):
    in_flight = rate * latency_ms / 1000  # Little's law: L = lambda * W
    return max(1, math.ceil(in_flight / (workers * utilisation)))


def pools(max_connections, reserved, replicas, surge):
    return (max_connections - reserved) // (replicas + surge)


@check("q3", points=1)
def test_replicas_for_other_loads(student):
    loads = [
        ((800, 45, 8, 0.7), "a fast endpoint under heavy traffic"),
        ((35, 1200, 2, 0.8), "a slow report endpoint"),
        ((2500, 18, 16, 0.65), "many short requests on big pods"),
        ((3, 80, 4, 0.75), "a quiet service"),
        ((0, 100, 4, 0.5), "a service with no traffic at all"),
    ]
    for args, what in loads:
        got = student.call("replicas_for", *args)
        assert got == replicas(*args), (
            f"replicas_for gave {got!r} pods for {what}: does a fraction of a pod become a whole "
            "pod, and does a service always keep one?"
        )


@check("q3", points=1)
def test_pool_size_for_other_databases(student):
    databases = [
        ((500, 20, 12, 3), "a large database during a rolling update"),
        ((200, 0, 7, 0), "a rollout that adds no extra pod"),
        ((100, 3, 40, 10), "many pods sharing a small database"),
        ((50, 5, 30, 20), "more pods than connections"),
    ]
    for args, what in databases:
        got = student.call("pool_size", *args)
        assert got == pools(*args), (
            f"pool_size gave {got!r} for {what}: would every pod, surge pods included, fit "
            "within max_connections after the reserved ones?"
        )
