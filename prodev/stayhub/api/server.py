"""`practice_api(...)`: start the StayHub practice API on 127.0.0.1 and hand back a handle.

Django is configured once per process, so one practice API runs in a process at a time; start the
next one after the previous has stopped (leaving its `with` block stops it). Each server gets a
private copy of its dataset, so writes never leak into the next server or the shared data.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prodev.errors import UserError
from prodev.stayhub.api import state as _state
from prodev.stayhub.api.database import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    build_template,
    seed_sqlite,
    server_copy,
)
from prodev.stayhub.api.gateway import Gateway
from prodev.stayhub.api.requestlog import RequestLog, RequestRecord
from prodev.stayhub.api.switches import SwitchBoard, Switches

_running_lock = threading.Lock()
_running: PracticeAPI | None = None


class PracticeAPIError(UserError, RuntimeError):
    """The practice API cannot start (another one runs here, the port is taken, no data...)."""


class PracticeAPI:
    """A running practice API: `url`, credentials, the request log, and switches to change.

    Use it as a context manager (`with practice_api() as api:`), or call `start()` / `stop()`.
    """

    def __init__(
        self,
        seed: int = 42,
        size: str = "small",
        port: int | None = None,
        sqlite_path: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **switches: Any,
    ) -> None:
        """`sleep` is how a request waits out its latency; a test passes a gate to hold
        requests until it has seen them all arrive."""
        self.seed = seed
        self.size = size
        self.port = port or 0
        self.sqlite_path = Path(sqlite_path) if sqlite_path else None
        switches.setdefault("switch_seed", seed)
        self._board = SwitchBoard(Switches.build(**switches), sleep=sleep)
        self._log = RequestLog()
        self._server: Any = None
        self._warm_up: threading.Thread | None = None
        self._database: Path | None = None
        self.token: str = ""
        self.startup_seconds: float = 0.0  # wall-clock time start() took
        self.startup_cpu_seconds: float = (
            0.0  # CPU time it took (what a busy machine can't inflate)
        )

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> PracticeAPI:
        """Build or reuse the dataset, copy it, and serve on 127.0.0.1; returns self."""
        global _running
        started, cpu_started = time.perf_counter(), time.process_time()
        with _running_lock:
            if _running is not None:
                raise PracticeAPIError(
                    f"a practice API is already running in this process at {_running.url}: "
                    "stop it first (leave its `with` block or call "
                    "`prodev.stayhub.api.stop_running()`), or run one in a terminal with "
                    "`prodev api --port P`"
                )
            _running = self
        try:
            self._start()
        except BaseException:
            self._cleanup()
            with _running_lock:
                _running = None
            raise
        self.startup_seconds = time.perf_counter() - started
        self.startup_cpu_seconds = time.process_time() - cpu_started
        return self

    def _prepare_database(self) -> str:
        """Build or reuse the data, copy it, point Django at the copy; return the demo token."""
        from prodev.stayhub.api.settings import configure_django

        source = self.sqlite_path or seed_sqlite(self.seed, self.size)
        try:
            self._database = server_copy(build_template(source))
        except FileNotFoundError:  # another process replaced the template just then: again
            self._database = server_copy(build_template(source))
        configure_django(str(self._database))

        from django.db import connections
        from rest_framework.authtoken.models import Token

        import prodev.stayhub.api.urls  # noqa: F401  (import the routes now, not on the first request)

        try:
            return Token.objects.get(user__username=DEMO_USERNAME).key
        finally:
            connections.close_all()

    def _start(self) -> None:
        # Django's ORM refuses to run in a thread with a running asyncio loop, which is what a
        # Jupyter kernel's main thread is; so the database work happens in a thread of its own.
        with ThreadPoolExecutor(1, thread_name_prefix="prodev-api-setup") as pool:
            self.token = pool.submit(self._prepare_database).result()

        from django.core.handlers.wsgi import WSGIHandler
        from django.db import connections

        from prodev.stayhub.api.httpserver import ThreadedWSGIServer

        _state.activate(_state.ServerState(board=self._board))
        app = Gateway(WSGIHandler(), self._board, self._log)
        try:
            self._server = ThreadedWSGIServer(
                "127.0.0.1", self.port, app, on_thread_end=connections.close_all
            )
        except OSError as exc:
            raise PracticeAPIError(
                f"cannot listen on 127.0.0.1:{self.port}: {exc.strerror}; choose another "
                "port or leave it out to get a free one"
            ) from exc
        self.port = self._server.server_port
        self._server.start()
        # GraphQL (strawberry) takes ~0.7 s to import: do it while REST already answers.
        self._warm_up = threading.Thread(
            target=importlib.import_module,
            args=("prodev.stayhub.api.graphql_schema",),
            name="prodev-api-graphql-warm-up",
            daemon=True,
        )
        self._warm_up.start()

    def stop(self) -> None:
        """Stop serving: finish requests in progress, close every connection and thread, and
        delete this server's copy of the data. Safe to call twice."""
        global _running
        try:
            if self._warm_up is not None:
                self._warm_up.join()
                self._warm_up = None
            if self._server is not None:
                server, self._server = self._server, None
                server.stop()
        finally:  # whatever happened, free the data copy and the process's one slot
            self._cleanup()
            with _running_lock:
                if _running is self:
                    _running = None

    def _cleanup(self) -> None:
        if _state._current is not None and _running is self:
            _state.activate(None)
        if self._database is not None:
            shutil.rmtree(self._database.parent, ignore_errors=True)
            self._database = None

    def __enter__(self) -> PracticeAPI:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- what clients need
    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321 (REST under /api/, GraphQL at /graphql)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def username(self) -> str:
        """The demo account's user name (for /api/auth/token/ and /api/auth/jwt/)."""
        return DEMO_USERNAME

    @property
    def password(self) -> str:
        return DEMO_PASSWORD

    @property
    def auth_header(self) -> dict[str, str]:
        """`{"Authorization": "Token ..."}` for the demo account."""
        return {"Authorization": f"Token {self.token}"}

    # ----------------------------------------------------------------- the request log
    @property
    def requests(self) -> list[RequestRecord]:
        """Every answered request so far, in the order the responses were ready."""
        return self._log.records

    def clear_requests(self) -> None:
        """Forget the logged requests (e.g. between the parts of an exercise)."""
        self._log.clear()

    @contextlib.contextmanager
    def on_answer(self, callback: Callable[[RequestRecord], None]) -> Iterator[None]:
        """Inside the block, call `callback(record)` as each request is answered, in the
        server's thread before the response leaves: a check can change the data between two
        pages a client asks for, at exactly that point."""
        self._log.listen(callback)
        try:
            yield
        finally:
            self._log.unlisten(callback)

    @property
    def in_flight(self) -> int:
        """Requests being served right now."""
        return self._log.in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests served at once since the log was last cleared."""
        return self._log.max_in_flight

    # ----------------------------------------------------------------- switches
    @property
    def switches(self) -> Switches:
        """The current switch values."""
        return self._board.switches

    def configure(self, **changes: Any) -> Switches:
        """Change switches while running, e.g. `api.configure(latency=0.2, error_rate=0.1)`."""
        return self._board.update(**changes)

    @contextlib.contextmanager
    def switched(self, **changes: Any) -> Iterator[Switches]:
        """Change switches for the duration of a `with` block, then restore them."""
        before = self.switches
        try:
            yield self.configure(**changes)
        finally:
            self.configure(**{name: getattr(before, name) for name in changes})

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<PracticeAPI {self.url} seed={self.seed} {state} {self.switches}>"


def running_api() -> PracticeAPI | None:
    """The practice API running in this process, if any."""
    with _running_lock:
        return _running


def stop_running() -> None:
    """Stop the practice API running in this process, if any (e.g. one whose variable a
    notebook lost). Also runs when the process exits, to delete the server's copy of the data."""
    api = running_api()
    if api is not None:
        api.stop()


