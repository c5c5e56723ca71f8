"""The reference of lab 16's cache question, for its hidden checks: never shipped to students."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

import pytest

from prodev.kits import dockerfiles


def copied_by(source: str, path: str) -> bool:
    """Whether a COPY source (a file, a directory, `.`, or a pattern whose `*` stays within one
    path component) takes the context file `path`."""
    source = source.removeprefix("./").rstrip("/")
    if source in ("", "."):
        return True
    pattern, parts = source.split("/"), path.split("/")
    return len(parts) >= len(pattern) and all(
        fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts, pattern, strict=False)
    )


def reference_rebuilt_steps(dockerfile: str, changed: list[str]) -> list[int]:
    """Docker's layer cache on a one-stage Dockerfile: from the first COPY/ADD that takes a
    changed file, every instruction runs again."""
    instructions = dockerfiles.parse(dockerfile)
    for index, instruction in enumerate(instructions):
        if instruction.keyword in ("COPY", "ADD"):
            sources = instruction.arguments[:-1]
            if any(copied_by(s, path) for s in sources for path in changed):
                return list(range(index, len(instructions)))
    return []


@pytest.fixture
def rebuilt_reference() -> Callable[[str, list[str]], list[int]]:
    """`rebuilt_reference(dockerfile, changed)`: the answer to compare the student's with."""
    return reference_rebuilt_steps
