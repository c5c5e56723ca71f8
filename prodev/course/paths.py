"""Where the course keeps things on disk."""

from __future__ import annotations

import os
from pathlib import Path

PUBLIC_SEED = 42  # the seed students' datasets use; grading adds seeds they never see


def project_root() -> Path:
    """The course checkout (or bundle) this package belongs to; PRODEV_HOME overrides."""
    if "PRODEV_HOME" in os.environ:
        return Path(os.environ["PRODEV_HOME"]).resolve()
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Where generated datasets go: PRODEV_DATA_DIR, else `data/` in the course checkout."""
    if "PRODEV_DATA_DIR" in os.environ:
        return Path(os.environ["PRODEV_DATA_DIR"]).resolve()
    return project_root() / "data"
