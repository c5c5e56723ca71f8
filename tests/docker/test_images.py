"""The images themselves, built and run where a Docker engine answers.

Builds the Dockerfile targets and checks what a student and an instructor rely on: the container
starts and becomes healthy, runs as uid 1000, the student image holds no solutions or hidden
checks, the grader image grades a lab as the Kubernetes Job runs it (read-only root, bubblewrap
inside), and `prodev grade --sandbox docker` grades in containers of the student image. For the
hub: the student image names a uid it does not know, and the instructor image runs as the
exchange's staff with the whole course. Without an engine every test here is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUDENT_TAG = "prodev-backend-student:test"
GRADER_TAG = "prodev-backend-grader:test"
INSTRUCTOR_TAG = "prodev-backend-instructor:test"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine():
    """A Docker client whose engine answers, or a skip that says why there is none."""
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except Exception as exc:  # no socket, no permission, daemon down: all mean "no engine"
        pytest.skip(f"no Docker engine: {type(exc).__name__}: {str(exc)[:200]}")
    yield client
    client.close()


def _build(client, target: str, tag: str) -> str:
    image, _logs = client.images.build(path=str(ROOT), target=target, tag=tag, rm=True)
    return image.id


@pytest.fixture(scope="module")
def student_image(engine) -> str:
    return _build(engine, "student", STUDENT_TAG)


@pytest.fixture(scope="module")
def grader_image(engine) -> str:
    return _build(engine, "grader", GRADER_TAG)


@pytest.fixture(scope="module")
def instructor_image(engine) -> str:
    return _build(engine, "instructor", INSTRUCTOR_TAG)


def _wait_healthy(container, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    status = "starting"
    while time.monotonic() < deadline:
        container.reload()
        status = container.attrs["State"].get("Health", {}).get("Status", "none")
        if status in ("healthy", "unhealthy") or container.status == "exited":
            break
        time.sleep(2)
    return status


def _exec(container, command: str) -> tuple[int, str]:
    code, output = container.exec_run(["bash", "-c", command])
    return code, output.decode(errors="replace").strip()


@pytest.fixture(scope="module")
def student(engine, student_image):
    container = engine.containers.run(STUDENT_TAG, detach=True, ports={"8888/tcp": None})
    try:
        yield container
    finally:
        container.remove(force=True)


def test_student_container_becomes_healthy(student):
    status = _wait_healthy(student)
    assert status == "healthy", f"health: {status}\n{student.logs(tail=50).decode()}"


def test_student_container_runs_as_uid_1000(student):
    assert _exec(student, "id -u") == (0, "1000")


def test_student_image_has_no_solutions_or_hidden_checks(student):
    code, listing = _exec(student, "ls -A /srv/prodev")
    assert code == 0
    names = set(listing.split())
    assert {"labs", "prodev", "course"} <= names
    assert not names & {"solutions", "autograder", "tests", ".git", "data"}, listing
    code, found = _exec(student, "find / -name '*_hidden.py' -not -path '/proc/*' 2>/dev/null")
    assert found == "", f"hidden checks in the student image: {found}"


def test_student_image_runs_prodev_check(student):
    code, output = _exec(
        student, "cd /srv/prodev && for nb in labs/*/lab*.ipynb; do prodev check $nb; break; done"
    )
    assert code == 1 and "checks passed" in output, output


def test_grader_image_answers_its_healthcheck_and_is_not_root(engine, grader_image):
    output = engine.containers.run(GRADER_TAG, ["--help"], remove=True).decode()
    assert "grade" in output
    uid = engine.containers.run(GRADER_TAG, entrypoint=["id", "-u"], remove=True).decode()
    assert uid.strip() == "1000"
    has = engine.containers.run(
        GRADER_TAG, entrypoint=["bash", "-c", "command -v bwrap && ls /srv/prodev"], remove=True
    ).decode()
    assert "/usr/bin/bwrap" in has and "solutions" in has and "autograder" in has


def _released_lab() -> Path:
    labs = sorted(p for p in (ROOT / "labs").glob("lab*") if (p / f"{p.name}.ipynb").exists())
    if not labs:
        pytest.skip("labs/ holds no released lab yet")
    return labs[0]


def _blank_submissions(lab_dir: Path, folder: Path, students=("ada", "bo")) -> Path:
    """The released (blank) notebook handed in by each student, in nbgrader's layout."""
    lab = lab_dir.name
    for student in students:
        (folder / student / lab).mkdir(parents=True)
        shutil.copy(lab_dir / f"{lab}.ipynb", folder / student / lab / f"{lab}.ipynb")
    return folder


