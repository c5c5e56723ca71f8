"""ProDev Backend: the course's Python package (datasets, practice services, checks, grading)."""

from __future__ import annotations

import sys
from typing import Any

from prodev import services as services  # prodev.services.postgres(), prodev.services.redis()

# jsonschema (imported by nbformat, nbgrader and Jupyter) builds an RFC 3987 parser at import
# time for its optional "iri" format check: 2 s of every grading run, check and notebook
# start. Nothing in the course validates IRIs, so that optional module is kept out.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
__all__ = ["check", "practice_api"]


def check(*questions: str) -> None:
    """Run the public checks of this lab for `questions` (all if none) and show the results."""
    from prodev.checking.selfcheck import check as _check

    _check(*questions)


def practice_api(**options: Any):
    """Start the StayHub practice API on 127.0.0.1; use as `with prodev.practice_api() as api:`."""
    from prodev.stayhub.api import practice_api as _practice_api

    return _practice_api(**options)
