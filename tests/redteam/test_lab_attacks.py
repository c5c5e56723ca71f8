"""Attacks on how labs 03, 06, 16, 17 and 18 gather evidence, each graded beside its control.

Lab 03: a notebook that redefines `run_tests`, a test that recognises the shipped module by its
code, and a test that raises the module it was given. Lab 06: indexes whose keys eat memory.
Lab 16: a notebook that answers the grader's job requests itself, reporting a clean stop for a
program that ignores SIGTERM. Labs 16, 17 and 18: YAML answers whose aliases expand to 10**10
values, for the grader's validators and linters to walk.
Each lab is graded once with `prodev grade` in the bwrap sandbox; every attack scores no more than
its control on every question, and no hidden mutant's text reaches results or feedback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labcorpus import HIDDEN_MUTANT_MARKERS, cases  # noqa: E402

from autograder.isolation.sandbox import bwrap_works  # noqa: E402
from prodev.runtime.notebook import read_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CASES = cases()
LABS = sorted({case.lab for case in CASES.values()})


def notebook_with(lab: str, answers: dict[str, str]) -> dict:
    """The blank release of `lab` with the given answer cells filled in."""
    nb = read_notebook(ROOT / "labs" / lab / f"{lab}.ipynb")
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell["cell_type"] == "code":
            cell["source"] = answers[grade_id]
    return nb


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a running process, in MB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module", params=LABS)
def graded(request, tmp_path_factory):
    ok, why = bwrap_works()
    if not ok:
        pytest.skip(f"bubblewrap unusable here: {why}")
    lab = request.param
    root = tmp_path_factory.mktemp(lab)
    shutil.copytree(ROOT / "solutions" / lab, root / "solutions" / lab)
    shutil.copytree(ROOT / "autograder" / "checks" / lab, root / "autograder" / "checks" / lab)
    names = []
    for name, case in CASES.items():
        if case.lab != lab:
            continue
        for student, answers in ((f"{name}_control", case.control), (name, case.attack)):
            folder = root / "submitted" / student / lab
            shutil.copytree(ROOT / "labs" / lab, folder)
            (folder / f"{lab}.ipynb").write_text(json.dumps(notebook_with(lab, answers)))
            names.append(student)
    command = [sys.executable, "-m", "prodev", "grade", lab, "--root", str(root), "--jobs", "2",
               "--sandbox", "bwrap", "--timeout", "60"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def watch() -> None:  # VmHWM only grows: the last reading before exit is the peak
        while process.poll() is None:
            peak[0] = max(peak[0], peak_rss_mb(process.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = process.communicate(timeout=1500)
    watcher.join()
    print(f"{lab}: the grader's peak memory was {peak[0]:.0f} MB")
    results = {
        s: json.loads((root / "results" / lab / f"{s}.json").read_text())
        for s in names
        if (root / "results" / lab / f"{s}.json").is_file()
    }
    return {"lab": lab, "root": root, "code": process.returncode, "stderr": err,
            "results": results, "names": names, "peak_mb": peak[0]}  # fmt: skip


def by_question(document: dict) -> dict[str, float]:
    return {q: float(t["score"]) for q, t in document["questions"].items()}


def test_the_batch_grades_every_submission(graded):
    assert graded["code"] == 0, graded["stderr"][-3000:]
    assert sorted(graded["results"]) == sorted(graded["names"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_attack_scores_no_more_than_its_control(graded, name):
    if CASES[name].lab != graded["lab"]:
        pytest.skip(f"{name} attacks {CASES[name].lab}")
    attack = by_question(graded["results"][name])
    control = by_question(graded["results"][f"{name}_control"])
    assert set(attack) == set(control)
    raised = {q: (attack[q], control[q]) for q in attack if attack[q] > control[q]}
    assert not raised, f"{name} scores more than its control: {raised}"


def test_no_hidden_mutant_reaches_results_or_feedback(graded):
    from autograder.results.feedback import write_feedback

    root, lab = graded["root"], graded["lab"]
    pages = write_feedback(root / "results", lab)
    texts = [p.read_text() for p in pages]
    texts += [p.read_text() for p in (root / "results" / lab).glob("*.json")]
    for marker in HIDDEN_MUTANT_MARKERS:
        assert not any(marker in text for text in texts), marker


def test_the_grader_keeps_its_memory(graded):
    # Lab 06 once applied students' indexes in the grader: 181 MB grew to 903 MB for one student.
    assert graded["peak_mb"] < 700, f"the grader peaked at {graded['peak_mb']:.0f} MB"
