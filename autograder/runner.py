"""Grade a batch of submissions: sandboxed runs (stage A) feeding one checks session (stage B).

One thread per parallel slot runs notebooks in that slot's long-lived sandbox. The main thread
runs a single pytest session for the whole batch: it collects the lab's public and hidden checks
once, then runs them against each submission as soon as its notebook has run, writes that
submission's results file atomically, and moves on. Scores come only from these checks.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest

from autograder.config import HIDDEN_SEED, Limits
from autograder.isolation.sandbox import (
    NOT_ISOLATED_WARNING,
    SERVICES_DIR_INSIDE,
    DockerProcess,
    LocalProcess,
    SandboxPlan,
    bwrap_command,
    choose_sandbox,
    docker_container_spec,
    unsandboxed_command,
)
from autograder.isolation.session import RemoteStudent, UnreadableStudent, WorkerSlot
from autograder.results.scoring import (
    RESULTS_VERSION,
    SubmissionFacts,
    format_table,
    grade,
    read_result,
    write_grades_csv,
    write_json_atomically,
)
from autograder.results.shards import Shard, select_submissions
from autograder.submissions import (
    CourseError,
    LabSource,
    Submission,
    assemble,
    find_submissions,
    load_submission,
    read_lab_source,
    read_timestamp,
)
from prodev.checking.checkrun import CheckResult, ChecksPlugin, run_checks
from prodev.checking.student import Callbacks, Student
from prodev.course.paths import PUBLIC_SEED, data_dir, project_root
from prodev.runtime.notebook import NotebookError

Dataset = Callable[..., Path]


@dataclass(frozen=True)
class Lab:
    """Where a lab's source notebook and checks live in a course root."""

    root: Path
    name: str

    @property
    def source_notebook(self) -> Path:
        return self.root / "solutions" / self.name / f"{self.name}.ipynb"

    @property
    def public_checks(self) -> Path:
        return self.root / "solutions" / self.name / "checks"

    @property
    def hidden_checks(self) -> Path:
        return self.root / "autograder" / "checks" / self.name

    def check_paths(self) -> list[Path]:
        return [p for p in (self.public_checks, self.hidden_checks) if p.is_dir()]

    def validate(self) -> None:
        if not self.source_notebook.is_file():
            known = (
                sorted(p.name for p in (self.root / "solutions").glob("lab*") if p.is_dir())
                if (self.root / "solutions").is_dir()
                else []
            )
            raise CourseError(
                f"unknown lab {self.name!r}: there is no {self.source_notebook}. "
                f"Labs in this course: {', '.join(known) or 'none'}"
            )
        if not self.check_paths():
            raise CourseError(
                f"{self.name} has no checks: expected {self.public_checks} and/or "
                f"{self.hidden_checks}"
            )

    def grading_key(self) -> str:
        """A hash of everything that decides grades: source notebook and every check file."""
        digest = hashlib.sha256(f"results-v{RESULTS_VERSION}".encode())
        files = [self.source_notebook]
        for folder in self.check_paths():
            files += sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(self.root)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


@dataclass
class BatchReport:
    """What a batch did: every submission's results document, and how long things took."""

    lab: str
    out: Path
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    graded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # student -> why no grade was written
    wall_seconds: float = 0.0
    sandbox: str = ""
    overheads: list[float] = field(default_factory=list)  # per graded submission, seconds


@dataclass
class _Job:
    submission: Submission
    sha256: str
    student: Student
    facts: SubmissionFacts
    started: float
    done: threading.Event = field(default_factory=threading.Event)


class _CurrentStudent(Student):
    """The `student` fixture of the batch session: answers from whichever submission is current."""

    def __init__(self) -> None:
        self.target: Student = UnreadableStudent("no submission is being graded")

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        return self.target._request(request, callbacks)

    def expose(self, port: int) -> str:
        return self.target.expose(port)


class BatchChecksPlugin(ChecksPlugin):
    """ChecksPlugin whose run loop grades one submission after another in the same session."""

    def __init__(self, next_job: Callable[[], _Job | None], finish: Callable, **kwargs: Any):
        self.current = _CurrentStudent()
        super().__init__(self.current, **kwargs)
        self._next_job = next_job
        self._finish = finish
        self.check_seconds = 0.0

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
            try:
                for index, item in enumerate(items):
                    following = items[index + 1] if index + 1 < len(items) else None
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                job.facts.check_seconds = self.check_seconds
                self._finish(job, list(self.results.values()))
            finally:
                job.done.set()
        return True


