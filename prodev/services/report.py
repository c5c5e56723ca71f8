"""What `prodev services status` reports: read from pid files and state, never starting anything."""

from __future__ import annotations

import os

from prodev.services import postgres_server, redis_server
from prodev.services.lifecycle import process_running, read_state, tree_rss_bytes


def _memory_mb(pid: int, names: tuple[str, ...]) -> float | None:
    process = process_running(pid, names)
    return round(tree_rss_bytes(process) / 2**20, 1) if process else None


def _postgres() -> dict:
    external = os.environ.get("PRODEV_POSTGRES_URL")
    state = read_state(postgres_server.NAME)
    running = postgres_server.running_postmaster()
    entry = {
        "service": "postgres",
        "running": running is not None,
        "external": bool(external),
        "data_directory": str(postgres_server.pgdata()),
        "version": state.get("version"),
    }
    if running:
        pid, port = running
        entry.update(
            pid=pid,
            port=port,
            url=postgres_server.url(port, state["password"], "stayhub"),
            memory_mb=_memory_mb(pid, ("postgres",)),
        )
    if external:
        entry["url"] = external  # what postgres() hands out while the variable is set
    return entry


def _redis() -> dict:
    external = os.environ.get("PRODEV_REDIS_URL")
    state = read_state(redis_server.NAME)
    running = redis_server.running_server()
    entry = {
        "service": "redis",
        "running": running is not None,
        "external": bool(external),
        "data_directory": str(redis_server.folder()),
        "version": state.get("version"),
    }
    if running:
        pid, port = running
        entry.update(
            pid=pid,
            port=port,
            url=redis_server.url(port, state["password"]),
            memory_mb=_memory_mb(pid, ("redis-server",)),
        )
    if external:
        entry["url"] = external
    return entry


def service_status() -> dict[str, dict]:
    return {"postgres": _postgres(), "redis": _redis()}
