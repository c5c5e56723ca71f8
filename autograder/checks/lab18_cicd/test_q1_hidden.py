"""Hidden checks of question 1 (`pipeline`): the deploy gate, the cache key, the matrix and the
commands each job runs."""

from prodev.checking import check
from prodev.kits import workflows


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
            f"job `{name}` is granted write access to {writes or 'nothing'}; only `deploy` "
            "needs one write scope, for its OIDC token"
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
        f"the cache key(s) {keys} do not change when requirements.lock changes: a new lock file "
        "would restore stale downloads"
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
        f"`test` does not run on both Python 3.11 and 3.12 (its python-version matrix is {matrix})"
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
