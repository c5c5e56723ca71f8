"""Start the sandboxed worker: bubblewrap, Docker, or (knowingly) no sandbox at all.

Each parallel slot gets one long-lived sandbox whose first process is `worker.py`. The grader talks
to it over the worker's stdin/stdout and kills the whole sandbox from outside when a limit is hit.
What the sandbox sees: a read-only system, the Python environment and the `prodev` package, the
dataset folder (read-only), the three worker modules, a private size-capped /tmp, and a folder of
Unix sockets for grader-side services. Never the course's solutions, hidden checks, gradebook or
any submission file: notebooks arrive over the pipe. Datasets built from the hidden seed appear
only under neutral names in /run/prodev/data (see `data_mounts`). Each sandbox has its own IPC,
network, PID, UTS and cgroup namespaces; the worker empties System V IPC between submissions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from autograder.config import BASE_UID, Limits
from prodev.errors import UserError

logger = logging.getLogger(__name__)

WORKER_FILES = ("worker.py", "protocol.py", "forward.py")
WORKER_DIR_INSIDE = Path("/run/prodev/worker")
SERVICES_DIR_INSIDE = Path("/run/prodev/services")
# Datasets the student never saw are mounted here under neutral names (`dataset-1.duckdb`):
# their own file names carry the seed that built them.
RENAMED_DATA_INSIDE = Path("/run/prodev/data")
DOCKER_IMAGE = os.environ.get("PRODEV_GRADER_IMAGE", "prodev-backend-student:0.1.0")
MODES = ("auto", "bwrap", "docker", "none")
NOT_ISOLATED_WARNING = (
    "WARNING: --sandbox none runs every submission's code with your own permissions, network and "
    "files. Use it only for your own notebooks, never to grade other people's work."
)


class SandboxError(UserError):
    """The sandbox cannot be started; the message says what to install or which option to pass."""


@dataclass(frozen=True)
class SandboxPlan:
    """What every sandbox of a batch mounts and how its worker starts."""

    python: Path  # the grader's interpreter (inside the venv)
    readonly: tuple[Path, ...]  # folders mounted read-only at the same path
    environment: dict[str, str] = field(default_factory=dict)
    # Hidden-seed datasets: real path -> where the sandbox sees it, under a neutral name.
    renamed: tuple[tuple[Path, Path], ...] = ()
    staged: Path | None = None  # neutral-named links to them, mounted at RENAMED_DATA_INSIDE

    @classmethod
    def for_this_python(
        cls,
        data_dirs: list[Path],
        private: list[Path] | tuple[Path, ...] = (),
        staging: Path | None = None,
    ) -> SandboxPlan:
        """Mount this interpreter, its environment, the `prodev` package and `data_dirs`; each
        file in `private` (a hidden-seed dataset) only as /run/prodev/data/dataset-N.SUFFIX,
        through links made in the grader's folder `staging`."""
        import prodev

        package = Path(prodev.__file__).resolve().parent
        prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
        folders = [p for p in prefixes if not p.is_relative_to("/usr")]
        if not any(package.is_relative_to(p) for p in folders):
            folders.append(package)
        folders += [Path(d).resolve() for d in data_dirs]
        data = Path(data_dirs[0]).resolve() if data_dirs else None
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": "/tmp/home",
            "IPYTHONDIR": "/tmp/.ipython",
            "MPLCONFIGDIR": "/tmp/.matplotlib",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PLOOMBER_STATS_ENABLED": "false",
            "PLOOMBER_VERSION_CHECK_DISABLED": "true",
            # prodev.services starts no server in here: checks hand over the grader's databases.
            "PRODEV_SERVICES": "grader",
        }
        if data is not None:
            env["PRODEV_DATA_DIR"] = str(data)
        plan = cls(Path(sys.executable), tuple(dict.fromkeys(folders)), env)
        if private and staging is not None:
            renamed = stage_renamed([Path(p).resolve() for p in private], staging)
            plan = replace(plan, renamed=renamed, staged=staging)
        return plan

    def inside_path(self, path: str) -> str:
        """Where the sandbox sees the file the grader calls `path` (renamed datasets differ)."""
        given = Path(path)
        for real, inside in self.renamed:
            if given == real:
                return str(inside)
            if given.parent == real.parent and given.name.startswith(real.stem):  # built from it
                return str(inside.parent / given.name.replace(real.stem, inside.stem, 1))
        return path


