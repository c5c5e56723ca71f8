"""What the sandbox is told to mount: a hidden-seed dataset only under a neutral name, through a
link whose own path is neutral too (a bind mount's source shows in /proc/self/mountinfo)."""

from __future__ import annotations

from pathlib import Path

from autograder.config import Limits
from autograder.isolation.sandbox import (
    RENAMED_DATA_INSIDE,
    SandboxPlan,
    bwrap_command,
    docker_container_spec,
)


def plan_with_hidden_data(tmp_path: Path) -> tuple[SandboxPlan, Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    public = data / "stayhub_small_seed42.duckdb"
    hidden = data / "stayhub_small_seed9173.duckdb"
    for path in (public, hidden, data / "stayhub_small_seed9173_django.sqlite"):
        path.write_text(path.name)
    (data / ".stayhub_small_seed9173.duckdb.lock").write_text("")
    staging = tmp_path / "work" / "renamed"
    plan = SandboxPlan.for_this_python([data], private=[hidden], staging=staging)
    return plan, public, hidden


def test_no_mount_names_the_hidden_seed(tmp_path):
    plan, public, hidden = plan_with_hidden_data(tmp_path)
    argv = bwrap_command(plan, 0, Limits(), tmp_path / "services")
    names = [a.replace(str(tmp_path), "") for a in argv]  # the test's own folder is named for it
    assert not [a for a in names if "9173" in a or "hidden" in a.lower()]
    spec = docker_container_spec(plan, 0, Limits(), tmp_path / "services")
    mounted = [*spec["volumes"], *(v["bind"] for v in spec["volumes"].values())]
    assert not [m for m in mounted if "9173" in m]
    assert str(public) in argv  # the public dataset keeps its path
    assert "--unshare-ipc" in argv and "--mqueue" in argv


def test_the_hidden_dataset_and_what_was_built_from_it_appear_under_neutral_names(tmp_path):
    plan, _public, hidden = plan_with_hidden_data(tmp_path)
    inside = Path(plan.inside_path(str(hidden)))
    assert inside == RENAMED_DATA_INSIDE / "dataset-1.duckdb"
    staged = sorted(p.name for p in plan.staged.iterdir())
    assert staged == ["dataset-1.duckdb", "dataset-1_django.sqlite"]
    assert (plan.staged / "dataset-1.duckdb").read_text() == hidden.name  # the same file
    assert plan.inside_path("/some/other/path") == "/some/other/path"
