"""Question 4: the compose file is valid Compose and has the four services, pinned."""

from prodev.checking import check
from prodev.kits import dockerfiles

SERVICES = {"app", "worker", "db", "redis"}


def _compose(student):
    text = dockerfiles.student_text(student, "compose", "compose file")
    try:
        return dockerfiles.load_compose(text)
    except ValueError as exc:
        raise AssertionError(str(exc)) from None


@check("q4", points=1)
def test_the_file_is_valid_compose(student):
    errors = dockerfiles.schema_errors(_compose(student))
    assert not errors, "the Compose specification rejects the file: " + "; ".join(errors[:3])


@check("q4", points=1)
def test_four_services_built_or_pinned(student):
    services = _compose(student).get("services") or {}
    assert isinstance(services, dict) and set(services) == SERVICES, (
        f"the services should be exactly {sorted(SERVICES)}, not {sorted(services)}"
    )
    for name in ("app", "worker"):
        assert services[name].get("build") in (".", {"context": "."}), (
            f"`{name}` should be built from the context `.`"
        )
    for name, image in (("db", "postgres"), ("redis", "redis")):
        reference = str(services[name].get("image", ""))
        assert reference.split(":")[0].rsplit("/", 1)[-1] == image, (
            f"`{name}` should run the {image} image, not {reference!r}"
        )
        problem = dockerfiles.image_problem(reference)
        assert problem is None, f"`{name}`: {problem}"
