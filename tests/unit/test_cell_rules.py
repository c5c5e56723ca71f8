"""Which cells of a lab are answers, checks, locked code, or a bare `prodev.check()` call: one
rule each, the same for self-check, the grader and nbgrader."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import is_grade, is_solution

from autograder.submissions import read_lab_source
from prodev.runtime.notebook import cell_source, code_to_run, is_check_cell, is_self_check_call

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "solutions").glob("lab*/lab*.ipynb"))
RELEASES = sorted((ROOT / "labs").glob("lab*/lab*.ipynb"))


@pytest.mark.parametrize(
    "source",
    [
        "prodev.check()",
        'prodev.check("q1")',
        "prodev.check('q1', 'q2');",
        "  prodev.check()\n\n",
        "import prodev\nprodev.check()",
    ],
)
def test_a_cell_that_only_runs_checks(source):
    assert is_self_check_call(source)


@pytest.mark.parametrize(
    "source",
    [
        "answer = 42\nprodev.check()",
        "prodev.check()\nanswer = 42",
        "prodev.check(compute())",  # runs the student's code: must run
        "import os\nprodev.check()",
        "# prodev.check()",
        "prodev.checker()",
        "",
    ],
)
def test_a_cell_that_does_more_than_run_checks(source):
    assert not is_self_check_call(source)


def test_self_check_skips_check_cells_and_bare_check_calls_only():
    def code(source, **nbgrader):
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": nbgrader}}

    nb = {
        "cells": [
            code("import prodev", locked=True),
            code("x = 1", solution=True, grade=False),
            code("prodev.check('q1')", grade=True, solution=False, points=1),
            code("y = x + 1"),
            code("prodev.check()"),
        ]
    }
    assert code_to_run(nb) == ["import prodev", "x = 1", "y = x + 1"]


@pytest.mark.parametrize("path", SOURCES + RELEASES, ids=lambda p: p.name)
def test_check_cells_are_nbgraders_grade_cells_that_are_not_solutions(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    kinds = [
        (is_check_cell(c), bool(is_grade(n) and not is_solution(n)))
        for c in cells
        for n in [nbformat.from_dict(c)]
    ]
    assert kinds and all(mine == nbgraders for mine, nbgraders in kinds)
    assert any(mine for mine, _ in kinds), f"{path.name} has no check cell"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_grader_reads_the_same_kinds_from_the_source(path):
    source = read_lab_source(path)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert len(source.cells) == len(cells)
    for mine, raw in zip(source.cells, cells, strict=True):
        meta = raw.get("metadata", {}).get("nbgrader", {})
        expected = "answer" if meta.get("solution") else "check" if meta.get("grade") else "locked"
        assert mine.kind == expected and mine.source == cell_source(raw)
    closing = [c for c in source.cells if c.kind == "locked" and is_self_check_call(c.source)]
    assert closing, f"{path.name} should end with a cell that runs every check"
