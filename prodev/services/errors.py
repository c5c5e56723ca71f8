"""The one error the services raise (a leaf module: importing it starts nothing)."""

from __future__ import annotations

from prodev.errors import UserError


class ServiceError(UserError, RuntimeError):
    """A server could not be started, reached or stopped; the message says what to do."""
