"""Authentication for the practice API: DRF token and JWT, and the `require_auth` switch."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from prodev.stayhub.api import state


class SwitchableAuthPermission(BasePermission):
    """Writes always need a signed-in user; reads need one only while `require_auth` is on."""

    message = "Authentication credentials were not provided."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user and request.user.is_authenticated:
            return True
        if request.method in SAFE_METHODS:
            return not state.current().board.switches.require_auth
        return False


def authenticate(request: HttpRequest) -> Any:
    """The user a plain Django request authenticates as (token or JWT), or None if it sends no
    credentials. Bad credentials raise rest_framework's AuthenticationFailed."""
    drf_request = Request(request, authenticators=[TokenAuthentication(), JWTAuthentication()])
    user = drf_request.user
    return user if user.is_authenticated else None
