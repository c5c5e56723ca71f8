"""The probes that labs 01 and 02 grade with: what the grader's recorders observe.

The generic lab tests (tests/content/test_labs.py) prove the labs' checks both ways; these tests
pin down the observations those checks rely on (items pulled, pages requested, fetch calls,
committed rows, closes, waits, calls), using small answers written here,
through the same JSON boundary: every call on a probe crosses to the check's recorders and is
answered from there.
"""

from __future__ import annotations

import contextlib
import functools
import itertools

import pytest

from prodev import probes
from prodev.checking.student import InProcessStudent, StudentError


def student_with(**functions) -> InProcessStudent:
    return InProcessStudent(dict(functions))


# ---- sources, pagers and memory -------------------------------------------------------------


def test_an_endless_source_counts_what_a_lazy_answer_pulls():
    def first_three(items):
        return list(itertools.islice(items, 3))

    got = probes.probe_call(student_with(first_three=first_three), "first_three", probes.source())
    assert got["value"] == [0, 1, 2]
    assert got["probes"]["source"] == {"pulled": 3, "exhausted": False}


def test_an_endless_source_stops_an_eager_answer_with_a_message():
    student = student_with(everything=lambda items: list(items))
    with pytest.raises(StudentError, match=r"read more than 50 items from the source"):
        probes.probe_call(student, "everything", probes.source(limit=50))


def test_take_pulls_only_that_many_items_from_a_generator():
    def doubles(items):
        for item in items:
            yield item * 2

    got = probes.probe_call(student_with(doubles=doubles), "doubles", probes.source(), take=4)
    assert got["value"] == [0, 2, 4, 6]
    assert got["iterator"] is True
    assert got["probes"]["source"]["pulled"] == 4


def test_take_refuses_a_result_that_cannot_be_iterated():
    student = student_with(count_them=lambda items: 7)
    with pytest.raises(StudentError, match="cannot be iterated"):
        probes.probe_call(student, "count_them", probes.source(items=[1]), take="all")


def test_memory_growth_tells_a_stored_stream_from_a_streamed_one():
    def stored(rows):
        rows = list(rows)
        return len(rows)

    def streamed(rows):
        return sum(1 for _ in rows)

    student = student_with(stored=stored, streamed=streamed)
    spec = probes.source(bookings=20_000, seed=3, chunk=500)
    low = probes.probe_call(student, "streamed", spec, measure_memory=True)
    high = probes.probe_call(student, "stored", spec, measure_memory=True)
    assert low["value"] == high["value"] == 20_000
    assert low["memory_growth"] < 500_000 < 1_500_000 < high["memory_growth"]
    assert probes.probe_call(student, "streamed", spec)["memory_growth"] is None


def test_a_source_hands_out_items_in_chunks_and_counts_them_all():
    student = student_with(first=lambda items: next(items))
    got = probes.probe_call(student, "first", probes.source(items=list(range(10)), chunk=4))
    assert got["value"] == 0
    assert got["probes"]["source"] == {"pulled": 4, "exhausted": False}


def test_booking_rows_are_the_same_on_both_sides_of_the_boundary():
    def collect(rows):
        return list(rows)

    got = probes.probe_call(
        student_with(collect=collect), "collect", probes.source(bookings=5, seed=11)
    )
    assert got["value"] == [list(r) for r in probes.booking_rows(5, seed=11)]


def test_a_pager_records_every_request_and_refuses_a_runaway_loop():
    def all_items(fetch_page):
        out, offset = [], 0
        while page := fetch_page(offset, 4):
            out += page
            offset += 4
        return out

    student = student_with(all_items=all_items)
    got = probes.probe_call(student, "all_items", probes.pager(total=10))
    assert got["value"] == list(range(10))
    assert got["probes"]["pager"]["calls"] == [[0, 4], [4, 4], [8, 4], [12, 4]]
    with pytest.raises(StudentError, match="requested more than 1,000 pages"):
        probes.probe_call(student, "all_items", probes.pager(total=None))


# ---- databases ------------------------------------------------------------------------------

