"""Hidden checks of question 2: the cache on other Dockerfiles, with every trap the question
names (options, several sources, folders with and without `/`, top-level patterns, comments)."""

from prodev.checking import check

LAYERED = """# the build of the bookings worker
FROM python:3.11.14-slim-bookworm

WORKDIR /opt/worker
ENV PYTHONUNBUFFERED=1
COPY --chown=1000:100 requirements.lock constraints.txt ./
RUN pip install --no-cache-dir -r requirements.lock -c constraints.txt
# code last
COPY --chown=1000:100 worker ./worker
COPY *.py ./
COPY config/ ./config/
USER 1000
CMD ["python", "-m", "worker"]
"""

EVERYTHING = """FROM python:3.11.14-slim-bookworm
ARG VERSION=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.lock
ENTRYPOINT ["python", "serve.py"]
"""

CASES = {
    "options": (LAYERED, [["constraints.txt"], ["worker/tasks/refunds.py"]]),
    "patterns": (
        LAYERED,
        [
            ["worker/main.py", "config/app.toml"],
            ["manage.py"],
            ["scripts/seed.py"],
            ["config/app.toml"],
        ],
    ),  # fmt: skip
    "nothing": (LAYERED, [["docs/index.md"], []]),
    "everything": (EVERYTHING, [["README.md"], ["stayhub/views.py"]]),
}


def _judge(student, reference, names, message):
    for name in names:
        dockerfile, changes = CASES[name]
        for changed in changes:
            got = student.call("rebuilt_steps", dockerfile, changed)
            assert got == reference(dockerfile, changed), message


@check("q2", points=1)
def test_options_and_several_sources(student, rebuilt_reference):
    _judge(
        student,
        rebuilt_reference,
        ["options"],
        "on a Dockerfile whose COPY lines carry options and several sources, and with comment "
        "and blank lines, some answers were wrong: are options skipped, every source but the "
        "destination considered, and only instructions counted?",
    )


@check("q2", points=1)
def test_folders_and_top_level_patterns(student, rebuilt_reference):
    _judge(
        student,
        rebuilt_reference,
        ["patterns"],
        "on a Dockerfile copying a folder, a folder with a trailing `/` and a `*.py` pattern, "
        "some answers were wrong: does `*` stay within one path component?",
    )


@check("q2", points=1)
def test_changes_nothing_copies_and_the_whole_context(student, rebuilt_reference):
    _judge(
        student,
        rebuilt_reference,
        ["nothing", "everything"],
        "for a change no COPY takes, or a `COPY . .` of the whole context, some answers were wrong",
    )
