"""Grade the same 40 lab04 submissions with `nbgrader autograde` and with `prodev grade --jobs 2`.

    .venv/bin/python benchmarks/grading.py [--lab LAB] [--n 40] [--timeout 10] [--skip-nbgrader]

Submissions: reference answers, partly wrong (half the answers blank), blank, looping (an answer
cell that never ends) and crashing (an answer cell that kills its process). Both graders run in
scratch course folders, so the checkout's gradebook and results are never touched. Prints both
wall times and their ratio, how many submissions nbgrader graded (a failed autograde is fast),
the grading overhead per submission beyond the notebook's own run time, and what a looping
submission cost.
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
DEFAULT_LAB = "lab04_advanced_sql"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()\n"
KINDS = (
    ["correct"] * 16 + ["partly_wrong"] * 10 + ["blank"] * 8 + ["looping"] * 3 + ["crashing"] * 3
)


def _answer_ids(nb: dict) -> list[str]:
    return [
        c["metadata"]["nbgrader"]["grade_id"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    ]


def submission(source: dict, kind: str) -> dict:
    """The source notebook with its answers changed according to `kind`."""
    nb = json.loads(json.dumps(source))
    answers = _answer_ids(nb)
    change: dict[str, str] = {}
    if kind == "blank":
        change = dict.fromkeys(answers, STUB)
    elif kind == "partly_wrong":
        change = dict.fromkeys(answers[len(answers) // 2 :], STUB)
        change[answers[0]] = 'q1 = "SELECT 1 AS booking_id"\n'
    elif kind == "looping":
        change = {answers[2]: "while True:\n    pass\n"}
    elif kind == "crashing":
        change = {answers[4]: "import os\nos._exit(1)\n"}
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in change:
            cell["source"] = change[gid]
    return nb


def build(work: Path, n: int, lab: str) -> tuple[Path, dict[str, str]]:
    """A course root holding the lab (source, checks) and n submissions; returns it and the
    kinds."""
    course = work / "course"
    shutil.copytree(ROOT / "solutions" / lab, course / "solutions" / lab)
    shutil.copytree(ROOT / "autograder" / "checks" / lab, course / "autograder" / "checks" / lab)
    source = json.loads((course / "solutions" / lab / f"{lab}.ipynb").read_text())
    kinds = {}
    for i in range(n):
        kind = KINDS[i % len(KINDS)] if n == len(KINDS) else KINDS[(i * 7) % len(KINDS)]
        student = f"s{i:02d}_{kind}"
        folder = course / "submitted" / student / lab
        folder.mkdir(parents=True)
        (folder / f"{lab}.ipynb").write_text(json.dumps(submission(source, kind), indent=1))
        shutil.copytree(course / "solutions" / lab / "checks", folder / "checks")  # as released
        kinds[student] = kind
    return course, kinds


def run_nbgrader(course: Path, timeout: float, lab: str) -> float:
    """nbgrader's own autograde on a copy of the course, with the same per-cell time limit."""
    nbg = course.parent / "nbgrader"
    (nbg / "source").mkdir(parents=True)
    shutil.copytree(course / "solutions" / lab, nbg / "source" / lab)
    shutil.copytree(course / "submitted", nbg / "submitted")
    (nbg / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.root = '.'\n"
        f"c.ExecutePreprocessor.timeout = {int(timeout)}\n"
        "c.ClearSolutions.code_stub = "
        "{'python': '# YOUR CODE HERE\\nraise NotImplementedError()'}\n"
    )
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", lab, "--force"], cwd=nbg, env=env,
                   check=True, capture_output=True)  # fmt: skip
    started = time.monotonic()
    subprocess.run([*nbgrader, "autograde", lab, "--create", "--force"], cwd=nbg, env=env,
                   capture_output=True)  # fmt: skip
    wall = time.monotonic() - started
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{nbg / 'gradebook.db'}") as gb:
        scores = {s.student.id: float(s.score) for s in gb.assignment_submissions(lab)}
    autograded = sum(1 for p in (nbg / "autograded").glob(f"*/{lab}/{lab}.ipynb"))
    print(f"  nbgrader autograded {autograded} notebooks; {len(scores)} in its gradebook")
    return wall


def run_prodev(course: Path, timeout: float, jobs: int, lab: str) -> tuple[float, dict[str, dict]]:
    out = course.parent / "results"
    argv = [sys.executable, "-m", "prodev", "grade", lab, "--root", str(course), "--out", str(out),
            "--jobs", str(jobs), "--timeout", str(timeout), "--sandbox", "bwrap"]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"prodev grade failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    documents = {p.stem: json.loads(p.read_text()) for p in (out / lab).glob("*.json")}
    return wall, documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--lab", default=DEFAULT_LAB, help="the lab (default: %(default)s)")
    args = parser.parse_args()
    os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
    os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")
    with tempfile.TemporaryDirectory(prefix="prodev-bench-") as tmp:
        course, kinds = build(Path(tmp), args.n, args.lab)
        counts = {k: list(kinds.values()).count(k) for k in dict.fromkeys(kinds.values())}
        print(f"{args.n} submissions of {args.lab}: {counts}; limit {args.timeout:g} s")
        wall, documents = run_prodev(course, args.timeout, args.jobs, args.lab)
        print(
            f"prodev grade --jobs {args.jobs}: {wall:.1f} s ({wall / args.n:.2f} s per submission)"
        )
        plain = [
            d for s, d in documents.items() if kinds[s] in ("correct", "partly_wrong", "blank")
        ]
        notebook = sum(d["notebook_seconds"] for d in plain) / len(plain)
        slot_seconds = wall * args.jobs / args.n
        print(f"  notebook's own run time: {notebook:.3f} s per submission (mean, in the sandbox)")
        print(f"  slot time per submission (wall x jobs / n): {slot_seconds:.3f} s")
        overhead = slot_seconds - notebook
        print(f"  grading overhead beyond the notebook: {overhead:.3f} s per submission "
              "(sandbox, checks, results; start-up amortised)")  # fmt: skip
        latency = [d["execution_time"] - d["notebook_seconds"] for d in plain]
        median = statistics.median(latency)
        print(f"  per-submission latency beyond the notebook (median): {median:.3f} s")
        engine = [lat - d["check_seconds"] for lat, d in zip(latency, plain, strict=True)]
        checks = statistics.median(d["check_seconds"] for d in plain)
        print(f"    of which inside the lab's check functions (median): {checks:.3f} s")
        print(f"    of which the grading engine itself (median): {statistics.median(engine):.3f} s"
              " (fork, cell and answer messages, pytest, results file)")  # fmt: skip
        for student, d in sorted(documents.items()):
            if kinds[student] == "looping":
                score = f"{d['score']:g}/{d['max_score']:g}"
                print(f"  looping {student}: {d['execution_time']:.1f} s in all "
                      f"(limit {args.timeout:g} s), score {score}")  # fmt: skip
        by_kind: dict[str, list[float]] = {}
        for student, d in documents.items():
            by_kind.setdefault(kinds[student], []).append(d["score"])
        print("  scores by kind:", {k: sorted(set(v)) for k, v in by_kind.items()})
        if args.skip_nbgrader:
            return 0
        nb_wall = run_nbgrader(course, args.timeout, args.lab)
        print(f"nbgrader autograde: {nb_wall:.1f} s ({nb_wall / args.n:.2f} s per submission)")
        print(f"ratio nbgrader / prodev: {nb_wall / wall:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
