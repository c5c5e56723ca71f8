"""Running test suites that students write against a correct implementation and mutants.

A test-writing lab gives students a component (a Python module in the lab folder) and asks for
pytest test classes. Grading asks one question of each class: does it pass on a correct
implementation and fail on a broken one (a *mutant*)?

- Grading runs each class against each implementation in a *fresh job* (`SUITE_JOB`): a child of
  the sandbox's warm parent in which only the lab's locked cells and the student's answer cells
  have run, with the module under test built by this code from the source the grader sent. The
  grader reads the verdict from the job's exit status (`EXIT`), seen by the warm parent, and the
  sandbox is reset between jobs, so no run can learn what an earlier one saw.
- In a self-check the same job runs in the student's own process, on the notebook's namespace.
- The setup cell's `run_tests = suite_runner(globals(), "stayhub_pricing", "pricing")` is a
  convenience for the student only: `run_tests("TestNights")` runs that class with real pytest
  against the real module and prints what passed and failed. Grading never calls it.

Tests written with Hypothesis (`@given`) run the same way everywhere, under the rules of
`HYPOTHESIS_RULES`: derandomised (the same examples on every run, so a grade never depends on
chance), no example database, no deadline (a busy machine must not fail a correct test), a bounded
number of examples, and Hypothesis's own files in a temporary folder, never `.hypothesis/` in the
lab folder.

The grader side (trusted checks: `mutate`, `disguise`, `assert_catches`...) is
`prodev.probes.mutants`. A mutant's source is sent only to a fresh job and is never echoed in a
hidden check's result.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import io
import os
import re
import shutil
import sys
import tempfile
import types
import uuid
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

MODULE_KIND = "module"
# An empty ini file so the project's or the lab folder's pytest settings never apply.
_EMPTY_INI = Path(__file__).parent.parent / "checking" / "checks.ini"
# Longest failure message kept per test: enough to read, never a page of traceback.
_MESSAGE_CHARS = 300

# Hypothesis, wherever a suite runs: the profile a notebook's @given tests start from, and what
# the harness imposes on each of them whatever its own @settings say (max_examples is capped).
HYPOTHESIS_PROFILE = "prodev"
HYPOTHESIS_RULES = {"derandomize": True, "database": None, "deadline": None}
HYPOTHESIS_EXAMPLES = 100  # the profile's max_examples
# The most a test may ask for with @settings(max_examples=...): a class of four such tests on
# year-long stays then runs in about a second, well inside the time a suite job is given.
HYPOTHESIS_MAX_EXAMPLES = 200
# Health checks that judge the machine or this harness, not the test: `too_slow` (a busy machine)
# and `differing_executors` (the harness runs a class once per module, a new instance each time).
_HYPOTHESIS_QUIET = ("too_slow", "differing_executors")
_hypothesis_home: str | None = None
# How Hypothesis introduces the example a failing test was called with.
_HYPOTHESIS_EXAMPLE = re.compile(r"(?:Falsifying example|Failing test case):(.*)", re.S)


# ---- student side -------------------------------------------------------------------------------


def use_hypothesis_profile(home: Path | None = None) -> None:
    """Load the course's Hypothesis profile in this process, if Hypothesis is installed.

    Tests defined after this inherit its settings. Hypothesis keeps its files (caches) in `home`,
    by default a temporary folder of this process (made only if Hypothesis writes), so nothing is
    written into the lab folder.
    """
    global _hypothesis_home
    try:
        from hypothesis import HealthCheck, settings
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError:
        return
    quiet = [HealthCheck[name] for name in _HYPOTHESIS_QUIET]
    settings.register_profile(
        HYPOTHESIS_PROFILE, max_examples=HYPOTHESIS_EXAMPLES, suppress_health_check=quiet,
        print_blob=False, **HYPOTHESIS_RULES,
    )  # fmt: skip
    settings.load_profile(HYPOTHESIS_PROFILE)
    if _hypothesis_home is None:
        _hypothesis_home = str(Path(tempfile.gettempdir()) / f"prodev-hypothesis-{os.getpid()}")
        atexit.register(shutil.rmtree, _hypothesis_home, ignore_errors=True)
    set_hypothesis_home_dir(home or _hypothesis_home)


class _HypothesisRules:
    """A pytest plugin that runs every @given test under `HYPOTHESIS_RULES`, whatever the test's
    own @settings say: a test cannot make its run random, slow or dependent on a database.

    With `shrink=False` (grading, where only the verdict counts) a failing example is not
    shrunk to a smaller one: the verdict is the same, and a mutant costs a third of the time.
    """

    def __init__(self, shrink: bool) -> None:
        self.shrink = shrink

    def pytest_runtest_call(self, item: Any) -> None:
        test = getattr(item.obj, "__func__", item.obj)
        if not getattr(test, "is_hypothesis_test", False):
            return
        from hypothesis import HealthCheck, Phase, settings

        own = test._hypothesis_internal_use_settings  # where @settings and @given keep them
        quiet = set(own.suppress_health_check) | {HealthCheck[n] for n in _HYPOTHESIS_QUIET}
        phases = [p for p in own.phases if self.shrink or p not in (Phase.shrink, Phase.explain)]
        test._hypothesis_internal_use_settings = settings(
            own, max_examples=min(own.max_examples, HYPOTHESIS_MAX_EXAMPLES),
            suppress_health_check=quiet, phases=phases, **HYPOTHESIS_RULES,
        )  # fmt: skip


def build_module(spec: Mapping[str, Any]) -> types.ModuleType:
    """Decoder: a fresh module named `spec["name"]` executed from `spec["source"]`."""
    name = str(spec["name"])
    module = types.ModuleType(name)
    module.__file__ = f"<{name} under test>"
    code = compile(str(spec["source"]), module.__file__, "exec")
    previous = sys.modules.get(name)
    sys.modules[name] = module  # dataclasses and pickling look their module up while it executes
    try:
        exec(code, module.__dict__)
    finally:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
    return module


# Kind -> builder, installed by prodev.runtime.registry.
DECODERS = {MODULE_KIND: build_module}


class SuiteResult(dict):
    """What one run of a test class did: `tests`, `passed` and `failed` (name -> message).

    A plain dict, so it crosses to the grader as JSON; it prints as a short report in a notebook.
    """

    def __repr__(self) -> str:
        lines = [f"{self['suite']}: {len(self['passed'])} passed, {len(self['failed'])} failed"]
        if self.get("error"):
            lines.append(f"  could not run: {self['error']}")
        lines += [f"  FAILED {name}: {message}" for name, message in self["failed"].items()]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


class _Recorder:
    """A pytest plugin that records each test's outcome, per implementation under test."""

    def __init__(self, count: int) -> None:
        self.passed: list[list[str]] = [[] for _ in range(count)]
        self.failed: list[dict[str, str]] = [{} for _ in range(count)]
        self.collect_errors: list[str] = []

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.collect_errors.append(_short(report))

    @staticmethod
    def where(item: Any, fixture_name: str) -> tuple[int, str]:
        """Which implementation a test item ran on, and the test's name without that id."""
        callspec = getattr(item, "callspec", None)
        index = callspec.indices.get(fixture_name, 0) if callspec else 0
        name = re.sub(r"(-|\[)impl\d+(?=[\]-])", r"\1", item.nodeid.split("::", 1)[-1])
        return index, name.replace("[]", "").replace("[-", "[").replace("-]", "]")

    def pytest_runtest_logreport(self, report: Any) -> None:
        index, name = getattr(report, "prodev_where", (0, report.nodeid))
        passed, failed = self.passed[index], self.failed[index]
        if report.failed:
            failed.setdefault(name, f"{report.when}: {_short(report)}")
            if name in passed:
                passed.remove(name)  # failed in teardown after passing its call
        elif report.when == "call" and report.passed and name not in failed:
            passed.append(name)
        elif report.skipped and report.when in ("setup", "call"):
            failed.setdefault(name, "skipped: a skipped test checks nothing")


