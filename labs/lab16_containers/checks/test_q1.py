"""Question 1: the fixed Dockerfile passes hadolint and pins what it builds on."""

from prodev.checking import check
from prodev.kits import dockerfiles


@check("q1", points=2)
def test_hadolint_finds_nothing(student):
    text = dockerfiles.student_text(student, "dockerfile", "Dockerfile")
    findings = dockerfiles.lint(text)
    shown = "\n".join(f"  {f}" for f in findings[:8])
    more = f"\n  ... and {len(findings) - 8} more" if len(findings) > 8 else ""
    assert not findings, f"hadolint has {len(findings)} finding(s):\n{shown}{more}"


@check("q1", points=1)
def test_bases_are_pinned_and_nothing_is_fetched_by_url(student):
    text = dockerfiles.student_text(student, "dockerfile", "Dockerfile")
    problems = [p for p in dockerfiles.review(text) if p.rule in ("from", "base", "add-url")]
    assert not problems, "; ".join(problems)
