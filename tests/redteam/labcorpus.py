"""Attacks on the evidence of labs 03, 06, 16, 17 and 18, each beside its control.

A case is a pair of submissions of a real lab: the control (a wrong or weak answer) and the same
answer with one trick added. Questions a case does not name keep the blank release's answer, so
the batch stays quick. Graded in one `prodev grade` batch per lab, the attack must not score more
than its control on any question, and nothing of a hidden mutant may reach results or feedback.
"""

from __future__ import annotations

from dataclasses import dataclass

# A TestNights that checks one ordinary stay: catches the visible mutant and little else.
WEAK_NIGHTS = """
class TestNights:
    def test_one_night(self, pricing):
        assert pricing.nights(date(2025, 3, 3), date(2025, 3, 4)) == 1
"""

# The classes of lab 03, each with a test that calls its function and asserts nothing.
SILENT = {
    "q1": "class TestNights:\n    def test_runs(self, pricing):\n"
    "        pricing.nights(date(2025, 3, 3), date(2025, 3, 4))\n",
    "q2": "class TestNightlyRate:\n    def test_runs(self, pricing):\n"
    "        pricing.nightly_rate(Decimal('80'), date(2025, 3, 7))\n",
    "q3": "class TestStayPrice:\n    def test_runs(self, pricing):\n"
    "        pricing.stay_price(Decimal('100'), date(2025, 3, 3), date(2025, 3, 5), 2, 4)\n",
    "q4": "class TestPriceIn:\n    def test_runs(self, pricing):\n"
    "        pricing.price_in(Decimal('10'), 'EUR', mock.Mock())\n",
    "q5": "class TestRatesClient:\n    def test_runs(self, pricing):\n"
    "        pricing.RatesClient('http://127.0.0.1:9')\n",
}

# Every suite "passes" on whatever the first module is and "fails" on the rest, as the old
# notebook-side runner reported to the grader; the classes themselves assert nothing.
FORGED_RUN_TESTS = """
def run_tests(suite, implementations=None):
    passed = {"suite": suite, "tests": 1, "passed": ["t"], "failed": {}, "error": ""}
    failed = {"suite": suite, "tests": 1, "passed": [], "failed": {"t": "caught"}, "error": ""}
    if implementations is None:
        return passed
    return [passed] + [failed] * (len(implementations) - 1)
"""

# Recognises the shipped nights() by its bytecode, which a student can read from the lab's file.
FINGERPRINT_TEST = """
    def test_is_the_shipped_code(self, pricing):
        import dis
        ops = [i.opname for i in dis.get_instructions(pricing.nights)]
        assert len(ops) == {count}, "not the module I was given"
"""

# Finds the source the grader sent (in the job's memory) and raises it, hoping for a leak.
LEAKING_TEST = """
    def test_leaks_the_module(self, pricing):
        import gc
        found = [o for o in gc.get_objects() if isinstance(o, dict) and "source" in o]
        texts = [str(o["source"]) for o in found if "def nights" in str(o.get("source", ""))]
        raise AssertionError("LEAK " + " ".join(texts)[:20000])
"""

# A lookup_indexes whose second index has an enormous key per row: memory, not speed.
GREEDY_INDEXES = (
    "CREATE INDEX bookings_by_guest ON bookings (guest_id);\n"
    "CREATE INDEX bookings_greedy ON bookings (property_id, start_date, zeroblob(400000000));\n"
)
GUEST_INDEX_ONLY = "CREATE INDEX bookings_by_guest ON bookings (guest_id);\n"


def alias_bomb(levels: int = 9) -> str:
    """A YAML flow list of 10**(levels+1) values written in a few hundred characters: each level
    is ten aliases of the one below. Loaded, it is small; walked, validated or quoted, it is not."""

    def nest(i: int) -> str:
        if i == 0:
            return "&a0 [" + ", ".join(["x"] * 10) + "]"
        return f"&a{i} [{nest(i - 1)}, " + ", ".join([f"*a{i - 1}"] * 9) + "]"

    return nest(levels)


