"""Self-check: run a lab's public checks against a student's answers and show the results.

`prodev.check("q2")` in a lab's check cell asks the live kernel; `prodev check NOTEBOOK` runs the
notebook's answer cells first. Both use the same checks and fixtures as grading (public part).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from prodev.checking.checkrun import CheckResult, ChecksPlugin, run_checks
from prodev.checking.student import InProcessStudent
from prodev.course.paths import PUBLIC_SEED
from prodev.errors import UserError


class ChecksFailed(UserError, AssertionError):
    """Raised by a check cell when a check fails, so nbgrader sees the cell fail too."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[31m{self}\x1b[0m"]


class NoChecksError(UserError, LookupError):
    """The lab's checks cannot be found: no checks/ folder, or none for the questions asked."""


def _dataset(seed: int, size: str) -> Path:
    from prodev.stayhub.data import (
        dataset_path,  # imported late: only checks that need data pay for it
    )

    return dataset_path(seed=seed, size=size)


def checks_dir_for(lab_dir: Path) -> Path:
    checks = Path(lab_dir) / "checks"
    if not checks.is_dir():
        raise NoChecksError(
            f"no checks/ folder in {lab_dir}: open the lab from its own folder "
            "(labs/labNN_slug/) so that its checks sit beside it"
        )
    return checks


def public_plugin_arguments(
    namespace: Mapping[str, Any], questions: Iterable[str] | None = None
) -> dict[str, Any]:
    """What a ChecksPlugin for the public checks of a self-check is made of."""
    return {
        "student": InProcessStudent(namespace),
        "dataset": _dataset,
        "public_seed": PUBLIC_SEED,
        "questions": questions,
    }


def run_public_checks(
    namespace: Mapping[str, Any], lab_dir: Path, questions: Iterable[str] | None = None
) -> list[CheckResult]:
    plugin = ChecksPlugin(**public_plugin_arguments(namespace, questions))
    results = run_checks([checks_dir_for(lab_dir)], plugin)
    if questions and not results:
        raise NoChecksError(f"no checks found for {', '.join(questions)} in {lab_dir / 'checks'}")
    return results


def summarise(results: list[CheckResult]) -> dict[str, dict[str, float]]:
    """Per question: points scored and points possible."""
    totals: dict[str, dict[str, float]] = {}
    for r in results:
        t = totals.setdefault(r.question, {"score": 0.0, "max_score": 0.0})
        t["score"] += r.score
        t["max_score"] += r.points
    return totals


def points_line(results: list[CheckResult], heading_points: Mapping[str, float] | None) -> str:
    """What the public checks scored, and how that relates to the points in the questions'
    headings: public checks carry part of each question's points, hidden ones the rest."""
    total = sum(r.score for r in results)
    possible = sum(r.points for r in results)
    line = f"public checks: {total:g} of {possible:g} points"
    asked = {r.question for r in results}
    headings = sum(v for q, v in (heading_points or {}).items() if q in asked)
    if headings > possible:
        line += (
            f"; hidden checks at grading make up the other {headings - possible:g} "
            f"of the {headings:g} points in the headings"
        )
    return line


def heading_points_beside(lab_dir: Path) -> dict[str, float]:
    """The questions' points from the lab notebook in `lab_dir` (named like the folder), if any."""
    from prodev.runtime.notebook import question_points, read_notebook

    path = Path(lab_dir) / f"{Path(lab_dir).name}.ipynb"
    try:
        return question_points(read_notebook(path))
    except UserError:
        return {}


def format_table(
    results: list[CheckResult], heading_points: Mapping[str, float] | None = None
) -> str:
    """A plain-text table: question, points, result, message; then the totals."""
    rows = [("question", "points", "result", "check / message")]
    for r in results:
        pts = f"{r.score:g}/{r.points:g}"
        rows.append((r.question, pts, "passed" if r.passed else "FAILED", r.name))
        if not r.passed:
            rows.append(("", "", "", "  " + r.message.replace("\n", " ")))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in rows
    ]
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} checks passed")
    lines.append(points_line(results, heading_points))
    return "\n".join(lines)


class Report:
    """The results of a check cell; shown as a table in JupyterLab, as text elsewhere."""

    def __init__(
        self, results: list[CheckResult], heading_points: Mapping[str, float] | None = None
    ):
        self.results = results
        self.heading_points = heading_points

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def __repr__(self) -> str:
        return format_table(self.results, self.heading_points)

    def _repr_html_(self) -> str:
        rows = []
        for r in self.results:
            colour = "#1a7f37" if r.passed else "#cf222e"
            mark = "✔" if r.passed else "✘"
            msg = "" if r.passed else html.escape(r.message)
            rows.append(
                f"<tr><td>{html.escape(r.question)}</td><td style='color:{colour}'>{mark} "
                f"{r.score:g}/{r.points:g}</td><td><code>{html.escape(r.name)}</code></td>"
                f"<td style='text-align:left'>{msg}</td></tr>"
            )
        return (
            "<table><thead><tr><th>question</th><th>points</th><th>check</th><th>message</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p>{html.escape(points_line(self.results, self.heading_points))}</p>"
        )


def check(*questions: str) -> None:
    """Run the public checks for `questions` (all if none) against this kernel's answers.

    Shows a table of results; raises ChecksFailed when any check fails, so that the cell is
    marked as failed in the notebook and in nbgrader.
    """
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    if shell is None:
        raise RuntimeError(
            "prodev.check() runs inside a notebook; use `prodev check NOTEBOOK` in a terminal"
        )
    results = run_public_checks(shell.user_ns, Path.cwd(), questions or None)
    report = Report(results, heading_points_beside(Path.cwd()))
    display(report)
    if not report.passed:
        failed = [r for r in results if not r.passed]
        raise ChecksFailed(f"{len(failed)} of {len(results)} checks failed: see the table above")
