"""Run a lab's checks with pytest against one `Student` and collect per-check results."""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from prodev.checking.checks import MARKER
from prodev.checking.student import Callbacks, Student, StudentError
from prodev.runtime.answers import UNANSWERED

# An empty ini file, so the project's own pytest settings never leak into check runs.
_INI = Path(__file__).with_name("checks.ini")

# A hidden check's message is cut here; it names what was wrong, never the data.
HIDDEN_MESSAGE_CHARS = 300
# A run of this many characters that also occurs in something the student's code sent back is
# taken to be the student's text, and left out of a hidden check's message.
ECHO_CHARS = 12

# What a hidden check says when the student's code could not answer, by the reply's kind. The
# reply's own message is the student's process speaking (it can put anything there), so a hidden
# check never repeats it.
HIDDEN_REFUSALS = {
    "missing": "a name the check asks for is not defined: run the cell that defines it",
    "unanswered": UNANSWERED,
    "not_callable": "the check expected a function here",
    "not_json": "the answer is not made of numbers, strings, lists or dicts",
    "not_finite": "the answer contains NaN or Infinity, which no check can compare",
    "too_large": "the answer is too large",
    "too_deep": "the answer is nested too deeply (or contains itself)",
    "too_many_rows": "the query returned too many rows",
    "no_rows": "the query returned no result set: write a SELECT statement",
    "not_sql": "the answer should be a string holding a SQL query",
    "timeout": "your code did not answer in time: look for a loop that never ends, or work "
    "that grows too fast",
    "crashed": "your code ended the notebook's process while answering",
    "not_run": "the notebook could not be run, so this check could not ask it anything",
    "open_transaction": "the function returned inside an open transaction",
}


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
        self._student = EchoRecorder(student)
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

    def pytest_runtest_setup(self, item) -> None:
        self._student.forget()  # each check's message is compared with its own answers only

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

    def _message(self, call, hidden: bool, report) -> str:
        if report.skipped:
            return "skipped: " + str(report.longrepr[-1]) if report.longrepr else "skipped"
        exc = call.excinfo.value if call.excinfo else None
        if hidden and isinstance(exc, StudentError):
            return hidden_refusal(exc.kind, str(exc))
        if hidden and isinstance(exc, AssertionError):  # the author's words, minus any echo
            text = str(exc).strip()[: 4 * HIDDEN_MESSAGE_CHARS]  # bounds the search below
            text = self._student.without_echoes(text)[:HIDDEN_MESSAGE_CHARS]
            return text or "the answer is not what was expected"
        if isinstance(exc, AssertionError):  # includes StudentError: written for students
            return str(exc).strip()[:1000] or "the answer is not what was expected"
        name = type(exc).__name__ if exc else "error"
        if hidden or isinstance(exc, StudentError):
            return f"the check could not evaluate your answer ({name})"
        return f"the check could not evaluate your answer ({name}: {str(exc)[:300]})"


class EchoRecorder(Student):
    """The `student` fixture: passes every request on and keeps the text of each reply, so that
    a hidden check's message can be stripped of anything the student's code wrote."""

    def __init__(self, inner: Student):
        self.inner = inner
        self.replies: list[str] = []

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        def recorded(frame: dict[str, Any]) -> Any:  # a probe call carries student text too
            self.replies.append(json.dumps(frame))
            return callbacks(frame)  # type: ignore[misc]

        text = self.inner._request(request, recorded if callbacks else None)
        self.replies.append(text)
        return text

    def expose(self, port: int) -> str:
        return self.inner.expose(port)

    @property
    def in_process(self) -> bool:  # type: ignore[override]
        return self.inner.in_process

    def __getattr__(self, name: str) -> Any:  # anything else a subclass of Student offers
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def forget(self) -> None:
        self.replies.clear()

    def without_echoes(self, message: str) -> str:
        """`message` with every run of ECHO_CHARS or more characters that the student's replies
        also contain replaced by "…" (their strings, keys and refusal messages alike)."""
        said = "\x00".join(_strings(self.replies))
        if len(message) < ECHO_CHARS or not said:
            return message
        echoed = [False] * len(message)
        for start in range(len(message) - ECHO_CHARS + 1):
            if message[start : start + ECHO_CHARS] in said:
                echoed[start : start + ECHO_CHARS] = [True] * ECHO_CHARS
        out, previous = [], False
        for char, hit in zip(message, echoed, strict=True):
            if not hit:
                out.append(char)
            elif not previous:
                out.append("…")
            previous = hit
        return "".join(out)


def _strings(replies: list[str]) -> list[str]:
    """Every string (keys included) in the JSON replies, and the raw text of unparsable ones."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                found.append(str(key))
                walk(item)

    for text in replies:
        try:
            walk(json.loads(text))
        except ValueError:
            found.append(text)
    return found


def _known_exception_names() -> frozenset[str]:
    """Exception classes a hidden check may name: Python's own and those of the database and
    network modules labs use. A class the notebook defines could be named to carry data."""
    names: set[str] = set()
    modules = ("builtins", "duckdb", "sqlite3", "json", "socket", "urllib.error", "http.client",
               "asyncio", "decimal", "django.core.exceptions", "django.db")  # fmt: skip
    for module in modules:
        loaded = builtins if module == "builtins" else sys.modules.get(module)
        for name, value in vars(loaded or object).items():
            if isinstance(value, type) and issubclass(value, BaseException):
                names.add(name)
    return frozenset(names)


def hidden_refusal(kind: str, message: str) -> str:
    """What a hidden check says when the student's code could not answer: the grader's own words
    for `kind`, and for an exception, its class name only if it is a well-known one."""
    if kind == "exception" and message.startswith("not answered yet"):
        return HIDDEN_REFUSALS["unanswered"]
    if kind == "exception":
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)", message)
        name = match.group(1) if match else ""
        if name in _known_exception_names():
            return f"your code raised {name}"
        return "your code raised an exception"
    return HIDDEN_REFUSALS.get(kind, "your code could not produce an answer")


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


@contextlib.contextmanager
def _without_plugin_autoload() -> Iterator[None]:
    """Load only pytest's own plugins: the installed ones (xdist, nbval, timeout, anyio) have
    nothing to do in a check run and cost start-up time on every run."""
    key = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    old = os.environ.get(key)
    os.environ[key] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ[key]
        else:
            os.environ[key] = old


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
        # Plugins a check never needs. The unraisable- and thread-exception plugins each run
        # gc.collect() several times per session: on a notebook's heap, half of a short run.
        *("-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:faulthandler"),
        "--assert=plain",  # assertion messages stay exactly what the check author wrote
        "--import-mode=importlib",
        "-q",
    ]
    sink = io.StringIO()
    try:
        with (
            _without_plugin_autoload(),
            _without_assertion_rewriting(),
            contextlib.redirect_stdout(sink) if not verbose else contextlib.nullcontext(),
        ):
            code = pytest.main(args, plugins=[plugin])
    finally:
        _forget_check_modules(paths)
    if code == pytest.ExitCode.INTERRUPTED:  # Ctrl-C: pytest caught it, the caller should too
        raise KeyboardInterrupt
    if code not in (
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        raise RuntimeError(
            f"the checks could not be run (pytest exit {int(code)}):\n{sink.getvalue()[-2000:]}"
        )
    return list(plugin.results.values())
