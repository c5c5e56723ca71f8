"""The `prodev` command line: --version, the global --root and -v, one exit path for mistakes
(a message and status 2, never a traceback), and defaults shared with the Python API."""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from redteam import minicourse as mc

import prodev
from autograder.config import Limits
from autograder.isolation.sandbox import bwrap_works
from autograder.runner import Grader
from prodev.cli import build_parser, configure_logging, main
from prodev.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
BWRAP_OK, BWRAP_WHY = bwrap_works()
# Raised and caught inside the grader only: a malformed frame from a sandbox is no one's typing
# mistake, and protocol.py stays free of imports because the sandboxed worker loads it alone.
NOT_USER_ERRORS = {"autograder.isolation.protocol.ProtocolError"}


def run_prodev(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prodev", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_version():
    result = run_prodev("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"prodev {prodev.__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["--root", "{root}", "grade", "lab99_nope"],  # the global option
        ["grade", "lab99_nope", "--root", "{root}"],  # the same option after the command
        ["-v", "--root", "{root}", "feedback", "lab99_nope"],
        ["merge-results", "lab99_nope", "--from", "{root}", "--out", "{root}", "--root", "{root}"],
        ["report", "lab99_nope", "--root", "{root}"],
        ["--root", "{root}", "similarity", "lab99_nope"],
    ],
)
def test_root_is_accepted_before_and_after_any_command(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PRODEV_HOME", raising=False)
    code = main([a.format(root=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert str(tmp_path) in err and str(ROOT) not in err, err
    assert "PRODEV_HOME" not in os.environ, "--root must not leak out of main()"


def test_root_defaults_to_prodev_home_then_the_checkout(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PRODEV_HOME", str(tmp_path))
    assert main(["grade", "lab99_nope"]) == 2
    assert f"no {tmp_path}/solutions/lab99_nope" in capsys.readouterr().err
    monkeypatch.delenv("PRODEV_HOME")
    assert main(["grade", "lab99_nope"]) == 2
    assert f"no {ROOT}/solutions/lab99_nope" in capsys.readouterr().err


def test_release_honours_the_global_root(tmp_path, capsys, monkeypatch):
    """`prodev --root . release` is what the README's term example needed PRODEV_HOME for."""
    monkeypatch.delenv("PRODEV_HOME", raising=False)
    (tmp_path / "solutions" / "lab01_only").mkdir(parents=True)
    (tmp_path / "solutions" / "lab01_only" / "lab01_only.ipynb").write_text("{}")
    assert main(["--root", str(tmp_path), "release", "lab04_advanced_sql"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("prodev release: no such lab in solutions/: lab04_advanced_sql")
    assert "lab01_only" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "{tmp}/missing.ipynb"], "prodev check: "),
        (["grade", "lab90_mini", "--shard", "3/2", "--root", "{tmp}"], "--shard takes I/N"),
        (["grade", "lab90_mini", "--root", "{tmp}", "--submissions", "{tmp}/no"], "layout"),
        (["bundle", "student", "{tmp}/full"], "--force"),
    ],
)
def test_a_mistake_is_one_line_and_status_2(argv, message, tmp_path):
    mc.build_course(tmp_path)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    result = run_prodev(*[a.format(tmp=tmp_path) for a in argv])
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and message in result.stderr, result.stderr
    assert result.stderr.startswith(f"prodev {argv[0]}: ")


def _error_classes() -> list[str]:
    """Every exception class defined in prodev/ and autograder/ whose name says it is one."""
    found = []
    for package in ("prodev", "autograder"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "checks" in path.relative_to(ROOT).parts[:2]:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Failed")):
                    found.append(f"{module}.{node.name}")
    return found


def test_every_error_a_person_can_fix_is_a_user_error():
    names = _error_classes()
    assert len(names) >= 19, names  # the classes that existed when UserError was introduced
    wrong = []
    for name in names:
        module, _, cls = name.rpartition(".")
        error = getattr(importlib.import_module(module), cls)
        if (name in NOT_USER_ERRORS) == issubclass(error, UserError):
            wrong.append(name)
    assert not wrong, f"derive these from prodev.errors.UserError (or list why not): {wrong}"


def test_user_errors_keep_their_old_bases():
    """Code that catches ValueError, AssertionError... still catches what it caught before."""
    from prodev.checking.student import StudentError
    from prodev.stayhub.api.switches import SwitchError

    assert issubclass(SwitchError, ValueError) and issubclass(StudentError, AssertionError)


def test_grade_defaults_are_the_python_apis():
    args = build_parser().parse_args(["grade", "lab04_advanced_sql"])
    grader = inspect.signature(Grader).parameters
    assert args.jobs == grader["jobs"].default
    assert args.sandbox == grader["sandbox"].default
    assert args.timeout == Limits().timeout


def test_verbosity_sets_the_level_of_our_loggers_only():
    ours = [logging.getLogger(n) for n in ("prodev", "autograder")]
    saved = [(logger.level, logger.handlers[:]) for logger in ours]
    root_handlers = logging.getLogger().handlers[:]
    try:
        for count, level in [(0, logging.WARNING), (1, logging.INFO), (2, logging.DEBUG)]:
            configure_logging(count)
            assert logging.getLogger("autograder.runner").getEffectiveLevel() == level
            assert logging.getLogger("prodev.course").getEffectiveLevel() == level
            assert all(len(logger.handlers) == 1 for logger in ours), "one handler per logger"
        assert logging.getLogger().handlers == root_handlers, "other libraries' logs are untouched"
    finally:
        for logger, (level, handlers) in zip(ours, saved, strict=True):
            logger.setLevel(level)
            logger.handlers[:] = handlers


@pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")
def test_grade_is_quiet_by_default_and_logs_each_step_with_v(tmp_path):
    root = mc.build_course(tmp_path / "course")
    mc.submit(root, "alice")
    argv = ["grade", mc.LAB, "--root", str(root), "--jobs", "1", "--timeout", "10", "--force"]
    data = str(tmp_path / "data")
    quiet = run_prodev(*argv, PRODEV_DATA_DIR=data)
    assert quiet.returncode == 0, quiet.stderr
    # (through the command the mini lab's checks see the real StayHub data, not its own table)
    assert "[1/1] alice: " in quiet.stderr and "slot 0]" not in quiet.stderr
    loud = run_prodev("-v", *argv, PRODEV_DATA_DIR=data)
    assert loud.returncode == 0, loud.stderr
    lines = [line for line in loud.stderr.splitlines() if line.startswith("INFO ")]
    passed = re.compile(r"^INFO autograder\.submission: \[alice slot 0\] \d+ of \d+ checks passed")
    assert any(passed.match(line) for line in lines), loud.stderr
    assert all(line.startswith(("INFO autograder.", "INFO prodev.")) for line in lines), lines
    assert not any(line.startswith("DEBUG ") for line in loud.stderr.splitlines())


@pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable here: {BWRAP_WHY}")
def test_every_log_line_about_a_submission_names_the_student_and_the_slot(tmp_path, caplog):
    root = mc.build_course(tmp_path)
    mc.submit(root, "alice")
    mc.submit(root, "bob", answers=mc.BLANK)
    grader = Grader(
        mc.LAB,
        root=root,
        jobs=1,
        sandbox="bwrap",
        limits=Limits(timeout=10, request_timeout=5),
        dataset=mc.make_dataset(root / "data"),
        data_dirs=[root / "data"],
        gradebook=False,
        progress=open(os.devnull, "w"),  # noqa: SIM115
    )
    with caplog.at_level(logging.DEBUG, logger="autograder"):
        report = grader.grade(root / "submitted")
    assert sorted(report.graded) == ["alice", "bob"]
    about = [r for r in caplog.records if r.name == "autograder.submission"]
    for student in ("alice", "bob"):
        mine = [r.getMessage() for r in about if r.student == student]
        assert mine and all(m.startswith(f"[{student} slot 0] ") for m in mine), mine
        assert any("checks passed" in m for m in mine), mine
    assert any("failed q2" in r.getMessage() for r in about if r.student == "bob")
    assert not any("failed" in r.getMessage() for r in about if r.student == "alice")
