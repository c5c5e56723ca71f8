"""One line that says what an error was, for a table or a check's message, not a traceback."""

from __future__ import annotations

import re

# DuckDB (like PostgreSQL) ends a SQL error with the query's line it blames: `LINE 2: FROM t ...`.
_SQL_LINE = re.compile(r"^LINE \d+:.*\S", re.M)


def first_line(text: str, limit: int = 300) -> str:
    """The first line of an error's text, and the `LINE n: ...` line of a SQL error, which says
    where in the query the problem is; cut at a word boundary after `limit` characters."""
    lines = text.strip().splitlines()
    summary = lines[0].strip() if lines else ""
    where = _SQL_LINE.search(text)
    if where and where.group(0) != summary:
        summary += f" ({where.group(0).strip()})"
    if len(summary) > limit:
        summary = summary[:limit].rsplit(" ", 1)[0] + " …"
    return summary
