"""prodev new-lab labNN_slug"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "new-lab",
        help="create a lab (notebook, public and hidden checks, wrong answers, release) that "
        "passes the course's tests as generated, to rewrite into your own",
    )
    p.add_argument("lab", metavar="LAB", help="the new lab's name, labNN_slug (e.g. lab07_http)")
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.scaffold import new_lab
    from prodev.course.paths import project_root

    root = project_root()  # --root, else $PRODEV_HOME, else this checkout (see prodev.cli)
    written = new_lab(args.lab, root)
    for path in written:
        print(f"created {path.relative_to(root) if path.is_relative_to(root) else path}")
    print(f"next: edit the questions, then `prodev check-lab {args.lab}` (docs/writing-labs.md)")
    return 0
