"""The grader's side of one parallel slot: run a notebook in the sandbox and ask it questions.

A `WorkerSlot` owns one long-lived sandbox. For each submission it sends the cells to run; if a
cell crashes the notebook's process or runs past the time limit, that cell is recorded as the
reason and the notebook runs again without it (so other questions keep their scores). Answers
are validated here: only a JSON object of at most 1 MB with exact JSON types goes on to a check.
Every wait has a deadline enforced from outside the sandbox.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.config import Limits
from autograder.isolation.forward import unix_to_tcp
from autograder.isolation.protocol import ProtocolError, encode, read_frame
from autograder.isolation.sandbox import SandboxError, WorkerProcess
from prodev.checking.student import Callbacks, Student
from prodev.runtime.answers import MAX_ANSWER_BYTES
from prodev.runtime.registry import FRESH_OP

_TIMEOUT = object()
logger = logging.getLogger(__name__)


@dataclass
class RunReport:
    """How running a submission's cells went."""

    errors: list[str] = field(default_factory=list)  # one line per cell that raised
    output: str = ""  # printed output, capped
    skipped: dict[int, str] = field(default_factory=dict)  # cell index -> why it was skipped
    failure: str | None = None  # set when no run finished: nothing can be asked
    seconds: float = 0.0  # wall time of the last, successful run


