"""Deployment files: Kubernetes manifests (validated offline against the API schemas), the
JupyterHub Helm values, and the CI workflow (validated against GitHub's workflow schema)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
# A Kubernetes version whose schemas kubernetes-validate bundles (so no network is needed).
KUBERNETES_VERSION = "1.34.0"
GRADER_IMAGE = "prodev-backend-grader"
STUDENT_IMAGE = "prodev-backend-student"


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest in deploy/ (Helm values are not manifests)."""
    return sorted(p for p in DEPLOY.rglob("*.yaml") if p.name != "values.yaml")


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def by_kind_and_name() -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for p in manifest_files() for d in documents(p)}


def container(job: dict) -> dict:
    (only,) = job["spec"]["template"]["spec"]["containers"]
    return only


def env(spec: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in spec.get("env", [])}


def expand(args: list[str], variables: dict[str, str]) -> str:
    """The command line Kubernetes runs: $(VAR) replaced from the container's env."""
    line = " ".join(args)
    for name, value in variables.items():
        line = line.replace(f"$({name})", value)
    return line


def test_the_kubernetes_version_is_bundled():
    bundled = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    major_minor = KUBERNETES_VERSION.rsplit(".", 1)[0]
    assert (bundled / f"v{major_minor}.0-local-strict").is_dir(), (
        f"kubernetes-validate {kubernetes_validate.__version__} has no schemas for "
        f"{KUBERNETES_VERSION}; pick one of {sorted(p.name for p in bundled.iterdir())[-5:]}"
    )


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_manifest_is_valid_kubernetes(path):
    docs = documents(path)
    assert docs, f"{path} holds no resource"
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(
                f"{path.relative_to(ROOT)}: {doc.get('kind')} is invalid: {exc.message}"
                f" at {'.'.join(map(str, exc.path))}"
            )


def test_validation_rejects_a_broken_job():
    job = documents(DEPLOY / "k8s" / "grade-job.yaml")[0]
    job["spec"]["completionMode"] = "Sharded"  # not an allowed value
    job["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFS"] = True  # misspelt field
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)


def test_grade_job_is_indexed_and_runs_the_shard_command():
    job = by_kind_and_name()[("Job", "prodev-grade-lab04")]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    main = container(job)
    variables = env(main)
    assert variables["SHARD_COUNT"] == str(spec["completions"]), (
        "SHARD_COUNT must equal completions, or shards would be skipped or graded twice"
    )
    assert main["image"].split(":")[0] == GRADER_IMAGE
    assert main["image"].split(":")[1] not in ("", "latest")
    line = expand(main["args"], {**variables, "JOB_COMPLETION_INDEX": "2"})
    lab, n = variables["LAB"], spec["completions"]
    assert shlex.split(line) == shlex.split(
        f"grade {lab} --submissions /submissions --out /results/shard-2 --shard 2/{n}"
    )


def test_merge_job_reads_the_shards_the_grade_job_writes():
    jobs = by_kind_and_name()
    merge = container(jobs[("Job", "prodev-merge-lab04")])
    grade = container(jobs[("Job", "prodev-grade-lab04")])
    assert env(merge)["LAB"] == env(grade)["LAB"]
    line = expand(merge["args"], env(merge))
    assert line == f"merge-results {env(merge)['LAB']} --from /results --out /results/merged"
    results_claims = {
        v["persistentVolumeClaim"]["claimName"]
        for c in (jobs[("Job", "prodev-merge-lab04")], jobs[("Job", "prodev-grade-lab04")])
        for v in c["spec"]["template"]["spec"]["volumes"]
        if v["name"] == "results"
    }
    assert len(results_claims) == 1, "both Jobs must mount the same results volume"


@pytest.mark.parametrize("name", ["prodev-grade-lab04", "prodev-merge-lab04"])
def test_jobs_are_locked_down(name):
    job = by_kind_and_name()[("Job", name)]
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 1000
    assert pod["automountServiceAccountToken"] is False
    main = container(job)
    ctx = main["securityContext"]
    assert ctx["readOnlyRootFilesystem"] is True
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(main["resources"]["limits"])
    mounts = {m["mountPath"] for m in main["volumeMounts"]}
    assert {"/results", "/tmp"} <= mounts, "a read-only root needs writable /tmp and /results"


