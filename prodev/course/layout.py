"""The course on disk: where every part of the course and of each lab lives, defined once.

A course is a folder with an `nbgrader_config.py`. Its `CourseDirectory` settings (the folder
names nbgrader uses: `source_directory`, `release_directory`, `submitted_directory`,
`autograded_directory`, `feedback_directory`, `directory_structure`, `db_url`) decide where
prodev looks too, so `prodev release`, `prodev grade` and nbgrader's own commands always agree.
The file is read with traitlets, as nbgrader reads it. A setting the file leaves out takes this
repository's layout (solutions/, labs/, submitted/, ...), as does a course without the file.

The `ProdevGrader` section holds what only grading needs: where the hidden checks live and the
seed of the data they run on, so that a course can keep both outside the public repository
(docs/grading.md). The environment variables PRODEV_HIDDEN_CHECKS and PRODEV_HIDDEN_SEED
override the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodev.course.paths import project_root
from prodev.errors import UserError

SETTINGS_FILE = "nbgrader_config.py"
LAB_GLOB = "lab[0-9][0-9]_*"
HIDDEN_CHECKS_ENV = "PRODEV_HIDDEN_CHECKS"
HIDDEN_SEED_ENV = "PRODEV_HIDDEN_SEED"
# Dataset seeds are DuckDB BIGINTs; a secret seed should use most of that range (docs/grading.md).
SEED_LIMIT = 2**63

# nbgrader's CourseDirectory settings prodev reads, with the layout of this repository for any
# the course's file leaves out.
LAYOUT_DEFAULTS = {
    "source_directory": "solutions",
    "release_directory": "labs",
    "submitted_directory": "submitted",
    "autograded_directory": "autograded",
    "feedback_directory": "feedback",
    "directory_structure": os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}"),
}
# Where prodev's own outputs and the sample hidden checks live, relative to the course root.
RESULTS_DIRECTORY = "results"
SAMPLE_HIDDEN_CHECKS = os.path.join("autograder", "checks")


class CourseError(UserError):
    """The instructor asked for something that is not there; the message says what to do."""


def _grader_settings_class() -> type:
    from traitlets import Integer, Unicode
    from traitlets.config import Configurable

    class ProdevGrader(Configurable):
        """Grading settings of a course, the `c.ProdevGrader` section of nbgrader_config.py."""

        hidden_checks = Unicode(
            SAMPLE_HIDDEN_CHECKS,
            help="Folder of the hidden checks, one sub-folder per lab (relative to the course "
            "root, or absolute: a private folder or repository checkout).",
        ).tag(config=True)
        hidden_seed = Integer(
            None,
            allow_none=True,
            help="Seed of the datasets hidden checks run on; keep it secret, change it per term.",
        ).tag(config=True)

    return ProdevGrader


def load_settings(root: Path) -> Any:
    """The traitlets Config of `root/nbgrader_config.py` (empty when there is none)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(root) / SETTINGS_FILE
    if not path.is_file():
        return Config()
    try:
        return PyFileConfigLoader(path.name, str(path.parent)).load_config()
    except Exception as exc:  # the instructor's own file: say which and why
        raise CourseError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None


