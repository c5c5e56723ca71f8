"""The workflow kit: the three real linters on small workflows, and the parsed-workflow helpers."""

from pathlib import Path

import pytest

from prodev.kits import workflows

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2"

CLEAN = f"""\
name: tidy

on:
  pull_request:

permissions:
  contents: read

jobs:
  lint:
    runs-on: ubuntu-24.04
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - run: echo linting
"""

# A pull request's title pasted into a shell script, an unpinned action, a persisted token.
INJECTED = """\
name: greet

on:
  pull_request:

permissions:
  contents: read

jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v6
      - run: echo "${{ github.event.pull_request.title }}"
"""


def rules(findings):
    return {(f.tool, f.rule) for f in findings}


def test_a_clean_workflow_has_no_findings():
    assert workflows.lint(CLEAN) == []


def test_the_courses_own_ci_has_no_findings():
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert workflows.lint(text, "ci") == []


def test_each_linter_reports_what_it_owns():
    found = rules(workflows.lint(INJECTED))
    assert ("zizmor", "template-injection") in found
    assert ("zizmor", "unpinned-uses") in found
    assert ("zizmor", "artipacked") in found
    broken = CLEAN.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needs: build")
    assert ("actionlint", "job-needs") in rules(workflows.lint(broken))
    long_line = CLEAN.replace("echo linting", "echo " + "x" * 130)
    assert ("yamllint", "line-length") in rules(workflows.lint(long_line))


def test_suppression_comments_do_not_silence_the_linters():
    ignored = INJECTED.replace(
        "actions/checkout@v6", "actions/checkout@v6 # zizmor: ignore[unpinned-uses,artipacked]"
    )
    assert ("zizmor", "unpinned-uses") in rules(workflows.lint(ignored))
    disabled = "# yamllint disable\n" + CLEAN.replace("echo linting", "echo " + "x" * 130)
    assert ("yamllint", "disable") in rules(workflows.lint(disabled))


def test_a_missing_linter_is_named(monkeypatch):
    monkeypatch.setattr(workflows.shutil, "which", lambda *a, **k: None)
    with pytest.raises(workflows.ToolMissing, match="actionlint is not installed"):
        workflows.lint(CLEAN)


def test_load_reads_on_and_rejects_what_is_not_a_workflow():
    assert workflows.triggers(workflows.load(CLEAN)) == {"pull_request": None}
    for text, why in [
        ('"""\n# YOUR CODE HERE\nraise NotImplementedError()\n"""', "holds no workflow yet"),
        ("jobs: [", "not valid YAML"),
        ("name: only a name\n", "`jobs:` section"),
        (42, "not a int"),
    ]:
        with pytest.raises(workflows.WorkflowError, match=why):
            workflows.load(text)


def test_needs_graph_pins_and_injections():
    wf = workflows.load(
        """
on: push
jobs:
  a: {runs-on: x, steps: [{uses: "actions/checkout@v6"}]}
  b: {runs-on: x, needs: a, steps: [{run: "echo ${{ github.head_ref }} ${{ matrix.x }}"}]}
  c:
    needs: [b]
    uses: "org/repo/.github/workflows/d.yml@0123456789abcdef0123456789abcdef01234567"
  d: {runs-on: x, steps: [{uses: ./local}]}
"""
    )
    assert workflows.upstream(wf, "c") == {"a", "b"}
    assert workflows.upstream(wf, "a") == set()
    assert workflows.unpinned(wf) == ["actions/checkout@v6"]
    assert workflows.untrusted_in_run(wf) == [("b", "github.head_ref")]


def test_permissions_cache_keys_and_main_only():
    assert workflows.grants_write("write-all") == ["*"]
    assert workflows.grants_write({"contents": "read", "id-token": "write"}) == ["id-token"]
    wf = workflows.load(
        """
on: push
jobs:
  t:
    runs-on: x
    steps:
      - uses: actions/cache@cdf6c1fa76f9f475f3d7449005a359c84ca0f306
        with: {path: p, key: "pip-${{ hashFiles('requirements.lock') }}"}
      - uses: actions/setup-python@a309ff8b426b58ec0e2a45f0f869d46889d02405
        with: {cache: pip}
"""
    )
    keys = workflows.cache_keys(wf)
    assert [workflows.hashes(k, "requirements.lock") for k in keys] == [True, False]
    assert workflows.only_on_main({"if": "${{ github.ref == 'refs/heads/main' }}"})
    assert workflows.only_on_main({"if": 'github.ref_name == "main"'})
    assert not workflows.only_on_main({"if": "github.ref == 'refs/heads/main' || true"})
    assert not workflows.only_on_main({})
    assert workflows.environment_name({"environment": {"name": "production"}}) == "production"


PIPELINE = """
on: push
jobs:
  deploy:
    needs: build
    runs-on: x
    steps: [{run: "test \\"$TARGET\\" = prod && echo ${{ github.ref }} > deployed"}]
    env: {TARGET: prod}
  build:
    needs: [test]
    runs-on: x
    steps: [{uses: ./local}, {run: "test -f tested && docker build -t app:${{ github.sha }} ."}]
  test:
    runs-on: x
    strategy: {matrix: {python-version: ["3.11", "3.12"]}}
    steps: [{run: "echo ${{ matrix.python-version }} > tested && grep -q ok app.txt"}]
"""


def test_scripts_follow_the_needs_graph_with_expressions_expanded():
    scripts = workflows.pipeline_scripts(workflows.load(PIPELINE))
    assert [s["job"] for s in scripts] == ["test", "build", "deploy"]
    assert scripts[0]["script"].startswith("echo 3.11 > tested")
    assert "app:" + "0" * 40 in scripts[1]["script"]
    assert scripts[2]["env"] == {"TARGET": "prod"}


def test_the_job_runs_scripts_in_order_and_names_the_first_failure():
    scripts = workflows.pipeline_scripts(workflows.load(PIPELINE))
    # docker is a stand-in; each script relies on a file the one before it wrote
    assert workflows.run_steps_job({"files": {"app.txt": "ok"}, "scripts": scripts}) == (
        0,
        {"ran": 3},
    )
    status, report = workflows.run_steps_job({"files": {"app.txt": "bad"}, "scripts": scripts})
    assert status == workflows.FIRST_FAILED + 0 and report == {"ran": 1}
    tools = [{"job": "t", "script": "python -m pip install nothing && python -c 'print(1)'"}]
    assert workflows.run_steps_job({"files": {}, "scripts": tools}) == (0, {"ran": 1})
    piped = [{"job": "t", "script": "false | cat", "env": {}}]
    assert workflows.run_steps_job({"files": {}, "scripts": piped})[0] == workflows.FIRST_FAILED


def test_the_kits_ask_for_jobs_with_the_registry_s_request_name():
    from prodev.kits import dockerfiles
    from prodev.runtime import registry

    assert workflows.FRESH_OP == dockerfiles.FRESH_OP == registry.FRESH_OP
