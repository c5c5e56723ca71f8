"""The numbers of a graded lab, computed from its results documents alone: score distribution,
pass rates per question and per check (public and hidden apart), the most common reasons for
lost points, time per submission and the limits hit, and late submissions.

A hidden check that students fail after passing every public check of the same question is
flagged: it points at hard-coded answers, or at a question the public checks do not pin down.
`analyse` returns plain JSON-ready data, which `prodev report --json` prints and the page shows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime

from autograder.analytics.late import lateness
from autograder.analytics.loading import ClassResults
from autograder.analytics.reasons import limits_hit, reason_key
from autograder.results.document import ResultsDocument
from autograder.results.gradebook import SubmissionTime

HISTOGRAM_BINS = 10
# A hidden check failed by at least this share of the students who passed every public check
# of its question is flagged (and any such failure is counted).
FLAG_SHARE = 0.1
TOP_REASONS = 15


def is_public(test: dict) -> bool:
    """Public checks are shown to students before the due date; hidden ones never are."""
    return test.get("visibility", "visible") == "visible"


def question_of(test: dict) -> str:
    """`q3: hidden check 1` -> `q3` (the grader names every check after its question)."""
    return str(test.get("name", "")).split(":", 1)[0].strip()


def _question_order(question: str) -> tuple:
    digits = "".join(ch for ch in question if ch.isdigit())
    return (int(digits) if digits else 10**6, question)


def _stats(values: list[float]) -> dict:
    if not values:
        return {"mean": None, "median": None, "min": None, "max": None, "stdev": None}
    return {
        "mean": round(statistics.fmean(values), 3),
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "stdev": round(statistics.pstdev(values), 3),
    }


def histogram(values: list[float], top: float, bins: int = HISTOGRAM_BINS) -> list[dict]:
    """Counts of `values` in `bins` equal bins from 0 to `top` (the last bin includes `top`)."""
    if top <= 0:
        return [{"from": 0.0, "to": 0.0, "students": len(values)}]
    width = top / bins
    counts = [0] * bins
    for value in values:
        counts[min(int(value / width), bins - 1) if value > 0 else 0] += 1
    return [
        {"from": round(i * width, 3), "to": round((i + 1) * width, 3), "students": counts[i]}
        for i in range(bins)
    ]


def score_summary(documents: dict[str, ResultsDocument]) -> dict:
    scores = {s: float(d["score"]) for s, d in documents.items()}
    top = max((float(d["max_score"]) for d in documents.values()), default=0.0)
    values = list(scores.values())
    return {
        **_stats(values),
        "max_score": top,
        "full_marks": sum(1 for d in documents.values() if d["score"] >= d["max_score"] > 0),
        "zero": sum(1 for v in values if v == 0),
        "histogram": histogram(values, top),
        "by_student": scores,
    }


def _check_rows(documents: dict[str, ResultsDocument]) -> dict[str, dict]:
    """Per check name: its question, visibility, points, and who passed and failed it."""
    rows: dict[str, dict] = {}
    for student, document in documents.items():
        for test in document.get("tests", []):
            row = rows.setdefault(
                test["name"],
                {
                    "name": test["name"],
                    "question": question_of(test),
                    "visibility": "public" if is_public(test) else "hidden",
                    "max_score": float(test["max_score"]),
                    "passed": [],
                    "failed": [],
                },
            )
            row["passed" if test["status"] == "passed" else "failed"].append(student)
    return rows


def _public_passers(documents: dict[str, ResultsDocument]) -> dict[str, set[str]]:
    """Per question: the students who passed every public check of it (and had one)."""
    passers: dict[str, set[str]] = defaultdict(set)
    for student, document in documents.items():
        public: dict[str, bool] = {}
        for test in document.get("tests", []):
            if is_public(test):
                question = question_of(test)
                public[question] = public.get(question, True) and test["status"] == "passed"
        for question, passed in public.items():
            if passed:
                passers[question].add(student)
    return passers


def check_summary(documents: dict[str, ResultsDocument]) -> list[dict]:
    """Every check: pass rate; for a hidden check, the students who passed the question's
    public checks and failed this one."""
    passers = _public_passers(documents)
    checks = []
    for row in _check_rows(documents).values():
        runs = len(row["passed"]) + len(row["failed"])
        entry = {
            "name": row["name"],
            "question": row["question"],
            "visibility": row["visibility"],
            "max_score": row["max_score"],
            "passed": len(row["passed"]),
            "failed": len(row["failed"]),
            "pass_rate": round(len(row["passed"]) / runs, 4) if runs else None,
            "failed_after_public_pass": None,  # hidden checks only
            "flagged": False,
        }
        if row["visibility"] == "hidden":
            public = passers.get(row["question"], set())
            after_public = sorted(set(row["failed"]) & public)
            entry["failed_after_public_pass"] = after_public
            entry["flagged"] = bool(after_public) and len(after_public) >= FLAG_SHARE * len(public)
        checks.append(entry)
    checks.sort(key=lambda c: (_question_order(c["question"]), c["visibility"] != "public"))
    return checks


def question_summary(documents: dict[str, ResultsDocument], checks: list[dict]) -> list[dict]:
    """Per question: mean score, full marks and zeros, and pass rates of its public and hidden
    checks (share of check runs passed)."""
    totals: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for document in documents.values():
        for question, total in document.get("questions", {}).items():
            totals[question].append((float(total["score"]), float(total["max_score"])))
    passers = _public_passers(documents)
    rows = []
    for question in sorted(totals, key=_question_order):
        scores = [s for s, _ in totals[question]]
        top = max(m for _, m in totals[question])
        mine = [c for c in checks if c["question"] == question]
        rates = {}
        for kind in ("public", "hidden"):
            of_kind = [c for c in mine if c["visibility"] == kind]
            passed = sum(c["passed"] for c in of_kind)
            runs = passed + sum(c["failed"] for c in of_kind)
            rates[kind] = {
                "checks": len(of_kind),
                "pass_rate": round(passed / runs, 4) if runs else None,
            }
        hidden_failers = sorted(
            {s for c in mine if c["visibility"] == "hidden" for s in c["failed_after_public_pass"]}
        )
        rows.append(
            {
                "question": question,
                "max_score": top,
                "mean": round(statistics.fmean(scores), 3),
                "full_marks": sum(1 for s, m in totals[question] if s >= m > 0),
                "zero": sum(1 for s in scores if s == 0),
                "public": rates["public"],
                "hidden": rates["hidden"],
                "passed_public": len(passers.get(question, set())),
                "public_pass_hidden_fail": hidden_failers,
                "flagged": any(c.get("flagged") for c in mine),
            }
        )
    return rows


def failure_reasons(documents: dict[str, ResultsDocument], top: int = TOP_REASONS) -> list[dict]:
    """The most common reasons checks failed, grouped by the shape of their message."""
    groups: dict[str, dict] = {}
    for student, document in documents.items():
        for test in document.get("tests", []):
            if test["status"] == "passed":
                continue
            key = reason_key(test.get("output", ""))
            group = groups.setdefault(
                key,
                {
                    "reason": key,
                    "example": (test.get("output") or "").strip().splitlines()[0][:300]
                    if (test.get("output") or "").strip()
                    else "",
                    "failures": 0,
                    "students": set(),
                    "checks": set(),
                },
            )
            group["failures"] += 1
            group["students"].add(student)
            group["checks"].add(test["name"])
    ranked = sorted(groups.values(), key=lambda g: (-len(g["students"]), -g["failures"]))
    return [
        {
            **g,
            "students": len(g["students"]),
            "checks": sorted(g["checks"], key=lambda n: (_question_order(n.split(":")[0]), n)),
        }
        for g in ranked[:top]
    ]


def timing(documents: dict[str, ResultsDocument]) -> dict:
    """Seconds per submission (all, the notebook's run, the checks) and the limits hit."""
    by_student = {
        s: {
            "execution_time": float(d["execution_time"]),
            "notebook_seconds": float(d.get("notebook_seconds", 0.0)),
            "check_seconds": float(d.get("check_seconds", 0.0)),
        }
        for s, d in documents.items()
    }
    hit = []
    for student, document in documents.items():
        found = limits_hit(document)
        if found:
            hit.append(
                {
                    "student": student,
                    "limits": [limit for limit, _ in found],
                    "detail": found[0][1],
                    "execution_time": float(document["execution_time"]),
                }
            )
    return {
        "execution_time": _stats([t["execution_time"] for t in by_student.values()]),
        "notebook_seconds": _stats([t["notebook_seconds"] for t in by_student.values()]),
        "check_seconds": _stats([t["check_seconds"] for t in by_student.values()]),
        "total_seconds": round(sum(t["execution_time"] for t in by_student.values()), 3),
        "by_student": by_student,
        "hit_limit": hit,
    }


def analyse(
    results: ClassResults,
    due: datetime | None = None,
    due_from: str | None = None,
    gradebook: dict[str, SubmissionTime] | None = None,
) -> dict:
    """Every number of the report, JSON-ready."""
    documents = results.documents
    checks = check_summary(documents)
    keys = {d.get("grading_key") for d in documents.values()}
    return {
        "lab": results.lab,
        "read_from": [str(p) for p in results.sources],
        "left_out": results.left_out,
        "students": len(documents),
        "lab_versions": len(keys),
        "scores": score_summary(documents),
        "questions": question_summary(documents, checks),
        "checks": checks,
        "failure_reasons": failure_reasons(documents),
        "time": timing(documents),
        "late": lateness(documents, due, due_from, gradebook or {}),
    }
