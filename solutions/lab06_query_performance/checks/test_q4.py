"""Question 4: rewrite a correlated, non-sargable report so it does far less work."""

from prodev.checking import check
from prodev.kits.plans import speedup, sqlite_memory_copy, sqlite_plan, sqlite_steps, stayhub_sqlite
from prodev.kits.scratchdb import ScriptError, fetch, split_statements, sqlite_scratch

ORIGINAL = """
SELECT p.property_id, p.name,
       (SELECT count(*) FROM bookings b
        WHERE b.property_id = p.property_id AND b.status = 'confirmed'
          AND strftime('%Y', b.start_date) = '2025') AS confirmed_2025
FROM properties p
WHERE p.city = 'Paris'
  AND (SELECT count(*) FROM bookings b
       WHERE b.property_id = p.property_id AND b.status = 'confirmed'
         AND strftime('%Y', b.start_date) = '2025') >= 10
"""
COLUMNS = ["property_id", "name", "confirmed_2025"]


def rewrite(student) -> str:
    statements = split_statements(student.value("q4"), ("SELECT",))
    if len(statements) != 1:
        raise ScriptError("q4 should hold exactly one SELECT statement")
    return statements[0]


def run(con, query):
    columns, rows = fetch(con, query)
    return columns, sorted(rows)


def compare(student, dataset, where=""):
    query = rewrite(student)
    con = sqlite_scratch(sqlite_memory_copy(stayhub_sqlite(dataset)))
    columns, rows = run(con, query)
    _, expected = run(con, ORIGINAL)
    assert columns == COLUMNS, f"{where}expected the columns {COLUMNS}, got {columns}"
    assert len(rows) == len(expected), (
        f"{where}expected {len(expected)} rows, got {len(rows)}: are the status, the year and "
        "the threshold the same as in the original?"
    )
    assert rows == expected, f"{where}the rows differ from the original query's"
    return con, query


@check("q4", points=1)
def test_same_rows_as_the_original(student, stayhub):
    compare(student, stayhub)


@check("q4", points=1)
def test_no_correlated_subquery_and_less_work(student, stayhub):
    con, query = compare(student, stayhub)
    lines = sqlite_plan(con, query)
    assert not any("CORRELATED" in line for line in lines), (
        f"the plan still runs a correlated subquery per row: {lines}"
    )
    before, after = sqlite_steps(con, ORIGINAL), sqlite_steps(con, query)
    assert after * 10 <= before, (
        f"the rewrite does only {before / max(after, 1):.1f} times less work; expected 10 or more"
    )
    factor = speedup(
        lambda: con.execute(ORIGINAL).fetchall(), lambda: con.execute(query).fetchall(), 3
    )
    assert factor >= 5, f"the rewrite is only {factor:.1f} times faster; expected 5 or more"