def _fixture_plugin(
    fixture_name: str, module_name: str, modules: Sequence[types.ModuleType]
) -> types.ModuleType:
    """A plugin providing `fixture_name`: each module under test in turn, as pytest params.

    pytest reads the fixtures of a plugin from its type, so the plugin is a module object. While
    a module is under test it also stands in `sys.modules`, so `import stayhub_pricing` and
    `mock.patch("stayhub_pricing.x")` inside a test see the same module as the fixture.
    """
    import pytest

    @pytest.fixture(
        name=fixture_name, scope="module", params=list(modules),
        ids=[f"impl{i}" for i in range(len(modules))],
    )  # fmt: skip
    def provide(request: Any) -> Any:
        previous = sys.modules.get(module_name)
        sys.modules[module_name] = request.param
        yield request.param
        if previous is not None:
            sys.modules[module_name] = previous
        else:
            sys.modules.pop(module_name, None)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(item: Any, call: Any) -> Any:
        report = yield
        report.prodev_where = _Recorder.where(item, fixture_name)
        return report

    plugin = types.ModuleType(f"_prodev_fixture_{uuid.uuid4().hex}")
    plugin.provide = provide
    plugin.pytest_runtest_makereport = pytest_runtest_makereport
    return plugin


def _short(report: Any) -> str:
    """The one line of a failure worth reading: the exception, or pytest's own complaint."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else ""
    if not text or re.fullmatch(r".*:\d+", text):  # only a location: take the last real line
        lines = [line.strip() for line in str(report.longrepr).splitlines() if line.strip()]
        useful = [line for line in lines if line.startswith(("E ", "fixture '"))]
        text = (useful or lines or ["failed"])[-1].removeprefix("E ").strip()
    text, example = _hypothesis_example(text)
    if text == "AssertionError":  # a bare assert: show the line that failed
        failing = [
            line
            for line in str(report.longrepr).splitlines()
            if line.startswith(">") and "???" not in line  # ??? when the source is unknown
        ]
        if failing:
            text = f"AssertionError: {failing[-1].lstrip('>').strip()}"
    if example:
        text += f" (failing example: {example})"
    return re.sub(r"\s+", " ", text)[:_MESSAGE_CHARS]


def _hypothesis_example(text: str) -> tuple[str, str]:
    """A failure message split into the error and Hypothesis's failing example (or ""), the
    example without what says nothing: the test's `self`, the module under test, comments."""
    found = _HYPOTHESIS_EXAMPLE.search(text)
    if not found:
        return text, ""
    example = re.sub(r"#[^\n]*", "", found.group(1))
    example = re.sub(r"\b\w+=<(?:[^<>]|<[^<>]*>)*>,\s*", "", example)  # self=<...>, pricing=<...>
    return text[: found.start()].strip(), example.strip()


