"""A small course root with one lab, for grading tests: real notebooks, checks and DuckDB data.

`lab90_mini` has four questions: a SQL string (q1), a function (q2), a value (q3) and a function
that calls an HTTP service the grader starts (q4). Hidden checks carry a marker string so tests
can prove that nothing from them reaches results or feedback.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

LAB = "lab90_mini"
HIDDEN_MARKER = "HIDDEN-MARKER-7f3a9c"
GRADEBOOK_MARKER = "GRADEBOOK-MARKER-52be1d"
POINTS = {"q1": 2, "q2": 2, "q3": 1, "q4": 1}

SETUP = """\
import os
from pathlib import Path

import duckdb

DATA = Path(os.environ["PRODEV_DATA_DIR"])
con = duckdb.connect(str(DATA / "mini_seed42_small.duckdb"), read_only=True)
"""

REFERENCE = {
    "q1": 'q1 = """\nSELECT n FROM numbers WHERE n % 2 = 0\n"""\n',
    "q2": "def double(x):\n    return 2 * x\n",
    "q3": 'GREETING = "hello"\n',
    "q4": (
        "import urllib.request\n\n"
        "def fetch(url):\n"
        "    with urllib.request.urlopen(url + '/token', timeout=5) as response:\n"
        "        return response.read().decode()\n"
    ),
}
BLANK = {q: "# YOUR CODE HERE\nraise NotImplementedError()\n" for q in REFERENCE}

PUBLIC_CHECKS = {
    "test_q1.py": """
from prodev.checking import check


@check("q1", points=1)
def test_q1_rows(student, stayhub):
    result = student.sql("q1", stayhub)
    assert len(result) == 3, f"expected 3 rows, got {len(result)}: keep only even numbers"
""",
    "test_q2.py": """
from prodev.checking import check


@check("q2", points=1)
def test_q2_doubles(student):
    got = student.call("double", 3)
    assert type(got) is int and got == 6, "double(3) should be the integer 6"
""",
    "test_q3.py": """
from prodev.checking import check


@check("q3", points=1)
def test_q3_greeting(student):
    assert student.value("GREETING") == "hello", "GREETING should be the string 'hello'"
""",
}

HIDDEN_CHECKS = {
    "test_hidden.py": f'''
"""Hidden checks of the mini lab. {HIDDEN_MARKER}"""

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prodev.checking import assert_rows, check

SECRET_EXPECTATION = "{HIDDEN_MARKER}"


@check("q1", points=1)
def test_q1_unseen(student, stayhub_unseen):
    import duckdb

    con = duckdb.connect(str(stayhub_unseen), read_only=True)
    expected = con.execute("SELECT n FROM numbers WHERE n % 2 = 0").fetchall()
    con.close()
    assert_rows(student.sql("q1", stayhub_unseen), expected, hint="filter on other data")


@check("q2", points=1)
def test_q2_negative(student):
    assert student.call("double", -7) == -14, "double should work for negative numbers too"


@check("q4", points=1)
def test_q4_fetches_from_service(student):
    token = secrets.token_hex(8)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body = token.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = student.expose(server.server_address[1])
        got = student.call("fetch", url)
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["/token"], "the service did not see exactly one GET /token"
    assert got == token, "fetch should return the body the service sent"
''',
}


def _cell(cell_type: str, source: str, **nbgrader: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": cell_type, "metadata": {}, "source": source}
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, **nbgrader}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def notebook(answers: dict[str, str]) -> dict[str, Any]:
    """The lab notebook with these answer cells (the source if `answers` is REFERENCE)."""
    cells = [
        _cell("markdown", "# Mini lab", grade_id="intro", locked=True, solution=False, grade=False),
        _cell("code", SETUP, grade_id="setup", locked=True, solution=False, grade=False),
    ]
    for q, points in POINTS.items():
        cells.append(
            _cell(
                "markdown",
                f"### {q} ({points} points)",
                grade_id=f"{q}_question",
                locked=True,
                solution=False,
                grade=False,
            )
        )
        cells.append(
            _cell("code", answers[q], grade_id=q, locked=False, solution=True, grade=False)
        )
        cells.append(
            _cell(
                "code",
                f'prodev.check("{q}")',
                grade_id=f"{q}_check",
                locked=True,
                solution=False,
                grade=True,
                points=points,
            )
        )
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def make_dataset(data_dir: Path) -> Callable[..., Path]:
    """A `dataset(seed, size)` function that builds a tiny DuckDB file per seed in `data_dir`."""

    def dataset(seed: int, size: str = "small") -> Path:
        import duckdb

        path = data_dir / f"mini_seed{seed}_{size}.duckdb"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)
            con = duckdb.connect(str(tmp))
            con.execute(f"CREATE TABLE numbers AS SELECT range AS n FROM range(1, {seed % 10 + 5})")
            con.close()
            tmp.rename(path)
        return path

    return dataset


def build_course(root: Path) -> Path:
    """Write the mini lab (source, public and hidden checks) and a gradebook marker into `root`."""
    lab_dir = root / "solutions" / LAB
    (lab_dir / "checks").mkdir(parents=True, exist_ok=True)
    (lab_dir / f"{LAB}.ipynb").write_text(json.dumps(notebook(REFERENCE), indent=1))
    for name, text in PUBLIC_CHECKS.items():
        (lab_dir / "checks" / name).write_text(text)
    hidden = root / "autograder" / "checks" / LAB
    hidden.mkdir(parents=True, exist_ok=True)
    for name, text in HIDDEN_CHECKS.items():
        (hidden / name).write_text(text)
    (root / "course_secret.txt").write_text(GRADEBOOK_MARKER)
    return root


def submit(
    root: Path,
    student: str,
    answers: dict[str, str] | None = None,
    edit: Callable[[dict[str, Any]], Any] | None = None,
    raw: bytes | None = None,
) -> Path:
    """Write submitted/<student>/LAB/LAB.ipynb: the reference answers overridden by `answers`,
    then changed by `edit(notebook)`; or exactly the bytes `raw`."""
    path = root / "submitted" / student / LAB / f"{LAB}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        path.write_bytes(raw)
        return path
    nb = notebook({**REFERENCE, **(answers or {})})
    if edit is not None:
        edited = copy.deepcopy(nb)
        changed = edit(edited)
        nb = changed if changed is not None else edited
    path.write_text(json.dumps(nb, indent=1))
    return path
