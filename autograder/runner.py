"""Grade a batch of submissions: sandboxed runs (stage A) feeding one checks session (stage B).

One thread per parallel slot runs notebooks in that slot's long-lived sandbox. The main thread
runs a single pytest session for the whole batch: it collects the lab's public and hidden checks
once, then runs them against each submission as soon as its notebook has run, writes that
submission's results file atomically, and moves on. Scores come only from these checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest
from filelock import FileLock, Timeout

from autograder.config import DEFAULT_JOBS, DEFAULT_SANDBOX, Limits, hidden_seed
from autograder.grader_reach import reach_notes
from autograder.isolation.sandbox import (
    NOT_ISOLATED_WARNING,
    SERVICES_DIR_INSIDE,
    DockerProcess,
    LocalProcess,
    SandboxPlan,
    bwrap_command,
    choose_sandbox,
    docker_container_spec,
    slot_uid,
    unsandboxed_command,
)
from autograder.isolation.session import RemoteStudent, UnreadableStudent, WorkerSlot
from autograder.logs import SubmissionLog, submission_log
from autograder.results.changes import (
    CHECKS_CHANGED,
    NEW,
    describe_change,
    lab_changed_labels,
    lab_changes,
    save_lab_version,
    summarise_reasons,
    why_graded,
)
from autograder.results.document import (
    RESULTS_VERSION,
    ResultsDocument,
    read_results_if_valid,
    results_files,
    write_results,
)
from autograder.results.scoring import (
    SubmissionFacts,
    format_table,
    grade,
    record_lateness,
    write_grades_csv,
)
from autograder.results.shards import Shard, select_submissions
from autograder.submissions import (
    LabSource,
    Submission,
    assemble,
    find_submissions,
    load_submission,
    read_lab_source,
    read_timestamp,
    renamed_notebook,
    tampered_checks,
)
from prodev.checking.checkrun import CheckResult, ChecksPlugin, run_checks
from prodev.checking.student import Callbacks, Student
from prodev.course.layout import Course, CourseError, Lab
from prodev.course.paths import PUBLIC_SEED, data_dir
from prodev.errors import UserError
from prodev.runtime.notebook import NotebookError

Dataset = Callable[..., Path]
logger = logging.getLogger(__name__)


class GradingBusyError(UserError):
    """Another grading run holds this lab's results folder."""


def _time_left(elapsed: float, done: int, total: int) -> str:
    """`, about 2 min left` at the pace so far; nothing once the batch is done."""
    if done >= total or done == 0:
        return ""
    seconds = elapsed / done * (total - done)
    if seconds < 60:
        return f", about {max(1, round(seconds))} s left"
    return f", about {round(seconds / 60)} min left"


class GradingInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: what was graded is saved (results, grades.csv, gradebook)."""

    def __init__(self, saved: int, total: int):
        super().__init__(f"{saved} of {total} saved; rerun to finish")


def _grading_inputs(lab: Lab) -> list[tuple[str, Path]]:
    """The files that decide grades, each with its label: the source notebook and every public
    and hidden check file."""
    files = [(f"source/{lab.source_notebook.relative_to(lab.source_dir)}", lab.source_notebook)]
    for kind, folder in (("public", lab.public_checks), ("hidden", lab.hidden_checks)):
        if folder.is_dir():
            files += [
                (f"{kind}/{p.relative_to(folder)}", p)
                for p in sorted(folder.rglob("*.py"))
                if "__pycache__" not in p.relative_to(folder).parts
            ]
    return files


def grading_key(lab: Lab, seed: int) -> str:
    """A hash of everything that decides grades: the source notebook, every check file and the
    hidden seed. A results file graded under another key is graded again."""
    digest = hashlib.sha256(f"results-v{RESULTS_VERSION}|seed {seed}".encode())
    for label, path in _grading_inputs(lab):
        digest.update(label.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def grading_files(lab: Lab) -> dict[str, str]:
    """A fingerprint per file that `grading_key` hashes, kept per key so that a regrade can say
    which files changed. The seed has none: a hash of a small number gives the number away."""
    return {label: hashlib.sha256(path.read_bytes()).hexdigest() for label, path in
            _grading_inputs(lab)}  # fmt: skip


@dataclass
class BatchReport:
    """What a batch did: every submission's results document, and how long things took."""

    lab: str
    out: Path
    documents: dict[str, ResultsDocument] = field(default_factory=dict)
    graded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # student -> why no grade was written
    wall_seconds: float = 0.0
    sandbox: str = ""
    overheads: list[float] = field(default_factory=list)  # per graded submission, seconds
    reasons: dict[str, str] = field(default_factory=dict)  # why each graded one was graded
    changes: list[str] = field(default_factory=list)  # "ann: 28 -> 30 (q3 2 -> 4)"


