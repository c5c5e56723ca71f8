"""Grading students' test suites, the grader's side: build mutants of a lab's component, run the
student's test classes against them in fresh jobs (see prodev.probes.suites), and judge the
verdicts.

Each run of a class against one implementation is its own job: a fresh sandboxed process holding
the lab's locked cells and the student's answer cells, reset afterwards. The implementations of
a check run in a random order, and each is *disguised* (rewritten from its syntax tree with a
random no-op in every function), so a test can tell them apart only by what they do.

Messages of hidden checks are this module's own words: nothing a student's test printed or raised
is quoted unless the caller asks for `details` (public checks, on visible mutants).
"""

from __future__ import annotations

import ast
import random
import secrets
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev.probes.suites import EXIT, MODULE_KIND, SUITE_JOB
from prodev.runtime.registry import FRESH_OP

# Longest quoted failure (public checks only).
_DETAIL_CHARS = 300


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


def disguise(source: str, rng: random.Random | None = None) -> str:
    """The same module written differently: regenerated from its syntax tree (comments and
    layout go) with an unused local of a random name and value at the top of every function.

    Behaviour is unchanged; the text, the bytecode and the constants of every function differ on
    every call, so a test that recognises the reference by its code recognises nothing.
    """
    rng = rng or random.SystemRandom()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"_{secrets.token_hex(4)}"
            noise = ast.Assign(
                targets=[ast.Name(id=name, ctx=ast.Store())],
                value=ast.Constant(rng.randrange(1, 10**9)),
            )
            first = node.body[0] if node.body else None
            has_doc = (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            )
            node.body.insert(1 if has_doc else 0, noise)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


@dataclass(frozen=True)
class Verdict:
    """How one run of a test class on one implementation ended.

    `status` is passed, failed, missing, not_a_class, no_tests, not_collected, crashed or
    timeout, read from the job's exit status. `detail` quotes the first failure the student's
    tests reported; it is filled only when the caller asked for details.
    """

    status: str
    detail: str = ""


# Per student (the submission being graded), the verdict of each suite on the reference: every
# check of a question starts with it, and one run of it is enough.
_ON_REFERENCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def run_suite(
    student: Any,
    suite: str,
    module_name: str,
    sources: Sequence[str],
    *,
    fixture: str | None = None,
    details: bool = False,
) -> list[Verdict]:
    """Run test class `suite` once per source, each in its own fresh job.

    The first source is the reference: its verdict is kept for the student's later checks, and
    when the suite does not pass on it the other sources are not run (their verdicts say
    `not_run`). The others run in a random order.
    """

    def one(source: str, details: bool = details) -> Verdict:
        reply = student.ask(
            {
                "op": FRESH_OP,
                "job": SUITE_JOB,
                "with_cells": True,
                "payload": {
                    "suite": suite,
                    "module": module_name,
                    "fixture": fixture or module_name,
                    "source": disguise(source),
                },
            }
        )
        return _verdict(reply, details)

    owner = getattr(student, "target", student)  # the grader's batch wraps each submission
    try:
        known = _ON_REFERENCE.setdefault(owner, {})
    except TypeError:  # not weakly referenceable: no memory between checks
        known = {}
    # Kept with its detail, so that public checks (which quote it) and hidden ones (which never
    # do) share one run; a hidden check gets it without.
    key = (suite, module_name, fixture, sources[0])
    if key not in known:
        known[key] = one(sources[0], details=True)
    on_reference = known[key]
    verdicts = {0: on_reference if details else Verdict(on_reference.status)}
    order = list(range(1, len(sources)))
    random.SystemRandom().shuffle(order)
    for index in order:
        verdicts[index] = (
            one(sources[index]) if verdicts[0].status == "passed" else Verdict("not_run")
        )
    return [verdicts[i] for i in range(len(sources))]


