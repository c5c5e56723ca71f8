"""Hidden checks of question 4 (`migration_problems`): planted unsafe sequences and safe rewrites
of them, on tables the question never used."""

from prodev.checking import check


def _problems(student, plan):
    got = student.call("migration_problems", plan)
    assert isinstance(got, list), (
        f"migration_problems should return a list, got {type(got).__name__}"
    )
    return [list(item) if isinstance(item, list | tuple) else item for item in got]


def _judge(student, cases, topic):
    wrong = []
    for what, plan, expected in cases:
        got = _problems(student, plan)
        if got != expected:
            # how many problems were reported, never the returned items themselves
            wrong.append(f"{what}: {len(got)} problem(s) reported, not the right ones")
    assert not wrong, f"wrong answers on plans where {topic}:\n  " + "\n  ".join(wrong)


GUESTS = ["bookings.id", "bookings.guest_id", "bookings.total"]


@check("q4", points=1)
def test_the_running_code_decides(student):
    cases = [
        (
            "dropping a column right after the release that stopped using it",
            {
                "columns": GUESTS,
                "code_uses": GUESTS,
                "steps": [
                    {"op": "deploy", "uses": ["bookings.id", "bookings.guest_id"]},
                    {"op": "drop_column", "column": "bookings.total"},
                ],
            },
            [],
        ),
        (
            "dropping a column before the release that stops using it",
            {
                "columns": GUESTS,
                "code_uses": GUESTS,
                "steps": [
                    {"op": "drop_column", "column": "bookings.total"},
                    {"op": "deploy", "uses": ["bookings.id", "bookings.guest_id"]},
                ],
            },
            [[0, "drop_in_use"]],
        ),
        (
            "renaming a column no code uses",
            {
                "columns": GUESTS + ["bookings.legacy_ref"],
                "code_uses": GUESTS,
                "steps": [
                    {"op": "rename_column", "column": "bookings.legacy_ref", "to": "bookings.ref"}
                ],
            },
            [],
        ),
        (
            "a drop that is safe only because an earlier release moved on, then a rollback to "
            "code that needs it",
            {
                "columns": GUESTS,
                "code_uses": GUESTS,
                "steps": [
                    {"op": "deploy", "uses": ["bookings.id"]},
                    {"op": "drop_column", "column": "bookings.guest_id"},
                    {"op": "deploy", "uses": ["bookings.id", "bookings.guest_id"]},
                ],
            },
            [[2, "missing_column"]],
        ),
    ]
    _judge(student, cases, "the code running at each step decides")


@check("q4", points=1)
def test_order_matters(student):
    cases = [
        (
            "code deployed before the column it needs",
            {
                "columns": ["reviews.id", "reviews.body"],
                "code_uses": ["reviews.id", "reviews.body"],
                "steps": [
                    {"op": "deploy", "uses": ["reviews.id", "reviews.body", "reviews.stars"]},
                    {
                        "op": "add_column",
                        "column": "reviews.stars",
                        "nullable": True,
                        "default": None,
                    },
                ],
            },
            [[0, "missing_column"]],
        ),
        (
            "the same two steps the other way round",
            {
                "columns": ["reviews.id", "reviews.body"],
                "code_uses": ["reviews.id", "reviews.body"],
                "steps": [
                    {
                        "op": "add_column",
                        "column": "reviews.stars",
                        "nullable": True,
                        "default": None,
                    },
                    {"op": "deploy", "uses": ["reviews.id", "reviews.body", "reviews.stars"]},
                ],
            },
            [],
        ),
        (
            "a drop of a used column, then a release that still needs it",
            {
                "columns": ["reviews.id", "reviews.body"],
                "code_uses": ["reviews.id", "reviews.body"],
                "steps": [
                    {"op": "drop_column", "column": "reviews.body"},
                    {"op": "deploy", "uses": ["reviews.id", "reviews.body"]},
                ],
            },
            [[0, "drop_in_use"], [1, "missing_column"]],
        ),
    ]
    _judge(student, cases, "the order of the steps matters")


@check("q4", points=1)
def test_renames_move_columns(student):
    cases = [
        (
            "a rename of a used column, then code that uses the new name",
            {
                "columns": ["payments.id", "payments.amt"],
                "code_uses": ["payments.id", "payments.amt"],
                "steps": [
                    {"op": "rename_column", "column": "payments.amt", "to": "payments.amount"},
                    {"op": "deploy", "uses": ["payments.id", "payments.amount"]},
                    {"op": "deploy", "uses": ["payments.id", "payments.amt"]},
                ],
            },
            [[0, "rename_in_use"], [2, "missing_column"]],
        ),
        (
            "expand / migrate / contract instead of a rename",
            {
                "columns": ["payments.id", "payments.amt"],
                "code_uses": ["payments.id", "payments.amt"],
                "steps": [
                    {
                        "op": "add_column",
                        "column": "payments.amount",
                        "nullable": True,
                        "default": None,
                    },
                    {"op": "deploy", "uses": ["payments.id", "payments.amt", "payments.amount"]},
                    {"op": "backfill", "column": "payments.amount"},
                    {"op": "deploy", "uses": ["payments.id", "payments.amount"]},
                    {"op": "drop_column", "column": "payments.amt"},
                    {"op": "set_not_null", "column": "payments.amount"},
                ],
            },
            [],
        ),
    ]
    _judge(student, cases, "a column is renamed")


@check("q4", points=1)
def test_not_null_rules(student):
    columns = ["hosts.id", "hosts.email"]
    cases = [
        (
            "a NOT NULL column with a default",
            {
                "columns": columns,
                "code_uses": columns,
                "steps": [
                    {
                        "op": "add_column",
                        "column": "hosts.tier",
                        "nullable": False,
                        "default": "basic",
                    }
                ],
            },
            [],
        ),
        (
            "a NOT NULL column whose default is 0",
            {
                "columns": columns,
                "code_uses": columns,
                "steps": [
                    {"op": "add_column", "column": "hosts.strikes", "nullable": False, "default": 0}
                ],
            },
            [],
        ),
        (
            "NOT NULL set before the backfill",
            {
                "columns": columns,
                "code_uses": columns,
                "steps": [
                    {
                        "op": "add_column",
                        "column": "hosts.phone",
                        "nullable": True,
                        "default": None,
                    },
                    {"op": "set_not_null", "column": "hosts.phone"},
                    {"op": "backfill", "column": "hosts.phone"},
                ],
            },
            [[1, "not_null_before_backfill"]],
        ),
        (
            "NOT NULL on an existing column, backfilled first",
            {
                "columns": columns,
                "code_uses": columns,
                "steps": [
                    {"op": "backfill", "column": "hosts.email"},
                    {"op": "set_not_null", "column": "hosts.email"},
                ],
            },
            [],
        ),
        (
            "NOT NULL on an existing column never backfilled",
            {
                "columns": columns,
                "code_uses": columns,
                "steps": [{"op": "set_not_null", "column": "hosts.email"}],
            },
            [[0, "not_null_before_backfill"]],
        ),
        (
            "a column dropped and added again after its backfill",
            {
                "columns": columns + ["hosts.bio"],
                "code_uses": columns,
                "steps": [
                    {"op": "backfill", "column": "hosts.bio"},
                    {"op": "drop_column", "column": "hosts.bio"},
                    {"op": "add_column", "column": "hosts.bio", "nullable": True, "default": None},
                    {"op": "set_not_null", "column": "hosts.bio"},
                ],
            },
            [[3, "not_null_before_backfill"]],
        ),
    ]
    _judge(student, cases, "NOT NULL is involved")
