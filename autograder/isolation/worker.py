"""The sandboxed worker: a warm parent that runs each submission in a forked child.

Started once per parallel slot inside the sandbox (`python worker.py --scratch /tmp`). It imports
IPython, jupysql and DuckDB once, holds no student code, and for every submission:

1. receives the cells to run over its control pipe (stdin/stdout, 4-byte-length JSON frames);
2. forks a child that runs the cells with IPython semantics and then answers the grader's requests
   with `prodev.runtime.serve.serve`, talking to the parent over a private socket pair;
3. relays frames between the grader and the child, checking each one, so the child never touches
   the control pipe and can never speak for the parent. While a request is served, the child's
   probe stubs send `callback` frames that the grader answers (`reply`); when the grader asks
   for it, the parent stamps each callback with how far the sandbox's memory (resident set of
   every process but itself) has grown since the request arrived, measured from outside the
   child;
4. when the child ends (or the grader says "end"/"kill"), kills every other process in the
   sandbox, wipes the scratch directory, and reports `done`.

Between submissions' notebook runs the grader may also ask for a *fresh job* (`op: fresh`): a
child forked from this warm parent, in which no student code ran before, runs one of the course's
named jobs (running a student's test class against one implementation, building a scratch
database and applying a student's SQL to it). Its report comes back on a pipe and its exit status
is seen here; then the sandbox is reset as after a submission, so no job can leave state for the
next one.

Student code can crash the child, or even kill this parent; the grader notices either and
restarts the slot. The worker never computes a score. It imports nothing from `autograder`
except the two standalone modules beside it, which the sandbox mounts next to this file.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import gc
import io
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forward import tcp_to_unix  # noqa: E402
from protocol import ProtocolError, read_frame, write_frame  # noqa: E402

# Printed output kept from a notebook run; the rest is counted and dropped.
OUTPUT_LIMIT = 1_000_000
CHILD_EVENTS = {"cell", "ran", "answer", "callback"}
PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1


class CappedText(io.TextIOBase):
    """A text sink that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit: int = OUTPUT_LIMIT):
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            piece = text[:room]
            self.parts.append(piece)
            self.kept += len(piece)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[output truncated: {self.dropped:,} more characters were not kept]"
        return text


def warm_up() -> float:
    """Import what notebooks need once, before any student code exists in this process."""
    start = time.perf_counter()
    os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
    os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")
    os.environ.setdefault("MPLBACKEND", "Agg")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import duckdb  # noqa: F401
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        import prodev.runtime.notebook  # noqa: F401
        from prodev.runtime.registry import default_registry

        default_registry()  # imports the probes and kits once, in the warm parent

        for optional in (
            "sql.magic",
            "duckdb_engine",
            "pandas",
            "prodev.stayhub.data",
            "prodev.checking",
        ):
            with contextlib.suppress(Exception):
                __import__(optional)
        config = Config()
        config.HistoryManager.enabled = False
        InteractiveShell.instance(config=config)
        with contextlib.suppress(Exception):  # fresh suite jobs then start without imports
            from prodev.probes.suites import warm_up as warm_pytest

            warm_pytest()
    # Every child forked from here collects garbage at least once (IPython's reset does, for
    # each notebook and each fresh job). Frozen, what this process holds now is neither scanned
    # by those collections nor written to, so a child does not copy its pages.
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)  # collected at exit, as extension modules expect
    return time.perf_counter() - start


