"""GitHub Actions workflows, judged grader-side: three linters and questions about the parsed file.

A workflow reaches the grader as text (the JSON value of a student's string). `lint` writes it to a
private temporary folder, as `.github/workflows/<name>.yml`, and runs the three pinned linters on
it, offline:

- actionlint (syntax, expressions, `needs`, runner labels; shellcheck and pyflakes switched off so
  that the verdict does not depend on which of them a machine happens to have);
- zizmor `--offline --no-config --no-ignores` (security: unpinned actions, template injection,
  excessive permissions, persisted credentials, dangerous triggers); `--no-ignores` because an
  inline `# zizmor: ignore[...]` comment would otherwise silence it;
- yamllint under the course configuration below; a `# yamllint disable` comment counts as a
  finding for the same reason.

The other helpers answer questions about the parsed workflow (`load`): the `needs` graph, where
actions are pinned, what a run step interpolates, what a cache key hashes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prodev.errors import UserError
from prodev.kits import yamltext

# The course's yamllint rules: the default set, without the two that fight GitHub's own style
# (`on:` is a key, not a boolean; a leading `---` is optional) and with the line length of the
# course's code (ruff's 100 plus room for a pinned action and its version comment).
YAMLLINT_CONFIG = """\
extends: default
rules:
  document-start: disable
  truthy:
    check-keys: false
  line-length:
    max: 120
  comments:
    min-spaces-from-content: 1
"""
TOOLS = ("actionlint", "zizmor", "yamllint")
LINT_TIMEOUT = 60  # seconds per linter; each takes well under one on a workflow
SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
# Contexts an outsider controls: a pull request's title and body, a branch name, a comment...
UNTRUSTED = re.compile(r"\bgithub\s*\.\s*(event\b|head_ref\b)|\bgithub\s*\[\s*'event'")
SUPPRESSION = re.compile(r"#\s*yamllint\s+disable")
UNANSWERED = "NotImplementedError"


class WorkflowError(UserError, AssertionError):
    """The text is not a workflow the checks can read; the message is written for the student."""


class ToolMissing(AssertionError):
    """A linter is not installed where grading runs; the message says what to install."""


@dataclass(frozen=True)
class Finding:
    """One complaint of one linter about one line."""

    tool: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.tool} line {self.line} [{self.rule}]: {self.message}"


def tool_path(name: str) -> str:
    """The linter's executable: beside this interpreter (the course's venv) first, then PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if not found:
        raise ToolMissing(
            f"{name} is not installed where the checks run: `make setup` installs it from "
            "requirements.lock"
        )
    return found


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=LINT_TIMEOUT, check=False
    )


def _actionlint(folder: Path, relative: str) -> list[Finding]:
    done = _run(
        [tool_path("actionlint"), "-shellcheck=", "-pyflakes=", "-format", "{{json .}}", relative],
        folder,
    )
    if done.returncode not in (0, 1):
        raise WorkflowError(f"actionlint could not read the workflow: {done.stderr.strip()[:300]}")
    found = json.loads(done.stdout or "[]")
    return [Finding("actionlint", e["line"], e["kind"], e["message"]) for e in found]


def _zizmor(folder: Path, relative: str) -> list[Finding]:
    args = [tool_path("zizmor"), "--offline", "--no-config", "--no-ignores", "--no-exit-codes"]
    done = _run([*args, "--no-progress", "--format", "json", relative], folder)
    if done.returncode != 0:
        raise WorkflowError(f"zizmor could not read the workflow: {done.stderr.strip()[-300:]}")
    findings = []
    for entry in json.loads(done.stdout or "[]"):
        primary = next(
            (place for place in entry["locations"] if place["symbolic"]["kind"] == "Primary"),
            entry["locations"][0],
        )
        line = primary["concrete"]["location"]["start_point"]["row"] + 1
        note = primary["symbolic"].get("annotation") or ""
        message = f"{entry['desc']}: {note}" if note else entry["desc"]
        findings.append(Finding("zizmor", line, entry["ident"], message))
    return findings


_YAMLLINT_LINE = re.compile(r"^[^:]+:(\d+):\d+: \[(\w+)\] (.*?)(?: \(([\w-]+)\))?$")


def _yamllint(folder: Path, relative: str, text: str) -> list[Finding]:
    (folder / ".yamllint.yml").write_text(YAMLLINT_CONFIG)
    done = _run(
        [tool_path("yamllint"), "-c", ".yamllint.yml", "-f", "parsable", relative],
        folder,
    )
    findings = []
    for row in done.stdout.splitlines():
        match = _YAMLLINT_LINE.match(row)
        if match:
            line, _level, message, rule = match.groups()
            findings.append(Finding("yamllint", int(line), rule or "syntax", message))
    for number, line in enumerate(text.splitlines(), 1):
        if SUPPRESSION.search(line):
            findings.append(
                Finding("yamllint", number, "disable", "a comment switches yamllint rules off")
            )
    return findings


