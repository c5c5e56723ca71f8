"""Read a Mermaid `erDiagram` into entities, attributes and relationships, so checks can grade it.

Mermaid draws an ER diagram from text such as `USERS ||--o{ BOOKINGS : makes`; JupyterLab renders
it in Markdown. Each end of a relationship carries a cardinality marker: `||` exactly one, `|o` or
`o|` zero or one, `}o` or `o{` zero or more, `}|` or `|{` one or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from prodev.errors import UserError

# (minimum, maximum) of each marker; "n" stands for many.
_LEFT = {"||": (1, 1), "|o": (0, 1), "}o": (0, "n"), "}|": (1, "n")}
_RIGHT = {"||": (1, 1), "o|": (0, 1), "o{": (0, "n"), "|{": (1, "n")}

_RELATION = re.compile(
    r"^\s*([\w-]+)\s+(\|\||\|o|\}o|\}\|)(?:--|\.\.)(\|\||o\||o\{|\|\{)\s+([\w-]+)\s*(?::.*)?$"
)
_BLOCK_START = re.compile(r"^\s*([\w-]+)\s*\{\s*$")
_ATTRIBUTE = re.compile(r"^\s*([\w()\[\],-]+)\s+([\w-]+)((?:\s+(?:PK|FK|UK)\s*,?)*)")


@dataclass(frozen=True)
class Relationship:
    """`left` relates to `right`; `at_left` is how many `left` rows one `right` row has."""

    left: str
    right: str
    at_left: tuple
    at_right: tuple

    def cardinality_at(self, entity: str) -> tuple:
        """How many `entity` rows one row of the other entity relates to, as (min, max)."""
        return self.at_left if entity == self.left else self.at_right


@dataclass
class ERDiagram:
    entities: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # attr -> {PK, FK}
    relationships: list[Relationship] = field(default_factory=list)

    def between(self, a: str, b: str) -> list[Relationship]:
        """The relationships that join entities `a` and `b`, in either direction."""
        return [r for r in self.relationships if {r.left, r.right} == {a, b}]


class DiagramError(UserError, ValueError):
    """The text is not a Mermaid erDiagram this parser understands; the message says where."""


def parse(text: str) -> ERDiagram:
    """Parse Mermaid erDiagram text; entity names are upper-cased, attribute names lower-cased."""
    if not isinstance(text, str) or not text.strip():
        raise DiagramError("the diagram is empty: start it with the line `erDiagram`")
    lines = [line.split("%%")[0].rstrip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line.strip()]
    if lines[0].strip() != "erDiagram":
        raise DiagramError(f"the first line should be `erDiagram`, not `{lines[0].strip()}`")
    diagram = ERDiagram()
    block: str | None = None
    for number, line in enumerate(lines[1:], start=2):
        stripped = line.strip()
        if block is not None:
            if stripped == "}":
                block = None
                continue
            match = _ATTRIBUTE.match(stripped)
            if not match:
                raise DiagramError(f"line {number}: `{stripped}` is not `type name [PK|FK]`")
            keys = set(re.findall(r"PK|FK|UK", match.group(3) or ""))
            diagram.entities[block][match.group(2).lower()] = keys
            continue
        start = _BLOCK_START.match(stripped)
        if start:
            block = start.group(1).upper()
            diagram.entities.setdefault(block, {})
            continue
        relation = _RELATION.match(stripped)
        if relation:
            left, lmark, rmark, right = relation.groups()
            left, right = left.upper(), right.upper()
            diagram.entities.setdefault(left, {})
            diagram.entities.setdefault(right, {})
            diagram.relationships.append(Relationship(left, right, _LEFT[lmark], _RIGHT[rmark]))
            continue
        raise DiagramError(
            f"line {number}: `{stripped}` is neither a relationship "
            "(`A ||--o{ B : label`) nor the start of an attribute block (`A {`)"
        )
    if block is not None:
        raise DiagramError(f"the attribute block of {block} is not closed with `}}`")
    return diagram
