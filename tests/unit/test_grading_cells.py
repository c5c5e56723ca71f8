"""Matching a submission's cells to the lab's source by grade id (no sandbox needed)."""

from __future__ import annotations

import json

import pytest
from redteam import minicourse as mc

from autograder.submissions import assemble, find_submissions, load_submission, read_lab_source
from prodev.runtime.notebook import NotebookError


@pytest.fixture
def source(mini_course):
    return read_lab_source(mini_course / "solutions" / mc.LAB / f"{mc.LAB}.ipynb")


def _cells(nb_edit=None, **answers):
    nb = mc.notebook({**mc.REFERENCE, **answers})
    if nb_edit:
        nb_edit(nb)
    return nb


def test_points_and_questions_come_from_the_source(source):
    assert source.question_points() == {"q1": 2.0, "q2": 2.0, "q3": 1.0, "q4": 1.0}
    assert source.answers == ["q1", "q2", "q3", "q4"]


def test_locked_cells_run_as_the_source_has_them_and_check_cells_never_run(source):
    def tamper(nb):
        for cell in nb["cells"]:
            gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if gid == "setup":
                cell["source"] = "import os; os.system('evil')"
            if gid and gid.endswith("_check"):
                cell["source"] = "TAMPERED = True"

    run = assemble(source, _cells(tamper))
    assert run.cells[0] == mc.SETUP
    assert not any("TAMPERED" in c or "evil" in c for c in run.cells)
    assert run.labels == ["setup", "q1", "q2", "q3", "q4"]


def test_a_missing_or_retyped_answer_cell_is_reported_per_question(source):
    def drop_q2_retype_q3(nb):
        nb["cells"] = [c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] != "q2"]
        for c in nb["cells"]:
            if c["metadata"]["nbgrader"]["grade_id"] == "q3":
                c["cell_type"] = "markdown"

    run = assemble(source, _cells(drop_q2_retype_q3))
    assert sorted(run.missing) == ["q2", "q3"]
    assert "missing" in run.missing["q2"]


def test_the_first_of_duplicated_answer_cells_runs_and_extra_cells_keep_their_place(source):
    def duplicate_and_add(nb):
        i = next(
            i for i, c in enumerate(nb["cells"]) if c["metadata"]["nbgrader"]["grade_id"] == "q2"
        )
        first = json.loads(json.dumps(nb["cells"][i]))
        first["source"] = "def double(x):\n    return 0\n"
        nb["cells"].insert(i, first)
        nb["cells"].insert(i + 2, {"cell_type": "code", "metadata": {}, "source": "helper = 1"})

    run = assemble(source, _cells(duplicate_and_add))
    assert run.cells[run.labels.index("q2")] == "def double(x):\n    return 0\n"
    assert run.labels == ["setup", "q1", "q2", "extra cell 1", "q3", "q4"]
    assert run.notes and "more than once" in run.notes[0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not valid notebook JSON"),
        (b"[1, 2]", "no list of cells"),
        (json.dumps({"nbformat": 3, "cells": []}).encode(), "nbformat 3"),
    ],
)
def test_unusable_notebooks_are_refused_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError, match=reason):
        load_submission(path)


def test_symlinked_submissions_are_refused(tmp_path):
    target = tmp_path / "gradebook.db"
    target.write_text("secret")
    link = tmp_path / "lab.ipynb"
    link.symlink_to(target)
    with pytest.raises(NotebookError, match="symbolic link"):
        load_submission(link)


def test_submissions_are_found_in_the_nbgrader_layout(tmp_path):
    mc.submit(tmp_path, "alice")
    (tmp_path / "submitted" / "bob" / mc.LAB).mkdir(parents=True)  # a folder, no notebook
    (tmp_path / "submitted" / "carol").mkdir()  # did not submit this lab
    (tmp_path / "submitted" / ".hidden" / mc.LAB).mkdir(parents=True)
    found = find_submissions(tmp_path / "submitted", mc.LAB)
    assert [(s.student, s.path is not None) for s in found] == [("alice", True), ("bob", False)]


def test_locked_self_check_cells_do_not_run_in_the_sandbox(source):
    from autograder.submissions import LabSource, SourceCell

    with_check_all = LabSource(
        source.lab,
        [*source.cells, SourceCell("check_all", "locked", "code", "prodev.check()\n")],
    )
    run = assemble(with_check_all, _cells())
    assert "check_all" not in run.labels and not any("prodev.check" in c for c in run.cells)


def test_a_renamed_notebook_is_graded_with_a_note(tmp_path):
    from autograder.submissions import renamed_notebook

    folder = tmp_path / "submitted" / "dan" / mc.LAB
    folder.mkdir(parents=True)
    (folder / "my copy.ipynb").write_text("{}")
    (sub,) = find_submissions(tmp_path / "submitted", mc.LAB)
    assert sub.path.name == "my copy.ipynb"
    (note,) = renamed_notebook(sub, mc.LAB)
    assert "my copy.ipynb" in note and f"not {mc.LAB}.ipynb" in note
    (folder / f"{mc.LAB}.ipynb").write_text("{}")
    (sub,) = find_submissions(tmp_path / "submitted", mc.LAB)
    assert renamed_notebook(sub, mc.LAB) == []