def _seed(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        seed = int(str(value).strip())
    except ValueError:
        raise CourseError(
            f"{where} must be a whole number, got {value!r}: pick one with "
            '`python -c "import secrets; print(secrets.randbits(62))"`'
        ) from None
    if not 0 <= seed < SEED_LIMIT:
        raise CourseError(f"{where} must be between 0 and 2**63 - 1, got {seed}")
    return seed


@dataclass(frozen=True)
class Course:
    """A course root and its settings: where sources, releases, submissions and results live."""

    root: Path
    source_directory: str
    release_directory: str
    submitted_directory: str
    autograded_directory: str
    feedback_directory: str
    directory_structure: str
    db_url: str
    hidden_checks: Path  # the folder holding one folder of hidden checks per lab
    # None: the grading engine's sample seed applies. Kept out of repr(), which may reach a log.
    hidden_seed: int | None = field(repr=False)

    @classmethod
    def load(cls, root: Path | str | None = None) -> Course:
        """The course at `root` (default: PRODEV_HOME, else this checkout), from its settings."""
        root = Path(root or project_root()).expanduser().resolve()
        config = load_settings(root)
        chosen = config.get("CourseDirectory", {})
        layout = {}
        for key, default in LAYOUT_DEFAULTS.items():
            value = chosen.get(key, default)
            if not isinstance(value, str) or not value:
                raise CourseError(
                    f"{root / SETTINGS_FILE}: c.CourseDirectory.{key} must be a folder name, "
                    f"got {value!r}"
                )
            layout[key] = value
        if isinstance(chosen.get("root"), str) and chosen["root"]:
            # nbgrader resolves it against the folder it runs in: the course root, as documented.
            root = (root / chosen["root"]).resolve()
        db_url = chosen.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"
        try:
            grading = _grader_settings_class()(config=config)
            hidden_checks, seed_setting = grading.hidden_checks, grading.hidden_seed
        except Exception as exc:  # a traitlets type error names the setting and the value
            raise CourseError(f"{root / SETTINGS_FILE}: {exc}") from None
        hidden_checks = os.environ.get(HIDDEN_CHECKS_ENV) or hidden_checks
        if os.environ.get(HIDDEN_SEED_ENV):
            hidden_seed = _seed(os.environ[HIDDEN_SEED_ENV], HIDDEN_SEED_ENV)
        else:
            hidden_seed = _seed(seed_setting, "c.ProdevGrader.hidden_seed")
        return cls(
            root=root,
            db_url=db_url,
            hidden_checks=(root / Path(hidden_checks).expanduser()).resolve(),
            hidden_seed=hidden_seed,
            **layout,
        )

    # ---- folders of the course ---------------------------------------------------------------
    def _step(self, step: str, student: str, lab: str) -> Path:
        """nbgrader's CourseDirectory.format_path: where `step` keeps `lab` of `student`."""
        relative = self.directory_structure.format(
            nbgrader_step=step, student_id=student, assignment_id=lab
        )
        return Path(os.path.normpath(self.root / relative))

    @property
    def source(self) -> Path:
        return self.root / self.source_directory

    @property
    def release(self) -> Path:
        return self.root / self.release_directory

    @property
    def submitted(self) -> Path:
        return self.root / self.submitted_directory

    @property
    def autograded(self) -> Path:
        return self.root / self.autograded_directory

    @property
    def feedback(self) -> Path:
        return self.root / self.feedback_directory

    @property
    def results(self) -> Path:
        return self.root / RESULTS_DIRECTORY

    # ---- labs --------------------------------------------------------------------------------
    def labs(self) -> list[str]:
        """Every lab with a source notebook (`<source>/labNN_slug/labNN_slug.ipynb`), sorted."""
        if not self.source.is_dir():
            return []
        return sorted(
            p.name for p in self.source.glob(LAB_GLOB) if (p / f"{p.name}.ipynb").is_file()
        )

    def lab(self, name: str) -> Lab:
        """The lab called `name`; CourseError naming the labs that exist if there is none."""
        lab = Lab(self, name)
        if not lab.source_notebook.is_file():
            known = self.labs()
            raise CourseError(
                f"unknown lab {name!r}: there is no {lab.source_notebook}. "
                f"Labs in this course: {', '.join(known) or 'none'}"
            )
        return lab

    def all_labs(self) -> list[Lab]:
        return [Lab(self, name) for name in self.labs()]


@dataclass(frozen=True)
class Lab:
    """Where the parts of one lab live in its course."""

    course: Course
    name: str

    @property
    def source_dir(self) -> Path:
        return self.course._step(self.course.source_directory, ".", self.name)

    @property
    def source_notebook(self) -> Path:
        return self.source_dir / f"{self.name}.ipynb"

    @property
    def public_checks(self) -> Path:
        return self.source_dir / "checks"

    @property
    def release_dir(self) -> Path:
        return self.course._step(self.course.release_directory, ".", self.name)

    @property
    def release_notebook(self) -> Path:
        return self.release_dir / f"{self.name}.ipynb"

    @property
    def released_checks(self) -> Path:
        return self.release_dir / "checks"

    @property
    def hidden_checks(self) -> Path:
        return self.course.hidden_checks / self.name

    @property
    def results(self) -> Path:
        """Where `prodev grade` writes this lab's results by default: results/LAB/."""
        return self.course.results / self.name

    def submitted(self, student: str) -> Path:
        return self.course._step(self.course.submitted_directory, student, self.name)

    def autograded(self, student: str) -> Path:
        return self.course._step(self.course.autograded_directory, student, self.name)

    def feedback(self, student: str) -> Path:
        return self.course._step(self.course.feedback_directory, student, self.name)

    def check_paths(self) -> list[Path]:
        """The folders of checks grading runs: public, then hidden, those that exist."""
        return [p for p in (self.public_checks, self.hidden_checks) if p.is_dir()]

    def validate(self) -> None:
        """CourseError unless the lab has a source notebook and at least one folder of checks."""
        self.course.lab(self.name)
        if not self.check_paths():
            raise CourseError(
                f"{self.name} has no checks: expected {self.public_checks} and/or "
                f"{self.hidden_checks}"
            )

    def __str__(self) -> str:
        return self.name
