"""Grading settings: limits on each submission and the seed of the data students never see."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prodev.course.layout import Course

# The sample seed of the datasets hidden checks run on (`stayhub_unseen`), for a course that sets
# none. It lives here, in autograder/, which is never shipped to students; a course sets its own
# secret seed per term (c.ProdevGrader.hidden_seed or PRODEV_HIDDEN_SEED, see docs/grading.md).
SAMPLE_HIDDEN_SEED = 9173


def hidden_seed(course: Course) -> int:
    """The seed hidden checks run on when grading `course`: its setting, else the sample seed."""
    return course.hidden_seed if course.hidden_seed is not None else SAMPLE_HIDDEN_SEED


# Defaults of `prodev grade` and of `Grader`/`grade_lab`, defined once so that they cannot drift.
DEFAULT_JOBS = 2  # submissions graded at once, one sandbox each
DEFAULT_SANDBOX = "auto"  # bubblewrap if it works, else Docker (see isolation/sandbox.py)

# Sandboxed workers run as these uids: slot 0 as BASE_UID, slot 1 as BASE_UID + 1, ... Two
# graders on one machine at the same time need disjoint ranges (PRODEV_SANDBOX_UID), or one
# batch's process limit and clean-up would count the other's sandboxes.
BASE_UID = int(os.environ.get("PRODEV_SANDBOX_UID", "61000"))


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Times in seconds, sizes in bytes."""

    timeout: float = 60.0  # wall clock for running the notebook's cells, all of them together
    request_timeout: float = 10.0  # wall clock for one answer (e.g. one call of a function)
    max_runs: int = 3  # runs of a notebook after a cell crashes or hangs (that cell is skipped)
    memory_bytes: int = 3 * 1024**3  # address space of every sandboxed process
    processes: int = 256  # processes and threads of one sandbox's uid
    file_bytes: int = 64 * 1024**2  # largest file a notebook may write
    open_files: int = 256
    tmp_bytes: int = 128 * 1024**2  # the sandbox's private /tmp
    output_bytes: int = 1_000_000  # printed output kept per notebook run
    startup_timeout: float = 90.0  # for a sandbox to start and import IPython, jupysql, DuckDB
    checking_seconds: float = 180.0  # wall clock for all of one submission's checks

    @property
    def cpu_seconds(self) -> int:
        """CPU seconds the notebook's process may use: a backstop behind the wall clock."""
        return int(2 * self.timeout + 2 * self.request_timeout + 10)

    @property
    def submission_seconds(self) -> float:
        """The most wall-clock time one submission may take, retries and answers included."""
        return self.max_runs * self.timeout + 6 * self.request_timeout + 30

    def with_timeout(self, timeout: float) -> Limits:
        """The same limits with another notebook time limit (answers get at most as long)."""
        from dataclasses import replace

        return replace(self, timeout=timeout, request_timeout=min(self.request_timeout, timeout))
