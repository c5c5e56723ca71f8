"""prodev check NOTEBOOK [--json] [--question Q]"""

import json
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="run a lab notebook's public checks; exit 0 iff all pass")
    p.add_argument(
        "notebook",
        type=Path,
        help="the lab notebook, e.g. labs/lab04_advanced_sql/lab04_advanced_sql.ipynb",
    )
    p.add_argument("-q", "--question", action="append", help="only this question (repeatable)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from prodev.checking.selfcheck import format_table, run_public_checks, summarise
    from prodev.runtime.notebook import (
        close_sql_connections,
        code_to_run,
        read_notebook,
        run_cells,
    )

    path: Path = args.notebook.resolve()
    nb = read_notebook(path)
    execution = run_cells(code_to_run(nb), path.parent)
    try:
        results = run_public_checks(execution.namespace, path.parent, args.question)
    finally:
        close_sql_connections()
    if args.json:
        print(
            json.dumps(
                {
                    "notebook": str(args.notebook),
                    "cell_errors": execution.errors,
                    "questions": summarise(results),
                    "checks": [r.to_dict() for r in results],
                },
                indent=2,
            )
        )
    else:
        for error in execution.errors:
            print(f"note: {error}")
        print(format_table(results))
    return 0 if results and all(r.passed for r in results) else 1
