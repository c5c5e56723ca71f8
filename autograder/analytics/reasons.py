"""Why submissions lost points, in groups, and which submissions ran into a grading limit.

Failure messages of one check differ only in their numbers and quoted values ("expected 250
rows, got 231" and "expected 250 rows, got 12", or "`q5` holds no query yet" and "`q6` holds no
query yet"), so a message is grouped by its shape: numbers become N, quoted text, code in
backquotes and bracketed lists an ellipsis. The limits are recognised by the words
the grader writes when it stops a submission (autograder/isolation/session.py, runner.py).
"""

from __future__ import annotations

import re

from autograder.results.document import ResultsDocument

_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_CODE = re.compile(r"`[^`\n]*`")
_BRACKETED = re.compile(r"\[[^\[\]\n]*\]|\{[^{}\n]*\}|\([^()\n]*\d[^()\n]*\)")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d_,]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])", re.I)
_SPACE = re.compile(r"\s+")
MAX_REASON = 200

# (what the report calls the limit, words the grader writes when a submission runs into it)
LIMITS = (
    ("notebook time limit", ("ran past the notebook's time limit",)),
    ("memory limit", ("used more memory than",)),
    ("answer time limit", ("did not answer within", "did not answer in time")),
    ("checks time limit", ("checks of this notebook ran past", "checks of this submission ran")),
    ("gave up after repeated crashes or timeouts", ("crashed or timed out",)),
)


def reason_key(message: str) -> str:
    """The shape of a failure message: its first line, numbers and quoted values replaced."""
    line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    line = _CODE.sub("`…`", line)
    line = _QUOTED.sub("'…'", line)
    line = _BRACKETED.sub("[…]", line)
    line = _NUMBER.sub("N", line)
    line = _SPACE.sub(" ", line).strip()
    return line[:MAX_REASON] or "(no message)"


def limits_hit(document: ResultsDocument) -> list[tuple[str, str]]:
    """(limit, the line that says so) for every grading limit the submission ran into."""
    lines = [*document.get("notes", []), *document.get("output", "").splitlines()]
    lines += [t.get("output", "") for t in document.get("tests", []) if t.get("output")]
    found: dict[str, str] = {}
    for line in lines:
        for limit, words in LIMITS:
            if limit not in found and any(w in line for w in words):
                found[limit] = line.strip().splitlines()[0][:MAX_REASON]
    return list(found.items())
