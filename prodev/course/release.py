"""Generate the student release (labs/) from the lab sources (solutions/) with nbgrader's
generate_assignment, configured by the course's own nbgrader_config.py: the folder names, the
files to ignore, the code stub and every other nbgrader setting the instructor chose apply."""

from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path

from prodev.course.layout import Course, CourseError, load_settings
from prodev.course.nbgrader_setup import prepare_nbgrader


class ReleaseError(CourseError):
    pass


def available_labs(root: Path | None = None) -> list[str]:
    return Course.load(root).labs()


def _generate(lab: str, course: Course, release_dir: Path, db: Path) -> None:
    from nbgrader.apps import NbGraderAPI

    prepare_nbgrader()
    config = load_settings(course.root)
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.source_directory = course.source_directory
    config.CourseDirectory.directory_structure = course.directory_structure
    # Written where asked (a scratch folder for --check) with a scratch gradebook: releasing
    # never touches the course's gradebook.
    config.CourseDirectory.release_directory = str(release_dir)
    config.CourseDirectory.db_url = f"sqlite:///{db}"
    result = NbGraderAPI(config=config).generate_assignment(lab, force=True, create=True)
    if not result.get("success"):
        raise ReleaseError(
            f"nbgrader could not release {lab}:\n{result.get('error') or result.get('log')}"
        )


def release(
    labs: list[str] | None = None, root: Path | None = None, out: Path | None = None
) -> list[Path]:
    """Regenerate the release of each lab (all by default) into `out` (default: the course's
    release folder, labs/ unless nbgrader_config.py names another)."""
    course = Course.load(root)
    out = Path(out or course.release).resolve()
    known = course.labs()
    labs = labs or known
    unknown = [lab for lab in labs if lab not in known]
    if unknown:
        raise ReleaseError(
            f"no such lab in {course.source_directory}/: {', '.join(unknown)} "
            f"(labs in this course: {', '.join(known) or 'none'})"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for lab in labs:
            _generate(lab, course, out, Path(tmp) / "gradebook.db")
    return [out / lab for lab in labs]


def stale_files(labs: list[str] | None = None, root: Path | None = None) -> list[str]:
    """Files of the release folder (labs/) that differ from a fresh release (missing, extra or
    changed)."""
    course = Course.load(root)
    labs = labs or course.labs()
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / course.release_directory
        release(labs, course.root, fresh)
        for lab in labs:
            stale += _diff(fresh / lab, course.release / lab, f"{course.release_directory}/{lab}")
    return stale


def _diff(fresh: Path, current: Path, label: str) -> list[str]:
    if not current.exists():
        return [label + "/ (missing)"]
    cmp = filecmp.dircmp(fresh, current, ignore=["__pycache__", ".ipynb_checkpoints"])
    out = [f"{label}/{n} (changed)" for n in cmp.diff_files]
    out += [f"{label}/{n} (missing)" for n in cmp.left_only]
    out += [f"{label}/{n} (not in the lab's source)" for n in cmp.right_only]
    for name in cmp.common_dirs:
        out += _diff(fresh / name, current / name, f"{label}/{name}")
    # filecmp compares stat signatures shallowly; confirm "same" files byte for byte.
    out += [
        f"{label}/{n} (changed)"
        for n in cmp.same_files
        if not filecmp.cmp(fresh / n, current / n, shallow=False)
    ]
    return out
