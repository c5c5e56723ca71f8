"""Fixtures for the public checks of lab 08: the practice API, started by the checks."""

from prodev.probes.practice import practice_api_fixture

# Every check gets a fresh API with 0.2 s of latency on each request, and reads its request log.
api = practice_api_fixture(latency=0.2)
