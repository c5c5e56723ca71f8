"""Run a lab's checks with pytest against one `Student` and collect per-check results."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from prodev.checking.checks import MARKER
from prodev.checking.student import Student, StudentError

# An empty ini file, so the project's own pytest settings never leak into check runs.
_INI = Path(__file__).with_name("checks.ini")


@dataclass
class CheckResult:
    question: str
    name: str
    points: float
    passed: bool
    message: str
    hidden: bool

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class ChecksPlugin:
    """Provides the check fixtures and records each check's outcome."""

    def __init__(
        self,
        student: Student,
        dataset: Callable[..., Path],
        public_seed: int,
        hidden_seed: int | None = None,
        hidden_roots: Iterable[Path] = (),
        questions: Iterable[str] | None = None,
    ):
        self._student = student
        self._dataset = dataset
        self.public_seed = public_seed
        self.hidden_seed = hidden_seed
        self.hidden_roots = [Path(p).resolve() for p in hidden_roots]
        self.questions = set(questions) if questions else None
        self.results: dict[str, CheckResult] = {}

    # ---- fixtures ---------------------------------------------------------------------------
    @pytest.fixture
    def student(self) -> Student:
        """The student's notebook, answering through JSON requests."""
        return self._student

    @pytest.fixture
    def stayhub(self) -> Path:
        """The small StayHub dataset the student also has (public seed)."""
        return self._dataset(seed=self.public_seed, size="small")

    @pytest.fixture
    def stayhub_unseen(self) -> Path:
        """A small StayHub dataset from a seed the student never saw (hidden checks only)."""
        if self.hidden_seed is None:
            pytest.skip("hidden checks run only when grading")
        return self._dataset(seed=self.hidden_seed, size="small")

    # ---- hooks ------------------------------------------------------------------------------
    def pytest_collection_modifyitems(self, config, items):
        if self.questions is None:
            return
        keep = [i for i in items if self._mark(i) and self._mark(i)["question"] in self.questions]
        deselected = [i for i in items if i not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = keep

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        mark = self._mark(item)
        hidden = self._is_hidden(item)
        if mark is None:
            if call.when == "call":
                self.results[item.nodeid] = CheckResult(
                    "?", item.name, 0, False, "check has no @check(question, points) marker", hidden
                )
            return
        if report.failed or (call.when == "call") or report.skipped:
            if item.nodeid in self.results and not self.results[item.nodeid].passed:
                return  # keep the first failure (setup before call)
            message = "" if report.passed else self._message(call, hidden, report)
            self.results[item.nodeid] = CheckResult(
                mark["question"], item.name, float(mark["points"]), report.passed, message, hidden
            )

    # ---- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _mark(item) -> dict | None:
        m = item.get_closest_marker(MARKER)
        return dict(m.kwargs) if m else None

    def _is_hidden(self, item) -> bool:
        path = Path(item.path).resolve()
        return any(path.is_relative_to(root) for root in self.hidden_roots)

    @staticmethod
    def _message(call, hidden: bool, report) -> str:
        if report.skipped:
            return "skipped: " + str(report.longrepr[-1]) if report.longrepr else "skipped"
        exc = call.excinfo.value if call.excinfo else None
        if isinstance(exc, AssertionError):  # includes StudentError: written for students
            return str(exc).strip()[:1000] or "the answer is not what was expected"
        name = type(exc).__name__ if exc else "error"
        if hidden or isinstance(exc, StudentError):
            return f"the check could not evaluate your answer ({name})"
        return f"the check could not evaluate your answer ({name}: {str(exc)[:300]})"


@contextlib.contextmanager
def _without_assertion_rewriting():
    """Keep an enclosing pytest session (the project's tests) from rewriting check modules:
    rewritten asserts append the compared values to the author's message, which could reveal
    a hidden check's expected answer."""
    hooks = [
        (i, h) for i, h in enumerate(sys.meta_path) if type(h).__name__ == "AssertionRewritingHook"
    ]
    for _, hook in hooks:
        sys.meta_path.remove(hook)
    try:
        yield
    finally:
        for index, hook in hooks:
            sys.meta_path.insert(index, hook)


def _forget_check_modules(paths: list[Path]) -> None:
    """Drop the check modules a run imported. Every lab names its checks `checks/test_q1.py`,
    and pytest's importlib mode reuses a module already in `sys.modules` under the same name,
    so without this a second lab run in the same process would run the first lab's checks."""
    prefixes = tuple(str(p) + os.sep for p in paths)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.startswith(prefixes):
            del sys.modules[name]


def run_checks(
    paths: Iterable[Path], plugin: ChecksPlugin, verbose: bool = False
) -> list[CheckResult]:
    """Run every check under `paths` through `plugin`; return the results in collection order."""
    paths = [Path(p).resolve() for p in paths]
    args = [
        *[str(p) for p in paths],
        "-c",
        str(_INI),
        "--rootdir",
        str(paths[0].parent),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:nbval",
        "--assert=plain",  # assertion messages stay exactly what the check author wrote
        "--import-mode=importlib",
        "-q",
    ]
    sink = io.StringIO()
    try:
        with (
            _without_assertion_rewriting(),
            contextlib.redirect_stdout(sink) if not verbose else contextlib.nullcontext(),
        ):
            code = pytest.main(args, plugins=[plugin])
    finally:
        _forget_check_modules(paths)
    if code not in (
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        raise RuntimeError(
            f"the checks could not be run (pytest exit {int(code)}):\n{sink.getvalue()[-2000:]}"
        )
    return list(plugin.results.values())
