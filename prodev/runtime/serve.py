"""Answer the grader's requests from a namespace of student code.

Runs on the student's side: inside the sandboxed worker during grading, and in the student's own
process for self-checks. The grader sends a request (a JSON object) and gets a JSON text back.
Both sides use this one implementation, so self-check and grading behave identically.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from typing import Any

from prodev.runtime import answers
from prodev.runtime.errortext import first_line
from prodev.runtime.registry import Registry, default_registry


def _close_all(args: list[Any]) -> None:
    for a in args:
        close = getattr(a, "close", None)
        if callable(close) and type(a).__module__.split(".")[0] in ("duckdb", "sqlite3"):
            close()


def _settle(result: Any) -> Any:
    """The value of a student's result: a coroutine (from an `async def`) is run to completion in
    a fresh event loop; anything else passes through."""
    import inspect

    if not inspect.iscoroutine(result):
        return result
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(result)
    # A loop already runs in this thread (a Jupyter kernel, during a self-check): use another.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="prodev-answer") as pool:
        return pool.submit(asyncio.run, result).result()


def _handle(namespace: Mapping[str, Any], request: Mapping[str, Any], registry: Registry) -> Any:
    op = request.get("op")
    if op == "value":
        return answers.to_json(answers.lookup(namespace, request["name"]))
    if op == "has":
        return request["name"] in namespace
    if op == "stub":
        return answers.is_stub(namespace.get(request["name"]))
    if op == "call":
        fn = answers.lookup(namespace, request["name"])
        if not callable(fn):
            raise answers.AnswerError("not_callable", f"`{request['name']}` should be a function")
        args = [registry.decode(a) for a in request.get("args", [])]
        kwargs = {k: registry.decode(v) for k, v in request.get("kwargs", {}).items()}
        try:
            return answers.to_json(_settle(fn(*args, **kwargs)))
        finally:
            _close_all(args + list(kwargs.values()))
    if op == "sql":
        query = answers.lookup(namespace, request["name"])
        if not isinstance(query, str) or not query.strip() or "NotImplementedError" in query:
            if isinstance(query, str):
                raise answers.AnswerError(
                    "unanswered", f"`{request['name']}` holds no query yet: write your SELECT there"
                )
            raise answers.AnswerError(
                "not_sql",
                f"`{request['name']}` should be a string holding a SQL query, "
                f"not a {type(query).__name__}",
            )
        connection = registry.decode(request["database"])
        try:
            return answers.to_json(answers.run_sql(query, connection))
        finally:
            connection.close()
    if op in registry.ops:
        return registry.ops[op](namespace, request, registry.decode)
    raise answers.AnswerError("bad_request", f"unknown request {op!r}")


def _describe_exception(exc: BaseException) -> str:
    """One line naming the student's exception and where in their code it was raised."""
    if type(exc) is NotImplementedError:
        return answers.UNANSWERED
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename.startswith("<")]  # notebook cells, not library code
    where = f" (line {own[-1].lineno} of your code)" if own else ""
    text = first_line(str(exc))
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def serve(
    namespace: Mapping[str, Any], request: Mapping[str, Any], registry: Registry | None = None
) -> str:
    """Answer one request; always returns a JSON text, never raises for student errors."""
    registry = registry or default_registry()
    try:
        payload = {"ok": True, "value": _handle(namespace, request, registry)}
    except answers.AnswerError as exc:
        payload = {"ok": False, "kind": exc.kind, "message": str(exc)}
    except Exception as exc:  # the student's code raised: report it, keep serving
        payload = {"ok": False, "kind": "exception", "message": _describe_exception(exc)}
    try:
        text = json.dumps(payload, allow_nan=True)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "kind": "not_json", "message": str(exc)})
    if len(text) > answers.MAX_ANSWER_BYTES:
        text = json.dumps(
            {
                "ok": False,
                "kind": "too_large",
                "message": f"the answer is {len(text):,} bytes of JSON; the limit is "
                f"{answers.MAX_ANSWER_BYTES:,}",
            }
        )
    return text
