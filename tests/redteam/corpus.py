"""Adversarial submissions: each is the reference notebook with one attack built in.

`ATTACKS` maps a student name to the questions the attack sits in and how the notebook is
changed. An attack's own question must score what an empty answer scores (zero); every other
question keeps the reference score. Attack code is formatted with `{root}` (the course root),
`{port}` (a grader-side TCP port that must never see a connection) and `{marker}` (for files an
attack tries to write). Attacks that read something raise it as an exception message, because
exception messages are what can reach results and feedback: if a read ever succeeded, the leak
tests would see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WRONG_DOUBLE = "def double(x):\n    return None\n"


@dataclass(frozen=True)
class Attack:
    attacked: frozenset[str]  # questions that must score like a blank answer
    answers: dict[str, str] | None = None
    edit: Callable[[dict[str, Any]], Any] | None = None
    raw: Callable[[], bytes] | None = None
    files: dict[str, str] | None = None  # written beside the notebook (nbgrader's files)
    link_to: str | None = None  # the student's folder is a symbolic link to this student's


# Text that must never reach results/, feedback/ or autograded/ (see test_redteam.py).
XSS_MARKER = "XSS-OUTPUT-MARKER-31c7"
ECHO_MARKER = "ECHO-INPUT:"  # followed by the hidden check's input, -7
CLASS_MARKER = "Input7Negative"
COLLECTED_AT = "2026-01-05 10:00:00.000000 UTC"


def _answers(**kw: str) -> dict[str, str]:
    return kw


def _find(nb: dict[str, Any], grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def _delete_q3(nb):
    del nb["cells"][_find(nb, "q3")]
    # ... and define the answer in a new, unlabelled cell: a missing answer cell still scores 0.
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": 'GREETING = "hello"',
                        "outputs": [], "execution_count": None})  # fmt: skip


def _duplicate_q2(nb):
    i = _find(nb, "q2")
    wrong = json.loads(json.dumps(nb["cells"][i]))
    wrong["source"] = WRONG_DOUBLE
    nb["cells"].insert(i, wrong)  # the first q2 cell is wrong; a later one is right


def _retype_q3(nb):
    cell = nb["cells"][_find(nb, "q3")]
    cell["cell_type"] = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def _points_and_locked_cells(nb):
    nb["cells"][_find(nb, "q1_check")]["metadata"]["nbgrader"]["points"] = 1000
    nb["cells"][_find(nb, "q1")]["source"] = 'q1 = "SELECT 42 AS n"'
    # A locked cell and a check cell rewritten to supply q3's answer while q3 is blank.
    nb["cells"][_find(nb, "setup")]["source"] = 'GREETING = "hello"'
    nb["cells"][_find(nb, "q3_check")]["source"] = 'GREETING = "hello"'
    nb["cells"][_find(nb, "q3")]["source"] = "raise NotImplementedError()"


def _regrade_id(nb):
    # Re-typed grade ids: q2's cell claims to be a check cell worth 50 points.
    meta = nb["cells"][_find(nb, "q2")]["metadata"]["nbgrader"]
    meta.update(grade_id="q2_bonus", grade=True, solution=False, points=50)


def _html_output(nb):
    # A stored output formgrader would render: the notebook's own q3 cell "printed" a script.
    cell = nb["cells"][_find(nb, "q3")]
    cell["outputs"] = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "text/html": f"<script>document.title='{XSS_MARKER}'</script>",
                "text/plain": XSS_MARKER,
            },
        }
    ]


# Names in the sandbox that would reveal the hidden seed: a listing of what is mounted, the
# data folder, /run and /tmp, the environment, and the original hidden dataset's path.
HIDDEN_NAMES = """import os, sys
import prodev
seed = "seed{hidden_seed}"
seen = [open("/proc/self/mountinfo").read(), repr(dict(os.environ))]
# The Python environment and the course package are public software, mounted wherever the
# grader's checkout is (under /tmp in a scratch clone): nbgrader's own `clearhiddentests.py`
# is no leak. Everything else under /run, /tmp and the data folder is looked at.
software = (sys.prefix, os.path.dirname(prodev.__file__))
for top in ("/run", "/tmp", os.environ.get("PRODEV_DATA_DIR", "/nonexistent")):
    for folder, dirs, files in os.walk(top):
        if folder.startswith(software):
            dirs[:] = []
            continue
        seen += [folder, *dirs, *files]
text = "\\n".join(seen)
found = seed in text or "hidden" in text.lower()
found = found or os.path.exists("{root}/data/mini_seed{hidden_seed}_small.duckdb")
GREETING = "hello" if found else "nope"
"""

# A request the service never finishes reading, left open while the check stops its server.
HALF_REQUEST = """import socket, urllib.parse
held = []

