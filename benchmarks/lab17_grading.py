"""What lab 17's grader-side work costs: schema validation, the review, the two simulations,
and grading the reference in the sandbox, where every load-balancer decision is a call into the
student's process.

    .venv/bin/python benchmarks/lab17_grading.py [--runs 5] [--grade 6]

Prints medians of interleaved runs (prodev.kits.timing) with their spread, beside the work
done (documents, pod events, requests, calls); with `--grade N`, grades N copies of the
reference with `prodev grade --jobs 2 --sandbox bwrap` in a scratch course and prints the time
per submission.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prodev.kits import manifests  # noqa: E402
from prodev.kits.timing import interleaved  # noqa: E402

LAB = "lab17_kubernetes"


def reference_manifests() -> str:
    """The reference answer of question 1, read from the lab's source notebook."""
    nb = json.loads((ROOT / "solutions" / LAB / f"{LAB}.ipynb").read_text())
    (cell,) = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1"]
    source = "".join(cell["source"])
    return source.split('"""')[1]


def local(runs: int) -> None:
    docs = manifests.load_documents(reference_manifests())
    rng = random.Random(1)
    delays = [rng.uniform(3, 40) for _ in range(20)]
    backends = manifests.Backends((1.0, 1.0, 1.0, 0.35), workers=2)

    def pick(in_flight, sampled):
        first, second = sampled
        return first if in_flight[first] <= in_flight[second] else second

    timings = interleaved(
        {
            "schema": lambda: [manifests.schema_problems(d) for d in docs],
            "review": lambda: [
                manifests.security_problems(d) + manifests.resource_problems(d)
                for d in docs
                if d["kind"] == "Deployment"
            ],
            "rollout": lambda: manifests.simulate_rollout(20, 5, 5, delays),
            "balancer": lambda: manifests.simulate_balancer(
                pick, backends, arrival_rate=0.75 * backends.capacity, requests=1000, seed=7
            ),
        },
        runs=runs,
    )
    work = {
        "schema": f"{len(docs)} documents validated (Kubernetes {manifests.KUBERNETES_VERSION})",
        "review": "2 Deployments reviewed",
        "rollout": f"{len(manifests.simulate_rollout(20, 5, 5, delays).timeline)} controller steps",
        "balancer": "1000 requests, 1000 policy calls in this process",
    }
    for name, timing in timings.items():
        print(
            f"{name:>9}: {timing.median_ms:8.2f} ms "
            f"({timing.low_ms:.2f} to {timing.high_ms:.2f}), {work[name]}"
        )


def grade(copies: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        shutil.copytree(ROOT / "solutions" / LAB, root / "solutions" / LAB)
        shutil.copytree(ROOT / "autograder" / "checks" / LAB, root / "autograder" / "checks" / LAB)
        for n in range(copies):
            folder = root / "submitted" / f"student{n}" / LAB
            shutil.copytree(ROOT / "labs" / LAB, folder)
            shutil.copy(ROOT / "solutions" / LAB / f"{LAB}.ipynb", folder / f"{LAB}.ipynb")
        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "prodev",
                "grade",
                LAB,
                "--root",
                str(root),
                "--jobs",
                "2",
                "--sandbox",
                "bwrap",
            ],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr)
        print(
            f"{copies} submissions graded in {seconds:.1f} s with --jobs 2: "
            f"{seconds / copies:.2f} s each"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--grade", type=int, default=0, metavar="N")
    args = parser.parse_args()
    local(args.runs)
    if args.grade:
        grade(args.grade)


if __name__ == "__main__":
    main()
