"""prodev bundle student OUT [--force]"""

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bundle", help="write what students receive (no solutions, no hidden checks) into OUT"
    )
    p.add_argument("kind", choices=["student"], help="which bundle (only `student` for now)")
    p.add_argument("out", type=Path, help="an empty or new folder to write the bundle into")
    p.add_argument("--force", action="store_true", help="replace the contents of a non-empty OUT")
    p.set_defaults(func=run)


def run(args) -> int:
    from prodev.course.bundle import write_student_bundle

    report = write_student_bundle(args.out, force=args.force)
    print(f"wrote the student bundle to {report.out} ({report.files} files):")
    for name in report.items:
        print(f"  {name}{'/' if (report.out / name).is_dir() else ''}")
    print("left out: solutions/, autograder/ (hidden checks), tests/, data/, .git, secrets")
    return 0
