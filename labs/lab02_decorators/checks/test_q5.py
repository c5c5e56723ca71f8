"""Question 5: `cached(ttl, clock)` skips the work on a fresh hit and expires entries."""

from prodev import probes
from prodev.checking import check

TARGET = probes.target(name="host_rating", doc="Average rating of a host.")


def _calls(got):
    return [c[0] for c in got["probes"]["target"]["calls"]]


@check("q5", points=1)
def test_a_hit_skips_the_work(student):
    script = [{"args": [7]}, {"args": [7]}, {"args": [8]}]
    got = probes.probe_decorate(student, "cached", TARGET, script, 60, probes.clock())
    values = [s.get("value") for s in got["steps"]]
    assert _calls(got) == [[7], [8]], (
        f"calls with arguments 7, 7, 8 ran the function for {_calls(got)}: the second call "
        "with 7 should be answered from the cache"
    )
    assert values[0] == values[1], "a cache hit should return the stored result"


@check("q5", points=1)
def test_entries_expire_after_ttl(student):
    script = [{"args": [7]}, {"advance": 59}, {"args": [7]}, {"advance": 2}, {"args": [7]}]
    got = probes.probe_decorate(student, "cached", TARGET, script, 60, probes.clock())
    calls = _calls(got)
    assert len(calls) == 2, (
        f"with ttl=60: a call, 59 s later the same call, 2 s after that the same call again "
        f"ran the function {len(calls)} times; expected a hit at 59 s and a miss at 61 s "
        "(read the `clock` you were given)"
    )
