"""Which pairs of submissions are worth a look.

Per question, each answer is normalised (normalise.py) and reduced to its winnowed fingerprints
(fingerprints.py), minus those of the starter code everyone was given; an answer left with none
is blank and not compared. The *similarity* of two answers is the share of fingerprints they
have in common (2 |A ∩ B| / (|A| + |B|)): 1.0 is the same code once names, literals, comments
and layout are set aside.

Similarity alone ranks badly: on a short question many students write the same query, and the
reference answer is popular. So a pair's similarity on a question is set against the rest of
the class: how *common* it is is the larger of two shares, that of the question's pairs at least
as similar, and that of the other answers at least as similar to one of the two; its *evidence*
is similarity x -ln(common). In a class of 40, two identical answers that nobody else wrote
score about 3.7; the same answer written by 12 students about 1.3. Over the lab, a pair's
evidence is the sum over the questions, so two students who share unusual code on every
question come first.

Scale: all pairs' common fingerprints come from one matrix product per question (answers x the
fingerprints two answers or more hold, times its transpose), never from comparing texts; only
the pairs a page shows are compared line by line (fragments.py).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from autograder.analytics.answers import ClassAnswers
from autograder.analytics.fingerprints import fingerprints
from autograder.analytics.normalise import Normalised, normalise


@dataclass(frozen=True)
class Pair:
    """Two students' answers to one question; `a` < `b`."""

    a: str
    b: str
    similarity: float  # share of fingerprints in common, 0 to 1
    shared: int  # fingerprints in common
    common: float  # how common this similarity is on the question, 0 to 1 (see rank_pairs)

    @property
    def rarity(self) -> float:
        return -math.log(self.common) if self.common > 0 else 0.0

    @property
    def evidence(self) -> float:
        return self.similarity * self.rarity


@dataclass(frozen=True)
class ClassPair:
    """Two students over the whole lab."""

    a: str
    b: str
    evidence: float  # the sum of the pair's evidence over the questions
    by_question: dict[str, Pair]


@dataclass
class QuestionSimilarity:
    question: str
    compared: list[str] = field(default_factory=list)  # students with a non-blank answer
    blank: list[str] = field(default_factory=list)  # no answer, or only the starter code
    # pairs with anything in common, most similar first (then most evidence over the lab)
    ranked: list[Pair] = field(default_factory=list)
    identical: list[list[str]] = field(default_factory=list)  # same normalised code, 2+ students
    identical_to_reference: list[str] = field(default_factory=list)

    @property
    def pairs_compared(self) -> int:
        n = len(self.compared)
        return n * (n - 1) // 2


@dataclass
class Similarity:
    """The similarity of a class's submissions to one lab."""

    lab: str
    questions: list[str]
    students: list[str]
    unreadable: dict[str, str]
    per_question: dict[str, QuestionSimilarity]
    ranked: list[ClassPair]  # pairs with any evidence over the lab, most first
    normalised: dict[tuple[str, str], Normalised]  # (student, question) -> normalised answer

    def to_json(self, top: int | None = None) -> dict:
        """The numbers, for scripts: per question and over the lab, best pairs first."""

        def pair(p: Pair) -> dict:
            return {
                "a": p.a,
                "b": p.b,
                "similarity": round(p.similarity, 4),
                "shared": p.shared,
                "common": round(p.common, 4),
                "evidence": round(p.evidence, 4),
            }

        return {
            "lab": self.lab,
            "students": len(self.students),
            "unreadable": self.unreadable,
            "questions": {
                q: {
                    "answers_compared": len(s.compared),
                    "blank": s.blank,
                    "pairs_compared": s.pairs_compared,
                    "pairs_sharing_code": len(s.ranked),
                    "identical": s.identical,
                    "identical_to_reference": s.identical_to_reference,
                    "pairs": [pair(p) for p in s.ranked[:top]],
                }
                for q, s in self.per_question.items()
            },
            "pairs": [
                {
                    "a": p.a,
                    "b": p.b,
                    "evidence": round(p.evidence, 4),
                    "similarity": {q: round(v.similarity, 4) for q, v in p.by_question.items()},
                }
                for p in self.ranked[:top]
            ],
        }


