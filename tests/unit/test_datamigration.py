"""The scratch project that runs a student's data migration (lab 09 q6): the grader's rule, and
what the job observes for a sound migration, for one that cannot go back, and for one whose
state drifts while its table is right (seen in the table Django rebuilds to add the canary)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from prodev.kits.datamigration import (
    INITIAL,
    MigrationRun,
    canary_migration,
    display_name,
    run_migration_job,
)

SOUND = """
from django.db import migrations, models


def fill(apps, schema_editor):
    Member = apps.get_model("accounts", "Member")
    for member in Member.objects.all():
        parts = [(n or "").strip() for n in (member.first_name, member.last_name)]
        member.display_name = " ".join(p for p in parts if p) or member.email.split("@")[0]
        member.save(update_fields=["display_name"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [
        migrations.AddField("member", "display_name", models.CharField(max_length=201, null=True)),
        migrations.RunPython(fill, reverse_code=migrations.RunPython.noop),
        migrations.AlterField("member", "display_name", models.CharField(max_length=201)),
    ]
"""
# The same work done to the table only: the migration state never learns of display_name.
STATELESS = SOUND.replace(
    "    operations = [\n",
    "    operations = [migrations.SeparateDatabaseAndState(database_operations=[\n",
).replace("\n    ]\n", "\n    ])]\n")
ENDS_MAKEMIGRATIONS = "import os, sys\nif 'makemigrations' in sys.argv:\n    os._exit(0)\n"
ENDS_AFTER_ANOTHER_MIGRATION = (
    "import os, pathlib\nif any(pathlib.Path(__file__).parent.glob('0003*')):\n    os._exit(0)\n"
)
ROWS = [[1, " Ana ", None, "ana@x.example"], [2, "", "  ", "kim.lee@x.example"]]


def test_the_rule_leaves_out_missing_names_and_falls_back_to_the_email():
    assert display_name(" Ana ", None, "a@x") == "Ana"
    assert display_name("Mary Ann", " de Vries", "m@x") == "Mary Ann de Vries"
    assert display_name("", "  ", "kim.lee@x.example") == "kim.lee"
    assert "members" in INITIAL


def test_a_sound_migration_goes_forward_back_and_leaves_no_drift():
    status, report = run_migration_job({"migration": SOUND, "rows": ROWS}, {})
    assert status == 0
    assert [report[s]["exit"] for s in ("forward", "backward", "drift")] == [0, 0, 0]
    forward = report["after_forward"]
    assert forward["columns"]["display_name"] is True  # NOT NULL
    assert [r[-1] for r in forward["rows"]] == ["Ana", "kim.lee"]
    assert forward["applied"] == ["0001_initial", "0002_member_display_name"]
    assert "display_name" not in report["after_backward"]["columns"]
    assert report["after_backward"]["rows"] == report["before"]["rows"]
    assert report["schema_forward"] == report["schema_model"]
    run = MigrationRun(report)
    assert run.canary_applied and run.state_matches_the_model
    canary_columns = [c[0] for c in report["after_canary"]["schema"][0]]
    assert canary_columns[-2:] == ["display_name", report["canary_field"]]
    assert "'display_name', 'django.db.models.CharField'" in report["after_canary"]["fields"][-2]


def test_each_canary_has_a_name_of_its_own():
    (first, first_text), (second, _) = canary_migration(), canary_migration()
    assert first != second and first.startswith("canary_") and first in first_text


def test_a_state_that_lacks_the_field_shows_in_the_rebuilt_table_whatever_makemigrations_says():
    _, report = run_migration_job({"migration": ENDS_MAKEMIGRATIONS + STATELESS, "rows": ROWS}, {})
    assert report["forward"]["exit"] == 0 and report["drift"]["exit"] == 0  # the exit says fine
    assert report["schema_forward"] == report["schema_model"]  # and the table is the model's
    run = MigrationRun(report)
    assert run.canary_applied
    assert "display_name" not in [c[0] for c in report["after_canary"]["schema"][0]]
    assert not run.state_matches_the_model


def test_a_default_left_in_the_state_is_written_down_by_the_canary():
    """A default the state keeps (the AlterField says default="") never reaches the table: the
    canary writes it down."""
    kept_default = SOUND.replace("max_length=201)),", 'max_length=201, default="")),', 1)
    migration = ENDS_MAKEMIGRATIONS + kept_default
    _, report = run_migration_job({"migration": migration, "rows": ROWS}, {})
    assert report["drift"]["exit"] == 0 and report["schema_forward"] == report["schema_model"]
    assert report["after_canary"]["schema"] == report["model_after_canary"]["schema"]
    run = MigrationRun(report)
    assert run.canary_applied and not run.state_matches_the_model


def test_a_process_that_ends_before_the_canary_leaves_none():
    migration = ENDS_AFTER_ANOTHER_MIGRATION + SOUND
    _, report = run_migration_job({"migration": migration, "rows": ROWS}, {})
    assert report["forward"]["exit"] == 0 and report["canary"]["exit"] == 0
    run = MigrationRun(report)
    assert not run.canary_applied and not run.state_matches_the_model


def test_a_backfill_without_reverse_cannot_go_back_and_a_nullable_end_drifts():
    one_way = SOUND.replace(", reverse_code=migrations.RunPython.noop", "")
    _, report = run_migration_job({"migration": one_way, "rows": ROWS}, {})
    assert report["forward"]["exit"] == 0
    assert report["backward"]["exit"] != 0
    assert "IrreversibleError" in report["backward"]["error"]
    nullable = "\n".join(line for line in SOUND.splitlines() if "AlterField" not in line)
    _, report = run_migration_job({"migration": nullable, "rows": ROWS}, {})
    assert report["after_forward"]["columns"]["display_name"] is False
    assert report["drift"]["exit"] != 0
    assert report["schema_forward"] != report["schema_model"]  # seen without the student's code


def test_in_grading_nothing_a_step_started_outlives_it(tmp_path):
    """A migration whose first import leaves a daemon (forked twice, a session of its own): the
    job, run as in grading (a process of its own), kills it before the next step."""
    pidfile = tmp_path / "daemon.pid"
    daemon = (
        "import os, time\n"
        f"if not os.path.exists({str(pidfile)!r}) and os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        "        os.closerange(0, 256)\n"
        "        time.sleep(120)\n"
        "    os._exit(0)\n"
    )
    payload = json.dumps({"migration": daemon + SOUND, "rows": ROWS})
    job = (
        "import json, sys\n"
        "from prodev.kits.datamigration import run_migration_job\n"
        "status, report = run_migration_job(json.loads(sys.argv[1]))\n"
        "print(json.dumps(report))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", job, payload], capture_output=True, text=True, timeout=300
    )
    report = json.loads(done.stdout)
    pid = int(pidfile.read_text())
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    if alive:
        os.kill(pid, signal.SIGKILL)  # the daemon this test started
    assert not alive, "a process the forward step left behind outlived the job"
    assert MigrationRun(report).state_matches_the_model  # the migration itself is sound
