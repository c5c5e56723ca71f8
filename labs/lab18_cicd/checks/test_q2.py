"""Question 2: `triage`, the fixed labelling workflow: clean under three linters."""

from prodev.checking import check
from prodev.kits import workflows


@check("q2", points=2)
def test_linters_find_nothing(student):
    text = student.value("triage")
    workflows.load(text, "`triage`")
    findings = workflows.lint(text, "triage")
    assert not findings, (
        f"actionlint, zizmor and yamllint still find {len(findings)} problem(s) in `triage`:\n"
        + workflows.describe(findings)
    )