def common_fingerprints(prints: dict[str, frozenset[int]]) -> dict[tuple[str, str], int]:
    """How many fingerprints each pair of answers shares, for the pairs sharing any: the
    product of the answers x fingerprints matrix with its transpose, over the fingerprints that
    two answers or more hold (no other can be shared)."""
    import numpy as np

    students = sorted(prints)
    held = Counter(f for student in students for f in prints[student])
    columns = {f: i for i, f in enumerate(f for f, count in held.items() if count > 1)}
    if not columns:
        return {}
    matrix = np.zeros((len(students), len(columns)), dtype=np.float32)
    for row, student in enumerate(students):
        matrix[row, [columns[f] for f in prints[student] if f in columns]] = 1.0
    product = matrix @ matrix.T  # exact: counts stay far below float32's 2**24
    rows, cols = np.nonzero(np.triu(product, k=1))
    return {
        (students[i], students[j]): int(product[i, j])
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
    }


def rank_pairs(prints: dict[str, frozenset[int]]) -> list[Pair]:
    """Every pair of answers that shares a fingerprint, most similar first.

    How common a pair's similarity is: the larger of two shares, that of the question's pairs at
    least as similar, and that of the other answers at least as similar to one of the two (the
    larger count of the two answers). The first keeps a middling similarity from counting where
    most pairs are that similar; the second keeps a popular answer from counting, however alike
    its writers are."""
    shared = common_fingerprints(prints)
    pairs_in_all = len(prints) * (len(prints) - 1) // 2
    others = len(prints) - 1
    similarity = {(a, b): 2 * n / (len(prints[a]) + len(prints[b])) for (a, b), n in shared.items()}
    every = sorted(similarity.values())
    near: dict[str, list[float]] = defaultdict(list)  # per answer, ascending
    for (a, b), value in similarity.items():
        near[a].append(value)
        near[b].append(value)
    for values in near.values():
        values.sort()

    def at_least(values: list[float], value: float) -> int:
        return len(values) - bisect.bisect_left(values, value)

    def common(a: str, b: str, value: float) -> float:
        alike = max(at_least(near[a], value), at_least(near[b], value))
        return max(at_least(every, value) / pairs_in_all, alike / others)

    pairs = [
        Pair(a, b, value, shared[(a, b)], common(a, b, value))
        for (a, b), value in similarity.items()
    ]
    pairs.sort(key=lambda p: (-p.similarity, p.common, p.a, p.b))
    return pairs


def compare_class(answers: ClassAnswers) -> Similarity:
    """Score every pair of the class's answers, per question and over the lab."""
    students = sorted(answers.answers)
    normalised: dict[tuple[str, str], Normalised] = {}
    per_question: dict[str, QuestionSimilarity] = {}
    totals: dict[tuple[str, str], dict[str, Pair]] = defaultdict(dict)
    for question in answers.questions:
        result = per_question[question] = QuestionSimilarity(question)
        starter = normalise(answers.starter.get(question, ""))
        given = fingerprints(starter.tokens)
        reference = normalise(answers.reference.get(question, "")).tokens
        prints: dict[str, frozenset[int]] = {}
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for student in students:
            code = answers.answers[student].get(question)
            if code is None:
                result.blank.append(student)
                continue
            norm = normalised[(student, question)] = normalise(code)
            found = fingerprints(norm.tokens) - given
            if not found or norm.tokens == starter.tokens:
                result.blank.append(student)
                continue
            prints[student] = found
            groups[norm.tokens].append(student)
        result.compared = sorted(prints)
        result.identical = sorted(g for g in groups.values() if len(g) > 1)
        result.identical_to_reference = groups.get(reference, []) if reference else []
        result.ranked = rank_pairs(prints)
        for pair in result.ranked:
            totals[(pair.a, pair.b)][question] = pair
    ranked = [
        ClassPair(a, b, sum(p.evidence for p in by_question.values()), by_question)
        for (a, b), by_question in totals.items()
    ]
    ranked = [p for p in ranked if p.evidence > 0]  # what everyone shares is no evidence
    ranked.sort(key=lambda p: (-p.evidence, p.a, p.b))
    # On a question, many pairs can be equally similar and equally common (a popular answer):
    # among them, the pairs with more evidence over the lab come first.
    over_lab = {(p.a, p.b): p.evidence for p in ranked}
    for result in per_question.values():
        result.ranked.sort(
            key=lambda p: (-p.similarity, p.common, -over_lab.get((p.a, p.b), 0.0), p.a, p.b)
        )
    return Similarity(
        lab=answers.lab,
        questions=list(answers.questions),
        students=students,
        unreadable=dict(answers.unreadable),
        per_question=per_question,
        ranked=ranked,
        normalised=normalised,
    )
