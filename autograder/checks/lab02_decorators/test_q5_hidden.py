"""Hidden checks of question 5 (`cached`): invalidation, clearing, expiry at exactly ttl, and
failures."""

from prodev import probes
from prodev.checking import check


def _calls(got):
    return [c[0] for c in got["probes"]["target"]["calls"]]


@check("q5", points=1)
def test_invalidate_and_clear(student):
    script = [
        {"args": [1]},
        {"args": [2]},
        {"attr": "invalidate", "args": [1]},
        {"args": [1]},
        {"args": [2]},
        {"attr": "clear"},
        {"args": [2]},
    ]
    got = probes.probe_decorate(
        student, "cached", probes.target(name="price_quote"), script, 300, probes.clock()
    )
    missing = [s["missing"] for s in got["steps"] if "missing" in s]
    assert not missing, f"the decorated function has no {missing[0]}() method"
    assert _calls(got) == [[1], [2], [1], [2]], (
        f"the function ran for {_calls(got)}: invalidate(1) should forget only the entry for 1, "
        "and clear() every entry"
    )
    # "Less than ttl seconds ago": a result exactly ttl seconds old is stale.
    script = [{"args": [4]}, {"advance": 29.5}, {"args": [4]}, {"advance": 0.5}, {"args": [4]}]
    got = probes.probe_decorate(
        student, "cached", probes.target(name="price_quote"), script, 30, probes.clock()
    )
    assert len(_calls(got)) == 2, (
        "a result stored exactly ttl seconds earlier was returned (or one stored less than ttl "
        "seconds earlier was not): a stored result is fresh only while it is less than ttl "
        "seconds old"
    )


@check("q5", points=1)
def test_errors_are_not_cached_and_name_kept(student):
    target = probes.target(name="availability", doc="Free nights.", fail_times=1)
    script = [{"args": [3]}, {"args": [3]}, {"args": [3]}]
    got = probes.probe_decorate(student, "cached", target, script, 30, probes.clock())
    first, second, third = got["steps"]
    assert probes.raised(got)[0] == "ConnectionError", f"the first call should raise, got {first}"
    assert "value" in second and second == third and len(_calls(got)) == 2, (
        "after a failed call the next call should run the function, and the one after that "
        "should be a hit"
    )
    assert got["wrapper"]["name"] == "availability" and got["wrapper"]["doc"] == "Free nights.", (
        "the decorated function lost its name or docstring"
    )
