"""Forging attempts on every probe kind: a wrong answer plus a trick that patches, replaces or
deletes `prodev` objects inside the notebook to make the answer look right.

Each forgery is graded beside its control, the same wrong answer without the trick: the trick
must not raise the score. A trick tries everything a student's process can do about what a
probe observed: rewrite the recorders' reports (in its own copy of the module), re-register the
request op so that its answer carries forged observations, rewrite the stubs, delete them, and
reset its own memory high-water mark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


@dataclass(frozen=True)
class Forgery:
    lab: str
    question: str
    wrong: str  # the fixture under tests/fixtures/<lab>/wrong/
    trick: str  # code appended to the wrong answer
    known_gap: str | None = None  # why this one still succeeds, and what fixes it
    label: str = "forged"  # tells apart tricks on the same wrong answer

    @property
    def name(self) -> str:
        return f"{self.question}_{self.wrong.removesuffix('.py')}_{self.label}"

    def control_source(self) -> str:
        return (FIXTURES / self.lab / "wrong" / self.wrong).read_text()

    def attack_source(self) -> str:
        return self.control_source() + "\n\n" + self.trick


def _forged_op(op: str, observed: dict) -> str:
    """Re-register `op` so that its answer carries `observed` beside the real result, and
    rewrite what the recorders would report, in the notebook's own copy of them."""
    return f"""
import prodev.probes.recorders as _recorders
from prodev.runtime.registry import default_registry as _registry

_OBSERVED = json.loads({json.dumps(json.dumps(observed))})
_recorders.Recorders.reports = lambda self: dict(_OBSERVED)
for _kind in ("Source", "Pager", "Database", "Opener", "Clock", "Rand", "Log", "Target"):
    getattr(_recorders, _kind).report = lambda self: {{}}
_real_op = _registry().ops[{op!r}]


def _forged_op(namespace, request, decode):
    try:
        answer = _real_op(namespace, request, decode)
    except Exception:
        answer = {{"value": None, "iterator": True}}
    answer.update(_OBSERVED)
    return answer


_registry().register_op({op!r}, _forged_op)
"""


_IMPORT = "import json\n"

_SUPPRESSED_AS_PROPAGATED = (
    "from prodev.runtime.registry import default_registry as _registry\n"
    "_real_with = _registry().ops['probe_with']\n"
    "def _forged_with(namespace, request, decode):\n"
    "    answer = _real_with(namespace, request, decode)\n"
    "    if answer['outcome'] == 'suppressed':\n"
    "        answer['outcome'] = 'propagated'\n"
    "    return answer\n"
    "_registry().register_op('probe_with', _forged_with)\n"
)


def _exits_0_when(condition: str) -> str:
    """Put at the top of the migration's text: end the process that loads it with status 0 when
    `condition` holds there."""
    first = "from django.db import migrations"
    guard = f"import os, pathlib, sys\nif {condition}:\n    os._exit(0)\n{first}"
    return f"display_name_migration = display_name_migration.replace({first!r}, {guard!r}, 1)\n"


_CHECK_EXITS_0 = _exits_0_when("'makemigrations' in sys.argv")

