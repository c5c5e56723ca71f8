"""The sandbox: what bubblewrap and Docker are asked for, and what a notebook can see inside."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from redteam import minicourse as mc

from autograder.config import BASE_UID, Limits
from autograder.isolation.sandbox import (
    SERVICES_DIR_INSIDE,
    LocalProcess,
    SandboxError,
    SandboxPlan,
    bwrap_command,
    bwrap_works,
    choose_sandbox,
    docker_answers,
    docker_container_spec,
    processes_of,
    slot_uid,
    unsandboxed_command,
)
from autograder.isolation.session import RemoteStudent, WorkerSlot
from autograder.runner import Grader

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(timeout=10, request_timeout=5)
BWRAP_OK, BWRAP_WHY = bwrap_works()
DOCKER_OK, DOCKER_WHY = docker_answers()


@pytest.fixture
def plan(tmp_path) -> SandboxPlan:
    (tmp_path / "data").mkdir()
    return SandboxPlan.for_this_python([tmp_path / "data"])


def _mount_sources(argv: list[str]) -> list[str]:
    return [
        argv[i + 1] for i, a in enumerate(argv) if a in ("--ro-bind", "--bind", "--ro-bind-try")
    ]


def test_bwrap_isolates_network_pids_env_and_tmp(plan, tmp_path):
    argv = bwrap_command(plan, 0, LIMITS, tmp_path)
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session",
                 "--clearenv"):  # fmt: skip
        assert flag in argv
    size = argv.index("--tmpfs") - 1
    assert argv[size - 1 : size + 2] == ["--size", str(LIMITS.tmp_bytes), "--tmpfs"]
    assert "--bind" not in argv, "nothing is mounted writable"


def test_bwrap_mounts_nothing_of_the_course_but_the_package_and_data(plan, tmp_path):
    sources = _mount_sources(bwrap_command(plan, 0, LIMITS, tmp_path))
    for secret in ("solutions", "autograder/checks", "gradebook.db", "submitted", "results"):
        assert not any(secret in s for s in sources), secret
    course = [
        s for s in sources if s.startswith(str(ROOT)) and not s.startswith(str(ROOT / ".venv"))
    ]
    assert sorted(Path(s).name for s in course) == ["forward.py", "prodev", "protocol.py",
                                                    "worker.py"]  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0, reason="per-slot uids need the grader to run as root")
def test_each_slot_runs_as_its_own_unprivileged_uid(plan, tmp_path):
    first, second = (bwrap_command(plan, slot, LIMITS, tmp_path) for slot in (0, 1))
    assert f"--reuid={BASE_UID}" in first and f"--reuid={BASE_UID + 1}" in second
    assert "--no-new-privs" in first and "--clear-groups" in first


def test_docker_container_spec_locks_the_container_down(plan, tmp_path):
    spec = docker_container_spec(plan, 1, LIMITS, tmp_path, image="prodev-backend:test")
    assert spec["network_mode"] == "none" and spec["read_only"] is True
    assert spec["user"] == f"{BASE_UID + 1}:{BASE_UID + 1}"
    assert spec["tmpfs"] == {"/tmp": f"size={LIMITS.tmp_bytes},mode=1777"}
    assert spec["mem_limit"] == LIMITS.memory_bytes and spec["pids_limit"] == LIMITS.processes
    assert spec["cap_drop"] == ["ALL"] and "no-new-privileges" in spec["security_opt"]
    assert all(v["mode"] == "ro" for v in spec["volumes"].values())
    assert not any("solutions" in k or "checks" in k for k in spec["volumes"])
    assert "PATH" not in spec["environment"]


@pytest.mark.skipif(not DOCKER_OK, reason=f"needs a Docker engine: {DOCKER_WHY}")
def test_docker_sandbox_grades_like_bwrap(tmp_path):
    root = mc.build_course(tmp_path)
    mc.submit(root, "alice")
    report = Grader(mc.LAB, root=root, sandbox="docker", limits=LIMITS, gradebook=False,
                    dataset=mc.make_dataset(root / "data"), data_dirs=[root / "data"],
                    progress=io.StringIO()).grade(root / "submitted")  # fmt: skip
    assert report.documents["alice"]["score"] == 6


def test_choosing_a_sandbox():
    assert choose_sandbox("none") == "none"
    with pytest.raises(SandboxError, match="unknown sandbox"):
        choose_sandbox("chroot")
    if BWRAP_OK:
        assert choose_sandbox("auto") == "bwrap"
    if not DOCKER_OK:
        with pytest.raises(SandboxError, match="Start Docker"):
            choose_sandbox("docker")


PROBE = """
import json, os, resource, socket
facts = {"uid": os.getuid(), "procs": [p for p in os.listdir("/proc") if p.isdigit()],
         "env": sorted(os.environ),
         "root": sorted(os.listdir("/")),
         "limits": [resource.getrlimit(r)[0] for r in (resource.RLIMIT_NPROC,
                    resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE)]}
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    facts["net"] = "connected"
except OSError as exc:
    facts["net"] = str(exc)
try:
    open("/usr/evil", "w")
    facts["usr"] = "writable"
except OSError:
    facts["usr"] = "read-only"
