"""Question 6: a data migration that adds a required display_name, run forward and back in the
checks' own scratch project (prodev.kits.datamigration), then `makemigrations --check`; the
state it leaves is read from what the checks' own migration after it leaves in the database: the
table Django rebuilds from that state to add a column, and the state's fields written down."""

import duckdb

from prodev.checking import check
from prodev.kits.datamigration import run_migration

# Members whose names are missing in the ways the question names, beside the dataset's own.
PLANTED = [
    [900_001, None, "Okafor", "ada.okafor@mail.example"],
    [900_002, "Lena", "", "lena@mail.example"],
    [900_003, None, None, "no.name@mail.example"],
    [900_004, "", "", "blank@mail.example"],
]


def members(dataset, limit: int) -> list[list]:
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        rows = con.execute(
            "SELECT user_id, first_name, last_name, email FROM users ORDER BY user_id LIMIT ?",
            [limit],
        ).fetchall()
    finally:
        con.close()
    return [list(r) for r in rows] + PLANTED


# The last run, by migration text and rows: the three checks judge one run (the job is
# deterministic, and building the project costs seconds), not three.
_last: dict = {}


def run(student, dataset):
    rows = members(dataset, 40)
    text = student.value("display_name_migration")
    key = (text, repr(rows))
    if key not in _last:
        _last.clear()
        _last[key] = run_migration(student, text, rows)
    return rows, _last[key]


def step_failed(run, step: str, what: str) -> str | None:
    done = run.step(step)
    if done.get("exit") == 0:
        return None
    return f"{what} failed: {done.get('error') or 'no error message'}"


@check("q6", points=1)
def test_forward_fills_every_member(student, stayhub):
    rows, done = run(student, stayhub)
    failed = step_failed(done, "forward", "`migrate accounts` (forward)")
    assert failed is None, failed
    after = done.table("after_forward")
    assert "display_name" in after["columns"], "after the migration there is no display_name column"
    assert after["columns"]["display_name"], (
        "display_name still accepts NULL after the migration: the model's field is required"
    )
    wrong = done.wrong_names(rows)
    planted = [r[0] for r in PLANTED]
    assert not [w for w in wrong if w not in planted], (
        f"{len(wrong)} of {len(rows)} members got a display_name that is not right, members with "
        "both names among them: look at how the names are joined"
    )
    assert not wrong, (
        f"{len(wrong)} of the {len(PLANTED)} members with a NULL or empty name got a display_name "
        "that is not right: leave a missing name out, and with neither use the email's part "
        "before the '@'"
    )


@check("q6", points=1)
def test_backward_restores_the_table(student, stayhub):
    _, done = run(student, stayhub)
    failed = step_failed(done, "backward", "`migrate accounts 0001` (backward)")
    assert failed is None, failed
    before, after = done.table("before"), done.table("after_backward")
    assert "display_name" not in after["columns"], "going back left the display_name column"
    assert after["applied"] == ["0001_initial"], "going back should leave only 0001_initial applied"
    assert after["rows"] == before["rows"], "going back changed the members' other columns"


@check("q6", points=1)
def test_makemigrations_finds_nothing_to_do(student, stayhub):
    _, done = run(student, stayhub)
    assert done.step("drift").get("exit") == 0, (
        "`makemigrations accounts --check` finds changes to make: the state your migration leaves "
        "is not the model's (is display_name a CharField(max_length=201) that is not null, in the "
        "end?), or the migration could not be loaded"
    )
    assert done.schema_matches_the_model, (
        "the members table after your migration is not the one the model makes: a column's "
        "type or NOT NULL, or an index, differs"
    )
    assert done.canary_applied, (
        "the checks' own migration after yours, which adds one column, could not be applied: "
        "does your module load cleanly, and let Django run to the end?"
    )
    assert done.state_matches_the_model, (
        "the state your migration leaves is not the model's, as the checks' own migration after "
        "yours saw it (the table Django rebuilds from that state, and each field's options): a "
        "change made with SQL alone reaches the table but not the state, and an option such as "
        "a default can stay in the state without reaching the table"
    )