def stage_renamed(private: list[Path], staging: Path) -> tuple[tuple[Path, Path], ...]:
    """Link each dataset in `private`, and the files derived from it that share its stem (such as
    `NAME.sqlite`), into `staging` as `dataset-N...`; return (real path, inside path).

    A bind mount shows its source path in /proc/self/mountinfo, so the sandbox mounts these
    links, never the original files. A hard link costs nothing; across file systems, a copy.
    """
    staging.mkdir(parents=True, exist_ok=True)
    os.chmod(staging, 0o755)
    renamed = []
    for number, real in enumerate(dict.fromkeys(private), start=1):
        neutral = f"dataset-{number}"
        for entry in sorted(real.parent.glob(f"{real.stem}*")):
            if entry.is_symlink() or entry.suffix in (".lock", ".tmp", ".wal"):
                continue
            link = staging / entry.name.replace(real.stem, neutral, 1)
            if entry.is_dir():  # a Parquet copy: a folder of files, linked file by file
                shutil.copytree(entry, link, copy_function=_link_or_copy)
            elif entry.is_file():
                _link_or_copy(entry, link)
        renamed.append((real, RENAMED_DATA_INSIDE / f"{neutral}{real.suffix}"))
    return tuple(renamed)


def _link_or_copy(source: Path | str, target: Path | str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def data_mounts(plan: SandboxPlan) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Folders to mount whole, and (source, target) files and folders to mount one by one.

    A folder that holds a renamed dataset is not mounted whole: its other entries are mounted
    one by one, and nothing whose name contains a renamed dataset's stem (the dataset, its lock
    file, files built from it) is mounted from there at all. The staged links appear instead,
    as /run/prodev/data. So no listing, and no line of /proc/self/mountinfo, shows a hidden
    seed's file name.
    """
    whole: list[Path] = []
    single: list[tuple[Path, Path]] = []
    stems = [real.stem for real, _ in plan.renamed]
    for folder in plan.readonly:
        if not any(real.parent == folder for real, _ in plan.renamed):
            whole.append(folder)
            continue
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        single += [(e, e) for e in entries if not any(stem in e.name for stem in stems)]
    if plan.staged is not None:
        single.append((plan.staged, RENAMED_DATA_INSIDE))
    return whole, single


def worker_sources() -> list[Path]:
    """The worker modules on the grader's disk (mounted one by one, never their folder)."""
    here = Path(__file__).resolve().parent
    return [here / name for name in WORKER_FILES]


def _ancestors(paths: list[Path]) -> list[Path]:
    seen: dict[Path, None] = {}
    for path in paths:
        for parent in reversed(path.parents):
            if parent != Path("/"):
                seen.setdefault(parent, None)
    return list(seen)


def slot_uid(slot: int) -> int | None:
    """The uid a bwrap slot's sandbox runs as when the grader is root, one per slot; None when it
    is not root: the sandbox then runs as the grader's own uid, which no slot has to itself."""
    return BASE_UID + slot if os.geteuid() == 0 else None


def bwrap_command(plan: SandboxPlan, slot: int, limits: Limits, services: Path) -> list[str]:
    """The bubblewrap command line of one slot's sandbox."""
    as_root = os.geteuid() == 0
    argv = [
        "bwrap",
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
    ]  # fmt: skip
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():
            argv += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            argv += ["--ro-bind", str(top), str(top)]
    for etc in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf"):
        argv += ["--ro-bind-try", f"/etc/{etc}", f"/etc/{etc}"]
    argv += ["--proc", "/proc", "--dev", "/dev", "--mqueue", "/dev/mqueue"]
    argv += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    whole, single = data_mounts(plan)
    mounts = [p for p in whole if not p.is_relative_to("/usr")]
    targets = [target for _, target in single]
    for folder in _ancestors([*mounts, *targets, WORKER_DIR_INSIDE, SERVICES_DIR_INSIDE]):
        argv += ["--perms", "0755", "--dir", str(folder)]
    for folder in mounts:
        argv += ["--ro-bind", str(folder), str(folder)]
    for source, target in single:
        argv += ["--ro-bind", str(source), str(target)]
    # The data folder's services/ holds the course servers' passwords and PostgreSQL's files:
    # an empty folder hides them, whatever user the notebook runs as.
    data = plan.environment.get("PRODEV_DATA_DIR")
    if data and (Path(data) / "services").is_dir():
        argv += ["--perms", "0755", "--tmpfs", str(Path(data) / "services")]
    argv += ["--perms", "0755", "--dir", str(WORKER_DIR_INSIDE)]
    for source in worker_sources():
        argv += ["--ro-bind", str(source), str(WORKER_DIR_INSIDE / source.name)]
    argv += ["--ro-bind", str(services), str(SERVICES_DIR_INSIDE)]
    argv += ["--clearenv"]
    for key, value in plan.environment.items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", "/tmp"]
    if as_root:
        uid = str(slot_uid(slot))
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]
    argv += [str(plan.python), "-I", str(WORKER_DIR_INSIDE / "worker.py")]
    argv += ["--scratch", "/tmp", "--isolated"]
    return argv