TABLES = {
    "t": {
        "columns": [["id", "INTEGER"], ["name", "VARCHAR"]],
        "rows": [[1, "a"], [2, "b"], [3, "c"]],
    }
}


def test_a_tracked_database_records_fetches():
    def first_two(con, query):
        cursor = con.execute(query)
        return cursor.fetchmany(2)

    got = probes.probe_call(
        student_with(first_two=first_two),
        "first_two",
        probes.database(tables=TABLES),
        "SELECT * FROM t ORDER BY id",
    )
    db = got["probes"]["db"]
    assert got["value"] == [[1, "a"], [2, "b"]]
    assert (db["fetchmany"], db["fetchall"], db["rows_fetched"]) == ([2], 0, 2)
    assert db["executed"] == ["SELECT * FROM t ORDER BY id"]


def test_the_cursor_pattern_is_recorded_too():
    def dbapi_style(con, query):
        cursor = con.cursor()
        cursor.execute(query, [1])
        names = [d[0] for d in cursor.description]
        return names, [row for row in cursor]

    got = probes.probe_call(
        student_with(dbapi_style=dbapi_style),
        "dbapi_style",
        probes.database(tables=TABLES),
        "SELECT id FROM t WHERE id > ? ORDER BY id",
    )
    assert got["value"] == [["id"], [[2], [3]]]
    db = got["probes"]["db"]
    assert db["fetchone"] == 3  # two rows, then the None that ends the loop
    assert db["cursors"] == [{"executed": 1, "closed": False}]


def _rows_through_a_cursor(con, query):
    cursor = con.cursor()
    try:
        cursor.execute(query)
        while row := cursor.fetchone():
            yield row
    finally:
        cursor.close()


def _rows_through_the_connection(con, query):
    result = con.execute(query)
    while row := result.fetchone():
        yield row


def test_two_streams_on_one_connection_keep_their_rows_only_with_a_cursor_each():
    student = student_with(own=_rows_through_a_cursor, shared=_rows_through_the_connection)
    calls = [["SELECT id FROM t ORDER BY id"], ["SELECT name FROM t ORDER BY id DESC"]]
    own = probes.probe_interleave(student, "own", probes.database(tables=TABLES), calls, 3)
    assert own["value"] == [[[1], [2], [3]], [["c"], ["b"], ["a"]]]
    assert own["probes"]["db"]["cursors"] == [{"executed": 1, "closed": True}] * 2
    # On the connection itself, the second query replaces the first one's result.
    shared = probes.probe_interleave(student, "shared", probes.database(tables=TABLES), calls, 3)
    assert shared["value"][0] != [[1], [2], [3]]


def test_closing_a_generator_early_runs_its_cleanup_and_the_grader_sees_the_close():
    student = student_with(own=_rows_through_a_cursor)
    query = "SELECT id FROM t ORDER BY id"
    kept = probes.probe_call(student, "own", probes.database(tables=TABLES), query, take=1)
    closed = probes.probe_call(
        student, "own", probes.database(tables=TABLES), query, take=1, close=True
    )
    assert closed["value"] == kept["value"] == [[1]]
    assert closed["probes"]["db"]["cursors"] == [{"executed": 1, "closed": True}]


def test_a_closed_cursor_refuses_to_fetch():
    def fetch_after_close(con, query):
        cursor = con.cursor()
        cursor.execute(query)
        cursor.close()
        return cursor.fetchall()

    student = student_with(fetch_after_close=fetch_after_close)
    with pytest.raises(StudentError, match="cursor is closed"):
        probes.probe_call(
            student, "fetch_after_close", probes.database(tables=TABLES), "SELECT id FROM t"
        )


def test_the_snapshot_shows_only_committed_writes():
    def write(con, statement, commit):
        con.begin()
        con.execute(statement)
        if commit:
            con.commit()
        return "ok"

    student = student_with(write=write)
    delete = "DELETE FROM t WHERE id = 1"
    db = probes.database(tables=TABLES, snapshot=["t"])
    kept = probes.probe_call(student, "write", db, delete, False)
    assert kept["probes"]["db"]["tables"]["t"] == TABLES["t"]["rows"]
    done = probes.probe_call(student, "write", db, delete, True)
    assert done["probes"]["db"]["tables"]["t"] == [[2, "b"], [3, "c"]]
    assert done["probes"]["db"]["transactions"] == {"begin": 1, "commit": 1, "rollback": 0}