atexit.register(stop_running)


def practice_api(
    seed: int = 42,
    port: int | None = None,
    *,
    latency: float | tuple[float, float] | None = None,
    error_rate: float = 0.0,
    rate_limit: str | int | tuple[int, float] | None = None,
    require_auth: bool = False,
    size: str = "small",
    sqlite_path: str | Path | None = None,
    switch_seed: int | None = None,
    error_statuses: tuple[int, ...] = (500, 503),
) -> PracticeAPI:
    """Start the StayHub practice API and return it (use it in a `with` block to stop it).

    `latency`: seconds per request (0.5) or a random range ((0.1, 0.5)); `error_rate`: share of
    requests answered 500/503; `rate_limit`: "N/S" (N requests per S seconds, then 429 with
    Retry-After); `require_auth`: reads need a token too. `switch_seed` (default: `seed`) makes
    random latency and errors repeatable. `sqlite_path` serves that StayHub SQLite file instead
    of the generated dataset.
    """
    api = PracticeAPI(
        seed=seed,
        size=size,
        port=port,
        sqlite_path=sqlite_path,
        latency=latency,
        error_rate=error_rate,
        rate_limit=rate_limit,
        require_auth=require_auth,
        switch_seed=seed if switch_seed is None else switch_seed,
        error_statuses=error_statuses,
    )
    return api.start()
