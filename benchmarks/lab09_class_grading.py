"""Lab 09 graded for a small class: `prodev grade lab09_django_orm --jobs 2 --sandbox bwrap` on
the reference, the blank release and a few wrong answers, with the checkout's data folder (so
the datasets and the PostgreSQL server are warm, as on a second grading run).

    .venv/bin/python benchmarks/lab09_class_grading.py [--runs N]

Prints the wall time of each run and every submission's `execution_time` (its cells plus its
checks, from results.json); nothing here passes or fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "content"))
LAB = "lab09_django_orm"
# Wrong answers of the class (tests/fixtures/lab09_django_orm/wrong/), one submission each.
WRONG = [
    "q1_case_sensitive_city.py",
    "q3_n_plus_one.py",
    "q4_create_per_row.py",
    "q5_not_atomic.py",
]


def build_class(root: Path) -> int:
    from labs_harness import question_of, with_answer

    shutil.copytree(ROOT / "solutions" / LAB, root / "solutions" / LAB)
    shutil.copytree(ROOT / "autograder" / "checks" / LAB, root / "autograder" / "checks" / LAB)
    reference = json.loads((ROOT / "solutions" / LAB / f"{LAB}.ipynb").read_text())
    blank = json.loads((ROOT / "labs" / LAB / f"{LAB}.ipynb").read_text())
    notebooks = {"reference": reference, "blank": blank}
    for name in WRONG:
        source = (ROOT / "tests" / "fixtures" / LAB / "wrong" / name).read_text()
        question = question_of(Path(name))
        notebooks[name.removesuffix(".py")] = with_answer(reference, question, source)
    for student, nb in notebooks.items():
        folder = root / "submitted" / student / LAB
        shutil.copytree(ROOT / "labs" / LAB, folder)
        (folder / f"{LAB}.ipynb").write_text(json.dumps(nb))
    return len(notebooks)


def grade_once(root: Path) -> tuple[float, dict[str, tuple[float, float, float]]]:
    shutil.rmtree(root / "results", ignore_errors=True)
    env = dict(os.environ, PRODEV_DATA_DIR=str(ROOT / "data"))
    command = [sys.executable, "-m", "prodev", "grade", LAB, "--root", str(root),
               "--jobs", "2", "--sandbox", "bwrap", "--timeout", "180"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"prodev grade failed:\n{done.stderr[-3000:]}")
    found = {}
    for path in sorted((root / "results" / LAB).glob("*.json")):
        document = json.loads(path.read_text())
        found[path.stem] = (document["score"], document["max_score"], document["execution_time"])
    return wall, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    runs = parser.parse_args().runs
    root = Path(tempfile.mkdtemp(prefix="prodev-lab09-class-"))
    try:
        size = build_class(root)
        for run in range(1, runs + 1):
            wall, found = grade_once(root)
            print(f"run {run}: {size} submissions, --jobs 2, wall {wall:.1f} s "
                  f"({wall / size:.1f} s per submission)")  # fmt: skip
            for student, (score, top, seconds) in found.items():
                print(f"  {student:28} {score:5.1f}/{top:<5.1f} execution_time {seconds:5.1f} s")
            times = [seconds for _, _, seconds in found.values()]
            print(f"  median execution_time {statistics.median(times):.1f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
