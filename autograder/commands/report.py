"""prodev report LAB [--results DIR] [--out DIR] [--due WHEN] [--json]"""

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="class analytics of a graded lab: one HTML page with plots (or --json)",
    )
    p.add_argument("lab", metavar="LAB", help="the lab, e.g. lab04_advanced_sql")
    p.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="what grading wrote: the --out folder of `prodev grade` or `prodev merge-results` "
        "(holding LAB/), a folder of shards (shard-0/LAB/, ...), or a folder of results "
        "documents (default: the course's results/)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write report.html (default: the folder the results were read from)",
    )
    p.add_argument(
        "--due",
        metavar="WHEN",
        help='the due date, e.g. "2026-03-20 17:00:00 UTC" (default: from nbgrader\'s gradebook)',
    )
    p.add_argument("--json", action="store_true", help="print the numbers as JSON, no page")
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.analytics.late import parse_time
    from autograder.analytics.loading import load_results
    from autograder.analytics.report import analyse
    from autograder.results.gradebook import read_submission_times
    from prodev.course.layout import Course

    course = Course.load()
    due, due_from = None, None
    if args.due is not None:
        due, due_from = parse_time(args.due), "--due"
        if due is None:
            print(
                f'prodev report: --due {args.due!r} is not a date: write it like "2026-03-20 '
                '17:00:00 UTC"',
                file=sys.stderr,
            )
            return 2
    results = load_results(args.lab, args.results or course.results)
    deadline, times = read_submission_times(course, args.lab)
    if due is None and deadline is not None:
        due, due_from = deadline, "gradebook"
    numbers = analyse(results, due, due_from, times)
    if args.json:
        print(json.dumps(numbers, indent=2))
        return 0
    from autograder.analytics.report_page import write_page

    page = write_page(numbers, args.out or results.home)
    scores, late = numbers["scores"], numbers["late"]
    flagged = [q["question"] for q in numbers["questions"] if q["flagged"]]
    print(
        f"{numbers['students']} students: mean {scores['mean']:g}, median {scores['median']:g} "
        f"of {scores['max_score']:g}; {scores['full_marks']} full marks, {scores['zero']} zero"
    )
    print(
        "questions where hidden checks fail after the public ones pass: "
        + (", ".join(flagged) if flagged else "none")
    )
    for reason in numbers["failure_reasons"][:3]:
        count = reason["students"]
        print(f"  {count} student{'' if count == 1 else 's'}: {reason['reason']}")
    limited = [h["student"] for h in numbers["time"]["hit_limit"]]
    print(f"{len(limited)} ran into a limit" + (f": {', '.join(limited)}" if limited else ""))
    if late["due"]:
        source = "--due" if late["due_from"] == "--due" else "nbgrader's gradebook"
        students = ", ".join(r["student"] for r in late["late"])
        print(
            f"{len(late['late'])} late"
            + (f": {students}" if students else "")
            + f" (due {late['due']}, from {source})"
        )
    else:
        print("no due date known: pass --due, or set one in nbgrader's gradebook")
    for path, why in numbers["left_out"].items():
        print(f"left out {path}: {why}", file=sys.stderr)
    print(page)
    return 0
