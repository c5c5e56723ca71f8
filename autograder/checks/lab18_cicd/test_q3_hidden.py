"""Hidden checks of question 3 (`canary_verdict`): rates rather than counts, the edges of each
rule, and metric sets the question never showed."""

from prodev.checking import check

VERDICTS = ("promote", "hold", "rollback")


def window(requests, errors, p95_ms):
    return {"requests": requests, "errors": errors, "p95_ms": p95_ms}


def _verdicts(student, cases):
    """The (description, expected, got) of every case the function answered wrongly."""
    wrong = []
    for what, baseline, canary, expected in cases:
        got = student.call("canary_verdict", baseline, canary)
        if got != expected:
            # only the three verdicts are repeated, never other text the function returned
            shown = repr(got) if got in VERDICTS else "something that is not a verdict"
            wrong.append(f"{what}: got {shown}")
    return wrong


@check("q3", points=1)
def test_rates_not_counts(student):
    cases = [
        (
            "a canary with fewer errors than the baseline but a far higher error rate",
            window(50_000, 100, 210.0),
            window(800, 40, 205.0),
            "rollback",
        ),
        (
            "a canary with more errors than the baseline but the same error rate",
            window(1_000, 3, 90.0),
            window(3_000, 9, 92.0),
            "promote",
        ),
        (
            "a baseline that served nothing, beside a healthy canary",
            window(0, 0, 120.0),
            window(900, 2, 118.0),
            "promote",
        ),
        (
            "a canary whose error rate doubled from a tiny baseline rate",
            window(40_000, 20, 300.0),
            window(5_000, 5, 290.0),
            "promote",
        ),
    ]
    wrong = _verdicts(student, cases)
    assert not wrong, "wrong verdicts where only rates tell:\n  " + "\n  ".join(wrong)


@check("q3", points=1)
def test_edges_of_each_rule(student):
    cases = [
        (
            "a canary at exactly 500 requests",
            window(9_000, 9, 150.0),
            window(500, 0, 150.0),
            "promote",
        ),
        (
            "a canary at 499 requests, all failing",
            window(9_000, 9, 150.0),
            window(499, 499, 900.0),
            "hold",
        ),
        (
            "error rate exactly 0.5 points above",
            window(1_000, 10, 100.0),
            window(1_000, 15, 100.0),
            "promote",
        ),
        (
            "error rate just over 0.5 points above",
            window(10_000, 100, 100.0),
            window(10_000, 151, 100.0),
            "rollback",
        ),
        ("p95 exactly 20 % above", window(2_000, 0, 250.0), window(2_000, 0, 300.0), "promote"),
        ("p95 just over 20 % above", window(2_000, 0, 250.0), window(2_000, 0, 300.5), "rollback"),
        (
            "a faster canary with the same errors",
            window(2_000, 10, 250.0),
            window(2_000, 10, 120.0),
            "promote",
        ),
    ]
    wrong = _verdicts(student, cases)
    assert not wrong, "wrong verdicts at the edges of the rules:\n  " + "\n  ".join(wrong)


@check("q3", points=1)
def test_unseen_metric_sets(student):
    baseline = window(24_000, 72, 230.0)  # 0.3 % errors, p95 230 ms
    cases = [
        ("canary 1", baseline, window(1_200, 4, 240.0), "promote"),
        ("canary 2", baseline, window(1_200, 11, 240.0), "rollback"),
        ("canary 3", baseline, window(1_200, 4, 280.0), "rollback"),
        ("canary 4", baseline, window(300, 30, 500.0), "hold"),
        ("canary 5", baseline, window(2_500, 19, 275.0), "promote"),
        ("canary 6", baseline, window(2_500, 21, 277.0), "rollback"),
        ("canary 7", window(8_000, 400, 600.0), window(700, 36, 700.0), "promote"),
        ("canary 8", window(8_000, 400, 600.0), window(700, 40, 700.0), "rollback"),
    ]
    wrong = _verdicts(student, cases)
    assert not wrong, "wrong verdicts on metric sets like production's:\n  " + "\n  ".join(wrong)
