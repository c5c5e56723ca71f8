"""Question 4: `migration_problems(plan)` finds the steps that break the running code."""

from prodev.checking import check

# The plan of the question's example: a rename done in one step, then code that needs it.
EXAMPLE = {
    "columns": ["properties.id", "properties.title", "properties.price"],
    "code_uses": ["properties.id", "properties.title", "properties.price"],
    "steps": [
        {"op": "add_column", "column": "properties.rating", "nullable": False, "default": None},
        {"op": "rename_column", "column": "properties.price", "to": "properties.nightly_price"},
        {"op": "deploy", "uses": ["properties.id", "properties.title", "properties.nightly_price"]},
        {"op": "deploy", "uses": ["properties.id", "properties.headline"]},
    ],
}

# The same change done as expand / migrate / contract: nothing breaks.
EXPAND_CONTRACT = {
    "columns": ["properties.id", "properties.price"],
    "code_uses": ["properties.id", "properties.price"],
    "steps": [
        {
            "op": "add_column",
            "column": "properties.nightly_price",
            "nullable": True,
            "default": None,
        },
        {"op": "deploy", "uses": ["properties.id", "properties.price", "properties.nightly_price"]},
        {"op": "backfill", "column": "properties.nightly_price"},
        {"op": "deploy", "uses": ["properties.id", "properties.nightly_price"]},
        {"op": "set_not_null", "column": "properties.nightly_price"},
        {"op": "drop_column", "column": "properties.price"},
    ],
}


def _pairs(got):
    assert isinstance(got, list), (
        f"migration_problems should return a list, got {type(got).__name__}"
    )
    return [list(item) if isinstance(item, list | tuple) else item for item in got]


@check("q4", points=1)
def test_the_example_plan(student):
    got = _pairs(student.call("migration_problems", EXAMPLE))
    expected = [[0, "not_null_without_default"], [1, "rename_in_use"], [3, "missing_column"]]
    assert got == expected, f"for the question's example the result was {got}, expected {expected}"


@check("q4", points=1)
def test_expand_contract_is_safe(student):
    got = _pairs(student.call("migration_problems", EXPAND_CONTRACT))
    assert got == [], (
        f"an expand / migrate / contract plan where no step breaks the code running at that "
        f"moment was reported as {got}"
    )
