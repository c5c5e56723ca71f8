"""Grading a class in shards and merging them: `prodev grade --shard I/N`, `prodev merge-results`.

The merge must give exactly what one unsharded run gives: the same per-student results, the same
grades.csv rows and the same scores in nbgrader's gradebook.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redteam import minicourse as mc

from autograder.config import Limits
from autograder.results.gradebook import read_scores
from autograder.results.shards import Shard, ShardError, merge_results, parse_shard
from autograder.runner import Grader
from autograder.submissions import CourseError

LIMITS = Limits(timeout=10, request_timeout=5)
SHARDS = 3
STUDENTS = {
    "alice": {},
    "bob": mc.BLANK,
    "carol": {"q2": "def double(x):\n    return 6\n"},
    "dave": {"q3": 'GREETING = "bye"\n'},
    "erin": {"q1": 'q1 = "SELECT n FROM numbers"\n'},
}
TIMING = ("execution_time", "notebook_seconds", "check_seconds")


# ---- choosing a shard's students (no grading) ---------------------------------------------------
@pytest.mark.parametrize(
    "text, expected", [("0/4", (0, 4)), ("3/4", (3, 4)), (" 1 / 2 ", (1, 2)), ("0/1", (0, 1))]
)
def test_shard_values_that_are_accepted(text, expected):
    assert parse_shard(text) == Shard(*expected)


@pytest.mark.parametrize("text", ["4/4", "5/4", "-1/4", "1/0", "0/0", "1", "a/b", "1/2/3", ""])
def test_bad_shard_values_say_what_is_expected(text):
    with pytest.raises(ShardError, match=r"--shard takes I/N with 0 <= I < N, e.g. 0/4"):
        parse_shard(text)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 30])
def test_every_student_is_in_exactly_one_shard(count):
    students = [f"s{n:03d}" for n in range(23)][::-1]  # any order in, sorted ids decide
    shards = [Shard(i, count).select(students) for i in range(count)]
    together = [s for shard in shards for s in shard]
    assert sorted(together) == sorted(students) and len(together) == len(set(together))
    sizes = [len(shard) for shard in shards]
    assert max(sizes) - min(sizes) <= 1  # round-robin keeps the shards balanced


def test_assignment_is_round_robin_over_sorted_ids():
    assert Shard(1, 3).select(["e", "a", "d", "c", "b"]) == ["b", "e"]


# ---- grading in shards, then merging (real sandboxes, the mini course) --------------------------
def _grader(root: Path, out: Path, shard: Shard | None) -> Grader:
    return Grader(
        mc.LAB, root=root, out=out, jobs=1, sandbox="bwrap", limits=LIMITS,
        dataset=mc.make_dataset(root / "data"), data_dirs=[root / "data"],
        progress=open(os.devnull, "w"), shard=shard,  # noqa: SIM115
    )  # fmt: skip


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _without_timing(document: dict) -> dict:
    return {k: v for k, v in document.items() if k not in TIMING}


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bwrap):
    """One course graded twice: in one run, and in SHARDS separate runs."""
    root = mc.build_course(tmp_path_factory.mktemp("course"))
    for student, answers in STUDENTS.items():
        mc.submit(root, student, answers=answers)
    whole = _grader(root, root / "whole", None).grade(root / "submitted")
    shards = [
        _grader(root, root / "shards" / f"shard-{i}", Shard(i, SHARDS)).grade(root / "submitted")
        for i in range(SHARDS)
    ]
    return root, whole, shards


def test_each_submission_is_graded_by_exactly_one_shard(graded):
    _, _, shards = graded
    per_shard = [sorted(report.graded) for report in shards]
    together = [s for graded_here in per_shard for s in graded_here]
    assert sorted(together) == sorted(STUDENTS) and len(together) == len(STUDENTS)
    assert per_shard == [["alice", "dave"], ["bob", "erin"], ["carol"]]
    for index, report in enumerate(shards):
        assert not report.failed
        on_disk = sorted(p.stem for p in (report.out).glob("*.json"))
        assert on_disk == per_shard[index]


def test_merged_shards_equal_one_unsharded_run(graded):
    root, whole, _ = graded
    report = merge_results([root / "shards"], mc.LAB, root / "merged")
    assert sorted(report.documents) == sorted(STUDENTS)
    assert len(report.sources) == SHARDS and not report.duplicates
    scores = {s: d["score"] for s, d in report.documents.items()}
    assert scores == {"alice": 6, "bob": 0, "carol": 5, "dave": 5, "erin": 4}
    for student, document in whole.documents.items():
        merged = json.loads((root / "merged" / mc.LAB / f"{student}.json").read_text())
        assert _without_timing(merged) == _without_timing(document), student
    merged_rows = _csv_rows(root / "merged" / mc.LAB / "grades.csv")
    assert merged_rows == _csv_rows(root / "whole" / mc.LAB / "grades.csv")
    assert [r["student"] for r in merged_rows] == sorted(STUDENTS)


def test_merge_is_idempotent_and_never_reads_its_own_output(graded):
    root, _, _ = graded
    out = root / "idempotent"
    merge_results([root / "shards"], mc.LAB, out)
    first = _checksums(out)
    # OUT inside FROM (as on the Kubernetes results volume): the merged folder is not a shard.
    shutil.copytree(out, root / "shards" / "merged")
    again = merge_results([root / "shards"], mc.LAB, root / "shards" / "merged")
    assert len(again.sources) == SHARDS
    merge_results([root / "shards"], mc.LAB, out)
    assert _checksums(out) == first
    shutil.rmtree(root / "shards" / "merged")


def test_a_student_graded_twice_with_the_same_result_is_merged_once(graded):
    root, _, _ = graded
    extra = root / "rerun"
    (extra / mc.LAB).mkdir(parents=True)
    alice = json.loads((root / "shards" / "shard-0" / mc.LAB / "alice.json").read_text())
    alice["execution_time"] += 3.0  # a rerun takes another time, with the same grade
    (extra / mc.LAB / "alice.json").write_text(json.dumps(alice))
    report = merge_results([root / "shards", extra], mc.LAB, root / "twice")
    assert report.duplicates == ["alice"] and len(report.documents) == len(STUDENTS)


def test_duplicates_that_disagree_are_refused_naming_the_student(graded):
    root, _, _ = graded
    conflict = root / "conflict"
    shutil.copytree(root / "shards", conflict)
    carol = json.loads((conflict / "shard-2" / mc.LAB / "carol.json").read_text())
    carol["score"] = 6.0
    carol["questions"]["q2"]["score"] = 2.0
    (conflict / "shard-0" / mc.LAB / "carol.json").write_text(json.dumps(carol))
    with pytest.raises(CourseError, match=r"carol was graded in two shards with different"):
        merge_results([conflict], mc.LAB, root / "never")
    assert not (root / "never").exists()


def test_shards_of_different_lab_versions_are_refused(graded):
    root, _, _ = graded
    mixed = root / "mixed"
    shutil.copytree(root / "shards", mixed)
    for path in (mixed / "shard-1" / mc.LAB).glob("*.json"):
        document = json.loads(path.read_text())
        document["grading_key"] = "0" * 64
        path.write_text(json.dumps(document))
        an_hour_ago = time.time() - 3600  # graded before the lab changed
        os.utime(path, (an_hour_ago, an_hour_ago))
    with pytest.raises(CourseError, match="2 different versions of lab90_mini") as refused:
        merge_results([mixed], mc.LAB, root / "never")
    message = str(refused.value)
    # every shard is named, grouped by version, and the stale one is called older
    older, newest = message.split("; ")
    assert str(mixed / "shard-1") in older and older.endswith("older)")
    assert str(mixed / "shard-0") in newest and str(mixed / "shard-2") in newest
    assert "the newest)" in newest


def test_merging_nothing_says_what_was_expected(tmp_path):
    with pytest.raises(CourseError, match=r"no shard results for lab90_mini .*shard-0/lab90_mini"):
        merge_results([tmp_path], mc.LAB, tmp_path / "merged")


# ---- the command line ---------------------------------------------------------------------------
def prodev(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prodev", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("value", ["4/4", "x", "-1/2"])
def test_grade_refuses_a_bad_shard_before_grading(tmp_path, value):
    mc.build_course(tmp_path)
    done = prodev("grade", mc.LAB, "--root", str(tmp_path), "--submissions", str(tmp_path),
                  f"--shard={value}")  # fmt: skip
    assert done.returncode == 2
    assert "--shard takes I/N with 0 <= I < N, e.g. 0/4" in done.stderr
    assert not (tmp_path / "results").exists()


def test_merge_results_command_writes_results_csv_and_gradebook(graded):
    root, whole, _ = graded
    out = root / "cli-merged"
    argv = ["merge-results", mc.LAB, "--from", str(root / "shards"), "--out", str(out),
            "--root", str(root)]  # fmt: skip
    done = prodev(*argv)
    assert done.returncode == 0, done.stderr
    assert f"5 students from {SHARDS} shards" in done.stdout
    assert "carol    5/6" in done.stdout
    assert sorted(p.stem for p in (out / mc.LAB).glob("*.json")) == sorted(STUDENTS)
    unsharded = _csv_rows(root / "whole" / mc.LAB / "grades.csv")
    assert _csv_rows(out / mc.LAB / "grades.csv") == unsharded
    expected = {s: float(d["score"]) for s, d in whole.documents.items()}
    assert read_scores(root, mc.LAB) == expected
    before = _checksums(out)
    assert prodev(*argv).returncode == 0 and _checksums(out) == before


def test_merge_results_command_names_the_disagreeing_student(graded):
    root, _, _ = graded
    conflict = root / "cli-conflict"
    shutil.copytree(root / "shards", conflict)
    bob = json.loads((conflict / "shard-1" / mc.LAB / "bob.json").read_text())
    bob["score"] = 1.0
    (conflict / "shard-2" / mc.LAB / "bob.json").write_text(json.dumps(bob))
    done = prodev("merge-results", mc.LAB, "--from", str(conflict), "--out",
                  str(root / "cli-never"), "--root", str(root))  # fmt: skip
    assert done.returncode == 2
    assert "bob was graded in two shards with different results" in done.stderr


def test_the_kubernetes_jobs_command_lines_are_what_the_cli_accepts():
    """Every pod of grade-job.yaml, and merge-job.yaml, parse with the real `prodev` parser."""
    import yaml

    from prodev.cli import build_parser

    deploy = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
    grade = yaml.safe_load((deploy / "grade-job.yaml").read_text())
    merge = yaml.safe_load((deploy / "merge-job.yaml").read_text())
    count = grade["spec"]["completions"]

    def argv(job: dict, **extra: str) -> list[str]:
        spec = job["spec"]["template"]["spec"]["containers"][0]
        variables = {e["name"]: e["value"] for e in spec["env"]} | extra
        return [re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], a) for a in spec["args"]]

    parser = build_parser()
    for index in range(count):
        args = parser.parse_args(argv(grade, JOB_COMPLETION_INDEX=str(index)))
        assert parse_shard(args.shard) == Shard(index, count)
        assert args.out == Path(f"/results/shard-{index}")
    args = parser.parse_args(argv(merge))
    assert args.command == "merge-results" and args.sources == [Path("/results")]
    assert args.out == Path("/results/merged")


def test_merge_results_without_the_course_writes_files_only(graded, tmp_path):
    root, _, _ = graded
    elsewhere = tmp_path / "no-course"
    elsewhere.mkdir()
    out = tmp_path / "files-only"
    done = prodev("merge-results", mc.LAB, "--from", str(root / "shards"), "--out", str(out),
                  "--root", str(elsewhere), "--no-gradebook")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "gradebook" not in done.stdout and not (elsewhere / "gradebook.db").exists()
    assert [r["student"] for r in _csv_rows(out / mc.LAB / "grades.csv")] == sorted(STUDENTS)
    refused = prodev("merge-results", mc.LAB, "--from", str(root / "shards"), "--out", str(out),
                     "--root", str(elsewhere))  # fmt: skip
    assert refused.returncode == 2 and "unknown lab 'lab90_mini'" in refused.stderr
