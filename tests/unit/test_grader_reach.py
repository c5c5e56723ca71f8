"""The grader reads the student's own cells for code that reaches into its modules, and says so
as an "integrity:" note: every way in that the red-team corpus uses is named, and no lab's
reference answer is."""

import json
from pathlib import Path

import pytest

from autograder.grader_reach import findings, reach_notes

ROOT = Path(__file__).resolve().parents[2]

REACHING = {
    "import prodev.probes.stubs as s\ns.StubSource.__next__ = None": "imports prodev.probes.stubs",
    "from prodev.runtime.registry import default_registry": "imports prodev.runtime.registry",
    "from prodev import checking": "imports prodev.checking",
    "import autograder.runner": "imports autograder.runner",
    "import prodev\nprodev.runtime.registry.default_registry()": "reaches prodev.runtime",
    "import sys\nstubs = sys.modules['prodev.probes.stubs']": "looks modules up in sys.modules",
    "m = __import__('prod' + 'ev')": "imports by a name built at run time (__import__)",
    "import importlib\nimportlib.import_module('x')": "importlib",
    "from importlib import import_module": "importlib",
    "exec(bytes.fromhex('7072696e74').decode())": "runs code built at run time (exec)",
    "import gc\ngc.get_referrers(print)": "gc.get_referrers",
    "import ctypes": "ctypes",
    "%time x = 1\nimport prodev.probes": "imports prodev.probes",
}

HARMLESS = [
    "import prodev\nprodev.check('q1')",
    "from prodev.kits.timing import median_seconds\nfrom prodev.stayhub.data import load",
    "# prodev.runtime is the grader's: not used here\nx = 'prodev.probes'",
    "%%sql\nSELECT * FROM bookings -- import prodev.probes",
    "!pip list\ny = 2",
    "def broken(:\n    pass",
]


@pytest.mark.parametrize("source", list(REACHING))
def test_each_way_in_is_named(source):
    assert any(REACHING[source] in text for text in findings(source)), findings(source)


@pytest.mark.parametrize("source", HARMLESS)
def test_ordinary_cells_are_not(source):
    assert findings(source) == []


def test_no_reference_answer_of_any_lab_is_named():
    answers = []
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            grading = cell["metadata"].get("nbgrader", {})
            if grading.get("solution") and cell["cell_type"] == "code":
                answers.append((grading["grade_id"], "".join(cell["source"])))
    assert len(answers) > 50
    assert reach_notes(answers) == []


def test_the_note_names_the_cell_and_asks_for_review():
    notes = reach_notes([("q6", "import prodev.runtime"), ("extra cell 2", "x = 1")])
    assert len(notes) == 1
    assert notes[0].startswith("integrity: the answer cell `q6` imports prodev.runtime")
    assert "review" in notes[0]
