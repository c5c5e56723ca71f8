"""Hidden checks of question 2 (`triage`): the title reaches the shell as data, the job still
labels, and only it may write to pull requests."""

import re

from prodev.checking import check
from prodev.kits import workflows

TITLE = re.compile(r"github\s*\.\s*event\s*\.\s*pull_request\s*\.\s*title")


def _workflow(student):
    return workflows.load(student.value("triage"), "`triage`")


@check("q2", points=1)
def test_no_untrusted_text_in_a_script(student):
    injected = workflows.untrusted_in_run(_workflow(student))
    assert not injected, (
        f"{len(injected)} expression(s) in run scripts still expand text an outsider writes: "
        "the shell executes whatever they expand to"
    )


@check("q2", points=1)
def test_still_labels_by_title(student):
    workflow = _workflow(student)
    job = workflow["jobs"].get("label")
    assert isinstance(job, dict), "the job `label` is gone"
    for _, step in workflows.steps({"jobs": {"label": job}}):
        env = {str(k): str(v) for k, v in (step.get("env") or {}).items()}
        title_vars = [name for name, value in env.items() if TITLE.search(value)]
        script = str(step.get("run", ""))
        if "gh pr edit" in script and any(
            re.search(rf"\$\{{?{re.escape(name)}\b", script) for name in title_vars
        ):
            return
    raise AssertionError(
        "no step of `label` both reads the pull request's title from its environment and runs "
        "`gh pr edit`: the workflow no longer labels by title"
    )


@check("q2", points=1)
def test_least_privilege(student):
    workflow = _workflow(student)
    top = workflows.grants_write(workflow.get("permissions"))
    assert not top, "the workflow-level permissions still grant write access"
    for name, job in workflow["jobs"].items():
        writes = workflows.grants_write((job or {}).get("permissions"))
        allowed = ["pull-requests"] if name == "label" else []
        assert writes == allowed, (
            f"{'`label`' if name == 'label' else 'another job'} is granted write access to "
            f"{len(writes) or 'no'} scope(s) where it needs {len(allowed) or 'none'}: labelling "
            "needs write access to pull requests and nothing else, in `label` only"
        )
