"""IPC between submissions: what one notebook leaves in System V or POSIX IPC, the next notebook
in the same sandbox slot cannot read.

One slot grades three notebooks in order: the writer puts the right q3 answer ("hello") into a
System V shared memory segment, a System V message queue and a POSIX message queue, and answers
q3 wrongly; the reader answers q3 with whatever it finds there, else "nope"; the control answers
"nope" with no trick. The reader must score no more than the control.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import minicourse as mc  # noqa: E402

from autograder.config import Limits  # noqa: E402
from autograder.isolation.sandbox import bwrap_works  # noqa: E402
from autograder.runner import Grader  # noqa: E402

LIBC = """\
import ctypes, ctypes.util
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
librt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
KEY, QUEUE = 0x5EC7E7, b"/prodev-left-behind"
IPC_CREAT, IPC_NOWAIT, O_RDWR, O_CREAT, O_NONBLOCK = 0o1000, 0o4000, 2, 0o100, 0o4000

class Message(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 64)]
"""

WRITER = (
    LIBC
    + """\
segment = libc.shmget(KEY, 4096, IPC_CREAT | 0o600)
address = libc.shmat(segment, None, 0)
ctypes.memmove(address, b"hello\\0", 6)
queue = libc.msgget(KEY, IPC_CREAT | 0o600)
libc.msgsnd(queue, ctypes.byref(Message(1, b"hello")), 64, IPC_NOWAIT)
posix = librt.mq_open(QUEUE, O_RDWR | O_CREAT, 0o600, None)
librt.mq_send(posix, b"hello", 5, 0)
GREETING = "nope"
"""
)

READER = (
    LIBC
    + """\
found = []
segment = libc.shmget(KEY, 0, 0)
if segment >= 0:
    address = libc.shmat(segment, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        found.append(ctypes.string_at(address).decode(errors="replace"))
queue = libc.msgget(KEY, 0)
if queue >= 0:
    message = Message()
    if libc.msgrcv(queue, ctypes.byref(message), 64, 0, IPC_NOWAIT) > 0:
        found.append(message.mtext.decode(errors="replace"))
posix = librt.mq_open(QUEUE, O_RDWR | O_NONBLOCK)
if posix >= 0:
    buffer = ctypes.create_string_buffer(8192)
    if librt.mq_receive(posix, buffer, 8192, None) > 0:
        found.append(buffer.value.decode(errors="replace"))
GREETING = "hello" if "hello" in found else "nope"
"""
)


@pytest.fixture(scope="module")
def ipc_batch(tmp_path_factory):
    ok, why = bwrap_works()
    if not ok:
        pytest.skip(f"bubblewrap unusable here: {why}")
    root = mc.build_course(tmp_path_factory.mktemp("ipc"))
    mc.submit(root, "a_writer", answers={"q3": WRITER})
    mc.submit(root, "b_reader", answers={"q3": READER})
    mc.submit(root, "c_control", answers={"q3": 'GREETING = "nope"\n'})
    report = Grader(
        mc.LAB, root=root, jobs=1, sandbox="bwrap", limits=Limits(timeout=20, request_timeout=5),
        dataset=mc.make_dataset(root / "data"), data_dirs=[root / "data"], gradebook=False,
        progress=open(os.devnull, "w"),  # noqa: SIM115
    ).grade(root / "submitted")  # fmt: skip
    return report


def test_the_writer_ran_its_ipc_calls(ipc_batch):
    # The writer's cell ran to the end (a failed ctypes call would have raised and shown here).
    assert ipc_batch.documents["a_writer"]["cell_errors"] == []


def test_the_next_notebook_in_the_slot_reads_nothing_the_last_one_left(ipc_batch):
    def q3(student: str) -> float:
        return ipc_batch.documents[student]["questions"]["q3"]["score"]

    assert ipc_batch.documents["b_reader"]["cell_errors"] == []
    assert q3("c_control") == 0
    assert q3("b_reader") <= q3("c_control")
