"""The engine's log: one logger per submission, so that every line names the student and the
grading slot. Quiet unless asked for (`prodev -v grade ...`: each step; `-vv`: details)."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any


class SubmissionLog(logging.LoggerAdapter):
    """Log lines about one submission, each starting with `[student slot N]`; the student and
    the slot are also set on every record (`record.student`, `record.slot`) for other formats."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        extra = kwargs["extra"]
        return f"[{extra['student']} slot {extra['slot']}] {msg}", kwargs


def submission_log(student: str, slot: int | str) -> SubmissionLog:
    """The logger of one submission graded in `slot` ("-" when no slot is involved)."""
    logger = logging.getLogger("autograder.submission")
    return SubmissionLog(logger, {"student": student, "slot": slot})
