"""Question 5, hidden: the same three properties on an export from unseen data."""

from prodev.checking import check
from prodev.kits.normalise import (
    bcnf_problems,
    load_booking_export,
    lossless_problem,
    lost_dependencies,
    user_tables,
)
from prodev.kits.scratchdb import apply_script, duckdb_scratch


@check("q5", points=1)
def test_unseen_export(student, stayhub_unseen):
    con = duckdb_scratch(lambda c: load_booking_export(c, stayhub_unseen))
    apply_script(con, student.value("decomposition"), ("CREATE", "INSERT"), label="decomposition")
    tables = user_tables(con)
    assert len(tables) >= 2, "on other data, the decomposition creates fewer than two tables"
    problem = lossless_problem(con, tables)
    assert problem is None, f"on other data, {problem}"
    problems = bcnf_problems(con, tables) + [f"{d} is lost" for d in lost_dependencies(tables)]
    assert not problems, f"on other data, {problems[0]}"
