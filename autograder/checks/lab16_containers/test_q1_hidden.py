"""Hidden checks of question 1: what the container runs as, and what its layers hold."""

import re

from prodev.checking import check
from prodev.kits import dockerfiles


def _problems(student, rules):
    text = dockerfiles.student_text(student, "dockerfile", "Dockerfile")
    return text, [p for p in dockerfiles.review(text) if p.rule in rules]


@check("q1", points=2)
def test_runs_as_a_user_with_a_health_check_and_exec_form(student):
    text, problems = _problems(student, ("from", "user", "healthcheck", "entrypoint"))
    assert not problems, "; ".join(problems)
    final = dockerfiles.lineage(*_final(text))
    starts = [i for i in (_last(final, "ENTRYPOINT"), _last(final, "CMD")) if i is not None]
    words = [w for start in starts for w in (start.exec_form or [])]
    assert any(w.endswith("serve.py") for w in words), (
        "the image's ENTRYPOINT/CMD no longer starts serve.py"
    )
    health = _last(final, "HEALTHCHECK")
    command = health.value if health else ""
    programs = set(re.split(r"[\s\"',\[\]]+", command))
    # The image has Python and no curl or wget; "localhost" may resolve to ::1, where the
    # server does not listen.
    assert not programs & {"curl", "wget"} and "127.0.0.1" in command and "/healthz" in command, (
        "the HEALTHCHECK does not ask the health endpoint on 127.0.0.1 with a program the image has"
    )


@check("q1", points=1)
def test_dependencies_first_and_no_secrets(student):
    _, problems = _problems(student, ("from", "order", "secret"))
    assert not problems, "; ".join(problems)


def _final(text):
    stages = dockerfiles.stages(dockerfiles.parse(text))
    return stages, stages[-1]


def _last(chain, keyword):
    for stage in chain:
        named = stage.named(keyword)
        if named:
            return named[-1]
    return None
