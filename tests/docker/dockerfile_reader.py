"""A small Dockerfile reader for the image tests: stages and their instructions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str] | None:
        """The JSON (exec form) argument list, or None for the shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        return json.loads(text)


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword.upper()]


def logical_lines(text: str) -> list[str]:
    """Join backslash continuations and drop comments and blank lines."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") and not current:
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            lines.append(current.strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def parse(path: Path) -> tuple[list[Instruction], dict[str, Stage]]:
    """Global instructions (before the first FROM) and the stages by name, in order."""
    preamble: list[Instruction] = []
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    for line in logical_lines(Path(path).read_text()):
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            assert match, f"cannot read FROM {args!r}"
            name = match.group(2) or f"stage{len(stages)}"
            stage = Stage(name, match.group(1))
            stages[name] = stage
        elif stage is None:
            preamble.append(Instruction(keyword, args))
        else:
            stage.instructions.append(Instruction(keyword, args))
    return preamble, stages


def lineage(stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    chain = [stages[name]]
    while chain[-1].base in stages:
        chain.append(stages[chain[-1].base])
    return chain


def effective_user(stages: dict[str, Stage], name: str) -> str | None:
    """The USER a container of this target runs as (the last USER along its lineage)."""
    for stage in lineage(stages, name):
        users = stage.all("USER")
        if users:
            return users[-1].args.strip()
    return None