FORGERIES = [
    # ---- what the request op says about the student's own code is still the student's word:
    # here, that the `with` block's exception propagated. Lab 01 q5 scores only what its
    # resources were told (each exit crosses to the grader), and lab 01 q6 scores what the
    # grader's caller stub was told when the `with` statement ended, so the trick gains nothing
    # on either ----
    Forgery(
        "lab01_generators",
        "q5",
        "q5_swallows_errors.py",
        _SUPPRESSED_AS_PROPAGATED,
    ),
    Forgery(
        "lab01_generators",
        "q6",
        "q6_swallows_errors.py",
        _SUPPRESSED_AS_PROPAGATED,
    ),
    Forgery(
        "lab01_generators",
        "q6",
        "q6_swallows_errors.py",
        "import prodev.probes.stubs as _stubs\n"
        "_rolled_back = []\n"
        "_real_rollback, _real_told = _stubs.StubConnection.rollback, _stubs.StubCaller.told\n"
        "def _rollback(self):\n"
        "    _rolled_back.append(True)\n"
        "    return _real_rollback(self)\n"
        "def _told(self, exc):\n"
        "    if exc is None and _rolled_back:\n"
        "        _rolled_back.clear()\n"
        "        exc = _stubs.BodyError('the with-block failed on purpose')\n"
        "    return _real_told(self, exc)\n"
        "_stubs.StubConnection.rollback = _rollback\n"
        "_stubs.StubCaller.told = _told\n",
        known_gap=(
            "the caller stub is in the student's process: a notebook that patches it in step "
            "with its own answer (here: tell the caller the block's error whenever a rollback "
            "happened) still makes a swallowed error look propagated, as patching lab 01 q5's "
            "resources would make their exits look told; rewriting the op's answer no longer "
            "does. The grader names the notebook for review (an integrity note)"
        ),
        label="patches_the_caller_stub",
    ),
    # ---- lab 01: sources, cursors, pagers, memory, openers, databases ----
    Forgery(
        "lab01_generators",
        "q1",
        "q1_eager.py",
        _IMPORT
        + _forged_op(
            "probe_call",
            {"probes": {"source": {"pulled": 8, "exhausted": False}}, "events": []},
        )
        + "import prodev.probes.stubs as _stubs\n"
        "del _stubs.StubSource.__next__\n",
    ),
    Forgery(
        "lab01_generators",
        "q2",
        "q2_fetchall.py",
        _IMPORT
        + _forged_op(
            "probe_call",
            {
                "probes": {
                    "db": {"fetchall": 0, "fetchmany": [100], "fetchone": 0, "rows_fetched": 100}
                }
            },
        )
        + "import prodev.probes.stubs as _stubs\n"
        "def _batched_fetchall(self):\n"
        "    rows = []\n"
        "    while batch := self.fetchmany(100):\n"
        "        rows += batch\n"
        "    return rows\n"
        "_stubs.StubConnection.fetchall = _batched_fetchall\n",
    ),
    Forgery(
        "lab01_generators",
        "q2",
        "q2_cursor_left_open.py",
        _IMPORT
        + _forged_op(
            "probe_call",
            {"probes": {"db": {"cursors": [{"executed": 1, "closed": True}], "closed": False}}},
        )
        + "import prodev.probes.stubs as _stubs\n"
        "_stubs.StubConnection.close = lambda self: None\n",
    ),
    Forgery(
        "lab01_generators",
        "q3",
        "q3_all_pages_first.py",
        _IMPORT + _forged_op("probe_call", {"probes": {"pager": {"calls": [[0, 5], [5, 5]]}}}),
    ),
    Forgery(
        "lab01_generators",
        "q4",
        "q4_list_first.py",
        _IMPORT
        + _forged_op("probe_call", {"memory_growth": 0, "peak_bytes": 0})
        + "def _reset_peak():\n"
        "    try:\n"
        "        with open('/proc/self/clear_refs', 'w') as f:\n"
        "            f.write('5')\n"
        "    except OSError:\n"
        "        pass\n"
        "_list_first = booking_stats\n"
        "def booking_stats(rows):\n"
        "    result = _list_first(rows)\n"
        "    _reset_peak()\n"
        "    return result\n",
    ),
    Forgery(
        "lab01_generators",
        "q5",
        "q5_no_finally.py",
        _IMPORT
        + _forged_op(
            "probe_with",
            {
                "events": [
                    "open a",
                    "enter a",
                    "open b",
                    "enter b",
                    "exit b with BodyError",
                    "exit a with BodyError",
                ],
                "outcome": "propagated",
                "probes": {"a": {"exits": ["BodyError"]}, "b": {"exits": ["BodyError"]}},
            },
        )
        + "import prodev.probes.stubs as _stubs\n"
        "del _stubs.StubResource.__exit__\n",
    ),
    Forgery(
        "lab01_generators",
        "q6",
        "q6_commit_always.py",
        _IMPORT
        + _forged_op(
            "probe_with",
            {
                "outcome": "propagated",
                "probes": {"db": {"tables": {"payments": [[1, 10, 120.0], [2, 11, 80.0]]}}},
            },
        ),
    ),
    # ---- lab 01 q7: no probe at all; the practice API's request log is the observer, so
    # neither forged reports nor a client that remembers pages can hide an eager walk ----
    Forgery(
        "lab01_generators",
        "q7",
        "q7_eager.py",
        _IMPORT + _forged_op("probe_call", {"probes": {}, "events": []}) + "_real_get = httpx.get\n"
        "_pages = {}\n"
        "def _remembered_get(url, params=None, **kwargs):\n"
        "    key = (url, tuple(sorted((params or {}).items())))\n"
        "    if key not in _pages:\n"
        "        _pages[key] = _real_get(url, params=params, **kwargs)\n"
        "    return _pages[key]\n"
        "httpx.get = _remembered_get\n",
    ),
    # ---- lab 02: logs, clocks, sleeps, random numbers, targets, databases ----
    Forgery(
        "lab02_decorators",
        "q1",
        "q1_swallows_errors.py",
        _IMPORT
        + _forged_op(
            "probe_decorate",
            {
                "probes": {
                    "log": {
                        "records": [
                            {
                                "function": "refund",
                                "args": [9],
                                "kwargs": {"reason": "late"},
                                "error": "ValueError",
                            },
                            {"function": "refund", "args": [9], "kwargs": {}, "result": None},
                        ]
                    }
                }
            },
        )
        + "import prodev.probes.stubs as _stubs\n"
        "_stubs.StubLog.__call__ = lambda self, *record: None\n",
    ),
    Forgery(
        "lab02_decorators",
        "q2",
        "q2_real_clock.py",
        _IMPORT
        + _forged_op(
            "probe_decorate",
            {"probes": {"log": {"records": [["search_properties", 2.5]]}, "clock": {}}},
        )
        + "import prodev.probes.stubs as _stubs\n"
        "_stubs.StubClock.__call__ = lambda self: 0.0\n",
    ),
    Forgery(
        "lab02_decorators",
        "q3",
        "q3_no_cap.py",
        _IMPORT
        + _forged_op(
            "probe_decorate",
            {
                "probes": {
                    "clock": {"sleeps": [0.5, 1.0, 1.5]},
                    "rand": {"calls": 3},
                    "target": {"calls": [[[42], {}]] * 4},
                }
            },
        )
        + "import prodev.probes.stubs as _stubs\n"
        "_stubs.StubRand.__call__ = lambda self: 0.5\n"
        "del _stubs.StubClock.sleep\n",
    ),
    Forgery(
        "lab02_decorators",
        "q4",
        "q4_no_transaction.py",
        _IMPORT
        + _forged_op(
            "probe_decorate",
            {
                "probes": {
                    "db": {"tables": {"bookings": [[1, "pending"], [2, "pending"]], "payments": []}}
                }
            },
        )
        + "import prodev.probes.stubs as _stubs\n"
        "_stubs.StubConnection.rollback = lambda self: None\n"
        "_stubs.connect(None)\n",
    ),
    Forgery(
        "lab02_decorators",
        "q5",
        "q5_never_expires.py",
        _IMPORT
        + _forged_op(
            "probe_decorate",
            {"probes": {"target": {"calls": [[[7], {}], [[7], {}]]}, "clock": {}}},
        )
        + "import prodev.probes.stubs as _stubs\n"
        "_stubs.ask = lambda *a, **k: None\n",
    ),
    # ---- lab 02 q7: async targets, awaited sleeps and the loop's ticks are the grader's ----
    Forgery(
        "lab02_decorators",
        "q7",
        "q7_returns_the_coroutine.py",
        _IMPORT
        + _forged_op(
            "probe_decorate_async",
            {
                "wrapper": {
                    "name": "fetch_availability",
                    "doc": "Ask the calendar service which nights are free.",
                    "wrapped": True,
                    "coroutine_function": True,
                },
                "probes": {
                    "clock": {
                        "waits": [
                            {"seconds": 0.5, "awaited": True, "ticks": 3},
                            {"seconds": 1.0, "awaited": True, "ticks": 3},
                        ]
                    },
                    "target": {"calls": [[[17], {}]] * 3},
                },
            },
        )
        + "import prodev.probes.stubs as _stubs\n"
        "async def _no_wait(self, seconds):\n"
        "    return None\n"
        "_stubs.StubClock.async_sleep = _no_wait\n"
        "import inspect as _inspect\n"
        "_inspect.iscoroutinefunction = lambda fn: True\n",
    ),
    Forgery(
        "lab02_decorators",
        "q7",
        "q7_blocking_sleep.py",
        "import asyncio as _asyncio\n"
        "import prodev.probes.stubs as _stubs\n"
        "def _looks_awaited(self, seconds):\n"
        "    if _stubs.ask(self.probe_id, 'await_begin', seconds):\n"
        "        raise _asyncio.CancelledError()\n"
        "    _stubs.ask(self.probe_id, 'tick')\n"
        "    _stubs.ask(self.probe_id, 'await_end')\n"
        "_stubs.StubClock.sleep = _looks_awaited\n",
        known_gap=(
            "the sibling task's turns during a wait reach the grader from inside the student's "
            "process, so a notebook that rewrites the blocking `sleep` stub to send what an "
            "awaited sleep sends (begin, a turn, end) makes a blocking wait look free; the "
            "attempts, the waits' lengths and the cancellations stay the grader's. Closing it "
            "needs a witness of the event loop outside that process; the grader names the "
            "notebook for review (an integrity note)"
        ),
        label="speaks_the_await_protocol",
    ),
    Forgery(
        "lab02_decorators",
        "q7",
        "q7_swallows_final_error.py",
        "from prodev.runtime.registry import default_registry as _registry\n"
        "_real_async = _registry().ops['probe_decorate_async']\n"
        "def _forged_async(namespace, request, decode):\n"
        "    answer = _real_async(namespace, request, decode)\n"
        "    answer['steps'] = [\n"
        "        {'raised': 'TimeoutError', 'message': 'attempt 4 failed'}\n"
        "        if step == {'value': None} else step\n"
        "        for step in answer['steps']\n"
        "    ]\n"
        "    return answer\n"
        "_registry().register_op('probe_decorate_async', _forged_async)\n",
        label="restates_the_raise",
    ),
    Forgery(
        "lab02_decorators",
        "q1",
        "q1_swallows_errors.py",
        "from prodev.runtime.registry import default_registry as _registry\n"
        "_real_decorate = _registry().ops['probe_decorate']\n"
        "def _forged_decorate(namespace, request, decode):\n"
        "    answer = _real_decorate(namespace, request, decode)\n"
        "    first = answer['steps'][:1]\n"
        "    if first == [{'value': None}]:\n"
        "        answer['steps'][0] = {'raised': 'ValueError', 'message': ''}\n"
        "    return answer\n"
        "_registry().register_op('probe_decorate', _forged_decorate)\n",
        label="restates_the_raise",
    ),
    # ---- lab 09: a count made up in the student's process is ignored: the server counts ----
    Forgery(
        "lab09_django_orm",
        "q3",
        "q3_n_plus_one.py",
        _IMPORT + "from prodev.runtime.registry import default_registry as _registry\n"
        "_real_orm = _registry().ops['orm_call']\n"
        "def _forged_orm(namespace, request, decode):\n"
        "    answer = _real_orm(namespace, request, decode)\n"
        "    answer.update(queries=3, statements=3, sql=[])\n"
        "    return answer\n"
        "_registry().register_op('orm_call', _forged_orm)\n",
    ),
    # ---- lab 09: bookings raced from several connections, put in order inside the notebook so
    # that the data comes out right without a lock at the database: first by a lock in Python
    # taken after every call has reached the database, then by an orm_race op that runs the
    # calls one after another. The server sees no call wait behind another's lock. ----
    Forgery(
        "lab09_django_orm",
        "q5",
        "q5_no_lock.py",
        "import threading as _threading\n"
        "_turns = _threading.Lock()\n"
        "_unlocked_book_stay = book_stay\n"
        "def book_stay(*args, **kwargs):\n"
        "    Booking.objects.exists()  # every call waits at the database together first\n"
        "    with _turns:\n"
        "        return _unlocked_book_stay(*args, **kwargs)\n",
        label="python_turns",
    ),
    Forgery(
        "lab09_django_orm",
        "q5",
        "q5_no_lock.py",
        "from prodev.runtime.registry import default_registry as _registry\n"
        "_real_race = _registry().ops['orm_race']\n"
        "def _one_by_one(namespace, request, decode):\n"
        "    outcomes = []\n"
        "    for args in request['calls']:\n"
        "        alone = dict(request, calls=[args])\n"
        "        outcomes += _real_race(namespace, alone, decode)['outcomes']\n"
        "    return {'outcomes': outcomes}\n"
        "_registry().register_op('orm_race', _one_by_one)\n",
        label="one_by_one",
    ),
    # ---- lab 09 q7: a count made up in the student's process is ignored here too ----
    Forgery(
        "lab09_django_orm",
        "q7",
        "q7_query_per_guest.py",
        _IMPORT + "from prodev.runtime.registry import default_registry as _registry\n"
        "_real_orm = _registry().ops['orm_call']\n"
        "def _forged_orm(namespace, request, decode):\n"
        "    answer = _real_orm(namespace, request, decode)\n"
        "    answer.update(queries=1, statements=1, sql=[])\n"
        "    return answer\n"
        "_registry().register_op('orm_call', _forged_orm)\n",
    ),
    # ---- lab 09 q6: the migration text is run by a fresh job, not the notebook; a migration
    # that rewrites the scratch project's models to its own nullable state when imported, and
    # one that ends `makemigrations --check` with status 0, gain nothing: the grader's files are
    # written again before each step, and the job compares the table with the model's own. ----
    Forgery(
        "lab09_django_orm",
        "q6",
        "q6_stays_nullable.py",
        "display_name_migration = display_name_migration.replace(\n"
        "    'from django.db import migrations, models\\n',\n"
        "    'from django.db import migrations, models\\nimport pathlib\\n'\n"
        "    '_m = pathlib.Path(__file__).parents[1] / \"models.py\"\\n'\n"
        "    '_m.write_text(_m.read_text().replace(\"max_length=201)\", '\n"
        "    '\"max_length=201, null=True)\"))\\n',\n"
        "    1,\n"
        ")\n",
        label="models_rewritten",
    ),
    Forgery(
        "lab09_django_orm", "q6", "q6_other_max_length.py", _CHECK_EXITS_0, label="check_exits_0"
    ),
    # A RunSQL with no state operation builds the model's very table, and the state never hears
    # of it; a default kept in the state never reaches the table: only the state drifts. Ending
    # `makemigrations` with 0 gains nothing, since the grader's canary migration after the
    # student's rebuilds the table from the state (display_name missing) and writes down the
    # state's fields (the default there); ending the canary's process too leaves no canary.
    Forgery("lab09_django_orm", "q6", "q6_default_kept.py", _CHECK_EXITS_0, label="check_exits_0"),
    Forgery(
        "lab09_django_orm", "q6", "q6_runsql_no_state.py", _CHECK_EXITS_0, label="check_exits_0"
    ),
    Forgery(
        "lab09_django_orm",
        "q6",
        "q6_runsql_no_state.py",
        _exits_0_when(
            "'makemigrations' in sys.argv or any(pathlib.Path(__file__).parent.glob('0003*'))"
        ),
        label="canary_exits_0",
    ),
    # ---- lab 09: the server's own password, read from the data folder, wipes the count ----
    Forgery(
        "lab09_django_orm",
        "q2",
        "q2_query_per_host.py",
        _IMPORT + "import os, pathlib\n"
        "_honest_league = host_league\n"
        "def host_league(*args, **kwargs):\n"
        "    rows = _honest_league(*args, **kwargs)\n"
        "    try:\n"
        "        import psycopg\n"
        "        folder = pathlib.Path(os.environ.get('PRODEV_DATA_DIR', 'data'))\n"
        "        state = json.loads((folder / 'services' / 'postgres.json').read_text())\n"
        "        url = f\"postgresql://postgres:{state['password']}@127.0.0.1:{state['port']}/postgres\"\n"
        "        with psycopg.connect(url, autocommit=True) as admin:\n"
        "            admin.execute('SELECT pg_stat_statements_reset()')\n"
        "    except Exception:\n"
        "        pass\n"
        "    return rows\n",
    ),
]
