"""prodev release [LAB ...] [--check]"""

import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "release", help="regenerate labs/ from solutions/ (nbgrader generate_assignment)"
    )
    p.add_argument("labs", nargs="*", metavar="LAB", help="labs to release (default: all)")
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 and name the stale files if labs/ is out of date",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from prodev.course.release import release, stale_files

    if args.check:
        stale = stale_files(args.labs or None)
        if stale:
            print("labs/ is out of date with solutions/; run `prodev release`:", file=sys.stderr)
            for name in stale:
                print(f"  {name}", file=sys.stderr)
            return 1
        print("labs/ is up to date with solutions/")
        return 0
    for path in release(args.labs or None):
        print(f"released {path}")
    return 0
