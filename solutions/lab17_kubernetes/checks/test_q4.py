"""Question 4: a rolling update that keeps enough pods serving, simulated as the cluster runs it."""

import random

from prodev.checking import check
from prodev.kits import manifests


@check("q4", points=1)
def test_the_example_rollout_stays_up_and_finishes(student):
    replicas, min_available, max_extra = 6, 5, 2
    strategy = student.call("rolling_update", replicas, min_available, max_extra)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "stayhub-api"},
        "spec": {
            "selector": {"matchLabels": {"app": "stayhub"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": strategy},
            "template": {
                "metadata": {"labels": {"app": "stayhub"}},
                "spec": {"containers": [{"name": "api", "image": "stayhub-api:1.4.2"}]},
            },
        },
    }
    problems = manifests.schema_problems(deployment)
    assert not problems, f"as a Deployment's strategy.rollingUpdate: {problems[0]}"
    surge, unavailable = manifests.rolling_update_fenceposts(strategy, replicas)
    rng = random.Random(17)
    run = manifests.simulate_rollout(
        replicas, surge, unavailable, [rng.uniform(5, 30) for _ in range(replicas)]
    )
    assert run.min_available >= min_available, (
        f"only {run.min_available} pods were ready at one point of the rollout, fewer than "
        f"{min_available}"
    )
    assert run.max_pods <= replicas + max_extra, (
        f"the rollout ran {run.max_pods} pods at once, more than {replicas} + {max_extra}"
    )
    assert run.finished_at is not None, "the rollout never finished: no pod could be replaced"