# YAML answers whose values are alias bombs: a Deployment's args, a workflow's env, a command;
# each control is the same answer with the value written out small.
BOMB_MANIFESTS = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, labels: {app: api}}\n"
    "spec:\n  selector: {matchLabels: {app: api}}\n  template:\n"
    "    metadata: {labels: {app: api}}\n    spec:\n      containers:\n"
    f"      - name: api\n        image: stayhub/api:1.0\n        args: {alias_bomb()}\n"
)
PLAIN_MANIFESTS = BOMB_MANIFESTS.replace(alias_bomb(), '["serve"]')
BOMB_PIPELINE = (
    "on: push\npermissions: {contents: read}\njobs:\n  lint:\n    runs-on: ubuntu-24.04\n"
    f"    env: {{LEVELS: {alias_bomb()}}}\n    steps:\n      - run: make lint\n"
)
PLAIN_PIPELINE = BOMB_PIPELINE.replace(alias_bomb(), '"nine"')
BOMB_COMPOSE = f"services:\n  app:\n    image: stayhub/api:1.0\n    command: {alias_bomb()}\n"
PLAIN_COMPOSE = BOMB_COMPOSE.replace(alias_bomb(), '["serve"]')

# A server that never handles SIGTERM; the attack also replaces the notebook's own request op for
# jobs so that it reports a clean stop. In grading, jobs never reach the notebook's process.
UNHANDLED_ENTRYPOINT = """
import os
from wsgiref.simple_server import make_server

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

make_server("0.0.0.0", int(os.environ.get("PORT", "8000")), app).serve_forever()
"""
FORGED_STOP_REPORT = """
from prodev.runtime import registry as _registry

def _clean_stop(namespace, request, decode):
    report = {"answered": 200, "statuses": [200, 200], "killed": False, "exit": 0}
    return {"exit": 0, "report": report}

_registry.default_registry().register_op(_registry.FRESH_OP, _clean_stop)
"""


# A server that ignores SIGTERM and, first, writes a clean-stop report into the pipe its parent
# (the grader's job) reports through, found under /proc, then kills that parent so that the
# forged report is the only one.
FORGING_ENTRYPOINT = """
import json, os, signal
from wsgiref.simple_server import make_server

parent = os.getppid()
report = {"answered": 200, "statuses": [200, 200], "exit": 0, "seconds": 0.1, "killed": False}
try:
    for fd in os.listdir(f"/proc/{parent}/fd"):
        if os.readlink(f"/proc/{parent}/fd/{fd}").startswith("pipe:"):
            with open(f"/proc/{parent}/fd/{fd}", "w") as pipe:
                pipe.write(json.dumps(report))
    os.kill(parent, signal.SIGKILL)
except OSError:
    pass  # the job's pipes are out of reach: serve like the control

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

make_server("0.0.0.0", int(os.environ.get("PORT", "8000")), app).serve_forever()
"""


# Lab 03, the echo attack: a test that fails with the source of every module it was handed
# (captured by re-registering the notebook's module decoder) would copy the hidden mutants, word
# for word, into the failure message that a hidden check reports. Its control's extra test fails
# with a plain message. Both are added to the reference's q5.
ECHO_CAPTURE = """

from prodev.runtime.registry import default_registry as _registry

_sources = []
_build = _registry().decoders["module"]


def _capture(spec):
    _sources.append(spec["source"])
    return _build(spec)


_registry().register_decoder("module", _capture)


def _leak(self, pricing):
    raise AssertionError(" || ".join(_sources)[-4000:])


TestRatesClient.test_zz_report = _leak
"""


ECHO_CONTROL = """


def _fails(self, pricing):
    raise AssertionError("this test always fails")


TestRatesClient.test_zz_report = _fails
"""


@dataclass(frozen=True)
class Case:
    lab: str
    control: dict[str, str]  # question -> answer cell source
    attack: dict[str, str]