@dataclass
class _Job:
    submission: Submission
    sha256: str
    student: Student
    facts: SubmissionFacts
    started: float
    log: SubmissionLog
    done: threading.Event = field(default_factory=threading.Event)


class _CurrentStudent(Student):
    """The `student` fixture of the batch session: answers from whichever submission is current.

    Paths in a request are rewritten to where the sandbox sees them: a hidden-seed dataset has a
    neutral name there, and the request is the student's process's to read.
    """

    def __init__(self, inside_path: Callable[[str], str] = lambda path: path) -> None:
        self.target: Student = UnreadableStudent("no submission is being graded")
        self.inside_path = inside_path

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        return self.target._request(_rewrite_paths(request, self.inside_path), callbacks)

    def expose(self, port: int) -> str:
        return self.target.expose(port)


def _rewrite_paths(value: Any, inside_path: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return inside_path(value)
    if isinstance(value, list):
        return [_rewrite_paths(v, inside_path) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite_paths(v, inside_path) for k, v in value.items()}
    return value


class CheckingDeadline(Exception):
    """A submission's checks ran past `Limits.checking_seconds`."""


@contextlib.contextmanager
def _alarm(seconds: float):
    """Raise CheckingDeadline in this (the main) thread after `seconds`: it interrupts a check
    that waits forever on something the student's code holds (a socket, a thread, a lock).
    Signals reach only the main thread; elsewhere there is no deadline."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise CheckingDeadline("the checks of this submission ran past their time limit")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class BatchChecksPlugin(ChecksPlugin):
    """ChecksPlugin whose run loop grades one submission after another in the same session."""

    def __init__(
        self,
        next_job: Callable[[], _Job | None],
        finish: Callable,
        checking_seconds: float = float("inf"),
        inside_path: Callable[[str], str] = lambda path: path,
        **kwargs: Any,
    ):
        self.current = _CurrentStudent(inside_path)
        super().__init__(self.current, **kwargs)
        self._next_job = next_job
        self._finish = finish
        self.check_seconds = 0.0
        self.checking_seconds = checking_seconds

    def _fail(self, item: pytest.Item, message: str) -> None:
        mark = self._mark(item) or {"question": "?", "points": 0}
        self.results[item.nodeid] = CheckResult(
            mark["question"], item.name, float(mark["points"]), False, message,
            self._is_hidden(item),
        )  # fmt: skip

    def pytest_configure(self, config: pytest.Config) -> None:
        # Only the assertion's message is used; skip rendering source-level tracebacks.
        config.option.tbstyle = "line"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":  # time inside check functions, answers from the sandbox included
            self.check_seconds += report.duration

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed:
            raise session.Interrupted(
                f"{session.testsfailed} error(s) while collecting the lab's checks"
            )
        items = list(session.items)
        while (job := self._next_job()) is not None:
            self.results.clear()
            self.current.target = job.student
            self.check_seconds = 0.0
            deadline = time.monotonic() + self.checking_seconds
            late = (
                f"the checks of this notebook ran past their limit of {self.checking_seconds:g} s; "
                "the check running then and any still to run failed"
            )
            try:
                for index, item in enumerate(items):
                    following = items[index + 1] if index + 1 < len(items) else None
                    left = deadline - time.monotonic()
                    if left <= 0 and not isinstance(self.current.target, UnreadableStudent):
                        # Later checks still run (fixtures set up and torn down in order), but
                        # they get no answers and fail at once.
                        self.current.target = UnreadableStudent(late)
                    try:
                        timed = 0 < left < float("inf")
                        with _alarm(left) if timed else contextlib.nullcontext():
                            item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                    except CheckingDeadline:  # rang between pytest's phases, not inside one
                        self._fail(item, "the checks of this notebook ran past their time limit")
                    slot = getattr(job.student, "slot", None)
                    if slot is not None:  # a check's service has stopped: its socket goes too
                        slot.close_stopped_services()
                if time.monotonic() >= deadline:
                    job.facts.notes = [*(job.facts.notes or []), late]
                job.facts.check_seconds = self.check_seconds
                self._finish(job, list(self.results.values()))
            finally:
                job.done.set()
        return True


def _prepare_datasets(
    dataset: Dataset, hidden_seed: int, sizes: tuple[str, ...] = ("small",)
) -> tuple[list[Path], list[Path]]:
    """Build the public and hidden datasets, and their derived copies, before any sandbox needs
    them (they mount read-only: a notebook's setup cell cannot build the public dataset's Parquet
    copy there, as it does on a student's machine); return both lists."""
    public = [Path(dataset(seed=PUBLIC_SEED, size=size)) for size in sizes]
    hidden = [Path(dataset(seed=hidden_seed, size=size)) for size in sizes]
    for path in public + hidden:
        _build_derived_copies(path)
    return public, hidden


def _build_derived_copies(dataset: Path) -> None:
    """The SQLite and Parquet copies that notebooks and checks make of a dataset, built before the
    sandboxes start: a dataset's files reach the sandbox only as they are then."""
    if dataset.suffix != ".duckdb":
        return
    from prodev.stayhub.data import parquet_copy, sqlite_copy

    for build in (sqlite_copy, parquet_copy):
        try:
            build(dataset)
        except Exception as exc:  # not a StayHub file (a test course's): no check will ask
            logger.debug("no %s of %s: %s", build.__name__, dataset.name, exc)


def _keep_open(paths: list[Path]) -> list[Any]:
    """Hold one read-only connection per DuckDB dataset for the whole batch: while it is open,
    every check's own `duckdb.connect` of that file reuses it (0.3 ms instead of ~45 ms)."""
    import duckdb

    held = []
    for path in paths:
        if path.suffix == ".duckdb" and path.is_file():
            try:
                held.append(duckdb.connect(str(path), read_only=True))
            except duckdb.Error:
                pass  # only a speed-up; the checks open it themselves
    return held


def _remove_stale_workdirs() -> None:
    """Delete the socket folders of earlier batches whose grader was killed before cleaning up."""
    for folder in Path(tempfile.gettempdir()).glob("prodev-grade-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path("/proc", pid).exists():
            shutil.rmtree(folder, ignore_errors=True)


def submission_time(submission: Submission) -> tuple[str | None, str | None]:
    """nbgrader's submission time from timestamp.txt, and why it was ignored if it does not
    parse (the submission is then graded as on time, and its grade says so)."""
    text = read_timestamp(submission)
    if text is None:
        return None, None
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text)
    except Exception:  # dateutil raises several kinds for text that is not a date
        return None, (
            "timestamp.txt does not hold a date nbgrader can read, so no late penalty was "
            "computed: collect the submission again"
        )
    return text, None


def grading_dataset(seed: int, size: str) -> Path:
    """The StayHub dataset of `seed`. Any seed but the public one gets a file name that does not
    show it (the sandbox sees the name), so the hidden seed cannot reach a student."""
    from prodev.stayhub.data import dataset_path

    return dataset_path(seed=seed, size=size, opaque=seed != PUBLIC_SEED)


class Grader:
    """Grades one lab's submissions into OUT/LAB/ and the course's gradebook."""

    def __init__(
        self,
        lab: str,
        *,
        root: Path | None = None,
        out: Path | None = None,
        jobs: int = DEFAULT_JOBS,
        sandbox: str = DEFAULT_SANDBOX,
        limits: Limits | None = None,
        dataset: Dataset | None = None,
        data_dirs: list[Path] | None = None,
        gradebook: bool = True,
        force: bool = False,
        progress: TextIO | None = None,
        shard: Shard | None = None,
        students: frozenset[str] | None = None,
        dry_run: bool = False,
    ):
        self.course = Course.load(root)
        self.lab = Lab(self.course, lab)
        self.hidden_seed = hidden_seed(self.course)
        # student -> cells not to run again (label -> why), for this run's regrades
        self._known_stops: dict[str, dict[str, str]] = {}
        self.out = Path(out or self.course.results).resolve() / lab
        self.jobs = max(1, int(jobs))
        self.sandbox_choice = sandbox
        self.limits = limits or Limits()
        self.dataset = dataset or grading_dataset
        self.data_dirs = data_dirs if data_dirs is not None else [data_dir()]
        self.use_gradebook = gradebook
        self.force = force
        self.progress = progress if progress is not None else sys.stderr
        self.shard = shard  # grade only this shard's students (see autograder/results/shards.py)
        self.students = students  # only these, graded again even if nothing changed
        self.dry_run = dry_run  # say what would be graded and why, grade nothing

    # ---- entry point -------------------------------------------------------------------------
    def grade(self, submissions_dir: Path) -> BatchReport:
        """Grade every submission in `submissions_dir` (nbgrader layout), one run per lab and
        results folder at a time."""
        self.lab.validate()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.out.with_name(f".{self.out.name}.grading.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise GradingBusyError(
                f"another `prodev grade` is grading {self.lab.name} into {self.out} right now: "
                "wait for it to finish (its results are kept), or grade into another --out"
            ) from None
        try:
            return self._grade(submissions_dir)
        finally:
            lock.release()

    def _grade(self, submissions_dir: Path) -> BatchReport:
        started = time.monotonic()
        source = read_lab_source(self.lab.source_notebook)
        everyone = find_submissions(Path(submissions_dir), self.lab.name)
        submissions = select_submissions(everyone, self.shard, lambda s: s.student)
        key = grading_key(self.lab, self.hidden_seed)
        if self.students is not None:
            unknown = sorted(self.students - {s.student for s in submissions})
            if unknown:
                raise CourseError(
                    f"no submission of {self.lab.name} from {', '.join(unknown)} in "
                    f"{submissions_dir}: check the student ids (folder names there)"
                )
            submissions = [s for s in submissions if s.student in self.students]
        report = BatchReport(self.lab.name, self.out)
        todo: list[tuple[Submission, str]] = []
        previous_documents: dict[str, ResultsDocument] = {}
        for sub in submissions:
            sha = sub.sha256()
            previous = read_results_if_valid(self.out / f"{sub.student}.json")
            asked = self.force or self.students is not None
            why = why_graded(previous, sha, key, asked)
            if why is None and previous is not None:  # its last results still hold
                submitted_at, _problem = submission_time(sub)
                if submitted_at and previous.get("timestamp") != submitted_at:
                    previous["timestamp"] = submitted_at  # resubmitted, same bytes
                    write_results(self.out / f"{sub.student}.json", previous)
                report.documents[sub.student] = previous
                report.reused.append(sub.student)
                submission_log(sub.student, "-").debug("unchanged since the last run: not graded")
            else:
                todo.append((sub, sha))
                report.reasons[sub.student] = why or NEW
                if previous is not None:
                    previous_documents[sub.student] = previous
        of_shard = (
            f" (shard {self.shard} of {len(everyone)} in all)" if self.shard is not None else ""
        )
        reasons = summarise_reasons(report.reasons)
        self._say(
            f"{self.lab.name}: {len(submissions)} submission{'s' * (len(submissions) != 1)}"
            f"{of_shard}, {len(todo)} to grade{f' ({reasons})' if reasons else ''}, "
            f"{len(report.reused)} already graded"
        )
        files = grading_files(self.lab)
        self._say_lab_changes(previous_documents, report.reasons, files)
        self._known_stops = {
            student: stops
            for student, previous in previous_documents.items()
            if report.reasons.get(student) == CHECKS_CHANGED
            and (stops := self._stops_to_keep(previous, files))
        }
        if self.dry_run:
            for sub, _sha in todo:
                self._say(f"  would grade {sub.student}: {report.reasons[sub.student]}")
            return report
        if todo:
            self.out.mkdir(parents=True, exist_ok=True)
            save_lab_version(self.out, key, files)
            try:
                self._grade_batch(todo, source, key, report)
            except KeyboardInterrupt:
                self._write_summaries(report, source, submissions)
                raise GradingInterrupted(len(report.graded), len(todo)) from None
        for student, old in sorted(previous_documents.items()):
            new = report.documents.get(student)
            change = describe_change(student, old, new) if new is not None else None
            if change:
                report.changes.append(change)
        if report.changes:
            self._say("grades that changed:")
            for change in report.changes:
                self._say(f"  {change}")
        self._write_summaries(report, source, submissions)
        report.wall_seconds = time.monotonic() - started
        return report

    def _stops_to_keep(self, previous: ResultsDocument, files: dict[str, str]) -> dict[str, str]:
        """The cells of a submission regraded for changed checks that ran past the time limit
        last time: they would again, so they are not run (a looping cell costs its limit once).
        Only when the notebook and the lab's source are unchanged and the limit is not longer."""
        limit = previous.get("time_limit")
        changed = lab_changed_labels(self.out, str(previous.get("grading_key")), files)
        if limit is None or limit < self.limits.timeout or changed is None:
            return {}
        if any(label.startswith("source/") for label in changed):
            return {}
        reason = f"ran past the notebook's time limit of {self.limits.timeout:g} s"
        return {
            label: reason
            for label, why in previous.get("stopped_cells", {}).items()
            if why.startswith("ran past the notebook's time limit")
        }

    def _say_lab_changes(
        self, previous: dict[str, ResultsDocument], reasons: dict[str, str], files: dict[str, str]
    ) -> None:
        """For submissions regraded because the lab changed: which files changed since."""
        by_old_key: dict[str, list[str]] = {}
        for student, why in reasons.items():
            if why == CHECKS_CHANGED and student in previous:
                by_old_key.setdefault(str(previous[student].get("grading_key")), []).append(student)
        for old_key, students in sorted(by_old_key.items(), key=lambda kv: -len(kv[1])):
            changes = lab_changes(self.out, old_key, files)
            who = "" if len(by_old_key) == 1 else f" for {', '.join(sorted(students))}"
            self._say(
                f"  what changed{who}: "
                + (changes or "not known (graded before lab versions were kept)")
            )

    def _say(self, line: str) -> None:
        print(line, file=self.progress, flush=True)

    # ---- the batch ---------------------------------------------------------------------------
    def _grade_batch(
        self, todo: list[tuple[Submission, str]], source: LabSource, key: str, report: BatchReport
    ) -> None:
        mode = choose_sandbox(self.sandbox_choice)
        report.sandbox = mode
        if mode == "none":
            self._say(NOT_ISOLATED_WARNING)
        for folder in self.data_dirs:
            Path(folder).mkdir(parents=True, exist_ok=True)
        public, hidden = _prepare_datasets(self.dataset, self.hidden_seed)
        held = _keep_open(public + hidden)
        _remove_stale_workdirs()
        workdir = Path(tempfile.mkdtemp(prefix=f"prodev-grade-{os.getpid()}-"))
        os.chmod(workdir, 0o755)
        # Unsandboxed, the notebook sees the grader's own files anyway: nothing to rename.
        plan = SandboxPlan.for_this_python(
            self.data_dirs,
            private=hidden if mode != "none" else [],
            staging=workdir / "renamed",
        )
        pending: queue.Queue = queue.Queue()
        for item in todo:
            pending.put(item)
        ready: queue.Queue = queue.Queue()
        slots = [self._make_slot(mode, plan, index, workdir) for index in range(self.jobs)]
        total = len(todo)
        counter = {"done": 0}
        batch_started = time.monotonic()
        stop = threading.Event()

        def slot_loop(index: int, slot: WorkerSlot) -> None:
            try:
                while not stop.is_set():
                    try:
                        sub, sha = pending.get_nowait()
                    except queue.Empty:
                        return
                    log = submission_log(sub.student, index)
                    log.info("running the notebook (sha256 %s)", sha[:12])
                    try:
                        job = self._stage_a(slot, sub, sha, source, key, log)
                    except Exception:
                        log.warning("the sandbox failed; the submission goes back in the queue")
                        # The sandbox failed, not the submission: hand it to another slot
                        # (or, if none is left, to the report as ungraded) rather than lose it.
                        pending.put((sub, sha))
                        raise
                    ready.put(job)
                    job.done.wait()
                    slot.finish()
            except Exception as exc:  # a slot that cannot work any more ends; others go on
                logger.debug("slot %d stopped", index, exc_info=True)
                ready.put(("slot-failed", f"{type(exc).__name__}: {exc}"))
            finally:
                ready.put(None)

        def next_job() -> _Job | None:
            while True:
                if counter.get("ended", 0) == len(slots):
                    return None
                item = ready.get()
                if item is None:
                    counter["ended"] = counter.get("ended", 0) + 1
                    continue
                if isinstance(item, tuple):
                    self._say(f"a grading slot stopped: {item[1]}")
                    continue
                return item

        def finish(job: _Job, results: list[CheckResult]) -> None:
            elapsed = time.monotonic() - job.started
            submitted_at, problem = submission_time(job.submission)
            if problem:
                job.facts.notes = [*(job.facts.notes or []), problem]
            document = grade(job.facts, results, source.question_points(), elapsed)
            if submitted_at:  # nbgrader's submission time, for its late penalties
                document["timestamp"] = submitted_at
            write_results(self.out / f"{job.submission.student}.json", document)
            report.documents[job.submission.student] = document
            report.graded.append(job.submission.student)
            if not job.facts.unreadable:
                report.overheads.append(max(0.0, elapsed - job.facts.seconds))
            passed = sum(1 for r in results if r.passed)
            job.log.info(
                "%d of %d checks passed: %g/%g in %.1f s (notebook %.1f s, checks %.1f s)",
                passed, len(results), document["score"], document["max_score"], elapsed,
                job.facts.seconds, job.facts.check_seconds,
            )  # fmt: skip
            for r in results:
                if not r.passed:
                    job.log.debug("failed %s (%s): %s", r.question, r.name, r.message)
            counter["done"] += 1
            self._say(
                f"[{counter['done']}/{total}] {job.submission.student}: "
                f"{document['score']:g}/{document['max_score']:g} in {elapsed:.1f} s"
                + _time_left(time.monotonic() - batch_started, counter["done"], total)
            )
            for note in document["notes"]:
                if note.startswith("integrity:"):
                    self._say(f"    {note}")

        threads = [
            threading.Thread(target=slot_loop, args=(i, s), daemon=True)
            for i, s in enumerate(slots)
        ]
        for thread in threads:
            thread.start()
        plugin = BatchChecksPlugin(
            next_job,
            finish,
            checking_seconds=self.limits.checking_seconds,
            inside_path=plan.inside_path,
            dataset=self.dataset,
            public_seed=PUBLIC_SEED,
            hidden_seed=self.hidden_seed,
            hidden_roots=[self.lab.hidden_checks],
        )
        try:
            run_checks(self.lab.check_paths(), plugin)
        finally:
            stop.set()
            for slot in slots:
                slot.stop()
                slot.close_services()
            for connection in held:
                connection.close()
            shutil.rmtree(workdir, ignore_errors=True)
        for sub, _sha in todo:
            if sub.student not in report.documents:
                report.failed[sub.student] = "no result was written (see the messages above)"

    def _make_slot(self, mode: str, plan: SandboxPlan, index: int, workdir: Path) -> WorkerSlot:
        services = workdir / f"services-{index}"
        services.mkdir()
        os.chmod(services, 0o755)
        if mode == "bwrap":
            argv = bwrap_command(plan, index, self.limits, services)
            uid = slot_uid(index)
            return WorkerSlot(
                lambda: LocalProcess(argv, self.limits, uid=uid),
                self.limits,
                services,
                SERVICES_DIR_INSIDE,
            )
        if mode == "docker":
            spec = docker_container_spec(plan, index, self.limits, services)
            return WorkerSlot(
                lambda: DockerProcess(spec), self.limits, services, SERVICES_DIR_INSIDE
            )
        scratch = workdir / f"scratch-{index}"
        scratch.mkdir()
        argv = unsandboxed_command(plan, scratch)
        env = dict(plan.environment, HOME=str(scratch / "home"), TMPDIR=str(scratch))
        env.update(IPYTHONDIR=str(scratch / ".ipython"), MPLCONFIGDIR=str(scratch / ".mpl"))
        return WorkerSlot(
            lambda: LocalProcess(argv, self.limits, env), self.limits, services, services, True
        )

    def _stage_a(
        self,
        slot: WorkerSlot,
        sub: Submission,
        sha: str,
        source: LabSource,
        key: str,
        log: SubmissionLog,
    ) -> _Job:
        started = time.monotonic()
        facts = SubmissionFacts(student=sub.student, sha256=sha, grading_key=key)
        try:
            notebook = load_submission(sub.path)
        except NotebookError as exc:
            facts.unreadable = str(exc).splitlines()[0][:300]
            log.info("unreadable: %s", facts.unreadable)
            return _Job(sub, sha, UnreadableStudent(facts.unreadable), facts, started, log)
        cells = assemble(source, notebook)
        facts.missing = cells.missing
        answer_ids = {c.grade_id for c in source.cells if c.kind == "answer"}
        student_written = [
            (label, code)
            for label, code in zip(cells.labels, cells.cells, strict=True)
            if label in answer_ids or label.startswith("extra")
        ]
        facts.notes = (
            renamed_notebook(sub, self.lab.name)
            + cells.notes
            + tampered_checks(sub.path.parent, self.lab.released_checks)
            + reach_notes(student_written)
        )
        log.debug("%d cells to run; missing answers: %s", len(cells.cells), cells.missing or "none")
        # Fresh jobs (lab 03's test classes) get the locked and answer cells, not extra ones.
        job_cells = [i for i, label in enumerate(cells.labels) if not label.startswith("extra")]
        facts.time_limit = self.limits.timeout
        known = self._known_stops.get(sub.student, {})
        stopped = {i: known[label] for i, label in enumerate(cells.labels) if label in known}
        if stopped:
            labels = ", ".join(cells.labels[i] for i in stopped)
            facts.notes.append(
                f"not run again: {labels} ran past the time limit when this notebook was last "
                "graded, and only checks changed since"
            )
            log.info("not run again (stopped last time): %s", labels)
        run = slot.run(cells.cells, job_cells, stopped=stopped)
        facts.skipped_cells = {cells.labels[i]: why for i, why in run.skipped.items()}
        facts.cell_errors = run.errors
        facts.seconds = run.seconds
        for label, why in facts.skipped_cells.items():
            log.info("skipped %s: %s", label, why)
        for error in run.errors:
            log.debug("cell error: %s", error)
        if run.failure:
            facts.unreadable = run.failure
            log.info("no answers can be asked: %s", run.failure)
            return _Job(sub, sha, UnreadableStudent(run.failure), facts, started, log)
        log.info("notebook ran in %.1f s, %d cells raised", run.seconds, len(run.errors))
        return _Job(sub, sha, RemoteStudent(slot), facts, started, log)

    # ---- after the batch ---------------------------------------------------------------------
    def _write_summaries(
        self, report: BatchReport, source: LabSource, submissions: list[Submission]
    ) -> None:
        documents = [
            d for path in results_files(self.out) if (d := read_results_if_valid(path)) is not None
        ]
        if self.use_gradebook and documents:
            from autograder.results.gradebook import copy_for_formgrader, record_grades

            recorded = record_grades(self.course, self.lab.name, source, documents)
            for kept in recorded.kept:
                self._say(str(kept))
            documents = record_lateness(self.out, documents, recorded.late)
            for document in documents:  # the report says what the files say
                if document["student"] in report.documents:
                    report.documents[document["student"]] = document
            graded = {d["student"] for d in documents}
            copy_for_formgrader(
                self.lab,
                {s.student: s.path.parent for s in submissions if s.path and s.student in graded},
            )
        if documents:
            write_grades_csv(self.out / "grades.csv", documents)


def grade_lab(lab: str, submissions: Path, **options: Any) -> BatchReport:
    """Grade `lab` for every submission under `submissions`; see `Grader` for the options."""
    return Grader(lab, **options).grade(submissions)


__all__ = [
    "BatchReport",
    "Grader",
    "Lab",
    "grade_lab",
    "grading_key",
    "format_table",
    "CourseError",
]
