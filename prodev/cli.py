"""The `prodev` command. Each subcommand lives in a `commands` package, one module per command,
and provides `add_parser(subparsers)`, which registers its arguments and sets `func(args) -> int`.
The student's commands are in `prodev/commands/`; the grading engine's (grade, feedback,
merge-results) in `autograder/commands/`, listed only where the engine is installed.

The options every command shares (`--root`, `-v`) are handled here, and so are mistakes: any
`UserError` a command raises is printed as one line and exits 2, without a traceback."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import pkgutil
import sys
from pathlib import Path

import prodev
from prodev import commands
from prodev.errors import UserError

# Options accepted before the command (`prodev -v grade ...`) and after it (`prodev grade -v`).
_ROOT_HELP = "the course folder (default: $PRODEV_HOME, else this checkout)"
_VERBOSE_HELP = "log what happens: -v for each step, -vv for details"
_LOG_HANDLER = "prodev-cli"


def _add_shared_options(parser: argparse.ArgumentParser, *, on_command: bool) -> None:
    """--root and -v. A command's copy defaults to SUPPRESS, so that `prodev --root X grade`
    keeps X: argparse would otherwise overwrite it with the command's own default."""
    root_default = argparse.SUPPRESS if on_command else None
    verbose_default = argparse.SUPPRESS if on_command else 0
    parser.add_argument("--root", type=Path, metavar="DIR", default=root_default, help=_ROOT_HELP)
    parser.add_argument(
        "-v", "--verbose", action="count", default=verbose_default, help=_VERBOSE_HELP
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prodev",
        description="ProDev Backend: course data, practice services, checks and grading.",
    )
    parser.add_argument("--version", action="version", version=f"prodev {prodev.__version__}")
    _add_shared_options(parser, on_command=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [f"prodev.commands.{m.name}" for m in pkgutil.iter_modules(commands.__path__)]
    if importlib.util.find_spec("autograder") is not None:  # absent from the student bundle
        engine = importlib.import_module("autograder.commands")
        modules += [f"autograder.commands.{m.name}" for m in pkgutil.iter_modules(engine.__path__)]
    for name in sorted(modules, key=lambda n: n.rsplit(".", 1)[1]):
        importlib.import_module(name).add_parser(sub)
    for command in sub.choices.values():
        _add_shared_options(command, on_command=True)
    return parser


def configure_logging(verbosity: int) -> None:
    """Quiet by default (warnings only); -v logs each step of prodev and the engine, -vv more.
    Only our own loggers are set: other libraries (nbgrader, Django) log as they always did."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_LOG_HANDLER)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("prodev", "autograder"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [h for h in logger.handlers if h.get_name() != _LOG_HANDLER]
        logger.addHandler(handler)
        logger.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    configure_logging(args.verbose)
    saved_home = os.environ.get("PRODEV_HOME")
    if args.root is not None:
        # Every command, and every process it starts (nbgrader, JupyterLab), finds the course
        # through PRODEV_HOME (prodev.course.paths.project_root).
        os.environ["PRODEV_HOME"] = str(args.root.resolve())
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"prodev {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # one line, no traceback: what was saved, if anything
        print(f"interrupted: {exc}" if str(exc) else "interrupted", file=sys.stderr)
        return 130
    finally:
        if saved_home is None:
            os.environ.pop("PRODEV_HOME", None)
        else:
            os.environ["PRODEV_HOME"] = saved_home


if __name__ == "__main__":
    sys.exit(main())
