"""What nbgrader needs from the process that uses its Python API."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path


def prepare_nbgrader() -> None:
    """Call before opening a gradebook or releasing with nbgrader's Python API.

    nbgrader starts the `alembic` command by name for some database work: this interpreter's
    scripts are put on PATH, so `.venv/bin/prodev ...` works without an activated virtualenv.

    Every new gradebook also asks `alembic heads` for the newest revision of nbgrader's schema,
    in a new process: about 2 s of CPU each time. The answer is fixed by the installed nbgrader,
    so it is read once, in this process, from the same migration scripts, in milliseconds
    (tests/unit/test_gradebook_schema.py proves both give one revision)."""
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = scripts + (os.pathsep + path if path else "")
    import nbgrader.api

    nbgrader.api.get_alembic_version = gradebook_schema_head


@functools.cache
def gradebook_schema_head() -> str:
    """The newest revision of nbgrader's gradebook schema, as `alembic heads` names it."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    (head,) = ScriptDirectory(ALEMBIC_DIR).get_heads()
    return head
