"""autograder/analytics/report.py, reasons.py, late.py, loading.py and report_page.py on results
documents built with the grader's own `scoring.grade`, so every number has a known answer."""

from __future__ import annotations

import base64
import json
import re
import shutil
from datetime import datetime

import pytest

from autograder.analytics.late import lateness, parse_time
from autograder.analytics.loading import ClassResults, load_results
from autograder.analytics.reasons import limits_hit, reason_key
from autograder.analytics.report import analyse, histogram
from autograder.analytics.report_page import render
from autograder.results.document import write_results
from autograder.results.gradebook import SubmissionTime
from autograder.results.scoring import SubmissionFacts, grade
from prodev.checking.checkrun import CheckResult
from prodev.course.layout import CourseError

LAB = "lab99_demo"
# (question, check, points, hidden)
CHECKS = [
    ("q1", "test_q1_columns", 1.0, False),
    ("q1", "test_q1_rows", 2.0, False),
    ("q1", "q1_hidden", 2.0, True),
    ("q2", "test_q2_value", 3.0, False),
    ("q2", "q2_hidden", 2.0, True),
]
POINTS = {"q1": 5.0, "q2": 5.0}


def document(student, failed=(), message="expected 250 rows, got {n}", n=3, **facts):
    """A results document in which the checks named in `failed` fail."""
    results = [
        CheckResult(q, name, pts, name not in failed, message.format(n=n), hidden)
        for q, name, pts, hidden in CHECKS
    ]
    found = SubmissionFacts(student=student, sha256="a" * 64, grading_key="b" * 64, **facts)
    made = grade(found, results, POINTS, execution_time=facts.get("seconds", 1.0) + 0.5)
    return made


def class_of() -> dict:
    docs = {
        "ann": document("ann"),  # full marks
        "ben": document("ben", failed={"q1_hidden"}, n=12),  # public passes, hidden fails
        "cat": document("cat", failed={"q1_hidden", "q2_hidden"}, n=7),  # same, on both
        "dan": document("dan", failed={"test_q1_rows", "q1_hidden"}, n=199),
        "eve": document(
            "eve",
            failed={name for _, name, _, _ in CHECKS},
            message="not answered yet: replace `raise NotImplementedError()` with your code",
            seconds=30.0,
            skipped_cells={"q2": "ran past the notebook's time limit of 30 s"},
        ),
    }
    docs["ann"]["timestamp"] = "2026-03-20 16:00:00.000000 UTC"
    docs["ben"]["timestamp"] = "2026-03-20 18:30:00.000000 UTC"  # 1.5 h late
    docs["cat"]["timestamp"] = "2026-03-21T17:00:00+01:00"  # 23 h late, ISO with a zone
    docs["dan"]["timestamp"] = "2026-03-19 10:00:00.000000 UTC"
    return docs  # eve has no timestamp


def numbers(due=datetime(2026, 3, 20, 17, 0), gradebook=None) -> dict:
    results = ClassResults(LAB, home=None, documents=class_of())
    return analyse(results, due, "--due", gradebook or {})


def test_scores_match_the_documents():
    n = numbers()
    scores = n["scores"]
    assert scores["by_student"] == {"ann": 10, "ben": 8, "cat": 6, "dan": 6, "eve": 0}
    assert scores["mean"] == pytest.approx(6.0) and scores["median"] == 6
    assert (scores["max_score"], scores["full_marks"], scores["zero"]) == (10, 1, 1)
    assert sum(b["students"] for b in scores["histogram"]) == 5
    assert histogram([0, 10, 5, 4.99], 10, bins=2) == [
        {"from": 0.0, "to": 5.0, "students": 2},
        {"from": 5.0, "to": 10.0, "students": 2},
    ]


