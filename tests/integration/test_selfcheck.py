"""Self-check: the check runner, `prodev.check()` in a shell, and `prodev check NOTEBOOK`."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from prodev.checking.checkrun import ChecksPlugin, run_checks
from prodev.checking.student import InProcessStudent
from prodev.runtime.notebook import run_cells

PUBLIC = """
from prodev.checking import check

@check("q1", points=2)
def test_double_of_three(student):
    assert student.call("double", 3) == 6, "double(3) should be 6"

@check("q1", points=1)
def test_double_keeps_type(student):
    assert student.call("double", "ab") == "abab", "double('ab') should repeat the string"

@check("q2", points=1)
def test_answer_is_a_list(student):
    assert isinstance(student.value("answer"), list), "answer should be a list"
"""

HIDDEN = """
from prodev.checking import check

SECRET_INPUT = 12345

@check("q1", points=1)
def test_double_large(student):
    assert student.call("double", SECRET_INPUT) == 2 * SECRET_INPUT, "wrong for large inputs"

@check("q2", points=1)
def test_answer_crashes_the_check(student):
    {}["secret-key-" + str(SECRET_INPUT)]
"""


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    (tmp_path / "lab" / "checks").mkdir(parents=True)
    (tmp_path / "lab" / "checks" / "test_q1.py").write_text(PUBLIC)
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "test_hidden.py").write_text(HIDDEN)
    return tmp_path


def no_dataset(**_):
    raise AssertionError("these checks use no dataset")


def run(lab: Path, namespace: dict, hidden: bool = False, questions=None):
    roots = [lab / "hidden"] if hidden else []
    plugin = ChecksPlugin(
        InProcessStudent(namespace),
        no_dataset,
        public_seed=42,
        hidden_seed=7,
        hidden_roots=roots,
        questions=questions,
    )
    return run_checks([lab / "lab" / "checks", *roots], plugin)


def test_correct_answers_pass_every_public_check(lab):
    results = run(lab, {"double": lambda n: n * 2, "answer": [1]})
    assert [(r.question, r.passed, r.points) for r in results] == [
        ("q1", True, 2.0),
        ("q1", True, 1.0),
        ("q2", True, 1.0),
    ]


def test_wrong_answers_fail_with_the_authors_message(lab):
    results = run(lab, {"double": lambda n: n + n if isinstance(n, int) else n, "answer": (1,)})
    failed = {r.name: r.message for r in results if not r.passed}
    assert failed == {"test_double_keeps_type": "double('ab') should repeat the string"}


def test_student_errors_become_failed_checks_with_their_reason(lab):
    results = run(lab, {})
    assert not any(r.passed for r in results)
    assert all("is not defined" in r.message for r in results)


def test_hidden_checks_never_leak_their_code_or_data(lab):
    results = run(lab, {"double": lambda n: n * 2, "answer": [1]}, hidden=True)
    crashed = next(r for r in results if r.name == "test_answer_crashes_the_check")
    assert crashed.hidden and not crashed.passed
    assert crashed.message == "the check could not evaluate your answer (KeyError)"
    assert "12345" not in json.dumps([r.to_dict() for r in results])


def test_questions_filter_runs_only_those_checks(lab):
    results = run(lab, {"answer": []}, questions=["q2"])
    assert [r.question for r in results] == ["q2"]


def test_check_cell_in_a_shell_shows_results_and_fails_the_cell(lab):
    source = "import prodev\nprodev.check('q1')"
    good = run_cells(["double = lambda n: n * 2", source], workdir=lab / "lab")
    assert good.errors == []
    assert "2 of 2 checks passed" in good.output
    assert "public checks: 3 of 3 points" in good.output
    bad = run_cells(["double = lambda n: n", source], workdir=lab / "lab")
    assert len(bad.errors) == 1 and "ChecksFailed" in bad.errors[0]
    assert "2 of 2 checks failed" in bad.errors[0]


def notebook(path: Path, answer_source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(answer_source, metadata=answer_metadata("q1")),
        nbformat.v4.new_code_cell(
            "prodev.check('q1')",
            metadata={
                "nbgrader": {
                    "grade": True,
                    "solution": False,
                    "locked": True,
                    "points": 3,
                    "grade_id": "q1_check",
                    "schema_version": 3,
                }
            },
        ),
    ]
    nbformat.write(nb, path)
    return path


def answer_metadata(question: str) -> dict:
    return {
        "nbgrader": {
            "grade": False,
            "solution": True,
            "locked": False,
            "grade_id": question,
            "schema_version": 3,
        }
    }


def check_cell(question: str, points: float):
    return nbformat.v4.new_code_cell(
        f"prodev.check({question!r})",
        metadata={
            "nbgrader": {
                "grade": True,
                "solution": False,
                "locked": True,
                "points": points,
                "grade_id": f"{question}_check",
                "schema_version": 3,
            }
        },
    )


def prodev_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prodev", *args], capture_output=True, text=True, timeout=120
    )


def test_prodev_check_exit_code_follows_the_checks(lab):
    good = notebook(lab / "lab" / "good.ipynb", "double = lambda n: n * 2\nanswer = [1, 2]")
    bad = notebook(lab / "lab" / "bad.ipynb", "double = lambda n: n\n1 / 0")
    ok = prodev_cli("check", str(good))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "3 of 3 checks passed" in ok.stdout
    # The check cell says q1 is worth 3; its public checks carry 3: no hidden points to mention.
    assert "public checks: 4 of 4 points" in ok.stdout and "hidden" not in ok.stdout
    failing = prodev_cli("check", str(bad), "--json")
    assert failing.returncode == 1
    report = json.loads(failing.stdout)
    assert report["questions"]["q1"] == {"score": 0.0, "max_score": 3.0}
    assert report["cell_errors"] == ["q1's answer cell: ZeroDivisionError: division by zero"]


def test_prodev_check_explains_bad_input(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    result = prodev_cli("check", str(broken))
    assert result.returncode == 2 and "not valid notebook JSON" in result.stderr
    lonely = notebook(tmp_path / "lonely.ipynb", "x = 1")
    result = prodev_cli("check", str(lonely))
    assert result.returncode == 2 and "no checks/ folder" in result.stderr


def test_cli_lists_its_commands():
    result = prodev_cli("--help")
    for command in ("check", "release", "lab"):
        assert command in result.stdout
    assert textwrap.dedent(result.stdout).startswith("usage: prodev")


def test_prodev_check_stops_an_endless_loop_and_goes_on(lab):
    """A cell that never ends is stopped after --timeout and the notebook runs again without it;
    a check whose call never returns is stopped too; each question's line appears as it runs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "answer = [1]\nwhile True:\n    pass", metadata=answer_metadata("q2")
        ),
        nbformat.v4.new_code_cell(
            "def double(n):\n    while True:\n        pass", metadata=answer_metadata("q1")
        ),
        check_cell("q1", 3),
    ]
    path = lab / "lab" / "loops.ipynb"
    nbformat.write(nb, path)
    result = prodev_cli("check", str(path), "--timeout", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "q2's answer cell did not finish within 5 s and was stopped" in result.stdout
    assert "your code did not answer within 5 s" in result.stdout
    # Progress, on stderr: a run stopped in q2's cell, one stopped in q1's check, a last one.
    assert result.stderr.count("running the notebook (2 code cells) ...") == 3
    assert "checking q1 ... stopped after 5 s" in result.stderr
    # q2's own check is quick, but how quick depends on the machine: if it finished, its message
    # blames the answer cell that was stopped.
    assert "checking q2 ... " in result.stderr
    assert (
        "q2's answer cell did not finish within 5 s: fix that first" in result.stdout
        or "checking q2 ... stopped" in result.stderr
    ), result.stdout


def test_prodev_check_names_the_answer_cell_that_raised(lab):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "def double(n):\n    return n *\n", metadata=answer_metadata("q1")
        ),
        nbformat.v4.new_code_cell("answer = [1]"),
        check_cell("q1", 3),
    ]
    path = lab / "lab" / "syntax.ipynb"
    nbformat.write(nb, path)
    report = json.loads(prodev_cli("check", str(path), "--json").stdout)
    assert report["cell_errors"] == ["q1's answer cell: SyntaxError: invalid syntax (line 2)"]
    messages = [c["message"] for c in report["checks"] if c["question"] == "q1"]
    assert messages and all(
        m.startswith("q1's answer cell raised SyntaxError: invalid syntax (line 2): fix that first")
        for m in messages
    )


