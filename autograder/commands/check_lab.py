"""prodev check-lab LAB [--jobs N]"""

import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "check-lab",
        help="prove a lab both ways: the reference scores full marks, the blank release zero, "
        "each wrong answer loses on its own question only; and labs/ is in sync",
    )
    p.add_argument("lab", metavar="LAB", help="the lab to check, e.g. lab04_advanced_sql")
    p.add_argument(
        "--jobs", type=int, default=2, metavar="N", help="variants graded at once (default: 2)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.labcheck import check_lab
    from prodev.course.paths import project_root

    items = check_lab(
        args.lab, project_root(), jobs=args.jobs, report=lambda item: print(item.line(), flush=True)
    )
    failed = [item for item in items if not item.ok]
    if failed:
        print(f"{args.lab}: {len(failed)} of {len(items)} items FAIL", file=sys.stderr)
        return 1
    print(f"{args.lab}: all {len(items)} items hold")
    return 0
