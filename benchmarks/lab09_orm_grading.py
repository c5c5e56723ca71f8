"""Lab 09 grading cost: the reference notebook graded in bwrap (each ORM call on a PostgreSQL
database of its own), and the cost of making and dropping one such database.

    .venv/bin/python benchmarks/lab09_orm_grading.py

Prints figures only; nothing here passes or fails on a timing.
"""

from __future__ import annotations

import os
import shutil
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
    for _ in range(rounds):
        start = time.perf_counter()
        database = orm_database.create(dataset)
        made = time.perf_counter() - start
        start = time.perf_counter()
        database.drop()
        print(f"per-call database: create {made * 1000:.0f} ms, drop "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")  # fmt: skip


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
    grading_figures()