def _prepare_datasets(dataset: Dataset, sizes: tuple[str, ...] = ("small",)) -> list[Path]:
    """Build the public and hidden datasets before any sandbox needs them (they mount read-only)."""
    return [
        Path(dataset(seed=seed, size=size)) for seed in (PUBLIC_SEED, HIDDEN_SEED) for size in sizes
    ]


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


def _default_dataset(seed: int, size: str) -> Path:
    from prodev.stayhub.data import dataset_path

    return dataset_path(seed=seed, size=size)


class Grader:
    """Grades one lab's submissions into OUT/LAB/ and the course's gradebook."""

    def __init__(
        self,
        lab: str,
        *,
        root: Path | None = None,
        out: Path | None = None,
        jobs: int = 2,
        sandbox: str = "auto",
        limits: Limits | None = None,
        dataset: Dataset | None = None,
        data_dirs: list[Path] | None = None,
        gradebook: bool = True,
        force: bool = False,
        progress: TextIO | None = None,
        shard: Shard | None = None,
    ):
        self.lab = Lab(Path(root or project_root()).resolve(), lab)
        self.out = Path(out or self.lab.root / "results").resolve() / lab
        self.jobs = max(1, int(jobs))
        self.sandbox_choice = sandbox
        self.limits = limits or Limits()
        self.dataset = dataset or _default_dataset
        self.data_dirs = data_dirs if data_dirs is not None else [data_dir()]
        self.use_gradebook = gradebook
        self.force = force
        self.progress = progress if progress is not None else sys.stderr
        self.shard = shard  # grade only this shard's students (see autograder/results/shards.py)

    # ---- entry point -------------------------------------------------------------------------
    def grade(self, submissions_dir: Path) -> BatchReport:
        """Grade every submission in `submissions_dir` (nbgrader layout)."""
        started = time.monotonic()
        self.lab.validate()
        source = read_lab_source(self.lab.source_notebook)
        everyone = find_submissions(Path(submissions_dir), self.lab.name)
        submissions = select_submissions(everyone, self.shard, lambda s: s.student)
        key = self.lab.grading_key()
        report = BatchReport(self.lab.name, self.out)
        todo: list[tuple[Submission, str]] = []
        for sub in submissions:
            sha = sub.sha256()
            previous = read_result(self.out / f"{sub.student}.json")
            if (
                not self.force
                and previous
                and previous.get("submission_sha256") == sha
                and previous.get("grading_key") == key
            ):
                submitted_at = read_timestamp(sub)
                if submitted_at and previous.get("timestamp") != submitted_at:
                    previous["timestamp"] = submitted_at  # resubmitted, same bytes
                    write_json_atomically(self.out / f"{sub.student}.json", previous)
                report.documents[sub.student] = previous
                report.reused.append(sub.student)
            else:
                todo.append((sub, sha))
        of_shard = (
            f" (shard {self.shard} of {len(everyone)} in all)" if self.shard is not None else ""
        )
        self._say(
            f"{self.lab.name}: {len(submissions)} submission{'s' * (len(submissions) != 1)}"
            f"{of_shard}, {len(todo)} to grade, "
            f"{len(report.reused)} already graded"
        )
        if todo:
            self.out.mkdir(parents=True, exist_ok=True)
            self._grade_batch(todo, source, key, report)
        self._write_summaries(report, source, submissions)
        report.wall_seconds = time.monotonic() - started
        return report

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
        held = _keep_open(_prepare_datasets(self.dataset))
        plan = SandboxPlan.for_this_python(self.data_dirs)
        pending: queue.Queue = queue.Queue()
        for item in todo:
            pending.put(item)
        ready: queue.Queue = queue.Queue()
        _remove_stale_workdirs()
        workdir = Path(tempfile.mkdtemp(prefix=f"prodev-grade-{os.getpid()}-"))
        os.chmod(workdir, 0o755)
        slots = [self._make_slot(mode, plan, index, workdir) for index in range(self.jobs)]
        total = len(todo)
        counter = {"done": 0}
        stop = threading.Event()

        def slot_loop(slot: WorkerSlot) -> None:
            try:
                while not stop.is_set():
                    try:
                        sub, sha = pending.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        job = self._stage_a(slot, sub, sha, source, key)
                    except Exception:
                        # The sandbox failed, not the submission: hand it to another slot
                        # (or, if none is left, to the report as ungraded) rather than lose it.
                        pending.put((sub, sha))
                        raise
                    ready.put(job)
                    job.done.wait()
                    slot.finish()
            except Exception as exc:  # a slot that cannot work any more ends; others go on
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
            document = grade(job.facts, results, source.question_points(), elapsed)
            submitted_at = read_timestamp(job.submission)
            if submitted_at:  # nbgrader's submission time, for its late penalties
                document["timestamp"] = submitted_at
            write_json_atomically(self.out / f"{job.submission.student}.json", document)
            report.documents[job.submission.student] = document
            report.graded.append(job.submission.student)
            if not job.facts.unreadable:
                report.overheads.append(max(0.0, elapsed - job.facts.seconds))
            counter["done"] += 1
            self._say(
                f"[{counter['done']}/{total}] {job.submission.student}: "
                f"{document['score']:g}/{document['max_score']:g} in {elapsed:.1f} s"
            )

        threads = [threading.Thread(target=slot_loop, args=(s,), daemon=True) for s in slots]
        for thread in threads:
            thread.start()
        plugin = BatchChecksPlugin(
            next_job,
            finish,
            dataset=self.dataset,
            public_seed=PUBLIC_SEED,
            hidden_seed=HIDDEN_SEED,
            hidden_roots=[self.lab.hidden_checks],
        )
        try:
            run_checks(self.lab.check_paths(), plugin)
        finally:
            stop.set()
            for slot in slots:
                slot.stop()
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
            return WorkerSlot(
                lambda: LocalProcess(argv, self.limits), self.limits, services, SERVICES_DIR_INSIDE
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
        self, slot: WorkerSlot, sub: Submission, sha: str, source: LabSource, key: str
    ) -> _Job:
        started = time.monotonic()
        facts = SubmissionFacts(student=sub.student, sha256=sha, grading_key=key)
        try:
            notebook = load_submission(sub.path)
        except NotebookError as exc:
            facts.unreadable = str(exc).splitlines()[0][:300]
            return _Job(sub, sha, UnreadableStudent(facts.unreadable), facts, started)
        cells = assemble(source, notebook)
        facts.missing = cells.missing
        facts.notes = cells.notes
        run = slot.run(cells.cells)
        facts.skipped_cells = {cells.labels[i]: why for i, why in run.skipped.items()}
        facts.cell_errors = run.errors
        facts.seconds = run.seconds
        if run.failure:
            facts.unreadable = run.failure
            return _Job(sub, sha, UnreadableStudent(run.failure), facts, started)
        return _Job(sub, sha, RemoteStudent(slot), facts, started)

    # ---- after the batch ---------------------------------------------------------------------
    def _write_summaries(
        self, report: BatchReport, source: LabSource, submissions: list[Submission]
    ) -> None:
        documents = (
            [d for path in sorted(self.out.glob("*.json")) if (d := read_result(path)) is not None]
            if self.out.is_dir()
            else []
        )
        documents = [d for d in documents if isinstance(d.get("student"), str)]
        if documents:
            write_grades_csv(self.out / "grades.csv", documents)
        if self.use_gradebook and documents:
            from autograder.results.gradebook import copy_for_formgrader, record_grades

            record_grades(self.lab.root, self.lab.name, source, documents)
            graded = {d["student"] for d in documents}
            copy_for_formgrader(
                self.lab.root,
                self.lab.name,
                {s.student: s.path.parent for s in submissions if s.path and s.student in graded},
            )


def grade_lab(lab: str, submissions: Path, **options: Any) -> BatchReport:
    """Grade `lab` for every submission under `submissions`; see `Grader` for the options."""
    return Grader(lab, **options).grade(submissions)


__all__ = ["BatchReport", "Grader", "Lab", "grade_lab", "format_table", "CourseError"]
