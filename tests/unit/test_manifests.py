"""prodev.kits.manifests: schema validation, the semantic review, and the two simulations."""

from __future__ import annotations

import copy
import random
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from prodev.kits import manifests

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: web:1.0
          ports: [{name: http, containerPort: 8000}]
          readinessProbe: {httpGet: {path: /api/health/, port: http}}
          livenessProbe: {httpGet: {path: /api/health/, port: 8000}}
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: "1", memory: 0.5Gi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 50%
  selector: {matchLabels: {app: web}}
"""


@pytest.fixture
def docs():
    return manifests.load_documents(GOOD)


def test_a_sound_set_of_manifests_has_no_problem(docs):
    web = manifests.require(docs, "Deployment", "web")
    service = manifests.require(docs, "Service", "web")
    pdb = manifests.require(docs, "PodDisruptionBudget", "web")
    assert [p for d in docs for p in manifests.schema_problems(d)] == []
    assert manifests.selector_problems(web) == []
    assert manifests.service_problems(service, [web]) == []
    assert manifests.probe_problems(web, manifests.STAYHUB_API_PATHS) == []
    assert manifests.resource_problems(web) == []
    assert manifests.pdb_problems(pdb, web) == []
    assert manifests.security_problems(web) == []


def test_unparsable_blank_and_unanswered_text_is_refused_with_a_reason():
    for text, reason in [
        ("kind: [", "does not parse near line"),
        ("", "non-empty string"),
        ("- a\n- b\n", "not a mapping"),
        ('"raise NotImplementedError()"', "not answered yet"),
    ]:
        with pytest.raises(manifests.ManifestError, match=reason):
            manifests.load_documents(text)
    with pytest.raises(manifests.ManifestError, match="no Service named 'api'"):
        manifests.require([], "Service", "api")


def test_the_schema_refuses_unknown_fields_wrong_types_and_unknown_kinds(docs):
    web = copy.deepcopy(manifests.require(docs, "Deployment", "web"))
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["period"] = 5
    (problem,) = manifests.schema_problems(web)
    assert "readinessProbe.httpGet" in problem and "period" in problem
    web = copy.deepcopy(manifests.require(docs, "Deployment", "web"))
    web["spec"]["replicas"] = "three"
    assert manifests.schema_problems(web)
    bogus = {"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {"name": "x"}}
    (problem,) = manifests.schema_problems(bogus)
    assert "no kind 'Deploymnet'" in problem


def test_selectors_match_labels_expressions_and_never_when_empty():
    labels = {"app": "web", "tier": "front"}
    assert manifests.selects({"app": "web"}, labels)
    assert not manifests.selects({"app": "worker"}, labels)
    assert manifests.selects(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}, labels
    )
    assert not manifests.selects(
        {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, labels
    )
    assert not manifests.selects({}, labels) and not manifests.selects(None, labels)


def test_a_service_must_select_pods_and_name_a_declared_port(docs):
    web = manifests.require(docs, "Deployment", "web")
    service = copy.deepcopy(manifests.require(docs, "Service", "web"))
    service["spec"]["ports"][0]["targetPort"] = "web"
    (problem,) = manifests.service_problems(service, [web])
    assert "targetPort 'web'" in problem and problem.what.startswith("targetPort")
    service["spec"]["selector"] = {"app": "api"}
    assert "no Deployment" in manifests.service_problems(service, [web])[0]
    assert manifests.selected_by({"app": "web"}, [web]) == ["web"]


def test_probes_must_exist_and_ask_a_served_path_on_a_declared_port(docs):
    web = copy.deepcopy(manifests.require(docs, "Deployment", "web"))
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"]["httpGet"] = {"path": "/healthz", "port": "admin"}
    del container["readinessProbe"]
    problems = manifests.probe_problems(web, manifests.STAYHUB_API_PATHS)
    assert [p.what for p in problems] == [
        "the livenessProbe asks for /healthz, which the app does not serve",
        "the livenessProbe uses port 'admin', which the container does not declare",
        "has no readinessProbe",
    ]


@pytest.mark.parametrize(
    ("quantity", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", 2),
        (1, 1),
        ("256Mi", 256 * 2**20),
        ("1G", 10**9),
        ("1e3", 1000),
    ],
)
def test_quantities_parse_as_kubernetes_reads_them(quantity, value):
    assert manifests.parse_quantity(quantity) == value


def test_limits_below_requests_and_missing_resources_are_found(docs):
    web = copy.deepcopy(manifests.require(docs, "Deployment", "web"))
    resources = web["spec"]["template"]["spec"]["containers"][0]["resources"]
    resources["limits"]["memory"] = "200Mi"  # 200Mi < 256Mi, though "200" > "256" is false too
    resources["limits"]["cpu"] = "300m"  # 300m > 250m: fine
    assert [p.what for p in manifests.resource_problems(web)] == [
        "the memory limit is below its request"
    ]
    del resources["requests"]
    assert [p.what for p in manifests.resource_problems(web)] == [
        "sets no requests for cpu and memory"
    ]
    with pytest.raises(manifests.ManifestError):
        manifests.parse_quantity("lots")


@pytest.mark.parametrize(
    ("spec", "replicas", "expected"),
    [
        ({"minAvailable": 2}, 3, (1, 2)),
        ({"minAvailable": 2}, 2, (0, 2)),
        ({"minAvailable": "50%"}, 3, (1, 2)),  # 1.5 rounds up to 2
        ({"maxUnavailable": 1}, 10, (1, 9)),
        ({"maxUnavailable": "100%"}, 4, (4, 0)),
        ({}, 3, (3, 0)),
    ],
)
def test_disruption_budgets_resolve_as_the_disruption_controller_does(spec, replicas, expected):
    assert manifests.pdb_disruptions({"spec": spec}, replicas) == expected


def test_budgets_that_block_drains_or_protect_nothing_are_found(docs):
    web = copy.deepcopy(manifests.require(docs, "Deployment", "web"))
    blocking = {
        "metadata": {"name": "b"},
        "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "web"}}},
    }
    assert "allows no eviction" in manifests.pdb_problems(blocking, web)[0]
    loose = {
        "metadata": {"name": "b"},
        "spec": {"maxUnavailable": "100%", "selector": {"matchLabels": {"app": "web"}}},
    }
    assert "every pod" in manifests.pdb_problems(loose, web)[0]
    elsewhere = {
        "metadata": {"name": "b"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "x"}}},
    }
    assert "does not select" in manifests.pdb_problems(elsewhere, web)[0]


def test_security_context_is_read_from_container_then_pod(docs):
    web = copy.deepcopy(manifests.require(docs, "Deployment", "web"))
    assert manifests.security_problems(web) == []
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"] = {"runAsNonRoot": False}
    assert [p.what for p in manifests.security_problems(web)] == [
        "may run as root",
        "may gain privileges",
        "can write to its root file system",
        "keeps the runtime's default Linux capabilities",
    ]


def test_the_course_grading_job_passes_the_review():
    """The lesson's worked example: deploy/k8s/grade-job.yaml (a Job; the rules for pods apply)."""
    (job,) = manifests.load_documents((ROOT / "deploy" / "k8s" / "grade-job.yaml").read_text())
    assert manifests.schema_problems(job) == []
    assert manifests.resource_problems(job) == []
    assert manifests.security_problems(job) == []