def test_every_claim_a_job_mounts_is_defined():
    resources = by_kind_and_name()
    claims = {name for kind, name in resources if kind == "PersistentVolumeClaim"}
    for (kind, name), doc in resources.items():
        if kind != "Job":
            continue
        for volume in doc["spec"]["template"]["spec"]["volumes"]:
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert claim in claims, f"Job {name} mounts {claim}, which no manifest defines"
    grade = container(resources[("Job", "prodev-grade-lab04")])
    submissions = [m for m in grade["volumeMounts"] if m["mountPath"] == "/submissions"]
    assert submissions and submissions[0]["readOnly"] is True


def test_jupyterhub_values_serve_the_student_image_with_a_shared_exchange():
    values = yaml.safe_load((DEPLOY / "jupyterhub" / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"] == STUDENT_IMAGE
    assert str(single["image"]["tag"]) not in ("", "latest")
    assert "uid" not in single, "each student's uid comes from hub.extraConfig (test_hub.py)"
    assert single["cmd"] == "prodev-singleuser"  # names the uid, then runs jupyterhub-singleuser
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in single["storage"]["extraVolumes"]}
    exchange_mount = mounts["nbgrader-exchange"]
    claim = volumes["nbgrader-exchange"]["persistentVolumeClaim"]["claimName"]
    pvc = documents(DEPLOY / "jupyterhub" / "exchange-pvc.yaml")[0]
    assert pvc["metadata"]["name"] == claim
    assert "ReadWriteMany" in pvc["spec"]["accessModes"], "every user pod mounts the exchange"
    nbgrader_config = single["extraFiles"]["nbgrader-config"]["stringData"]
    assert f'c.Exchange.root = "{exchange_mount}"' in nbgrader_config
    assert single["extraEnv"]["PRODEV_HOME"].startswith(single["storage"]["homeMountPath"])


def test_image_names_match_the_dockerfile_targets():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"--target student -t {STUDENT_IMAGE}" in dockerfile
    assert f"--target grader  -t {GRADER_IMAGE}" in dockerfile


def _check_workflow(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_workflow_matches_githubs_schema():
    result = _check_workflow(ROOT / ".github" / "workflows" / "ci.yml")
    assert result.returncode == 0, (
        f"ci.yml is not a valid workflow:\n{result.stdout}{result.stderr}"
    )


def test_workflow_schema_rejects_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  test:\n    runs-on: 3\n    stepz: []\n")
    result = _check_workflow(bad)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "jobs.test" in result.stdout


def test_ci_workflow_runs_make_test_with_the_system_packages():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert "3.11" in job["container"]["image"] or any(
        u.startswith("actions/setup-python@") for u in uses
    )
    assert "bubblewrap" in runs and "chromium" in runs
    assert "make test" in runs


def test_ci_workflow_builds_and_tests_the_images():
    job = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]["images"]
    python = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and python[0]["with"]["python-version"] == "3.11"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "-r requirements.lock" in runs and "pytest tests/docker" in runs


@pytest.mark.parametrize("name", ["prodev-grade-lab04", "prodev-merge-lab04"])
def test_jobs_work_on_a_writable_copy_of_the_course(name):
    """The root file system is read-only, and grading writes the gradebook into the course."""
    pod = by_kind_and_name()[("Job", name)]["spec"]["template"]["spec"]
    home = env(pod["containers"][0])["PRODEV_HOME"]
    mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts[home]], f"PRODEV_HOME={home} is not a writable volume"
    (init,) = pod["initContainers"]
    assert init["image"] == pod["containers"][0]["image"]
    assert init["command"] == ["cp", "-a", "/srv/prodev/.", f"{home}/"]
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    assert {m["mountPath"] for m in init["volumeMounts"]} == {home}