def _assert_blank_results(results: Path, lab: str, logs: str) -> None:
    for student in ("ada", "bo"):
        result = json.loads((results / lab / f"{student}.json").read_text())
        assert result["score"] == 0, f"a blank lab scored {result['score']}\n{logs}"
        assert result["tests"], f"no checks were reported\n{logs}"
    assert (results / lab / "grades.csv").exists(), logs


def test_grader_image_grades_as_the_kubernetes_job_runs_it(engine, grader_image, tmp_path):
    """Read-only root, a writable copy of the course, bubblewrap inside: as grade-job.yaml."""
    lab_dir = _released_lab()
    submissions = _blank_submissions(lab_dir, tmp_path / "submissions")
    results = tmp_path / "results"
    results.mkdir()
    os.chmod(results, 0o777)
    script = (
        "cp -a /srv/prodev/. /course/ && "
        f"prodev grade {lab_dir.name} --submissions /submissions --out /results --sandbox bwrap"
    )
    logs = engine.containers.run(
        GRADER_TAG,
        ["-c", script],
        entrypoint=["bash"],
        environment={"PRODEV_HOME": "/course", "PRODEV_DATA_DIR": "/tmp/data", "HOME": "/tmp"},
        read_only=True,
        tmpfs={"/tmp": "size=1g,mode=1777", "/course": "size=256m,mode=1777"},
        security_opt=["seccomp=unconfined", "apparmor=unconfined", "no-new-privileges"],
        cap_drop=["ALL"],
        volumes={
            str(submissions): {"bind": "/submissions", "mode": "ro"},
            str(results): {"bind": "/results", "mode": "rw"},
        },
        remove=True,
    ).decode()
    _assert_blank_results(results, lab_dir.name, logs)


def test_student_image_is_the_docker_sandbox_for_grading(engine, student_image, tmp_path):
    """`prodev grade --sandbox docker` runs each submission in a container of the student image
    (which has no solutions or hidden checks to read), as the grader image's default says."""
    lab_dir = _released_lab()
    course = tmp_path / "course"
    for name in ("solutions", "autograder", "labs"):
        shutil.copytree(ROOT / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", course)
    submissions = _blank_submissions(lab_dir, tmp_path / "submissions")
    results = tmp_path / "results"
    env = dict(
        os.environ,
        PRODEV_GRADER_IMAGE=STUDENT_TAG,
        PRODEV_DATA_DIR=str(tmp_path / "data"),
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
    )
    done = subprocess.run(
        [sys.executable, "-m", "prodev", "grade", lab_dir.name, "--root", str(course),
         "--submissions", str(submissions), "--out", str(results), "--sandbox", "docker"],
        capture_output=True, text=True, timeout=600, env=env, cwd=ROOT,
    )  # fmt: skip
    logs = done.stdout + done.stderr
    assert done.returncode == 0, logs
    assert "docker" in logs
    _assert_blank_results(results, lab_dir.name, logs)


def test_student_image_names_a_hub_students_uid(engine, student_image):
    """As the hub starts it (deploy/jupyterhub/values.yaml): a uid the image does not know, the
    hub's command; a stand-in for jupyterhub-singleuser reports who it runs as."""
    stand_in = (
        "mkdir -p /tmp/hub && printf '#!/bin/sh\\nwhoami\\necho \"$@\"\\n' "
        "> /tmp/hub/jupyterhub-singleuser && chmod +x /tmp/hub/jupyterhub-singleuser && "
        "PATH=/tmp/hub:$PATH exec prodev-singleuser --port=8888"
    )
    output = engine.containers.run(
        STUDENT_TAG,
        ["sh", "-c", stand_in],
        user="10007:100",
        environment={"JUPYTERHUB_USER": "alice", "HOME": "/tmp"},
        remove=True,
    ).decode()
    assert output.split() == ["alice", "--port=8888"], output


def test_instructor_image_is_the_staff_user_with_the_whole_course(engine, instructor_image):
    script = "id -un; id -u; id -g; ls -A /srv/prodev; command -v jupyterhub-singleuser"
    output = engine.containers.run(INSTRUCTOR_TAG, ["sh", "-c", script], remove=True).decode()
    lines = output.split()
    assert lines[:3] == ["instructor", "2000", "2000"], output
    assert {"solutions", "autograder", "labs", "prodev"} <= set(lines), output
    assert lines[-1].endswith("/jupyterhub-singleuser"), output
