"""Hidden checks of question 5: other fleets, loads and seeds."""

from prodev.checking import check
from prodev.kits import manifests

P99_LIMIT = 25.0


def p99(student, backends, load, seed):
    latencies = manifests.simulate_balancer(
        lambda in_flight, sampled: student.call("pick_backend", in_flight, sampled),
        backends,
        arrival_rate=load * backends.capacity,
        requests=800,
        seed=seed,
    )
    return manifests.percentile(latencies, 99)


@check("q5", points=1)
def test_two_slow_backends_of_five(student):
    got = p99(student, manifests.Backends((1.0, 0.3, 1.0, 1.0, 0.5), workers=2), 0.7, 202)
    assert got <= P99_LIMIT, (
        f"with two slow backends of five the p99 latency was {got:.1f} s, above {P99_LIMIT:.0f} s"
    )


@check("q5", points=1)
def test_eight_single_worker_backends_at_high_load(student):
    backends = manifests.Backends((1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.4), workers=1)
    got = p99(student, backends, 0.8, 12)
    assert got <= P99_LIMIT, (
        f"with eight one-worker backends at 80% load the p99 latency was {got:.1f} s, above "
        f"{P99_LIMIT:.0f} s"
    )
