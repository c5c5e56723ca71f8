"""How the machinery behind labs 03 (tests that catch mutants) and 08 (async clients) behaves.

tests/content/test_labs.py proves each lab both ways; these tests pin down the parts a lab relies
on: the suite runner never credits a suite that cannot fail, mutants are exact edits, and coroutine
answers run to completion whether or not an event loop is already running.
"""

from __future__ import annotations

import asyncio
import json
import linecache
import textwrap
import types

import pytest

from prodev.checking.student import InProcessStudent
from prodev.probes.mutants import (
    Verdict,
    assert_accepts,
    assert_catches,
    caught,
    correct_problem,
    disguise,
    module_arg,
    mutate,
    run_suite,
)
from prodev.probes.suites import (
    EXIT,
    HYPOTHESIS_MAX_EXAMPLES,
    build_module,
    run_suite_job,
    suite_runner,
)
from prodev.runtime.registry import FRESH_OP
from prodev.runtime.serve import serve

COMPONENT = textwrap.dedent(
    '''
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Stay:
        nights: int

    def price(stay, rate):
        """Nights times the rate; ValueError for an empty stay."""
        if stay.nights < 1:
            raise ValueError("empty stay")
        return stay.nights * rate
    '''
)
MUTANT = mutate(COMPONENT, ("if stay.nights < 1:", "if stay.nights < 0:"))


def notebook(source: str) -> dict:
    """A namespace as a notebook would have it after running `source` and the lab's setup."""
    namespace: dict = {"__name__": "__main__"}
    code = "import pytest\nfrom unittest import mock\n" + textwrap.dedent(source)
    filename = f"<notebook cell {len(linecache.cache)}>"  # IPython keeps cell sources likewise
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    exec(compile(code, filename, "exec"), namespace)
    namespace["run_tests"] = suite_runner(namespace, "component", "component")
    return namespace


GOOD = """
class TestPrice:
    def test_two_nights(self, component):
        assert component.price(component.Stay(2), 50) == 100

    def test_empty_stay(self, component):
        with pytest.raises(ValueError):
            component.price(component.Stay(0), 50)
"""


def run(namespace: dict, *sources: str) -> list[dict]:
    modules = [build_module(module_arg("component", s)) for s in sources]
    return namespace["run_tests"]("TestPrice", modules)


def verdict_of(result: dict) -> Verdict:
    """The verdict a suite job gives for this run of a class (see run_suite_job)."""
    if result["error"]:
        return Verdict("not_collected", result["error"])
    if not result["tests"]:
        return Verdict("no_tests")
    return Verdict("failed" if result["failed"] else "passed")


def test_a_good_suite_passes_the_reference_and_catches_the_mutant() -> None:
    on_reference, on_mutant = run(notebook(GOOD), COMPONENT, MUTANT)
    assert correct_problem("TestPrice", verdict_of(on_reference)) is None
    assert on_reference["passed"] == ["TestPrice::test_two_nights", "TestPrice::test_empty_stay"]
    assert caught(verdict_of(on_mutant))
    assert list(on_mutant["failed"]) == ["TestPrice::test_empty_stay"]


