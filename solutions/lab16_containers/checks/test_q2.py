"""Question 2: `rebuilt_steps(dockerfile, changed)` predicts Docker's layer cache."""

from prodev.checking import check

DOCKERFILE = """FROM python:3.12.8-slim-bookworm
WORKDIR /srv
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY serve.py ./
COPY stayhub/ ./stayhub/
USER 1000
ENTRYPOINT ["python", "serve.py"]
"""


@check("q2", points=1)
def test_a_change_rebuilds_from_the_copy_that_takes_it(student):
    cases = [
        (["stayhub/views.py"], "a change under stayhub/"),
        (["requirements.lock"], "a change to the lock file"),
        (["README.md"], "a change to a file no instruction copies"),
    ]
    expected = {
        "a change under stayhub/": [5, 6, 7],
        "a change to the lock file": [2, 3, 4, 5, 6, 7],
        "a change to a file no instruction copies": [],
    }
    for changed, what in cases:
        got = student.call("rebuilt_steps", DOCKERFILE, changed)
        assert got == expected[what], (
            f"for {what} ({changed[0]}) you return {got}: which instruction is the first to "
            "copy that file, and what happens to the ones after it?"
        )
