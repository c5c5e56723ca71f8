"""autograder/analytics/similarity.py, fragments.py and similarity_page.py on small classes
built in memory."""

from __future__ import annotations

import math

import pytest

from autograder.analytics.answers import ClassAnswers, answer_cells
from autograder.analytics.fragments import line_key, shared_lines
from autograder.analytics.similarity import common_fingerprints, compare_class, rank_pairs
from autograder.analytics.similarity_page import CAUTION, render

STARTER = 'def top(rows, n):\n    """The n largest."""\n    raise NotImplementedError()\n'
REFERENCE = (
    'def top(rows, n):\n    """The n largest."""\n    return sorted(rows, reverse=True)[:n]\n'
)

ORIGINAL = """def top(rows, n):
    best = []
    for row in rows:
        best.append(row)
        best.sort(reverse=True)
        if len(best) > n:
            best.pop()
    return best
"""
COPY = """def top(values, k):
    # keep the k largest seen so far
    kept = []
    for v in values:
        kept.append(v)
        kept.sort(reverse=True)   # largest first
        if len(kept) > k:
            kept.pop()
    return kept
"""
INDEPENDENT = [
    "def top(rows, n):\n    return sorted(rows, reverse=True)[:n]\n",
    "def top(rows, n):\n    import heapq\n    return heapq.nlargest(n, rows)\n",
    "def top(rows, n):\n    out = list(rows)\n    out.sort()\n    out.reverse()\n"
    "    return out[:n]\n",
    "def top(rows, n):\n    result = []\n    while rows and len(result) < n:\n"
    "        m = max(rows)\n        result.append(m)\n        rows = [r for r in rows if r != m]\n"
    "    return result\n",
]


def klass(answers: dict[str, str], questions=("q1",)) -> ClassAnswers:
    return ClassAnswers(
        lab="lab99_demo",
        questions=list(questions),
        answers={s: {q: code for q in questions} for s, code in answers.items()},
        starter=dict.fromkeys(questions, STARTER),
        reference=dict.fromkeys(questions, REFERENCE),
    )


def test_the_copy_ranks_first_and_is_identical_after_normalisation():
    answers = {"ann": ORIGINAL, "bob": COPY, "blank": STARTER}
    answers.update({f"ind{i}": code for i, code in enumerate(INDEPENDENT)})
    result = compare_class(klass(answers))
    first = result.ranked[0]
    assert (first.a, first.b) == ("ann", "bob")
    assert first.by_question["q1"].similarity == 1.0
    question = result.per_question["q1"]
    assert question.blank == ["blank"]
    assert "blank" not in question.compared and len(question.compared) == 6
    assert question.pairs_compared == 15
    assert ["ann", "bob"] in question.identical


def test_an_answer_equal_to_the_reference_is_named():
    answers = {"ann": REFERENCE, "bob": INDEPENDENT[0], "cat": INDEPENDENT[1]}
    result = compare_class(klass(answers))
    assert result.per_question["q1"].identical_to_reference == ["ann", "bob"]