def _make_undumpable() -> None:
    """Keep same-uid processes (student code) from ptracing this process or reading its fds."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _other_pids() -> list[int]:
    me = os.getpid()
    return [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in (1, me)]


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def kill_the_rest(child_group: int, isolated: bool, seconds: float = 2.0) -> bool:
    """Kill the child's process group and, in a private PID namespace, every other process.

    Returns True when nothing but this process (and the namespace's init) is left.
    """
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child_group, signal.SIGKILL)
        if isolated:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(-1, signal.SIGKILL)  # never this process, never init
        _reap()
        if not isolated:
            return True  # outside a sandbox we only own the child's group
        if not _other_pids():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)


def wipe(scratch: Path) -> None:
    """Delete everything in `scratch` (the sandbox's private /tmp)."""
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(scratch):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)


def empty_ipc(mqueue: Path = Path("/dev/mqueue")) -> None:
    """Remove every System V shared memory segment, semaphore set and message queue, and every
    POSIX message queue, of this sandbox's IPC namespace, so the next notebook finds none."""
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    removers = {
        "shm": lambda ident: libc.shmctl(ident, ipc_rmid, None),
        "sem": lambda ident: libc.semctl(ident, 0, ipc_rmid),
        "msg": lambda ident: libc.msgctl(ident, ipc_rmid, None),
    }
    for kind, remove in removers.items():
        try:
            lines = Path("/proc/sysvipc", kind).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 1 and fields[1].isdigit():
                remove(int(fields[1]))
    with contextlib.suppress(OSError):
        for entry in os.scandir(mqueue):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def describe_status(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exited with status {code}"
    name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
    return f"killed by signal {-code} ({name})"


def _become_child(message: dict[str, Any], scratch: Path) -> Path:
    """What every forked child does first: a session of its own, death with the warm parent, its
    CPU limit, and a private home and work folder under `scratch`. Returns the work folder."""
    os.setsid()
    with contextlib.suppress(Exception):  # die with the warm parent, even outside a sandbox
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    cpu = int(message.get("cpu_seconds", 60))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    work, home = scratch / "work", scratch / "home"
    work.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update({"HOME": str(home), "TMPDIR": str(scratch)})
    return work


def child_main(channel: socket.socket, message: dict[str, Any], scratch: Path) -> None:
    """Run the submission's cells, then answer requests until the channel closes. Never returns."""
    try:
        work = _become_child(message, scratch)
        stream = channel.makefile("rwb", buffering=0)
        _serve_submission(stream, message, work)
    finally:
        os._exit(0)


def _reuse_duckdb_connections() -> None:
    """Answer each check's `duckdb` argument with a cursor on one cached read-only connection
    per database, instead of opening the file again for every request (~30 ms each)."""
    import duckdb

    from prodev.runtime.registry import default_registry

    opened: dict[str, Any] = {}

    def cursor(spec: dict[str, Any]) -> Any:
        path = str(spec["path"])
        if path not in opened:
            opened[path] = duckdb.connect(path, read_only=True)
        return opened[path].cursor()

    default_registry().register_decoder("duckdb", cursor)


def _serve_submission(stream: BinaryIO, message: dict[str, Any], work: Path) -> None:
    from prodev.runtime.notebook import run_cells
    from prodev.runtime.serve import serve

    _reuse_duckdb_connections()

    sink = CappedText(int(message.get("output_limit", OUTPUT_LIMIT)))
    started = time.perf_counter()
    execution = run_cells(
        list(message["cells"]),
        work,
        sink=sink,
        before_cell=lambda index: _announce(stream, index),
    )
    write_frame(
        stream,
        {
            "event": "ran",
            "errors": execution.errors[:100],
            "output": sink.getvalue(),
            "seconds": time.perf_counter() - started,
        },
    )
    namespace = execution.namespace
    from prodev.probes import stubs

    def transport(message: dict[str, Any]) -> dict[str, Any]:
        write_frame(stream, {"event": "callback", **message})
        reply = read_frame(stream)
        if reply is None:
            raise stubs.ProbeLimitError("the grader went away during a probe call")
        return reply

    stubs.connect(transport)
    listeners: dict[int, socket.socket] = {}
    while True:
        request = read_frame(stream)
        if request is None:
            return
        if request.get("op") == "expose":
            text = _expose(request, listeners)
        else:
            text = serve(namespace, request)
        write_frame(stream, {"event": "answer", "text": text})


def _announce(stream: BinaryIO, index: int) -> None:
    """Tell the grader which cell runs next, and wait until the parent has passed it on, so a
    cell that kills the parent is still the one blamed."""
    write_frame(stream, {"event": "cell", "index": index})
    read_frame(stream)


def _expose(request: dict[str, Any], listeners: dict[int, socket.socket]) -> str:
    import json

    port = int(request["port"])
    try:
        if port not in listeners:
            listeners[port] = tcp_to_unix(port, str(request["socket"]))
    except OSError as exc:
        return json.dumps({"ok": False, "kind": "expose", "message": f"cannot listen: {exc}"})
    return json.dumps({"ok": True, "value": f"http://127.0.0.1:{port}"})


def resident_bytes(child: int, isolated: bool) -> int:
    """Resident memory of the child or, in a private PID namespace, of every process but this
    one and init (so a helper process the child started is counted too)."""
    pids = _other_pids() if isolated else [child]
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    return total


def supervise(
    control_in: BinaryIO,
    control_out: BinaryIO,
    message: dict[str, Any],
    scratch: Path,
    isolated: bool,
) -> None:
    """Fork the child for one submission and relay frames until it ends; then clean up."""
    parent_end, child_end = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        parent_end.close()
        control_in.close()
        control_out.close()
        child_main(child_end, message, scratch)
    child_end.close()
    channel = parent_end.makefile("rwb", buffering=0)
    violation = None
    ended_by_grader = False
    memory_base: int | None = None  # resident bytes when a request asking for memory arrived
    while True:
        ready, _, _ = select.select([control_in, parent_end], [], [])
        if control_in in ready:
            request = read_frame(control_in)
            if request is None:  # the grader went away: stop everything
                kill_the_rest(pid, isolated)
                os._exit(0)
            if request.get("op") in ("end", "kill"):
                ended_by_grader = True
                break
            if request.get("op") != "reply":
                wanted = request.get("measure_memory")
                memory_base = resident_bytes(pid, isolated) if wanted else None
            with contextlib.suppress(OSError):
                write_frame(channel, request)
        if parent_end in ready:
            try:
                frame = read_frame(channel)
            except (ProtocolError, OSError) as exc:
                violation = f"the notebook's process broke the answer channel ({exc})"
                break
            if frame is None:
                break
            if frame.get("event") not in CHILD_EVENTS:
                violation = "the notebook's process sent a message it may not send"
                break
            frame.pop("memory_growth", None)  # only this process may say that
            if frame["event"] == "callback" and memory_base is not None:
                frame["memory_growth"] = resident_bytes(pid, isolated) - memory_base
            write_frame(control_out, frame)
            if frame["event"] == "cell":
                with contextlib.suppress(OSError):
                    write_frame(channel, {"event": "ack"})
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    try:
        _, status = os.waitpid(pid, 0)
        how = describe_status(status)
    except ChildProcessError:
        how = "ended"
    clean = kill_the_rest(pid, isolated)
    wipe(scratch)
    if isolated:
        empty_ipc()
    channel.close()
    parent_end.close()
    write_frame(
        control_out,
        {
            "event": "done",
            "status": "ended by the grader" if ended_by_grader else how,
            "violation": violation,
            "clean": clean,
        },
    )


# Largest report a fresh job may send back; more is cut off (and then fails to parse).
JOB_REPORT_LIMIT = 1_000_000


def fresh_job_main(report_fd: int, message: dict[str, Any], scratch: Path) -> None:
    """The fresh child: run the named job, write its JSON report, exit with its status."""
    code = 70
    try:
        os.chdir(_become_child(message, scratch))
        from prodev.runtime.registry import default_registry

        job = default_registry().jobs[str(message["job"])]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code, report = job(message.get("payload") or {}, None)
        import json

        data = json.dumps(report).encode()[:JOB_REPORT_LIMIT]
        while data:
            data = data[os.write(report_fd, data) :]
    finally:
        os._exit(code)


def run_fresh_job(
    message: dict[str, Any], scratch: Path, isolated: bool, close: list[BinaryIO]
) -> dict[str, Any]:
    """Fork a fresh child for one job, collect its report and exit status, reset the sandbox.

    The wall-clock limit (`seconds`) is enforced here; the grader has its own, longer one.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        for stream in close:  # the job never holds the control pipe
            stream.close()
        fresh_job_main(write_end, message, scratch)
    os.close(write_end)
    deadline = time.monotonic() + float(message.get("seconds", 20))
    chunks: list[bytes] = []
    size, status, timed_out = 0, None, False
    while status is None:
        ready, _, _ = select.select([read_end], [], [], 0.02)
        if ready:
            chunk = os.read(read_end, 65536)
            if chunk and size < JOB_REPORT_LIMIT:
                chunks.append(chunk)
                size += len(chunk)
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = raw
        elif time.monotonic() > deadline:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            status = os.waitpid(pid, 0)[1]
    while not timed_out and select.select([read_end], [], [], 0)[0] and size < JOB_REPORT_LIMIT:
        chunk = os.read(read_end, 65536)  # what the job wrote just before it exited
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    os.close(read_end)
    clean = kill_the_rest(pid, isolated)
    wipe(scratch)
    return {
        "event": "fresh",
        "exit": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "report": b"".join(chunks)[:JOB_REPORT_LIMIT].decode(errors="replace"),
        "clean": clean,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="sandboxed notebook worker (started by the grader)"
    )
    parser.add_argument("--scratch", type=Path, default=Path("/tmp"))
    parser.add_argument("--isolated", action="store_true", help="in a private PID namespace")
    args = parser.parse_args(argv)
    # The control pipe moves off fds 0 and 1, which point at /dev/null from now on, so nothing
    # a notebook prints at the OS level can reach the grader.
    control_in = os.fdopen(os.dup(0), "rb", buffering=0)
    control_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    seconds = warm_up()
    _make_undumpable()
    wipe(args.scratch)
    write_frame(control_out, {"event": "ready", "warmup_seconds": seconds, "pid": os.getpid()})
    while True:
        message = read_frame(control_in)
        if message is None:
            return 0
        if message.get("op") == "run":
            supervise(control_in, control_out, message, args.scratch, args.isolated)
        elif message.get("op") == "fresh":
            reply = run_fresh_job(message, args.scratch, args.isolated, [control_in, control_out])
            write_frame(control_out, reply)
        elif message.get("op") == "ping":
            write_frame(control_out, {"event": "pong"})


if __name__ == "__main__":
    sys.exit(main())
