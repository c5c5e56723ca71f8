"""The red-team batch: every adversarial submission and three controls, graded once."""

from __future__ import annotations

import ctypes
import os
import secrets
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minicourse as mc  # noqa: E402
from corpus import ATTACKS  # noqa: E402

from autograder.config import SAMPLE_HIDDEN_SEED, Limits  # noqa: E402
from autograder.runner import Grader  # noqa: E402
from prodev.course.paths import PUBLIC_SEED  # noqa: E402

JOBS = 2
# A check that waits on something the notebook holds is cut off after checking_seconds.
LIMITS = Limits(timeout=10, request_timeout=5, checking_seconds=20)
PRIVATE_MARKER = "ALICE-PRIVATE-MARKER-0c41"
ENV_MARKER = "GRADER-ENV-MARKER-9d2e"
PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>


class Listener:
    """A grader-side TCP port that counts connections (there must be none from sandboxes)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def snapshot(root: Path) -> set[str]:
    skip = ("results", "data", "gradebook.db", "autograded")
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if not str(p.relative_to(root)).startswith(skip)
    }


def own_processes() -> set[int]:
    """Live processes descended from this one (orphans come back to it as a subreaper)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone while we looked
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state not in ("Z", "X"):
            children.setdefault(int(ppid), []).append(int(entry.name))
    found: set[int] = set()
    todo = [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def describe(pids: set[int]) -> list[str]:
    described = []
    for pid in sorted(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        uid = status.split("Uid:")[1].split()[0]
        described.append(f"{pid} uid={uid} {cmdline[:80]}")
    return described


def become_subreaper(on: bool) -> None:
    """Make orphaned descendants re-parent to this process (Linux PR_SET_CHILD_SUBREAPER), so
    a process the batch leaves behind is still found among this process's descendants, and a
    grading run elsewhere on the machine is never mistaken for one of ours."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


@pytest.fixture(scope="session")
def redteam(tmp_path_factory, bwrap):
    root = mc.build_course(tmp_path_factory.mktemp("redteam"))
    dataset = mc.make_dataset(root / "data")
    listener = Listener()
    marker = "FORGED-" + secrets.token_hex(4)
    private = {"q3": f'# {PRIVATE_MARKER}\nGREETING = "hello"\n'}
    mc.submit(root, "aa_control", answers=private)
    mc.submit(root, "zz_control", answers=private)
    mc.submit(root, "blank", answers=mc.BLANK)
    for name, attack in ATTACKS.items():
        if attack.link_to:
            (root / "submitted" / name).symlink_to(root / "submitted" / attack.link_to)
            continue
        answers = {
            q: code.format(
                root=root, port=listener.port, marker=marker, hidden_seed=SAMPLE_HIDDEN_SEED
            )
            for q, code in (attack.answers or {}).items()
        }
        path = mc.submit(root, name, answers=answers, edit=attack.edit,
                         raw=attack.raw() if attack.raw else None)  # fmt: skip
        for filename, text in (attack.files or {}).items():
            (path.parent / filename).write_text(text)
    for seed in (PUBLIC_SEED, SAMPLE_HIDDEN_SEED):
        dataset(seed=seed)
    before = snapshot(root)
    os.environ["PRODEV_REDTEAM_SECRET"] = ENV_MARKER
    already_running = own_processes()
    become_subreaper(True)
    started = time.monotonic()
    try:
        report = Grader(
            mc.LAB, root=root, jobs=JOBS, sandbox="bwrap", limits=LIMITS, dataset=dataset,
            data_dirs=[root / "data"], progress=open(os.devnull, "w"),  # noqa: SIM115
        ).grade(root / "submitted")  # fmt: skip
        wall = time.monotonic() - started
        leftovers = describe(own_processes() - already_running)
    finally:
        become_subreaper(False)
        del os.environ["PRODEV_REDTEAM_SECRET"]
    return {
        "root": root, "report": report, "wall": wall, "before": before, "after": snapshot(root),
        "listener": listener, "marker": marker, "leftovers": leftovers,
    }  # fmt: skip