def lint(text: str, name: str = "pipeline") -> list[Finding]:
    """Every finding of actionlint, zizmor and yamllint on the workflow `text`, in line order.
    Text whose aliases expand too far is refused first: the linters would expand it too."""
    try:
        yamltext.safe_load(text, "the workflow")
    except yamltext.TooLarge as exc:
        raise WorkflowError(str(exc)) from None
    except yaml.YAMLError:
        pass  # the linters say where and why
    with tempfile.TemporaryDirectory(prefix="prodev-workflow-") as tmp:
        folder = Path(tmp)
        relative = f".github/workflows/{name}.yml"
        (folder / relative).parent.mkdir(parents=True)
        (folder / relative).write_text(text)
        findings = (
            _actionlint(folder, relative)
            + _zizmor(folder, relative)
            + _yamllint(folder, relative, text)
        )
    return sorted(findings, key=lambda f: (f.line, f.tool, f.rule))


def describe(findings: list[Finding], limit: int = 6) -> str:
    """The findings as lines for a failure message, at most `limit` of them."""
    shown = [f"  {finding}" for finding in findings[:limit]]
    if len(findings) > limit:
        shown.append(f"  ... and {len(findings) - limit} more")
    return "\n".join(shown)


# ---- the parsed workflow ----------------------------------------------------------------------


def load(text: Any, name: str = "the workflow") -> dict[str, Any]:
    """The workflow as a dict, with `on` under "on" (YAML 1.1 reads a bare `on` as True)."""
    if not isinstance(text, str):
        raise WorkflowError(f"{name} should be a string holding YAML, not a {type(text).__name__}")
    if not text.strip() or UNANSWERED in text:
        raise WorkflowError(f"{name} holds no workflow yet: write its YAML in the string")
    try:
        data = yamltext.safe_load(text, name)
    except yamltext.TooLarge as exc:
        raise WorkflowError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise WorkflowError(f"{name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise WorkflowError(f"{name} should be a YAML mapping with a `jobs:` section")
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """Event name -> its settings (None when the event has none)."""
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on or {})


def needs(job: dict[str, Any]) -> set[str]:
    value = job.get("needs") or []
    return {value} if isinstance(value, str) else set(value)


def upstream(workflow: dict[str, Any], name: str) -> set[str]:
    """Every job that must finish before job `name` starts (its `needs`, followed transitively)."""
    jobs = workflow["jobs"]
    seen: set[str] = set()
    todo = list(needs(jobs.get(name) or {}))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(needs(jobs.get(current) or {}))
    return seen


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job name, step) for every step of every job."""
    for job_name, job in workflow["jobs"].items():
        for step in (job or {}).get("steps") or []:
            if isinstance(step, dict):
                yield job_name, step


def uses(workflow: dict[str, Any]) -> list[str]:
    """Every `uses:` reference: steps' actions and jobs' reusable workflows."""
    found = [str(step["uses"]) for _, step in steps(workflow) if "uses" in step]
    found += [str(job["uses"]) for job in workflow["jobs"].values() if "uses" in (job or {})]
    return found


def unpinned(workflow: dict[str, Any]) -> list[str]:
    """The `uses:` references not pinned to a full commit SHA (local `./` actions are exempt)."""
    return [ref for ref in uses(workflow) if not ref.startswith("./") and not SHA_PIN.match(ref)]


def untrusted_in_run(workflow: dict[str, Any]) -> list[tuple[str, str]]:
    """(job, expression) for every `${{ }}` in a `run:` script that reads attacker-controlled
    context (github.event..., github.head_ref): the shell would execute what it expands to."""
    found = []
    for job_name, step in steps(workflow):
        for expression in EXPRESSION.findall(str(step.get("run", ""))):
            if UNTRUSTED.search(expression):
                found.append((job_name, expression.strip()))
    return found


def permission_scopes(value: Any) -> dict[str, str]:
    """A `permissions:` value as scope -> level; `read-all`/`write-all` become a "*" scope."""
    if isinstance(value, str):
        return {"*": value.split("-")[0]}
    return {str(k): str(v) for k, v in (value or {}).items()}


def grants_write(value: Any) -> list[str]:
    """The scopes a `permissions:` value grants write access to."""
    return sorted(scope for scope, level in permission_scopes(value).items() if level == "write")


def cache_keys(workflow: dict[str, Any]) -> list[str]:
    """What keys a dependency cache: `actions/cache` keys and `setup-python` dependency paths."""
    keys = []
    for _, step in steps(workflow):
        action = str(step.get("uses", "")).split("@")[0]
        given = step.get("with") or {}
        if action in ("actions/cache", "actions/cache/restore") and "key" in given:
            keys.append(str(given["key"]))
        if action == "actions/setup-python" and given.get("cache"):
            # setup-python hashes the dependency file it is given (requirements*.txt by default)
            hashed = given.get("cache-dependency-path", "**/requirements*.txt")
            keys.append(f"hashFiles('{hashed}')")
    return keys


def hashes(key: str, filename: str) -> bool:
    """Whether a cache key changes when `filename` does: a hashFiles() call naming it."""
    return any(filename in args for args in re.findall(r"hashFiles\(([^)]*)\)", key))


def condition(job: dict[str, Any]) -> str:
    """A job's `if:` without the `${{ }}` wrapping and layout, '' when it has none."""
    text = str(job.get("if", "") or "")
    text = EXPRESSION.sub(lambda m: m.group(1), text)
    return " ".join(text.replace('"', "'").split())


