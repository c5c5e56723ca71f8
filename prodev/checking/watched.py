"""`prodev check`'s runner: the notebook and its public checks run in a child process that this
one watches. A cell or a check that never ends is stopped after a time limit, named, and the rest
still runs; each question's line is printed as its checks run, so a long run is never silent.

The child is forked (it starts from this light process, not from a notebook) and leads a process
group of its own, so stopping it also stops whatever the notebook started."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

from prodev.checking.checkrun import CheckResult, ChecksPlugin
from prodev.errors import UserError

# Seconds the notebook's cells may run, all together, and each question's checks: the same
# limit `prodev grade` gives a notebook's cells by default.
DEFAULT_TIMEOUT = 60.0
# Runs of the notebook at most: after a cell or a question runs out of time, the notebook runs
# again without it (as grading does).
MAX_RUNS = 3

# Seconds for the child to import IPython, jupysql and DuckDB before the first cell runs (as
# grading allows a sandbox to start): not the notebook's time.
STARTUP_SECONDS = 90.0

TOO_SLOW = "look for a loop that never ends, or work that grows too fast"


@dataclass
class WatchedCheck:
    """What `prodev check` found: the check results, the cells that raised, what was stopped."""

    results: list[CheckResult]
    cell_errors: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    # What went wrong in a question's answer cell: "raised SyntaxError: ..." or "was stopped ...".
    answer_problems: dict[str, str] = field(default_factory=dict)


@dataclass
class _Plan:
    """One check as collected: which question it belongs to, its name and points."""

    nodeid: str
    question: str
    name: str
    points: float


class _ReportingPlugin(ChecksPlugin):
    """ChecksPlugin that tells the watching process which check starts and how each ended."""

    def __init__(self, conn: Connection, skip_questions: set[str], **kwargs: Any):
        super().__init__(**kwargs)
        self._conn = conn
        self._skip = skip_questions

    def pytest_collection_modifyitems(self, config, items):
        super().pytest_collection_modifyitems(config, items)
        keep = [i for i in items if (self._mark(i) or {}).get("question") not in self._skip]
        if len(keep) != len(items):
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
            items[:] = keep
        plans = []
        for item in items:
            mark = self._mark(item) or {"question": "?", "points": 0}
            plans.append(_Plan(item.nodeid, mark["question"], item.name, float(mark["points"])))
        self._conn.send(("planned", plans))

    def pytest_runtest_setup(self, item) -> None:
        self._conn.send(("check", item.nodeid))
        super().pytest_runtest_setup(item)

    def pytest_runtest_logfinish(self, nodeid, location) -> None:
        if nodeid in self.results:
            self._conn.send(("result", nodeid, self.results[nodeid]))


def _child(
    conn: Connection,
    path: Path,
    questions: list[str] | None,
    skip_cells: set[int],
    skip_questions: set[str],
) -> None:
    """Run the notebook (but the cells in `skip_cells`) and then its public checks, reporting
    each step to the watching process."""
    os.setpgid(0, 0)  # a group of its own: the watcher stops everything the notebook started
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the watcher's to handle
    try:
        from prodev.checking.checkrun import run_checks
        from prodev.checking.selfcheck import checks_dir_for, public_plugin_arguments
        from prodev.runtime.notebook import (
            close_sql_connections,
            labelled_code_to_run,
            read_notebook,
            run_cells,
        )

        cells = labelled_code_to_run(read_notebook(path))
        checks = checks_dir_for(path.parent)  # before running anything: say so at once
        labels = [label for label, _ in cells]
        conn.send(("cells", labels))
        sources = ["" if i in skip_cells else source for i, (_, source) in enumerate(cells, 1)]
        execution = run_cells(
            sources,
            path.parent,
            before_cell=lambda index: conn.send(("cell", index)),
            labels=labels,
        )
        conn.send(("ran", execution.errors))
        plugin = _ReportingPlugin(
            conn,
            skip_questions,
            **public_plugin_arguments(execution.namespace, questions),
        )
        try:
            run_checks([checks], plugin)
        finally:
            close_sql_connections()
        conn.send(("done",))
    except UserError as exc:
        conn.send(("user_error", str(exc)))
    except BaseException:  # noqa: BLE001 (anything else is reported by the watcher)
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


class _Watcher:
    """Runs the child until it finishes or runs out of time, and keeps what it reported."""

    def __init__(self, timeout: float, progress: TextIO):
        self.timeout = timeout
        self.progress = progress
        self.labels: list[str] = []
        self.plans: dict[str, _Plan] = {}
        self.results: dict[str, CheckResult] = {}
        self.cell_errors: list[str] = []
        self.question: str | None = None  # the question whose checks run now
        self.question_line_open = False

    def say(self, text: str, end: str = "\n") -> None:
        self.progress.write(text + end)
        self.progress.flush()

    def _end_question_line(self, tail: str | None = None) -> None:
        if self.question_line_open and self.question is not None:
            mine = [r for r in self.results.values() if r.question == self.question]
            passed = sum(r.passed for r in mine)
            self.say(tail or f"{passed} of {len(mine)} checks passed")
        self.question_line_open = False

    def run_once(
        self,
        path: Path,
        questions: list[str] | None,
        skip_cells: set[int],
        skip_questions: set[str],
    ) -> tuple[str, Any]:
        """One run of the child: ("done", None), ("cell", index) or ("question", nodeid) when
        that ran out of time, or ("crashed", where)."""
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        args = (sender, path, questions, skip_cells, skip_questions)
        child = context.Process(target=_child, args=args, daemon=True)
        child.start()
        with contextlib.suppress(OSError):  # the child does it too: whichever runs first wins
            os.setpgid(child.pid, child.pid)
        sender.close()
        try:
            return self._follow(receiver, child)
        finally:
            _stop(child)
            receiver.close()

    def _follow(self, receiver: Connection, child) -> tuple[str, Any]:
        deadline = time.monotonic() + STARTUP_SECONDS
        cell: int | None = None
        checking: str | None = None
        started = time.monotonic()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if checking is not None:
                    self._end_question_line(f"stopped after {self.timeout:g} s")
                    return "question", checking
                self.say(f"stopped after {self.timeout:g} s")
                return ("cell", cell) if cell is not None else ("crashed", None)
            if not receiver.poll(min(left, 0.5)):
                if not child.is_alive() and not receiver.poll(0):
                    self._end_question_line("stopped")
                    return "crashed", checking or cell
                continue
            try:
                message = receiver.recv()
            except EOFError:
                self._end_question_line("stopped")
                return "crashed", checking or cell
            kind = message[0]
            if kind == "cells":
                self.labels = message[1]
                self.say(f"running the notebook ({len(self.labels)} code cells) ... ", end="")
            elif kind == "cell":
                if cell is None:  # the first cell: the notebook's time starts now
                    started = time.monotonic()
                    deadline = started + self.timeout
                cell = message[1]
            elif kind == "ran":
                self.cell_errors = message[1]
                self.say(f"done in {time.monotonic() - started:.1f} s")
                cell = None
                # pytest starts and collects the checks: not the student's time either.
                deadline = time.monotonic() + STARTUP_SECONDS
            elif kind == "planned":
                self.plans.update({p.nodeid: p for p in message[1]})
            elif kind == "check":
                checking = message[1]
                question = self.plans[checking].question if checking in self.plans else "?"
                if question != self.question or not self.question_line_open:
                    self._end_question_line()
                    self.question = question
                    self.say(f"checking {question} ... ", end="")
                    self.question_line_open = True
                    deadline = time.monotonic() + self.timeout  # each question gets the limit
            elif kind == "result":
                self.results[message[1]] = message[2]
            elif kind == "done":
                self._end_question_line()
                return "done", None
            elif kind == "user_error":
                self._end_question_line()
                raise UserError(message[1])
            elif kind == "crash":
                self._end_question_line()
                raise RuntimeError(f"prodev check failed:\n{message[1]}")


def _stop(child) -> None:
    """Stop the child and every process of its group, if any is left."""
    if child.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    if child.is_alive():
        child.kill()
    child.join(timeout=10)


def check_notebook(
    path: Path,
    questions: Iterable[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: TextIO | None = None,
) -> WatchedCheck:
    """Run the notebook at `path` and its public checks under a time limit; see the module."""
    import io

    watcher = _Watcher(timeout, progress or io.StringIO())
    wanted = list(questions) if questions else None
    skip_cells: set[int] = set()
    skip_questions: set[str] = set()
    stopped: list[str] = []
    for run in range(MAX_RUNS):
        if run > 0:
            watcher.say("running again without it")
        outcome, where = watcher.run_once(path, wanted, skip_cells, skip_questions)
        if outcome == "done":
            break
        if outcome == "cell" and where is not None:
            label = watcher.labels[where - 1] if where <= len(watcher.labels) else f"cell {where}"
            stopped.append(
                f"{label} did not finish within {timeout:g} s and was stopped ({TOO_SLOW})"
            )
            skip_cells.add(where)
        elif outcome == "question" and where in watcher.plans:
            question = watcher.plans[where].question
            watcher.results[where] = CheckResult(
                question,
                watcher.plans[where].name,
                watcher.plans[where].points,
                False,
                f"your code did not answer within {timeout:g} s: {TOO_SLOW}",
                False,
            )
            stopped.append(f"the checks of {question} were stopped after {timeout:g} s")
            skip_questions.add(question)
            # Questions already checked need not run again.
            skip_questions.update(r.question for r in watcher.results.values())
            if {p.question for p in watcher.plans.values()} <= skip_questions:
                break
        else:
            where_text = ""
            if isinstance(where, int) and where <= len(watcher.labels):
                where_text = f" while running {watcher.labels[where - 1]}"
            elif where in watcher.plans:
                where_text = f" while checking {watcher.plans[where].question}"
            stopped.append(
                f"the notebook's process ended unexpectedly or did not respond{where_text}"
            )
            break
    else:
        stopped.append(f"gave up after {MAX_RUNS} runs of the notebook")
    results = []
    for nodeid, plan in watcher.plans.items():
        if nodeid in watcher.results:
            results.append(watcher.results[nodeid])
        else:
            results.append(
                CheckResult(
                    plan.question,
                    plan.name,
                    plan.points,
                    False,
                    "not run: an earlier check of this question or the notebook ran out of time",
                    False,
                )
            )
    problems = {}
    for line in watcher.cell_errors:
        label, _, error = line.partition(": ")
        if label.endswith("'s answer cell"):
            problems[label.split("'", 1)[0]] = f"raised {error}"
    for index in skip_cells:
        label = watcher.labels[index - 1] if index <= len(watcher.labels) else ""
        if label.endswith("'s answer cell"):
            problems[label.split("'", 1)[0]] = f"did not finish within {timeout:g} s"
    return WatchedCheck(results, watcher.cell_errors, stopped, problems)
