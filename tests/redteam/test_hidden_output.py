"""A hidden check's output is the check's own words: nothing the student's code wrote (an
exception message, a returned string, a name) and no exception class the notebook made up.
Public checks still show the student's exception message, truncated.

Runs the checks runner in this process on a notebook namespace, as the grader runs it on a
sandboxed notebook's answers: the same `Student` requests and the same message rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prodev.checking.checkrun import ChecksPlugin, hidden_refusal, run_checks
from prodev.checking.student import InProcessStudent

SOURCE = "SOURCE-OF-A-HIDDEN-MUTANT: def nights(a, b): return (b - a).days + 1"

CHECKS = """
from prodev.checking import check


@check("q1", points=1)
def test_message_quotes_what_came_back(student):
    got = student.call("run_suite", "the hidden mutant")
    assert got["failed"] == {}, f"a test failed on a correct rewrite: {got['failed']}"


@check("q2", points=1)
def test_exception_with_a_message(student):
    assert student.call("raises", -7) == -14, "should work for negative numbers"


@check("q3", points=1)
def test_exception_of_its_own_class(student):
    assert student.call("raises_own", -7) == -14, "should work for negative numbers"
"""


def raises(x):
    raise ValueError(f"{SOURCE} (called with {x})")


def raises_own(x):
    raise type(f"Input{-x}Negative", (Exception,), {})()


def run_suite(module):
    # What a student's test reporting the module it was given would send back.
    return {"failed": {"test_leak": f"AssertionError: {SOURCE}"}}


NAMESPACE = {"raises": raises, "raises_own": raises_own, "run_suite": run_suite}


@pytest.fixture(params=["public", "hidden"])
def results(request, tmp_path):
    folder = tmp_path / request.param
    folder.mkdir()
    (folder / "test_checks.py").write_text(CHECKS)
    plugin = ChecksPlugin(
        InProcessStudent(NAMESPACE),
        dataset=lambda **kw: Path("/nonexistent"),
        public_seed=42,
        hidden_roots=[folder] if request.param == "hidden" else [],
    )
    return request.param, {r.question: r.message for r in run_checks([folder], plugin)}


def test_hidden_messages_carry_no_student_text(results):
    kind, messages = results
    if kind == "public":  # the student may see their own exception's message
        assert SOURCE[:40] in messages["q2"]
        return
    for message in messages.values():
        assert "HIDDEN-MUTANT" not in message and "-14" not in message and "-7" not in message
    assert messages["q1"].startswith("a test failed on a correct rewrite: ")
    assert messages["q2"] == "your code raised ValueError"
    assert messages["q3"] == "your code raised an exception"
    assert "Input7Negative" not in messages["q3"]


def test_a_refusal_is_reworded_by_its_kind_alone():
    assert hidden_refusal("timeout", "anything the notebook says") == hidden_refusal("timeout", "")
    assert "anything" not in hidden_refusal("made-up-kind", "anything the notebook says")
    assert hidden_refusal("exception", "KeyError: 'SECRET'") == "your code raised KeyError"
    assert hidden_refusal("exception", "not answered yet: ...").startswith("not answered yet")


def test_row_comparisons_in_hidden_checks_give_no_counts():
    from prodev.checking import rows_problem
    from prodev.checking.student import QueryResult

    got = QueryResult(["n"], [[1], [2]])
    assert rows_problem(got, [[1], [2], [3]], counts=False) == (
        "the number of rows differs from the expected result"
    )
    assert (
        rows_problem(got, [[1], [3]], counts=False) == "some rows differ from the expected result"
    )
    assert "3" not in rows_problem(got, [[1], [2], [3]])[len("expected ") + 1 :]
