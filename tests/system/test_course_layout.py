"""The course model: where a course keeps things, read from its nbgrader_config.py; the hidden
checks and the hidden seed as course settings; the results document checked against its schema."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from redteam import minicourse as mc

from autograder.config import SAMPLE_HIDDEN_SEED, Limits, hidden_seed
from autograder.isolation.sandbox import bwrap_works
from autograder.results.document import ResultsError, problems, validate, write_results
from autograder.results.scoring import SubmissionFacts, grade
from autograder.results.shards import merge_results
from autograder.runner import Grader, grading_dataset
from prodev.checking.checkrun import CheckResult
from prodev.course.bundle import BundleError, write_student_bundle
from prodev.course.layout import Course, CourseError
from prodev.course.paths import PUBLIC_SEED

ROOT = Path(__file__).resolve().parents[2]
BWRAP_OK, BWRAP_WHY = bwrap_works()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch):
    monkeypatch.delenv("PRODEV_HIDDEN_CHECKS", raising=False)
    monkeypatch.delenv("PRODEV_HIDDEN_SEED", raising=False)


# ---- layout -------------------------------------------------------------------------------------
def test_this_repository_lays_out_labs_as_its_nbgrader_config_says():
    course = Course.load(ROOT)
    assert course.labs() and all(name.startswith("lab") for name in course.labs())
    lab = course.lab(course.labs()[0])
    assert lab.source_notebook == ROOT / "solutions" / lab.name / f"{lab.name}.ipynb"
    assert lab.public_checks == ROOT / "solutions" / lab.name / "checks"
    assert lab.release_dir == ROOT / "labs" / lab.name
    assert lab.hidden_checks == ROOT / "autograder" / "checks" / lab.name
    assert lab.submitted("ann") == ROOT / "submitted" / "ann" / lab.name
    assert lab.autograded("ann") == ROOT / "autograded" / "ann" / lab.name
    assert lab.results == ROOT / "results" / lab.name
    assert course.db_url == f"sqlite:///{ROOT / 'gradebook.db'}"


def test_an_unknown_lab_is_refused_naming_the_labs_that_exist(tmp_path):
    course = Course.load(mc.build_course(tmp_path))
    with pytest.raises(CourseError, match=rf"unknown lab 'lab99_x'.*Labs in this course: {mc.LAB}"):
        course.lab("lab99_x")


def _course_with_settings(root: Path, settings: str) -> Path:
    """The mini lab in a course whose nbgrader_config.py names its own folders."""
    mc.build_course(root)
    shutil.move(root / "solutions", root / "source")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\n"
        'c.CourseDirectory.source_directory = "source"\n'
        'c.CourseDirectory.release_directory = "release"\n'
        'c.CourseDirectory.submitted_directory = "inbox"\n' + settings
    )
    return root


def test_the_instructors_nbgrader_settings_decide_every_folder(tmp_path):
    root = _course_with_settings(tmp_path, 'c.CourseDirectory.db_url = "sqlite:////x/gb.db"\n')
    course = Course.load(root)
    lab = course.lab(mc.LAB)
    assert course.labs() == [mc.LAB]
    assert lab.source_notebook == root / "source" / mc.LAB / f"{mc.LAB}.ipynb"
    assert lab.release_dir == root / "release" / mc.LAB
    assert lab.submitted("ann") == root / "inbox" / "ann" / mc.LAB
    assert lab.feedback("ann") == root / "feedback" / "ann" / mc.LAB  # not set: the default
    assert course.db_url == "sqlite:////x/gb.db"


def test_release_writes_where_the_course_says(tmp_path):
    from prodev.course.release import release

    root = _course_with_settings(tmp_path, "")
    written = release(root=root)
    assert written == [root / "release" / mc.LAB]
    assert (root / "release" / mc.LAB / f"{mc.LAB}.ipynb").is_file()
    assert (root / "release" / mc.LAB / "checks" / "test_q1.py").is_file()
    assert not (root / "labs").exists()


def test_a_broken_setting_is_an_error_that_names_the_file(tmp_path):
    mc.build_course(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()  # noqa\nc.Oops = 1 / 0\n")
    with pytest.raises(CourseError, match=r"nbgrader_config.py: ZeroDivisionError"):
        Course.load(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()  # noqa\nc.ProdevGrader.hidden_seed = "many"\n'
    )
    with pytest.raises(CourseError, match=r"nbgrader_config.py: .*hidden_seed"):
        Course.load(tmp_path)


# ---- hidden checks and seed as settings ---------------------------------------------------------
def test_hidden_material_defaults_to_the_sample_and_follows_settings(tmp_path, monkeypatch):
    mc.build_course(tmp_path)
    course = Course.load(tmp_path)
    assert course.hidden_checks == tmp_path / "autograder" / "checks"
    assert course.hidden_seed is None and hidden_seed(course) == SAMPLE_HIDDEN_SEED
    private = tmp_path.parent / f"{tmp_path.name}-private"
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\n"
        f'c.ProdevGrader.hidden_checks = "{private}"\n'
        "c.ProdevGrader.hidden_seed = 123456789012345\n"
    )
    course = Course.load(tmp_path)
    assert course.lab(mc.LAB).hidden_checks == private / mc.LAB
    assert hidden_seed(course) == 123456789012345
    assert "123456789012345" not in repr(course) + repr(course.lab(mc.LAB)), "repr may be logged"
    monkeypatch.setenv("PRODEV_HIDDEN_SEED", "77")  # the environment wins over the file
    monkeypatch.setenv("PRODEV_HIDDEN_CHECKS", "elsewhere")
    course = Course.load(tmp_path)
    assert hidden_seed(course) == 77 and course.hidden_checks == tmp_path / "elsewhere"
    monkeypatch.setenv("PRODEV_HIDDEN_SEED", "spring-term")
    with pytest.raises(CourseError, match=r"PRODEV_HIDDEN_SEED must be a whole number.*secrets"):
        Course.load(tmp_path)


def test_datasets_of_a_secret_seed_are_named_without_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PRODEV_DATA_DIR", str(tmp_path))
    from prodev.stayhub.data.files import default_path

    seed = 4_611_686_018_427_387_903
    for size in ("small", "large"):
        name = default_path(seed, size, opaque=True).name
        assert str(seed) not in name and "hidden" not in name.lower() and "seed" not in name
        assert name != default_path(seed + 1, size, opaque=True).name
    assert default_path(PUBLIC_SEED).name == "stayhub_small_seed42.duckdb"  # what students use


def test_a_bundle_refuses_a_settings_file_that_holds_the_seed(tmp_path):
    course = tmp_path / "course"
    for name in ("labs", "prodev"):
        (course / name).mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        (course / name).write_text("")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\nc.ProdevGrader.hidden_seed = 98765432123\n"
    )
    with pytest.raises(BundleError, match=r"holds the hidden seed.*PRODEV_HIDDEN_SEED"):
        write_student_bundle(tmp_path / "out", root=course)
    (course / "seed").write_text("98765432123")
    (course / "nbgrader_config.py").write_text(
        "import pathlib\nc = get_config()  # noqa\n"
        f'c.ProdevGrader.hidden_seed = int(pathlib.Path("{course / "seed"}").read_text())\n'
    )
    assert write_student_bundle(tmp_path / "out", root=course).items


def _recording(dataset):
    used: dict[int, Path] = {}

    def recorded(seed: int, size: str = "small") -> Path:
        used[seed] = dataset(seed=seed, size=size)
        return used[seed]

    return recorded, used


@needs_bwrap
def test_two_seeds_give_each_its_own_hidden_data_from_a_private_folder(tmp_path, monkeypatch):
    root = mc.build_course(tmp_path / "course")
    private = tmp_path / "private-checks"  # outside the course root
    shutil.move(root / "autograder" / "checks", private)
    shutil.rmtree(root / "autograder")
    monkeypatch.setenv("PRODEV_HIDDEN_CHECKS", str(private))
    mc.submit(root, "ann")
    runs = {}
    for seed in (1001, 2003):
        monkeypatch.setenv("PRODEV_HIDDEN_SEED", str(seed))
        dataset, used = _recording(mc.make_dataset(root / "data"))
        report = Grader(
            mc.LAB, root=root, out=tmp_path / f"results-{seed}", jobs=1, sandbox="bwrap",
            limits=Limits(timeout=10, request_timeout=5), dataset=dataset,
            data_dirs=[root / "data"], gradebook=False, progress=open(os.devnull, "w"),  # noqa: SIM115
        ).grade(root / "submitted")  # fmt: skip
        document = report.documents["ann"]
        hidden = [t for t in document["tests"] if "hidden check" in t["name"]]
        assert len(hidden) == 3 and all(t["status"] == "passed" for t in hidden), hidden
        assert set(used) == {PUBLIC_SEED, seed}, "the public and this term's hidden dataset"
        with duckdb.connect(str(used[seed]), read_only=True) as con:
            rows = con.execute("SELECT count(*) FROM numbers").fetchone()[0]
        runs[seed] = (used[seed], rows, document["grading_key"])
    (path_a, rows_a, key_a), (path_b, rows_b, key_b) = runs.values()
    assert path_a != path_b and rows_a != rows_b, "each seed has its own hidden data"
    assert key_a != key_b, "a new seed regrades every submission"


def test_grading_names_hidden_datasets_without_the_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("PRODEV_DATA_DIR", str(tmp_path))
    from prodev.stayhub.data import files

    built = []

    def build(seed: int, size: str, out: Path, **_) -> Path:
        built.append(seed)
        out.write_text(f"{seed}")
        return out

    monkeypatch.setattr(files, "build", build)
    path = grading_dataset(seed=SAMPLE_HIDDEN_SEED, size="small")
    assert built == [SAMPLE_HIDDEN_SEED] and path.read_text() == str(SAMPLE_HIDDEN_SEED)
    assert str(SAMPLE_HIDDEN_SEED) not in path.name and path.parent == tmp_path
    assert grading_dataset(seed=SAMPLE_HIDDEN_SEED, size="small") == path and len(built) == 1
    assert grading_dataset(seed=PUBLIC_SEED, size="small").name == "stayhub_small_seed42.duckdb"


# ---- the results document -----------------------------------------------------------------------
def _document() -> dict:
    facts = SubmissionFacts(student="ann", sha256="a" * 64, grading_key="b" * 64)
    results = [
        CheckResult("q1", "test_q1_rows", 2.0, True, "", False),
        CheckResult("q1", "test_q1_unseen", 1.0, False, "filter on other data", True),
    ]
    return grade(facts, results, {"q1": 3.0}, 1.25)


def test_a_graded_document_is_valid_against_the_schema(tmp_path):
    document = _document()
    assert problems(document) == []
    assert validate(document, "ann.json")["score"] == 2.0
    write_results(tmp_path / "ann.json", document)
    assert json.loads((tmp_path / "ann.json").read_text()) == document


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda d: d.pop("score"), r"'score' is a required property \(at the top level\)"),
        (lambda d: d.update(max_score="3"), r"'3' is not of type 'number' \(at max_score\)"),
        (lambda d: d["tests"][0].update(status="ok"), r"'ok' is not one of .* \(at tests/0/status"),
        (lambda d: d["questions"]["q1"].pop("reason"), r"'reason' is a required .*questions/q1"),
    ],
)
def test_a_corrupted_document_is_refused_on_write(tmp_path, corrupt, message):
    document = _document()
    corrupt(document)
    with pytest.raises(ResultsError, match=message):
        write_results(tmp_path / "ann.json", document)
    assert not (tmp_path / "ann.json").exists()


def test_merge_refuses_a_corrupted_results_file_naming_it_and_the_field(tmp_path):
    shard = tmp_path / "shard-0" / mc.LAB
    write_results(shard / "ann.json", _document())
    bad = dict(_document(), student="ben")
    bad.pop("score")
    (shard / "ben.json").write_text(json.dumps(bad))
    with pytest.raises(ResultsError, match=r"ben.json is not a valid results document: 'score'"):
        merge_results([tmp_path], mc.LAB, tmp_path / "merged")
    bad["score"] = "full marks"
    (shard / "ben.json").write_text(json.dumps(bad))
    with pytest.raises(ResultsError, match=r"'full marks' is not of type 'number' \(at score\)"):
        merge_results([tmp_path], mc.LAB, tmp_path / "merged")
    (shard / "ben.json").write_text('{"score": ')
    with pytest.raises(ResultsError, match=r"ben.json is not JSON"):
        merge_results([tmp_path], mc.LAB, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()
    (shard / "ben.json").unlink()
    assert sorted(merge_results([tmp_path], mc.LAB, tmp_path / "merged").documents) == ["ann"]
