"""Question 1: the StayHub API and worker manifests pass the API server's schema and a review."""

from prodev.checking import check
from prodev.kits import manifests


def documents(student):
    return manifests.load_documents(student.value("stayhub_manifests"))


@check("q1", points=1)
def test_every_object_is_valid_kubernetes(student):
    docs = documents(student)
    problems = [p for doc in docs for p in manifests.schema_problems(doc)]
    assert not problems, (
        f"the Kubernetes {manifests.KUBERNETES_VERSION} API would refuse this: {problems[0]}"
    )


@check("q1", points=1)
def test_deployments_select_their_own_pods(student):
    docs = documents(student)
    for name in ("stayhub-api", "stayhub-worker"):
        deployment = manifests.require(docs, "Deployment", name)
        problems = manifests.selector_problems(deployment)
        assert not problems, problems[0]
    api = manifests.require(docs, "Deployment", "stayhub-api")
    worker = manifests.require(docs, "Deployment", "stayhub-worker")
    assert not manifests.selects(api["spec"]["selector"], manifests.template_labels(worker)), (
        "the API Deployment's selector also selects the worker's pods: it would adopt them"
    )


@check("q1", points=1)
def test_service_routes_to_the_api_port(student):
    docs = documents(student)
    service = manifests.require(docs, "Service", "stayhub-api")
    workloads = [
        manifests.require(docs, "Deployment", "stayhub-api"),
        manifests.require(docs, "Deployment", "stayhub-worker"),
    ]
    chosen = manifests.selected_by(service.get("spec", {}).get("selector"), workloads)
    assert chosen == ["stayhub-api"], (
        f"the Service selects the pods of {chosen or 'no Deployment'}: it should send traffic "
        "to the API's pods only"
    )
    problems = manifests.service_problems(service, workloads[:1])
    assert not problems, problems[0]
    ports = [p.get("port") for p in service["spec"].get("ports", [])]
    assert 80 in ports, f"the Service listens on {ports}, not on port 80"


@check("q1", points=1)
def test_api_probes_ask_the_health_path(student):
    docs = documents(student)
    api = manifests.require(docs, "Deployment", "stayhub-api")
    problems = manifests.probe_problems(api, manifests.STAYHUB_API_PATHS)
    assert not problems, problems[0]
    for container in manifests.containers(api):
        for kind in manifests.PROBES:
            http = container[kind].get("httpGet")
            assert http is not None, f"the {kind} should ask the app over HTTP (httpGet)"
            assert http.get("path") == manifests.STAYHUB_API_HEALTH, (
                f"the {kind} asks {http.get('path')}: a probe should hit the app's health "
                "endpoint, which does no real work"
            )
