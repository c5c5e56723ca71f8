"""Question 3: the .dockerignore keeps secrets and clutter out of the context, and the app in."""

from prodev.checking import check
from prodev.kits import dockerfiles

TREE = [
    ".env", ".env.example", ".git/HEAD", ".venv/bin/python", "Dockerfile", "README.md",
    "requirements.lock", "serve.py", "data/stayhub_small_seed42.duckdb", "stayhub/__init__.py",
    "stayhub/views.py", "stayhub/__pycache__/views.cpython-311.pyc", "tests/test_views.py",
    "secrets/deploy.pem",
]  # fmt: skip
KEEP_OUT = [
    ".env", ".git/HEAD", ".venv/bin/python", "data/stayhub_small_seed42.duckdb",
    "stayhub/__pycache__/views.cpython-311.pyc", "tests/test_views.py", "secrets/deploy.pem",
]  # fmt: skip
KEEP_IN = ["requirements.lock", "serve.py", ".env.example", "stayhub/__init__.py",
           "stayhub/views.py"]  # fmt: skip


@check("q3", points=1)
def test_secrets_and_clutter_stay_out(student):
    text = dockerfiles.student_text(student, "dockerignore", ".dockerignore")
    sent = set(TREE) - dockerfiles.ignored(text, TREE)
    leaked = [path for path in KEEP_OUT if path in sent]
    assert not leaked, f"these files still reach the build context: {', '.join(leaked)}"


@check("q3", points=1)
def test_what_the_image_needs_stays_in(student):
    text = dockerfiles.student_text(student, "dockerignore", ".dockerignore")
    dropped = sorted(set(KEEP_IN) & dockerfiles.ignored(text, TREE))
    assert not dropped, f"the image needs these files, which your patterns keep out: {dropped}"