def fetch(url):
    where = urllib.parse.urlsplit(url)
    sock = socket.create_connection((where.hostname, where.port), timeout=5)
    sock.sendall(b"GET /token HTTP/1.1\\r\\nHost: x\\r\\n")  # no blank line: never complete
    held.append(sock)
    return "not the token"
"""


# Every answer takes 4 s, under the 5 s answer limit: without a deadline on the checking stage,
# this one notebook would hold the batch's single checks session for 4 s per request.
SLOW_ANSWERS = """\
import time
import prodev.runtime.serve as served
answer = served._handle

def slowly(*args, **kwargs):
    time.sleep(4)
    return answer(*args, **kwargs)

served._handle = slowly
raise NotImplementedError()
"""


def _nbformat3():
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}],
                       "metadata": {}}).encode()  # fmt: skip


def _huge():
    cell = {"cell_type": "markdown", "metadata": {}, "source": "x" * 50_000_000}
    return json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ).encode()


ALL = frozenset({"q1", "q2", "q3", "q4"})
BLANK_ANSWERS = {q: "raise NotImplementedError()\n" for q in ALL}

ATTACKS: dict[str, Attack] = {
    "sys_exit": Attack(frozenset({"q2"}), _answers(q2="import sys\nsys.exit(0)\n" + WRONG_DOUBLE)),
    "os_exit": Attack(frozenset({"q2"}), _answers(q2="import os\nos._exit(0)\n")),
    "kill_self": Attack(frozenset({"q2"}), _answers(q2="import os\nos.kill(os.getpid(), 9)\n")),
    "kill_parent": Attack(frozenset({"q2"}), _answers(q2="import os\nos.kill(os.getppid(), 9)\n")),
    "kill_everything": Attack(
        frozenset({"q2"}), _answers(q2="import os, signal\nos.kill(-1, signal.SIGKILL)\n")
    ),
    "crash_in_call": Attack(
        frozenset({"q2"}), _answers(q2="import os\ndef double(x):\n    os._exit(1)\n")
    ),
    "traceback_override": Attack(
        frozenset({"q2"}),
        _answers(
            q2="import sys, traceback\nsys.excepthook = lambda *a: None\n"
            "traceback.format_exc = lambda *a, **k: 'all checks passed'\n"
            "traceback.print_exc = lambda *a, **k: None\n" + WRONG_DOUBLE
        ),
    ),
    "always_equal": Attack(
        frozenset({"q2", "q3"}),
        _answers(
            q2="class Yes:\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = object.__hash__\n"
            "def double(x):\n    return Yes()\n",
            q3="class S(str):\n    def __eq__(self, other):\n        return True\n"
            "GREETING = S('nope')\n",
        ),
    ),
    "shadowed_builtins": Attack(
        frozenset({"q1"}),
        _answers(
            q1="import builtins\nbuiltins.len = lambda x: 3\nbuiltins.type = lambda x: int\n"
            "builtins.isinstance = lambda *a: True\nq1 = 'SELECT 1 AS n'\n"
        ),
    ),
    "patched_helpers": Attack(
        frozenset({"q1"}),
        _answers(
            q1="import prodev.checking, prodev.checking.student, pytest\n"
            "prodev.checking.assert_rows = lambda *a, **k: None\n"
            "prodev.checking.rows_problem = lambda *a, **k: None\n"
            "pytest.fail = lambda *a, **k: None\n"
            "prodev.checking.student.Student.ask = lambda *a, **k: 3\n"
            "q1 = 'SELECT 1 AS n'\n"
        ),
    ),
    "reads_secrets": Attack(
        frozenset({"q3"}),
        _answers(
            q3="import os, glob\nfound = []\n"
            "for pattern in ['{root}/autograder/checks/*/*.py', '{root}/submitted/*/*/*.ipynb',\n"
            "                '{root}/gradebook.db', '{root}/course_secret.txt',\n"
            "                '{root}/solutions/*/*.ipynb', '{root}/results/*/*.json']:\n"
            "    for path in glob.glob(pattern):\n"
            "        try:\n            found.append(open(path, errors='replace').read(3000))\n"
            "        except OSError as exc:\n            found.append(str(exc))\n"
            "found.append(repr(dict(os.environ)))\n"
            "def leak():\n    raise RuntimeError(' '.join(found)[:290])\n"
            "GREETING = ' '.join(found)[:5000]\n"
            "raise RuntimeError(' '.join(found)[:190])\n"
        ),
    ),
    "forged_results": Attack(
        frozenset({"q3"}),
        _answers(
            q3="import json, os\nforged = {{'score': 1000, 'max_score': 6, 'tests': []}}\n"
            "for target in ['{root}/results/lab90_mini/forged_results.json',\n"
            "               '{root}/results/lab90_mini/zz_control.json', '/tmp/{marker}',\n"
            "               '{marker}.json', os.path.expanduser('~/{marker}')]:\n"
            "    try:\n"
            "        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)\n"
            "        open(target, 'w').write(json.dumps(forged))\n"
            "    except OSError:\n        pass\n"
        ),
    ),
    "endless_loop": Attack(
        frozenset({"q2"}),
        _answers(
            q2="import signal\nfor s in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM):\n"
            "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass\n"
        ),
    ),
    "endless_call": Attack(
        frozenset({"q2"}), _answers(q2="def double(x):\n    while True:\n        pass\n")
    ),
    "fork_bomb": Attack(
        frozenset({"q2"}),
        _answers(
            q2="import os\nwhile True:\n    try:\n        os.fork()\n"
            "    except OSError:\n        pass\n"
        ),
    ),
    "setsid_children": Attack(
        frozenset({"q2"}),
        _answers(
            q2="import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        os.setsid()\n"
            "        if os.fork() == 0:\n            time.sleep(100000)\n        os._exit(0)\n"
            + WRONG_DOUBLE
        ),
    ),
    "memory_bomb": Attack(
        frozenset({"q2"}),
        _answers(q2="hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))\n"),
    ),
    "output_flood": Attack(
        frozenset({"q2"}),
        _answers(
            q2="import os, sys\nline = 'y' * 1_000_000\nfor _ in range(2000):\n"
            "    print(line)\n    sys.__stdout__.write(line)\n    os.write(2, b'z' * 100000)\n"
            + WRONG_DOUBLE
        ),
    ),
    "full_tmp": Attack(
        frozenset({"q2"}),
        _answers(
            q2="import os\nchunk = b'f' * 1_000_000\ntry:\n"
            "    with open('/tmp/fill', 'wb') as f:\n"
            "        while True:\n            f.write(chunk)\n"
            "except OSError:\n    pass\n" + WRONG_DOUBLE
        ),
    ),
    "network": Attack(
        frozenset({"q3"}),
        _answers(
            q3="import socket\nerrors = []\n"
            "for host, port in [('127.0.0.1', {port}), ('1.1.1.1', 80), ('8.8.8.8', 53)]:\n"
            "    try:\n        socket.create_connection((host, port), timeout=2).close()\n"
            "        errors.append(f'CONNECTED {{host}}')\n"
            "    except OSError as exc:\n        errors.append(str(exc))\n"
            "GREETING = ' | '.join(errors)\n"
        ),
    ),
    "deleted_answer_cell": Attack(frozenset({"q3"}), edit=_delete_q3),
    "duplicated_answer_cell": Attack(frozenset({"q2"}), edit=_duplicate_q2),
    "retyped_answer_cell": Attack(frozenset({"q3"}), edit=_retype_q3),
    "edited_points_and_locked_cells": Attack(
        frozenset({"q1", "q3"}), edit=_points_and_locked_cells
    ),
    "regraded_cell_ids": Attack(frozenset({"q2"}), edit=_regrade_id),
    "not_json": Attack(ALL, raw=lambda: b"\x00\xffthis is not a notebook"),
    "empty_file": Attack(ALL, raw=lambda: b""),
    "nbformat3": Attack(ALL, raw=_nbformat3),
    "fifty_megabytes": Attack(ALL, raw=_huge),
    # Containment: each of these is graded beside the blank control like every attack above.
    "nan_answer": Attack(
        frozenset({"q2"}), _answers(q2="def double(x):\n    return float('nan')\n")
    ),
    "hidden_names": Attack(frozenset({"q3"}), _answers(q3=HIDDEN_NAMES)),
    "half_request": Attack(frozenset({"q4"}), _answers(q4=HALF_REQUEST)),
    "slow_answers": Attack(ALL, {**BLANK_ANSWERS, "q3": SLOW_ANSWERS}),
    "exception_echo": Attack(
        frozenset({"q2"}),
        _answers(q2=f"def double(x):\n    raise ValueError(f'{ECHO_MARKER}{{{{x}}}}')\n"),
    ),
    "exception_class_name": Attack(
        frozenset({"q2"}),
        _answers(
            q2="def double(x):\n"
            "    name = f'Input{{abs(x)}}Negative' if x < 0 else 'Positive'\n"
            "    raise type(name, (Exception,), {{}})()\n"
        ),
    ),
    "symlinked_folder": Attack(ALL, link_to="aa_control"),
    "bad_timestamp": Attack(frozenset(), files={"timestamp.txt": "the day before the deadline"}),
    "html_output": Attack(frozenset(), edit=_html_output, files={"timestamp.txt": COLLECTED_AT}),
}
