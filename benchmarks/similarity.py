"""How well `prodev similarity` finds planted copies, and how long it and `prodev report` take.

    .venv/bin/python benchmarks/similarity.py [--seeds 5] [--students 40] [--large 200] [--runs 3]

Classes come from tests/classroom.py (lab 04): independent students answer each question from
the reference, correct rewrites and wrong answers, in a style of their own; planted students
copy a whole submission and disguise it (renamed aliases, reordered clauses, added comments,
all three), and one more copies half of one. Prints, for classes of `--students` built from
several seeds, where the planted pairs rank over the lab and how far the weakest copy stands
above the strongest independent pair; then the time to compare `--large` submissions (median of
`--runs`, reading the notebooks included, with the work done beside it) and the time of
`prodev report` on the results of the same class.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import classroom  # noqa: E402

from autograder.analytics.answers import read_class_answers  # noqa: E402
from autograder.analytics.loading import load_results  # noqa: E402
from autograder.analytics.normalise import _sql_tokens_cached  # noqa: E402
from autograder.analytics.report import analyse  # noqa: E402
from autograder.analytics.report_page import render as render_report  # noqa: E402
from autograder.analytics.similarity import compare_class  # noqa: E402
from autograder.analytics.similarity_page import render as render_similarity  # noqa: E402
from prodev.course.layout import Course  # noqa: E402

LAB = classroom.LAB


def planted_ranks(students: int, seed: int, work: Path) -> dict:
    """Where each planted pair ranks over the lab, in a class built from `seed`."""
    planted = max(1, students // 10)
    klass = classroom.generate_class(students, planted=planted, partial=1, seed=seed)
    folder = classroom.write_submissions(klass, work / f"seed{seed}")
    lab = Course.load(ROOT).lab(LAB)
    similarity = compare_class(read_class_answers(lab, folder))
    rank = {(p.a, p.b): i for i, p in enumerate(similarity.ranked, start=1)}
    evidence = {(p.a, p.b): p.evidence for p in similarity.ranked}
    copies = {tuple(sorted(pair)): klass.student(pair[1]) for pair in klass.planted}
    whole = [p for p, s in copies.items() if len(s.copied) == len(klass.questions)]
    half = [p for p, s in copies.items() if len(s.copied) < len(klass.questions)]
    independent = [p.evidence for p in similarity.ranked if (p.a, p.b) not in copies]
    per_question = []
    for result in similarity.per_question.values():
        order = {(p.a, p.b): i for i, p in enumerate(result.ranked, start=1)}
        per_question += [order[pair] for pair in whole if pair in order]
    return {
        "seed": seed,
        "whole": sorted(rank.get(p, len(rank) + 1) for p in whole),
        "half": [rank.get(p, len(rank) + 1) for p in half],
        "weakest_copy": min(evidence.get(p, 0.0) for p in whole),
        "strongest_independent": max(independent, default=0.0),
        "per_question_median": statistics.median(per_question),
    }


def pairwise_diff_estimate(similarity, pairs: int, sample: int = 2000) -> float:
    """What comparing every pair with difflib would cost: `sample` pairs timed, scaled up."""
    import difflib
    import random

    rng = random.Random(0)
    keys = list(similarity.normalised)
    started = time.perf_counter()
    for _ in range(sample):
        (a, question), (b, _) = rng.choice(keys), rng.choice(keys)
        other = similarity.normalised.get((b, question), similarity.normalised[(a, question)])
        difflib.SequenceMatcher(
            None, similarity.normalised[(a, question)].tokens, other.tokens
        ).ratio()
    return (time.perf_counter() - started) / sample * pairs


def timed(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        questions = len(classroom.reference_answers())
        print(f"Planted pairs among {args.students} submissions of {LAB} ({questions} questions):")
        rows = [planted_ranks(args.students, seed, work) for seed in range(1, args.seeds + 1)]
        for row in rows:
            print(
                f"  seed {row['seed']}: whole copies rank {row['whole']}, the half copy "
                f"{row['half']}; weakest copy {row['weakest_copy']:.1f} vs strongest "
                f"independent pair {row['strongest_independent']:.1f}; per question a whole "
                f"copy ranks {row['per_question_median']:g} (median) of up to "
                f"{args.students * (args.students - 1) // 2} pairs"
            )
        top = sum(r["whole"] == list(range(1, len(r["whole"]) + 1)) for r in rows)
        print(f"  whole copies are the top pairs in {top} of {len(rows)} classes")

        klass = classroom.generate_class(args.large, planted=args.large // 20, partial=1, seed=9)
        folder = classroom.write_submissions(klass, work / "large")
        lab = Course.load(ROOT).lab(LAB)

        def similarity_run():
            _sql_tokens_cached.cache_clear()  # each run parses every query again
            answers = read_class_answers(lab, folder)
            return answers, compare_class(answers)

        seconds, (answers, similarity) = timed(similarity_run, args.runs)
        pairs = sum(q.pairs_compared for q in similarity.per_question.values())
        page_seconds, page = timed(lambda: render_similarity(similarity, answers), 1)
        print(
            f"{args.large} submissions: read and compared in {seconds:.2f} s (median of "
            f"{args.runs}; {args.large * len(similarity.questions)} answers normalised, {pairs} "
            f"pairs of answers scored over {len(similarity.questions)} questions); the page "
            f"({len(page) // 1000} kB, top 10 pairs side by side) in {page_seconds:.2f} s"
        )
        diff_seconds = pairwise_diff_estimate(similarity, pairs)
        print(
            f"  for comparison, difflib on every pair of the same normalised answers: about "
            f"{diff_seconds:.0f} s (2,000 pairs timed, scaled to {pairs})"
        )
        whole = {tuple(sorted(p)) for p in klass.planted}
        ranks = sorted(i for i, p in enumerate(similarity.ranked, start=1) if (p.a, p.b) in whole)
        print(f"  planted pairs among them rank {ranks} (the last copied half the questions)")

        classroom.write_results(klass, work / "results")
        report_seconds, numbers = timed(
            lambda: analyse(load_results(LAB, work / "results")), args.runs
        )
        render_seconds, _ = timed(lambda: render_report(numbers), 1)
        print(
            f"prodev report on the same {args.large} results: numbers in {report_seconds:.2f} s "
            f"(median of {args.runs}; {len(numbers['checks'])} checks, reading and validating "
            f"every document included), page with 4 plots in {render_seconds:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
