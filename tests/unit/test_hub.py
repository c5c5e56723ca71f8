"""The class hub (deploy/jupyterhub/), checked offline: the user pods that the Helm values give a
student and an instructor, rendered for the fields that keep students apart (user, uid, groups,
volumes, image, profile), validated as Kubernetes Pods, and the files that must agree with them
(the exchange's layout Job, the Dockerfile, nbgrader's configuration).

The renderer follows the chart (Zero to JupyterHub 4.x): singleuser.* becomes KubeSpawner
settings, then hub.extraConfig runs with those settings as `c`, then the profile that
KubeSpawner picks applies its kubespawner_override, then callables are called with the spawner.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import kubernetes_validate
import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "deploy" / "jupyterhub"
BIN = Path(sys.executable).parent
KUBERNETES_VERSION = "1.34.0"
EXCHANGE = "/srv/nbgrader/exchange"
STUDENT_IMAGE = "prodev-backend-student"
INSTRUCTOR_IMAGE = "prodev-backend-instructor"
CHART_DEFAULT_UID = 1000  # what the chart gives when singleuser.uid is not set


def values() -> dict:
    return yaml.safe_load((HUB / "values.yaml").read_text())


def layout_job() -> dict:
    return yaml.safe_load((HUB / "exchange-init-job.yaml").read_text())


def hub_settings() -> dict:
    """KubeSpawner's settings after the chart and hub.extraConfig."""
    single = values()["singleuser"]
    files = single.get("extraFiles", {})
    c = Config()
    spawner = c.KubeSpawner
    spawner.image = f"{single['image']['name']}:{single['image']['tag']}"
    spawner.uid = single.get("uid", CHART_DEFAULT_UID)
    spawner.fs_gid = single.get("fsGid", 100)
    spawner.cmd = single["cmd"]
    spawner.allow_privilege_escalation = single.get("allowPrivilegeEscalation", False)
    spawner.environment = dict(single.get("extraEnv", {}))
    spawner.volumes = [
        {"name": "home", "persistentVolumeClaim": {"claimName": "claim-{username}"}},
        *single["storage"]["extraVolumes"],
        *([{"name": "files", "secret": {"secretName": "singleuser"}}] if files else []),
    ]
    spawner.volume_mounts = [
        {"name": "home", "mountPath": single["storage"]["homeMountPath"]},
        *single["storage"]["extraVolumeMounts"],
        *(
            {"name": "files", "mountPath": file["mountPath"], "subPath": key}
            for key, file in files.items()
        ),
    ]
    spawner.cpu_limit = single["cpu"]["limit"]
    spawner.mem_limit = single["memory"]["limit"]
    for _, snippet in sorted(values()["hub"]["extraConfig"].items()):
        exec(snippet, {"c": c})  # the hub's own configuration code, as the hub runs it
    return dict(c.KubeSpawner)


def user(name: str, user_id: int, admin: bool = False, groups: tuple[str, ...] = ()):
    groups_ = [SimpleNamespace(name=g) for g in groups]
    return SimpleNamespace(name=name, id=user_id, admin=admin, groups=groups_)


def profiles_for(person) -> list[dict]:
    profile_list = hub_settings().get("profile_list", [])
    spawner = SimpleNamespace(user=person)
    return profile_list(spawner) if callable(profile_list) else profile_list