st = os.statvfs("/tmp")
facts["tmp_bytes"] = st.f_blocks * st.f_frsize
"""


@pytest.mark.needs_bwrap
def test_inside_the_bwrap_sandbox(plan):
    services = Path(tempfile.mkdtemp())
    os.chmod(services, 0o755)
    argv = bwrap_command(plan, 1, LIMITS, services)
    slot = WorkerSlot(lambda: LocalProcess(argv, LIMITS), LIMITS, services, SERVICES_DIR_INSIDE)
    try:
        slot.run([PROBE])
        facts = RemoteStudent(slot).value("facts")
    finally:
        slot.stop()
    if os.geteuid() == 0:
        assert facts["uid"] == BASE_UID + 1
    assert len(facts["procs"]) <= 3, "a fresh PID namespace: init, the warm parent, the notebook"
    assert "unreachable" in facts["net"]
    assert facts["usr"] == "read-only"
    assert facts["limits"] == [LIMITS.processes, LIMITS.memory_bytes, LIMITS.file_bytes,
                               LIMITS.open_files]  # fmt: skip
    assert facts["tmp_bytes"] == LIMITS.tmp_bytes
    # Only the system folders and the top folders of what the plan mounts (the venv, the
    # interpreter, prodev, the datasets) exist inside: no /home, /srv, /opt or /mnt.
    system = {"bin", "dev", "etc", "lib", "lib64", "proc", "run", "sbin", "tmp", "usr"}
    mounted = {path.parts[1] for path in plan.readonly}
    assert set(facts["root"]) == {d for d in system if os.path.exists("/" + d)} | mounted
    assert set(facts["env"]) <= set(plan.environment) | {"TMPDIR", "HOME", "LC_CTYPE", "PWD"}
    assert json.dumps(facts).count("PRODEV_REDTEAM") == 0


def test_sandbox_none_warns_loudly_and_still_grades(tmp_path):
    root = mc.build_course(tmp_path)
    mc.submit(root, "alice", answers={"q2": "def double(x):\n    return 6\n"})
    progress = io.StringIO()
    report = Grader(mc.LAB, root=root, sandbox="none", limits=LIMITS, gradebook=False, jobs=1,
                    dataset=mc.make_dataset(root / "data"), data_dirs=[root / "data"],
                    progress=progress).grade(root / "submitted")  # fmt: skip
    assert "WARNING: --sandbox none" in progress.getvalue()
    assert report.documents["alice"]["score"] == 5


def test_the_docker_sdk_accepts_the_spec_as_a_host_config(plan, tmp_path):
    from docker.models.containers import _create_container_args

    spec = docker_container_spec(plan, 0, LIMITS, tmp_path)
    args = _create_container_args(dict(spec, version="1.41"))
    host = args["host_config"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
    assert host["PidsLimit"] == LIMITS.processes and host["Memory"] == LIMITS.memory_bytes
    assert host["CapDrop"] == ["ALL"] and host["Tmpfs"] == {"/tmp": spec["tmpfs"]["/tmp"]}
    assert args["stdin_open"] is True and args["user"] == f"{BASE_UID}:{BASE_UID}"


SPAWN_SLEEPERS = """
import os, time
for _ in range(200):
    if os.fork() == 0:
        time.sleep(1000)
        os._exit(0)
"""


@pytest.mark.needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="a slot has a uid of its own only when run as root")
def test_a_stopped_sandbox_leaves_no_process_of_its_uid(plan):
    # The next submission of the slot starts a sandbox of the same uid: a process of the last
    # one still dying would count against its process limit, and its notebook might not start.
    services = Path(tempfile.mkdtemp())
    os.chmod(services, 0o755)
    uid = slot_uid(1)
    argv = bwrap_command(plan, 1, LIMITS, services)
    slot = WorkerSlot(
        lambda: LocalProcess(argv, LIMITS, uid=uid), LIMITS, services, SERVICES_DIR_INSIDE
    )
    try:
        slot.run([SPAWN_SLEEPERS])
        assert len(processes_of(uid)) > 200
    finally:
        slot.stop()
    assert processes_of(uid) == []


# A worker that says it is ready, then dies at the first message: as a sandbox that broke
# before the notebook's first cell began.
DIES_BEFORE_THE_FIRST_CELL = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from autograder.isolation.protocol import read_frame, write_frame
write_frame(sys.stdout.buffer, {{"event": "ready", "warmup_seconds": 0.0}})
read_frame(sys.stdin.buffer)
"""


def unsandboxed_slot(plan, tmp_path, broken_starts: int) -> tuple[WorkerSlot, list[int]]:
    """A slot of unsandboxed workers whose first `broken_starts` starts die before any cell."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = dict(plan.environment, HOME=str(scratch), TMPDIR=str(scratch))
    starts: list[int] = []

    def launch() -> LocalProcess:
        starts.append(1)
        if len(starts) <= broken_starts:
            return LocalProcess([sys.executable, "-c", DIES_BEFORE_THE_FIRST_CELL], LIMITS, env)
        return LocalProcess(unsandboxed_command(plan, scratch), LIMITS, env)

    return WorkerSlot(launch, LIMITS, tmp_path, tmp_path, shares_network=True), starts


def test_a_sandbox_that_breaks_before_the_first_cell_is_replaced(plan, tmp_path):
    # Nothing of the student's had run: the notebook is not lost for the sandbox's failure.
    slot, starts = unsandboxed_slot(plan, tmp_path, broken_starts=1)
    try:
        report = slot.run(["x = 21"])
        assert report.failure is None and not report.skipped
        assert len(starts) == 2
        assert RemoteStudent(slot).value("x") == 21
    finally:
        slot.stop()


def test_a_sandbox_that_always_breaks_before_the_first_cell_gives_up_after_two(plan, tmp_path):
    slot, starts = unsandboxed_slot(plan, tmp_path, broken_starts=10)
    try:
        report = slot.run(["x = 21"])
    finally:
        slot.stop()
    assert report.failure == "the notebook could not start: crashed the sandbox (the sandbox " \
        "closed its output)"  # fmt: skip
    assert len(starts) == 2