def _verdict(reply: Any, details: bool) -> Verdict:
    if not isinstance(reply, dict):
        return Verdict("crashed")
    if reply.get("timed_out"):
        return Verdict("timeout")
    code = reply.get("exit")
    status = EXIT.get(code, "crashed") if type(code) is int else "crashed"
    detail = ""
    report = reply.get("report")
    if details and isinstance(report, dict):
        failed = report.get("failed")
        error = report.get("error")
        if isinstance(error, str) and error:
            detail = error
        elif isinstance(failed, dict) and failed:
            name, message = next(iter(failed.items()))
            detail = f"{name}: {message}"
    return Verdict(status, str(detail)[:_DETAIL_CHARS])


def correct_problem(
    suite: str, verdict: Verdict, what: str = "the correct implementation"
) -> str | None:
    """Why a suite's run on a correct implementation is not acceptable, or None if it is."""
    more = f" (first: {verdict.detail})" if verdict.detail else ""
    problems = {
        "passed": None,
        "missing": (
            f"`{suite}` is not defined: write your tests in `class {suite}:` (in place of "
            "`raise NotImplementedError()`) in its answer cell and run it"
        ),
        "not_a_class": f"`{suite}` should be a class of tests (class {suite}: ...)",
        "no_tests": f"{suite} has no tests yet: add methods named test_... to the class",
        "not_collected": f"{suite} could not be collected by pytest{more}",
        "failed": (f"tests in {suite} fail on {what}, so they would reject working code{more}"),
        "timeout": f"{suite} did not finish in time on {what}: look for a test that waits forever",
        "crashed": f"running {suite} on {what} ended the test process (did a test exit?)",
    }
    return problems.get(verdict.status, problems["crashed"])


def caught(verdict: Verdict) -> bool:
    """True if the suite did not pass on this implementation (a test failed, or it broke)."""
    return verdict.status != "passed"


def assert_catches(
    student: Any,
    suite: str,
    module_name: str,
    reference: str,
    mutant: str,
    mutant_is: str,
    *,
    fixture: str | None = None,
    rewrites: Sequence[str] = (),
    details: bool = False,
) -> None:
    """Fail unless `suite` passes on `reference` (and on each correct `rewrites`) and at least
    one of its tests fails on `mutant`.

    `mutant_is` describes the bug in words for the student ("nights() that counts the check-out
    day too"); the mutant's source never appears in a message. `details` quotes the student's
    first failing test (public checks only).
    """
    verdicts = run_suite(
        student, suite, module_name, [reference, *rewrites, mutant],
        fixture=fixture, details=details,
    )  # fmt: skip
    problem = correct_problem(suite, verdicts[0])
    assert problem is None, problem
    for verdict in verdicts[1:-1]:
        problem = correct_problem(suite, verdict, "a rewritten but correct implementation")
        assert problem is None, problem + ": test what the function promises, not how it is written"
    assert caught(verdicts[-1]), (
        f"every test in {suite} passed on {mutant_is}: add a test that this bug would fail"
    )


def assert_accepts(
    student: Any,
    suite: str,
    module_name: str,
    reference: str,
    variant: str,
    mutant: str,
    *,
    fixture: str | None = None,
    details: bool = False,
    mutant_is: str | None = None,
) -> None:
    """Fail unless `suite` passes on `reference` and on a rewritten but correct `variant`, and
    catches `mutant` (so that a suite that checks nothing earns nothing here). With `mutant_is`
    (the bug in words), a mutant that survives is named as `assert_catches` names it."""
    on_reference, on_variant, on_mutant = run_suite(
        student, suite, module_name, [reference, variant, mutant],
        fixture=fixture, details=details,
    )  # fmt: skip
    problem = correct_problem(suite, on_reference)
    assert problem is None, problem
    if on_variant.status != "passed":
        more = f" ({on_variant.detail})" if on_variant.detail else ""
        raise AssertionError(
            f"{suite} fails on a rewritten but correct implementation{more}: test what the "
            "function promises (its results and errors), not how it is written"
        )
    if mutant_is is not None:
        assert caught(on_mutant), (
            f"every test in {suite} passed on {mutant_is}: add a test that this bug would fail"
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


__all__ = [
    "Verdict",
    "assert_accepts",
    "assert_catches",
    "caught",
    "component_source",
    "correct_problem",
    "disguise",
    "module_arg",
    "mutate",
    "run_suite",
]
