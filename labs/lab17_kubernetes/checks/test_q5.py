"""Question 5: a load-balancing policy that keeps the p99 latency low in a seeded simulation."""

from prodev.checking import check
from prodev.kits import manifests

# Three backends of full speed and one at 35%, two workers each, kept 75% busy.
BACKENDS = manifests.Backends(speeds=(1.0, 1.0, 1.0, 0.35), workers=2)
P99_LIMIT = 25.0  # seconds, for requests of 1 s of work on average


@check("q5", points=2)
def test_p99_beats_the_limit_on_the_example_backends(student):
    latencies = manifests.simulate_balancer(
        lambda in_flight, sampled: student.call("pick_backend", in_flight, sampled),
        BACKENDS,
        arrival_rate=0.75 * BACKENDS.capacity,
        requests=1000,
        seed=7,
    )
    p99 = manifests.percentile(latencies, 99)
    assert p99 <= P99_LIMIT, (
        f"the p99 latency was {p99:.1f} s, above {P99_LIMIT:.0f} s: requests queued behind the "
        "slow backend while others had room"
    )
