"""prodev.kits.dockerfiles: parsing, review, hadolint, .dockerignore, Compose, the stop job."""

from pathlib import Path

import pytest

from prodev.kits import dockerfiles

ROOT = Path(__file__).resolve().parents[2]

SMELLY = """\
FROM python:latest
ADD https://example.com/stayhub.tar.gz /tmp/
ENV DJANGO_SECRET_KEY=changeme
WORKDIR /app
COPY . .
RUN pip install -r requirements.lock
CMD python serve.py
"""

GOOD = """\
# syntax=docker/dockerfile:1
FROM python:3.11.14-slim-bookworm AS build
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --prefix=/install \\
        -r requirements.lock

FROM python:3.11.14-slim-bookworm
WORKDIR /app
COPY --from=build /install /usr/local
COPY serve.py .
USER 1000
HEALTHCHECK CMD ["python", "-c", "print(1)"]
ENTRYPOINT ["python", "serve.py"]
"""


def test_parse_joins_continuations_and_reads_flags():
    instructions = dockerfiles.parse(GOOD)
    run = [i for i in instructions if i.keyword == "RUN"][0]
    assert run.line == 5 and run.value.endswith("-r requirements.lock")
    copy = [i for i in instructions if i.keyword == "COPY"][1]
    assert copy.flags == {"from": "build"} and copy.arguments == ["/install", "/usr/local"]
    entry = instructions[-1]
    assert entry.exec_form == ["python", "serve.py"]
    stages = dockerfiles.stages(instructions)
    assert [(s.base, s.name) for s in stages] == [
        ("python:3.11.14-slim-bookworm", "build"),
        ("python:3.11.14-slim-bookworm", None),
    ]


def test_a_good_dockerfile_passes_review_and_a_smelly_one_fails_each_rule():
    assert dockerfiles.review(GOOD) == []
    problems = "\n".join(dockerfiles.review(SMELLY))
    for words in ("latest", "ADD fetches a URL", "DJANGO_SECRET_KEY", "line 5: . is copied",
                  "no USER", "no HEALTHCHECK", "shell form"):  # fmt: skip
        assert words in problems, words


def test_the_final_stage_inherits_user_and_healthcheck_from_its_base_stage():
    text = (
        'FROM python:3.11-slim AS base\nUSER 1000\nHEALTHCHECK CMD ["true"]\n'
        'FROM base\nCMD ["python"]\n'
    )
    assert dockerfiles.review(text) == []
    as_root = text.replace("FROM base", "FROM base\nUSER root")
    assert any("root" in p for p in dockerfiles.review(as_root))


@pytest.mark.parametrize(
    ("base", "pinned"),
    [
        ("python", False),
        ("python:latest", False),
        ("python:slim", False),
        ("python:3.11-slim", True),
        ("python@sha256:" + "a" * 64, True),
        ("registry.example.com:5000/python", False),
        ("$BASE", False),
    ],
)
def test_bases_must_name_a_version(base, pinned):
    problem = dockerfiles.base_problem(dockerfiles.Stage(0, base, None), set())
    assert (problem is None) == pinned, problem


def test_the_course_dockerfile_passes_review_and_hadolint():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfiles.review(text) == []
    assert dockerfiles.lint(text) == []


def test_hadolint_reports_findings_and_ignores_pragmas():
    text = "# hadolint ignore=DL3007\nFROM python:latest\nCMD python app.py\n"
    codes = {f.code for f in dockerfiles.lint(text)}
    assert {"DL3007", "DL3025"} <= codes


def test_a_missing_hadolint_is_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(dockerfiles.shutil, "which", lambda name: None)
    monkeypatch.setattr(dockerfiles.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(dockerfiles.ToolMissing, match="make setup"):
        dockerfiles.hadolint_path()


def test_dockerignore_follows_dockers_rules():
    paths = ["a.pyc", "pkg/a.pyc", ".env", "pkg/.env", "data/x.duckdb", "data/keep.txt",
             "pkg/__pycache__/m.pyc", ".git/HEAD"]  # fmt: skip
    patterns = "# comment\n*.pyc\n**/__pycache__\n/.env\n./data\n!data/keep.txt\n.git\n"
    assert dockerfiles.ignored(patterns, paths) == {
        "a.pyc",  # `*.pyc` is the top level only, as in Docker
        ".env",
        "data/x.duckdb",
        "pkg/__pycache__/m.pyc",
        ".git/HEAD",
    }


COMPOSE = """
services:
  app:
    build: .
    depends_on:
      db: {condition: service_healthy}
  db:
    image: postgres:18.1-bookworm
    healthcheck: {test: ["CMD", "pg_isready"]}
"""


def test_compose_is_validated_against_the_vendored_schema():
    compose = dockerfiles.load_compose(COMPOSE)
    assert dockerfiles.schema_errors(compose) == []
    compose["services"]["db"]["restart_policy"] = "always"
    errors = dockerfiles.schema_errors(compose)
    assert len(errors) == 1 and errors[0].startswith("services/db")
    assert dockerfiles.depends_on(compose["services"]["app"]) == {"db": "service_healthy"}
    assert dockerfiles.depends_on({"depends_on": ["db"]}) == {"db": "service_started"}
    with pytest.raises(ValueError, match="YAML mapping"):
        dockerfiles.load_compose("- just a list")


def test_image_references_must_be_pinned():
    assert dockerfiles.image_problem("redis:7.4.1-alpine") is None
    assert "latest" in dockerfiles.image_problem("redis:latest")


SERVE = """
import os, signal, threading
from wsgiref.simple_server import make_server

def app(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]

server = make_server("127.0.0.1", int(os.environ["PORT"]), app)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever()
"""


def test_the_stop_job_sees_a_clean_exit_and_a_death_by_signal():
    clean = dockerfiles.run_signal_job({"program": SERVE, "requests": 1})[1]
    assert clean["answered"] == 200 and clean["statuses"] == [200]
    # Stopped within the grace period: the job times the exit only then, and kills otherwise.
    assert clean["exit"] == 0 and clean["seconds"] is not None and not clean.get("killed")
    unhandled = dockerfiles.run_signal_job({"program": SERVE, "signal": "SIGINT"})[1]
    assert unhandled["exit"] != 0
    crashed = dockerfiles.run_signal_job({"program": "raise SystemExit(3)"})[1]
    assert crashed == {**crashed, "exit": 3, "exited_early": True, "answered": None}


def test_dockerignore_matches_folders_above_a_file_as_docker_does():
    """`*` matches every top-level entry, folders included, so it keeps out all below them; an
    exception for a folder lets its files back in; a later pattern can exclude again."""
    paths = [".git/HEAD", "README.md", "app/main.py", "app/__pycache__/main.pyc", "app/.env"]
    allow_list = "*\n!app\n**/__pycache__\n**/.env\n"
    assert dockerfiles.ignored(allow_list, paths) == {
        ".git/HEAD",
        "README.md",
        "app/__pycache__/main.pyc",
        "app/.env",
    }


def test_the_stop_job_is_registered_under_the_op_checks_ask_for():
    from prodev.runtime import registry

    assert dockerfiles.FRESH_OP == registry.FRESH_OP
    assert registry.default_registry().jobs[dockerfiles.SIGNAL_JOB] is dockerfiles.run_signal_job