def _is_fixture(obj: Any) -> bool:
    return type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(
        obj, "_pytestfixturefunction"
    )


def _run_suite_on(
    namespace: Mapping[str, Any],
    suite: str,
    module_name: str,
    fixture: str,
    modules: Sequence[types.ModuleType],
    shrink: bool = True,
) -> list[SuiteResult]:
    """Run the test class `suite` once per module, in one pytest session (`shrink`: whether
    Hypothesis shrinks a failing example; see `_HypothesisRules`)."""
    import pytest

    fixtures = {k: v for k, v in namespace.items() if _is_fixture(v) and not k.startswith("_")}
    run_id = uuid.uuid4().hex  # pytest caches test modules by name: every run needs its own
    holder_name = f"_prodev_suite_{run_id}"
    holder = types.ModuleType(holder_name)
    holder.__dict__.update(fixtures)
    holder.__dict__[suite] = namespace[suite]
    recorder = _Recorder(len(modules))
    sys.modules[holder_name] = holder
    with tempfile.TemporaryDirectory(prefix="prodev-suite-") as tmp:
        test_file = Path(tmp) / f"test_{suite.lower()}_{run_id}.py"
        names = ", ".join([suite, *fixtures])
        test_file.write_text(f"from {holder_name} import {names}  # noqa: F401\n")
        # Plugins installed in the environment (nbval, ...) are not loaded: they cost a third of
        # a second per run and a student's suite needs none of them.
        args = [
            str(test_file), "-c", str(_EMPTY_INI), "--rootdir", tmp, "--disable-plugin-autoload",
            "--assert=plain", "--import-mode=importlib", "--capture=sys", "-q",
        ]  # fmt: skip
        if importlib.util.find_spec("pytest_timeout") is not None:
            args += ["-p", "pytest_timeout", "--timeout=10"]
        sink = io.StringIO()
        rules = _HypothesisRules(shrink)
        plugins = [recorder, _fixture_plugin(fixture, module_name, modules), rules]
        use_hypothesis_profile(home=Path(tmp) / "hypothesis")  # removed with the run's folder
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                code = pytest.main(args, plugins=plugins)
        finally:
            for name in [n for n in sys.modules if run_id in n]:
                del sys.modules[name]
            use_hypothesis_profile()
    error = ""
    if recorder.collect_errors:
        error = "; ".join(recorder.collect_errors)[:_MESSAGE_CHARS]
    elif code not in (
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        tail = sink.getvalue().strip().splitlines()[-1:] or [f"pytest exit code {int(code)}"]
        error = tail[0][:_MESSAGE_CHARS]
    return [
        SuiteResult(suite=suite, tests=len(passed) + len(failed), passed=passed, failed=failed,
                    error=error)
        for passed, failed in zip(recorder.passed, recorder.failed, strict=True)
    ]  # fmt: skip


def suite_runner(
    namespace: MutableMapping[str, Any], module_name: str, fixture: str
) -> Callable[..., Any]:
    """A `run_tests(suite, implementations=None)` function bound to a notebook's namespace.

    `suite` names a test class defined in the notebook. Its tests get the module under test from
    the fixture `fixture`; fixtures the notebook defines with `@pytest.fixture` are available too.
    With no implementations, the suite runs against the real `module_name` (the lab's file).
    """

    use_hypothesis_profile()  # before the notebook defines its tests, so they inherit it

    def run_tests(suite: str, implementations: Sequence[Any] | None = None) -> Any:
        if not isinstance(suite, str) or not suite.isidentifier():
            raise ValueError(f"name a test class, e.g. run_tests('TestNights'), not {suite!r}")
        if suite not in namespace:
            raise NameError(f"`{suite}` is not defined: run the cell that defines the class")
        if not isinstance(namespace[suite], type):
            raise TypeError(f"`{suite}` should be a class of tests (class {suite}: ...)")
        if implementations is None:
            real = _import_real(module_name)
            return _run_suite_on(namespace, suite, module_name, fixture, [real])[0]
        if not implementations:
            return []
        return _run_suite_on(namespace, suite, module_name, fixture, list(implementations))

    run_tests.__doc__ = (
        f"Run the tests of a class in this notebook against `{module_name}` "
        f"(the fixture `{fixture}`); returns what passed and what failed."
    )
    return run_tests


def _import_real(module_name: str) -> types.ModuleType:
    import importlib

    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    return importlib.import_module(module_name)


# ---- the fresh job that grading uses ---------------------------------------------------------

SUITE_JOB = "suite"
# Exit status of a suite job -> what it means. Anything else (a crash, a signal) is "crashed".
EXIT = {
    0: "passed",  # at least one test ran and every test passed
    1: "failed",  # at least one test failed, errored or was skipped
    3: "missing",  # the class is not defined
    4: "not_a_class",
    5: "no_tests",
    6: "not_collected",  # pytest could not collect the class
}
_CODES = {meaning: code for code, meaning in EXIT.items()}


def run_suite_job(
    payload: Mapping[str, Any], namespace: Mapping[str, Any] | None
) -> tuple[int, dict[str, Any]]:
    """Run test class `payload["suite"]` against a module built from `payload["source"]`.

    With no namespace (in grading) the payload's cells run first, in this fresh process. Returns
    the exit status that says the verdict, and a report (test names and messages) that a public
    check may quote; hidden checks never read it.
    """
    suite = str(payload["suite"])
    if namespace is None:
        from prodev.runtime.notebook import run_cells

        namespace = run_cells([str(c) for c in payload.get("cells", [])], Path.cwd()).namespace
    if not suite.isidentifier() or suite not in namespace:
        return _CODES["missing"], {"suite": suite}
    if not isinstance(namespace[suite], type):
        return _CODES["not_a_class"], {"suite": suite}
    module_name = str(payload["module"])
    module = build_module({"name": module_name, "source": str(payload["source"])})
    fixture = str(payload.get("fixture") or module_name)
    (result,) = _run_suite_on(namespace, suite, module_name, fixture, [module], shrink=False)
    if result["error"]:
        verdict = "not_collected"
    elif not result["tests"]:
        verdict = "no_tests"
    elif result["failed"]:
        verdict = "failed"
    else:
        verdict = "passed"
    return _CODES[verdict], dict(result)


def warm_up() -> None:
    """Run pytest once on an empty class, so that a process forked from this one (the sandbox's
    warm parent) finds pytest's own modules imported and starts each suite job quickly."""
    namespace = {"TestNothing": type("TestNothing", (), {})}
    _run_suite_on(namespace, "TestNothing", "_prodev_warm", "component", [types.ModuleType("m")])
    with contextlib.suppress(ImportError):  # property-based tests (lab 03) start warm too
        import hypothesis.strategies  # noqa: F401


# Job name -> job, installed by prodev.runtime.registry.
JOBS = {SUITE_JOB: run_suite_job}