def render_pod(person) -> dict:
    """The user pod KubeSpawner would create for `person`, in the fields that matter here."""
    settings = hub_settings()
    spawner = SimpleNamespace(user=person)
    profiles = profiles_for(person)
    if profiles:  # KubeSpawner starts the default profile, or the only one, without asking
        chosen = next((p for p in profiles if p.get("default")), profiles[0])
        settings |= chosen.get("kubespawner_override", {})
    hooks = {"pre_spawn_hook", "profile_list"}  # called by the hub, not settings of the pod
    resolved = {k: v(spawner) if callable(v) else v for k, v in settings.items() if k not in hooks}
    container_context = {
        "runAsUser": resolved["uid"],
        "allowPrivilegeEscalation": resolved["allow_privilege_escalation"],
    }
    if resolved.get("gid") is not None:
        container_context["runAsGroup"] = resolved["gid"]
    container_context |= resolved.get("container_security_context", {})
    cmd = resolved["cmd"]
    env = {**resolved["environment"], "JUPYTERHUB_USER": person.name}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"jupyter-{person.name}"},
        "spec": {
            "securityContext": {"fsGroup": resolved["fs_gid"]},
            "containers": [
                {
                    "name": "notebook",
                    "image": resolved["image"],
                    "command": [cmd] if isinstance(cmd, str) else list(cmd),
                    "env": [{"name": k, "value": str(v)} for k, v in env.items()],
                    "securityContext": container_context,
                    "resources": {
                        "limits": {
                            "cpu": str(resolved["cpu_limit"]),
                            "memory": str(resolved["mem_limit"]),
                        }
                    },
                    "volumeMounts": resolved["volume_mounts"],
                }
            ],
            "volumes": [
                {**v, "persistentVolumeClaim": {"claimName": f"claim-{person.name}"}}
                if v["name"] == "home"
                else v
                for v in resolved["volumes"]
            ],
        },
    }


def notebook(pod: dict) -> dict:
    return pod["spec"]["containers"][0]


def env_of(pod: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in notebook(pod)["env"]}


def mounts_of(pod: dict) -> dict[str, dict]:
    return {m["mountPath"]: m for m in notebook(pod)["volumeMounts"]}


ALICE = user("alice", 3)
BOB = user("bob", 4, groups=("students",))
TEACHER = user("teacher", 5, groups=("instructors",))
ADMIN = user("instructor", 1, admin=True)


def staff_ids() -> tuple[int, int]:
    (layout,) = layout_job()["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in layout["env"]}
    return int(env["STAFF_UID"]), int(env["STAFF_GID"])


def test_each_student_runs_under_a_uid_of_their_own():
    pods = [render_pod(p) for p in (ALICE, BOB)]
    uids = [notebook(p)["securityContext"]["runAsUser"] for p in pods]
    assert len(set(uids)) == 2, f"two students share uid {uids[0]}: each opens the other's files"
    staff_uid, staff_gid = staff_ids()
    for pod, uid in zip(pods, uids, strict=True):
        assert uid >= 10000 and uid not in (0, CHART_DEFAULT_UID, staff_uid)
        context = notebook(pod)["securityContext"]
        assert context["runAsGroup"] == 100 and pod["spec"]["securityContext"]["fsGroup"] == 100
        assert staff_gid not in (context["runAsGroup"], pod["spec"]["securityContext"]["fsGroup"])
        assert "supplementalGroups" not in pod["spec"]["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert "seccompProfile" not in context, "students keep the runtime's seccomp profile"


def test_a_students_uid_follows_their_hub_id_not_their_name():
    """A hub user's id never changes (a renamed user keeps their files); another id, another uid."""
    again = render_pod(user("alice", 3))
    renamed = render_pod(user("alice2", 3))
    other = render_pod(user("alice", 9))
    uid = [notebook(p)["securityContext"]["runAsUser"] for p in (again, renamed, other)]
    assert uid[0] == uid[1] != uid[2]


def test_student_pod_serves_the_student_image_with_the_exchange_and_a_home():
    pod = render_pod(ALICE)
    single = values()["singleuser"]
    assert notebook(pod)["image"].split(":")[0] == STUDENT_IMAGE
    assert notebook(pod)["command"] == ["prodev-singleuser"]
    mounts = mounts_of(pod)
    assert EXCHANGE in mounts and single["storage"]["homeMountPath"] in mounts
    assert not mounts[EXCHANGE].get("readOnly"), "students write their submissions there"
    env = env_of(pod)
    assert env["HOME"] == single["storage"]["homeMountPath"], "a nameless uid's HOME would be /"
    assert env["PRODEV_HOME"].startswith(env["HOME"] + "/")
    assert "PRODEV_ROLE" not in env


@pytest.mark.parametrize("person", [ALICE, BOB], ids=["no-group", "students-group"])
def test_students_are_offered_no_instructor_profile(person):
    assert profiles_for(person) == []


@pytest.mark.parametrize("person", [TEACHER, ADMIN], ids=["instructors-group", "admin"])
def test_staff_get_the_instructor_pod(person):
    pod = render_pod(person)
    staff_uid, staff_gid = staff_ids()
    context = notebook(pod)["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"]) == (staff_uid, staff_gid)
    assert pod["spec"]["securityContext"]["fsGroup"] == staff_gid
    assert notebook(pod)["image"].split(":")[0] == INSTRUCTOR_IMAGE
    assert context["seccompProfile"] == {"type": "Unconfined"}, "bubblewrap needs user namespaces"
    assert context["allowPrivilegeEscalation"] is False
    env = env_of(pod)
    assert env["PRODEV_ROLE"] == "instructor"
    assert env["PRODEV_HOME"].startswith(env["HOME"] + "/")
    assert EXCHANGE in mounts_of(pod)


@pytest.mark.parametrize("person", [ALICE, TEACHER], ids=["student", "instructor"])
def test_rendered_pod_is_valid_kubernetes(person):
    pod = render_pod(person)
    try:
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{exc.message} at {'.'.join(map(str, exc.path))}")


def test_the_layout_job_matches_the_hub():
    job = layout_job()
    (layout,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in layout["env"]}
    assert env["EXCHANGE"] == EXCHANGE
    assert {m["mountPath"] for m in layout["volumeMounts"]} == {EXCHANGE}
    (volume,) = job["spec"]["template"]["spec"]["volumes"]
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in values()["singleuser"]["storage"]["extraVolumes"]
    }
    assert volume["persistentVolumeClaim"]["claimName"] in claims
    config = values()["singleuser"]["extraFiles"]["nbgrader-config"]["stringData"]
    assert f'c.CourseDirectory.course_id = "{env["COURSE"]}"' in config
    assert f'c.Exchange.root = "{EXCHANGE}"' in config
    context = layout["securityContext"]
    assert context["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN", "FOWNER"]}
    assert context["readOnlyRootFilesystem"] is True


