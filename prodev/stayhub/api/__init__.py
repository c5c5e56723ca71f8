"""The StayHub practice API: a real Django + DRF + GraphQL server on 127.0.0.1 with switches for
latency, errors, rate limits and auth, and an exact log of every request. See docs/api.md."""

from prodev.stayhub.api.requestlog import RequestRecord
from prodev.stayhub.api.server import (
    PracticeAPI,
    PracticeAPIError,
    practice_api,
    running_api,
    stop_running,
)
from prodev.stayhub.api.switches import SwitchError, Switches

__all__ = [
    "PracticeAPI",
    "PracticeAPIError",
    "RequestRecord",
    "SwitchError",
    "Switches",
    "practice_api",
    "running_api",
    "stop_running",
]