def _nights_bytecode_length() -> int:
    """How many instructions the shipped nights() compiles to (what the attack hard-codes)."""
    import dis
    from pathlib import Path

    source = (
        Path(__file__).resolve().parents[2] / "solutions" / "lab03_testing" / "stayhub_pricing.py"
    )
    namespace: dict = {}
    exec(compile(source.read_text(), "stayhub_pricing", "exec"), namespace)
    return len(list(dis.get_instructions(namespace["nights"])))


def _reference_answer(lab: str, question: str) -> str:
    import json
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "solutions" / lab / f"{lab}.ipynb"
    for cell in json.loads(source.read_text())["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == question:
            return "".join(cell["source"])
    raise LookupError(f"{lab} has no answer cell {question}")


def cases() -> dict[str, Case]:
    fingerprint = FINGERPRINT_TEST.format(count=_nights_bytecode_length())
    rates_client = _reference_answer("lab03_testing", "q5")
    return {
        "echoed_module_sources": Case(
            "lab03_testing",
            control={"q5": rates_client + ECHO_CONTROL},
            attack={"q5": rates_client + ECHO_CAPTURE},
        ),
        "forged_run_tests": Case(
            "lab03_testing",
            control=dict(SILENT),
            attack={**SILENT, "q1": SILENT["q1"] + FORGED_RUN_TESTS},
        ),
        "fingerprinted_module": Case(
            "lab03_testing",
            control={"q1": WEAK_NIGHTS},
            attack={"q1": WEAK_NIGHTS + fingerprint},
        ),
        "leaked_module_source": Case(
            "lab03_testing",
            control={"q1": WEAK_NIGHTS},
            attack={"q1": WEAK_NIGHTS + LEAKING_TEST},
        ),
        "forged_stop_report": Case(
            "lab16_containers",
            control={"q5": f"entrypoint = {UNHANDLED_ENTRYPOINT!r}\n"},
            attack={"q5": f"entrypoint = {UNHANDLED_ENTRYPOINT!r}\n{FORGED_STOP_REPORT}"},
        ),
        "forged_job_pipe": Case(
            "lab16_containers",
            control={"q5": f"entrypoint = {UNHANDLED_ENTRYPOINT!r}\n"},
            attack={"q5": f"entrypoint = {FORGING_ENTRYPOINT!r}\n"},
        ),
        "compose_alias_bomb": Case(
            "lab16_containers",
            control={"q4": f"compose = {PLAIN_COMPOSE!r}\n"},
            attack={"q4": f"compose = {BOMB_COMPOSE!r}\n"},
        ),
        "manifest_alias_bomb": Case(
            "lab17_kubernetes",
            control={"q1": f"stayhub_manifests = {PLAIN_MANIFESTS!r}\n"},
            attack={"q1": f"stayhub_manifests = {BOMB_MANIFESTS!r}\n"},
        ),
        "workflow_alias_bomb": Case(
            "lab18_cicd",
            control={"q1": f"pipeline = {PLAIN_PIPELINE!r}\n"},
            attack={"q1": f"pipeline = {BOMB_PIPELINE!r}\n"},
        ),
        "greedy_index": Case(
            "lab06_query_performance",
            control={"q2": f"lookup_indexes = {GUEST_INDEX_ONLY!r}\n"},
            attack={"q2": f"lookup_indexes = {GREEDY_INDEXES!r}\n"},
        ),
    }


# Text that only hidden mutants of lab 03 contain (after the grader's rewriting of the source).
HIDDEN_MUTANT_MARKERS = [
    "abs((check_out - check_in).days)",
    "if check_out < check_in:",
    "WEEKEND_NIGHTS = (5,)",
    "return base_rate + 25",
    "if count > 28:",
    "ROUND_HALF_EVEN",
    "1 / rates.rate(currency",
    "exc.code == 410",
    "return Decimal('1')",
    'return Decimal("1")',
    "tiers = ((28, MONTHLY_DISCOUNT)",
    "cents = (amount * rate * 100)",
    'if night.strftime("%w")',
    "EXTRA_GUEST_FEE * min(count, 28)",
    "y + y // 4 - y // 100",
    "for i in range(1, count + 1)",
    "MONTHLY_DISCOUNT * count / 28",
]
