"""prodev merge-results LAB --from DIR [--from DIR ...] --out OUT [--no-gradebook]"""

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "merge-results",
        help="join the results of `prodev grade --shard` runs into one folder, grades.csv and "
        "the gradebook",
    )
    p.add_argument("lab", metavar="LAB", help="the lab, e.g. lab04_advanced_sql")
    p.add_argument(
        "--from",
        dest="sources",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="a shard's --out folder, or a folder holding them (shard-0/, shard-1/, ...); "
        "repeat for several",
    )
    p.add_argument("--out", type=Path, required=True, metavar="OUT", help="where to write OUT/LAB/")
    p.add_argument(
        "--no-gradebook",
        action="store_true",
        help="write the results files and grades.csv only, not nbgrader's gradebook",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.results.scoring import format_table, record_lateness, write_grades_csv
    from autograder.results.shards import merge_results
    from autograder.submissions import read_lab_source
    from prodev.course.layout import Course
    from prodev.course.paths import project_root

    root = project_root()  # --root, else $PRODEV_HOME, else this checkout (see prodev.cli)
    source = None
    if not args.no_gradebook:
        lab = Course.load(root).lab(args.lab)
        source = read_lab_source(lab.source_notebook)
    report = merge_results(args.sources, args.lab, args.out)
    for folder in report.sources:
        count = sum(1 for origin in report.origin.values() if origin == folder)
        print(f"{folder}: {count} student{'' if count == 1 else 's'}", file=sys.stderr)
    if report.duplicates:
        print(
            f"graded in more than one shard, with the same result: {', '.join(report.duplicates)}",
            file=sys.stderr,
        )
    if report.removed:
        print(f"removed stale results: {', '.join(report.removed)}", file=sys.stderr)
    documents = list(report.documents.values())
    if source is not None:
        from autograder.results.gradebook import record_grades

        recorded = record_grades(root, args.lab, source, documents)
        for kept in recorded.kept:
            print(kept, file=sys.stderr)
        documents = record_lateness(report.out, documents, recorded.late)
        write_grades_csv(report.out / "grades.csv", documents)
    print(format_table(documents))
    print(
        f"{len(documents)} students from {len(report.sources)} shards; results in {report.out}"
        + ("" if source is None else f"; gradebook {root / 'gradebook.db'}")
    )
    return 0
