"""A forwarded socket lives only as long as its service: once the service stops, the notebook can
no longer connect through it, even if a later service gets the same port."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path

import pytest

from autograder.config import Limits
from autograder.isolation.sandbox import (
    SERVICES_DIR_INSIDE,
    LocalProcess,
    SandboxPlan,
    bwrap_command,
    bwrap_works,
)
from autograder.isolation.session import RemoteStudent, WorkerSlot

LIMITS = Limits(timeout=10, request_timeout=5)
BWRAP_OK, BWRAP_WHY = bwrap_works()

MARK = b"from-the-notebook"
REACH = f"""\
import socket

def reach(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall({MARK!r})
        return "connected"
    except OSError as exc:
        return type(exc).__name__
"""


def notebook_connections(server: socket.socket, seconds: float) -> int:
    """Connections to `server` within `seconds` that carry the notebook's mark (other tests on
    this machine may connect to a port that was theirs a moment ago: those are not counted)."""
    marked = 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        server.settimeout(left)
        try:
            connection, _ = server.accept()
        except TimeoutError:
            break
        with connection:
            connection.settimeout(1.0)
            try:
                marked += connection.recv(len(MARK)) == MARK
            except OSError:
                pass
    return marked


@pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")
def test_a_stopped_service_leaves_no_way_in(tmp_path):
    services = Path(tempfile.mkdtemp())
    os.chmod(services, 0o755)
    plan = SandboxPlan.for_this_python([tmp_path])
    argv = bwrap_command(plan, 0, LIMITS, services)
    slot = WorkerSlot(lambda: LocalProcess(argv, LIMITS), LIMITS, services, SERVICES_DIR_INSIDE)
    service = socket.create_server(("127.0.0.1", 0))
    port = service.getsockname()[1]
    try:
        slot.run([REACH])
        student = RemoteStudent(slot)
        student.expose(port)
        assert student.call("reach", port) == "connected"
        slot.close_stopped_services()  # still listening: kept
        assert (services / f"{port}.sock").exists()
        service.close()
        slot.close_stopped_services()
        assert not (services / f"{port}.sock").exists()
        # A new service on the same port, never exposed, is out of the notebook's reach: the
        # notebook's own end may still accept, but nothing arrives on the grader's side.
        again = socket.create_server(("127.0.0.1", port))
        try:
            student.call("reach", port)
            assert notebook_connections(again, 1.0) == 0
        finally:
            again.close()
    finally:
        service.close()
        slot.stop()
        slot.close_services()
