"""Read a lab notebook and run its answer cells with IPython semantics (magics included)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from prodev.errors import UserError


class NotebookError(UserError):
    """The file is not a notebook we can grade; the message says what is wrong."""


def read_notebook(path: Path, max_bytes: int = 20_000_000) -> dict[str, Any]:
    """Parse a .ipynb file (nbformat 4) without trusting it; raise NotebookError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"{path} does not exist or is not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise NotebookError(
            f"{path.name} is {size / 1e6:.1f} MB; notebooks over {max_bytes / 1e6:.0f} MB "
            "are not graded: clear its outputs (Edit > Clear Outputs of All Cells) and save"
        )
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(
            f"{path.name} is not valid notebook JSON ({exc}); "
            "restore it from a checkpoint (File > Revert) or re-download the lab"
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path.name} has no list of cells: it is not a Jupyter notebook")
    if nb.get("nbformat") != 4:
        raise NotebookError(
            f"{path.name} is nbformat {nb.get('nbformat')}; "
            "open and save it with a current JupyterLab (nbformat 4)"
        )
    return nb


def cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def is_check_cell(cell: dict[str, Any]) -> bool:
    """A locked cell that nbgrader grades (grade=True, solution=False): it only runs checks.

    The same rule as `nbgrader.utils.is_grade(cell) and not nbgrader.utils.is_solution(cell)`
    (tests/unit/test_cell_rules.py proves it on every lab), read directly from the metadata because
    importing nbgrader takes seconds and this runs in every self-check."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


# A code cell that only runs checks, such as a lab's closing `prodev.check()`, perhaps after
# `import prodev` and with a `;`. The one definition: self-check and the grader both skip them.
_SELF_CHECK_CALL = re.compile(r"\s*(import prodev\s+)?prodev\.check\([^()]*\)\s*;?\s*")


def is_self_check_call(source: str) -> bool:
    """Whether a code cell's source does nothing but run checks (`prodev.check(...)`)."""
    return _SELF_CHECK_CALL.fullmatch(source) is not None


def code_to_run(nb: dict[str, Any]) -> list[str]:
    """The code cells a grader or self-check executes: all but the cells that run checks."""
    return [
        cell_source(c)
        for c in nb["cells"]
        if isinstance(c, dict)
        and c.get("cell_type") == "code"
        and not is_check_cell(c)
        and not is_self_check_call(cell_source(c))
    ]


@dataclass
class Execution:
    """What happened when the cells ran: the namespace and one line per failing cell."""

    namespace: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    output: str = ""


def run_cells(
    sources: list[str],
    workdir: Path,
    sink: TextIO | None = None,
    before_cell: Callable[[int], None] | None = None,
) -> Execution:
    """Run `sources` in a fresh IPython shell in `workdir`; a failing cell doesn't stop the rest.

    Printed output goes to `sink` (a StringIO by default; the grader passes a size-capped one).
    `before_cell(index)` is called before each cell runs (index from 1), so a supervisor can tell
    which cell was running if the process dies.
    """
    os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
    os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.reset(new_session=False)  # one shell per process: start every notebook from scratch
    errors: list[str] = []
    sink = sink if sink is not None else io.StringIO()
    old = Path.cwd()
    os.chdir(workdir)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for index, source in enumerate(sources, start=1):
                if before_cell is not None:
                    before_cell(index)
                result = shell.run_cell(source, store_history=False, silent=False)
                exc = result.error_before_exec or result.error_in_exec
                if exc is not None:
                    errors.append(f"code cell {index}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        os.chdir(old)
    output = sink.getvalue() if hasattr(sink, "getvalue") else ""
    return Execution(shell.user_ns, errors, output)


def close_sql_connections() -> None:
    """Close jupysql's connections now, quietly (otherwise it prints "Closing ..." at exit)."""
    try:
        from sql.connection import ConnectionManager
    except ImportError:
        return
    with contextlib.redirect_stdout(io.StringIO()):
        ConnectionManager.close_all()