def test_the_points_line_names_what_hidden_checks_carry(lab):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "double = lambda n: n * 2\nanswer = [1]", metadata=answer_metadata("q1")
        ),
        check_cell("q1", 5),
        check_cell("q2", 1),
    ]
    path = lab / "lab" / "points.ipynb"
    nbformat.write(nb, path)
    result = prodev_cli("check", str(path))
    assert (
        "public checks: 4 of 4 points; hidden checks at grading make up the other 2 "
        "of the 6 points in the headings"
    ) in result.stdout


def test_a_check_cell_says_what_hidden_checks_carry(lab):
    """In the notebook, the lab beside the kernel's folder gives the headings' points."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [check_cell("q1", 5)]
    nbformat.write(nb, lab / "lab" / "lab.ipynb")  # named like its folder, as labs are
    source = "import prodev\nprodev.check('q1')"
    shown = run_cells(["double = lambda n: n * 2", source], workdir=lab / "lab").output
    assert (
        "public checks: 3 of 3 points; hidden checks at grading make up the other 2 "
        "of the 5 points in the headings"
    ) in shown
    from prodev.checking.checkrun import CheckResult
    from prodev.checking.selfcheck import Report, heading_points_beside

    failed = CheckResult("q1", "test_double_of_three", 3, False, "wrong", hidden=False)
    html = Report([failed], heading_points_beside(lab / "lab"))._repr_html_()
    assert "public checks: 0 of 3 points; hidden checks at grading make up the other 2" in html


def test_only_a_real_error_in_the_answer_cell_is_blamed():
    """The placeholder's NotImplementedError already reads "not answered yet" in the check."""
    from prodev.checking.checkrun import CheckResult
    from prodev.commands.check import _blame_the_answer_cell

    failed = CheckResult("q1", "test_x", 1, False, "`f` is not defined", hidden=False)
    placeholder = {"q1": "raised NotImplementedError"}
    assert _blame_the_answer_cell(failed, placeholder) is failed
    blamed = _blame_the_answer_cell(failed, {"q1": "raised ValueError: bad"})
    assert blamed.message.startswith("q1's answer cell raised ValueError: bad: fix that first")
    passed = CheckResult("q1", "test_y", 1, True, "", hidden=False)
    assert _blame_the_answer_cell(passed, {"q1": "raised ValueError: bad"}) is passed


def test_prodev_check_limits_time_as_grading_does():
    from autograder.config import Limits
    from prodev.checking.watched import DEFAULT_TIMEOUT
    from prodev.commands.check import _DEFAULT_TIMEOUT

    assert _DEFAULT_TIMEOUT == DEFAULT_TIMEOUT == Limits.timeout
