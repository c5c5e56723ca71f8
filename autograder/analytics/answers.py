"""Each student's answer cells of a lab, read as text from the submitted notebooks, beside the
lab's starter code (what everyone was given) and reference answers.

Submissions are found and opened as grading finds and opens them (autograder/submissions.py:
nbgrader's layout, no symbolic links, a size cap), and an answer is the first code cell with the
answer's grade id, the cell grading runs. Nothing is executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.submissions import find_submissions, load_submission
from prodev.course.layout import Lab
from prodev.runtime.notebook import NotebookError, cell_source, read_notebook

_MARKER_LINE = re.compile(r"^[^\n]*### (?:BEGIN|END) SOLUTION[^\n]*\n?", re.M)
_SOLUTION_BLOCK = re.compile(r"^[^\n]*### BEGIN SOLUTION.*?### END SOLUTION[^\n]*\n?", re.M | re.S)


@dataclass
class ClassAnswers:
    """The answers of a class to one lab, per student and question (the answer's grade id)."""

    lab: str
    questions: list[str]
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)  # student -> why
    starter: dict[str, str] = field(default_factory=dict)
    reference: dict[str, str] = field(default_factory=dict)


def answer_cells(notebook: dict[str, Any], questions: list[str]) -> dict[str, str]:
    """The source of the first code cell carrying each question's grade id."""
    found: dict[str, str] = {}
    cells = notebook.get("cells")
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata")
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if grade_id in questions and grade_id not in found:
            try:
                found[grade_id] = cell_source(cell)
            except TypeError:  # a source list holding something other than text
                continue
    return found


def _is_answer(cell: Any) -> bool:
    """An answer cell of the source notebook (nbgrader's `solution`), read from its metadata so
    that nbgrader, slow to import, is not needed."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbgrader = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return cell.get("cell_type") == "code" and bool(nbgrader.get("solution"))


def read_class_answers(lab: Lab, submitted: Path) -> ClassAnswers:
    """Every student's answers to `lab` under `submitted` (DIR/<student>/LAB/LAB.ipynb)."""
    source = read_notebook(lab.source_notebook)
    answers = [c for c in source["cells"] if _is_answer(c)]
    questions = [c["metadata"]["nbgrader"].get("grade_id") for c in answers]
    result = ClassAnswers(lab.name, [str(q) for q in questions if q])
    for question, cell in answer_cells(source, result.questions).items():
        result.reference[question] = _MARKER_LINE.sub("", cell)
        result.starter[question] = _SOLUTION_BLOCK.sub("", cell)
    try:  # the release is what students started from, when it is there
        result.starter.update(answer_cells(read_notebook(lab.release_notebook), result.questions))
    except NotebookError:
        pass
    for submission in find_submissions(Path(submitted), lab.name):
        try:
            notebook = load_submission(submission.path)
        except NotebookError as exc:
            result.unreadable[submission.student] = str(exc).splitlines()[0][:300]
            continue
        result.answers[submission.student] = answer_cells(notebook, result.questions)
    return result
