"""Hidden checks of question 1: resources, the disruption budget and the security context.

Messages name the Deployment by its role and say what was wrong (`Problem.what`): the objects'
own names and fields are the student's text, which a hidden check's message leaves out."""

from prodev.checking import check
from prodev.kits import manifests


def deployments(student):
    docs = manifests.load_documents(student.value("stayhub_manifests"))
    return docs, {
        "API": manifests.require(docs, "Deployment", "stayhub-api"),
        "worker": manifests.require(docs, "Deployment", "stayhub-worker"),
    }


@check("q1", points=1)
def test_every_container_requests_and_limits_resources(student):
    _, workloads = deployments(student)
    for role, workload in workloads.items():
        problems = manifests.resource_problems(workload)
        assert not problems, f"a container of the {role} Deployment {problems[0].what}"


@check("q1", points=1)
def test_budget_lets_a_drain_proceed_and_keeps_the_api_up(student):
    docs, workloads = deployments(student)
    pdb = manifests.require(docs, "PodDisruptionBudget", "stayhub-api")
    api = workloads["API"]
    # The budget must hold as deployed, and when the autoscaler runs the API on 2 or 10 pods.
    for replicas in (api["spec"].get("replicas", 1), 2, 10):
        scaled = {**api, "spec": {**api["spec"], "replicas": replicas}}
        problems = manifests.pdb_problems(pdb, scaled)
        assert not problems, f"the disruption budget {problems[0].what}"


@check("q1", points=1)
def test_containers_run_unprivileged(student):
    _, workloads = deployments(student)
    for role, workload in workloads.items():
        problems = manifests.security_problems(workload)
        assert not problems, f"a container of the {role} Deployment {problems[0].what}"
