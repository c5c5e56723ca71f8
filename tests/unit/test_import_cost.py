"""`import prodev` keeps jsonschema's optional RFC 3987 parser out: building it at import time
cost 2 s of every grading run and check, and nothing in the course validates IRIs."""

import subprocess
import sys


def test_jsonschema_works_without_the_rfc3987_parser():
    code = (
        "import sys, prodev, nbformat, jsonschema\n"
        "assert sys.modules['rfc3987_syntax'] is None\n"
        "jsonschema.validate({'a': 1}, {'properties': {'a': {'type': 'integer'}}})\n"
        "try:\n"
        "    jsonschema.validate({'a': 'x'}, {'properties': {'a': {'type': 'integer'}}})\n"
        "except jsonschema.ValidationError:\n"
        "    print('refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "refused"