class WorkerSlot:
    """One parallel slot: a sandbox started by `launch()` and restarted whenever it dies."""

    def __init__(
        self,
        launch: Callable[[], WorkerProcess],
        limits: Limits,
        services_dir: Path,
        services_dir_inside: Path,
        shares_network: bool = False,
    ):
        self._launch = launch
        self.limits = limits
        self.services_dir = services_dir
        self.services_dir_inside = services_dir_inside
        self.shares_network = shares_network  # unsandboxed: the grader's 127.0.0.1 is reachable
        self._process: WorkerProcess | None = None
        self._frames: queue.Queue = queue.Queue()
        self._listeners: dict[int, Any] = {}
        self.starts = 0
        self.warmup_seconds = 0.0
        self._reset_submission([])

    # ---- the sandbox -------------------------------------------------------------------------
    def _reader(self, process: WorkerProcess, frames: queue.Queue) -> None:
        try:
            while True:
                frame = read_frame(process.stdout)
                frames.put(frame if frame is not None else ("eof", "the sandbox closed its output"))
                if frame is None:
                    return
        except (ProtocolError, OSError, ValueError) as exc:
            frames.put(("eof", f"the sandbox sent garbage ({exc})"))

    def start(self) -> None:
        """Start the sandbox and wait until its warm parent has imported everything."""
        self.stop()
        self._frames = queue.Queue()
        self._process = self._launch()
        self.starts += 1
        threading.Thread(
            target=self._reader, args=(self._process, self._frames), daemon=True
        ).start()
        frame = self._next(time.monotonic() + self.limits.startup_timeout)
        if not isinstance(frame, dict) or frame.get("event") != "ready":
            detail = self._process.diagnostics() if self._process else ""
            self.stop()
            raise SandboxError(
                "the grading sandbox did not start (no `ready` from the worker within "
                f"{self.limits.startup_timeout:g} s). Its last words:\n{detail.strip()[-1500:]}"
            )
        self.warmup_seconds = float(frame.get("warmup_seconds", 0.0))
        logger.info("sandbox started (start %d, warm-up %.2f s)", self.starts, self.warmup_seconds)

    def stop(self) -> None:
        """Kill the sandbox (everything in it) if it runs."""
        if self._process is not None:
            self._process.kill()
            self._process = None
        self._child_alive = False

    def _send(self, message: dict[str, Any]) -> bool:
        if self._process is None:
            return False
        try:
            self._process.stdin.write(encode(message))
            self._process.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def _next(self, deadline: float) -> Any:
        try:
            return self._frames.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return _TIMEOUT

    def _end_child(self, op: str = "end") -> None:
        """Have the warm parent kill the notebook's process; restart the sandbox if it won't."""
        if not self._child_alive:
            return
        self._child_alive = False
        if not self._send({"op": op}):
            self.stop()
            return
        deadline = time.monotonic() + 3.0
        while True:
            frame = self._next(deadline)
            if isinstance(frame, dict) and frame.get("event") == "done":
                if not frame.get("clean", True) or frame.get("violation"):
                    self.stop()
                return
            if frame is _TIMEOUT or isinstance(frame, tuple):
                self.stop()
                return

    # ---- a submission ------------------------------------------------------------------------
    def _reset_submission(self, cells: list[str], job_cells: list[int] | None = None) -> None:
        self._cells = cells
        # Cells a fresh job may run (the locked cells and the answer cells, not extra ones).
        self._job_cells = list(range(len(cells))) if job_cells is None else list(job_cells)
        self._skipped: dict[int, str] = {}
        self._child_alive = False
        self._timed_out: dict[str, str] = {}
        self._exposed: list[int] = []
        self._deadline = time.monotonic() + self.limits.submission_seconds
        self._budget = self.limits.timeout  # seconds of new cell work left for this notebook
        self._durations: dict[int, float] = {}  # cell -> seconds, for cells that finished
        self._spent_from: int | None = None  # cells after this one start with the limit used up
        self.report = RunReport()

    def run(
        self,
        cells: list[str],
        job_cells: list[int] | None = None,
        stopped: dict[int, str] | None = None,
    ) -> RunReport:
        """Run a submission's cells; on return the notebook's answers can be asked for.

        `job_cells` are the indexes of the cells a fresh job that needs the student's code gets
        (see `fresh`); all of them by default. `stopped` are cells known to run past the time
        limit (index -> reason): they are not run, and the rest runs as after such a stop, with
        the notebook's time already spent.
        """
        self._end_child()
        self._reset_submission(cells, job_cells)
        if stopped:
            self._skipped.update(stopped)
            self._spent_from = min(stopped)  # that cell used the whole limit when it last ran
        self.report = self._run_until_it_finishes()
        return self.report

    def _run_until_it_finishes(self) -> RunReport:
        for _attempt in range(self.limits.max_runs):
            outcome = self._run_once()
            if outcome is None:
                return RunReport(
                    errors=self._errors,
                    output=self._output,
                    skipped=self._skipped,
                    seconds=self._run_seconds,
                )
            if isinstance(outcome, str):  # failed before any cell ran
                return RunReport(skipped=self._skipped, failure=outcome)
        return RunReport(
            skipped=self._skipped,
            failure=f"the notebook crashed or timed out {self.limits.max_runs} times; gave up",
        )

    def _run_once(self) -> None | str | int:
        """None when the run finished; a reason if it could not start; a cell index if one broke.

        A run that breaks before its first cell began ran nothing of the student's: the sandbox
        failed, so it is tried once more in a new one before the notebook is given up."""
        outcome = self._attempt_run()
        if isinstance(outcome, _NotStarted):
            logger.info("the notebook did not start (%s); once more in a new sandbox", outcome)
            self.stop()
            outcome = self._attempt_run()
        if isinstance(outcome, _NotStarted):
            return f"the notebook could not start: {outcome}"
        return outcome

    def _ensure_sandbox(self) -> None:
        """Start the sandbox if it is not running. Starting is the grader's time, not the
        student's: it moves the submission's deadline back by as long as it took."""
        if self._process is not None and self._process.alive():
            return
        began = time.monotonic()
        self.start()
        self._deadline += time.monotonic() - began

    def _attempt_run(self) -> None | _NotStarted | int:
        self._ensure_sandbox()
        order = [i for i in range(len(self._cells)) if i not in self._skipped]
        message = {
            "op": "run",
            "cells": [self._cells[i] for i in order],
            "cpu_seconds": self.limits.cpu_seconds,
            "output_limit": self.limits.output_bytes,
        }
        if not self._send(message):
            self.stop()
            return _NotStarted("the sandbox stopped before the notebook could be sent to it")
        self._child_alive = True
        started = time.monotonic()
        deadline = self._cell_deadline(None, started)
        current: int | None = None
        cell_started = started
        while True:
            frame = self._next(deadline)
            now = time.monotonic()
            if current is not None:  # the current cell finished, hung or crashed: charge it
                self._account(current, now - cell_started)
            if isinstance(frame, dict) and frame.get("event") == "cell":
                index = frame.get("index")
                if type(index) is int and 1 <= index <= len(order):
                    current = order[index - 1]
                    cell_started = now
                    deadline = self._cell_deadline(current, now)
                continue
            if isinstance(frame, dict) and frame.get("event") == "ran":
                self._errors = [str(e)[:300] for e in frame.get("errors", [])][:100]
                hog = _memory_error_cell(self._errors, len(order))
                if hog is not None:  # the process is starved now; run again without that cell
                    self._end_child("kill")
                    gb = self.limits.memory_bytes / 1024**3
                    self._skipped[order[hog - 1]] = f"used more memory than the {gb:g} GB limit"
                    return order[hog - 1]
                self._output = str(frame.get("output", ""))[: self.limits.output_bytes + 200]
                measured = time.monotonic() - started
                reported = frame.get("seconds")
                inside = float(reported) if type(reported) in (int, float) else measured
                self._run_seconds = max(0.0, min(inside, measured))
                return None
            if frame is _TIMEOUT and current is None:
                seconds = self.limits.startup_timeout
                reason = f"the sandbox did not begin the first cell within {seconds:g} s"
            elif frame is _TIMEOUT:
                reason = f"ran past the notebook's time limit of {self.limits.timeout:g} s"
                self._end_child("kill")
            elif isinstance(frame, dict) and frame.get("event") == "done":
                self._child_alive = False
                reason = f"ended the notebook's process ({frame.get('status', 'ended')})"
                if frame.get("violation"):
                    reason = str(frame["violation"])[:200]
                    self.stop()
            else:  # the sandbox itself died or spoke garbage
                detail = frame[1] if isinstance(frame, tuple) else "unexpected message"
                reason = f"crashed the sandbox ({detail})"
                self.stop()
            if current is None:
                self.stop()  # whatever broke, it was not the student's code: none had run
                return _NotStarted(reason)
            self._skipped[current] = reason
            return current

    def _cell_deadline(self, cell: int | None, now: float) -> float:
        """When a cell must be done: new work gets what is left of the notebook's limit (at
        least a grace period), so one endless loop costs one limit, not one per cell; a cell
        that finished in an earlier run gets as much, or a few times its earlier duration if
        that is more (a busy machine can make a re-run several times slower than the first).
        Before the first cell begins, only the grader's code runs: that wait is a start-up's."""
        if cell is None:
            return min(now + self.limits.startup_timeout, self._deadline)
        grace = min(5.0, self.limits.timeout)
        if self._spent_from is not None and cell > self._spent_from:
            self._budget = min(self._budget, 0.0)  # as if the stopped cell had just run
        limit = max(self._budget, grace)
        if cell in self._durations:
            limit = max(limit, 3 * self._durations[cell] + 2.0)
        return min(now + limit, self._deadline)

    def _account(self, cell: int, elapsed: float) -> None:
        """Charge a cell's run time to the notebook's limit, unless it is a re-run."""
        if cell not in self._durations:
            self._budget -= elapsed
            self._durations[cell] = elapsed

    # ---- answers -----------------------------------------------------------------------------
    def ask(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        """The JSON reply (as text) to one request, after checking it; never raises. Probe
        calls the notebook makes meanwhile are answered by `callbacks`, here in the grader."""
        name = str(request.get("name", ""))
        if self.report.failure:
            return _refusal("not_run", f"the notebook could not be run: {self.report.failure}")
        if name in self._timed_out:
            return _refusal("timeout", self._timed_out[name])
        if time.monotonic() > self._deadline:
            return _refusal("timeout", "this notebook used up its time; later checks not run")
        if not self._child_alive:
            if self._run_once() is not None:
                return _refusal("crashed", "the notebook could not be run again after a crash")
            for port in self._exposed:
                self._forward(port)
        return self._exchange(request, name, callbacks)

    def _exchange(self, request: dict[str, Any], name: str, callbacks: Callbacks | None) -> str:
        if not self._send(request):
            self.stop()
            return _refusal("crashed", "the notebook's sandbox stopped before it could answer")
        limit = self.limits.request_timeout
        deadline = min(time.monotonic() + limit, self._deadline)
        while True:
            frame = self._next(deadline)
            if isinstance(frame, dict) and frame.get("event") == "answer":
                return _validated(frame.get("text"))
            if isinstance(frame, dict) and frame.get("event") == "callback":
                if not self._send({"op": "reply", **_callback_reply(frame, callbacks)}):
                    self.stop()
                    return _refusal("crashed", "the notebook's sandbox stopped during a probe call")
                continue
            if isinstance(frame, dict) and frame.get("event") in ("cell", "ran"):
                continue
            if frame is _TIMEOUT:
                self._end_child("kill")
                message = (
                    f"`{name}` did not answer within {limit:g} s: look for a loop that never "
                    "ends, or work that grows too fast"
                )
                if name:
                    self._timed_out[name] = message
                return _refusal("timeout", message)
            if isinstance(frame, dict) and frame.get("event") == "done":
                self._child_alive = False
                return _refusal(
                    "crashed",
                    f"asking for `{name}` ended the notebook's process ({frame.get('status')})",
                )
            self.stop()
            return _refusal("crashed", f"asking for `{name}` crashed the sandbox")

    def fresh(self, request: dict[str, Any]) -> str:
        """Run a named job in a fresh child of the sandbox's warm parent; its JSON reply.

        The notebook's own process is ended first and the sandbox is reset after the job, so
        nothing of the student's runs beside the job or survives it. A job that asks for
        `with_cells` gets the submission's locked and answer cells (never cells that crashed the
        notebook). The report is re-encoded here; the exit status is what the parent saw.
        """
        if self.report.failure:
            return _refusal("not_run", f"the notebook could not be run: {self.report.failure}")
        if time.monotonic() > self._deadline:
            return _refusal("timeout", "this notebook used up its time; later checks not run")
        self._end_child()
        self._ensure_sandbox()
        payload = dict(request.get("payload") or {})
        if request.get("with_cells"):
            payload["cells"] = [self._cells[i] for i in self._job_cells if i not in self._skipped]
        seconds = min(2 * self.limits.request_timeout + 5, self._deadline - time.monotonic())
        message = {
            "op": "fresh",
            "job": str(request.get("job")),
            "payload": payload,
            "seconds": max(1.0, seconds),
            "cpu_seconds": self.limits.cpu_seconds,
        }
        if not self._send(message):
            self.stop()
            return _refusal("crashed", "the sandbox stopped before the job could start")
        deadline = time.monotonic() + max(1.0, seconds) + 10
        while True:
            frame = self._next(deadline)
            if isinstance(frame, dict) and frame.get("event") == "fresh":
                break
            if isinstance(frame, dict) and frame.get("event") in ("cell", "ran", "answer", "done"):
                continue  # late frames of the notebook's process, already ended
            self.stop()  # no answer in time, or the sandbox died: nothing of it is believed
            kind = "timeout" if frame is _TIMEOUT else "crashed"
            return json.dumps(
                {"ok": True, "value": {"exit": None, "timed_out": kind == "timeout",
                                       "report": None}}
            )  # fmt: skip
        if not frame.get("clean", True):
            self.stop()
        exit_code = frame.get("exit")
        try:
            report = json.loads(str(frame.get("report", "")))
        except json.JSONDecodeError:
            report = None
        return _validated(
            json.dumps(
                {
                    "ok": True,
                    "value": {
                        "exit": exit_code if type(exit_code) is int else None,
                        "timed_out": frame.get("timed_out") is True,
                        "report": report,
                    },
                }
            )
        )

    def expose(self, port: int) -> str:
        """Make the grader's service on 127.0.0.1:`port` reachable at the same URL inside."""
        if self.shares_network:
            return f"http://127.0.0.1:{port}"
        if port not in self._listeners:
            path = self.services_dir / f"{port}.sock"
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            self._listeners[port] = unix_to_tcp(str(path), "127.0.0.1", port)
            os.chmod(path, 0o666)
        reply = json.loads(self._forward(port))
        if not reply.get("ok"):
            raise AssertionError(f"the service could not be reached from the notebook: {reply}")
        if port not in self._exposed:
            self._exposed.append(port)
        return reply["value"]

    def _forward(self, port: int) -> str:
        inside = str(self.services_dir_inside / f"{port}.sock")
        return self.ask({"op": "expose", "port": port, "socket": inside})

    def finish(self) -> None:
        """End the current submission's process (the warm parent cleans the sandbox)."""
        self._end_child()
        self.close_services()

    def close_services(self, ports: list[int] | None = None) -> None:
        """Close the forwarded sockets of `ports` (all by default) and delete their files."""
        for port in list(self._listeners) if ports is None else ports:
            listener = self._listeners.pop(port, None)
            if listener is not None:
                with contextlib.suppress(OSError):
                    listener.close()
            with contextlib.suppress(OSError):
                (self.services_dir / f"{port}.sock").unlink()
            if port in self._exposed:
                self._exposed.remove(port)

    def close_stopped_services(self) -> None:
        """Close the forwarded sockets whose service no longer listens on 127.0.0.1, so that no
        later service that gets the same port is reachable from the notebook unasked."""
        if self._listeners:
            listening = _listening_ports()
            self.close_services([p for p in self._listeners if p not in listening])


def _listening_ports() -> set[int]:
    """TCP ports with a listening socket on this host (from /proc/net; no connection made)."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":  # TCP_LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _memory_error_cell(errors: list[str], cells: int) -> int | None:
    """The 1-based index of the first cell that ran out of memory, from run_cells' error lines."""
    for line in errors:
        match = re.match(r"code cell (\d+): MemoryError", line)
        if match and 1 <= int(match.group(1)) <= cells:
            return int(match.group(1))
    return None


def _callback_reply(frame: dict[str, Any], callbacks: Callbacks | None) -> dict[str, Any]:
    """The grader's reply to one probe call from the notebook: recorded and answered by the
    check's recorders, never trusted beyond its JSON types."""
    if callbacks is None:
        return {"ok": False, "error": "RuntimeError", "message": "no probe is in use just now"}
    try:
        reply = callbacks(frame)
    except Exception as exc:  # noqa: BLE001 (a recorder's fault must not stop the batch)
        reply = {"ok": False, "error": "RuntimeError", "message": f"probe failed: {exc}"[:300]}
    return reply


class _NotStarted(str):
    """Why a run ended before its first cell began."""


def _refusal(kind: str, message: str) -> str:
    return json.dumps({"ok": False, "kind": kind, "message": message})


def _validated(text: Any) -> str:
    """Re-encode a worker's reply with exact JSON types, or refuse it."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_BYTES + 1000:
        return _refusal("too_large", f"the answer is larger than {MAX_ANSWER_BYTES:,} bytes")
    try:
        reply = json.loads(text)
    except json.JSONDecodeError:
        return _refusal("bad_answer", "the notebook's answer was not JSON")
    if not isinstance(reply, dict) or type(reply.get("ok")) is not bool:
        return _refusal("bad_answer", "the notebook's answer was not in the expected form")
    if reply["ok"]:
        if "value" not in reply:
            return _refusal("bad_answer", "the notebook's answer had no value")
        return json.dumps({"ok": True, "value": reply["value"]})
    return json.dumps(
        {
            "ok": False,
            "kind": str(reply.get("kind", "error"))[:40],
            "message": str(reply.get("message", "no answer"))[:1000],
        }
    )


class RemoteStudent(Student):
    """A `Student` whose answers come from the notebook running in a sandboxed slot."""

    def __init__(self, slot: WorkerSlot):
        self.slot = slot
        # A query string's rows on a read-only database cannot change once the notebook has
        # run, so a lab's several checks of one query on one dataset share one answer.
        self._sql_replies: dict[str, str] = {}

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        request = json.loads(json.dumps(request))
        if request.get("op") == FRESH_OP:  # a job never goes to the notebook's own process
            return self.slot.fresh(request)
        if request.get("op") != "sql" or callbacks is not None:
            return self.slot.ask(request, callbacks)
        key = json.dumps(request, sort_keys=True)
        if key not in self._sql_replies:
            self._sql_replies[key] = self.slot.ask(request, None)
        return self._sql_replies[key]

    def expose(self, port: int) -> str:
        """The URL at which the notebook reaches the grader's service on 127.0.0.1:`port`."""
        return self.slot.expose(port)


class UnreadableStudent(Student):
    """Stands in for a submission that could not be run at all: every request fails with why."""

    def __init__(self, reason: str):
        self.reason = reason

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        return _refusal("not_run", self.reason)

    def expose(self, port: int) -> str:
        raise AssertionError(self.reason)
