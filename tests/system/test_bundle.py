"""The student bundle: everything students need, and nothing that gives answers away."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from prodev.course.bundle import FORBIDDEN, BundleError, write_student_bundle
from prodev.course.layout import Course

ROOT = Path(__file__).resolve().parents[2]
COURSE = Course.load(ROOT)
# The body between the marker lines (markers may sit in a comment, e.g. `-- ### BEGIN SOLUTION`).
SOLUTION = re.compile(r"### BEGIN SOLUTION[^\n]*\n(.*?)^[^\n]*### END SOLUTION", re.S | re.M)
# A solution body shorter than this is too generic to search for (e.g. `return total`).
MIN_BODY = 20


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "prodev-backend"
    write_student_bundle(out, root=ROOT)
    return out


def _squash(text: str) -> str:
    return " ".join(text.split())


def _notebook_text(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
    )


def readable_text(path: Path) -> str | None:
    """A file's text as a person would read it (notebooks: their cells), or None if binary."""
    try:
        if path.suffix == ".ipynb":
            return _notebook_text(path)
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError):
        return None


@pytest.fixture(scope="module")
def bundle_text(bundle) -> dict[str, str]:
    """Every text file of the bundle, whitespace squashed, for substring searches."""
    texts = {
        p.relative_to(bundle).as_posix(): readable_text(p)
        for p in sorted(bundle.rglob("*"))
        if p.is_file()
    }
    return {name: _squash(text) for name, text in texts.items() if text}


def _where(needle: str, texts: dict[str, str]) -> list[str]:
    return [name for name, text in texts.items() if needle in text]


def solution_bodies() -> list[tuple[str, str]]:
    """(notebook, body) for every BEGIN/END SOLUTION block of every lab source."""
    bodies = []
    for nb in sorted(lab.source_notebook for lab in COURSE.all_labs()):
        for body in SOLUTION.findall(_notebook_text(nb)):
            if len(_squash(body)) >= MIN_BODY:
                bodies.append((nb.relative_to(ROOT).as_posix(), _squash(body)))
    return bodies


def hidden_check_lines() -> list[tuple[str, str]]:
    """(file, line) with the most distinctive line of every hidden check file: the longest one
    that no public check of the same lab also contains."""
    picked = []
    for path in sorted(COURSE.hidden_checks.rglob("*.py")):
        lab = path.relative_to(COURSE.hidden_checks).parts[0]
        public = " ".join(
            _squash(p.read_text()) for p in COURSE.lab(lab).public_checks.glob("*.py")
        )
        lines = [
            _squash(line)
            for line in path.read_text().splitlines()
            if len(line.strip()) > 15 and not line.strip().startswith(("import ", "from ", "@"))
        ]
        lines = [line for line in lines if line not in public]
        if lines:
            picked.append((path.relative_to(ROOT).as_posix(), max(lines, key=len)))
    return picked


def test_bundle_holds_what_students_need(bundle):
    for name in (
        "course",
        "labs",
        "prodev",
        "README.md",
        "Makefile",
        "pyproject.toml",
        "requirements.lock",
        "environment.yml",
        "nbgrader_config.py",
        "docs",
        ".github/workflows/ci.yml",  # lesson 18 lints it
    ):
        if (ROOT / name).exists():
            assert (bundle / name).exists(), f"the bundle lacks {name}"
    assert (bundle / "prodev" / "cli.py").is_file()


def test_bundle_leaves_out_solutions_hidden_checks_and_local_state(bundle):
    present = [name for name in FORBIDDEN if (bundle / name).exists()]
    assert not present, f"the bundle contains {present}"
    stray = [
        p.relative_to(bundle).as_posix()
        for p in bundle.rglob("*")
        if p.name in ("__pycache__", ".ipynb_checkpoints")
        or p.suffix in (".duckdb", ".pyc")
        or p.name.endswith("_hidden.py")
        or "secret" in p.name.lower()
    ]
    assert not stray, f"the bundle contains generated or secret files: {stray[:10]}"


def test_labs_are_copied_unchanged(bundle):
    for source in (ROOT / "labs").rglob("*"):
        if (
            source.is_file()
            and "__pycache__" not in source.parts
            and ".ipynb_checkpoints" not in source.parts
        ):
            copy = bundle / source.relative_to(ROOT)
            assert copy.is_file(), f"{source.relative_to(ROOT)} is missing from the bundle"
            assert copy.read_bytes() == source.read_bytes()


def test_no_solution_body_is_in_the_bundle(bundle_text):
    bodies = solution_bodies()
    if not bodies:
        pytest.skip("solutions/ holds no lab with solution blocks yet")
    leaked = [
        f"{nb}: {body[:70]}... is in {', '.join(_where(body, bundle_text))}"
        for nb, body in bodies
        if _where(body, bundle_text)
    ]
    assert not leaked, "solution text reached the bundle:\n" + "\n".join(leaked)


def test_no_hidden_check_is_in_the_bundle(bundle_text):
    lines = hidden_check_lines()
    if not lines:
        pytest.skip("autograder/checks/ holds no hidden checks yet")
    leaked = [
        f"{path}: {line} is in {', '.join(_where(line, bundle_text))}"
        for path, line in lines
        if _where(line, bundle_text)
    ]
    assert not leaked, "hidden check code reached the bundle:\n" + "\n".join(leaked)


def test_the_leak_search_finds_a_leak(tmp_path, bundle):
    """The searches are not vacuous: plant a solution body and a hidden line, and find them."""
    bodies, hidden = solution_bodies(), hidden_check_lines()
    if not (bodies and hidden):
        pytest.skip("needs at least one solution and one hidden check")
    planted = tmp_path / "planted.py"
    planted.write_text(f"# {bodies[0][1]}\n{hidden[0][1]}\n")
    text = _squash(readable_text(planted))
    assert bodies[0][1] in text and hidden[0][1] in text


