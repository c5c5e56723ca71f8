"""prodev feedback LAB [--out OUT] [--submissions DIR] [--root COURSE]"""

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
    p.add_argument(
        "--root", type=Path, metavar="COURSE", help="the course root (default: this checkout)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.results.feedback import write_feedback, write_nbgrader_feedback
    from autograder.submissions import CourseError
    from prodev.course.paths import project_root

    root = (args.root or project_root()).resolve()
    out = args.out or root / "results"
    try:
        pages = write_feedback(out, args.lab)
    except CourseError as exc:
        print(f"prodev feedback: {exc}", file=sys.stderr)
        return 2
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
