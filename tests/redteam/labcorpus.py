"""Attacks on the evidence of labs 03 and 06, each beside its control.

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


def cases() -> dict[str, Case]:
    fingerprint = FINGERPRINT_TEST.format(count=_nights_bytecode_length())
    return {
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
]