def unsandboxed_command(plan: SandboxPlan, scratch: Path) -> list[str]:
    """The worker run directly (`--sandbox none`): same protocol, no isolation."""
    worker = Path(__file__).resolve().with_name("worker.py")
    return [str(plan.python), "-I", str(worker), "--scratch", str(scratch)]


def docker_container_spec(
    plan: SandboxPlan, slot: int, limits: Limits, services: Path, image: str = DOCKER_IMAGE
) -> dict:
    """Keyword arguments for `docker.from_env().containers.create(**spec)` for one slot."""
    uid = BASE_UID + slot
    volumes = {
        str(s): {"bind": str(WORKER_DIR_INSIDE / s.name), "mode": "ro"} for s in worker_sources()
    }
    whole, single = data_mounts(plan)
    data = plan.environment.get("PRODEV_DATA_DIR")
    if data and Path(data) in whole:
        volumes[data] = {"bind": data, "mode": "ro"}
    for source, target in single:
        volumes[str(source)] = {"bind": str(target), "mode": "ro"}
    volumes[str(services)] = {"bind": str(SERVICES_DIR_INSIDE), "mode": "ro"}
    ulimits = [
        {"Name": "nofile", "Soft": limits.open_files, "Hard": limits.open_files},
        {"Name": "fsize", "Soft": limits.file_bytes, "Hard": limits.file_bytes},
        {"Name": "nproc", "Soft": limits.processes, "Hard": limits.processes},
    ]
    return {
        "image": image,
        "command": [
            "python",
            "-I",
            str(WORKER_DIR_INSIDE / "worker.py"),
            "--scratch",
            "/tmp",
            "--isolated",
        ],
        "user": f"{uid}:{uid}",
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {"/tmp": f"size={limits.tmp_bytes},mode=1777"},
        "mem_limit": limits.memory_bytes,
        "memswap_limit": limits.memory_bytes,
        "pids_limit": limits.processes,
        "nano_cpus": 1_000_000_000,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ulimits": ulimits,
        "environment": {k: v for k, v in plan.environment.items() if k != "PATH"},
        "volumes": volumes,
        "working_dir": "/tmp",
        "stdin_open": True,
        "detach": True,
        "labels": {"prodev.grading.slot": str(slot)},
    }


