"""Question 5: partition pruning on hive-partitioned Parquet."""

from prodev.checking import check
from prodev.kits.plans import parquet_bookings, stayhub_parquet
from prodev.kits.scratchdb import ScriptError, split_statements
from prodev.kits.scratchplan import ScratchPlan

ORIGINAL = """
SELECT property_id, count(*) AS stays, sum(total_price) AS revenue
FROM {bookings}
WHERE status = 'confirmed' AND strftime(start_date, '%Y-%m') = '2024-03'
GROUP BY property_id
"""
COLUMNS = ["property_id", "stays", "revenue"]


def lake(dataset):
    """A plan for a DuckDB that may read the Parquet export and nothing else."""
    root = stayhub_parquet(dataset)
    return ScratchPlan().database("lake", "duckdb", lake=str(root)), parquet_bookings(root)


def query_of(student, bookings) -> str:
    text = student.value("q5")
    if not isinstance(text, str):
        raise ScriptError(f"q5 should be a string holding a query, not a {type(text).__name__}")
    if "NotImplementedError" not in text and "{bookings}" not in text:
        raise ScriptError("keep the placeholder {bookings} where the table goes")
    statements = split_statements(text.replace("{bookings}", bookings), ("SELECT",))
    if len(statements) != 1:
        raise ScriptError("q5 should hold exactly one SELECT statement")
    return statements[0]


def observe(student, dataset, profile=False):
    """Run the query beside the original on the lake (where the student's code runs)."""
    plan, bookings = lake(dataset)
    query = query_of(student, bookings)
    original = ORIGINAL.replace("{bookings}", bookings)
    probes = {"same": plan.probe("lake", "compare", query=query, expected=original)}
    if profile:
        probes["mine"] = plan.probe("lake", "profile", query=query)
        probes["theirs"] = plan.probe("lake", "profile", query=original)
    report = plan.run(student)
    report.raise_for("lake")
    found = {name: report.value(index, "q5") for name, index in probes.items()}
    same = found["same"]
    assert same["columns"] == COLUMNS, f"expected the columns {COLUMNS}, got {same['columns']}"
    assert same["count"] == same["expected_count"], (
        f"expected {same['expected_count']} rows, got {same['count']}"
    )
    assert same["same"], "the rows differ from the original query's"
    return found


@check("q5", points=1)
def test_same_rows_as_the_original(student, stayhub):
    observe(student, stayhub)


@check("q5", points=1)
def test_reads_one_partition(student, stayhub):
    found = observe(student, stayhub, profile=True)
    mine, theirs = found["mine"], found["theirs"]
    assert mine["files_read"] == 1, (
        f"your query reads {mine['files_read']} files; one month is one file: filter on the "
        "partition columns year and month"
    )
    assert mine["bytes_read"] < theirs["bytes_read"], (
        f"your query reads {mine['bytes_read']:,} bytes, the original {theirs['bytes_read']:,}: "
        "it should read less"
    )
