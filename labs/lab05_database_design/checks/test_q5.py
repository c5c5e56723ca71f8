"""Question 5: decompose booking_export into BCNF tables, losslessly, preserving dependencies."""

from prodev.checking import check
from prodev.kits.normalise import EXPORT_COLUMNS
from prodev.kits.scratchplan import ScratchPlan


def normal_forms(student, dataset):
    """Load booking_export from `dataset` into a scratch DuckDB, apply the decomposition there
    (in the sandbox when grading) and observe the tables it made."""
    plan = ScratchPlan().database(
        "export", "duckdb", export_of=str(dataset), script=student.value("decomposition"),
        allowed=("CREATE", "INSERT"), label="decomposition",
    )  # fmt: skip
    index = plan.probe("export", "normal_forms")
    report = plan.run(student)
    report.raise_for("export")
    found = report.results[index]
    assert isinstance(found, dict) and "tables" in found, "the decomposition could not be examined"
    return found


def decomposed(student, dataset):
    found = normal_forms(student, dataset)
    assert found["export_columns"] == EXPORT_COLUMNS, (
        "do not change booking_export: create new tables from it"
    )
    tables = found["tables"]
    assert len(tables) >= 2, f"the decomposition creates {len(tables)} table(s); it needs more"
    return found


@check("q5", points=1)
def test_lossless(student, stayhub):
    problem = decomposed(student, stayhub)["lossless"]
    assert problem is None, problem


@check("q5", points=1)
def test_bcnf_and_dependency_preserving(student, stayhub):
    found = decomposed(student, stayhub)
    problems = found["bcnf"]
    assert not problems, problems[0] + " (BCNF: every determinant is a key)"
    lost = found["lost"]
    assert not lost, f"no single table holds the dependency {lost[0]}: it would go unchecked"