# ---- choosing a sandbox --------------------------------------------------------------------
def bwrap_works() -> tuple[bool, str]:
    """Whether bubblewrap can start a sandbox here, and why not if it cannot."""
    if shutil.which("bwrap") is None:
        return False, "bubblewrap (bwrap) is not installed"
    argv = ["bwrap", "--unshare-net", "--unshare-pid", "--die-with-parent",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--proc", "/proc", "--dev", "/dev", "/usr/bin/true"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not run: {exc}"
    if done.returncode != 0:
        return False, f"bwrap cannot create namespaces here: {done.stderr.strip()[:300]}"
    return True, ""


def docker_answers() -> tuple[bool, str]:
    """Whether a Docker engine answers through the Docker SDK, and why not if it does not."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        return True, ""
    except Exception as exc:  # the SDK raises many kinds; any means "no engine"
        return False, f"no Docker engine answers ({type(exc).__name__})"


def choose_sandbox(mode: str) -> str:
    """Resolve `auto` to bwrap or docker, or raise SandboxError saying how to get one."""
    if mode not in MODES:
        raise SandboxError(f"unknown sandbox {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "none":
        return mode
    if mode in ("auto", "bwrap"):
        ok, why = bwrap_works()
        if ok:
            return "bwrap"
        if mode == "bwrap":
            raise SandboxError(
                f"--sandbox bwrap: {why}. Install it with `apt-get install bubblewrap`."
            )
    ok_docker, why_docker = docker_answers()
    if ok_docker:
        return "docker"
    if mode == "docker":
        raise SandboxError(f"--sandbox docker: {why_docker}. Start Docker, or use --sandbox bwrap.")
    raise SandboxError(
        f"no sandbox is available: {why}; {why_docker}. Install bubblewrap "
        "(`sudo apt-get install bubblewrap`, or `dnf install bubblewrap`), or start a Docker "
        "engine, or pass `--sandbox none` if you knowingly grade trusted notebooks unisolated."
    )


# ---- running a worker ----------------------------------------------------------------------
class WorkerProcess(Protocol):
    """A started worker: frames go to `stdin`, come from `stdout`; `kill` ends the whole sandbox."""

    stdin: BinaryIO
    stdout: BinaryIO

    def kill(self) -> None: ...

    def alive(self) -> bool: ...

    def diagnostics(self) -> str: ...


def with_rlimits(argv: list[str], limits: Limits) -> list[str]:
    """`argv` run under util-linux `prlimit`, which sets the limits and execs it (a
    `preexec_fn` would be unsafe here: the grader has threads)."""
    prlimit = shutil.which("prlimit") or "/usr/bin/prlimit"
    return [
        prlimit,
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
        *argv,
    ]


def processes_of(uid: int) -> list[int]:
    """Processes whose real uid is `uid`, exiting ones included: all count against its limit."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            found.append(int(entry.name))
                        break
        except (OSError, ValueError):  # gone while we looked
            continue
    return found


def wait_for_uid_to_empty(uid: int, seconds: float = 10.0) -> bool:
    """Wait until no process of `uid` is left; False if some still are after `seconds`."""
    deadline = time.monotonic() + seconds
    while processes_of(uid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class LocalProcess:
    """A worker started as a local process tree (bwrap, or no sandbox), in its own session.

    `uid` is the slot's own uid, when it has one: `kill` then returns only once every process of
    that uid is gone. A killed sandbox's processes die after its first one does, and until they
    have, they count against the uid's process limit, so the next sandbox of the slot (a student's
    whose notebook did nothing wrong) could not start its own.
    """

    def __init__(
        self,
        argv: list[str],
        limits: Limits,
        env: dict[str, str] | None = None,
        uid: int | None = None,
    ):
        self.uid = uid
        self._stderr_tail: deque[bytes] = deque(maxlen=64)
        self.process = subprocess.Popen(
            with_rlimits(argv, limits),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env if env is not None else {},
            start_new_session=True,
            bufsize=0,
        )
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        # Read everything (so the worker never blocks on a full pipe), keep only the tail.
        with contextlib.suppress(OSError, ValueError):
            while chunk := self.process.stderr.read(4096):
                self._stderr_tail.append(chunk[:1024])

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.process.wait(timeout=10)
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if self.uid is not None and not wait_for_uid_to_empty(self.uid):
            logger.warning(
                "processes of the sandbox uid %d outlived its sandbox by 10 s: is another "
                "grader using the same uids (PRODEV_SANDBOX_UID)?",
                self.uid,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def diagnostics(self) -> str:
        return b"".join(self._stderr_tail).decode(errors="replace")[-2000:]


class DockerProcess:
    """A worker in a Docker container, attached to its stdin/stdout through the Docker SDK."""

    def __init__(self, spec: dict):
        import docker

        self.client = docker.from_env()
        self.container = self.client.containers.create(**spec)
        sock = self.container.attach_socket(
            params={"stdin": 1, "stdout": 1, "stderr": 0, "stream": 1}
        )
        self._socket = getattr(sock, "_sock", sock)
        self.container.start()
        self.stdin = _SocketWriter(self._socket)
        self.stdout = StdoutReader(self._socket)

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.container.remove(force=True)
        with contextlib.suppress(OSError):
            self._socket.close()

    def alive(self) -> bool:
        try:
            self.container.reload()
        except Exception:
            return False
        return self.container.status == "running"

    def diagnostics(self) -> str:
        try:
            return self.container.logs(stdout=False, stderr=True, tail=40).decode(errors="replace")
        except Exception as exc:
            return f"(no logs: {exc})"


class _SocketWriter:
    def __init__(self, sock):
        self._sock = sock

    def write(self, data: bytes) -> int:
        self._sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()


class StdoutReader:
    """The worker's stdout from Docker's attach stream (no TTY, so stdout and stderr arrive as
    frames, each behind an 8-byte header). The Docker SDK splits the frames; stderr is dropped
    (`diagnostics()` reads it from the container's log)."""

    def __init__(self, sock):
        from docker.utils.socket import frames_iter

        self._sock = sock
        self._frames = frames_iter(sock, tty=False)
        self._buffer = b""

    def read(self, size: int) -> bytes:
        """Up to `size` bytes of stdout; b"" once the stream has ended."""
        from docker.utils.socket import STDOUT

        while not self._buffer:
            stream, chunk = next(self._frames, (None, b""))
            if stream is None:
                return b""
            if stream == STDOUT:
                self._buffer = chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()
