"""`prodev report` on a generated class of 200 (tests/classroom.py: results documents written as
`prodev grade` writes them, with planted limits, late submissions and answers that pass q4's
public checks only), read from a results folder, from four shards as the Kubernetes Job leaves
them, and from a bare folder of documents. Its numbers are checked against the documents it
read, recomputed here, and against what was planted."""

from __future__ import annotations

import base64
import json
import re
import shutil
import statistics

import classroom
import pytest

from prodev import cli

LAB = classroom.LAB
DUE = classroom.DUE.strftime("%Y-%m-%d %H:%M:%S UTC")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    klass = classroom.generate_class(200, planted=10, seed=3, limits=4, late=6)
    classroom.write_results(klass, base / "results")
    classroom.write_results(klass, base / "shards", shards=4)
    shutil.copytree(base / "results" / LAB, base / "bare")
    (base / "bare" / "grades.csv").unlink()
    documents = {
        p.stem: json.loads(p.read_text()) for p in sorted((base / "results" / LAB).glob("*.json"))
    }
    return klass, base, documents


def report(capsys, base, *argv: str) -> dict:
    # --root: a scratch course, so that no gradebook of this checkout supplies a due date
    assert cli.main(["report", LAB, "--root", str(base), "--due", DUE, *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("layout", ["results", "shards", "bare"])
def test_the_numbers_are_those_of_the_documents_read(generated, capsys, layout):
    klass, base, documents = generated
    numbers = report(capsys, base, "--results", str(base / layout))
    assert numbers["students"] == 200 and numbers["left_out"] == {}
    assert len(numbers["read_from"]) == (4 if layout == "shards" else 1)
    scores = [d["score"] for d in documents.values()]
    assert numbers["scores"]["by_student"] == {s: d["score"] for s, d in documents.items()}
    assert numbers["scores"]["mean"] == pytest.approx(statistics.fmean(scores), abs=1e-3)
    assert numbers["scores"]["median"] == statistics.median(scores)
    assert sum(b["students"] for b in numbers["scores"]["histogram"]) == 200
    for check in numbers["checks"]:
        outcomes = [
            t["status"]
            for d in documents.values()
            for t in d["tests"]
            if t["name"] == check["name"]
        ]
        assert (check["passed"], check["failed"]) == (
            outcomes.count("passed"),
            outcomes.count("failed"),
        ), check["name"]
    for question in numbers["questions"]:
        earned = [d["questions"][question["question"]]["score"] for d in documents.values()]
        assert question["mean"] == pytest.approx(statistics.fmean(earned), abs=1e-3)
    times = {s: d["execution_time"] for s, d in documents.items()}
    assert numbers["time"]["execution_time"]["max"] == pytest.approx(max(times.values()))


def test_what_was_planted_is_found(generated, capsys):
    klass, base, _ = generated
    numbers = report(capsys, base, "--results", str(base / "results"))
    limited = {s.name: s.limit for s in klass.students if s.limit}
    found = {h["student"]: h["limits"] for h in numbers["time"]["hit_limit"]}
    assert found == {s: [f"{limit} limit" if limit == "memory" else "notebook time limit"]
                     for s, limit in limited.items()}  # fmt: skip
    late = {s.name for s in klass.students if s.late_hours}
    assert {r["student"] for r in numbers["late"]["late"]} == late
    assert numbers["late"]["on_time"] == 200 - len(late)
    for row in numbers["late"]["late"]:
        assert row["hours_late"] == pytest.approx(klass.student(row["student"]).late_hours, 0.01)
    public_only = {s.name for s in klass.students if "q4" in s.public_only}
    q4 = next(q for q in numbers["questions"] if q["question"] == "q4")
    assert q4["flagged"] and set(q4["public_pass_hidden_fail"]) == public_only
    flagged = {q["question"] for q in numbers["questions"] if q["flagged"]}
    assert flagged == {"q4"}
    reasons = [r["reason"] for r in numbers["failure_reasons"]]
    assert "expected N rows, got N: check the filter" in reasons


def test_the_page_shows_the_numbers_with_embedded_plots(generated, capsys):
    _, base, documents = generated
    out = base / "page"
    assert cli.main(["report", LAB, "--root", str(base), "--results", str(base / "shards"),
                     "--due", DUE, "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    mean = round(statistics.fmean(d["score"] for d in documents.values()), 3)
    assert f"200 students: mean {mean:g}" in printed
    assert "questions where hidden checks fail after the public ones pass: q4" in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 4 and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    assert not re.search(r"(src|href)=['\"]?https?:", page)
    assert "200 graded submissions" in page and "q4: hidden check 1" in page
    assert f"Due {DUE}" in page


def test_a_bad_due_date_and_missing_results_are_one_line_mistakes(generated, tmp_path, capsys):
    _, base, _ = generated
    assert cli.main(["report", LAB, "--root", str(base), "--due", "someday"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert cli.main(["report", LAB, "--root", str(tmp_path), "--results", str(tmp_path)]) == 2
    assert f"no results documents for {LAB}" in capsys.readouterr().err
