"""Question 3: `canary_verdict(baseline, canary)` promotes, holds or rolls back."""

from prodev.checking import check


def window(requests, errors, p95_ms):
    return {"requests": requests, "errors": errors, "p95_ms": p95_ms}


@check("q3", points=2)
def test_the_four_plain_cases(student):
    baseline = window(20_000, 40, 180.0)
    cases = [
        ("a canary as healthy as the baseline", window(2_000, 4, 185.0), "promote"),
        ("a canary failing 3% of requests", window(2_000, 60, 180.0), "rollback"),
        ("a canary 50% slower at p95", window(2_000, 4, 270.0), "rollback"),
        ("a canary that has served 120 requests", window(120, 0, 150.0), "hold"),
    ]
    for what, canary, expected in cases:
        got = student.call("canary_verdict", baseline, canary)
        assert got == expected, f"for {what} the verdict was {got!r}, expected {expected!r}"