def _probe_catalogs() -> set[str]:
    from prodev.probes import recorders

    viewer = recorders._shared_cursor()
    try:
        rows = viewer.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    finally:
        viewer.close()
    return {name for (name,) in rows if name.startswith("probe")}


def test_probe_databases_share_one_instance_but_no_rows_and_none_outlives_its_call():
    # Two databases in one call, each written to: neither sees the other's rows, and both are
    # gone (detached from the grader's one instance) when the call ends, even one left open.
    def delete_from_first(first, second, statement):
        first.execute(statement)
        second.cursor()  # a cursor left open
        return "ok"

    before = _probe_catalogs()
    got = probes.probe_call(
        student_with(delete_from_first=delete_from_first),
        "delete_from_first",
        probes.database("one", tables=TABLES, snapshot=["t"]),
        probes.database("two", tables=TABLES, snapshot=["t"]),
        "DELETE FROM t WHERE id = 1",
    )
    assert got["probes"]["one"]["tables"]["t"] == [[2, "b"], [3, "c"]]
    assert got["probes"]["two"]["tables"]["t"] == TABLES["t"]["rows"]
    assert _probe_catalogs() == before


def test_a_probe_database_that_cannot_be_built_leaves_nothing_behind():
    before = _probe_catalogs()
    broken = {"t": {"columns": [["id", "NOT_A_TYPE"]], "rows": []}}
    with pytest.raises(Exception, match="NOT_A_TYPE"):
        probes.probe_call(student_with(f=lambda con: None), "f", probes.database(tables=broken))
    assert _probe_catalogs() == before


# ---- context managers ------------------------------------------------------------------------


@contextlib.contextmanager
def closes_always(opener):
    resource = opener()
    try:
        yield resource
    finally:
        resource.close()


@contextlib.contextmanager
def swallows(opener):
    resource = opener()
    try:
        yield resource
    except Exception:
        pass
    finally:
        resource.close()


@contextlib.contextmanager
def replaces(opener):
    resource = opener()
    try:
        yield resource
    except Exception as exc:
        raise RuntimeError("something else") from exc


@pytest.mark.parametrize(
    ("name", "fail", "outcome", "left", "events"),
    [
        ("closes_always", False, "completed", None, ["open r", "close r"]),
        ("closes_always", True, "propagated", "BodyError", ["open r", "close r"]),
        ("swallows", True, "suppressed", None, ["open r", "close r"]),
        ("replaces", True, "replaced by RuntimeError: something else", "RuntimeError", ["open r"]),
    ],
)
def test_with_reports_how_the_block_ended_and_what_was_closed(name, fail, outcome, left, events):
    # The op's own answer (outcome) and what the grader's caller stub was told as it happened
    # (raised) agree; checks score only the second.
    student = student_with(closes_always=closes_always, swallows=swallows, replaces=replaces)
    got = probes.probe_with(student, name, probes.opener("r"), fail=fail)
    assert got["entered"] == "r"
    assert got["outcome"] == outcome
    assert probes.raised(got) == [left]
    assert got["events"] == events


def test_with_reports_a_failure_to_enter_and_a_blank_answer():
    student = student_with(closes_always=closes_always, blank=lambda opener: _blank())
    got = probes.probe_with(student, "closes_always", probes.opener("r", fail=True))
    assert got["outcome"] == "enter raised ConnectionError: could not open r"
    assert probes.raised(got) == ["ConnectionError"]
    assert probes.raised_message(got) == "could not open r"
    with pytest.raises(StudentError, match="not answered yet"):
        probes.probe_with(student, "blank", probes.opener("r"))


@contextlib.contextmanager
def _blank():
    raise NotImplementedError()
    yield  # pragma: no cover


