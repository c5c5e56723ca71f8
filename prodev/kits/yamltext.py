"""YAML a student wrote, read for the checks: safe tags only, and a bound on what it expands to.

`yaml.safe_load` shares an aliased node instead of copying it, so a few lines of nested anchors
and aliases load in milliseconds as a tree of billions of values. Whatever walks that tree next (a
schema validator, an error message quoting a value, a linter reading the same text) would spend
the grader's memory and time on it. Such text is refused before any of that runs; the labs' own
workflows, manifests and Compose files hold a few hundred values.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_VALUES = 100_000


class TooLarge(ValueError):
    """The YAML expands to more values than a check will read."""


def expanded_size(value: Any, limit: int = MAX_VALUES) -> int:
    """How many values `value` holds once every alias is copied out, counting each distinct node
    once (so counting stays cheap); a node that contains itself counts as over `limit`."""
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key not in sizes:
            sizes[key] = limit + 1  # seen again before it is counted: it contains itself
            children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            sizes[key] = min(limit + 1, 1 + sum(size(child) for child in children))
        return sizes[key]

    return size(value)


def _checked(load: Any, text: str, what: str) -> Any:
    try:
        loaded = load(text)
    except RecursionError:
        raise TooLarge(f"{what} is nested too deeply to read") from None
    try:
        total = expanded_size(loaded)
    except RecursionError:
        raise TooLarge(f"{what} is nested too deeply to read") from None
    if total > MAX_VALUES:
        raise TooLarge(
            f"{what} expands to more than {MAX_VALUES:,} values through its anchors and aliases: "
            "write the YAML out plainly"
        )
    return loaded


def safe_load(text: str, what: str = "the YAML") -> Any:
    """`yaml.safe_load`, refusing text that expands too far (TooLarge); YAMLError as usual."""
    return _checked(yaml.safe_load, text, what)


def safe_load_all(text: str, what: str = "the YAML") -> list[Any]:
    """Every document of `text`, as `yaml.safe_load_all` reads them, bounded together."""
    return _checked(lambda t: list(yaml.safe_load_all(t)), text, what)
