"""A threaded HTTP/1.1 WSGI server on the standard library (wsgiref + socketserver).

One thread per connection, keep-alive between requests (so that clients can learn what reusing a
connection saves), and a clean stop: `stop()` ends the accept loop, wakes idle keep-alive
connections, waits for requests in progress to finish, joins every thread and closes the socket.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

#: Largest request body accepted (bytes); the practice API takes small JSON documents.
MAX_BODY = 1_000_000


class _ServerHandler(ServerHandler):
    http_version = "1.1"
    server_software = "StayHub-practice-API"

    def log_exception(self, exc_info: Any) -> None:  # the app logs its own errors
        pass


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK add ~40 ms to every response on a keep-alive connection.
    disable_nagle_algorithm = True
    timeout = 120  # seconds an idle keep-alive connection is kept open

    def handle(self) -> None:
        # BaseHTTPRequestHandler.handle: serve requests until the connection should close.
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            if self.server.closing:
                self.close_connection = True
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.send_error(411, "Send the body with a Content-Length header")
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > MAX_BODY:
                self.send_error(413, f"Request bodies are limited to {MAX_BODY} bytes")
                self.close_connection = True
                return
            # Read the whole body first, so that the next request on this connection starts
            # exactly where this one ends whatever the app reads.
            body = io.BytesIO(self.rfile.read(length))
            environ = self.get_environ()
            # The headers exactly as sent (the WSGI environ invents a text/plain content type).
            environ["prodev.headers"] = {k.lower(): v for k, v in self.headers.items()}
            environ["prodev.client"] = f"{self.client_address[0]}:{self.client_address[1]}"
            handler = _ServerHandler(body, self.wfile, self.get_stderr(), environ, multithread=True)
            handler.request_handler = self
            handler.run(self.server.get_app())
            self.wfile.flush()
        except (TimeoutError, ConnectionError, OSError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # every request is in the API's own request log


class ThreadedWSGIServer(ThreadingMixIn, WSGIServer):
    """A WSGI server with a thread per connection that joins them all on `stop()`."""

    # Daemon threads, so that a program that never stops its server can still exit; the server
    # keeps track of them itself and stop() joins them all.
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(
        self, host: str, port: int, app: Any, on_thread_end: Callable[[], None] | None = None
    ) -> None:
        """Serve `app` on host:port; `on_thread_end` runs in each connection's thread as it
        ends (to close that thread's database connections)."""
        self.closing = False
        self.on_thread_end = on_thread_end
        self._connections: set[socket.socket] = set()
        self._connection_threads: set[threading.Thread] = set()
        self._connections_lock = threading.Lock()
        super().__init__((host, port), _RequestHandler)
        self.set_app(app)
        self._serve_thread: threading.Thread | None = None

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn), which can take
        # seconds on machines without DNS; 127.0.0.1 needs no lookup.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()

    def process_request(self, request: socket.socket, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"prodev-api-connection-{client_address[1]}",
            daemon=True,
        )
        with self._connections_lock:
            self._connections.add(request)
            self._connection_threads.add(thread)
        thread.start()

    def process_request_thread(self, request: socket.socket, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            if self.on_thread_end is not None:
                self.on_thread_end()
            with self._connections_lock:
                self._connections.discard(request)
                self._connection_threads.discard(threading.current_thread())

    def start(self) -> None:
        """Serve in a background thread."""
        # stop() waits for the accept loop to notice, half a poll on average: checks start and
        # stop a server per check, so the wait is kept short.
        self._serve_thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="prodev-api-accept",
            daemon=True,
        )
        self._serve_thread.start()

    def stop(self) -> None:
        """Stop accepting, let requests in progress finish, close idle connections, join all."""
        self.closing = True
        self.shutdown()
        if self._serve_thread is not None:
            self._serve_thread.join()
        with self._connections_lock:
            open_connections = list(self._connections)
        for connection in open_connections:
            try:  # wake a thread waiting for the next request; a response in progress can finish
                connection.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        with self._connections_lock:
            threads = list(self._connection_threads)
        for thread in threads:
            thread.join()
        self.server_close()
