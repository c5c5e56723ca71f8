"""prodev grade LAB [--submissions DIR] [--out OUT] [--jobs N] [--sandbox MODE] [--timeout S]
[--force] [--student ID ...] [--dry-run] [--shard I/N]"""

import sys
from pathlib import Path

from autograder.config import DEFAULT_JOBS, DEFAULT_SANDBOX, Limits
from autograder.isolation.sandbox import MODES


def add_parser(sub) -> None:
    p = sub.add_parser(
        "grade",
        help="grade a lab's submissions in a sandbox; write results, grades.csv and the gradebook",
    )
    p.add_argument("lab", metavar="LAB", help="the lab to grade, e.g. lab04_advanced_sql")
    p.add_argument(
        "--submissions",
        type=Path,
        metavar="DIR",
        help="folder laid out as DIR/<student>/LAB/LAB.ipynb (default: the course's submitted/)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="OUT",
        help="results folder (default: results/); writes OUT/LAB/",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        metavar="N",
        help=f"submissions graded in parallel (default {DEFAULT_JOBS})",
    )
    p.add_argument(
        "--sandbox",
        choices=MODES,
        default=DEFAULT_SANDBOX,
        help="auto: bubblewrap if it works, else Docker; none: NOT isolated (trusted code only)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=Limits.timeout,
        metavar="S",
        help=f"seconds a notebook may run (default {Limits.timeout:g})",
    )
    p.add_argument("--force", action="store_true", help="regrade submissions graded before")
    p.add_argument(
        "--student",
        action="append",
        metavar="ID",
        help="grade only this student, again even if nothing changed (repeatable)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="say which submissions would be graded and why, and grade nothing",
    )
    p.add_argument(
        "--shard",
        metavar="I/N",
        help="grade only shard I of N (I from 0): students sorted by id, every N-th from the I-th; "
        "merge the shards with `prodev merge-results`",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.results.scoring import format_table
    from autograder.results.shards import parse_shard
    from autograder.runner import Grader
    from prodev.course.paths import project_root

    root = project_root()  # --root, else $PRODEV_HOME, else this checkout (see prodev.cli)
    submissions = args.submissions or root / "submitted"
    if args.jobs < 1 or args.timeout <= 0:
        print("prodev grade: --jobs must be at least 1 and --timeout positive", file=sys.stderr)
        return 2
    shard = parse_shard(args.shard) if args.shard is not None else None
    grader = Grader(
        args.lab,
        root=root,
        out=args.out,
        jobs=args.jobs,
        sandbox=args.sandbox,
        limits=Limits().with_timeout(args.timeout),
        force=args.force,
        shard=shard,
        students=frozenset(args.student) if args.student else None,
        dry_run=args.dry_run,
    )
    report = grader.grade(submissions)
    if args.dry_run:
        return 0
    documents = list(report.documents.values())
    if documents:
        print(format_table(documents))
    print(
        f"{len(report.graded)} graded, {len(report.reused)} unchanged since the last run, "
        f"{len(report.failed)} without a grade; results in {report.out}"
        + (f" (sandbox: {report.sandbox})" if report.sandbox else "")
    )
    for student, why in report.failed.items():
        print(f"  {student}: {why}", file=sys.stderr)
    return 1 if report.failed else 0
