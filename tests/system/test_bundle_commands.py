"""`prodev` as students get it: the bundle's code alone, with the course's dependencies but no
grading engine, lists only the students' commands and runs them.

The project's own virtualenv cannot show this: its editable install finds `autograder` in this
checkout whatever PYTHONPATH says. So the commands run in a throwaway virtualenv that sees the
installed dependencies (through a .pth file naming their folder) but not that editable install.
"""

from __future__ import annotations

import os
import re
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

from prodev.course.bundle import write_student_bundle

ROOT = Path(__file__).resolve().parents[2]
ENGINE_COMMANDS = (
    "grade",
    "feedback",
    "merge-results",
    "report",
    "similarity",
    "new-lab",
    "check-lab",
)
STUDENT_COMMANDS = ("api", "bundle", "check", "data", "lab", "release")


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """(python, environment, bundle): an interpreter that runs the bundle's `prodev`."""
    base = tmp_path_factory.mktemp("student")
    bundle = base / "prodev-backend"
    write_student_bundle(bundle, root=ROOT)
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A plain folder line: its packages import, its own .pth files (the editable install) don't run.
    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "course-dependencies.pth").write_text("\n".join(sorted(folders)) + "\n")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PRODEV_", "PYTHON", "VIRTUAL"))
    }
    env.update(
        PYTHONPATH=str(bundle),
        PRODEV_DATA_DIR=str(base / "data"),
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
    )
    return python, env, bundle


def run(student, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    python, env, bundle = student
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=bundle
    )


def test_the_engine_is_not_there_but_the_dependencies_are(student):
    _, _, bundle = student
    assert not (bundle / "autograder").exists()
    found = run(student, "-c", "import prodev, duckdb, IPython; print(prodev.__file__)")
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).is_relative_to(bundle)
    engine = run(student, "-c", "import autograder")
    assert engine.returncode != 0 and "No module named 'autograder'" in engine.stderr


def test_help_lists_the_students_commands_only(student):
    result = run(student, "-m", "prodev", "--help")
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^    ([a-z-]+)", result.stdout, re.M))
    assert set(STUDENT_COMMANDS) <= listed, result.stdout
    assert not listed & set(ENGINE_COMMANDS), result.stdout
    assert "--root DIR" in result.stdout and "--verbose" in result.stdout


def test_an_engine_command_is_unknown_not_a_crash(student):
    result = run(student, "-m", "prodev", "grade", "lab04_advanced_sql")
    assert result.returncode == 2
    assert "invalid choice: 'grade'" in result.stderr and "Traceback" not in result.stderr


def test_data_runs_from_the_bundle_with_the_global_options(student, tmp_path):
    out = tmp_path / "seven.duckdb"
    argv = ["-m", "prodev", "-v", "--root", ".", "data", "--seed", "7", "--out", str(out)]
    result = run(student, *argv)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out) and out.stat().st_size > 0


@pytest.mark.slow
def test_check_runs_a_released_lab_from_the_bundle(student):
    _, _, bundle = student
    labs = sorted((bundle / "labs").glob("lab*/lab*.ipynb"))
    if not labs:
        pytest.skip("labs/ holds no released lab yet")
    notebook = next((p for p in labs if p.stem == "lab04_advanced_sql"), labs[0])
    result = run(student, "-m", "prodev", "check", str(notebook.relative_to(bundle)), timeout=300)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.returncode == 1, f"a blank lab must fail its checks:\n{result.stdout}"
    assert re.search(r"^0 of \d+ checks passed$", result.stdout, re.M), result.stdout
    assert re.search(r"^public checks: 0 of \d+ points; hidden checks", result.stdout, re.M)
