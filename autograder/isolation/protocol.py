"""Length-prefixed JSON frames: the only thing that crosses the sandbox boundary.

Used on both sides (the grader and the sandboxed worker), so it imports nothing from the course.
A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON holding one object.
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

# The largest frame either side accepts: answers are capped at 1 MB by prodev.runtime, a
# cell run's printed output at 1 MB by the worker; the rest is slack for the envelope.
MAX_FRAME_BYTES = 3_000_000
_HEADER = struct.Struct(">I")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed frame."""


def encode(message: dict[str, Any]) -> bytes:
    """One frame holding `message`."""
    body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(body):,} bytes exceeds {MAX_FRAME_BYTES:,}")
    return _HEADER.pack(len(body)) + body


def write_frame(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one frame and flush it."""
    stream.write(encode(message))
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO) -> dict[str, Any] | None:
    """Read one frame; None at a clean end of stream, ProtocolError for anything malformed."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {size:,} bytes announced; the limit is {MAX_FRAME_BYTES:,}")
    body = _read_exactly(stream, size)
    if body is None:
        raise ProtocolError("the stream ended in the middle of a frame")
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"a frame is not JSON ({exc})") from None
    if not isinstance(message, dict):
        raise ProtocolError("a frame is not a JSON object")
    return message
