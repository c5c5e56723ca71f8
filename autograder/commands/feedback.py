"""prodev feedback LAB [--out OUT] [--submissions DIR]"""

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "feedback", help="write one HTML feedback page per student from a lab's grading results"
    )
    p.add_argument("lab", metavar="LAB", help="the lab, e.g. lab04_advanced_sql")
    p.add_argument(
        "--out",
        type=Path,
        metavar="OUT",
        help="the results folder `prodev grade` wrote (default: results/)",
    )
    p.add_argument(
        "--submissions",
        type=Path,
        metavar="DIR",
        help="nbgrader's collected submissions (default: the course's submitted/); pages of "
        "students found there are also copied to feedback/<student>/LAB/ for "
        "`nbgrader release_feedback`",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.results.feedback import write_feedback, write_nbgrader_feedback
    from prodev.course.paths import project_root

    root = project_root()  # --root, else $PRODEV_HOME, else this checkout (see prodev.cli)
    out = args.out or root / "results"
    pages = write_feedback(out, args.lab)
    copies = write_nbgrader_feedback(
        pages, args.lab, args.submissions or root / "submitted", root / "feedback"
    )
    for page in pages:
        print(page)
    print(f"{len(pages)} feedback pages written", file=sys.stderr)
    if copies:
        print(
            f"{len(copies)} copied to {root / 'feedback'}/<student>/{args.lab}/ for "
            f"`nbgrader release_feedback {args.lab}`",
            file=sys.stderr,
        )
    return 0
