"""Question 5, hidden: mutants of RatesClient (floats, 404 taken for an outage, a server error
swallowed, no server answering, no time limit on a server that never answers) and a rewritten
correct RatesClient."""

import pytest

from prodev.checking import check
from prodev.probes.mutants import assert_accepts, assert_catches, component_source, mutate

SUITE, MODULE, FIXTURE = "TestRatesClient", "stayhub_pricing", "pricing"


@pytest.fixture
def reference() -> str:
    """The component as the course ships it: the grader's own copy, never the student's."""
    return component_source("lab03_testing", "stayhub_pricing.py")


@check("q5", points=1)
def test_catches_rates_read_as_floats(student, reference):
    mutant = mutate(
        reference, ("body = json.load(response, parse_float=Decimal)", "body = json.load(response)")
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a RatesClient that reads rates through binary floating point",
        fixture=FIXTURE,
    )


@check("q5", points=1)
def test_catches_unknown_pairs_reported_as_an_outage(student, reference):
    mutant = mutate(reference, ("if exc.code == 404:", "if exc.code == 410:"))
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a RatesClient that reports an unknown pair as the service being down",
        fixture=FIXTURE,
    )


@check("q5", points=1)
def test_catches_server_errors_swallowed(student, reference):
    mutant = mutate(
        reference,
        (
            'raise RatesUnavailable(f"the rates service answered {exc.code}") from None',
            'return Decimal("1")',
        ),
    )
    assert_catches(
        student,
        SUITE,
        MODULE,
        reference,
        mutant,
        "a RatesClient that hides a server error behind a made-up rate",
        fixture=FIXTURE,
    )


@check("q5", points=1)
def test_passes_a_rewritten_rates_client(student, reference):
    variant = mutate(
        reference,
        (
            "with urllib.request.urlopen(self.base_url + path, timeout=self.timeout) as response:",
            "request = urllib.request.Request(\n"
            '                self.base_url + path, headers={"Accept": "application/json"}\n'
            "            )\n"
            "            with urllib.request.urlopen(request, timeout=self.timeout) as response:",
        ),
    )
    # "Or when no server answers": the connection error escapes instead of RatesUnavailable
    # (the public check's mutant swaps the pair).
    mutant = mutate(
        reference,
        ('raise RatesUnavailable(f"the rates service did not answer: {exc}") from None', "raise"),
    )
    assert_accepts(
        student, SUITE, MODULE, reference, variant, mutant, fixture=FIXTURE,
        mutant_is="a RatesClient that lets a connection error escape when no server answers",
    )  # fmt: skip
    # "Or when the server does not answer within `timeout`": without its time limit the client
    # waits for ever on a server that accepts the connection and never answers. Only a test
    # with such a server catches it (a closed port is refused at once, with or without a limit).
    no_limit = mutate(
        reference,
        (
            "with urllib.request.urlopen(self.base_url + path, timeout=self.timeout) as response:",
            "with urllib.request.urlopen(self.base_url + path) as response:",
        ),
    )
    assert_catches(
        student, SUITE, MODULE, reference, no_limit,
        "a RatesClient that waits for ever on a server that accepts and never answers",
        fixture=FIXTURE,
    )  # fmt: skip
