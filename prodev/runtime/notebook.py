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
    return [source for _, source in labelled_code_to_run(nb)]


def labelled_code_to_run(nb: dict[str, Any]) -> list[tuple[str, str]]:
    """`code_to_run` with a name for each cell that a student recognises: "q3's answer cell"
    for an answer cell (by its nbgrader grade id), "the setup cell", else "code cell N"
    (N counts the cells that run, from 1)."""
    cells = [
        c
        for c in nb["cells"]
        if isinstance(c, dict)
        and c.get("cell_type") == "code"
        and not is_check_cell(c)
        and not is_self_check_call(cell_source(c))
    ]
    return [(_cell_label(c, index), cell_source(c)) for index, c in enumerate(cells, start=1)]


def _cell_label(cell: dict[str, Any], index: int) -> str:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    if isinstance(grade_id, str) and meta.get("solution") and re.fullmatch(r"q\w+", grade_id):
        return f"{grade_id}'s answer cell"
    if grade_id == "setup":
        return "the setup cell"
    return f"code cell {index}"


def question_points(nb: dict[str, Any]) -> dict[str, float]:
    """Each question's points as its check cell carries them (`qN_check`, the heading's figure)."""
    points: dict[str, float] = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if is_check_cell(cell) and isinstance(grade_id, str) and grade_id.endswith("_check"):
            value = meta.get("points")
            if isinstance(value, int | float) and not isinstance(value, bool):
                points[grade_id.removesuffix("_check")] = float(value)
    return points


def describe_cell_error(exc: BaseException) -> str:
    """The first line of a cell's error, as a student would read it: `SyntaxError: invalid
    syntax (line 3)`, `NameError: name 'x' is not defined`, a SQL error with its `LINE n:`."""
    from prodev.runtime.errortext import first_line

    if isinstance(exc, SyntaxError):  # its str() names the file "<cell>", which says nothing
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"{type(exc).__name__}: {exc.msg}{where}"
    text = first_line(str(exc), limit=400)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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
    labels: list[str] | None = None,
) -> Execution:
    """Run `sources` in a fresh IPython shell in `workdir`; a failing cell doesn't stop the rest.

    Printed output goes to `sink` (a StringIO by default; the grader passes a size-capped one).
    `before_cell(index)` is called before each cell runs (index from 1), so a supervisor can tell
    which cell was running if the process dies. An error line starts with the cell's label
    (`labels[i]`, default "code cell N") and gives the first line of the error.
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
                    label = labels[index - 1] if labels else f"code cell {index}"
                    errors.append(f"{label}: {describe_cell_error(exc)}")
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
