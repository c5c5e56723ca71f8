"""prodev check NOTEBOOK [--json] [--question Q] [--timeout S]"""

import json
import sys
from pathlib import Path

from prodev.errors import UserError

_DEFAULT_TIMEOUT = 60.0  # the same as prodev.checking.watched.DEFAULT_TIMEOUT (imported late)


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="run a lab notebook's public checks; exit 0 iff all pass")
    p.add_argument(
        "notebook",
        type=Path,
        help="the lab notebook, e.g. labs/lab04_advanced_sql/lab04_advanced_sql.ipynb",
    )
    p.add_argument("-q", "--question", action="append", help="only this question (repeatable)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--timeout",
        type=float,
        default=_DEFAULT_TIMEOUT,
        metavar="S",
        help="seconds the notebook's cells may run, all together, and each question's checks "
        f"(default {_DEFAULT_TIMEOUT:g}, as for grading); what runs longer is stopped",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from prodev.checking.selfcheck import format_table, summarise
    from prodev.checking.watched import check_notebook
    from prodev.runtime.notebook import question_points, read_notebook

    if args.timeout <= 0:
        raise UserError("--timeout must be a positive number of seconds")
    path: Path = args.notebook.resolve()
    headings = question_points(read_notebook(path))  # says at once if it is no notebook
    # Progress goes to stderr, so that --json keeps stdout to the JSON alone.
    run = check_notebook(path, args.question, args.timeout, progress=sys.stderr)
    if args.question and not run.results:
        raise UserError(f"no checks found for {', '.join(args.question)} in {path.parent}/checks")
    results = [_blame_the_answer_cell(r, run.answer_problems) for r in run.results]
    if args.json:
        print(
            json.dumps(
                {
                    "notebook": str(args.notebook),
                    "cell_errors": run.cell_errors,
                    "stopped": run.stopped,
                    "questions": summarise(results),
                    "question_points": headings,
                    "checks": [r.to_dict() for r in results],
                },
                indent=2,
            )
        )
    else:
        for line in run.stopped:
            print(f"stopped: {line}")
        for error in run.cell_errors:
            print(f"cell error: {error}")
        print(format_table(results, headings))
    return 0 if results and all(r.passed for r in results) else 1


def _blame_the_answer_cell(result, answer_problems: dict[str, str]):
    """A failed check of a question whose answer cell raised (or was stopped) says so first:
    "`q1` is not defined" alone sends a student looking for a cell they did run."""
    problem = answer_problems.get(result.question)
    if result.passed or problem is None or problem == "raised NotImplementedError":
        return result  # the placeholder: the check's own message says "not answered yet"
    from dataclasses import replace

    return replace(
        result,
        message=f"{result.question}'s answer cell {problem}: fix that first "
        f"(the check then said: {result.message})",
    )