@pytest.mark.parametrize(
    ("strategy", "replicas", "expected"),
    [
        ({"maxSurge": "25%", "maxUnavailable": "25%"}, 10, (3, 2)),  # surge up, unavailable down
        ({}, 4, (1, 1)),  # Kubernetes' defaults
        ({"maxSurge": 0, "maxUnavailable": "10%"}, 30, (0, 3)),
        ({"maxSurge": 2, "maxUnavailable": 0}, 5, (2, 0)),
    ],
)
def test_rolling_update_fenceposts_round_as_kubernetes(strategy, replicas, expected):
    assert manifests.rolling_update_fenceposts(strategy, replicas) == expected


@pytest.mark.parametrize(
    "strategy",
    [
        {"maxSurge": 0, "maxUnavailable": 0},
        {"maxSurge": "2"},
        {"maxSurge": -1},
        {"surge": 1},
        [1, 1],
        {"maxSurge": True},
    ],
)
def test_rolling_updates_the_api_would_refuse_are_refused(strategy):
    with pytest.raises(manifests.ManifestError):
        manifests.rolling_update_fenceposts(strategy, 4)


def test_a_rollout_keeps_its_floor_and_ceiling_and_more_room_is_quicker():
    rng = random.Random(3)
    delays = [rng.uniform(5, 30) for _ in range(10)]
    runs = {
        (surge, unavailable): manifests.simulate_rollout(10, surge, unavailable, delays)
        for surge, unavailable in [(1, 0), (0, 1), (3, 0), (0, 3), (3, 2)]
    }
    for (surge, unavailable), run in runs.items():
        assert run.finished_at is not None
        assert run.min_available == 10 - unavailable
        assert run.max_pods == 10 + surge
        assert all(
            ready >= 10 - unavailable and total <= 10 + surge for _, ready, total in run.timeline
        )
    assert runs[(3, 2)].finished_at < runs[(3, 0)].finished_at < runs[(1, 0)].finished_at
    assert runs[(0, 3)].finished_at < runs[(0, 1)].finished_at


def test_a_rollout_with_no_room_to_move_is_stuck():
    run = manifests.simulate_rollout(3, 0, 0, [1.0, 1.0, 1.0])
    assert run.finished_at is None and run.min_available == 3


def test_the_balancer_is_repeatable_and_load_aware_policies_beat_blind_ones():
    backends = manifests.Backends((1.0, 1.0, 0.3), workers=2)

    def least(in_flight, sampled):
        return min(range(len(in_flight)), key=in_flight.__getitem__)

    def blind(in_flight, sampled):
        return sampled[0]

    def run(policy):
        return manifests.simulate_balancer(
            policy, backends, arrival_rate=0.7 * backends.capacity, requests=800, seed=5
        )

    assert run(least) == run(least)
    assert len(run(least)) == 800 and min(run(least)) > 0
    assert manifests.percentile(run(least), 99) * 5 < manifests.percentile(run(blind), 99)


def test_a_policy_that_answers_no_backend_is_named():
    backends = manifests.Backends((1.0, 1.0))
    for answer in (2, -1, "0", True, None):
        with pytest.raises(manifests.PolicyError, match="request 1 "):
            manifests.simulate_balancer(
                lambda f, s, a=answer: a, backends, arrival_rate=1, requests=5, seed=1
            )


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert manifests.percentile(values, 99) == 99
    assert manifests.percentile(values, 100) == 100
    assert manifests.percentile([7.0], 50) == 7.0


def test_the_lab_reference_manifest_round_trips_through_yaml(docs):
    assert manifests.load_documents(yaml.safe_dump_all(docs)) == docs


def test_a_missing_validator_is_named_with_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "kubernetes_validate", None)
    with pytest.raises(manifests.ManifestError, match="make setup"):
        manifests.schema_problems({"apiVersion": "v1", "kind": "Service", "metadata": {}})
