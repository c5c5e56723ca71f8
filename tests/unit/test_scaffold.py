"""`prodev new-lab`: which names it refuses (before writing anything), and the shape of the
notebook it writes. tests/system/test_new_lab.py generates a whole lab and proves it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.scaffold import QUESTIONS, build_notebook, notebook_text
from prodev.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """An empty course: its settings file and nothing else."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    return tmp_path


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "name",
    ["lab7_http", "lab007_http", "lab07", "lab07_", "Lab07_http", "lab07_Http", "lab07_http-x",
     "lab07__http", "lab07_http_", "lab07_7http", "lab07_http/../x", "07_http"],
)  # fmt: skip
def test_a_malformed_name_is_refused(course: Path, name: str, capsys) -> None:
    before = files_in(course)
    assert main(["--root", str(course), "new-lab", name]) == 2
    message = capsys.readouterr().err
    assert message.startswith("prodev new-lab: ") and "labNN_slug" in message, message
    assert message.count("\n") == 1, f"one line, no traceback: {message}"
    assert files_in(course) == before


def test_a_long_name_is_refused(course: Path, capsys) -> None:
    before = files_in(course)
    name = "lab07_http_clients_with_retries_and_backoff"  # 43 characters
    assert main(["--root", str(course), "new-lab", name]) == 2
    assert "keep a lab's name to 40" in capsys.readouterr().err
    assert files_in(course) == before


def test_an_existing_part_is_refused(course: Path, capsys) -> None:
    hidden = course / "autograder" / "checks" / "lab07_http"
    hidden.mkdir(parents=True)
    (hidden / "test_q1_hidden.py").write_text("# the author's own\n")
    before = files_in(course)
    assert main(["--root", str(course), "new-lab", "lab07_http"]) == 2
    message = capsys.readouterr().err
    assert "already exists" in message and str(hidden) in message, message
    assert files_in(course) == before


def test_a_module_number_already_taken_is_refused(course: Path, capsys) -> None:
    source = course / "solutions" / "lab07_http"
    source.mkdir(parents=True)
    (source / "lab07_http.ipynb").write_text("{}")
    before = files_in(course)
    assert main(["--root", str(course), "new-lab", "lab07_rest"]) == 2
    message = capsys.readouterr().err
    assert "module 07 already has lab07_http" in message, message
    assert files_in(course) == before


def test_this_course_refuses_a_lab_it_has(capsys) -> None:
    before = files_in(ROOT / "solutions" / "lab04_advanced_sql")
    assert main(["--root", str(ROOT), "new-lab", "lab04_advanced_sql"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert files_in(ROOT / "solutions" / "lab04_advanced_sql") == before


def test_check_lab_refuses_a_lab_that_is_not_there(course: Path, capsys) -> None:
    assert main(["--root", str(course), "check-lab", "lab07_http"]) == 2
    message = capsys.readouterr().err
    assert message.startswith("prodev check-lab: unknown lab 'lab07_http'"), message


def test_the_notebook_pairs_each_answer_with_its_check_and_points() -> None:
    nb = build_notebook("lab07_http", "07", "Http")
    nbformat.validate(nbformat.from_dict(nb))
    assert notebook_text(nb) == nbformat.writes(nbformat.from_dict(nb)) + "\n"
    meta = [c["metadata"]["nbgrader"] for c in nb["cells"]]
    ids = [m["grade_id"] for m in meta]
    assert len(ids) == len(set(ids)) and len({c["id"] for c in nb["cells"]}) == len(ids)
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    text = "".join("".join(c["source"]) for c in nb["cells"])
    assert "$" not in text.replace("$lab", ""), "a template placeholder was left unfilled"
    assert "# Lab 07: Http" in text
    for question in QUESTIONS:
        q = question.qid
        answer = nb["cells"][ids.index(q)]
        check = nb["cells"][ids.index(f"{q}_check")]
        heading = "".join(nb["cells"][ids.index(f"{q}_question")]["source"])
        assert answer["metadata"]["nbgrader"]["solution"] is True
        assert "### BEGIN SOLUTION" in "".join(answer["source"])
        assert "".join(check["source"]) == f'prodev.check("{q}")'
        assert check["metadata"]["nbgrader"]["points"] == question.points
        number = q.removeprefix("q")
        assert re.search(rf"^### Question {number} \({question.points} points\)", heading, re.M)
        assert heading.count("<details>") == 3, "a hint ladder: idea, tools, skeleton"
