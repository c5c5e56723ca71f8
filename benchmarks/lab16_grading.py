"""Grade lab 16 submissions with `prodev grade --jobs 2` and time `prodev check` on the reference.

    .venv/bin/python benchmarks/lab16_grading.py [--n 8] [--sandbox bwrap]

Submissions: half reference, a quarter with four wrong answers (q1-q4), a quarter blank. They
are graded in a scratch course folder, so the checkout's gradebook and results are never
touched. Prints the batch's wall time, the time per submission, the grades, and the wall time of
`prodev check` on the reference notebook (median of three runs). Each lab 16 submission starts
its entrypoint twice (SIGTERM, SIGINT) and runs hadolint once per Dockerfile check.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab16_containers"
PRODEV = str(ROOT / ".venv" / "bin" / "prodev")
WRONG = ["q1_runs_as_root", "q2_star_crosses_folders", "q3_top_level_env", "q4_bind_mount"]

sys.path.insert(0, str(ROOT / "tests" / "content"))
from labs_harness import with_answer  # noqa: E402

from prodev.kits.timing import Timing  # noqa: E402
from prodev.runtime.notebook import read_notebook  # noqa: E402


def submissions(n: int) -> dict[str, dict]:
    reference = read_notebook(ROOT / "solutions" / LAB / f"{LAB}.ipynb")
    blank = read_notebook(ROOT / "labs" / LAB / f"{LAB}.ipynb")
    wrong = reference
    for name in WRONG:
        source = (ROOT / "tests" / "fixtures" / LAB / "wrong" / f"{name}.py").read_text()
        wrong = with_answer(wrong, name.split("_")[0], source)
    kinds = [reference] * (n - 2 * (n // 4)) + [wrong] * (n // 4) + [blank] * (n // 4)
    return {f"student{i:02d}": nb for i, nb in enumerate(kinds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--sandbox", default="bwrap")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lab16-grading-"))
    try:
        shutil.copytree(ROOT / "solutions" / LAB, root / "solutions" / LAB)
        shutil.copytree(ROOT / "autograder" / "checks" / LAB, root / "autograder" / "checks" / LAB)
        subs = submissions(args.n)
        for student, nb in subs.items():
            folder = root / "submitted" / student / LAB
            shutil.copytree(ROOT / "labs" / LAB, folder)
            (folder / f"{LAB}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        command = [PRODEV, "--root", str(root), "grade", LAB, "--submissions",
                   str(root / "submitted"), "--jobs", "2", "--sandbox", args.sandbox]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        took = time.perf_counter() - started
        print(f"{len(subs)} submissions graded in {took:.1f} s with --jobs 2 "
              f"({took / len(subs):.2f} s per submission)")  # fmt: skip
        print((root / "results" / LAB / "grades.csv").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([PRODEV, "check", str(ROOT / "solutions" / LAB / f"{LAB}.ipynb")],
                       check=True, capture_output=True)  # fmt: skip
        runs.append(time.perf_counter() - started)
    print("prodev check on the reference (10 public points, 8 public checks):", Timing(tuple(runs)))


if __name__ == "__main__":
    main()
