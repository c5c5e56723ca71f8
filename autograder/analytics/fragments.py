"""Which lines two answers share, for showing a pair side by side.

Run only for the pairs a page shows. Each line is reduced as the scoring reduced the whole answer
(the names each answer chose become `v`, literals `s` and `0`, comments and spacing go), so a
renamed or re-indented line still matches, and it matches wherever it sits in the other answer,
so moved lines and reordered clauses are still marked. Lines the starter code already holds, and
lines too short to mean anything, are never marked.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|\w+|[^\s\w]")
MIN_TOKENS = 3  # `)`, `FROM t` or `return v` match everywhere and say nothing


def line_key(line: str, names: frozenset[str] | set[str]) -> str | None:
    """The reduced form of one line, or None if it is too short to compare."""
    tokens: list[str] = []
    previous = ""
    for token in _TOKEN.findall(line):
        if token == "#" or (token == "-" and previous == "-"):  # a comment runs to the end
            if token == "-":
                tokens.pop()
            break
        previous = token
        if token[0] in "\"'" and len(token) > 1:
            tokens.append("s")
        elif token[0].isdigit():
            tokens.append("0")
        elif token.lower() in names:
            tokens.append("v")
        else:
            tokens.append(token.lower())
    return " ".join(tokens) if len(tokens) >= MIN_TOKENS else None


def shared_lines(
    a: str,
    b: str,
    names_a: frozenset[str],
    names_b: frozenset[str],
    starter: str = "",
) -> tuple[set[int], set[int]]:
    """The 0-based numbers of the lines of `a` and of `b` whose reduced form the other holds."""
    keys_a = [line_key(line, names_a) for line in a.splitlines()]
    keys_b = [line_key(line, names_b) for line in b.splitlines()]
    given = {line_key(line, names_a | names_b) for line in starter.splitlines()}
    common = (set(keys_a) & set(keys_b)) - given - {None}
    return (
        {i for i, key in enumerate(keys_a) if key in common},
        {i for i, key in enumerate(keys_b) if key in common},
    )