def test_a_suite_that_asserts_nothing_catches_nothing() -> None:
    silent = notebook(
        """
        class TestPrice:
            def test_runs(self, component):
                component.price(component.Stay(2), 50)
        """
    )
    on_reference, on_mutant = run(silent, COMPONENT, MUTANT)
    assert correct_problem("TestPrice", verdict_of(on_reference)) is None
    assert not caught(verdict_of(on_mutant))
    student = InProcessStudent(silent)
    with pytest.raises(AssertionError, match="every test in TestPrice passed"):
        assert_catches(student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant")


def test_a_suite_that_always_fails_earns_nothing() -> None:
    failing = notebook(
        """
        class TestPrice:
            def test_never(self, component):
                assert False, "always"
        """
    )
    student = InProcessStudent(failing)
    with pytest.raises(AssertionError, match="fail on the correct implementation"):
        assert_catches(student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant")
    variant = mutate(COMPONENT, ("return stay.nights * rate", "return rate * stay.nights"))
    with pytest.raises(AssertionError, match="fail on the correct implementation"):
        assert_accepts(student, "TestPrice", "component", COMPONENT, variant, MUTANT)


def test_an_empty_class_and_a_skipped_test_score_nothing() -> None:
    empty = run(notebook("class TestPrice:\n    pass\n"), COMPONENT)[0]
    assert "has no tests" in correct_problem("TestPrice", verdict_of(empty))
    skipping = notebook(
        """
        class TestPrice:
            @pytest.mark.skip(reason="later")
            def test_later(self, component):
                assert component.price(component.Stay(2), 50) == 100
        """
    )
    (result,) = run(skipping, COMPONENT)
    assert result["failed"] == {"TestPrice::test_later": "skipped: a skipped test checks nothing"}


def test_notebook_fixtures_imports_and_patches_see_the_module_under_test() -> None:
    namespace = notebook(
        """
        @pytest.fixture
        def rate():
            return 50

        class TestPrice:
            def test_fixture_and_import(self, component, rate):
                import component as imported
                assert imported is component
                assert component.price(component.Stay(2), rate) == 100

            def test_patch_by_module_path(self, component):
                with mock.patch("component.price", return_value=1):
                    assert component.price(None, None) == 1
        """
    )
    on_reference, on_mutant = run(namespace, COMPONENT, MUTANT)
    assert on_reference["failed"] == {} and on_reference["tests"] == 2
    assert on_mutant["failed"] == {}  # neither test looks at empty stays


def test_parametrized_ids_drop_the_implementation_id() -> None:
    namespace = notebook(
        """
        class TestPrice:
            @pytest.mark.parametrize("nights", [1, 3])
            def test_nights(self, component, nights):
                assert component.price(component.Stay(nights), 10) == 10 * nights
        """
    )
    on_reference, on_other = run(namespace, COMPONENT, MUTANT)
    assert on_reference["passed"] == ["TestPrice::test_nights[1]", "TestPrice::test_nights[3]"]
    assert on_other["passed"] == on_reference["passed"]


def test_a_class_pytest_cannot_collect_is_reported() -> None:
    broken = notebook(
        """
        class TestPrice:
            def test_unknown_fixture(self, no_such_fixture):
                pass
        """
    )
    (result,) = run(broken, COMPONENT)
    assert "no_such_fixture" in result["failed"]["TestPrice::test_unknown_fixture"]
    assert correct_problem("TestPrice", verdict_of(result)) is not None


def test_results_cross_as_json_and_missing_classes_are_explained() -> None:
    namespace = notebook(GOOD)
    reply = json.loads(
        serve(
            namespace,
            {
                "op": "call",
                "name": "run_tests",
                "args": ["TestPrice", [module_arg("component", COMPONENT)]],
            },
        )
    )
    assert reply["ok"] and reply["value"][0]["tests"] == 2
    with pytest.raises(AssertionError, match="`TestNothing` is not defined"):
        assert_catches(
            InProcessStudent(namespace), "TestNothing", "component", COMPONENT, MUTANT, "x"
        )


PROPERTY = """
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEN = []


class TestPrice:
    # Asks for what grading must not allow: random examples, far too many, a deadline, a database.
    @settings(derandomize=False, max_examples=5000, deadline=10)
    @given(nights=st.integers(min_value=1, max_value=10_000))
    def test_price_grows_with_the_nights(self, component, nights):
        SEEN.append(nights)
        stay, longer = component.Stay(nights), component.Stay(nights + 1)
        assert component.price(longer, 50) > component.price(stay, 50)
"""


def test_given_tests_run_derandomised_and_bounded_and_write_nothing_here(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = notebook(PROPERTY)
    first = run(namespace, COMPONENT, COMPONENT)  # one class, two modules: two executors
    examples = list(namespace["SEEN"])
    namespace["SEEN"].clear()
    second = run(namespace, COMPONENT)
    assert [r["failed"] for r in first + second] == [{}, {}, {}]
    assert len(examples) <= 2 * HYPOTHESIS_MAX_EXAMPLES, "the harness caps max_examples"
    assert examples[: len(examples) // 2] == namespace["SEEN"], "the same examples every run"
    assert not (tmp_path / ".hypothesis").exists()


def test_a_failing_property_reports_its_example_without_noise() -> None:
    broken = mutate(COMPONENT, ("return stay.nights * rate", "return min(stay.nights, 999) * rate"))
    (result,) = run(notebook(PROPERTY), broken)
    (message,) = result["failed"].values()
    assert "failing example" in message and "nights=999" in message
    assert "object at 0x" not in message and "<module" not in message


def test_mutate_insists_on_exactly_one_match() -> None:
    with pytest.raises(ValueError, match="occurs 0 times"):
        mutate(COMPONENT, ("no such text", "x"))
    with pytest.raises(ValueError, match="occurs 5 times"):
        mutate(COMPONENT, ("stay", "x"))


def test_the_module_decoder_builds_a_fresh_module_each_time() -> None:
    first = build_module(module_arg("component", COMPONENT))
    second = build_module(module_arg("component", MUTANT))
    assert isinstance(first, types.ModuleType) and first is not second
    assert first.price(first.Stay(1), 5) == 5
    with pytest.raises(ValueError):
        first.price(first.Stay(0), 5)
    assert second.price(second.Stay(0), 5) == 0


async def doubled(x: int) -> int:
    await asyncio.sleep(0.01)
    return 2 * x


def test_coroutine_answers_run_to_completion() -> None:
    reply = json.loads(serve({"f": doubled}, {"op": "call", "name": "f", "args": [21]}))
    assert reply == {"ok": True, "value": 42}


def test_coroutine_answers_run_inside_a_running_loop_too() -> None:
    """A self-check runs in a Jupyter kernel, whose event loop is already running."""

    async def from_a_kernel() -> dict:
        return json.loads(serve({"f": doubled}, {"op": "call", "name": "f", "args": [4]}))

    assert asyncio.run(from_a_kernel()) == {"ok": True, "value": 8}


def test_a_failing_bare_assert_is_reported_with_its_line() -> None:
    namespace = notebook(
        """
        class TestPrice:
            def test_three_nights(self, component):
                assert component.price(component.Stay(3), 10) == 31
        """
    )
    (result,) = run(namespace, COMPONENT)
    message = result["failed"]["TestPrice::test_three_nights"]
    assert message == (
        "call: AssertionError: assert component.price(component.Stay(3), 10) == 31"
    ), message


def test_a_suite_job_says_its_verdict_in_its_exit_status() -> None:
    namespace = notebook(GOOD)
    job = {"suite": "TestPrice", "module": "component", "source": COMPONENT}
    assert EXIT[run_suite_job(job, namespace)[0]] == "passed"
    assert EXIT[run_suite_job({**job, "source": MUTANT}, namespace)[0]] == "failed"
    assert EXIT[run_suite_job({**job, "suite": "TestOther"}, namespace)[0]] == "missing"
    assert EXIT[run_suite_job({**job, "suite": "mock"}, namespace)[0]] == "not_a_class"


def test_a_fresh_job_runs_only_the_cells_it_is_given() -> None:
    cells = ["import pytest", GOOD, "class TestOther:\n    pass\n"]
    job = {"suite": "TestPrice", "module": "component", "source": COMPONENT, "cells": cells}
    assert EXIT[run_suite_job(job, None)[0]] == "passed"
    assert EXIT[run_suite_job({**job, "cells": cells[:1]}, None)[0]] == "missing"


def test_disguise_keeps_behaviour_and_changes_the_code_every_time() -> None:
    first, second = disguise(COMPONENT), disguise(COMPONENT)
    assert first != second != COMPONENT
    one, two = build_module(module_arg("c", first)), build_module(module_arg("c", second))
    assert one.price(one.Stay(3), 5) == two.price(two.Stay(3), 5) == 15
    assert one.price.__doc__ == two.price.__doc__  # docstrings stay first
    assert one.price.__code__.co_code != two.price.__code__.co_code or (
        one.price.__code__.co_consts != two.price.__code__.co_consts
    )


def test_a_test_that_recognises_the_reference_by_its_code_earns_nothing() -> None:
    reference = build_module(module_arg("component", COMPONENT))
    fingerprint = reference.price.__code__.co_code.hex()
    namespace = notebook(
        f"""
        class TestPrice:
            def test_is_the_reference(self, component):
                assert component.price.__code__.co_code.hex() == {fingerprint!r}
        """
    )
    student = InProcessStudent(namespace)
    verdicts = run_suite(student, "TestPrice", "component", [COMPONENT, MUTANT])
    assert verdicts == [Verdict("failed"), Verdict("not_run")]
    with pytest.raises(AssertionError, match="fail on the correct implementation"):
        assert_catches(student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant")


def test_hidden_runs_quote_nothing_a_test_raised() -> None:
    namespace = notebook(
        """
        class TestPrice:
            def test_leak(self, component):
                raise AssertionError("SECRET-" + str(component.price.__code__.co_consts))
        """
    )
    student = InProcessStudent(namespace)
    with pytest.raises(AssertionError) as hidden:
        assert_catches(student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant")
    assert "SECRET" not in str(hidden.value)
    with pytest.raises(AssertionError) as public:
        assert_catches(
            student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant", details=True
        )
    assert "SECRET" in str(public.value)


def test_public_and_hidden_checks_share_one_run_on_the_reference_and_hidden_quotes_nothing():
    namespace = notebook(
        """
        class TestPrice:
            def test_leak(self, component):
                raise AssertionError("SECRET-" + str(component.price.__code__.co_consts))
        """
    )

    class Counting(InProcessStudent):
        jobs = 0

        def ask(self, request, callbacks=None):
            Counting.jobs += request.get("op") == FRESH_OP
            return super().ask(request, callbacks)

    student = Counting(namespace)
    with pytest.raises(AssertionError) as public:  # the public check first, quoting the failure
        assert_catches(
            student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant", details=True
        )
    with pytest.raises(AssertionError) as hidden:  # then a hidden one, on the same run
        assert_catches(student, "TestPrice", "component", COMPONENT, MUTANT, "a mutant")
    assert "SECRET" in str(public.value) and "SECRET" not in str(hidden.value)
    assert Counting.jobs == 1  # the reference, once; no mutant runs once it fails there
