"""The scratch project that runs a student's data migration (lab 09 q6): the grader's rule, and
what the job observes for a sound migration and for one that cannot go back."""

from __future__ import annotations

from prodev.kits.datamigration import INITIAL, display_name, run_migration_job

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
