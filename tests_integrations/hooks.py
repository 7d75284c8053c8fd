"""An ``API_TOKEN_HOOK`` as a DRF project writes it, and a DRF view that takes
the token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def drf_token(*, request: HttpRequest, user: Any) -> dict[str, str]:
    token, _created = Token.objects.get_or_create(user=user)
    return {"token": token.key}


class WhoAmI(APIView):  # type: ignore[misc]
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"username": request.user.get_username()})
