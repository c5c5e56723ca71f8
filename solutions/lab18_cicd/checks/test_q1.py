"""Question 1: `pipeline`, the stayhub-api workflow: clean under three linters, jobs in order,
actions pinned, read-only by default."""

from prodev.checking import check
from prodev.kits import workflows

JOBS = ("lint", "test", "build", "deploy")


@check("q1", points=2)
def test_linters_find_nothing(student):
    text = student.value("pipeline")
    workflows.load(text, "`pipeline`")
    findings = workflows.lint(text)
    assert not findings, (
        f"actionlint, zizmor and yamllint found {len(findings)} problem(s) in `pipeline`:\n"
        + workflows.describe(findings)
    )


@check("q1", points=1)
def test_jobs_run_lint_test_build_deploy(student):
    workflow = workflows.load(student.value("pipeline"), "`pipeline`")
    missing = [name for name in JOBS if name not in workflow["jobs"]]
    assert not missing, f"the workflow has no job called {', '.join(missing)}"
    for before, after in zip(JOBS, JOBS[1:], strict=False):
        assert before in workflows.upstream(workflow, after), (
            f"`{after}` can start before `{before}` has finished: nothing in its `needs` chain "
            f"waits for `{before}`"
        )


@check("q1", points=1)
def test_actions_pinned_and_read_only_by_default(student):
    workflow = workflows.load(student.value("pipeline"), "`pipeline`")
    loose = workflows.unpinned(workflow)
    assert not loose, (
        f"{len(loose)} `uses:` reference(s) name a tag or branch that can move, e.g. {loose[0]}"
    )
    scopes = workflows.permission_scopes(workflow.get("permissions"))
    assert scopes == {"contents": "read"}, (
        f"the workflow-level permissions are {scopes or 'unset (the repository default)'}: "
        "every job starts from them, so they should allow reading the code and nothing else"
    )
