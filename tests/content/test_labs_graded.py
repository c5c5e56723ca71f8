"""Every lab graded for real: `prodev grade` in the bwrap sandbox gives the reference notebook
full marks and the blank release zero. This proves each lab's checks work across the sandbox
boundary (services forwarded in, datasets mounted, probes decoded), not just in-process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.isolation.sandbox import bwrap_works

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(p.name for p in (ROOT / "solutions").glob("lab[0-9][0-9]_*") if p.is_dir())
BWRAP_OK, BWRAP_WHY = bwrap_works()


def course_with(lab: str, root: Path) -> Path:
    """A scratch course holding only this lab (source, public and hidden checks), so grading
    never writes into the checkout's gradebook or results."""
    shutil.copytree(ROOT / "solutions" / lab, root / "solutions" / lab)
    hidden = ROOT / "autograder" / "checks" / lab
    if hidden.is_dir():
        shutil.copytree(hidden, root / "autograder" / "checks" / lab)
    return root


def submit(root: Path, student: str, lab: str, notebook: Path) -> None:
    """Hand in the whole released folder (as nbgrader does) with `notebook` as the answers."""
    folder = root / "submitted" / student / lab
    shutil.copytree(ROOT / "labs" / lab, folder)
    shutil.copy(notebook, folder / f"{lab}.ipynb")


@pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")
@pytest.mark.parametrize("lab", LABS)
def test_reference_scores_full_marks_and_blank_scores_zero(lab, tmp_path):
    root = course_with(lab, tmp_path)
    submit(root, "reference", lab, ROOT / "solutions" / lab / f"{lab}.ipynb")
    submit(root, "blank", lab, ROOT / "labs" / lab / f"{lab}.ipynb")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prodev",
            "grade",
            lab,
            "--root",
            str(root),
            "--jobs",
            "2",
            "--sandbox",
            "bwrap",
            "--timeout",
            "120",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = {s: json.loads((root / "results" / lab / f"{s}.json").read_text())
               for s in ("reference", "blank")}  # fmt: skip
    reference, blank = results["reference"], results["blank"]
    failed = [f"{t['name']}: {t.get('output', '')}" for t in reference["tests"]
              if t["score"] < t["max_score"]]  # fmt: skip
    assert reference["score"] == reference["max_score"] > 0, "\n".join(failed)
    assert blank["score"] == 0
    assert blank["max_score"] == reference["max_score"]
