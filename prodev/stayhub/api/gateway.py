"""The WSGI layer in front of Django: it applies the switches and writes the request log.

It is the outermost layer, so the log sees every request exactly as the client sent it and every
status the client got, including the 429s and 5xxs that the switches answer without reaching
Django.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from prodev.stayhub.api.requestlog import RequestLog, RequestRecord
from prodev.stayhub.api.switches import Decision, SwitchBoard

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_MESSAGES = {
    429: "Too many requests: the rate limit is {limit} per {window:g} s. Retry after {retry} s.",
    500: "Internal server error (injected by the error_rate switch).",
    502: "Bad gateway (injected by the error_rate switch).",
    503: "Service unavailable (injected by the error_rate switch). Retry after 1 s.",
    504: "Gateway timeout (injected by the error_rate switch).",
}


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers with their usual names (lower case), as the client sent them."""
    if "prodev.headers" in environ:
        return dict(environ["prodev.headers"])
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


class Gateway:
    """WSGI app: switches, then Django; records each request in `log`."""

    def __init__(self, app: WSGIApp, board: SwitchBoard, log: RequestLog) -> None:
        self.app = app
        self.board = board
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started, started_wall, in_flight = self.log.begin()
        try:
            decision = self.board.decide(started, environ.get("PATH_INFO", ""))
            self.board.delay(decision)
            if decision.status is not None:
                status, headers, body = self._injected(decision)
            else:
                status, headers, body = self._call_app(environ)
                headers += decision.headers  # RateLimit-* on answered requests too
        except BaseException:
            self.log.abandon()
            raise
        ended, ended_wall = self.log.now()
        self.log.end(
            RequestRecord(
                method=environ["REQUEST_METHOD"],
                path=environ.get("PATH_INFO", ""),
                query=environ.get("QUERY_STRING", ""),
                status=int(status.split(" ", 1)[0]),
                started=started,
                ended=ended,
                started_wall=started_wall,
                ended_wall=ended_wall,
                in_flight=in_flight,
                client=environ.get("prodev.client", environ.get("REMOTE_ADDR", "")),
                headers=request_headers(environ),
                injected=decision.injected,
            )
        )
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _call_app(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, list(headers)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # Django's request_finished: closes this thread's DB connection
        return captured["status"], captured["headers"], body

    def _injected(self, decision: Decision) -> tuple[str, list[tuple[str, str]], bytes]:
        status = decision.status or 500
        headers = dict(decision.headers)
        limit, window = self.board.switches.rate_limit or (0, 0.0)
        if decision.injected == "fail_path":
            message = "Service unavailable (injected by the fail_paths switch for this path)."
        else:
            message = _MESSAGES.get(status, "Injected error.").format(
                limit=limit, window=window, retry=headers.get("Retry-After", "")
            )
        body = json.dumps({"detail": message}).encode()
        reason = HTTPStatus(status).phrase
        return (
            f"{status} {reason}",
            [("Content-Type", "application/json"), *decision.headers],
            body,
        )