def test_pass_rates_per_question_and_per_check_public_and_hidden_apart():
    n = numbers()
    checks = {c["name"]: c for c in n["checks"]}
    assert (checks["q1: test_q1_rows"]["passed"], checks["q1: test_q1_rows"]["failed"]) == (3, 2)
    assert checks["q1: test_q1_rows"]["visibility"] == "public"
    hidden = checks["q1: hidden check 1"]
    assert hidden["visibility"] == "hidden" and hidden["pass_rate"] == pytest.approx(1 / 5)
    q1 = next(q for q in n["questions"] if q["question"] == "q1")
    assert q1["public"] == {"checks": 2, "pass_rate": pytest.approx(7 / 10)}
    assert q1["hidden"]["pass_rate"] == pytest.approx(1 / 5)
    # q1 scores: ann 5, ben 3, cat 3, dan 1, eve 0
    assert (q1["full_marks"], q1["zero"], q1["mean"]) == (1, 1, pytest.approx(12 / 5))


def test_hidden_checks_failed_after_the_public_ones_passed_are_flagged():
    n = numbers()
    checks = {c["name"]: c for c in n["checks"]}
    # ann, ben and cat passed q1's public checks; ben and cat then failed its hidden check.
    assert checks["q1: hidden check 1"]["failed_after_public_pass"] == ["ben", "cat"]
    assert checks["q1: hidden check 1"]["flagged"]
    assert checks["q2: hidden check 1"]["failed_after_public_pass"] == ["cat"]
    assert not checks["q1: test_q1_rows"]["flagged"]
    q1 = next(q for q in n["questions"] if q["question"] == "q1")
    assert q1["public_pass_hidden_fail"] == ["ben", "cat"] and q1["passed_public"] == 3


def test_failure_reasons_are_grouped_by_the_shape_of_their_message():
    reasons = numbers()["failure_reasons"]
    rows = next(r for r in reasons if r["reason"] == "expected N rows, got N")
    assert rows["students"] == 3 and rows["failures"] == 5  # ben 1, cat 2, dan 2
    assert rows["example"].startswith("expected 250 rows, got ")
    blank = next(r for r in reasons if "not answered yet" in r["reason"])
    assert blank["students"] == 1 and blank["failures"] == 5
    assert reasons[0]["students"] >= reasons[-1]["students"]


@pytest.mark.parametrize(
    ("message", "key"),
    [
        ("expected 250 rows, got 3: filter", "expected N rows, got N: filter"),
        ("expected the columns ['a', 'b'], got ['c']", "expected the columns […], got […]"),
        ("got 'x' instead of \"y\"", "got '…' instead of '…'"),
        ("took 1.5e3 s (limit 10)", "took N s […]"),
        ("q2_v3 failed", "q2_v3 failed"),
        ("`q5` holds no query yet", "`…` holds no query yet"),
        ("", "(no message)"),
        ("first line\nsecond line 12", "first line"),
    ],
)
def test_reason_key(message, key):
    assert reason_key(message) == key


def test_time_per_submission_and_the_limits_hit():
    timing = numbers()["time"]
    assert timing["by_student"]["eve"]["notebook_seconds"] == 30.0
    assert timing["execution_time"]["max"] == 30.5
    assert [h["student"] for h in timing["hit_limit"]] == ["eve"]
    assert timing["hit_limit"][0]["limits"] == ["notebook time limit"]
    answers = {"notes": [], "output": "", "tests": [{"output": "`f` did not answer within 10 s"}]}
    assert limits_hit(answers) == [("answer time limit", "`f` did not answer within 10 s")]
    assert limits_hit({"notes": ["q3: used more memory than the 3 GB limit"]})[0][0] == (
        "memory limit"
    )


def test_late_submissions_against_a_given_due_date():
    late = numbers()["late"]
    assert [(r["student"], r["hours_late"]) for r in late["late"]] == [("cat", 23.0), ("ben", 1.5)]
    assert late["on_time"] == 2 and late["without_time"] == ["eve"]
    assert late["due"] == "2026-03-20 17:00:00 UTC" and late["due_from"] == "--due"


