"""prodev.runtime: what crosses from student code to the grader is plain JSON, or a clear
error."""

import datetime as dt
import decimal
import json

import duckdb
import pytest

from prodev.runtime import answers
from prodev.runtime.serve import serve


def ask(namespace, **request):
    return json.loads(serve(namespace, request))


class AlwaysEqual:
    def __eq__(self, other):
        return True


class SneakyInt(int):
    def __eq__(self, other):
        return True


def test_values_are_converted_to_exact_json_types():
    ns = {"x": (1, 2.5, "a", None, True), "d": decimal.Decimal("1.50"), "day": dt.date(2024, 7, 1)}
    assert ask(ns, op="value", name="x") == {"ok": True, "value": [1, 2.5, "a", None, True]}
    assert ask(ns, op="value", name="d")["value"] == 1.5
    assert ask(ns, op="value", name="day")["value"] == "2024-07-01"


def test_objects_that_fake_equality_cannot_cross():
    reply = ask({"x": AlwaysEqual()}, op="value", name="x")
    assert reply["ok"] is False and reply["kind"] == "not_json"
    assert "AlwaysEqual" in reply["message"]
    # An int subclass arrives as a plain int: its __eq__ is left behind.
    assert ask({"x": SneakyInt(3)}, op="value", name="x")["value"] == 3


def test_missing_names_and_exceptions_are_reported_not_raised():
    assert ask({}, op="value", name="q1")["kind"] == "missing"

    def boom():
        raise ValueError("bad input")

    reply = ask({"boom": boom}, op="call", name="boom")
    assert reply["kind"] == "exception" and reply["message"].startswith("ValueError: bad input")


def test_unanswered_stub_says_so():
    def stub():
        raise NotImplementedError()

    assert "not answered yet" in ask({"f": stub}, op="call", name="f")["message"]
    stub_sql = "\n# YOUR CODE HERE\nraise NotImplementedError()\n"
    assert ask({"q": stub_sql}, op="sql", name="q", database={})["kind"] == "unanswered"


def test_sql_runs_read_only_on_the_given_database(tmp_path):
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS n FROM range(3)")
    con.close()
    db = {"__prodev__": "duckdb", "path": str(path)}
    ns = {"q": "SELECT n, n * 1.5 AS half FROM t ORDER BY n", "w": "DELETE FROM t"}
    reply = ask(ns, op="sql", name="q", database=db)
    assert reply["value"] == {"columns": ["n", "half"], "rows": [[0, 0.0], [1, 1.5], [2, 3.0]]}
    assert ask(ns, op="sql", name="w", database=db)["ok"] is False  # read-only connection
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM t").fetchall() == [(3,)]


def test_call_receives_a_live_connection(tmp_path):
    path = tmp_path / "t.duckdb"
    duckdb.connect(str(path)).execute("CREATE TABLE t AS SELECT 7 AS n").close()

    def read(con, column):
        return con.execute(f"SELECT {column} FROM t").fetchall()

    reply = ask(
        {"read": read},
        op="call",
        name="read",
        args=[{"__prodev__": "duckdb", "path": str(path)}, "n"],
    )
    assert reply == {"ok": True, "value": [[7]]}


def test_oversized_answers_are_refused():
    reply = ask({"big": "x" * (answers.MAX_ANSWER_BYTES + 10)}, op="value", name="big")
    assert reply["kind"] == "too_large"


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf"), [1.0, float("nan")], decimal.Decimal("NaN")],
)
def test_non_finite_numbers_are_refused_with_a_clear_message(value):
    # NaN compares unequal to everything, so `not abs(got - want) > tol` would pass it.
    reply = ask({"v": value}, op="value", name="v")
    assert not reply["ok"] and reply["kind"] == "not_finite"
    assert "not a number a check can compare" in reply["message"]
    called = ask({"f": lambda: value}, op="call", name="f", args=[], kwargs={})
    assert called["kind"] == "not_finite"


def test_self_referencing_containers_are_refused():
    loop = []
    loop.append(loop)
    assert ask({"v": loop}, op="value", name="v")["kind"] == "too_deep"


def _blank(nights):
    """A release's blank answer."""
    raise NotImplementedError()


def _blank_without_parentheses(nights):
    raise NotImplementedError


async def _blank_async(nights):
    raise NotImplementedError()


def _blank_generator(nights):
    raise NotImplementedError()
    yield nights


def _answered(nights):
    return nights * 2


def _answered_then_raises(nights):
    if nights < 0:
        raise NotImplementedError()
    return nights


def _answered_keeps_the_name(nights):
    NotImplementedError  # noqa: B018 - a stray reference, not a raise
    return nights


def _raises_with_its_argument(nights):
    raise NotImplementedError(nights)


def _catches_it(nights):
    try:
        raise NotImplementedError()
    except NotImplementedError:
        return nights


@pytest.mark.parametrize("fn", [_blank, _blank_without_parentheses, _blank_async, _blank_generator])
def test_a_release_blank_is_a_stub(fn):
    assert ask({"f": fn}, op="stub", name="f") == {"ok": True, "value": True}


@pytest.mark.parametrize(
    "value",
    [_answered, _answered_then_raises, _answered_keeps_the_name, _raises_with_its_argument,
     _catches_it, print, 42, "raise NotImplementedError()"],
)  # fmt: skip
def test_anything_that_can_return_is_not_a_stub(value):
    assert ask({"f": value}, op="stub", name="f") == {"ok": True, "value": False}


def test_a_missing_name_is_not_a_stub_so_the_call_reports_it_missing():
    assert ask({}, op="stub", name="f") == {"ok": True, "value": False}
