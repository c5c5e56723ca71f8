"""prodev similarity LAB [--submissions DIR] [--out DIR] [--top N] [--json]"""

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "similarity",
        help="rank the pairs of submissions worth a look, with their answers side by side",
    )
    p.add_argument("lab", metavar="LAB", help="the lab, e.g. lab04_advanced_sql")
    p.add_argument(
        "--submissions",
        type=Path,
        metavar="DIR",
        help="folder laid out as DIR/<student>/LAB/LAB.ipynb (default: the course's submitted/)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write similarity.html (default: the course's results/LAB/)",
    )
    p.add_argument(
        "--top", type=int, default=10, metavar="N", help="pairs shown per question and overall"
    )
    p.add_argument(
        "--json", action="store_true", help="print the ranked pairs as JSON instead of a page"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from autograder.analytics.answers import read_class_answers
    from autograder.analytics.similarity import compare_class
    from autograder.analytics.similarity_page import CAUTION, write_page
    from prodev.course.layout import Course

    if args.top < 1:
        print("prodev similarity: --top must be at least 1", file=sys.stderr)
        return 2
    lab = Course.load().lab(args.lab)
    answers = read_class_answers(lab, args.submissions or lab.course.submitted)
    similarity = compare_class(answers)
    if args.json:
        print(json.dumps(similarity.to_json(args.top), indent=2))
        return 0
    page = write_page(similarity, answers, args.out or lab.results, args.top)
    compared = max((len(q.compared) for q in similarity.per_question.values()), default=0)
    pairs = sum(q.pairs_compared for q in similarity.per_question.values())
    print(
        f"{len(similarity.students)} submissions, {pairs} pairs of answers compared over "
        f"{len(similarity.questions)} questions (up to {compared} answers each)"
    )
    for rank, pair in enumerate(similarity.ranked[: min(args.top, 5)], start=1):
        questions = ", ".join(
            f"{q} {100 * pair.by_question[q].similarity:.0f}%"
            for q in similarity.questions
            if q in pair.by_question
        )
        print(f"{rank}. {pair.a} & {pair.b}: evidence {pair.evidence:.1f} ({questions})")
    if not similarity.ranked:
        print("no pair stands out: what two submissions share, the rest of the class shares too")
    print(page)
    print(CAUTION, file=sys.stderr)
    return 0
