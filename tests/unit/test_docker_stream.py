"""Reading the worker's stdout from Docker's attach stream, on a real socket pair (no Docker
engine needed): frames of stdout and stderr interleave, each behind an 8-byte header."""

from __future__ import annotations

import socket
import struct
import threading

from autograder.isolation.protocol import encode, read_frame
from autograder.isolation.sandbox import StdoutReader

STDOUT, STDERR = 1, 2


def framed(stream: int, payload: bytes) -> bytes:
    """What the Docker engine writes for one chunk of one stream."""
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def feed(chunks: list[bytes]) -> socket.socket:
    """A socket whose peer sends `chunks` one send() at a time, then closes."""
    ours, theirs = socket.socketpair()

    def send() -> None:
        with theirs:
            for chunk in chunks:
                theirs.sendall(chunk)

    threading.Thread(target=send, daemon=True).start()
    return ours


def read_all(reader: StdoutReader, size: int = 7) -> bytes:
    data = b""
    while chunk := reader.read(size):
        data += chunk
    return data


def test_only_stdout_comes_through_in_order():
    wire = (
        framed(STDOUT, b"hello ")
        + framed(STDERR, b"a warning on stderr\n")
        + framed(STDOUT, b"world")
        + framed(STDERR, b"more stderr")
        + framed(STDOUT, b"!" * 5000)
    )
    reader = StdoutReader(feed([wire]))
    assert read_all(reader) == b"hello world" + b"!" * 5000
    assert reader.read(10) == b"", "the end of the stream stays the end"


def test_headers_and_bodies_split_across_sends():
    wire = framed(STDERR, b"noise") + framed(STDOUT, b"0123456789") + framed(STDOUT, b"abc")
    pieces = [wire[i : i + 3] for i in range(0, len(wire), 3)]  # every header cut in three
    assert read_all(StdoutReader(feed(pieces)), size=4) == b"0123456789abc"


def test_the_workers_frames_survive_the_demultiplexing():
    """What the session reads from a Docker worker: protocol frames inside stdout chunks."""
    first, second = encode({"event": "ready", "warmup_seconds": 0.5}), encode({"event": "done"})
    wire = (
        framed(STDOUT, first[:3])
        + framed(STDERR, b"Traceback (most recent call last): ...")
        + framed(STDOUT, first[3:] + second)
    )
    reader = StdoutReader(feed([wire]))
    assert read_frame(reader) == {"event": "ready", "warmup_seconds": 0.5}
    assert read_frame(reader) == {"event": "done"}
    assert read_frame(reader) is None


def test_a_stream_cut_in_the_middle_of_a_frame_ends_cleanly():
    wire = framed(STDOUT, b"complete") + framed(STDOUT, b"cut short")[:-4]
    assert read_all(StdoutReader(feed([wire]))) == b"complete" + b"cut s"