def test_out_must_be_empty_unless_forced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(BundleError, match="not empty"):
        write_student_bundle(out, root=ROOT)
    assert (out / "notes.txt").read_text() == "mine"
    report = write_student_bundle(out, root=ROOT, force=True)
    assert not (out / "notes.txt").exists()
    assert report.files > 0 and "prodev" in report.items


def test_force_never_empties_a_repository(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(BundleError, match="git repository"):
        write_student_bundle(tmp_path, root=ROOT, force=True)
    assert (tmp_path / "keep.txt").exists()


def test_command_prints_what_it_wrote(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "prodev", "bundle", "student", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote the student bundle" in result.stdout and "  labs/" in result.stdout
    again = subprocess.run(
        [sys.executable, "-m", "prodev", "bundle", "student", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert again.returncode == 2 and "--force" in again.stderr


def _bundle_env(bundle: Path, data: Path) -> dict[str, str]:
    return dict(
        os.environ,
        PYTHONPATH=str(bundle),
        PRODEV_HOME=str(bundle),
        PRODEV_DATA_DIR=str(data),
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
    )


def test_prodev_runs_from_the_bundle_alone(bundle, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import prodev, prodev.course.paths; print(prodev.__file__); "
            "print(prodev.course.paths.project_root())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=bundle,
        env=_bundle_env(bundle, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    module, root = result.stdout.split()
    assert Path(module).is_relative_to(bundle) and Path(root) == bundle


def _lab_to_check(bundle: Path) -> Path | None:
    labs = sorted(p for p in (bundle / "labs").glob("lab*/lab*.ipynb"))
    preferred = [p for p in labs if p.stem == "lab04_advanced_sql"]
    return (preferred or labs or [None])[0]


@pytest.mark.slow
def test_a_blank_lab_checks_from_the_bundle(bundle, tmp_path):
    notebook = _lab_to_check(bundle)
    if notebook is None:
        pytest.skip("labs/ holds no released lab yet")
    result = subprocess.run(
        [sys.executable, "-m", "prodev", "check", str(notebook.relative_to(bundle))],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=bundle,
        env=_bundle_env(bundle, tmp_path / "data"),
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.returncode == 1, f"a blank lab must fail its checks:\n{result.stdout}"
    assert re.search(r"^question\s+points\s+result", result.stdout, re.M), result.stdout
    assert re.search(r"^0 of \d+ checks passed$", result.stdout, re.M), result.stdout
    assert re.search(r"^public checks: 0 of \d+ points; hidden checks", result.stdout, re.M)


def test_make_lab_in_the_bundle_sets_up_a_venv(bundle):
    result = subprocess.run(
        ["make", "-n", "lab"], capture_output=True, text=True, timeout=60, cwd=bundle
    )
    assert result.returncode == 0, result.stderr
    for step in (
        "-m venv .venv",
        "pip install",
        "-r requirements.lock",
        "-e .",
        "prodev data",
        "prodev lab",
    ):
        assert step in result.stdout, f"`make -n lab` does not show `{step}`:\n{result.stdout}"


def lend_build_tools(shelf: Path) -> dict[str, str]:
    """An environment whose PYTHONPATH lends this interpreter's setuptools (and what it imports)
    to another venv's build, ahead of that venv's own: a fresh venv has none (Python 3.12) or
    one too old to build wheels by itself (Python 3.11), and nothing may be downloaded."""
    shelf.mkdir()
    for name in ("setuptools", "pkg_resources", "_distutils_hack"):
        found = importlib.util.find_spec(name)
        if found is not None and found.origin:
            (shelf / name).symlink_to(Path(found.origin).parent)
    return dict(os.environ, PYTHONPATH=str(shelf))


@pytest.mark.slow
def test_bundle_installs_without_autograder(bundle, tmp_path):
    """pyproject.toml also lists autograder*, which the bundle lacks: it must still install,
    offline (no build isolation: nothing is downloaded)."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-e",
            str(bundle),
        ],
        env=lend_build_tools(tmp_path / "build-tools"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import prodev.course.paths; print(prodev.course.paths.project_root())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == bundle
    missing = subprocess.run(
        [str(python), "-c", "import autograder"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert missing.returncode != 0, "the grading engine must not be importable from the bundle"


def test_the_hidden_seed_is_not_in_the_bundle(bundle_text):
    """The seed of the datasets hidden checks run on is the grader's secret."""
    config = (ROOT / "autograder" / "config.py").read_text()
    match = re.search(r"^SAMPLE_HIDDEN_SEED\s*=\s*(\d+)", config, re.M)
    assert match, "autograder/config.py defines the sample SAMPLE_HIDDEN_SEED"
    seed = match.group(1)
    # The constant's definition, or the number used as a seed ("--seed 9", "seed=9", "seed9").
    pattern = re.compile(
        rf"(?m:^\s*\w*HIDDEN_SEED\s*=\s*\d)|(?i:seed\s*[=:]?\s*{seed}\b|seed{seed}\b)"
    )
    found = [name for name, text in bundle_text.items() if pattern.search(text)]
    assert not found, f"the hidden seed is named in {found}"
    assert pattern.search(f"prodev data --seed {seed}") and pattern.search(f"SEED={seed}")
    assert not pattern.search("hidden_seed: int | None = None"), "a parameter name is no secret"
    assert pattern.search("SAMPLE_HIDDEN_SEED = 12") and not pattern.search(
        'export PRODEV_HIDDEN_SEED="$(cat seed)"'
    ), "a definition is found, a documented setting is not"
