"""prodev.course.nbgrader_setup: the gradebook schema revision read in process is the one
nbgrader's own `alembic heads` call gives, and a gradebook made with it is one nbgrader accepts
as current."""

import subprocess
import sys
from pathlib import Path

import sqlalchemy

from prodev.course.nbgrader_setup import gradebook_schema_head, prepare_nbgrader


def test_the_revision_read_in_process_is_the_one_alembic_heads_prints():
    from nbgrader.dbutil import _temp_alembic_ini

    alembic = Path(sys.executable).with_name("alembic")
    with _temp_alembic_ini("sqlite:////tmp/unused-gradebook.db") as ini:
        printed = subprocess.run(
            [str(alembic), "-c", ini, "heads"], capture_output=True, text=True, check=True
        ).stdout
    assert printed.split()[0] == gradebook_schema_head()


def test_a_new_gradebook_records_that_revision_without_starting_alembic(tmp_path, monkeypatch):
    prepare_nbgrader()
    from nbgrader.api import Gradebook

    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        query = sqlalchemy.text("SELECT version_num FROM alembic_version")
        (version,) = gradebook.db.execute(query).one()
    assert version == gradebook_schema_head()
