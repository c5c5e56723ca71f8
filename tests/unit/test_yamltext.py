"""Students' YAML is read with a bound on what its anchors and aliases expand to, so a few lines
cannot make the grader walk, validate or quote billions of values."""

import pytest
import yaml

from prodev.kits import dockerfiles, manifests, workflows, yamltext


def alias_bomb(levels: int) -> str:
    """A flow list of ten values, each level ten aliases of the one below: 10**(levels+1) values."""

    def nest(i: int) -> str:
        if i == 0:
            return "&a0 [" + ", ".join(["x"] * 10) + "]"
        return f"&a{i} [{nest(i - 1)}, " + ", ".join([f"*a{i - 1}"] * 9) + "]"

    return nest(levels)


PLAIN = """
defaults: &defaults {image: "postgres:18.1", restart: always}
services:
  db: *defaults
  cache: {image: "redis:7.4", restart: always}
"""


def test_plain_yaml_with_a_few_aliases_loads_as_yaml_reads_it():
    assert yamltext.safe_load(PLAIN) == yaml.safe_load(PLAIN)
    assert yamltext.safe_load_all("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]


def test_the_count_follows_aliases_once_per_node():
    assert yamltext.expanded_size(yaml.safe_load(alias_bomb(2))) == 1 + 10 * (1 + 10 * 11)
    assert yamltext.expanded_size(yaml.safe_load(alias_bomb(9))) == yamltext.MAX_VALUES + 1


def test_an_alias_bomb_is_refused():
    with pytest.raises(yamltext.TooLarge, match="anchors and aliases"):
        yamltext.safe_load(f"args: {alias_bomb(9)}\n")


def test_a_node_that_contains_itself_is_refused():
    with pytest.raises(yamltext.TooLarge):
        yamltext.safe_load("&loop [1, *loop]")


def test_deep_nesting_is_refused_with_a_message():
    with pytest.raises(yamltext.TooLarge, match="nested too deeply"):
        yamltext.safe_load("[" * 50_000 + "]" * 50_000)


def test_the_kits_refuse_it_before_validating_or_linting():
    bomb = alias_bomb(9)
    deployment = f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api}}\nspec: {bomb}\n"
    with pytest.raises(manifests.ManifestError, match="anchors and aliases"):
        manifests.load_documents(deployment)
    workflow = f"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env: {{X: {bomb}}}\n"
    with pytest.raises(workflows.WorkflowError, match="anchors and aliases"):
        workflows.lint(workflow)
    with pytest.raises(workflows.WorkflowError, match="anchors and aliases"):
        workflows.load(workflow)
    with pytest.raises(ValueError, match="anchors and aliases"):
        dockerfiles.load_compose(f"services:\n  app:\n    command: {bomb}\n")


def test_a_schema_error_quotes_a_value_only_in_part():
    big = "[" + ", ".join(f'["{i}"]' for i in range(2000)) + "]"
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n"
        "spec:\n  selector: {matchLabels: {app: api}}\n  template:\n"
        "    metadata: {labels: {app: api}}\n    spec:\n      containers:\n"
        f"      - name: api\n        image: stayhub/api:1.0\n        args: {big}\n"
    )
    (problem,) = manifests.schema_problems(manifests.load_documents(text)[0])
    assert "args" in str(problem) and len(str(problem)) < manifests.MESSAGE_CHARS + 200
