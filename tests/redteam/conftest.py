"""The red-team batch: every adversarial submission and three controls, graded once."""

from __future__ import annotations

import os
import re
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

from autograder.config import BASE_UID, SAMPLE_HIDDEN_SEED, Limits  # noqa: E402
from autograder.isolation.sandbox import bwrap_works  # noqa: E402
from autograder.runner import Grader  # noqa: E402
from prodev.course.paths import PUBLIC_SEED  # noqa: E402

JOBS = 2
# A check that waits on something the notebook holds is cut off after checking_seconds.
LIMITS = Limits(timeout=10, request_timeout=5, checking_seconds=20)
PRIVATE_MARKER = "ALICE-PRIVATE-MARKER-0c41"
ENV_MARKER = "GRADER-ENV-MARKER-9d2e"


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


def another_checkout(cmdline: str) -> bool:
    """True if the command runs or mounts another interpreter environment than this one."""
    ours = os.path.realpath(sys.prefix)
    prefixes = re.findall(r"(/\S+?)/(?:bin/python\S*|lib/python)", cmdline)
    return bool(prefixes) and all(os.path.realpath(p) != ours for p in prefixes)


def sandbox_processes() -> list[str]:
    """Processes still running as a sandbox uid, or running the worker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = int((entry / "status").read_text().split("Uid:")[1].split()[0])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if another_checkout(cmdline):
            continue  # a grader of another checkout on this machine, with its own sandboxes
        if BASE_UID <= uid < BASE_UID + JOBS or "worker.py --scratch" in cmdline:
            found.append(f"{entry.name} uid={uid} {cmdline[:80]}")
    return found


@pytest.fixture(scope="session")
def redteam(tmp_path_factory):
    ok, why = bwrap_works()
    if not ok:
        pytest.skip(f"bubblewrap unusable here: {why}")
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
    started = time.monotonic()
    try:
        report = Grader(
            mc.LAB, root=root, jobs=JOBS, sandbox="bwrap", limits=LIMITS, dataset=dataset,
            data_dirs=[root / "data"], progress=open(os.devnull, "w"),  # noqa: SIM115
        ).grade(root / "submitted")  # fmt: skip
    finally:
        del os.environ["PRODEV_REDTEAM_SECRET"]
    wall = time.monotonic() - started
    return {
        "root": root, "report": report, "wall": wall, "before": before, "after": snapshot(root),
        "listener": listener, "marker": marker, "leftovers": sandbox_processes(),
    }  # fmt: skip
