"""`prodev similarity` on a generated class of 40 lab 04 submissions (tests/classroom.py): four
students copied another's whole submission and disguised it (renamed aliases, reordered
clauses, added comments, all three) and one copied half of it; everyone else answered on their
own, often with the same popular answer to a question. The copies must rank at the top."""

from __future__ import annotations

import json
import re

import classroom
import pytest

from prodev import cli

LAB = classroom.LAB


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    base = tmp_path_factory.mktemp("similarity")
    klass = classroom.generate_class(40, planted=4, partial=1, seed=1)
    classroom.write_submissions(klass, base / "submitted")
    return klass, base


def run(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out


def test_planted_pairs_rank_at_the_top(generated, capsys):
    klass, base = generated
    found = json.loads(
        run(
            capsys,
            "similarity",
            LAB,
            "--submissions",
            str(base / "submitted"),
            "--json",
            "--top",
            "1000",
        )  # fmt: skip
    )
    assert found["students"] == 40
    planted = {tuple(sorted(pair)) for pair in klass.planted}
    assert len(planted) == 5
    top = [(p["a"], p["b"]) for p in found["pairs"][: len(planted)]]
    assert set(top) == planted, f"top pairs {top}, planted {sorted(planted)}"
    # Independent students do write identical answers to a question: the ranking had to see
    # past them.
    identical = [g for q in found["questions"].values() for g in q["identical"]]
    assert any(len(g) > 2 for g in identical)
    for question in found["questions"].values():  # every pair of non-blank answers
        n = question["answers_compared"]
        assert question["pairs_compared"] == n * (n - 1) // 2
        assert n + len(question["blank"]) == 40


def test_disguises_do_not_survive_normalisation(generated, capsys):
    """Every question a planted copier copied is identical to the original after normalisation,
    whatever the disguise."""
    klass, base = generated
    found = json.loads(
        run(
            capsys,
            "similarity",
            LAB,
            "--submissions",
            str(base / "submitted"),
            "--json",
            "--top",
            "100000",
        )  # fmt: skip
    )
    for original, copy in klass.planted:
        student = klass.student(copy)
        copied = [
            q for q in klass.questions if student.picks[q] == klass.student(original).picks[q]
        ]
        for question in copied:
            if student.picks[question] == "blank":
                continue
            pairs = {(p["a"], p["b"]): p for p in found["questions"][question]["pairs"]}
            pair = pairs[tuple(sorted((original, copy)))]
            assert pair["similarity"] == 1.0, (student.disguise, question)


def test_the_page_says_similarity_is_no_proof_and_shows_the_copies(generated, capsys):
    klass, base = generated
    out = run(
        capsys, "similarity", LAB, "--submissions", str(base / "submitted"), "--out",
        str(base / "page"),
    )  # fmt: skip
    assert "pairs of answers compared over 9 questions" in out
    page = (base / "page" / "similarity.html").read_text(encoding="utf-8")
    assert "Similarity is a reason to look, not proof" in page
    original, copy = sorted(klass.planted[0])
    assert f"id='q1-{original}-{copy}'" in page
    block = page.split(f"id='q1-{original}-{copy}'")[1].split("<h3")[0]
    assert "<mark>" in block
    assert not re.search(r"(src|href)=['\"]?https?:", page)


def test_a_missing_submissions_folder_is_a_one_line_mistake(tmp_path, capsys):
    assert cli.main(["similarity", LAB, "--submissions", str(tmp_path / "none")]) == 2
    assert "is not a folder" in capsys.readouterr().err
