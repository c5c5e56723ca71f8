"""Formgrader's *Autograde* and *Generate Feedback* buttons, made to run prodev's grading.

nbgrader's own buttons would run a student's notebook outside any sandbox, replace
`autograded/<student>/LAB/` (formgrader then loses the student until the next `prodev grade`) and
overwrite the course's feedback page with a score-only one. The course's `nbgrader_config.py`
swaps in the two classes below, so that the buttons, and `nbgrader autograde` /
`nbgrader generate_feedback` typed in a terminal, do what `prodev grade LAB --student ID` and
`prodev feedback LAB` do:

- `GradeWithProdev` is Autograde's only grading step (nbgrader's `Execute`, `SaveAutoGrades` and
  `AssignLatePenalties` are left out): it grades the student's submission with `prodev grade` in
  the sandbox, which writes the results, the gradebook scores, reasons as auto comments, kept
  manual scores and the late penalty, and the output-cleared copy that nbgrader then saves.
- `ProdevFeedbackPage` is GenerateFeedback's exporter: the page it writes is prodev's feedback
  page from `results/LAB/<student>.json`.

Both run in the course folder (nbgrader changes to `CourseDirectory.root` before converting).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import Exporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

from prodev.errors import UserError

# Longest stretch of `prodev grade`'s error output that nbgrader is given to show.
_ERROR_CHARS = 2000


class ProdevGradingError(UserError, RuntimeError):
    """`prodev grade` did not grade the submission; formgrader shows this message."""


def _ids(resources: dict[str, Any]) -> tuple[str, str]:
    ids = resources.get("nbgrader") or {}
    return str(ids["assignment"]), str(ids["student"])


class GradeWithProdev(Preprocessor):
    """Grade one student's submission with `prodev grade --student`, and hand nbgrader the
    autograded copy that it wrote (outputs cleared) instead of a notebook run by nbgrader."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        lab, student = _ids(resources)
        course = Path.cwd()
        env = {**os.environ, "PRODEV_HOME": str(course)}
        done = subprocess.run(
            [sys.executable, "-m", "prodev", "grade", lab, "--student", student,
             "--root", str(course)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise ProdevGradingError(
                f"`prodev grade {lab} --student {student}` failed (exit {done.returncode}): "
                + (done.stderr or done.stdout).strip()[-_ERROR_CHARS:]
            )
        notebook = resources["nbgrader"]["notebook"]
        graded = course / "autograded" / student / lab / f"{notebook}.ipynb"
        if not graded.is_file():
            raise ProdevGradingError(
                f"`prodev grade` graded {student} but wrote no {graded}: is the submission "
                "a collected one (submitted/<student>/LAB/ with timestamp.txt)?"
            )
        return nbformat.read(str(graded), as_version=4), resources


class ProdevFeedbackPage(Exporter):
    """The feedback page `prodev feedback` writes, for the student nbgrader is converting."""

    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    def from_notebook_node(
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        from autograder.results.document import read_results_if_valid
        from autograder.results.feedback import render

        resources = self._init_resources(resources)
        lab, student = _ids(resources)
        path = Path.cwd() / "results" / lab / f"{student}.json"
        document = read_results_if_valid(path)
        if document is None:
            raise ProdevGradingError(
                f"no prodev results for {student} in {path}: grade first (formgrader's "
                f"Autograde, or `prodev grade {lab} --student {student}`)"
            )
        resources["output_extension"] = ".html"
        return render(document, lab), resources
