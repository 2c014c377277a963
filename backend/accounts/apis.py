"""Sign-in for API clients: exchange a password for a token, and revoke one's own token.

`POST /api/auth/token/` is refused for a while after too many failed attempts for one account or
from one address (`login_guard`, the same counters as the sign-in page) and is rate-limited per
address (scope `login`). Its error never says whether the account exists.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.exceptions import error_body, throttled_response
from backend.throttling import LoginThrottle, client_ip
from interaction.apis.common import ErrorSerializer, signed_in

from .api_tokens import api_token_issue, api_token_revoke
from .login_guard import LoginGuard, locked_message
from .models import User


class TokenInput(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, help_text="User name, mobile phone or e-mail address."
    )
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`. Any earlier token stops working."
    )
    username = serializers.CharField()
    role = serializers.CharField()


class TokenObtainApi(APIView):
    # The credentials are in the body: no session (so no CSRF) and no token are read.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Exchange a password for an API token (replaces any earlier token)",
        request=TokenInput,
        responses={
            201: TokenOutput,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Missing fields, or the name and password do not match an active "
                "account (`invalid_credentials`; the message never says which).",
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many attempts (`throttled`) or too many failed sign-ins for the "
                "account or from this address (`login_locked`); see `Retry-After`.",
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        guard = LoginGuard(username, client_ip(request))
        wait = guard.locked_for()
        if wait:
            return throttled_response(wait, code="login_locked", message=locked_message(wait))
        user = authenticate(
            request._request, username=username, password=data.validated_data["password"]
        )
        if not isinstance(user, User):
            guard.failed()
            return Response(
                error_body(
                    "invalid_credentials",
                    _("The name or the password is not right. Please check both and try again."),
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        guard.succeeded()
        key = api_token_issue(user=user, actor=user)
        out = TokenOutput({"token": key, "username": user.username, "role": user.role})
        return Response(out.data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Revoke my API token (requests with it get 401 afterwards)",
        request=None,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        api_token_revoke(user=signed_in(request), actor=signed_in(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