MAIN_ONLY = re.compile(
    r"github\.ref\s*==\s*'refs/heads/main'|github\.ref_name\s*==\s*'main'"
    r"|'refs/heads/main'\s*==\s*github\.ref\b|'main'\s*==\s*github\.ref_name"
)


def only_on_main(job: dict[str, Any]) -> bool:
    """Whether the job's `if:` requires the main branch, with nothing `||`-ed around it."""
    text = condition(job)
    return bool(MAIN_ONLY.search(text)) and "||" not in text


def environment_name(job: dict[str, Any]) -> str | None:
    value = job.get("environment")
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if value else None


# ---- running the pipeline's scripts -----------------------------------------------------------
#
# The grader turns a workflow into the ordered list of its `run:` scripts (`pipeline_scripts`) and
# sends them, with a project's files, to the `workflow_steps` job. In grading the job runs in a
# fresh child of the sandbox's warm parent (no network, the sandbox's limits); it runs each script
# with bash as a GitHub runner does (`-e -o pipefail`) in a scratch copy of the project, stops at
# the first failure and exits with a status that names the failed script. The grader judges that
# exit status, which the warm parent observed; nothing the scripts print reaches a check.

STEPS_JOB = "workflow_steps"
FIRST_FAILED = 10  # exit status 10 + i: script i failed; 0: every script passed
MAX_SCRIPTS = 200
SCRIPT_SECONDS = 20
CONTEXT = {"github.sha": "0" * 40, "github.ref": "refs/heads/main", "github.ref_name": "main"}
CONTEXT_ENV = {
    "GITHUB_SHA": CONTEXT["github.sha"],
    "GITHUB_REF": CONTEXT["github.ref"],
    "GITHUB_REF_NAME": "main",
    "GITHUB_EVENT_NAME": "push",
    "GITHUB_REPOSITORY": "stayhub/stayhub-api",
    "CI": "true",
    "RUNNER_OS": "Linux",
    # the project's own environment has no pytest plugins; the course's venv has many, slow ones
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
}
# Tools a runner has that the sandbox does not: stand-ins that accept any arguments and succeed.
# pip is one of them: the project's dependencies are installed already, the sandbox has no
# network, and pip itself stops there (it reads /etc, which the sandbox keeps closed).
STAND_INS = ("docker", "mypy", "pip", "pip3")
# `python -m pip ...` goes to the pip stand-in; anything else to the real interpreter.
PYTHON_WRAPPER = """#!/bin/sh
if [ "$1" = -m ] && [ "$2" = pip ]; then exit 0; fi
exec {python} "$@"
"""


def job_order(workflow: dict[str, Any]) -> list[str]:
    """The jobs in an order a runner could use: each after everything it needs (file order
    among jobs that are ready together)."""
    jobs = list(workflow["jobs"])
    done: list[str] = []
    while len(done) < len(jobs):
        ready = [j for j in jobs if j not in done and needs(workflow["jobs"][j] or {}) <= set(done)]
        if not ready:  # a cycle or a missing job: actionlint reports it; keep file order
            ready = [j for j in jobs if j not in done][:1]
        done.append(ready[0])
    return done


