"""Question 5: decompose booking_export into BCNF tables, losslessly, preserving dependencies."""

from prodev.checking import check
from prodev.kits.normalise import (
    EXPORT_COLUMNS,
    bcnf_problems,
    load_booking_export,
    lossless_problem,
    lost_dependencies,
    user_tables,
)
from prodev.kits.scratchdb import apply_script, duckdb_scratch


def decomposed(student, dataset):
    """A scratch DuckDB holding booking_export and the student's tables."""
    con = duckdb_scratch(lambda c: load_booking_export(c, dataset))
    apply_script(con, student.value("decomposition"), ("CREATE", "INSERT"), label="decomposition")
    columns = [d[0] for d in con.execute("SELECT * FROM booking_export LIMIT 0").description]
    assert columns == EXPORT_COLUMNS, "do not change booking_export: create new tables from it"
    tables = user_tables(con)
    assert len(tables) >= 2, f"the decomposition creates {len(tables)} table(s); it needs more"
    return con, tables


@check("q5", points=1)
def test_lossless(student, stayhub):
    con, tables = decomposed(student, stayhub)
    problem = lossless_problem(con, tables)
    assert problem is None, problem


@check("q5", points=1)
def test_bcnf_and_dependency_preserving(student, stayhub):
    con, tables = decomposed(student, stayhub)
    problems = bcnf_problems(con, tables)
    assert not problems, problems[0] + " (BCNF: every determinant is a key)"
    lost = lost_dependencies(tables)
    assert not lost, f"no single table holds the dependency {lost[0]}: it would go unchecked"
