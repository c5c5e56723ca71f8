"""Generate labs/ (the student release) from solutions/ with nbgrader's generate_assignment."""

from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path

from prodev.course.paths import ensure_scripts_on_path, project_root
from prodev.errors import UserError


class ReleaseError(UserError):
    pass


def available_labs(root: Path | None = None) -> list[str]:
    root = root or project_root()
    return sorted(p.name for p in (root / "solutions").glob("lab[0-9][0-9]_*") if p.is_dir())


def _generate(lab: str, root: Path, release_dir: Path, db: Path) -> None:
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    ensure_scripts_on_path()
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = str(release_dir)
    config.CourseDirectory.db_url = f"sqlite:///{db}"
    config.CourseDirectory.ignore = [
        ".ipynb_checkpoints",
        "*.pyc",
        "__pycache__",
        "feedback",
        ".pytest_cache",
    ]
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    result = NbGraderAPI(config=config).generate_assignment(lab, force=True, create=True)
    if not result.get("success"):
        raise ReleaseError(
            f"nbgrader could not release {lab}:\n{result.get('error') or result.get('log')}"
        )


def release(
    labs: list[str] | None = None, root: Path | None = None, out: Path | None = None
) -> list[Path]:
    """Regenerate the release of each lab (all by default) into `out` (labs/ by default)."""
    root = root or project_root()
    out = out or root / "labs"
    known = available_labs(root)
    labs = labs or known
    unknown = [lab for lab in labs if lab not in known]
    if unknown:
        raise ReleaseError(
            f"no such lab in solutions/: {', '.join(unknown)} (known: {', '.join(known)})"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for lab in labs:
            _generate(lab, root, out, Path(tmp) / "gradebook.db")
    return [out / lab for lab in labs]


def stale_files(labs: list[str] | None = None, root: Path | None = None) -> list[str]:
    """Files of labs/ that differ from a fresh release (missing, extra or changed)."""
    root = root or project_root()
    labs = labs or available_labs(root)
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "labs"
        release(labs, root, fresh)
        for lab in labs:
            stale += _diff(fresh / lab, root / "labs" / lab, f"labs/{lab}")
    return stale


def _diff(fresh: Path, current: Path, label: str) -> list[str]:
    if not current.exists():
        return [label + "/ (missing)"]
    cmp = filecmp.dircmp(fresh, current, ignore=["__pycache__", ".ipynb_checkpoints"])
    out = [f"{label}/{n} (changed)" for n in cmp.diff_files]
    out += [f"{label}/{n} (missing)" for n in cmp.left_only]
    out += [f"{label}/{n} (not in solutions/)" for n in cmp.right_only]
    for name in cmp.common_dirs:
        out += _diff(fresh / name, current / name, f"{label}/{name}")
    # filecmp compares stat signatures shallowly; confirm "same" files byte for byte.
    out += [
        f"{label}/{n} (changed)"
        for n in cmp.same_files
        if not filecmp.cmp(fresh / n, current / n, shallow=False)
    ]
    return out
