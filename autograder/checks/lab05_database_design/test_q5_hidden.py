"""Question 5, hidden: the same three properties on an export from unseen data."""

from prodev.checking import check
from prodev.kits.scratchplan import ScratchPlan


@check("q5", points=1)
def test_unseen_export(student, stayhub_unseen):
    plan = ScratchPlan().database(
        "export", "duckdb", export_of=str(stayhub_unseen), script=student.value("decomposition"),
        allowed=("CREATE", "INSERT"), label="decomposition",
    )  # fmt: skip
    index = plan.probe("export", "normal_forms")
    report = plan.run(student)
    report.raise_for("export")
    found = report.results[index]
    assert isinstance(found, dict) and "tables" in found, "the decomposition could not be examined"
    assert len(found["tables"]) >= 2, (
        "on other data, the decomposition creates fewer than two tables"
    )
    assert found["lossless"] is None, f"on other data, {found['lossless']}"
    problems = found["bcnf"] + [f"{d} is lost" for d in found["lost"]]
    assert not problems, f"on other data, {problems[0]}"