def test_resources_report_what_each_exit_was_told():
    @contextlib.contextmanager
    def nested(opener):
        with opener() as resource:
            yield resource

    @contextlib.contextmanager
    def closed_by_hand(opener):
        resource = opener()
        try:
            yield resource
        finally:
            resource.close()

    student = student_with(nested=nested, closed_by_hand=closed_by_hand)
    got = probes.probe_with(student, "nested", probes.opener("r"), fail=True)
    assert got["events"] == ["open r", "enter r", "exit r with BodyError"]
    assert got["probes"]["r"]["exits"] == ["BodyError"]
    done = probes.probe_with(student, "nested", probes.opener("r"))
    assert done["events"] == ["open r", "enter r", "exit r"]
    by_hand = probes.probe_with(student, "closed_by_hand", probes.opener("r"), fail=True)
    assert by_hand["events"] == ["open r", "close r"]
    assert by_hand["probes"]["r"]["exits"] == []


def test_with_refuses_something_that_is_not_a_context_manager():
    student = student_with(plain=lambda opener: [opener])
    with pytest.raises(StudentError, match="not a context manager"):
        probes.probe_with(student, "plain", probes.opener("r"))


# ---- decorators ------------------------------------------------------------------------------


def test_decorate_reports_the_wrapper_and_each_step():
    def passthrough(log):
        def decorate(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                log(fn.__name__, len(args))
                return fn(*args, **kwargs)

            return wrapper

        return decorate

    target = probes.target(
        name="quote", doc="Quote a price.", fail_times=1, exception="TimeoutError"
    )
    got = probes.probe_decorate(
        student_with(passthrough=passthrough),
        "passthrough",
        target,
        [{"args": [1, 2]}, {"args": [3], "kwargs": {"k": 4}}, {"attr": "clear"}],
        probes.log(),
    )
    assert got["wrapper"] == {"name": "quote", "doc": "Quote a price.", "wrapped": True}
    assert got["steps"][0] == {"raised": "TimeoutError", "message": "attempt 1 failed"}
    assert probes.raised(got)[0] == "TimeoutError"
    assert got["steps"][1] == {"value": {"args": [3], "kwargs": {"k": 4}, "call": 2}}
    assert got["steps"][2] == {"missing": "clear"}
    assert got["probes"]["log"]["records"] == [["quote", 2], ["quote", 1]]
    assert got["probes"]["target"]["calls"] == [[[1, 2], {}], [[3], {"k": 4}]]


def test_a_target_can_raise_keyboard_interrupt_in_the_students_process_only():
    def guarded(log):
        def decorate(fn):
            def wrapper(*args):
                try:
                    return fn(*args)
                except Exception:
                    log("caught an Exception")  # a Ctrl-C is no Exception: never logged
                    raise
                finally:
                    log("finally")

            return wrapper

        return decorate

    target = probes.target(name="work", fail_times=1, exception="KeyboardInterrupt")
    got = probes.probe_decorate(
        student_with(guarded=guarded),
        "guarded",
        target,
        [{"args": []}, {"args": []}],
        probes.log(),
    )
    assert got["steps"][0]["raised"] == "KeyboardInterrupt"
    assert "value" in got["steps"][1]
    assert got["probes"]["log"]["records"] == ["finally", "finally"]


def test_a_script_can_pass_the_same_database_again():
    db = probes.database(tables={"t": {"columns": [["x", "INTEGER"]], "rows": [[1], [2]]}})
    got = probes.probe_decorate(
        student_with(plain=lambda fn: fn),
        "plain",
        probes.target(name="write", sql=["INSERT INTO t VALUES (3)"]),
        [{"args": [db]}, {"args": [probes.same_database()]}],
        factory=False,
    )
    assert [s["value"]["call"] for s in got["steps"]] == [1, 2]
    assert got["probes"]["db"]["executed"] == ["INSERT INTO t VALUES (3)"] * 2


def test_a_fake_clock_is_shared_by_sleep_work_and_script_steps():
    def timer(clock, sleep):
        def decorate(fn):
            def wrapper():
                start = clock()
                fn()
                sleep(0.5)
                return clock() - start

            return wrapper

        return decorate

    target = probes.target(cost=2.0, clock="clock")
    got = probes.probe_decorate(
        student_with(timer=timer),
        "timer",
        target,
        [{"args": []}, {"advance": 10}, {"args": []}],
        probes.clock(),
        probes.sleep(),
    )
    assert [s.get("value") for s in got["steps"]] == [2.5, None, 2.5]
    assert got["probes"]["clock"]["sleeps"] == [0.5, 0.5]
    assert got["probes"]["clock"]["now"] == 1000.0 + 2.5 + 10 + 2.5


def test_rand_cycles_and_exceptions_decode_to_classes():
    def sample(rand, errors):
        return [rand() for _ in range(3)] + [e.__name__ for e in errors]

    got = probes.probe_call(
        student_with(sample=sample),
        "sample",
        probes.rand([0.1, 0.9]),
        probes.exceptions("ValueError", "KeyError"),
    )
    assert got["value"] == [0.1, 0.9, 0.1, "ValueError", "KeyError"]
    with pytest.raises(ValueError, match="unknown exception"):
        probes.exception("SystemExit")


def test_each_request_starts_with_fresh_probes():
    student = student_with(one=lambda items: next(items))
    first = probes.probe_call(student, "one", probes.source(probe_id="a"))
    second = probes.probe_call(student, "one", probes.source(probe_id="b"))
    assert list(first["probes"]) == ["a"] and list(second["probes"]) == ["b"]
    assert second["probes"]["b"]["pulled"] == 1


# ---- the grader records; the student's process only asks -------------------------------------


def test_student_written_sql_never_runs_in_the_grader():
    def own_sql(con):
        return con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()

    got_error = None
    try:
        probes.probe_call(student_with(own_sql=own_sql), "own_sql", probes.database(tables=TABLES))
    except StudentError as exc:
        got_error = str(exc)
    assert got_error and "PermissionError" in got_error and "transaction control" in got_error


def test_transaction_control_is_the_only_sql_the_student_may_add():
    def explicit(con, statement):
        con.execute("BEGIN TRANSACTION")
        con.execute(statement)
        con.execute("ROLLBACK")
        return "ok"

    got = probes.probe_call(
        student_with(explicit=explicit),
        "explicit",
        probes.database(tables=TABLES, snapshot=["t"]),
        "DELETE FROM t",
    )
    assert got["value"] == "ok"
    assert got["probes"]["db"]["tables"]["t"] == TABLES["t"]["rows"]


def test_a_stub_holds_no_data_and_counts_nothing():
    def look(items):
        return sorted(k for k in vars(items) if not k.startswith("__"))

    got = probes.probe_call(student_with(look=look), "look", probes.source(items=[1, 2, 3]))
    assert got["value"] == ["_buffer", "_chunk", "_done", "probe_id"]
    assert got["probes"]["source"] == {"pulled": 0, "exhausted": False}


def test_probes_only_answer_while_a_check_is_asking():
    kept = {}

    def keep(items):
        kept["items"] = items
        return 1

    probes.probe_call(student_with(keep=keep), "keep", probes.source(items=[1]))
    with pytest.raises(RuntimeError, match="only while a check is asking"):
        next(kept["items"])


def test_a_stub_asking_for_a_method_the_recorder_lacks_is_refused():
    from prodev.probes import stubs

    def sneaky(items):
        return stubs.ask(items.probe_id, "report")

    with pytest.raises(StudentError, match="no such probe call"):
        probes.probe_call(student_with(sneaky=sneaky), "sneaky", probes.source(items=[1]))


def test_an_endless_loop_of_probe_calls_is_stopped():
    def spin(clock):
        while True:
            clock()

    with pytest.raises(StudentError, match="calls on the probes"):
        probes.probe_call(student_with(spin=spin), "spin", probes.clock())


# ---- async decorators --------------------------------------------------------------------------


def _async_retry(wait_with):
    """A small async retry: `wait_with` is "await" (the async sleep) or "block" (the sleep)."""

    def retrying(attempts, sleep, async_sleep):
        def decorate(fn):
            @functools.wraps(fn)
            async def wrapper(*args):
                for n in range(attempts):
                    try:
                        return await fn(*args)
                    except ConnectionError:
                        if n == attempts - 1:
                            raise
                    if wait_with == "await":
                        await async_sleep(0.25 * (n + 1))
                    else:
                        sleep(0.25 * (n + 1))

            return wrapper

        return decorate

    return retrying


def _run_async(answer, target, cancel_wait=None, attempts=3):
    return probes.probe_decorate_async(
        student_with(retrying=answer),
        "retrying",
        target,
        [{"args": [5]}],
        attempts,
        probes.sleep(),
        probes.async_sleep(cancel_on=cancel_wait),
    )


def test_awaited_waits_are_recorded_with_the_turns_other_tasks_took_during_them():
    got = _run_async(
        _async_retry("await"), probes.target(name="hold", fail_times=2, coroutine=True)
    )
    assert got["wrapper"]["coroutine_function"] and got["wrapper"]["name"] == "hold"
    assert got["steps"] == [{"value": {"args": [5], "kwargs": {}, "call": 3}}]
    assert probes.raised(got) == [None]
    waits = got["probes"]["clock"]["waits"]
    assert [(w["seconds"], w["awaited"], w["ended"]) for w in waits] == [
        (0.25, True, True),
        (0.5, True, True),
    ]
    assert all(w["ticks"] > 0 for w in waits)
    assert got["probes"]["clock"]["sleeps"] == [0.25, 0.5]


def test_a_blocking_wait_in_an_async_wrapper_lets_no_other_task_run():
    got = _run_async(
        _async_retry("block"), probes.target(name="hold", fail_times=1, coroutine=True)
    )
    assert "value" in got["steps"][0]
    assert got["probes"]["clock"]["waits"] == [{"seconds": 0.25, "awaited": False, "ticks": 0}]


def test_a_plain_wrapper_returns_the_coroutine_and_the_call_runs_once():
    def passing(attempts, sleep, async_sleep):
        def decorate(fn):
            def wrapper(*args):
                try:
                    return fn(*args)  # a coroutine: nothing has run yet
                except ConnectionError:
                    return "retried"

            return wrapper

        return decorate

    got = _run_async(passing, probes.target(name="hold", fail_times=1, coroutine=True))
    assert not got["wrapper"]["coroutine_function"]
    assert got["steps"] == [{"raised": "ConnectionError", "message": "attempt 1 failed"}]
    assert (probes.raised(got), probes.raised_message(got)) == (
        ["ConnectionError"],
        "attempt 1 failed",
    )
    assert len(got["probes"]["target"]["calls"]) == 1


def test_the_grader_cancels_the_awaiting_task_during_a_call_or_a_wait():
    during_call = _run_async(
        _async_retry("await"), probes.target(name="hold", cancel_on=1, coroutine=True)
    )
    assert during_call["steps"] == [{"cancelled": True}]
    assert probes.raised(during_call) == ["CancelledError"]
    assert len(during_call["probes"]["target"]["calls"]) == 1
    during_wait = _run_async(
        _async_retry("await"), probes.target(name="hold", fail_times=5, coroutine=True), 2
    )
    assert during_wait["steps"] == [{"cancelled": True}]
    assert len(during_wait["probes"]["target"]["calls"]) == 2
    waits = during_wait["probes"]["clock"]["waits"]
    assert [w.get("cancelled", False) for w in waits] == [False, True]
    assert not waits[1]["ended"]


def test_a_cancellation_caught_and_retried_is_seen_by_the_grader():
    def stubborn(attempts, sleep, async_sleep):
        def decorate(fn):
            async def wrapper(*args):
                for _ in range(attempts):
                    try:
                        return await fn(*args)
                    except BaseException:  # a cancellation too
                        await async_sleep(1)
                return None

            return wrapper

        return decorate

    got = _run_async(stubborn, probes.target(name="hold", cancel_on=1, coroutine=True))
    assert len(got["probes"]["target"]["calls"]) == 2  # the cancelled call, then a retry
    assert got["steps"] == [{"value": {"args": [5], "kwargs": {}, "call": 2}}]
