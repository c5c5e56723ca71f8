"""Lab 09 grading cost: the reference notebook graded in bwrap, what one observed ORM call's
database and role cost (a fresh copy for a call that may write, a grant on the shared copy for
one that only reads), and what the race of book_stay costs.

    .venv/bin/python benchmarks/lab09_orm_grading.py

Prints figures only; nothing here passes or fails on a timing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LAB = "lab09_django_orm"


def clone_figures(rounds: int = 5) -> None:
    from autograder.config import SAMPLE_HIDDEN_SEED
    from prodev.probes import orm_database
    from prodev.stayhub.data.files import dataset_path

    dataset = dataset_path(SAMPLE_HIDDEN_SEED, "small")
    orm_database.create(dataset).drop()  # builds the template once
    for writable in (True, False):
        made, dropped = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            database = orm_database.create(dataset, writable=writable)
            made.append(time.perf_counter() - start)
            start = time.perf_counter()
            database.drop()
            dropped.append(time.perf_counter() - start)
        kind = "fresh copy (writes)" if writable else "shared copy (reads)"
        print(f"per-call database, {kind}: create {statistics.median(made) * 1000:.0f} ms, "
              f"drop {statistics.median(dropped) * 1000:.0f} ms (medians of {rounds})")  # fmt: skip


def race_figures(rounds: int = 5) -> None:
    """The hidden race of q5 on the reference answer, in this process (no sandbox)."""
    sys.path.insert(0, str(ROOT / "tests" / "content"))
    from labs_harness import HIDDEN_SEED, Lab, cells_to_grade

    from prodev.checking.student import InProcessStudent
    from prodev.runtime.notebook import read_notebook, run_cells
    from prodev.stayhub.data.files import dataset_path

    lab = Lab(LAB)
    execution = run_cells(cells_to_grade(read_notebook(lab.source)), lab.source_dir)
    hidden = _load(lab.hidden_dir / "test_q5_hidden.py")
    student = InProcessStudent(execution.namespace)
    dataset = dataset_path(HIDDEN_SEED, "small")
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        hidden.test_a_race_books_the_same_nights_once(student, dataset)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"race check on the reference (4 calls, 2 gates): median {median:.2f} s "
          f"over {rounds} (min {min(times):.2f} s)")  # fmt: skip


def _load(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def grading_figures() -> None:
    from autograder.runner import Grader
    from prodev.course.layout import Course

    course = Course.load(ROOT)
    root = Path(tempfile.mkdtemp(prefix="prodev-lab09-bench-"))
    try:
        shutil.copytree(course.lab(LAB).source_dir, root / "solutions" / LAB)
        shutil.copytree(course.lab(LAB).hidden_checks, root / "autograder" / "checks" / LAB)
        folder = root / "submitted" / "reference" / LAB
        shutil.copytree(ROOT / "labs" / LAB, folder)
        shutil.copy(ROOT / "solutions" / LAB / f"{LAB}.ipynb", folder / f"{LAB}.ipynb")
        with open(os.devnull, "w") as quiet:
            start = time.perf_counter()
            report = Grader(LAB, root=root, jobs=1, sandbox="bwrap", progress=quiet).grade(
                root / "submitted"
            )
            wall = time.perf_counter() - start
        document = report.documents["reference"]
        print(f"reference graded: {document['score']}/{document['max_score']}, "
              f"execution_time {document['execution_time']:.1f} s, wall {wall:.1f} s")  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    clone_figures()
    race_figures()
    grading_figures()