def _substitute(text: str, matrix: dict[str, Any]) -> str:
    """Expand the `${{ }}` expressions a push to main would give; unknown ones become ''."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("matrix."):
            return str(matrix.get(name.split(".", 1)[1], ""))
        if name == "runner.os":
            return "Linux"
        return CONTEXT.get(name, "")

    return EXPRESSION.sub(value, text)


def pipeline_scripts(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """Every `run:` script in the order a push to main runs them, as {job, script, env}: jobs
    ordered by `needs`, a matrix job once with the first value of each axis."""
    scripts = []
    for name in job_order(workflow):
        job = workflow["jobs"][name] or {}
        axes = ((job.get("strategy") or {}).get("matrix") or {}) if isinstance(job, dict) else {}
        matrix = {k: v[0] for k, v in axes.items() if isinstance(v, list) and v}
        for step in job.get("steps") or []:
            if not isinstance(step, dict) or "run" not in step:
                continue  # actions (checkout, setup-python, cache) have nothing to run here
            env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
            env.update(step.get("env") or {})
            scripts.append(
                {
                    "job": name,
                    "script": _substitute(str(step["run"]), matrix),
                    "env": {str(k): _substitute(str(v), matrix) for k, v in env.items()},
                }
            )
    return scripts[:MAX_SCRIPTS]


def _undumpable() -> None:
    """The scripts run as the same user as this job: once the job is not dumpable, they cannot
    ptrace it or write its memory to change the exit status it reports."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass  # not Linux: nothing the scripts could do about it there either


def run_steps_job(payload: dict[str, Any], namespace: Any = None) -> tuple[int, dict[str, Any]]:
    """The job: write the project, run the scripts in order; exit 0, or 10 + the failed index.

    `namespace` is None in grading, where this runs in a fresh child of the sandbox's parent."""
    if namespace is None:
        _undumpable()
    with tempfile.TemporaryDirectory(prefix="stayhub-api-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        for relative, content in (payload.get("files") or {}).items():
            path = project / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(content))
            if relative.endswith(".sh"):
                path.chmod(0o755)
        stand_ins = Path(tmp) / "stand-ins"
        stand_ins.mkdir()
        for tool in STAND_INS:
            (stand_ins / tool).write_text("#!/bin/sh\nexit 0\n")
        for name in ("python", "python3"):
            (stand_ins / name).write_text(PYTHON_WRAPPER.format(python=sys.executable))
        for tool in stand_ins.iterdir():
            tool.chmod(0o755)
        (Path(tmp) / "home").mkdir()
        path = os.pathsep.join([str(stand_ins), str(Path(sys.executable).parent), "/usr/bin:/bin"])
        base = {**CONTEXT_ENV, "PATH": path, "HOME": str(Path(tmp) / "home"), "LANG": "C.UTF-8"}
        scripts = list(payload.get("scripts") or [])[:MAX_SCRIPTS]
        for index, step in enumerate(scripts):
            env = {**base, **{str(k): str(v) for k, v in (step.get("env") or {}).items()}}
            env["PATH"] = path  # a script's env may not swap the tools for others
            try:
                done = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["script"]],
                    cwd=project,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=SCRIPT_SECONDS,
                    check=False,
                )
                failed = done.returncode != 0
            except subprocess.TimeoutExpired:
                failed = True
            if failed:
                return FIRST_FAILED + index, {"ran": index + 1}
        return 0, {"ran": len(scripts)}


JOBS = {STEPS_JOB: run_steps_job}


@dataclass(frozen=True)
class PipelineRun:
    """What running a pipeline's scripts showed: how many there were, which failed (None: all
    passed), whether the run was cut off."""

    scripts: list[dict[str, Any]]
    failed: int | None
    timed_out: bool

    @property
    def failed_job(self) -> str | None:
        return self.scripts[self.failed]["job"] if self.failed is not None else None


# The request that asks for a job (`prodev.runtime.registry.FRESH_OP`), spelled out here because
# the registry imports this module for its job.
FRESH_OP = "fresh"


def run_pipeline(student: Any, workflow: dict[str, Any], files: dict[str, str]) -> PipelineRun:
    """Have the job run the workflow's scripts on `files` (in the sandbox when grading) and read
    the verdict from its exit status."""
    scripts = pipeline_scripts(workflow)
    reply = student.ask(
        {"op": FRESH_OP, "job": STEPS_JOB, "payload": {"files": files, "scripts": scripts}}
    )
    status = reply.get("exit") if isinstance(reply, dict) else None
    timed_out = bool(isinstance(reply, dict) and reply.get("timed_out")) or status is None
    if status == 0 or timed_out:
        return PipelineRun(scripts, None, timed_out)
    index = status - FIRST_FAILED
    if not 0 <= index < len(scripts):
        raise AssertionError(f"running the pipeline's scripts ended abnormally (status {status})")
    return PipelineRun(scripts, index, False)