def nbgrader_settings(environ: dict[str, str], monkeypatch) -> Config:
    text = values()["singleuser"]["extraFiles"]["nbgrader-config"]["stringData"]
    for name in ("JUPYTERHUB_USER", "PRODEV_ROLE", "PRODEV_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    c = Config()
    exec(text, {"get_config": lambda: c})
    return c


def test_students_submit_as_their_hub_user_through_the_private_submit(monkeypatch):
    from nbgrader.exchange.default.submit import ExchangeSubmit
    from traitlets.utils.importstring import import_item

    c = nbgrader_settings({"JUPYTERHUB_USER": "alice"}, monkeypatch)
    assert c.CourseDirectory.student_id == "alice"
    assert issubclass(import_item(c.ExchangeFactory.submit), ExchangeSubmit)
    with pytest.raises(KeyError):
        nbgrader_settings({}, monkeypatch)  # outside a hub: loudly, not as an unnamed student


def test_instructors_collect_everyone_by_author(monkeypatch):
    from nbgrader.exchange.default.collect import ExchangeCollect
    from traitlets.utils.importstring import import_item

    c = nbgrader_settings(
        {"JUPYTERHUB_USER": "teacher", "PRODEV_ROLE": "instructor", "PRODEV_HOME": "/x/course"},
        monkeypatch,
    )
    assert "student_id" not in c.CourseDirectory, "collect would take only that student's work"
    assert c.CourseDirectory.root == "/x/course"
    assert "submit" not in c.ExchangeFactory
    assert issubclass(import_item(c.ExchangeFactory.collect), ExchangeCollect)


def test_the_hub_writes_the_roster_where_staff_collect_reads_it():
    hub = values()["hub"]
    mounts = {m["name"]: m["mountPath"] for m in hub["extraVolumeMounts"]}
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in hub["extraVolumes"]}
    single = values()["singleuser"]["storage"]
    assert (
        claims["nbgrader-exchange"]
        == single["extraVolumes"][0]["persistentVolumeClaim"]["claimName"]
    )
    assert mounts["nbgrader-exchange"] == EXCHANGE
    assert staff_ids()[1] in hub["podSecurityContext"]["supplementalGroups"]
    (snippet,) = hub["extraConfig"].values()
    (layout,) = layout_job()["spec"]["template"]["spec"]["containers"]
    course = {e["name"]: e["value"] for e in layout["env"]}["COURSE"]
    assert f'ROSTER = "{EXCHANGE}/{course}/roster"' in snippet
    assert '"$course/roster"' in layout["args"][0]
    assert callable(hub_settings()["pre_spawn_hook"])


