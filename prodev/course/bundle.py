"""Build the student bundle: the part of the course that students receive.

The bundle is what a student clones, what the student Docker image and JupyterHub serve: the
teaching notebooks, the released labs with their public checks, the `prodev` package and what it
takes to install and run them. It never contains the lab sources with their solutions, the hidden
checks, the grading engine, the project's own tests and fixtures, generated data, or secrets.
"""

from __future__ import annotations

import fnmatch
import shutil
from dataclasses import dataclass
from pathlib import Path

from prodev.course.layout import SETTINGS_FILE, Course, CourseError

# What students receive, relative to the course root, besides the release folder (labs/, or
# what nbgrader_config.py names). Folders are copied whole (minus the ignored names below); a
# missing optional item is skipped, a missing required one is an error.
# .github: lesson 18 reads and lints the course's own CI workflow.
STUDENT_DIRS = ("course", "prodev", "docs", ".github")
STUDENT_FILES = (
    "README.md",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    "environment.yml",
    "nbgrader_config.py",
    ".gitignore",
    # The course's own image files: lesson 16's worked example.
    "Dockerfile",
    ".dockerignore",
)
REQUIRED = ("prodev", "Makefile", "pyproject.toml", "requirements.lock")

# Never copied, wherever they appear: caches, checkpoints, generated data and secrets.
IGNORED_NAMES = (
    "__pycache__",
    "*.pyc",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".ruff_cache",
    "*.egg-info",
    "*.duckdb",
    "*.duckdb.wal",
    "*.sqlite3",
    "gradebook.db*",
    ".env",
    "*.secret",
    "*secret*.txt",
    "*.pem",
    "*.key",
)

# Top-level paths that must never be in a bundle; checked after copying, as a last guard (with
# the course's own source, submitted, autograded and feedback folders, whatever their names).
FORBIDDEN = (
    "solutions",
    "autograder",
    "tests",
    ".git",
    "data",
    "results",
    "submitted",
    "autograded",
    "feedback",
    "exchange",
    ".venv",
)


class BundleError(CourseError):
    """The bundle cannot be written; the message says what to do."""


@dataclass(frozen=True)
class BundleReport:
    """What a bundle run wrote: the top-level items and the number of files."""

    out: Path
    items: list[str]
    files: int


def _ignored(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in IGNORED_NAMES)}


def _course(root: Path | None) -> Course:
    try:
        return Course.load(root)
    except CourseError as exc:
        raise BundleError(str(exc)) from None


def student_items(root: Path | None = None) -> list[str]:
    """The top-level names of `root` that go into the student bundle, in a fixed order."""
    course = _course(root)
    root = course.root
    wanted = (STUDENT_DIRS[0], course.release_directory, *STUDENT_DIRS[1:], *STUDENT_FILES)
    missing = [name for name in (course.release_directory, *REQUIRED) if not (root / name).exists()]
    if missing:
        raise BundleError(
            f"{root} is missing {', '.join(missing)}: run this from a full course checkout"
        )
    return [name for name in wanted if (root / name).exists()]


def forbidden_items(course: Course) -> list[str]:
    """Top-level names that must never be in a bundle of `course`."""
    own = [
        course.source_directory,
        course.submitted_directory,
        course.autograded_directory,
        course.feedback_directory,
    ]
    if course.hidden_checks.is_relative_to(course.root) and course.hidden_checks != course.root:
        own.append(course.hidden_checks.relative_to(course.root).parts[0])
    return list(dict.fromkeys([*FORBIDDEN, *own]))


def _refuse_a_written_seed(course: Course) -> None:
    """Students receive nbgrader_config.py: it must not hold the course's secret seed."""
    settings = course.root / SETTINGS_FILE
    if course.hidden_seed is None or not settings.is_file():
        return
    if str(course.hidden_seed) in settings.read_text(encoding="utf-8"):
        raise BundleError(
            f"{settings} holds the hidden seed, and students receive that file: set "
            "PRODEV_HIDDEN_SEED where you grade, or read the seed from a file outside the course "
            "(docs/grading.md)"
        )


def _prepare_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise BundleError(f"{out} exists and is not a folder: choose another OUT")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise BundleError(
                f"{out} is not empty: choose an empty or new folder, or pass --force to replace "
                "its contents"
            )
        if (out / ".git").exists() or (out / "solutions").exists():
            raise BundleError(
                f"{out} holds a git repository or a course checkout; refusing to empty it even "
                "with --force: choose another folder"
            )
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)


def write_student_bundle(out: Path, root: Path | None = None, force: bool = False) -> BundleReport:
    """Copy what students receive from the course at `root` into `out`.

    Refuses a non-empty `out` unless `force` (then its contents are replaced), and refuses an
    `out` inside the course itself, which would copy the bundle into itself.
    """
    course = _course(root)
    root = course.root
    out = Path(out).resolve()
    items = student_items(root)
    if out == root or any(out.is_relative_to(root / name) for name in items):
        raise BundleError(f"{out} is inside the course's own files: choose a folder outside them")
    _refuse_a_written_seed(course)
    _prepare_out(out, force)
    for name in items:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=_ignored, symlinks=False)
        else:
            shutil.copy2(source, out / name)
    leaked = [name for name in forbidden_items(course) if (out / name).exists()]
    if leaked:
        raise BundleError(
            f"the bundle in {out} contains {', '.join(leaked)}: it must not; "
            "remove them from the student items"
        )
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return BundleReport(out, items, files)
