"""The `prodev` command. Each subcommand lives in a `commands` package, one module per command,
and provides `add_parser(subparsers)`, which registers its arguments and sets `func(args) -> int`.
The student's commands are in `prodev/commands/`; the grading engine's (grade, feedback,
merge-results) in `autograder/commands/`, listed only where the engine is installed."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
import sys

from prodev import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prodev",
        description="ProDev Backend: course data, practice services, checks and grading.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [f"prodev.commands.{m.name}" for m in pkgutil.iter_modules(commands.__path__)]
    if importlib.util.find_spec("autograder") is not None:  # absent from the student bundle
        engine = importlib.import_module("autograder.commands")
        modules += [f"autograder.commands.{m.name}" for m in pkgutil.iter_modules(engine.__path__)]
    for name in sorted(modules, key=lambda n: n.rsplit(".", 1)[1]):
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
