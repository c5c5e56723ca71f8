"""Lab 16's reference answers run for real, where a Docker engine answers.

Grading judges the lab's Dockerfile, .dockerignore and entrypoint without an engine (hadolint,
the review rules, Docker's pattern rules, the entrypoint stopped as its own process). Here the
same reference answers are built into an image and stopped as `docker stop` stops it: the
planted `.env` never reaches the image, the container runs as a user other than root, becomes
healthy, and exits 0 on SIGTERM within the 10 seconds `docker stop` allows (a SIGKILL would
make the exit code 137). Without an engine every
test here is skipped, saying why.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prodev.runtime.notebook import cell_source, read_notebook

ROOT = Path(__file__).resolve().parents[2]
LAB = "lab16_containers"
TAG = "prodev-lab16-reference:test"

pytestmark = pytest.mark.slow


def reference_answers() -> dict[str, str]:
    """The string answers of the reference notebook (each answer cell only assigns a string)."""
    namespace: dict[str, object] = {}
    for cell in read_notebook(ROOT / "solutions" / LAB / f"{LAB}.ipynb")["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in ("q1", "q3", "q5"):
            exec(cell_source(cell), namespace)
    return {k: v for k, v in namespace.items() if isinstance(v, str)}


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


@pytest.fixture(scope="module")
def image(engine, tmp_path_factory):
    answers = reference_answers()
    context = tmp_path_factory.mktemp("lab16-context")
    (context / "Dockerfile").write_text(answers["dockerfile"], encoding="utf-8")
    (context / ".dockerignore").write_text(answers["dockerignore"], encoding="utf-8")
    (context / "serve.py").write_text(answers["entrypoint"], encoding="utf-8")
    (context / "requirements.lock").write_text("# the service needs no package\n")
    (context / "stayhub").mkdir()
    (context / "stayhub" / "__init__.py").write_text("")
    (context / ".env").write_text("POSTGRES_PASSWORD=planted\n")
    built, _logs = engine.images.build(path=str(context), tag=TAG, rm=True)
    yield built
    engine.images.remove(TAG, force=True)


def test_the_planted_env_file_is_not_in_the_image(engine, image):
    output = engine.containers.run(
        image.id, entrypoint=["ls", "-a", "/app"], remove=True, network_disabled=True
    )
    listing = output.decode().split()
    assert "serve.py" in listing and ".env" not in listing, listing


def test_the_container_is_healthy_non_root_and_stops_cleanly(engine, image):
    container = engine.containers.run(image.id, detach=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            container.reload()
            health = container.attrs["State"].get("Health", {}).get("Status")
            if health == "healthy":
                break
            time.sleep(1)
        assert health == "healthy", f"the container's health is {health}"
        user = container.exec_run(["id", "-u"]).output.decode().strip()
        assert user != "0", "the container runs as root"
        container.stop(timeout=10)
        container.reload()
        # 0, not 137: the server exited on SIGTERM before docker stop had to send SIGKILL.
        assert container.attrs["State"]["ExitCode"] == 0, container.attrs["State"]
    finally:
        container.remove(force=True)
