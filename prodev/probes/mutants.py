"""Grading students' test suites, the grader's side: build mutants of a lab's component, send
them to the student's `run_tests`, and judge the JSON summaries (see prodev.probes.suites).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from prodev.probes.suites import MODULE_KIND


def module_arg(name: str, source: str) -> dict[str, str]:
    """An argument that arrives in the student's process as a module built from `source`."""
    return {"__prodev__": MODULE_KIND, "name": name, "source": source}


def mutate(source: str, *replacements: tuple[str, str]) -> str:
    """`source` with each `old` replaced by `new`; each `old` must occur exactly once.

    Mutants are written as small edits of the reference, so they follow it when it changes and a
    stale edit fails loudly here (and in the course's tests) instead of grading nonsense.
    """
    for old, new in replacements:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"mutation target {old!r} occurs {count} times; it must occur once")
        source = source.replace(old, new)
    return source


def correct_problem(suite: str, result: Mapping[str, Any]) -> str | None:
    """Why a suite's run on a correct implementation is not acceptable, or None if it is."""
    if result.get("error"):
        return f"{suite} could not be collected by pytest: {result['error']}"
    if not result["tests"]:
        return f"{suite} has no tests yet: add methods named test_... to the class"
    if result["failed"]:
        name, message = next(iter(result["failed"].items()))
        return (
            f"{len(result['failed'])} of {result['tests']} tests in {suite} fail on the correct "
            f"implementation, so they would reject working code (first: {name}: {message})"
        )
    return None


def caught(result: Mapping[str, Any]) -> bool:
    """True if at least one test failed (or errored) on this implementation."""
    return bool(result["failed"]) or bool(result.get("error"))


def _run_suite(student: Any, suite: str, module_name: str, sources: Sequence[str]) -> list[Any]:
    if not student.has(suite):
        raise AssertionError(
            f"`{suite}` is not defined: write your tests in `class {suite}:` (in place of "
            "`raise NotImplementedError()`) and run its cell"
        )
    args = [module_arg(module_name, source) for source in sources]
    return student.call("run_tests", suite, args)


def assert_catches(
    student: Any, suite: str, module_name: str, reference: str, mutant: str, mutant_is: str
) -> None:
    """Fail unless `suite` passes on `reference` and at least one of its tests fails on `mutant`.

    `mutant_is` describes the bug in words for the student ("nights() that counts the check-out
    day too"); the mutant's source never appears in a message.
    """
    on_reference, on_mutant = _run_suite(student, suite, module_name, [reference, mutant])
    problem = correct_problem(suite, on_reference)
    assert problem is None, problem
    assert caught(on_mutant), (
        f"every test in {suite} passed on {mutant_is}: add a test that this bug would fail"
    )


def assert_accepts(
    student: Any, suite: str, module_name: str, reference: str, variant: str, mutant: str
) -> None:
    """Fail unless `suite` passes on `reference` and on a rewritten but correct `variant`, and
    catches `mutant` (so that a suite that checks nothing earns nothing here)."""
    on_reference, on_variant, on_mutant = _run_suite(
        student, suite, module_name, [reference, variant, mutant]
    )
    problem = correct_problem(suite, on_reference)
    assert problem is None, problem
    if on_variant["failed"]:
        name, message = next(iter(on_variant["failed"].items()))
        raise AssertionError(
            f"{name} fails on a rewritten but correct implementation ({message}): test what the "
            "function promises (its results and errors), not how it is written"
        )
    assert caught(on_mutant), f"{suite} catches none of the bugs it is meant to catch yet"


def component_source(lab: str, filename: str, beside: Path | None = None) -> str:
    """The source of a lab's component: from the folder `beside` (the lab a check sits in) if it
    is there, else from the course's own copy in labs/ or solutions/."""
    from prodev.course.layout import Course, Lab

    where = Lab(Course.load(), lab)
    candidates = [beside / filename] if beside is not None else []
    candidates += [where.release_dir / filename, where.source_dir / filename]
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(
        f"{filename} is missing from the lab folder: restore it from labs/{lab}/ of the course"
    )