def test_the_gradebook_adds_extensions_and_penalties():
    gradebook = {
        "ben": SubmissionTime(datetime(2026, 3, 20, 18, 30), datetime(2026, 3, 21), 0.0, 0.0),
        "cat": SubmissionTime(datetime(2026, 3, 21, 16), datetime(2026, 3, 20, 17), 82800.0, 6.0),
    }
    late = lateness(class_of(), datetime(2026, 3, 20, 17), "gradebook", gradebook)
    assert [(r["student"], r["penalty"]) for r in late["late"]] == [("cat", 6.0)]  # ben: extension


def test_without_a_due_date_nothing_is_late():
    late = lateness(class_of(), None, None, {})
    assert late["late"] == [] and late["due"] is None and late["on_time"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-20 17:00:00.123456 UTC", datetime(2026, 3, 20, 17, 0, 0, 123456)),
        ("2026-03-20 18:00:00 Europe/Paris", datetime(2026, 3, 20, 17, 0)),
        ("2026-03-20T17:00:00Z", datetime(2026, 3, 20, 17, 0)),
        ("2026-03-20 17:00", datetime(2026, 3, 20, 17, 0)),
        ("not a date", None),
        ("2026-03-20 17:00:00 Nowhere/Land", None),
        (None, None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_the_page_is_offline_with_png_plots_and_escapes_messages():
    docs = class_of()
    docs["dan"]["tests"][1]["output"] = "<script>alert(1)</script> expected 1 rows"
    page = render(analyse(ClassResults(LAB, home=None, documents=docs)))
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert not re.search(r"(src|href)=['\"]?https?:", page) and "<link" not in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "No due date is known" in page


# ---- reading results wherever they are -----------------------------------------------------------
def _write(folder, docs):
    for student, doc in docs.items():
        write_results(folder / f"{student}.json", doc)


def test_reads_a_results_folder_and_leaves_out_a_bad_file(tmp_path):
    _write(tmp_path / "results" / LAB, class_of())
    (tmp_path / "results" / LAB / "zed.json").write_text('{"score": 1}')
    results = load_results(LAB, tmp_path / "results")
    assert sorted(results.documents) == ["ann", "ben", "cat", "dan", "eve"]
    assert results.home == (tmp_path / "results" / LAB).resolve()
    assert list(results.left_out) == [str((tmp_path / "results" / LAB / "zed.json").resolve())]


def test_reads_a_bare_folder_of_documents(tmp_path):
    _write(tmp_path / "copied", class_of())
    results = load_results(LAB, tmp_path / "copied")
    assert len(results.documents) == 5 and results.home == (tmp_path / "copied").resolve()


def test_reads_shards_as_a_merge_would(tmp_path):
    docs = class_of()
    _write(tmp_path / "shards" / "shard-0" / LAB, {s: docs[s] for s in ("ann", "cat", "eve")})
    _write(tmp_path / "shards" / "shard-1" / LAB, {s: docs[s] for s in ("ben", "dan")})
    results = load_results(LAB, tmp_path / "shards")
    assert sorted(results.documents) == sorted(docs) and len(results.sources) == 2
    merged = analyse(ClassResults(LAB, None, documents=dict(sorted(docs.items()))))
    from_shards = analyse(results)
    assert {k: v for k, v in from_shards.items() if k != "read_from"} == {
        k: v for k, v in merged.items() if k != "read_from"
    }
    # a student graded in two shards with different results is refused, as a merge refuses it
    other = json.loads(json.dumps(docs["ben"]))
    other["score"] = 0.0
    _write(tmp_path / "shards" / "shard-0" / LAB, {"ben": other})
    with pytest.raises(CourseError, match="ben was graded in two shards"):
        load_results(LAB, tmp_path / "shards")


def test_no_results_says_what_to_do(tmp_path):
    with pytest.raises(CourseError, match="not a folder"):
        load_results(LAB, tmp_path / "nowhere")
    (tmp_path / "empty" / "other").mkdir(parents=True)
    with pytest.raises(CourseError, match=f"no results documents for {LAB}.*prodev grade"):
        load_results(LAB, tmp_path / "empty")
    shutil.rmtree(tmp_path / "empty")