def test_similarity_is_the_share_of_fingerprints_in_common_and_common_takes_the_larger_share():
    prints = {
        "a": frozenset({1, 2, 3, 4}),
        "b": frozenset({1, 2, 3, 4}),
        "c": frozenset({1, 2, 9, 10}),
        "d": frozenset({20}),
    }
    assert common_fingerprints(prints) == {("a", "b"): 4, ("a", "c"): 2, ("b", "c"): 2}
    pairs = {(p.a, p.b): p for p in rank_pairs(prints)}
    assert set(pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert pairs[("a", "b")].similarity == 1.0
    assert pairs[("a", "c")].similarity == pytest.approx(2 * 2 / 8)
    # a & b: 1 of the 6 pairs is that similar; a's only answer that close is b's (1 of 3 others)
    assert pairs[("a", "b")].common == pytest.approx(max(1 / 6, 1 / 3))
    # a & c: 3 of 6 pairs are at least that similar; c has 2 answers that close (of 3)
    assert pairs[("a", "c")].common == pytest.approx(max(3 / 6, 2 / 3))
    assert pairs[("b", "c")].evidence == pytest.approx(0.5 * -math.log(2 / 3))


def test_a_popular_answer_is_weaker_evidence_than_a_rare_one():
    # Five students write the popular answer; two share a rare one.
    answers = {f"pop{i}": INDEPENDENT[0] for i in range(5)}
    answers.update({"ann": ORIGINAL, "bob": COPY, "cat": INDEPENDENT[1], "dan": INDEPENDENT[2]})
    result = compare_class(klass(answers))
    by_pair = {(p.a, p.b): p for p in result.ranked}
    assert by_pair[("ann", "bob")].evidence > by_pair[("pop0", "pop1")].evidence
    assert result.ranked[0].a == "ann" and result.ranked[0].b == "bob"


def test_evidence_adds_up_over_the_questions():
    questions = ("q1", "q2")
    answers = klass({"ann": ORIGINAL, "bob": COPY, "cat": INDEPENDENT[0]}, questions)
    answers.answers["cat"]["q2"] = ORIGINAL  # cat shares ann's answer to q2 only
    answers.answers["dan"] = {"q1": INDEPENDENT[3], "q2": INDEPENDENT[2]}
    result = compare_class(answers)
    by_pair = {(p.a, p.b): p for p in result.ranked}
    assert set(by_pair[("ann", "bob")].by_question) == {"q1", "q2"}
    assert by_pair[("ann", "bob")].evidence == pytest.approx(
        sum(p.evidence for p in by_pair[("ann", "bob")].by_question.values())
    )
    assert result.ranked[0].a == "ann" and result.ranked[0].b == "bob"


def test_answer_cells_take_the_first_code_cell_of_each_grade_id():
    def cell(kind, grade_id, source):
        metadata = {"nbgrader": {"grade_id": grade_id}}
        return {"cell_type": kind, "metadata": metadata, "source": source}

    notebook = {
        "cells": [
            cell("markdown", "q1", "x"),
            cell("code", "q1", ["a", "b"]),
            cell("code", "q1", "second"),
            cell("code", "q2", [1, 2]),  # a source list that is not text: no answer
            "not a cell",
        ]
    }
    assert answer_cells(notebook, ["q1", "q2"]) == {"q1": "ab"}
    assert answer_cells({"cells": "nope"}, ["q1"]) == {}


def test_shared_lines_survive_renames_and_moves_but_not_the_starter():
    a = "def top(rows, n):\n    best = []\n    best.sort(reverse=True)\n    return best[:n]\n"
    b = "def top(xs, k):\n    return kept[:k]\n    kept.sort(reverse=True)  # sorted\n"
    names_a = frozenset({"top", "rows", "n", "best"})
    names_b = frozenset({"top", "xs", "k", "kept"})
    marked_a, marked_b = shared_lines(a, b, names_a, names_b, starter="def top(rows, n):\n")
    assert marked_a == {2, 3}  # the sort and the return, not the signature (starter code)
    assert marked_b == {1, 2}
    assert line_key("    )", frozenset()) is None  # too short to mean anything
    assert line_key("WHERE b.status = 'x'  -- note", frozenset({"b"})) == "where v . status = s"


def test_the_page_warns_escapes_and_shows_pairs_side_by_side():
    hostile = "def top(rows, n):\n    return '</pre><script>alert(1)</script>'[:n]\n"
    answers = {"ann": ORIGINAL, "bob": COPY, "eve": hostile, "cat": INDEPENDENT[0]}
    result = compare_class(klass(answers))
    page = render(result, klass(answers))
    assert CAUTION.split(".")[0] in page  # "Similarity is a reason to look, not proof"
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "id='q1-ann-bob'" in page and "<mark>" in page
    assert "http://" not in page and "https://" not in page
