"""Hidden checks of question 4: other fleets and budgets, and no slower than they allow."""

import random

from prodev.checking import check
from prodev.kits import manifests

# (replicas, min_available, max_extra): no spare pod, no room to surge, percentages that round.
CASES = [(4, 4, 1), (5, 3, 0), (10, 7, 3), (3, 2, 1), (20, 15, 5), (6, 5, 1), (12, 12, 2)]


def delays(case):
    rng = random.Random(repr(case))
    return [rng.uniform(3, 40) for _ in range(case[0])]


def simulate(student, case):
    replicas, _, _ = case
    strategy = student.call("rolling_update", *case)
    surge, unavailable = manifests.rolling_update_fenceposts(strategy, replicas)
    return manifests.simulate_rollout(replicas, surge, unavailable, delays(case))


@check("q4", points=2)
def test_other_rollouts_stay_up_within_budget_and_finish(student):
    for case in CASES:
        replicas, min_available, max_extra = case
        run = simulate(student, case)
        what = f"for {replicas} replicas, at least {min_available} ready, {max_extra} extra"
        assert run.min_available >= min_available, (
            f"{what}: fewer pods than that were ready at one point of the rollout"
        )
        assert run.max_pods <= replicas + max_extra, f"{what}: the rollout ran too many pods"
        assert run.finished_at is not None, f"{what}: the rollout never finished"


@check("q4", points=1)
def test_rollouts_are_as_quick_as_the_budget_allows(student):
    for case in CASES:
        replicas, min_available, max_extra = case
        run = simulate(student, case)
        fastest = manifests.simulate_rollout(
            replicas, max_extra, replicas - min_available, delays(case)
        )
        assert run.finished_at is not None and run.finished_at <= fastest.finished_at, (
            f"for {replicas} replicas, at least {min_available} ready, {max_extra} extra: the "
            "rollout was slower than the budget allows (it replaced fewer pods at a time)"
        )
