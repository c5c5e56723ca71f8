"""Question 6, hidden: the migration on other members, with every kind of missing name the
question names (NULL, empty, only spaces or tabs, surrounding spaces, on either side or both),
forward, backward and `makemigrations --check`, in the checks' own scratch project, and the
state the migration leaves, as the checks' own migration after it leaves it in the database."""

import duckdb

from prodev.checking import check
from prodev.kits.datamigration import run_migration

TRAPS = [
    [910_001, "  ", "Mensah", "kwame@mail.example"],
    [910_002, " Ana ", None, "ana@mail.example"],
    [910_003, "Li", "   ", "li@mail.example"],
    [910_004, "\t", "", "tabs.only@mail.example"],
    [910_005, None, " ", "first.last+stayhub@mail.example"],
    [910_006, " Mary Ann ", " de Vries ", "mary@mail.example"],
    [910_007, "", None, "a@b.example"],
]


def members(dataset) -> list[list]:
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        rows = con.execute(
            "SELECT user_id, first_name, last_name, email FROM users "
            "ORDER BY user_id DESC LIMIT 150"
        ).fetchall()
    finally:
        con.close()
    return [list(r) for r in rows] + TRAPS


@check("q6", points=1)
def test_unseen_members(student, stayhub_unseen):
    rows = members(stayhub_unseen)
    done = run_migration(student, student.value("display_name_migration"), rows)
    assert done.step("forward").get("exit") == 0, "on other members, migrating forward failed"
    after = done.table("after_forward")
    assert after["columns"].get("display_name") is True, (
        "on other members, the new column is missing or still accepts NULL after the migration"
    )
    assert not done.wrong_names(rows), (
        "on other members, some display names are not right: look at names that are NULL, "
        "empty or only spaces, and at names with spaces around them, on either side"
    )
    assert done.step("backward").get("exit") == 0, "on other members, migrating back failed"
    assert done.table("after_backward")["rows"] == done.table("before")["rows"], (
        "on other members, going back did not leave the table as it was"
    )
    assert done.step("drift").get("exit") == 0 and done.schema_matches_the_model, (
        "on other members, `makemigrations --check` finds changes to make, or the table is not "
        "the one the model makes"
    )
    assert done.state_matches_the_model, (
        "on other members, the state your migration leaves is not the model's, or the checks' "
        "own migration after yours could not be applied"
    )
