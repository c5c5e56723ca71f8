"""The paths module 17's manifest review accepts for probes are the ones the practice API (the
app those manifests deploy) really answers, and a conventional path it does not serve is not."""

from __future__ import annotations

import httpx
import pytest

import prodev
from prodev.kits import manifests

pytestmark = pytest.mark.timeout(120)


def test_the_practice_api_serves_exactly_the_paths_probes_may_ask():
    with prodev.practice_api(seed=42) as api:
        served = {
            path: httpx.get(api.url + path, timeout=10).status_code
            for path in manifests.STAYHUB_API_PATHS
        }
        missing = httpx.get(api.url + "/healthz", timeout=10).status_code
    assert served == dict.fromkeys(manifests.STAYHUB_API_PATHS, 200), served
    assert manifests.STAYHUB_API_HEALTH in manifests.STAYHUB_API_PATHS
    assert missing == 404
