"""prodev grade LAB [--submissions DIR] [--out OUT] [--jobs N] [--sandbox MODE] [--timeout S]
[--shard I/N]"""

import sys
from pathlib import Path


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
        default=2,
        metavar="N",
        help="submissions graded in parallel (default 2)",
    )
    p.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "docker", "none"],
        default="auto",
        help="auto: bubblewrap if it works, else Docker; none: NOT isolated (trusted code only)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds a notebook may run (default 60)",
    )
    p.add_argument("--force", action="store_true", help="regrade submissions graded before")
    p.add_argument(
        "--shard",
        metavar="I/N",
        help="grade only shard I of N (I from 0): students sorted by id, every N-th from the I-th; "
        "merge the shards with `prodev merge-results`",
    )
    p.add_argument(
        "--root", type=Path, metavar="COURSE", help="the course root (default: this checkout)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.config import Limits
    from autograder.isolation.sandbox import SandboxError
    from autograder.results.scoring import format_table
    from autograder.results.shards import ShardError, parse_shard
    from autograder.runner import Grader
    from autograder.submissions import CourseError
    from prodev.course.paths import project_root

    root = (args.root or project_root()).resolve()
    submissions = args.submissions or root / "submitted"
    if args.jobs < 1 or args.timeout <= 0:
        print("prodev grade: --jobs must be at least 1 and --timeout positive", file=sys.stderr)
        return 2
    try:
        shard = parse_shard(args.shard) if args.shard is not None else None
    except ShardError as exc:
        print(f"prodev grade: {exc}", file=sys.stderr)
        return 2
    grader = Grader(
        args.lab,
        root=root,
        out=args.out,
        jobs=args.jobs,
        sandbox=args.sandbox,
        limits=Limits().with_timeout(args.timeout),
        force=args.force,
        shard=shard,
    )
    try:
        report = grader.grade(submissions)
    except (CourseError, SandboxError) as exc:
        print(f"prodev grade: {exc}", file=sys.stderr)
        return 2
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
