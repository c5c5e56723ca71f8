"""Question 3: size the API with Little's law, and its connection pools against the database."""

from prodev.checking import check


@check("q3", points=1)
def test_replicas_for_the_example_load(student):
    got = student.call("replicas_for", 120, 250, 4, 0.6)
    assert isinstance(got, int) and not isinstance(got, bool), (
        f"replicas_for should return a whole number of pods, got {got!r}"
    )
    assert got == 13, (
        f"120 requests/s of 250 ms each, 4 workers per pod kept 60% busy: got {got} pods, "
        "expected 13"
    )


@check("q3", points=1)
def test_pool_size_for_the_example_database(student):
    got = student.call("pool_size", 100, 10, 6, 2)
    assert got == 11, (
        f"max_connections 100, 10 reserved, 6 pods with a surge of 2: got {got!r} connections "
        "per pod, expected 11"
    )
