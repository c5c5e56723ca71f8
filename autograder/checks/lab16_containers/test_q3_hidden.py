"""Hidden checks of question 3: a deeper planted tree, with every trap the question names
(`.env` and keys below the top, caches in sub-packages, a `data/` inside the package, the
`.env.example` that must stay)."""

from prodev.checking import check
from prodev.kits import dockerfiles

SECRETS = [
    ".env", "stayhub/settings/.env", "deploy/staging/.env", "secrets/deploy.pem",
    "stayhub/certs/client.pem", "ops/keys/signing.key", ".git/config", ".git/objects/ab/cdef",
]  # fmt: skip
CLUTTER = [
    ".venv/lib/python3.11/site-packages/django/__init__.py", "tests/unit/test_views.py",
    "data/stayhub_large_seed7.duckdb", "stayhub/api/__pycache__/urls.cpython-311.pyc",
    "__pycache__/serve.cpython-311.pyc", "stayhub/legacy/old.pyc",
]  # fmt: skip
NEEDED = [
    "requirements.lock", "serve.py", ".env.example", "stayhub/__init__.py",
    "stayhub/api/urls.py", "stayhub/data/cities.csv", "stayhub/templates/health.html",
    "stayhub/settings/base.py",
]  # fmt: skip
TREE = SECRETS + CLUTTER + NEEDED + ["README.md", "docs/deploy.md"]


def _sent(student):
    text = dockerfiles.student_text(student, "dockerignore", ".dockerignore")
    return set(TREE) - dockerfiles.ignored(text, TREE)


@check("q3", points=1)
def test_secrets_stay_out_at_any_depth(student):
    leaked = [path for path in SECRETS if path in _sent(student)]
    assert not leaked, (
        f"in a deeper tree, {len(leaked)} file(s) holding secrets or history still reach the "
        "build context: are `.env`, `*.pem` and `*.key` matched below the top level too?"
    )


@check("q3", points=1)
def test_caches_stay_out_and_the_package_stays_in(student):
    sent = _sent(student)
    leaked = [path for path in CLUTTER if path in sent]
    dropped = [path for path in NEEDED if path not in sent]
    assert not leaked, (
        f"in a deeper tree, {len(leaked)} cache, test or dataset file(s) still reach the context"
    )
    assert not dropped, (
        f"in a deeper tree, {len(dropped)} file(s) the image needs are kept out: does a "
        "pattern meant for the top level also match inside stayhub/?"
    )
