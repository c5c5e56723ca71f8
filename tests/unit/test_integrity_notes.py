"""Tampering that grading neutralises is still reported: edited, deleted or re-pointed locked
cells, and public check files that differ from the released ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from autograder.submissions import integrity_notes, read_lab_source, tampered_checks

ROOT = Path(__file__).resolve().parents[2]
LAB = "lab01_generators"
SOURCE = ROOT / "solutions" / LAB / f"{LAB}.ipynb"


def _release() -> dict:
    return json.loads((ROOT / "labs" / LAB / f"{LAB}.ipynb").read_text())


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id)


def test_an_untouched_release_has_nothing_to_report():
    assert integrity_notes(read_lab_source(SOURCE), _release()) == []


def test_edited_deleted_and_repointed_cells_are_each_named():
    nb = copy.deepcopy(_release())
    _cell(nb, "setup")["source"] = "import os\n"
    _cell(nb, "q2_check")["metadata"]["nbgrader"]["points"] = 99
    nb["cells"].remove(_cell(nb, "q4_check"))
    _cell(nb, "q1")["source"] = "def batched(iterable, size):\n    yield [1]\n"  # an answer: fine
    _cell(nb, "intro")["source"] = "my notes"  # locked markdown: harmless, not reported
    notes = integrity_notes(read_lab_source(SOURCE), nb)
    assert notes == [
        "integrity: the locked cell `setup` was edited; the lab's own version was used",
        "integrity: the points of `q2_check` were changed from 5 to 99; the lab's own points count",
        "integrity: the locked cell `q4_check` was deleted; the lab's own version was used",
    ]


def test_a_changed_check_file_is_reported(tmp_path):
    released = ROOT / "labs" / LAB / "checks"
    folder = tmp_path / "submitted" / "ann" / LAB
    (folder / "checks").mkdir(parents=True)
    for path in released.glob("*.py"):
        (folder / "checks" / path.name).write_bytes(path.read_bytes())
    assert tampered_checks(folder, released) == []
    (folder / "checks" / "test_q3.py").write_text("def test_nothing():\n    pass\n")
    assert tampered_checks(folder, released) == [
        "integrity: checks/test_q3.py differs from the released one; the lab's own checks ran"
    ]
