"""Relay bytes between two sockets: the channel that lets sandboxed code reach grader services.

Inside the sandbox (no network), a listener on 127.0.0.1:PORT hands each connection to a Unix
socket that the grader bind-mounted in; on the grader's side, that Unix socket's listener relays
to the real service on 127.0.0.1:PORT. Both halves live here; the module imports nothing from the
course so that the sandboxed worker can load it on its own.
"""

from __future__ import annotations

import contextlib
import socket
import threading


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes from `source` to `target` until `source` ends, then half-close `target`."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def relay(a: socket.socket, b: socket.socket) -> None:
    """Pump both directions between `a` and `b` in daemon threads; close both when done."""

    def both() -> None:
        t = threading.Thread(target=pump, args=(b, a), daemon=True)
        t.start()
        pump(a, b)
        t.join()
        a.close()
        b.close()

    threading.Thread(target=both, daemon=True).start()


def serve_forever(listener: socket.socket, connect_upstream) -> threading.Thread:
    """Accept connections on `listener`; relay each to the socket `connect_upstream()` returns."""

    def loop() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # listener closed
            try:
                upstream = connect_upstream()
            except OSError:
                conn.close()
                continue
            relay(conn, upstream)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def tcp_to_unix(port: int, unix_path: str) -> socket.socket:
    """Listen on 127.0.0.1:`port` and relay every connection to the Unix socket `unix_path`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)

    def upstream() -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(unix_path)
        return s

    serve_forever(listener, upstream)
    return listener


def unix_to_tcp(unix_path: str, host: str, port: int) -> socket.socket:
    """Listen on the Unix socket `unix_path` and relay every connection to `host`:`port`."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(unix_path)
    listener.listen(64)

    def upstream() -> socket.socket:
        s = socket.create_connection((host, port), timeout=10)
        s.settimeout(None)
        return s

    serve_forever(listener, upstream)
    return listener
