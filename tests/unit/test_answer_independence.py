"""The proof that a wrong answer moves no other question (tests/content/answer_independence.py),
on notebooks run by the real IPython shell: equal definitions fingerprint alike across runs, and
each way a cell can disturb another's names shows."""

from __future__ import annotations

from answer_independence import bound_names, fingerprint, global_reads

from prodev.runtime.notebook import run_cells

SETUP = "import functools\nimport duckdb\nCON = duckdb.connect()\nRATE = 1.25"
Q1 = """
def logged(log):
    def wrap(func):
        @functools.wraps(func)
        def inner(*args):
            log.append(args)
            return func(*args)
        return inner
    return wrap
"""
Q2 = """
class Pricing:
    factor = RATE

    def price(self, amount):
        return round(amount * self.factor, 2)

    @staticmethod
    def currency():
        return "EUR"

plain = Pricing().price
"""


def run(*cells: str, tmp_path) -> dict:
    return run_cells(list(cells), tmp_path).namespace


def test_the_same_cells_fingerprint_alike_in_two_runs(tmp_path):
    first = fingerprint(run(SETUP, Q1, Q2, tmp_path=tmp_path))
    second = fingerprint(run(SETUP, Q1, Q2, tmp_path=tmp_path))
    assert first == second
    assert {"functools", "duckdb", "CON", "RATE", "logged", "Pricing", "plain"} <= set(first)
    assert not {"In", "Out", "_", "_i1", "get_ipython"} & set(first)


def test_a_changed_body_closure_or_class_attribute_shows(tmp_path):
    reference = fingerprint(run(SETUP, Q1, Q2, tmp_path=tmp_path))
    body = fingerprint(run(SETUP, Q1.replace("log.append(args)", "pass"), Q2, tmp_path=tmp_path))
    assert body["logged"] != reference["logged"]
    assert {k: v for k, v in body.items() if k != "logged"} == {
        k: v for k, v in reference.items() if k != "logged"
    }
    attribute = fingerprint(run(SETUP, Q1, Q2.replace("= RATE", "= 1.3"), tmp_path=tmp_path))
    assert attribute["Pricing"] != reference["Pricing"]
    rate = fingerprint(run(SETUP.replace("1.25", "1.5"), Q1, Q2, tmp_path=tmp_path))
    assert rate["RATE"] != reference["RATE"]


def test_a_cell_that_rebinds_or_fails_to_bind_a_name_shows(tmp_path):
    reference = fingerprint(run(SETUP, Q1, Q2, tmp_path=tmp_path))
    rebinding = fingerprint(run(SETUP, Q1 + "\nRATE = 2", Q2, tmp_path=tmp_path))
    assert rebinding["RATE"] != reference["RATE"]
    raising = fingerprint(run(SETUP, "1 / 0\n" + Q1, Q2, tmp_path=tmp_path))
    assert "logged" not in raising and raising["Pricing"] == reference["Pricing"]


def test_global_reads_see_into_nested_functions_and_methods(tmp_path):
    namespace = run(SETUP, Q1, Q2, tmp_path=tmp_path)
    assert "functools" in global_reads(namespace, {"logged"})
    assert "round" in global_reads(namespace, {"Pricing"})
    assert "RATE" not in global_reads(namespace, {"Pricing"})  # read once, when the class ran
    assert global_reads(namespace, {"RATE", "missing"}) == set()


def test_bound_names_are_the_cells_top_level_names():
    assert bound_names(SETUP) == {"functools", "duckdb", "CON", "RATE"}
    assert bound_names(Q1) == {"logged"}
    assert bound_names(Q2) == {"Pricing", "plain"}
    assert bound_names("for i in range(3):\n    total = i\nwith open('x') as f:\n    pass") == {
        "i",
        "total",
        "f",
    }
    assert bound_names("import os.path as p, sys\nfrom x import y as z") == {"p", "sys", "z"}
    assert bound_names("%%sql\nSELECT 1") == set()
    assert bound_names("def broken(:\n") == set()


def test_a_helper_holding_the_namespace_moves_with_no_answer(tmp_path):
    """A setup helper that keeps `globals()` (lab 03's `run_tests`) is the same helper whatever
    the answers in the namespace are."""
    helper = "def runner(ns):\n    return lambda name: ns[name]\n\nrun = runner(globals())"
    reference = fingerprint(run(helper, Q1, tmp_path=tmp_path))
    changed = fingerprint(run(helper, Q1.replace("log.append(args)", "pass"), tmp_path=tmp_path))
    assert changed["run"] == reference["run"] and changed["logged"] != reference["logged"]
