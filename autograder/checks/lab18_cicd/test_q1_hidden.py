"""Hidden checks of question 1 (`pipeline`): the deploy gate, the cache key, the matrix, the
commands each job runs, and the scripts run for real against stayhub-api."""

from prodev.checking import check
from prodev.kits import workflows

# The stayhub-api project the pipeline's scripts run against: SOUND passes lint and tests; each
# broken variant plants one fault that the pipeline must stop at.
PRICING = '''\
"""Prices of StayHub stays."""


def stay_total(nightly_price: float, nights: int, cleaning_fee: float = 0.0) -> float:
    """What a guest pays for `nights` nights."""
    if nights < 1:
        raise ValueError("a stay lasts at least one night")
    return round(nightly_price * nights + cleaning_fee, 2)
'''

TESTS = """\
import pytest

from stayhub_api.pricing import stay_total


def test_three_nights_with_a_fee():
    assert stay_total(80.0, 3, cleaning_fee=25.0) == 265.0


def test_a_stay_needs_a_night():
    with pytest.raises(ValueError):
        stay_total(80.0, 0)
"""

SOUND = {
    "requirements.lock": "pytest==9.2.0\nruff==0.17.6\n",
    "pyproject.toml": (
        '[project]\nname = "stayhub-api"\nversion = "1.0"\n\n'
        '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
    ),
    "src/stayhub_api/__init__.py": "",
    "src/stayhub_api/pricing.py": PRICING,
    "tests/test_pricing.py": TESTS,
    "Dockerfile": "FROM python:3.12-slim\n",
    "scripts/deploy.sh": '#!/bin/sh\nset -eu\n[ "$1" = production ]\necho "deployed to $1"\n',
}

# A test that fails: the fee is counted per night.
FAILING_TEST = {
    **SOUND,
    "src/stayhub_api/pricing.py": PRICING.replace(
        "nightly_price * nights + cleaning_fee", "(nightly_price + cleaning_fee) * nights"
    ),
}

# A lint error: an import nobody uses.
LINT_ERROR = {
    **SOUND,
    "src/stayhub_api/pricing.py": PRICING.replace(
        '"""Prices of StayHub stays."""\n', '"""Prices of StayHub stays."""\n\nimport os\n'
    ),
}


def _label(job):
    """A job's name for a message: only the names the question gave (never the student's text)."""
    return f"`{job}`" if job in ("lint", "test", "build", "deploy") else "another job"


def _workflow(student):
    return workflows.load(student.value("pipeline"), "`pipeline`")


def _job(workflow, name):
    job = workflow["jobs"].get(name)
    assert isinstance(job, dict), f"the workflow has no job called `{name}`"
    return job


def _runs(workflow, name):
    """The shell lines of a job's run steps, joined."""
    return "\n".join(str(s.get("run", "")) for job, s in workflows.steps(workflow) if job == name)


@check("q1", points=1)
def test_deploy_only_from_main_behind_an_environment(student):
    workflow = _workflow(student)
    deploy = _job(workflow, "deploy")
    assert workflows.only_on_main(deploy), (
        "`deploy` would also run for pull requests and other branches: its condition does not "
        "limit it to the main branch"
    )
    assert workflows.environment_name(deploy) == "production", (
        "`deploy` does not run in the `production` environment, so no reviewer approves it"
    )
    for name, job in workflow["jobs"].items():
        writes = workflows.grants_write((job or {}).get("permissions"))
        allowed = ["id-token"] if name == "deploy" else []
        assert writes == allowed, (
            f"job {_label(name)} is granted write access to {len(writes) or 'no'} scope(s) where "
            f"it needs {len(allowed) or 'none'}: only `deploy` needs one, for its OIDC token"
        )
    assert "id-token" in workflows.grants_write(deploy.get("permissions")), (
        "`deploy` cannot ask for an OIDC token: its permissions do not allow it"
    )


@check("q1", points=1)
def test_pip_cache_follows_the_lock_file(student):
    workflow = _workflow(student)
    keys = workflows.cache_keys(workflow)
    assert keys, "no step caches pip downloads"
    assert any(workflows.hashes(key, "requirements.lock") for key in keys), (
        f"none of the {len(keys)} cache key(s) changes when requirements.lock changes: a new lock "
        "file would restore stale downloads"
    )


@check("q1", points=1)
def test_triggers_matrix_and_commands(student):
    workflow = _workflow(student)
    events = workflows.triggers(workflow)
    assert "pull_request" in events, "the workflow does not run for pull requests"
    push = events.get("push") or {}
    assert "push" in events and push.get("branches") in (["main"], "main"), (
        "the workflow should run for pushes to main (and only main's pushes)"
    )
    assert (workflow.get("concurrency") or {}).get("cancel-in-progress") is True, (
        "a newer push does not cancel a run still going for the same ref"
    )
    matrix = ((_job(workflow, "test").get("strategy") or {}).get("matrix") or {}).get(
        "python-version"
    )
    assert matrix and {"3.11", "3.12"} <= {str(v) for v in matrix}, (
        "`test` does not run on both Python 3.11 and 3.12 (its `python-version` matrix axis)"
    )
    expected = {
        "lint": ["ruff check", "mypy src"],
        "test": ["pytest"],
        "build": ["docker build"],
        "deploy": ["./scripts/deploy.sh production"],
    }
    for job, commands in expected.items():
        script = _runs(workflow, job)
        for command in commands:
            assert command in script, f"job `{job}` never runs `{command}`"


@check("q1", points=1)
def test_scripts_pass_on_a_sound_project_and_stop_on_a_broken_one(student):
    workflow = _workflow(student)
    sound = workflows.run_pipeline(student, workflow, SOUND)
    assert not sound.timed_out, "running the pipeline's scripts on stayhub-api took too long"
    assert sound.failed is None, (
        f"on a sound stayhub-api, run script {sound.failed + 1} of {len(sound.scripts)} (in job "
        f"{_label(sound.failed_job)}) failed"
    )
    for fault, files, job in [
        ("a failing test", FAILING_TEST, "test"),
        ("an unused import", LINT_ERROR, "lint"),
    ]:
        broken = workflows.run_pipeline(student, workflow, files)
        assert broken.failed is not None and broken.failed_job == job, (
            f"on a stayhub-api with {fault}, the pipeline "
            + (
                "ran every script to the end, deploy included"
                if broken.failed is None
                else f"stopped in job {_label(broken.failed_job)} instead of `{job}`"
            )
        )