def test_the_dockerfile_installs_the_start_script_and_the_staff_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    script = HUB / "prodev-singleuser"
    assert f"deploy/jupyterhub/{script.name} /usr/local/bin/{values()['singleuser']['cmd']}" in (
        dockerfile
    )
    assert script.stat().st_mode & 0o111
    assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode == 0
    assert 'exec jupyterhub-singleuser "$@"' in script.read_text()
    instructor = dockerfile[dockerfile.index("AS instructor") :]
    staff_uid, staff_gid = staff_ids()
    assert f"ARG STAFF_UID={staff_uid}" in instructor and f"ARG STAFF_GID={staff_gid}" in instructor
    assert re.search(rf"^USER {staff_uid}$", instructor, re.M)
    assert f"--target instructor -t {INSTRUCTOR_IMAGE}" in dockerfile


def test_hub_files_pass_yamllint():
    rules = "{extends: default, rules: {line-length: {max: 100}, document-start: disable}}"
    files = [str(HUB / "values.yaml"), str(HUB / "exchange-init-job.yaml")]
    result = subprocess.run(
        [str(BIN / "yamllint"), "-f", "parsable", "-d", rules, *files],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def checked_collect(root: Path | None = None):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    from prodev.course.exchange import CheckedCollect

    collect = CheckedCollect(coursedir=CourseDirectory(), authenticator=Authenticator())
    collect.coursedir.course_id = "prodev-backend"
    if root is not None:
        collect.root = str(root)
    return collect


def test_collect_chooses_as_nbgrader_does():
    from nbgrader.utils import parse_utc

    collect = checked_collect()
    times = {"early": "2026-01-01 10:00 UTC", "late": "2026-01-03 10:00 UTC"}
    records = [
        {"username": "a", "filename": name, "timestamp": parse_utc(time)}
        for name, time in times.items()
    ]
    collect.duedate = parse_utc("2026-01-02 12:00 UTC")
    assert collect._choose(records)["filename"] == "late"
    collect.before_duedate = True
    assert collect._choose(records)["filename"] == "early"
    collect.duedate = parse_utc("2025-01-01 00:00 UTC")  # nothing on time: the latest
    assert collect._choose(records)["filename"] == "late"


def test_collect_names_authors_from_the_roster_only(tmp_path):
    roster = tmp_path / "prodev-backend" / "roster"
    roster.mkdir(parents=True)
    (roster / "10003").write_text("alice\n")
    (roster / "10004").write_text("")
    collect = checked_collect(tmp_path)
    assert collect._roster_name(10003) == "alice"
    assert collect._roster_name(10004) is None
    assert collect._roster_name(10005) is None


def test_only_folders_and_regular_files_are_plain(tmp_path):
    import os

    from prodev.course.exchange import _not_plain

    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "q1.py").write_text("")
    assert list(_not_plain(str(tmp_path))) == []
    (tmp_path / "checks" / "link").symlink_to("/etc/hostname")
    os.mkfifo(tmp_path / "pipe")
    assert sorted(_not_plain(str(tmp_path))) == [
        str(tmp_path / "checks" / "link"),
        str(tmp_path / "pipe"),
    ]
